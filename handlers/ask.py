"""Answering questions: read -> plan -> execute, and refuse what was not understood.

The rules users rely on (see the domain primer and the README):
- every significant word of a question is explained by the plan, or the bot
  refuses and names the words it did not understand;
- an answer states value, qualifier, unit, period, subject and source;
- a year, subject, technology or metric that was asked and is not stored is
  never answered with another one;
- a question about something the store does not hold gets "not known" and at
  most three suggestions of what it does hold."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from handlers import followup, unanswered
from handlers import lexicon as lx
from handlers import text as tx
from handlers.deps import Deps
from handlers.intents import INTENTS, Intent, common
from handlers.plan import FILLER, LICENSEE, SUBJECT, Context, Plan, match_metrics
from handlers.question import EMOJI, MAX_QUESTION_CHARS, Question, read, split_parts
from handlers.replies import Reply, ReplyKind

log = logging.getLogger(__name__)

__all__ = ["MAX_QUESTION_CHARS", "ask", "doc_parts", "explain", "explain_answer", "help_reply"]

_FILLER = lx.FILLER | {"s", "many", "much", "name", "please", "help"}
_LEXICON_WORDS = frozenset().union(
    lx.CHANGE, lx.TREND, lx.HIGHEST, lx.LOWEST, lx.LATEST, lx.EARLIEST, lx.SUM, lx.MONEY, lx.TECHNOLOGY,
    lx.LICENCE_NOUN, lx.LICENCE_KIND, lx.STATUS_WORDS, lx.EXPIRE, lx.AMOUNT, lx.PATENT_NOUN, lx.FILED, lx.GRANTED,
    lx.TITLE_FILLER, lx.FIELDS, lx.JURISDICTIONS, lx.TERRITORIES, lx.UNITS,
)


async def ask(deps: Deps, question: str, *, user: str = "", channel: str = "",
              topic: str | None = None, log: bool = True) -> Reply:
    """Answer one message. `topic` is the metric of an earlier reply in the same
    thread, so "and 2021?" follows up on it. `log=False` for a question asked again
    on someone's behalf (a gap just taught), which is not a new unanswered one."""
    text = question[:MAX_QUESTION_CHARS]
    split = _split_timed_pairs(deps, split_parts(followup.same_years(text)))
    parts, remarks, mentioned = _prefaces(deps, split)
    if len(split) > 1 and any(w.norm == lx.USAGE for p in split for w in read(p, deps.now()).words):
        # "Just joined the licensing team — what kinds of questions can I ask? figures?
        # patents?": a newcomer asking how to use the bot gets help, not a part answered
        return help_reply(deps)
    if parts and (len(parts) > 1 or remarks or parts != split):
        reply = await _several(deps, parts, topic, remarks, mentioned)
    else:
        reply = await _one(deps, followup.same_years(text), topic)
    if deps.index.warming and reply.kind is ReplyKind.NOT_KNOWN and (reply.plan or {}).get("intent") == "multi":
        # a part may have been refused only because no patent title is loaded yet
        return _warming_up(reply)
    if reply.kind is ReplyKind.NOT_KNOWN and log and (reply.plan or {}).get("intent") != "thanks":
        await unanswered.note(deps, text, user, channel)
    return reply


_QUESTION_WORDS = frozenset({"what", "whats", "who", "whom", "when", "which", "how", "how_much", "count", "where",
                             "why"})
_AUXILIARIES = frozenset({"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "has",
                          "have"})
# a part made only of these ("… 2021 vs 2022 – up or down?") is how to answer the part before
_OPERATIONS = lx.CHANGE | lx.TREND | lx.HIGHEST | lx.LOWEST | lx.SUM | {"up"}
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "cheers", "ta", "merci", "danke", "gracias", "appreciated"})
_ASKS_OF_THE_DAY = frozenset("forecast weather".split())
_PRONOUNS = frozenset({"it", "its", "he", "his", "she", "her", "they", "them", "their", "this", "that"})
# what points back to a company named before: "Vivo will ask about the 5G cap — what is
# it?" asks for the cap, not about Vivo
_COMPANY_PRONOUNS = frozenset({"they", "them", "their", "theirs"})


