"""The store: URLs as people write them, migrations both ways, seed facts."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from store.db import BadDatabaseUrl, downgrade, make_engine, migrate, normalize_url
from store.models import Fact


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///ipbot.db", "sqlite+aiosqlite:///ipbot.db"),
        ("sqlite:////var/lib/ipbot.db", "sqlite+aiosqlite:////var/lib/ipbot.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p@db:5432/ipbot", "postgresql+asyncpg://u:p@db:5432/ipbot"),
        ("postgres://u:p@db/ipbot", "postgresql+asyncpg://u:p@db/ipbot"),
        ("postgresql+psycopg2://u@db/ipbot", "postgresql+asyncpg://u@db/ipbot"),
        ("postgresql+asyncpg://u@db/ipbot", "postgresql+asyncpg://u@db/ipbot"),
        ("  postgresql://u@db/ipbot  ", "postgresql+asyncpg://u@db/ipbot"),
    ],
)
def test_database_url_forms_pick_the_async_driver(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url", ["mysql://u@db/x", "not a url", "", "oracle://x"])
def test_unsupported_database_url_is_refused_with_a_hint(url: str) -> None:
    with pytest.raises(BadDatabaseUrl) as err:
        normalize_url(url)
    assert "sqlite" in str(err.value)


async def test_fresh_database_holds_every_seed_fact_with_source(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Fact.metric, Fact.period, Fact.qualifier, Fact.source))).all()
    finally:
        await engine.dispose()
    got = {(m, p): (q, s) for m, p, q, s in rows}
    assert got[("valid patents", "2022")] == ("over", "Huawei 2022 annual report")
    assert got[("bilateral patent licences", "2022")][0] == "almost"
    assert got[("licensing revenue", "2022")][0] == "about"
    assert got[("cumulative r&d spending", "2022")][0] == "over"
    assert ("chief legal officer", "") in got and ("patent fee stance", "") in got
    assert all(source for _q, source in got.values())


async def test_migrations_are_reversible(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await downgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert set(tables) <= {"alembic_version"}
        await migrate(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            facts = (await conn.execute(select(Fact.metric))).all()
        assert {"facts", "patents", "licences", "fact_changes"} <= set(tables)
        assert len(facts) >= 10
    finally:
        await engine.dispose()


async def test_0006_fills_the_record_columns_of_existing_changes(db_url: str) -> None:
    """Changes written before 0006 (one "a|b|c" key) get their record columns from
    their snapshots, "|" in names included."""
    import json

    from alembic import command
    from sqlalchemy import text

    from store.db import _alembic_config
    from store.models import FactChange

    def _to(sync_conn, rev: str, up: bool) -> None:
        cfg = _alembic_config()
        cfg.attributes["connection"] = sync_conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_to, "0005_more_aliases", False)
            fact = {"subject": "Huawei", "metric": "a|b", "period": "2023", "value": "1"}
            lic = {"licensee": "X|Y", "licensor": "Huawei", "signed_on": "2023-05-01"}
            for kind, key, snap in (("fact", "Huawei|a|b|2023", fact), ("licence", "X|Y|Huawei|2023-05-01", lic),
                                    ("alias", "r|d", {"alias": "r|d", "metric": "a|b"})):
                await conn.execute(text(
                    "INSERT INTO fact_changes (at, actor, action, kind, key, before, after, source) "
                    "VALUES (CURRENT_TIMESTAMP, 'U1', 'set', :kind, :key, NULL, :after, '')"),
                    {"kind": kind, "key": key, "after": json.dumps(snap)})
        await migrate(engine)
        async with engine.connect() as conn:
            cols = (await conn.execute(select(FactChange.kind, FactChange.metric, FactChange.licensee_key,
                                              FactChange.alias).order_by(FactChange.id))).all()
        assert [tuple(c) for c in cols][-3:] == [("fact", "a|b", "", ""), ("licence", "", "x|y", ""),
                                                ("alias", "a|b", "", "r|d")]
    finally:
        await engine.dispose()


def test_head_is_the_last_migration() -> None:
    """A store at HEAD starts without Alembic: HEAD must be where the scripts end,
    or a new migration would never run."""
    from alembic.script import ScriptDirectory

    from store.db import HEAD, _alembic_config

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == HEAD


async def test_a_store_one_migration_behind_is_brought_to_head(db_url: str) -> None:
    from sqlalchemy import text

    from store.db import HEAD, at_head

    engine = make_engine(db_url)
    try:
        await downgrade(engine, "-1")
        assert not await at_head(engine)
        await migrate(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one() == HEAD
    finally:
        await engine.dispose()
