"""Admin changes as forms (Slack modals from the App Home buttons and `/ip set` with
nothing after it): each field is checked with the typed command's own parsers, so a
mistake is shown on the field it is in, and a valid form makes exactly the change
the typed command would (audited, undoable, seen by every replica)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from handlers import admin, pickers
from handlers import admin_parse as ap
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import BadCommand
from handlers.permissions import require_admin, shows_admin_tools
from handlers.replies import ActionId, Button, Field, Form, Reply, ReplyKind
from store import audit
from store.records import FactRecord
from store.safe_text import problem
from store.values import QUALIFIERS, BadValue, ParsedValue, format_amount, format_value, parse_period, parse_value

LICENCE_FIELDS = ("kind", "technology", "territory", "status")
# the fact form's unit choices: what parse_value reads, plus "text" for a figure in words
UNITS = ("USD", "CNY", "EUR", "GBP", "JPY", "%", "count", "text")
EXACTLY = "exactly"
# "Correct this" buttons on one answer (a trend answer holds a figure a year)
MAX_CORRECTIONS = 5


def _invalid(errors: dict[str, str]) -> Reply:
    return Reply(ReplyKind.ERROR, "Please correct the form.", field_errors=errors)


def _subjects(deps: Deps) -> tuple[str, ...]:
    others = sorted(s for s in deps.index.facts.subjects.values() if s.lower() != deps.home_subject.lower())
    return (deps.home_subject, *others)


def _number(fact: FactRecord) -> str:
    """A stored figure's number as the form shows it, its unit in the unit field:
    "161.5 billion", not "161.5 billion yuan (CNY)" (the dollar form minus its sign
    is the one unit-free wording store.values has)."""
    if fact.numeric is None:
        return fact.value
    return format_amount(fact.numeric, "USD").removeprefix("US$")


def _fact_fields(deps: Deps, fact: FactRecord | None, metric: str = "", period: str = "") -> tuple[Field, ...]:
    metric = fact.metric if fact else metric
    unit = "" if fact is None else ("text" if fact.numeric is None else fact.unit)
    return (
        Field("subject", "Company", kind="select", options=_subjects(deps),
              initial=fact.subject if fact else deps.home_subject),
        Field("metric", "Metric", kind="search", hint="Type to search stored metrics and their other names",
              initial=pickers.metric_value(metric) if metric else "", initial_label=metric),
        Field("period", "Year", optional=True, initial=fact.period if fact else period,
              hint="e.g. 2023; empty for a figure without a year"),
        Field("value", "Value", initial=_number(fact) if fact else "",
              hint="e.g. 630 million with its unit below, or all in one: US$630 million, over 120,000, 25.1%"),
        Field("unit", "Unit", kind="select", optional=True, options=UNITS, initial=unit if unit in UNITS else "",
              hint="Empty: as written in the value"),
        Field("qualifier", "Qualifier", kind="select", optional=True, options=(EXACTLY, *QUALIFIERS),
              initial=(fact.qualifier or "") if fact else "", hint="Empty: as written in the value"),
        Field("source", "Source", optional=True, initial=fact.source if fact else "",
              hint="e.g. Annual Report 2023"),
    )


def _fact_reply(deps: Deps, title: str, fields: tuple[Field, ...], notes: tuple[str, ...] = ()) -> Reply:
    return Reply(ReplyKind.PREVIEW, title, form=Form(ActionId.FACT_SUBMIT.value, "", title, "Save", fields,
                                                     notes=notes))


def new_fact_form(deps: Deps, *, period: str = "", note: str = "") -> Reply:
    """The fact form for a figure not stored yet (a gap's "Add the fact"); the caller
    has checked that the person is an admin."""
    return _fact_reply(deps, "Add a fact", _fact_fields(deps, None, "", period), (note,) if note else ())


@admin.safe
async def fact_form(deps: Deps, req: Request, metric: str) -> Reply:
    """Edit a fact: company, metric (type-ahead), year, value, unit, qualifier, source;
    the metric pre-chosen when the button names one."""
    await require_admin(deps, req)
    known = metric if metric in deps.index.facts.metrics else ""
    return _fact_reply(deps, "Edit a fact", _fact_fields(deps, None, known))


@admin.safe
async def correct_form(deps: Deps, req: Request, value: str) -> Reply:
    """"Correct this" on an answer: the fact form filled in with the stored figure."""
    await require_admin(deps, req)
    key = audit.key_from_value(value)
    if key is None:
        raise BadCommand("That button is no longer valid; ask the question again.")
    subject, metric, period = key.subject, key.metric, key.period
    fact = deps.index.facts.periods(subject, metric).get(period)
    if fact is None:
        return Reply(ReplyKind.ERROR, f"{metric} {period} is no longer stored; use Edit a fact to add it.".strip())
    return _fact_reply(deps, "Correct a fact", _fact_fields(deps, fact))


def _read_value(errors: dict[str, str], typed: str, unit: str, qualifier: str) -> ParsedValue | None:
    """The value field read with the typed command's parser, then the unit and
    qualifier fields applied; a conflict between them is named on the field."""
    if unit and unit not in UNITS:
        errors["unit"] = "Choose a unit from the list."
    if qualifier and qualifier not in (EXACTLY, *QUALIFIERS):
        errors["qualifier"] = "Choose a qualifier from the list."
    why = problem(typed, name=False)
    if why:
        errors["value"] = f"The value {why}."
        return None
    if unit == "text":
        if qualifier and qualifier != EXACTLY:
            errors["qualifier"] = "A figure in words has no qualifier; leave it empty."
        return ParsedValue(value=" ".join(typed.split()), numeric=None, unit="text", qualifier="")
    try:
        pv = parse_value(typed)
    except BadValue as exc:
        errors["value"] = str(exc)
        return None
    if pv.numeric is None:
        if unit:
            errors["unit"] = f"“{typed[:40]}” is not a number; choose text, or type the number."
        return pv
    if unit and pv.unit not in ("count", unit):
        errors["unit"] = f"The value is written in {pv.unit}; choose {pv.unit}, or leave the unit empty."
    chosen_q = "" if qualifier == EXACTLY else qualifier
    if qualifier and pv.qualifier and pv.qualifier != chosen_q:
        errors["qualifier"] = f"The value already says “{pv.qualifier}”; leave the qualifier empty."
    new_unit, new_q = unit or pv.unit, chosen_q if qualifier else pv.qualifier
    if (new_unit, new_q) == (pv.unit, pv.qualifier):
        return pv
    return ParsedValue(value=format_value(pv.numeric, new_unit, new_q), numeric=pv.numeric, unit=new_unit,
                       qualifier=new_q)


@admin.safe
async def fact_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    """Each field read by the typed command's parsers, mistakes named on their field;
    then the same change as `/ip set`. A change that looks wrong (10x, another unit)
    turns the form into a confirmation, and nothing is written until it is confirmed."""
    await require_admin(deps, req)
    errors: dict[str, str] = {}
    subjects = {s.lower(): s for s in _subjects(deps)}
    subject = subjects.get(values.get("subject", "").strip().lower(), "")
    if not subject:
        errors["subject"] = "Choose a company from the list."
    chosen = values.get("metric", "").strip()
    metric = pickers.metric_of(deps, chosen) if chosen else None
    if metric is None:
        errors["metric"] = "Choose a metric." if not chosen else "That metric is no longer offered; choose again."
    else:
        why = problem(metric, name=True)
        if why or len(metric) > ap.MAX_METRIC:
            errors["metric"] = f"The metric name {why or f'is longer than {ap.MAX_METRIC} characters'}."
    period = values.get("period", "").strip()
    year = parse_period(period) if period else ""
    if year is None:
        errors["period"] = f"“{period[:40]}” is not a year (e.g. 2023), or leave it empty."
    pv = _read_value(errors, values.get("value", ""), values.get("unit", "").strip(),
                     values.get("qualifier", "").strip())
    source = " ".join(values.get("source", "").split())
    why = problem(source, name=False)
    if why:
        errors["source"] = f"The source {why}."
    if errors:
        return _invalid(errors)
    assert metric is not None and pv is not None and year is not None
    current = deps.index.facts.periods(subject, metric).get(year)
    if current is not None and pv.numeric is not None and \
            (current.numeric, current.unit, current.qualifier) == (pv.numeric, pv.unit, pv.qualifier):
        # the same figure in other words ("US$560M" for "US$560 million") is no change
        pv = ParsedValue(current.value, pv.numeric, pv.unit, pv.qualifier)
    reply = await admin.set_parsed(deps, req, ap.SetCmd(metric, year, pv, source), subject=subject)
    token = next((b.value for b in reply.buttons if b.action == ActionId.CONFIRM_CHANGE.value), "")
    if reply.kind is ReplyKind.CONFIRM and token:
        return Reply(ReplyKind.CONFIRM, reply.headline, form=Form(
            ActionId.FACT_CONFIRM.value, token, "Confirm the change", "Confirm", (),
            notes=(reply.headline, *reply.lines, "Nothing is written until you press Confirm; Cancel leaves the "
                                                 "stored figure as it is.")))
    return reply


@admin.safe
async def fact_confirm(deps: Deps, req: Request, token: str, _values: dict[str, str]) -> Reply:
    """The confirmation's Confirm: the pending change is written, once (a second
    submission finds it applied)."""
    return await admin.confirm_change(deps, req, token)


async def offer_corrections(deps: Deps, req: Request, reply: Reply) -> Reply:
    """An answer with stored figures, seen only by an admin (their `/ip` answer, their
    DM), gets a "Correct this" button a figure; nobody else ever sees one."""
    if not (req.private or req.is_dm) or reply.kind is not ReplyKind.ANSWER or not reply.facts or not req.user:
        return reply
    try:
        if not await shows_admin_tools(deps, req.user):
            return reply
    except (SQLAlchemyError, OSError):
        return reply  # the answer matters more than the button
    facts = reply.facts[:MAX_CORRECTIONS]
    for f in facts:
        label = "Correct this" if len(facts) == 1 else f"Correct {f.metric} {f.period}".strip()
        reply.buttons.append(Button(label, ActionId.CORRECT_FACT.value, audit.key_value(f.key)))
    return reply


@admin.safe
async def licence_form(deps: Deps, req: Request, _value: str) -> Reply:
    await require_admin(deps, req)
    return Reply(ReplyKind.PREVIEW, "Add a licence", form=Form(
        ActionId.LICENCE_SUBMIT.value, "", "Add a licence", "Add", (
            Field("licensee", "Licensee"),
            Field("signed", "Signed", optional=True, hint="YYYY-MM or YYYY-MM-DD"),
            Field("expires", "Expires", optional=True, hint="YYYY-MM or YYYY-MM-DD"),
            *(Field(name, name.capitalize(), optional=True) for name in LICENCE_FIELDS),
        )))


@admin.safe
async def licence_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    await require_admin(deps, req)
    name = " ".join(values.get("licensee", "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["licensee"] = "Name the licensee."
    for f in ("signed", "expires"):
        typed = values.get(f, "").strip()
        if typed and ap.month_date(typed) is None:
            errors[f] = f"“{typed[:40]}” is not a date (use YYYY-MM or YYYY-MM-DD)."
    for f in LICENCE_FIELDS:
        if ":" in values.get(f, ""):
            errors[f] = "Leave out “:”."
    if errors:
        return _invalid(errors)
    fields = [f"{f}:{values[f].strip()}" for f in ("signed", "expires", *LICENCE_FIELDS) if values.get(f, "").strip()]
    return await admin.licensee(deps, req, " ".join(["add", name, *fields]))


@admin.safe
async def remove_licence_form(deps: Deps, req: Request, _value: str) -> Reply:
    """Remove a licence: a type-ahead list of the stored licences."""
    await require_admin(deps, req)
    return Reply(ReplyKind.PREVIEW, "Remove a licence", form=Form(
        ActionId.LICENCE_REMOVE_SUBMIT.value, "", "Remove a licence", "Remove", (
            Field("licence", "Licence", kind="search", hint="Type the licensee's name"),
        ), notes=("The licence is removed as `/ip licensee remove` does it: recorded in history, and `undo` "
                  "brings it back.",)))


@admin.safe
async def remove_licence_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    await require_admin(deps, req)
    pick = pickers.licence_of(deps, values.get("licence", "").strip())
    if pick is None:
        return _invalid({"licence": "That licence is no longer stored; choose again."})
    return await admin.licensee(deps, req, pick.command)


async def import_help(deps: Deps, req: Request, _value: str) -> Reply:
    return Reply(ReplyKind.ANSWER, "To import a file, send it to me in a direct message (CSV or JSON of facts, "
                                   "patents or licences; Lens.org and Google Patents exports are recognised).",
                 lines=["The whole file is checked first: one bad row rejects it, naming the line, and nothing "
                        "is written.", "From a terminal: `ipbot import FILE --dry-run`, then without --dry-run."])


async def set_or_form(deps: Deps, req: Request, rest: str) -> Reply:
    """Set a figure (admins); `set` alone opens the form
    e.g. set licensing revenue 2023 = US$630 million source: Annual Report 2023"""
    return await (admin.set_fact(deps, req, rest) if rest.strip() else fact_form(deps, req, ""))
