"""Reply objects: what a handler decided, with no idea how it will be shown.

`bot/blocks.py` renders them as Block Kit, `bot/console.py` as terminal text,
`ipbot ask --json` as JSON. All text here is plain and unescaped; escaping is the
renderer's job because only it knows the target format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from store.records import FactRecord, LicenceRecord, PatentRecord

if TYPE_CHECKING:
    from handlers.charts import Chart


class ReplyKind(StrEnum):
    ANSWER = "answer"
    NOT_KNOWN = "not_known"
    HELP = "help"
    ERROR = "error"
    UNAVAILABLE = "unavailable"
    PREVIEW = "preview"  # an admin change shown before it is written
    CONFIRM = "confirm"  # a suspicious admin change waiting for a button
    DONE = "done"  # an admin change written
    DIGEST = "digest"
    # the patent index is still loading after a start: ask again in a moment
    WARMING_UP = "warming_up"


class ActionId(StrEnum):
    """Ids of the buttons handlers offer; the bot maps them to Slack action_ids."""

    SHARE = "share_answer"
    ASK_SUGGESTION = "ask_suggestion"
    CONFIRM_CHANGE = "confirm_change"
    CANCEL_CHANGE = "cancel_change"
    FEEDBACK_UP = "feedback_up"
    FEEDBACK_DOWN = "feedback_down"
    FEEDBACK_EXPECTED = "feedback_expected"
    GAP_TEACH = "gap_teach"
    GAP_TEACH_SUBMIT = "gap_teach_submit"
    GAP_ADD_FACT = "gap_add_fact"
    GAP_DISMISS = "gap_dismiss"
    GAPS = "gaps"
    EDIT_FACT = "edit_fact"
    FACT_SUBMIT = "fact_submit"
    ADD_LICENCE = "add_licence"
    LICENCE_SUBMIT = "licence_submit"
    IMPORT_HELP = "import_help"
    ASK_SUBMIT = "ask_submit"
    FACT_CONFIRM = "fact_confirm"
    CORRECT_FACT = "correct_fact"
    REMOVE_LICENCE = "remove_licence"
    LICENCE_REMOVE_SUBMIT = "licence_remove_submit"
    SUBSCRIBE_DIGEST = "subscribe_digest"
    DIGEST_SUBMIT = "digest_submit"
    REMIND_UPDATE = "remind_update"


@dataclass(frozen=True)
class Button:
    """A button a renderer may show; `action` is an ActionId value the bot knows."""

    label: str
    action: str
    value: str
    style: str = ""  # "", "primary", "danger"


@dataclass(frozen=True)
class Field:
    """One input of a Form: free text, a choice among `options`, a choice searched as
    it is typed ("search": the choices come from the options handler registered under
    the field's name, see handlers/registry.py), a channel, or a time of day."""

    name: str
    label: str
    kind: str = "text"  # "text", "select", "search", "channel" or "time"
    initial: str = ""
    hint: str = ""
    optional: bool = False
    multiline: bool = False
    options: tuple[str, ...] = ()
    # what a "search" field shows for its `initial` choice (the choice's label)
    initial_label: str = ""


@dataclass(frozen=True)
class Choice:
    """One choice a "search" field offers while someone types: what they read, and
    the value the form gets back when it is chosen."""

    label: str
    value: str


@dataclass(frozen=True)
class Form:
    """Input a handler asks for (Slack shows a modal). Submitting it calls the form
    handler registered for `action` with `value` and the entered values by name."""

    action: str
    value: str
    title: str
    submit: str
    fields: tuple[Field, ...]
    # paragraphs shown above the fields (a confirmation: what changes, from what to what)
    notes: tuple[str, ...] = ()


@dataclass
class Reply:
    kind: ReplyKind
    # the first line a reader sees: the answer itself, or why there is none
    headline: str
    # list items (facts of a licensing picture, patents found, …); renderers may truncate
    lines: list[str] = field(default_factory=list)
    # a closing line (sources, "narrow the question", …)
    note: str = ""
    facts: list[FactRecord] = field(default_factory=list)
    patents: list[PatentRecord] = field(default_factory=list)
    licences: list[LicenceRecord] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    # the metric this reply was about, so a follow-up ("and 2021?") keeps the topic
    topic: str | None = None
    # user ids to contact ("ask …"): structured so only the renderer makes them mentions,
    # never text that came from the store
    mentions: list[str] = field(default_factory=list)
    # how the question was read (handlers.plan.Plan.public()), for --explain and --json
    plan: dict[str, Any] | None = None
    # a metric over its stored years (trend answers): renderers attach it as a picture
    chart: Chart | None = None
    # input to collect next (a modal in Slack); renderers without forms show the reply only
    form: Form | None = None
    # a submitted form's mistakes by field name (Slack shows each under its field)
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """Help is not an answer: it is what a question that was not one gets."""
        return self.kind in (ReplyKind.ANSWER, ReplyKind.DONE, ReplyKind.DIGEST,
                             ReplyKind.PREVIEW, ReplyKind.CONFIRM)

    @property
    def warming(self) -> bool:
        return self.kind is ReplyKind.WARMING_UP

    @property
    def text(self) -> str:
        """The reply as a person reads it, in plain text."""
        parts = [self.headline]
        parts += [f"• {line}" for line in self.lines]
        if self.suggestions:
            parts.append("Did you mean: " + "; ".join(f"{s}?" for s in self.suggestions))
        if self.note:
            parts.append(self.note)
        if self.mentions:
            parts.append("Ask: " + ", ".join(self.mentions))
        return "\n".join(p for p in parts if p)

    def public(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "kind": str(self.kind),
            "text": self.text,
            "facts": [f.public() for f in self.facts],
            "patents": [p.public() for p in self.patents],
            "licences": [lc.public() for lc in self.licences],
            "suggestions": list(self.suggestions),
            "plan": self.plan,
            # the chart as words (its picture is the renderer's): title and every value
            "chart": None if self.chart is None else {"title": self.chart.title, "alt_text": self.chart.alt_text},
        }
