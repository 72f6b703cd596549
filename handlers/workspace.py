"""The app lost its access to the workspace (uninstalled, or its bot token
revoked): nothing may be posted there any more. Every digest subscription is
paused, so no scheduler on any replica posts; after a reinstall an admin resumes
them with `digest resume` in each channel. Slack-free: bot/workspace_events.py
calls it for the `app_uninstalled` and `tokens_revoked` events."""

from __future__ import annotations

import logging

from handlers import digest as digest_handler
from handlers.deps import Deps
from store import digests as digest_repo

log = logging.getLogger(__name__)


async def access_lost(deps: Deps, *, reason: str) -> int:
    """Pause every digest subscription; returns how many were active. Raises the
    store's error when the database is unreachable, so the event is not acknowledged
    and Slack delivers it again."""
    async with deps.unit_of_work() as session:
        paused = await digest_repo.pause_all(session=session)
    log.warning("workspace access lost (%s): %d digest subscription(s) paused; after reinstalling, "
                "`/ip digest resume` in each channel", reason, paused)
    for listener in list(digest_handler.CHANGE_LISTENERS):
        listener()
    return paused