_COLON = re.compile(r"(?<!\d):(?:\s+|$)")
# what starts a list after a heading: "1.", "1)", "a)", "-", "•"
_LIST_AFTER = re.compile(r"\s*(?:\(?\d{1,2}[.)]|\(?[a-z]\)|[-•*])\s")


def _prefaces(deps: Deps, parts: list[str]) -> tuple[list[str], list[str], str]:
    """Parts without their prefaces ("Quick one for the board deck: …", "First, …"),
    the prefaces that said something (kept to say they were read as remarks), and the
    company a preface named ("Prepping for a call with Qualcomm: …")."""
    out: list[str] = []
    remarks: list[str] = []
    mentioned = ""
    for i, part in enumerate(parts):
        part = followup.strip_lead(part)
        # an emoji's own colons (":sweat_smile:") do not end a preface
        colon = _COLON.search(EMOJI.sub(lambda m: " " * len(m.group(0)), part))
        if colon:
            left = read(part[: colon.start()], deps.now())
            kind = _part_kind(deps, left)
            kind = "remark" if kind == "reason" else kind
            heading = _LIST_AFTER.match(part, colon.end()) or (not part[colon.end():].strip() and i < len(parts) - 1)
            if kind == "question" and heading and "?" not in part[: colon.start()] \
                    and not any(w.norm in _QUESTION_WORDS for w in left.words):
                # "Three quick ones for the CLO:\n1. …": a heading over a list, not a question
                kind = "remark"
            if kind == "remark" and _a_name(left) and not followup.names_home(read(part[colon.end():], deps.now())):
                # "Samsung: do we have a licence in place?": the company it is about, even
                # one the store does not know (the answer then says so)
                part = f"{part[colon.end():]} · {part[: colon.start()]}"
            elif kind in ("remark", "empty"):
                if kind == "remark":
                    remarks.append(part[: colon.start()])
                mentioned = _company_named(deps, left) or mentioned
                part = part[colon.end():]
        if tx.tokens(part):
            out.append(part)
    return out, remarks, mentioned


def _a_name(q: Question) -> bool:
    """One or two capitalised words and nothing else ("Samsung", "LG Electronics")."""
    words = [w for w in q.words if w.norm not in _FILLER]
    named = q.capitalised | q.acronyms
    return 0 < len(words) <= 2 and len(q.words) <= 3 and all(w.surface.lower() in named for w in words)


def _understood(reply: Reply) -> bool:
    plan = reply.plan or {}
    return (reply.kind is not ReplyKind.HELP and plan.get("intent") not in (None, "unknown")
            and not plan.get("unexplained") and not plan.get("unknown_subject"))


async def _follow_up(deps: Deps, text: str, reply: Reply, prev: Context, topic: str | None
                     ) -> tuple[Reply, str]:
    """A part read with the part before it ("… in 2022? And Ericsson?"): answered as
    written out in full when that is understood, else as it stands. Returns the
    reply and the text it answers."""
    anchored = followup.anchor_years(prev, text)
    if anchored != text:
        text, reply = anchored, await _one(deps, anchored, topic)
    ctx = context(deps, read(text, deps.now()), topic)
    if followup.refers(ctx) or not _understood(reply) or (followup.elliptical(ctx) and followup.continues(text)):
        tries = [followup.inherit(prev, ctx, deps.home_subject),
                 followup.inherit(prev, ctx, deps.home_subject, keep_metric=True)]
    elif followup.continues(text) and not followup.has_time(ctx):
        # "R&D in 2022? And licensing revenue?": the same year, nothing else
        tries = [followup.with_time(prev, text)]
    else:
        tries = []
    first: tuple[Reply, str] | None = None
    for merged in dict.fromkeys(t for t in tries if t):
        again = await _one(deps, merged, topic)
        if again.plan is not None:
            again.plan["asked"] = merged  # what the part was read as, for --explain and --json
        if _understood(again):
            return again, merged
        first = first or (again, merged)
    if first and followup.elliptical(ctx) and followup.continues(text):
        # "revenue in 2020? How about Nokia?" asks Nokia's revenue: refused as such, not
        # answered with whatever "Nokia" alone would be (its licence)
        return first
    return reply, text


