"""Answer feedback and the gaps it leaves: 👍/👎 on an answer, and `/ip gaps`, the
admins' list of unanswered and down-voted questions grouped by similar wording, each
with Teach (make its words an alias of a metric), Add the fact and Dismiss.

e.g. gaps · gaps teach u12 royalty payload = licensing revenue · gaps dismiss d3"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from handlers import admin, admin_forms, limits, pickers, unanswered
from handlers import ask as ask_handler
from handlers import text as tx
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import BadCommand
from handlers.permissions import require_admin
from handlers.replies import ActionId, Button, Field, Form, Reply, ReplyKind
from store import feedback as feedback_repo
from store.feedback import GapRef

# questions whose significant words are this alike (token-set ratio) are one gap
SAME_GAP = 85
SHOWN = 10
# Slack caps a button value at 2,000 characters; the question rides in it
MAX_VALUE = 1900
_REF = re.compile(r"^([ud])(\d{1,9})$")
# a year named in a gap's question, for the fact form's year field
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
TEACH_USAGE = "gaps teach <gap> <words> = <metric> — e.g. gaps teach u12 royalty payload = licensing revenue"


@dataclass
class Gap:
    """Stored questions that ask the same thing, newest first."""

    refs: list[GapRef] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)
    expected: list[str] = field(default_factory=list)
    unanswered: int = 0
    down: int = 0
    key: str = ""

    @property
    def name(self) -> str:
        """How an admin points at it: u12 (unanswered #12) or d3 (down vote #3)."""
        ref = self.refs[0]
        return f"{ref.kind[0]}{ref.id}"

    @property
    def sample(self) -> str:
        return self.texts[0]

    def line(self) -> str:
        counts = [c for c in (f"asked {self.unanswered}× unanswered" if self.unanswered else "",
                              f"👎 {self.down}×" if self.down else "") if c]
        expected = f" — expected: “{self.expected[0]}”" if self.expected else ""
        return f"{self.name}: “{self.sample}” ({', '.join(counts)}){expected}"


def _wording(text: str) -> str:
    return " ".join(sorted(set(tx.content_tokens(text[: limits.MAX_MESSAGE]))))


def group(rows: list[feedback_repo.GapRow]) -> list[Gap]:
    """Greedy grouping, newest first, so each gap is named after its latest question."""
    gaps: list[Gap] = []
    for row in rows:
        key = _wording(row.text) or row.text.lower()
        gap = next((g for g in gaps if fuzz.token_set_ratio(key, g.key) >= SAME_GAP), None)
        if gap is None:
            gap = Gap(key=key)
            gaps.append(gap)
        gap.refs.append(row.ref)
        gap.texts.append(row.text)
        gap.channels.add(row.channel)
        if row.expected:
            gap.expected.append(row.expected)
        if row.ref.kind == "unanswered":
            gap.unanswered += 1
        else:
            gap.down += 1
    return sorted(gaps, key=lambda g: (-(g.unanswered + g.down), g.name))


def _scope(req: Request) -> str | None:
    """In a channel an admin sees that channel's gaps; in a DM or a terminal, all."""
    return None if req.is_dm or not req.channel else req.channel


async def _gaps(deps: Deps, req: Request) -> list[Gap]:
    await unanswered.write(deps)  # the questions noted a moment ago are gaps already
    async with deps.sessions() as session:
        rows = await feedback_repo.open_gaps(session=session, channel=_scope(req))
    return group(rows)


async def _find(deps: Deps, req: Request, name: str) -> Gap:
    m = _REF.match(name.strip().lower())
    gaps = await _gaps(deps, req) if m else []
    found = next((g for g in gaps if any(f"{r.kind[0]}{r.id}" == name.strip().lower() for r in g.refs)), None)
    if found is None:
        raise BadCommand(f"There is no open gap “{name.strip()[:40]}” here. Type `gaps` for the list.")
    return found


@admin.safe
async def gaps(deps: Deps, req: Request, rest: str) -> Reply:
    """Unanswered and down-voted questions, grouped (admins)
    e.g. gaps · gaps teach u12 royalty payload = licensing revenue · gaps dismiss d3"""
    await require_admin(deps, req)
    sub, _, args = rest.strip().partition(" ")
    if sub.lower() == "teach":
        name, _, phrase = args.strip().partition(" ")
        if "=" not in phrase:
            raise BadCommand(f"I couldn't read that. Use: {TEACH_USAGE}")
        words, _, metric = phrase.partition("=")
        return await _teach(deps, req, await _find(deps, req, name), words.strip(), metric.strip())
    if sub.lower() == "dismiss":
        return await _close(deps, req, await _find(deps, req, args), "dismissed")
    if sub:
        raise BadCommand(f"I couldn't read that. Use: gaps, gaps dismiss <gap>, or {TEACH_USAGE}")
    found = await _gaps(deps, req)
    where = "in this channel" if _scope(req) else "anywhere"
    if not found:
        return Reply(ReplyKind.ANSWER, f"No open gaps {where}: every question was answered and no answer was "
                                       "voted down.")
    shown = found[:SHOWN]
    buttons: list[Button] = []
    for g in shown:
        buttons += [Button(f"Teach {g.name}", ActionId.GAP_TEACH.value, g.name, "primary"),
                    Button(f"Add the fact for {g.name}", ActionId.GAP_ADD_FACT.value, g.name),
                    Button(f"Dismiss {g.name}", ActionId.GAP_DISMISS.value, g.name)]
    more = f" Showing the {SHOWN} most asked." if len(found) > SHOWN else ""
    return Reply(ReplyKind.ANSWER, f"{len(found)} open gaps {where}:", lines=[g.line() for g in shown],
                 note=f"Teach: `gaps teach <gap> <words> = <metric>`; dismiss: `gaps dismiss <gap>`.{more}",
                 buttons=buttons)


async def _close(deps: Deps, req: Request, gap: Gap, status: feedback_repo.GapStatus) -> Reply:
    async with deps.unit_of_work() as session:
        n = await feedback_repo.close_gaps(session=session, refs=gap.refs, status=status, channel=_scope(req))
    return Reply(ReplyKind.DONE, f"{gap.name}: {n} question{'s' if n != 1 else ''} marked {status}.")


async def _teach(deps: Deps, req: Request, gap: Gap, words: str, metric: str) -> Reply:
    """Make the gap's words an alias of a metric (the audited `alias` change), close
    the gap, and ask its question again to show what everyone now gets."""
    if not words or not metric:
        raise BadCommand(f"I couldn't read that. Use: {TEACH_USAGE}")
    taught = await admin.alias(deps, req, f"{words} = {metric}")
    if taught.kind is not ReplyKind.DONE:
        return taught
    async with deps.unit_of_work() as session:
        await feedback_repo.close_gaps(session=session, refs=gap.refs, status="taught", channel=_scope(req))
    again = await ask_handler.ask(deps, gap.sample, user=req.user, log=False)
    result = again.headline if again.answered else f"still not answered: {again.headline}"
    return Reply(ReplyKind.DONE, taught.headline, lines=[f"“{gap.sample}” → {result}"],
                 note=f"{gap.name} is closed.", topic=taught.topic)


@admin.safe
async def teach_form(deps: Deps, req: Request, name: str) -> Reply:
    """The Teach button: a form with the gap's words and a metric picker."""
    await require_admin(deps, req)
    gap = await _find(deps, req, name)
    form = Form(ActionId.GAP_TEACH_SUBMIT.value, gap.name, f"Teach ipbot ({gap.name})", "Teach", (
        Field("words", "Words that should mean the metric", initial=" ".join(_unexplained(deps, gap.sample)),
              hint=f"From “{gap.sample[:120]}”"),
        Field("metric", "Metric", kind="search", hint="Type to search stored metrics"),
    ))
    return Reply(ReplyKind.PREVIEW, f"Teach ipbot what “{gap.sample[:200]}” means.", form=form)


@admin.safe
async def teach_submit(deps: Deps, req: Request, name: str, values: dict[str, str]) -> Reply:
    await require_admin(deps, req)
    chosen = values.get("metric", "").strip()
    # a choice of the metric picker, or (the typed command's way) a metric's name
    metric = (pickers.metric_of(deps, chosen) if chosen else None) or chosen
    return await _teach(deps, req, await _find(deps, req, name), values.get("words", "").strip(), metric)


def _unexplained(deps: Deps, question: str) -> list[str]:
    words = [w for p in ask_handler.explain(deps, question) for w in p.unexplained]
    return list(dict.fromkeys(words)) or tx.content_tokens(question)[:4]


@admin.safe
async def dismiss(deps: Deps, req: Request, name: str) -> Reply:
    await require_admin(deps, req)
    return await _close(deps, req, await _find(deps, req, name), "dismissed")


@admin.safe
async def add_fact(deps: Deps, req: Request, name: str) -> Reply:
    """Add the fact: the fact form, its year taken from the gap's question."""
    await require_admin(deps, req)
    gap = await _find(deps, req, name)
    year = next(iter(_YEAR.findall(gap.sample[: limits.MAX_MESSAGE])), "")
    return admin_forms.new_fact_form(deps, period=year, note=f"To answer “{gap.sample[:200]}”. Then "
                                                             f"`gaps dismiss {gap.name}` if it is answered.")


# ---- feedback on answers ------------------------------------------------------------


async def vote(deps: Deps, req: Request, value: str, verdict: feedback_repo.Verdict) -> int:
    """Store a 👍/👎 (value: the question asked, as the button carried it)."""
    async with deps.unit_of_work() as session:
        return await feedback_repo.add_feedback(session=session, question=value[:MAX_VALUE], answer="",
                                                verdict=verdict, user=req.user, channel=req.channel,
                                                at=deps.clock())


@admin.safe
async def vote_up(deps: Deps, req: Request, value: str) -> Reply:
    await vote(deps, req, value, "up")
    return Reply(ReplyKind.DONE, "Thanks — noted that this answer was right.")


@admin.safe
async def vote_down(deps: Deps, req: Request, value: str) -> Reply:
    fid = await vote(deps, req, value, "down")
    form = Form(ActionId.FEEDBACK_EXPECTED.value, str(fid), "What was wrong?", "Send", (
        Field("expected", "What did you expect? (optional)", optional=True, multiline=True),
    ))
    return Reply(ReplyKind.DONE, "Thanks — noted that this answer was wrong or missing; the IP admins will see "
                                 "it in `/ip gaps`.", form=form)


@admin.safe
async def expected_submit(deps: Deps, req: Request, value: str, values: dict[str, str]) -> Reply:
    text = values.get("expected", "").strip()[: limits.MAX_MESSAGE]
    if text and value.isdigit():
        async with deps.unit_of_work() as session:
            await feedback_repo.set_expected(session=session, feedback_id=int(value), user=req.user, expected=text)
    return Reply(ReplyKind.DONE, "Thanks — the admins will see what you expected." if text else "Thanks.")


async def gaps_button(deps: Deps, req: Request, _value: str) -> Reply:
    return await gaps(deps, req, "")
