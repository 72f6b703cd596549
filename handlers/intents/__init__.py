"""The question types ipbot answers, one module each. A module defines

    def match(ctx: Context) -> Plan | None     # claim the question, or pass
    async def execute(deps, plan, ctx) -> Reply
    TIME: frozenset[str]                        # what of a question's time it reads:
                                                # "years", "since", "window"

and a docstring whose first line and `e.g.` line feed `help`. `INTENTS` is the
order they are tried in: adding a question type is a new module plus one line
here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from handlers.deps import Deps
from handlers.plan import Context, Plan
from handlers.replies import Reply


@dataclass(frozen=True)
class Intent:
    name: str
    match: Callable[[Context], Plan | None]
    execute: Callable[[Deps, Plan, Context], Awaitable[Reply]]
    doc: str
    # the time a question names that this type reads; the rest leaves its plan
    # unexplained ("was US 8818681 B1 granted in 2015?" is not answered for any year)
    time: frozenset[str]


def _intent(module: ModuleType) -> Intent:
    return Intent(module.__name__.rsplit(".", 1)[-1], module.match, module.execute, module.__doc__ or "",
                  module.TIME)


def _load() -> tuple[Intent, ...]:
    from handlers.intents import (
        figure,
        licences,
        licensing_year,
        patent_family,
        patent_number,
        patent_query,
        patent_search,
        series,
    )

    return (
        _intent(patent_family),  # "which patents are in the same family as US 9999001 B2"
        _intent(patent_number),  # "when was US 8818681 B1 granted"
        _intent(licensing_year),  # "licensees 2022"
        _intent(licences),  # "licences expiring in the next 90 days"
        _intent(patent_query),  # "how many granted EP patents"
        _intent(series),  # "r&d growth 2023", "revenue 2019-2023", "highest r&d share"
        _intent(figure),  # "R&D spend in 2022", "5G royalty cap", "Qualcomm licensing revenue"
        _intent(patent_search),  # "patents tailgaters"
    )


INTENTS: tuple[Intent, ...] = _load()
