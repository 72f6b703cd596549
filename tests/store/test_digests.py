"""The claim that makes a digest go out once, on both backends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from store import digests as digest_repo
from store.db import make_engine, make_sessionmaker

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def _subscribe(sessions, channel: str = "C1") -> int:
    async with sessions() as session, session.begin():
        sub, created = await digest_repo.subscribe(
            session=session, channel=channel, frequency="weekly", weekday=0, day_of_month=1, at_time="09:00",
            timezone="Europe/Berlin", skip_empty=False, actor="UADMIN", at=T0 - timedelta(days=30))
        assert created
        return sub.id


async def _claim(sessions, sub_id: int, key: str, at: datetime, **kw):
    async with sessions() as session, session.begin():
        run = await digest_repo.claim(session=session, subscription_id=sub_id, period_key=key, at=at, **kw)
        return run.id if run else None


async def test_a_period_is_claimed_once(rt) -> None:
    s = rt.deps.sessions
    sub_id = await _subscribe(s)
    first = await _claim(s, sub_id, "2026-W49", T0)
    assert first is not None
    assert await _claim(s, sub_id, "2026-W49", T0) is None
    # another period, or another subscription, is its own claim
    assert await _claim(s, sub_id, "2026-W50", T0) is not None
    assert await _claim(s, await _subscribe(s, "C2"), "2026-W49", T0) is not None
    async with s() as session, session.begin():
        await digest_repo.mark_sent(session=session, run_id=first, message_ts="17.1", at=T0)
    assert await _claim(s, sub_id, "2026-W49", T0 + timedelta(days=1), stale_claim_before=T0 + timedelta(days=1)) \
        is None
    async with s() as session:
        run = await digest_repo.get_run(session=session, subscription_id=sub_id, period_key="2026-W49")
        assert (run.status, run.message_ts, run.attempts) == ("sent", "17.1", 1)
        assert await digest_repo.last_delivered(session=session, subscription_id=sub_id) is not None


async def test_a_failed_run_is_retaken_by_one_claimer(rt) -> None:
    s = rt.deps.sessions
    sub_id = await _subscribe(s)
    run_id = await _claim(s, sub_id, "2026-W49", T0)
    async with s() as session, session.begin():
        await digest_repo.mark_failed(session=session, run_id=run_id, error="Slack error: internal_error")
    # too soon for the resync job's back-off
    assert await _claim(s, sub_id, "2026-W49", T0 + timedelta(minutes=1),
                        retry_failed_before=T0 - timedelta(minutes=4)) is None
    again = await _claim(s, sub_id, "2026-W49", T0 + timedelta(minutes=6))
    assert again == run_id
    assert await _claim(s, sub_id, "2026-W49", T0 + timedelta(minutes=6)) is None
    async with s() as session:
        run = await digest_repo.get_run(session=session, subscription_id=sub_id, period_key="2026-W49")
        assert (run.status, run.attempts, run.error) == ("claimed", 2, "Slack error: internal_error")


async def test_an_abandoned_claim_is_retaken_only_when_stale(rt) -> None:
    s = rt.deps.sessions
    sub_id = await _subscribe(s)
    assert await _claim(s, sub_id, "2026-W49", T0) is not None
    assert await _claim(s, sub_id, "2026-W49", T0 + timedelta(minutes=5),
                        stale_claim_before=T0 - timedelta(minutes=10)) is None
    assert await _claim(s, sub_id, "2026-W49", T0 + timedelta(minutes=30),
                        stale_claim_before=T0 + timedelta(minutes=15)) is not None


async def test_concurrent_claimers_on_separate_engines_one_wins(rt, settings) -> None:
    sub_id = await _subscribe(rt.deps.sessions)
    engines = [make_engine(settings.database_url) for _ in range(4)]
    try:
        makers = [make_sessionmaker(e) for e in engines]
        for key in ("2026-W49", "2026-W50", "2026-W51"):
            won = await asyncio.gather(*(_claim(m, sub_id, key, T0) for m in makers))
            assert sum(1 for w in won if w is not None) == 1
        # and for retaking a failed run
        run_id = await _claim(rt.deps.sessions, sub_id, "2026-W52", T0)
        async with rt.deps.sessions() as session, session.begin():
            await digest_repo.mark_failed(session=session, run_id=run_id, error="boom")
        won = await asyncio.gather(*(_claim(m, sub_id, "2026-W52", T0 + timedelta(hours=1)) for m in makers))
        assert sum(1 for w in won if w is not None) == 1
    finally:
        for e in engines:
            await e.dispose()


async def test_unsubscribe_removes_runs_and_pause_flags(rt) -> None:
    s = rt.deps.sessions
    sub_id = await _subscribe(s)
    await _claim(s, sub_id, "2026-W49", T0)
    async with s() as session, session.begin():
        assert await digest_repo.set_paused(session=session, channel="C1", paused=True)
        assert await digest_repo.list_subscriptions(session=session, active_only=True) == []
        assert not await digest_repo.set_paused(session=session, channel="CNONE", paused=True)
    async with s() as session, session.begin():
        assert await digest_repo.unsubscribe(session=session, channel="C1")
    async with s() as session:
        assert await digest_repo.list_runs(session=session, subscription_id=sub_id) == []
