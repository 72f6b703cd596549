"""The store: URLs as people write them, migrations both ways, seed facts."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from store.db import BadDatabaseUrl, downgrade_all, make_engine, migrate, normalize_url
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
        await downgrade_all(engine)
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