async def _several(deps: Deps, parts: list[str], topic: str | None, remarks: list[str] | None = None,
                   mentioned: str = "") -> Reply:
    """Each part answered on its own. A part with nothing to ask ("Can you give me")
    is skipped; a part the store and the lexicon know nothing of ("need the exact
    wording for a press release") is a remark, said so; a part that points back
    ("and who owns it?") gets the patent, licensee or figure of the part before; a
    part that names only what changes ("And Ericsson?") is the part before with that
    changed (handlers/followup.py)."""
    replies: list[Reply] = []
    remarks = list(remarks or [])
    empty = False
    previous: dict[str, Any] | None = None
    # the last part answered with licences: "Is there a video codec licence? who's the
    # licensee?" asks the second of the licences the first found
    licence_part = ""
    # the last part understood, for the parts that lean on it
    prev_ctx: Context | None = None
    topic_text = _topic_prefix(deps, parts[0])
    if topic_text:
        # "Ericsson — do we have a licence, and when was it signed?": the name is the
        # topic of every part after it, not a question of its own
        parts = [f"{p} {topic_text}" for p in parts[1:]]
    parts = _merge_year_notes(deps, _merge_operations(deps, parts))
    for part in parts[:5]:
        q = read(part, deps.now())
        kind = _part_kind(deps, q)
        if prev_ctx is not None and kind in ("empty", "remark") and (
                followup.continues(part) or followup.names_home(q)):
            # "… 2022? And ours?", "… And Apple's?": the part before, for another company
            kind = "question"
        kind = "remark" if kind == "reason" else kind
        if kind == "empty":
            # "what can you do?" asks for help; an emoji alone (":sunny:") asks nothing
            empty = empty or bool(q.words)
            continue
        named = _company_named(deps, q)
        written = part
        if kind == "remark":
            remarks.append(part)
            mentioned = named or mentioned
            continue
        licence_detail = not named and _asks_only(q, _LICENCE_DETAIL_WORDS)
        if previous and kind == "refers back":
            part = f"{part} {_antecedent(previous)}".strip()
        elif licence_detail and previous and _licence_named(previous):
            # "do we have a licence with Qualcomm? inbound or outbound?": asked of that licence
            part = f"{part} {_antecedent(previous)}".strip()
        elif licence_detail and (licence_part or mentioned):
            # "Is there a video codec licence? who's the licensee?": the licences the part
            # before found; "follow-up on the Sony licence: status + end date?": the preface's
            part = f"{part} · {licence_part or mentioned}"
        elif previous and (previous.get("filters") or {}).get("number") and not q.patent_numbers \
                and _asks_only(q, _PATENT_DETAIL_WORDS):
            # "noise reduction patent - jurisdiction and expiry?": asked of the patent shown
            part = f"{part} {_antecedent(previous)}".strip()
        elif mentioned and any(w.norm in _COMPANY_PRONOUNS for w in q.words) and not named:
            # "their" is the company named before, never the home company by default
            part = f"{part} {mentioned}"
        mentioned = named or mentioned
        reply = await _one(deps, part, topic)
        if prev_ctx is not None:
            reply, part = await _follow_up(deps, written, reply, prev_ctx, topic)
        if reply.kind is ReplyKind.HELP or (reply.plan or {}).get("intent") == "thanks":
            # "… 2018 – do we have it? thanks!": nothing asked in this part
            empty = empty or reply.kind is ReplyKind.HELP
            continue
        replies.append(reply)
        # even a part refused ("Ford's licensing revenue 2022?") lends its words to "And ours?"
        prev_ctx = context(deps, read(part, deps.now()), topic)
        # "… 2018 – do we have it?": "it" is a part understood, never one refused
        if _understood(reply) and len(reply.patents) == 1:
            # "the tailgaters patent - when was it filed?": "it" is the one patent shown
            previous = {"filters": {"number": reply.patents[0].number}}
        elif _understood(reply) and reply.plan and _antecedent(reply.plan):
            previous = reply.plan
        if _understood(reply) and (reply.plan or {}).get("intent") == "licences":
            licence_part = part
    if not replies:
        # "what can you do for me? I'm the new intern": nothing but a request for help
        if empty:
            return help_reply(deps)
        # "weather in shenzhen tomorrow? :sunny:": a remark and an emoji are still a question
        return await _one(deps, " ".join(remarks or parts), topic)
    note = ("I read " + ", ".join(f"“{r}”" for r in remarks) + " as a remark, not a question.") if remarks else ""
    if len(replies) == 1:
        reply = replies[0]
        reply.note = " ".join(x for x in (reply.note, note) if x)
        return reply
    answered = all(r.answered for r in replies)
    lines = []
    for i, r in enumerate(replies, 1):
        lines.append(f"{i}. {r.headline}")
        lines += [f"   {x}" for x in r.lines]
        if r.note and not r.answered:
            lines.append(f"   {r.note}")
    return Reply(
        ReplyKind.ANSWER if answered else ReplyKind.NOT_KNOWN,
        f"{len(replies)} questions:" if answered else f"{len(replies)} questions; not all could be answered:",
        lines=lines,
        note=note,
        facts=[f for r in replies for f in r.facts],
        licences=[lc for r in replies for lc in r.licences],
        patents=[p for r in replies for p in r.patents],
        topic=next((r.topic for r in replies if r.topic), None),
        plan={"intent": "multi", "parts": [r.plan for r in replies]},
    )


