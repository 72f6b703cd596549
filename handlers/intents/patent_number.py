"""One patent by number, in any spacing or case, with or without kind code, or one of its fields
e.g. patent US 8818681 B1 · EP3123456A1 · when was US 8818681 B1 granted? · who owns CN104123456B?"""

from __future__ import annotations

from datetime import date

from handlers import lexicon as lx
from handlers import patent_engine, wording
from handlers.deps import Deps
from handlers.intents import common
from handlers.plan import Context, Plan
from handlers.replies import Reply, ReplyKind
from store.records import PatentRecord

_ACCEPTS = {"patent", "field", "when", "granted", "filed", "expire", "status", "juris", "titlefiller", "listing"}
_FIELD_NAMES = {
    "grant_date": "grant date", "expiry_date": "expiry date", "filing_date": "filing date", "owner": "owner",
    "family_id": "patent family", "status": "status", "jurisdiction": "jurisdiction", "title": "title",
    "technology": "technology",
}


# the time of a question this type reads (handlers/intents/__init__.py): none
TIME: frozenset[str] = frozenset()


def match(ctx: Context) -> Plan | None:
    if not ctx.q.patent_numbers:
        return None
    fields = list(dict.fromkeys(lx.FIELDS[w.norm] for w in ctx.q.words if w.norm in lx.FIELDS))
    statuses = [w for w in ctx.q.words if "status" in ctx.kinds(w)]
    if len(statuses) >= 2 and ctx.q.has("or"):
        fields = ["status"]  # "published or granted?" asks for its status
    # several fields ("status, expiry and owner?"): the whole record, which shows them all
    plan = Plan("patent_number", filters={"number": ", ".join(ctx.q.patent_numbers)},
                operation=fields[0] if len(fields) == 1 else "")
    plan.unexplained = common.unexplained_words(ctx, _ACCEPTS)
    # a count is asked of many patents, never of one ("how many patents are in the family
    # of EP3123456?"): even when "how many patents" reads as the valid-patent count, one
    # patent's record is not its answer
    plan.unexplain(w.surface for w in ctx.q.words if "count" in ctx.kinds(w))
    return plan


async def execute(deps: Deps, plan: Plan, ctx: Context) -> Reply:
    engine = patent_engine.of(deps)
    ids: list[int] = []
    missing: list[str] = []
    for nkey in ctx.q.patent_numbers:
        found = await engine.by_number(nkey)
        ids.extend(found)
        if not found:
            missing.append(nkey)
    if not ids:
        return Reply(ReplyKind.NOT_KNOWN, f"No patent {', '.join(missing)} is in the store.",
                     note="Search by title words instead: patents <words>.")
    patents = await common.fetch_patents(deps, ids[: common.SHOWN])
    note = f"Not in the store: {', '.join(missing)}." if missing else ""
    if plan.operation == "grant_date" and ctx.q.words and ctx.q.words[0].norm in ("is", "was", "has"):
        return _is_granted(patents, note)
    if plan.operation:
        return _field(plan.operation, patents, note)
    lines = [wording.patent_line(pt) for pt in patents]
    head = lines[0] if len(lines) == 1 else f"{len(lines)} patents:"
    return Reply(ReplyKind.ANSWER, head, lines=lines if len(lines) > 1 else [], note=note, patents=patents)


def _field(field: str, patents: list[PatentRecord], note: str) -> Reply:
    name = _FIELD_NAMES[field]
    lines, answered = [], True
    for pt in patents:
        value = getattr(pt, field)
        if isinstance(value, date):
            value = value.isoformat()
        if value:
            lines.append(f"{pt.number} — {name}: {value}")
        else:
            answered = False
            lines.append(f"{pt.number} — no {name} is stored")
    head = lines[0] if len(lines) == 1 else f"{name.capitalize()} of {len(lines)} patents:"
    return Reply(ReplyKind.ANSWER if answered else ReplyKind.NOT_KNOWN, head,
                 lines=lines if len(lines) > 1 else [], note=note, patents=patents)


def _is_granted(patents: list[PatentRecord], note: str) -> Reply:
    """"is WO2020123456A1 granted yet?": yes with the date, or no with its status."""
    lines = []
    for pt in patents:
        if pt.grant_date:
            lines.append(f"Yes — {pt.number} was granted on {pt.grant_date.isoformat()}")
        else:
            lines.append(f"No grant is recorded for {pt.number}; status: {pt.status or 'not recorded'}")
    answered = all(pt.grant_date or pt.status for pt in patents)
    return Reply(ReplyKind.ANSWER if answered else ReplyKind.NOT_KNOWN, lines[0], lines=lines[1:], note=note,
                 patents=patents)
