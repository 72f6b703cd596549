"""Shared set-up for the digest tests: fixture data through the real importer,
audit rows in the shared format, subscriptions through the real verb, and a
stand-in Slack with the bot's poster on a real AsyncWebClient pointed at it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.app import make_client
from bot.config import Settings
from bot.digest_poster import SlackPoster
from bot.runtime import Runtime
from handlers import dispatch
from handlers.replies import Reply
from store import revisions as revision_repo
from store.imports.apply import apply
from store.imports.readers import read_records
from store.imports.rows import validate
from store.models import FactChange, Licence, Patent, UnansweredQuestion
from tests.standin_slack import StandinSlack

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHANNEL = "CLICENSING"


async def load_fixtures(rt: Runtime) -> None:
    for name in ("facts.csv", "patents.csv", "licences.csv"):
        raw = read_records((FIXTURES / name).read_bytes(), filename=name)
        rows = validate(raw, home_subject="Huawei")
        async with rt.deps.sessions() as session, session.begin():
            await apply(session=session, kind=raw.kind, rows=rows, actor="fixture")
    await rt.deps.index.refresh(rt.deps.sessions, force=True)


async def add_licence(rt: Runtime, licensee: str, *, signed_on: date | None = None, expires_on: date | None = None,
                      kind: str = "bilateral", technology: str = "cellular") -> None:
    async with rt.deps.sessions() as session, session.begin():
        session.add(Licence(licensee=licensee, licensor="Huawei", kind=kind, technology=technology,
                            signed_on=signed_on, expires_on=expires_on, territory="worldwide", status="active"))
        await revision_repo.bump(session=session, kind="licences")


async def add_patent(rt: Runtime, number: str, title: str, expiry: date) -> None:
    async with rt.deps.sessions() as session, session.begin():
        session.add(Patent(number=number, number_key=number.replace(" ", ""), title=title, jurisdiction=number[:2],
                           status="granted", expiry_date=expiry, owner="Huawei Technologies Co Ltd"))
        await revision_repo.bump(session=session, kind="patents")


def fact_json(metric: str, period: str, value: str, numeric: float | None, unit: str, qualifier: str = "",
              source: str = "Huawei 2023 annual report", subject: str = "Huawei") -> dict[str, Any]:
    return {"subject": subject, "metric": metric, "period": period, "value": value, "numeric": numeric,
            "unit": unit, "qualifier": qualifier, "source": source}


async def add_change(rt: Runtime, *, at: datetime, actor: str, action: str, kind: str, key: str,
                     before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    async with rt.deps.sessions() as session, session.begin():
        session.add(FactChange(at=at, actor=actor, action=action, kind=kind, key=key,
                               before=json.dumps(before) if before is not None else None,
                               after=json.dumps(after) if after is not None else None,
                               source=(after or before or {}).get("source", "")))


async def add_question(rt: Runtime, text: str, at: datetime, times: int = 1) -> None:
    async with rt.deps.sessions() as session, session.begin():
        for _ in range(times):
            session.add(UnansweredQuestion(text=text, user="U1", channel=CHANNEL, asked_at=at))


async def say(rt: Runtime, text: str, *, user: str = "UADMIN", channel: str = CHANNEL) -> Reply:
    return await dispatch.handle(rt.deps, dispatch.Request(text, user=user, channel=channel))


@contextlib.asynccontextmanager
async def standin() -> AsyncIterator[tuple[StandinSlack, SlackPoster]]:
    """The stand-in Slack and the bot's digest poster on a real client pointed at it."""
    slack = await StandinSlack().start()
    try:
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=slack.api_url)  # type: ignore[call-arg]
        yield slack, SlackPoster(make_client(settings))
    finally:
        await slack.stop()