def _merge_operations(deps: Deps, parts: list[str]) -> list[str]:
    merged: list[str] = []
    for part in parts:
        q = read(part, deps.now())
        content = [w.norm for w in q.words if w.norm not in _FILLER]
        # "… and how does it compare to ours?" names what to compare with: a part of its own
        target = _company_named(deps, q) or followup.names_home(q)
        if (merged and content and not q.years and not q.year_range and not target
                and all(n in _OPERATIONS for n in content)):
            merged[-1] = f"{merged[-1]} {part}"
        elif merged and part.startswith("("):
            # "… per Wi-Fi 6 device? (the cap)": a bracket after a question clarifies it
            merged[-1] = f"{merged[-1]} {part.strip('()')}"
        else:
            merged.append(part)
    return merged


_LICENCE_DETAIL_WORDS = (frozenset(lx.LICENCE_KIND) | frozenset(lx.STATUS_WORDS) | lx.EXPIRE | lx.LICENCE_DETAIL
                         | frozenset(lx.TERRITORIES) | lx.WHEN
                         | {"signed", "sign", "start", "end", "kind", "type", "licensee", "licensor", "party"})


def _licence_named(plan: dict[str, Any]) -> bool:
    filters = plan.get("filters") or {}
    return bool(filters.get("licensee") or filters.get("party"))


_PATENT_DETAIL_WORDS = frozenset(lx.FIELDS) | lx.WHEN | {"date", "expiry", "number"}


def _asks_only(q: Question, details: frozenset[str]) -> bool:
    """A part that asks only these details of something named before: a licence's kind,
    status, territory or dates ("inbound or outbound?"), a patent's fields
    ("jurisdiction and expiry?")."""
    content = [w.norm for w in q.words if w.norm not in _FILLER]
    return bool(content) and not q.years and all(n in details for n in content)


def _split_timed_pairs(deps: Deps, parts: list[str]) -> list[str]:
    """"valid patents 2023, and the licensing revenue trend 2021-2023": two questions,
    each with its own years, not one asking both metrics over every year named."""
    out: list[str] = []
    for part in parts:
        pieces = _COMMA_AND.split(part, maxsplit=1)
        if len(pieces) == 2 and all(_timed_metric(deps, p) for p in pieces):
            out += pieces
        else:
            out.append(part)
    return out


