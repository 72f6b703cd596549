"""Facts, licences and aliases added or changed since the last digest, from the
audit log: one line per changed record, with who changed it."""

from __future__ import annotations

from handlers import wording
from handlers.digest_sections.base import SECTION_FETCH, DigestContext, DigestItem, DigestSection, section
from store import digests as digest_repo
from store.records import ChangeRecord, FactKey, FactRecord, LicenceKey, Record, RecordKey

TITLE = "Facts added or changed since the last digest"


def _record_text(record: Record | None) -> str:
    # the label already names the licence's parties
    return wording.change_text(record, parties=False) if record else ""


def _change_label(key: RecordKey, home: str) -> str:
    if isinstance(key, FactKey):
        name = key.metric if key.subject in ("", home) else f"{key.subject} {key.metric}"
        return f"{name} {key.period}".strip()
    if isinstance(key, LicenceKey):
        details = ", ".join(b for b in (f"licensor {key.licensor}" if key.licensor else "",
                                        f"signed {key.signed_on.isoformat()}" if key.signed_on else "") if b)
        return f"licence with {key.licensee}" + (f" ({details})" if details else "")
    return f"alias “{key.alias}”"


def _source(record: Record | None) -> str:
    return record.source if isinstance(record, FactRecord) else ""


def change_items(rows: list[ChangeRecord], home: str) -> list[DigestItem]:
    """One line per changed record: several edits of the same fact in one period
    read as first value → last value; an edit that was reverted is left out."""
    grouped: dict[RecordKey, list[ChangeRecord]] = {}
    for r in rows:
        grouped.setdefault(r.key, []).append(r)
    items = []
    for key, rs in grouped.items():
        before, after = rs[0].before, rs[-1].after
        if before == after:
            continue
        b, a = _record_text(before), _record_text(after)
        label = _change_label(key, home)
        if before is None:
            text = f"{label}: added, {a}" if a else f"{label}: added"
        elif after is None:
            text = f"{label}: removed (was {b})"
        else:
            text = f"{label}: {b} → {a}" if b != a else f"{label}: details changed ({a})"
        if _source(after) and _source(after) != _source(before):
            text += f" (source: {_source(after)})"
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
