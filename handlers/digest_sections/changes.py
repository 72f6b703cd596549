"""Facts, licences and aliases added or changed since the last digest, from the
audit log: one line per changed record, with who changed it."""

from __future__ import annotations

from typing import Any

from handlers import wording
from handlers.digest_sections.base import SECTION_FETCH, DigestContext, DigestItem, DigestSection, section
from store import audit
from store import digests as digest_repo

TITLE = "Facts added or changed since the last digest"


def _snapshot_text(kind: str, snap: dict[str, Any] | None) -> str:
    # the label already names the licence's parties
    return wording.change_text(kind, snap, parties=False) if snap else ""


def _change_label(key: audit.RecordKey, home: str) -> str:
    if isinstance(key, audit.FactKey):
        name = key.metric if key.subject in ("", home) else f"{key.subject} {key.metric}"
        return f"{name} {key.period}".strip()
    if isinstance(key, audit.LicenceKey):
        details = ", ".join(b for b in (f"licensor {key.licensor}" if key.licensor else "",
                                        f"signed {key.signed_on.isoformat()}" if key.signed_on else "") if b)
        return f"licence with {key.licensee}" + (f" ({details})" if details else "")
    return f"alias “{key.alias}”"


def change_items(rows: list[Any], home: str) -> list[DigestItem]:
    """One line per changed record: several edits of the same fact in one period
    read as first value → last value; an edit that was reverted is left out."""
    grouped: dict[tuple[str, audit.RecordKey], list[Any]] = {}
    for r in rows:
        grouped.setdefault((r.kind, audit.key_of(r)), []).append(r)
    items = []
    for (kind, key), rs in grouped.items():
        before, after = audit.loads(rs[0].before), audit.loads(rs[-1].after)
        b, a = _snapshot_text(kind, before), _snapshot_text(kind, after)
        if before == after:
            continue
        label = _change_label(key, home)
        if before is None:
            text = f"{label}: added, {a}" if a else f"{label}: added"
        elif after is None:
            text = f"{label}: removed (was {b})"
        else:
            text = f"{label}: {b} → {a}" if b != a else f"{label}: details changed ({a})"
        source = (after or {}).get("source") if kind == "fact" else None
        if source and source != (before or {}).get("source"):
            text += f" (source: {source})"
        actors = tuple(dict.fromkeys(r.actor for r in rs if r.actor))
        items.append(DigestItem(text, actors))
    return items


async def build(ctx: DigestContext) -> DigestSection | None:
    # fetched generously: several edits of one fact collapse into one line
    rows, total = await digest_repo.changes_since(session=ctx.session, since=ctx.since, until=ctx.now,
                                                  limit=SECTION_FETCH * 20)
    items = change_items(rows, ctx.deps.home_subject)
    # rows not fetched are counted as one line each: the best estimate without reading them
    return section(TITLE, items, len(items) + max(total - len(rows), 0))