_COMMA_AND = re.compile(r",\s*and\s+")


def _timed_metric(deps: Deps, text: str) -> bool:
    q = read(text, deps.now())
    return bool(q.years or q.year_range) and bool(context(deps, q, None).matches)


def _merge_year_notes(deps: Deps, parts: list[str]) -> list[str]:
    """"in-force patents — 2021 annual report figure", "how many licensees? 2022 number
    is fine": a part that gives only a year belongs to the question before it (when
    that named none), not a question of its own that the one before answers for the
    latest year."""
    merged: list[str] = []
    ahead = ""  # "2022 AR — number of bilateral patent licences?": the year of the part after
    for part in parts:
        q = read(part, deps.now())
        if ahead and not q.years and not q.year_range:
            part = f"{part} · {ahead}"
        ahead = ""
        if q.years and not q.patent_numbers and not any(w.norm in _QUESTION_WORDS for w in q.words):
            ctx = context(deps, q, None)
            if not (ctx.matches or ctx.licensees or ctx.subjects):
                if merged and not read(merged[-1], deps.now()).years:
                    merged[-1] = f"{merged[-1]} {part}"
                    continue
                if not merged:
                    ahead = part
                    continue
        merged.append(part)
    if ahead:
        merged.append(ahead)
    return merged


def _company_named(deps: Deps, q: Question) -> str:
    """The words naming a stored company (a subject or a licensee) in a part, as typed."""
    names = deps.index.licences.name_tokens | frozenset(deps.index.facts.subjects)
    return " ".join(w.surface for w in q.words if w.norm in names and w.norm not in _FILLER)


def _part_kind(deps: Deps, q: Question) -> str:
    """empty, remark, reason (a remark saying why they ask: never a follow-up, even
    with "us" in it), refers back, or question."""
    idx = deps.index
    known = idx.facts.vocabulary | idx.licences.name_tokens | frozenset(idx.facts.subjects) | _LEXICON_WORDS
    content = [w.norm for w in q.words if w.norm not in _FILLER and w.tag != "year"]
    pronoun = any(w.norm in _PRONOUNS for w in q.words)
    if not content and not q.years and not q.patent_numbers and not q.year_range and not pronoun:
        return "empty"
    # "going to flag it to the team" is read as "will …", which does not ask
    asks = any(w.norm in _QUESTION_WORDS for w in q.words) or (
        q.words and q.words[0].norm in _AUXILIARIES and q.words[0].surface != "going to")
    titles = idx.patents.postings if "patent" in content else {}
    names = idx.licences.name_tokens | frozenset(idx.facts.subjects)
    # "Prepping for a call with Qualcomm": a company named among words that ask nothing
    said = [n for n in content if n not in names] or content
    # "+ weather in Shenzhen tomorrow" asks for something the store does not hold
    timed = q.years or q.year_range or q.since or q.window_days or any(w.norm in _ASKS_OF_THE_DAY for w in q.words)
    if not asks and not timed and not q.patent_numbers and not any(n in known or n in titles for n in said):
        return "remark"
    if not asks and not timed and not q.patent_numbers and _purpose(q) and not any(n in names for n in content) \
            and not context(deps, read(q.raw, deps.now()), None).matches:
        # "…? need to start renewal talks", "want to flag them to the portfolio team": why
        # they ask, naming no figure, company or year
        return "reason"
    if not asks and not timed and not q.patent_numbers and all(n in _WHY_WORDS or n not in known for n in said):
        # "…? renewal planning", "they've pinged us about a renewal": what the answer is for
        return "reason"
    if pronoun and not q.patent_numbers and not any(
            n in idx.facts.vocabulary or n in idx.licences.name_tokens or n in idx.facts.subjects for n in content):
        return "refers back"
    return "question"


_PURPOSE_LEADS = frozenset("need want must have trying planning hoping".split())
_SUBJECTS = frozenset("i we just also still really so".split())
# lexicon words that, with nothing else the store knows, say why someone asks
_WHY_WORDS = frozenset({"renewal"})


