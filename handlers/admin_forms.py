"""Admin changes as forms (Slack modals from the App Home buttons and `/ip set` with
nothing after it): each field is checked with the typed command's own parsers, so a
mistake is shown on the field it is in, and a valid form makes exactly the change
the typed command would (audited, undoable, seen by every replica)."""

from __future__ import annotations

from handlers import admin, dispatch
from handlers import admin_parse as ap
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.permissions import require_admin
from handlers.replies import ActionId, Field, Form, Reply, ReplyKind
from store.values import BadValue, parse_period, parse_value

LICENCE_FIELDS = ("kind", "technology", "territory", "status")


def _invalid(errors: dict[str, str]) -> Reply:
    return Reply(ReplyKind.ERROR, "Please correct the form.", field_errors=errors)


@admin.safe
async def fact_form(deps: Deps, req: Request, metric: str) -> Reply:
    """Edit a fact: metric picker (pre-chosen when the button names one), year, value, source."""
    await require_admin(deps, req)
    metrics = tuple(sorted(deps.index.facts.metrics))
    return Reply(ReplyKind.PREVIEW, "Edit a fact", form=Form(ActionId.FACT_SUBMIT.value, "", "Edit a fact", "Save", (
        Field("metric", "Metric", kind="select", options=metrics, initial=metric if metric in metrics else ""),
        Field("period", "Year", optional=True, hint="e.g. 2023; empty for a figure without a year"),
        Field("value", "Value", hint="e.g. US$630 million, over 120,000, 25.1%"),
        Field("source", "Source", optional=True, hint="e.g. Annual Report 2023"),
    )))


@admin.safe
async def fact_submit(deps: Deps, req: Request, _value: str, values: dict[str, str]) -> Reply:
    await require_admin(deps, req)
    metric, period = values.get("metric", "").strip(), values.get("period", "").strip()
    value, source = values.get("value", "").strip(), " ".join(values.get("source", "").split())
    errors: dict[str, str] = {}
    if not metric:
        errors["metric"] = "Choose a metric."
    year = parse_period(period) if period else ""
    if year is None:
        errors["period"] = f"“{period[:40]}” is not a year (e.g. 2023), or leave it empty."
    try:
        parse_value(value)
    except BadValue as exc:
        errors["value"] = str(exc)
    if errors:
        return _invalid(errors)
    text = f"{metric} {year} = {value}" + (f" source: {source}" if source else "")
    return await admin.set_fact(deps, req, text)


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


async def import_help(deps: Deps, req: Request, _value: str) -> Reply:
    return Reply(ReplyKind.ANSWER, "To import a file, send it to me in a direct message (CSV or JSON of facts, "
                                   "patents or licences; Lens.org and Google Patents exports are recognised).",
                 lines=["The whole file is checked first: one bad row rejects it, naming the line, and nothing "
                        "is written.", "From a terminal: `ipbot import FILE --dry-run`, then without --dry-run."])


async def set_or_form(deps: Deps, req: Request, rest: str) -> Reply:
    """Set a figure (admins); `set` alone opens the form
    e.g. set licensing revenue 2023 = US$630 million source: Annual Report 2023"""
    return await (admin.set_fact(deps, req, rest) if rest.strip() else fact_form(deps, req, ""))


# `set` with nothing after it opens the form (this module loads after handlers.admin)
dispatch.register("set", set_or_form)
dispatch.register_action(ActionId.EDIT_FACT.value, fact_form)
dispatch.register_form(ActionId.FACT_SUBMIT.value, fact_submit)
dispatch.register_action(ActionId.ADD_LICENCE.value, licence_form)
dispatch.register_form(ActionId.LICENCE_SUBMIT.value, licence_submit)
dispatch.register_action(ActionId.IMPORT_HELP.value, import_help)
