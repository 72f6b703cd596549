"""Re-publish the App Home tab of people who opened it recently when the store
changes, within Slack's rate limits.

A change is learnt from the index (handlers/index.py calls `changed` after a
refresh reloaded facts or licences): on the replica that made it right after its
transaction committed, on the others when they pick the revision up (NOTIFY or
polling). `changed` only sets an event; the work happens in this object's own task,
never in a Slack acknowledgement, and never blocks the loop.

- **Who:** `home_views` (the database, so every replica knows) holds who opened the
  tab in the last WINDOW and the revision their tab shows; someone who never opened
  it gets nothing.
- **Once per change, whichever replica:** a conditional UPDATE moves a user's row to
  the new revision; only the replica whose UPDATE did it publishes.
- **Bursts:** a change waits COALESCE seconds for the rest of its burst, and a tab is
  re-published at most once per PER_USER (the newest state then), so an import or a
  run of `/ip set`s costs each person one publish.
- **Rate limit:** views.publish is Tier 4 (100+ a minute per workspace); re-publishing
  takes at most BUDGET a minute, counted in the database across replicas, leaving
  the rest for tabs being opened. Whoever is left waits for the next round (RETRY).
  A 429 is retried by the client after its Retry-After; a publish that still fails
  is handed back and tried again in the next round."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import home
from handlers import home as home_service
from handlers import home_views as views
from handlers.deps import Deps

log = logging.getLogger(__name__)

# the kinds the Home tab shows (patents are not on it)
KINDS = ("facts", "licences")
# opened the tab this recently: re-published after a change
WINDOW = timedelta(days=7)
# seconds a change waits for the rest of its burst
COALESCE = 2.0
# one person's tab is re-published at most this often
PER_USER = timedelta(minutes=1)
# re-publications a minute, all replicas together
BUDGET = 50
# seconds before those left over (budget, PER_USER, a failed publish) are tried again
RETRY = 15.0
# most people handled in one round
ROUND = 200
# Slack errors worth another try later; anything else (the user left, the Home tab
# is disabled) stays as it is until the person opens the tab again
TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class HomeRefresher:
    def __init__(self, deps: Deps, client: AsyncWebClient, *, coalesce: float = COALESCE) -> None:
        self.deps = deps
        self.client = client
        self.coalesce = coalesce
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._busy = False
        self._idle = asyncio.Condition()

    def revision(self) -> int:
        """The state of what the tab shows, as this replica knows it."""
        return sum(self.deps.index.revisions.get(k, 0) for k in KINDS)

    def attach(self) -> None:
        self.deps.index.listeners.append(self.changed)

    def changed(self, kinds: frozenset[str]) -> None:
        if kinds.intersection(KINDS):
            self.poke()

    def poke(self) -> None:
        """Something may need re-publishing: look soon. Never blocks."""
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def opened(self, user: str, rev: int) -> None:
        """`user` opened the tab and was shown revision `rev`."""
        await views.record_open(self.deps, user=user, rev=rev)
        if self.revision() != rev:
            # a change landed while the tab was being built
            self.poke()

    async def settled(self) -> None:
        """Wait until every change seen so far has had its round (tests, shutdown)."""
        async with self._idle:
            await self._idle.wait_for(lambda: not self._wake.is_set() and not self._busy)

    async def close(self) -> None:
        if self.changed in self.deps.index.listeners:
            self.deps.index.listeners.remove(self.changed)
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        retry: float | None = None
        while True:
            if retry is None:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), retry)
            if self._wake.is_set():
                # the rest of the burst arrives meanwhile and is handled in this round
                await asyncio.sleep(self.coalesce)
            async with self._idle:
                self._busy = True
                self._wake.clear()
            try:
                retry = RETRY if await self.round() else None
            except (SQLAlchemyError, OSError) as exc:
                log.warning("re-publishing the Home tab: store unavailable (%s); retrying", type(exc).__name__)
                retry = RETRY
            except Exception:
                log.exception("re-publishing the Home tab failed")
                retry = RETRY
            finally:
                async with self._idle:
                    self._busy = False
                    self._idle.notify_all()

    async def round(self) -> bool:
        """Re-publish every recent visitor's tab that is behind; True if some are left."""
        rev = self.revision()
        now = self.deps.clock()
        behind, used = await views.behind(self.deps, rev=rev, now=now, window=WINDOW, limit=ROUND)
        ready = [user for user, at in behind if at is None or _aware(at) <= now - PER_USER]
        room = max(0, BUDGET - used)
        left = len(behind) > len(ready[:room])
        for user in ready[:room]:
            if not await self._publish(user, rev):
                left = True
        return left

    async def _publish(self, user: str, rev: int) -> bool:
        now = self.deps.clock()
        # committed before the publish: another replica sees it and leaves this user alone
        shown = await views.take(self.deps, user=user, rev=rev, now=now, not_after=now - PER_USER)
        if shown is None:
            return True
        try:
            page = await home_service.page(self.deps, user)
            await self.client.views_publish(user_id=user, view=home.view(page))
            return True
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = _error(exc)
            log.warning("could not re-publish the Home tab of %s: %s", user, error)
            if error not in TRANSIENT:
                return True
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not build the Home tab of %s: store unavailable (%s)", user, type(exc).__name__)
        await views.give_back(self.deps, user=user, rev=rev, shown=shown)
        return False


def _error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "error")
    # a dropped connection or a timeout: worth another try
    return "request_timeout"


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC
    return at if at.tzinfo else at.replace(tzinfo=UTC)