def _purpose(q: Question) -> bool:
    """The part starts "(I) need to …", "(we) want to …", "going to …" (read as "will")."""
    lead = [w for w in q.words if w.norm not in _SUBJECTS][:2]
    if lead and lead[0].surface == "going to":
        return True
    return len(lead) == 2 and lead[0].norm in _PURPOSE_LEADS and lead[1].norm == "to"


_VERSUS = frozenset({"vs", "versus", "against", "compare", "compared", "v"})


def _topic_prefix(deps: Deps, part: str) -> str:
    """The first part when it only names a licensee, company, patent or technology
    ("customer is asking about Wi-Fi 6 — what's the max royalty per device?")."""
    q = read(part, deps.now())
    idx = deps.index
    content = [w.norm for w in q.words if w.norm not in _FILLER]
    names = idx.licences.name_tokens | frozenset(idx.facts.subjects) | {
        n for n in content if n in lx.TECHNOLOGY or n.startswith("wifi")}
    if any(n in names for n in content):
        # "InterDigital vs us — licensing revenue 2023": the comparison is the topic too
        names |= _VERSUS
    if q.years or not (content or q.patent_numbers) or any(n not in names for n in content):
        return ""
    if any(w.norm in _QUESTION_WORDS for w in q.words):
        return ""  # "what is US 8818681 B1?" asks about it
    return part


def _antecedent(plan: dict[str, Any]) -> str:
    """What "it" points back to: the patent, licensee or figure of the part before."""
    filters = plan.get("filters") or {}
    if filters.get("number"):
        return str(filters["number"])
    if _licence_named(plan):
        return str(filters.get("licensee") or filters.get("party")).replace(";", " ")
    subject = plan.get("subject") or ""
    return " ".join([subject, *plan.get("metrics", []), *plan.get("years", [])]).strip()


def explain(deps: Deps, question: str, topic: str | None = None) -> list[Plan]:
    """Each part's plan as read on its own, without answering anything (the gaps list
    uses it to name a question's unexplained words)."""
    parts = split_parts(question[:MAX_QUESTION_CHARS]) or [question[:MAX_QUESTION_CHARS]]
    return [_plan(context(deps, read(p, deps.now()), topic))[0] for p in parts]


async def explain_answer(deps: Deps, question: str, topic: str | None = None) -> dict[str, Any]:
    """The plan a question is answered with (`ipbot ask --explain`): for a message of
    several parts, each part's plan, with the text a follow-up part was read as
    ("And Ericsson?" → "asked"). Nothing is logged."""
    reply = await ask(deps, question, topic=topic, log=False)
    return reply.plan or {"intent": reply.kind.value, "unexplained": []}


async def _one(deps: Deps, text: str, topic: str | None) -> Reply:
    q = read(text, deps.now())
    if any(w.norm == lx.USAGE for w in q.words):
        # "how do I use this bot?", "what kind of things can I ask?", whatever else is said
        return help_reply(deps)
    content = [w for w in q.words if w.norm not in _FILLER]
    if not content and not q.years and not q.patent_numbers and not q.year_range and not q.since:
        if q.words and any(w.norm in _THANKS for w in q.words) and all(w.norm in _THANKS | _FILLER
                                                                         for w in q.words):
            # "thanks!" is not a question for the gaps list, nor a request for help
            return Reply(ReplyKind.NOT_KNOWN, "You're welcome!", plan={"intent": "thanks", "unexplained": []})
        if not q.words and q.raw.strip(" \t\r\n?!.,"):
            # only emoji or Slack markup ("<!channel>"): not a request for help either
            return Reply(ReplyKind.NOT_KNOWN, "I could not find a question in that.",
                         note="Type `help` to see what I can answer.")
        return help_reply(deps)
    ctx = context(deps, q, topic)
    plan, intent = _plan(ctx)
    if intent is None or plan.unexplained:
        reply = _refusal(deps, ctx, plan)
    elif deps.index.warming and intent.name.startswith("patent"):
        reply = Reply(ReplyKind.NOT_KNOWN, "")
    else:
        reply = await intent.execute(deps, plan, ctx)
    reply.plan = plan.public()
    if deps.index.warming and not reply.answered and (
            intent is None or plan.unexplained or intent.name.startswith("patent")):
        # words a patent title would have explained, or a patent question
        return _warming_up(reply)
    return reply


