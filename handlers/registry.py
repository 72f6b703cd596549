"""Everything typed or clicked that is not a question, in one place: the verbs
(`/ip set …`), the buttons, the forms, the type-ahead fields and the hooks that see
every answer. `build()` assembles them once at start-up (bot/runtime.py) into an
immutable `Registry`, which services read from `deps.registry`; nothing registers
itself on import. A test that needs a verb of its own makes its own registry
(`registry.adding(verbs={...})`).

Adding an admin command is its handler in a `handlers/` module (a docstring whose
first line and `e.g.` line feed `help`) plus one line in `build()`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.dispatch import AnswerHook, FormHandler, Handler, OptionsHandler


@dataclass(frozen=True)
class Registry:
    """What the bot answers besides questions. `help` is what `/ip help` lists for
    the commands: (summary, examples) from the verbs' docstrings, in the order the
    verbs were listed."""

    verbs: Mapping[str, Handler] = field(default_factory=lambda: MappingProxyType({}))
    actions: Mapping[str, Handler] = field(default_factory=lambda: MappingProxyType({}))
    forms: Mapping[str, FormHandler] = field(default_factory=lambda: MappingProxyType({}))
    options: Mapping[str, OptionsHandler] = field(default_factory=lambda: MappingProxyType({}))
    answer_hooks: tuple[AnswerHook, ...] = ()
    help: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, *, verbs: Iterable[tuple[str, Handler]] = (), actions: Iterable[tuple[str, Handler]] = (),
           forms: Iterable[tuple[str, FormHandler]] = (), options: Iterable[tuple[str, OptionsHandler]] = (),
           answer_hooks: Iterable[AnswerHook] = ()) -> Registry:
        """From (name, handler) pairs; a verb listed again replaces the earlier
        handler, and each verb's help line is kept once."""
        from handlers.ask import doc_parts

        verb_list = list(verbs)
        help_lines = tuple(dict.fromkeys(doc_parts(fn.__doc__ or "") for _, fn in verb_list))
        return cls(verbs=MappingProxyType(dict(verb_list)), actions=MappingProxyType(dict(actions)),
                   forms=MappingProxyType(dict(forms)), options=MappingProxyType(dict(options)),
                   answer_hooks=tuple(answer_hooks), help=help_lines)

    def adding(self, *, verbs: Mapping[str, Handler] | None = None,
               actions: Mapping[str, Handler] | None = None) -> Registry:
        """This registry with more verbs or buttons (tests); the original is unchanged."""
        return Registry(verbs=MappingProxyType({**self.verbs, **(verbs or {})}),
                        actions=MappingProxyType({**self.actions, **(actions or {})}),
                        forms=self.forms, options=self.options, answer_hooks=self.answer_hooks, help=self.help)


def build() -> Registry:
    """The one list of commands, buttons, forms, type-ahead fields and answer hooks."""
    from handlers import admin, admin_forms, ask_form, digest, digest_form, gaps, pickers, reminders, stale
    from handlers.replies import ActionId as A

    return Registry.of(
        verbs=[
            *admin.COMMANDS.items(),  # set, remove, alias, licensee, history, undo, admins
            ("set", admin_forms.set_or_form),  # `set` alone opens the form (replaces admin's `set`)
            ("freshness", stale.freshness),
            ("gaps", gaps.gaps),
            ("digest", digest.digest),
        ],
        actions=[
            (A.CONFIRM_CHANGE.value, admin.confirm_change),
            (A.CANCEL_CHANGE.value, admin.cancel_change),
            (A.EDIT_FACT.value, admin_forms.fact_form),
            (A.CORRECT_FACT.value, admin_forms.correct_form),
            (A.ADD_LICENCE.value, admin_forms.licence_form),
            (A.IMPORT_HELP.value, admin_forms.import_help),
            (A.REMOVE_LICENCE.value, admin_forms.remove_licence_form),
            (A.GAPS.value, gaps.gaps_button),
            (A.FEEDBACK_UP.value, gaps.vote_up),
            (A.FEEDBACK_DOWN.value, gaps.vote_down),
            (A.GAP_TEACH.value, gaps.teach_form),
            (A.GAP_ADD_FACT.value, gaps.add_fact),
            (A.GAP_DISMISS.value, gaps.dismiss),
            (A.REMIND_UPDATE.value, reminders.update_form),
            (A.SUBSCRIBE_DIGEST.value, digest_form.subscribe_form),
        ],
        forms=[
            (A.FACT_SUBMIT.value, admin_forms.fact_submit),
            (A.FACT_CONFIRM.value, admin_forms.fact_confirm),
            (A.LICENCE_SUBMIT.value, admin_forms.licence_submit),
            (A.LICENCE_REMOVE_SUBMIT.value, admin_forms.remove_licence_submit),
            (A.ASK_SUBMIT.value, ask_form.ask_submit),
            (A.GAP_TEACH_SUBMIT.value, gaps.teach_submit),
            (A.FEEDBACK_EXPECTED.value, gaps.expected_submit),
            (A.DIGEST_SUBMIT.value, digest_form.subscribe_submit),
        ],
        # choices reveal nothing a question would not (metric names, licences, zone
        # names), so they are offered to whoever has the form open, without an admin
        # check per keystroke
        options=[
            ("metric", pickers.metric_options),
            ("licence", pickers.licence_options),
            ("timezone", pickers.timezone_options),
        ],
        answer_hooks=[admin_forms.offer_corrections],
    )