def _warming_up(reply: Reply) -> Reply:
    """Patents are still loading after a start (bot/runtime.py): say so, rather than
    find nothing or refuse words a patent title would have explained."""
    return Reply(ReplyKind.WARMING_UP, "I'm still loading the patent index after a restart; "
                 "ask again in a few seconds.", note="Figures and licences answer already.", plan=reply.plan)


def context(deps: Deps, q: Question, topic: str | None) -> Context:
    """Tag the words the store explains: subjects, licensees, metric names and aliases."""
    idx = deps.index
    vocabulary = _vocabulary(idx.facts.vocabulary, idx.licences.name_tokens, frozenset(idx.facts.subjects))
    titles = idx.patents.postings
    for w in q.words:
        # a word some patent title holds is a real word, not a typo ("charging")
        if w.norm not in _FILLER and w.norm not in titles:
            fixed = idx.correct(w.norm, vocabulary)
            w.corrected, w.norm = fixed != w.norm, fixed
    ctx = Context(q, deps, deps.home_subject, topic=topic)
    norms = [w.norm for w in q.words]
    subjects = {**{k: v for k, v in idx.facts.subjects.items()}, deps.home_subject.lower(): deps.home_subject}
    for w in q.words:
        name = subjects.get(w.norm) or (subjects.get(w.norm[:-1]) if w.norm.endswith("s") else None)
        if name:
            w.tag = SUBJECT
            if name not in ctx.subjects:
                ctx.subjects.append(name)
    home = deps.home_subject.lower()
    for name in idx.find_licensees(norms):
        if name.lower() == home:
            continue  # the home company as licensee is asked as such ("where <home company> is the licensee")
        if name not in ctx.licensees:
            ctx.licensees.append(name)
        toks = tx.tokens(name)
        for i in range(len(norms) - len(toks) + 1):
            if norms[i : i + len(toks)] == toks:
                for w in q.words[i : i + len(toks)]:
                    w.tag = w.tag or LICENSEE
    for w in q.words:
        # "Mercedes" for "Mercedes-Benz Group": a first word only one licensee starts with
        named = idx.licences.names.get(w.norm, [])
        if not w.tag and len(named) == 1 and len(w.norm) >= 4 and w.norm not in _LEXICON_WORDS | _FILLER:
            w.tag = LICENSEE
            if named[0][1] not in ctx.licensees:
                ctx.licensees.append(named[0][1])
            # "Mercedes-Benz" for "Mercedes-Benz Group": the name's next words are part of it
            rest, i = named[0][0][1:], q.words.index(w) + 1
            while rest and i < len(q.words) and q.words[i].norm == rest[0] and not q.words[i].tag:
                q.words[i].tag = LICENSEE
                rest, i = rest[1:], i + 1
    for i, w in enumerate(q.words):
        # "which patents were granted in 2021" asks for grant dates; "granted patents
        # 2021" (the adjective before the noun) is the valid-patent count
        nxt = q.words[i + 1].norm if i + 1 < len(q.words) else ""
        if w.norm == "granted" and nxt != "patent" and (q.years or q.year_range) and "patent" in norms:
            w.norm = "issued"
    if q.year_range or q.since or q.last_n_years or len(q.years) > 1:
        # "total revenue 2021-2023" is a sum, not the "total r&d" alias of cumulative spending
        for w in q.words:
            if w.norm in ("total", "sum"):
                w.tag = "sum"
    ctx.matches = match_metrics(q.words, idx.facts)
    for w in q.words:
        if not w.tag and w.norm in _FILLER and not (w.norm == "us" and "us" in q.acronyms):
            w.tag = FILLER
    return ctx


@functools.lru_cache(maxsize=4)
def _vocabulary(facts: frozenset[str], licensees: frozenset[str], subjects: frozenset[str]) -> frozenset[str]:
    """The words a question's typos are corrected towards. Built once per index
    snapshot (the sets are swapped, not mutated, on refresh), not per question."""
    return facts | licensees | subjects | _LEXICON_WORDS


def _plan(ctx: Context) -> tuple[Plan, Intent | None]:
    """The first intent that explains every word wins; failing that, the first that
    claimed the question, so its refusal names the words it could not use."""
    first: tuple[Plan, Intent] | None = None
    for intent in INTENTS:
        plan = intent.match(ctx)
        if plan is None:
            continue
        plan.unexplain(common.time_unread(ctx.q, intent.time))
        if not plan.unexplained:
            return plan, intent
        first = first or (plan, intent)
    if first:
        return first
    untagged = [w for w in ctx.q.words if not w.tag]
    # name the words that mean nothing here ("employees"), not "how many" around them
    # … and a technology no stored metric has ("the 6G cap" names "6G", not just "cap")
    words = [w.surface for w in untagged if not ctx.kinds(w) or "tech" in ctx.kinds(w)] or [
        w.surface for w in untagged]
    plan = Plan("unknown", unexplained=list(dict.fromkeys(words)))
    plan.unknown_subject = common.unknown_name(ctx, plan.unexplained)
    return plan, None


def _refusal(deps: Deps, ctx: Context, plan: Plan) -> Reply:
    if plan.payer and len(plan.unexplained) == 1:
        name = plan.payer.title() if plan.payer.islower() else plan.payer
        return common.refuse(deps, ctx, f"I don't hold revenue from one licensee or licence ({name}): "
                             "amounts per licensee or per licence are not stored.",
                             note="I hold each company's own published figures and our total licensing revenue.")
    if plan.unknown_subject and plan.intent == "licences":
        return common.refuse(deps, ctx, f"I have no licence with {plan.unknown_subject} on record.",
                             note=f"I hold {len(deps.index.licences.licences)} licences; try `licensees`.")
    if plan.unknown_subject:
        held = sorted(deps.index.facts.subjects.values()) or [deps.home_subject]
        what = plan.metrics[0] if plan.metrics else "figures"
        prefix = "" if plan.metrics else "I don't know that: "
        return common.refuse(deps, ctx, f"{prefix}I have no {what} for {plan.unknown_subject}; I hold figures for "
                             f"{', '.join(held)}.")
    if not plan.unexplained:
        return common.refuse(deps, ctx, "I don't know that.")
    return common.not_understood(deps, ctx, plan.unexplained)


def help_reply(deps: Deps | None = None) -> Reply:
    """What can be asked, built from the docstrings of the intents and of the
    commands in `deps.registry` (handlers/registry.py), so help never drifts."""
    lines = []
    for intent in INTENTS:
        summary, examples = doc_parts(intent.doc)
        lines.append(f"{summary} — {examples}")
    lines += [f"{s} — {e}" for s, e in (deps.registry.help if deps else ())]
    home = deps.home_subject if deps else "the company"
    return Reply(
        ReplyKind.HELP,
        f"Ask me about {home}'s IP figures, licences and patents — in Slack with `/ip licensees 2022`, "
        "by mentioning me (`@ipbot what was R&D spend in 2023?`) or in a direct message. For example:",
        lines=lines,
        note="Answers state the qualifier (over, almost, about), unit, year and source. "
        "I answer only what I fully understood; otherwise I say which words I did not.",
    )


def doc_parts(doc: str) -> tuple[str, str]:
    """A docstring's first line (the summary) and its examples (from the `e.g.` line)."""
    lines = [ln.strip() for ln in doc.strip().splitlines() if ln.strip()]
    summary = lines[0].rstrip(".") if lines else ""
    # examples run from the "e.g." line to the end of the docstring
    start = next((i for i, ln in enumerate(lines) if ln.startswith("e.g. ")), None)
    examples = " ".join(lines[start:])[len("e.g. "):] if start is not None else ""
    return summary, examples
