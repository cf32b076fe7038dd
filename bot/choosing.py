"""Which of the ranked candidates answers (pure): the near miss that declines, the guards, the surest of kin.

``bot.matching`` ranks the knowledge base's entries for a reading of a question, each with the model's
probability; the rules here choose among them where the model alone does not: a better-matching ``gap``
entry declines (``near_miss``); principled guards decline an entry that never mentions a named thing or a
number the question has, or names none of the alternatives it offers (``guarded_by``); an overview and a
detail it covers answer alike, the surer one kept (``surest_of_kin``); and a named speaker's words come
before the rest (``quoting_first``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.analysis import Analysis, Analyzer
from bot.knowledge import KnowledgeBase
from bot.lookups import Lookups
from bot.outcomes import Candidate, Thresholds

GAP_MIN_BASE = 0.45  # a gap entry declines the question when its base score is at least this
GAP_MARGIN = 0.05  # ... and beats the best fact's by this much (less: a near tie, see ``near_miss``)
CONFIDENT = 0.9  # at or above this probability the best entry is answered even with a close rival
SAME_TOPIC_GAP = 0.05  # base score an unsure best fact may lead a sure one of its topic by (``surest_of_kin``)
GUARDS: tuple[str, ...] = ("entity_miss", "number_miss")
CHOICE = "choice"  # alternatives the entry names none of
# a near miss, not unsure
DECLINED_FOR_CAUSE = frozenset({"gap", CHOICE, *(g.removesuffix("_miss") for g in GUARDS)})


def near_miss(a: Analysis, ranked: Sequence[Candidate], facts: Sequence[Candidate],
              analyzer: Analyzer) -> Candidate | None:
    """The gap entry that declines the question: close enough, and closer than every fact by a margin or,
    in a near tie, more probable. A gap entry with question types declines only questions asking one of them:
    the near miss "when does it enter into force?" is not "is it in force yet?", which the article answers."""
    # ... or, with no question word, the kind of answer it names ("Duma vote date")
    wanted = {a.qtype} if a.qtype else {analyzer.asks_for.get(t) for t in a.terms}
    gap = next((c for c in ranked
                if c.entry.kind == "gap" and (not c.entry.gives or not c.entry.gives.isdisjoint(wanted))), None)
    if gap is None or gap.base < GAP_MIN_BASE:
        return None
    if not facts or gap.base >= facts[0].base + GAP_MARGIN:
        return gap
    # Closer by less than the margin, the two are a near tie ("what was discussed at the 31st Geneva
    # round?": the round's date, or what it discussed, which the article does not give): the reading the
    # model is surer of decides, unless the fact gives just what is asked (who/when/...). When both are
    # saturated (0.98 against 0.98) the model cannot tell them apart and the closer reading decides. An
    # exact tie stays with the fact: "женевские переговоры" (the Geneva talks) is also the near miss
    # "what did they discuss in Geneva" word for word.
    top = facts[0]
    surer = gap.score > top.score or min(gap.score, top.score) >= CONFIDENT  # both saturated: the closer
    # A question with no question word may name the kind of answer it wants ("Abkhazia treaty date").
    named = a.qtype is None and any(analyzer.asks_for.get(t) in top.entry.gives for t in a.terms)
    return gap if gap.base > top.base and surer and not (top.features.get("qtype_fit") or named) else None


def quoting_first(facts: list[Candidate], th: Thresholds, lookups: Lookups) -> list[Candidate]:
    """``facts`` (what a named speaker may have said) with the best of those close to the top that quote
    someone first: "what did Putin say about the deal with South Ossetia?" wants his words, not the venue."""
    quoting = next((c for c in facts[: th.max_candidates + 2]
                    if (c.base >= facts[0].base - th.margin or c.score >= facts[0].score - th.margin)
                    and lookups.speakers(c.entry)), None)
    return facts if quoting is None or quoting is facts[0] else [quoting, *(c for c in facts if c is not quoting)]


def guarded_by(a: Analysis, top: Candidate, kb: KnowledgeBase, lookups: Lookups) -> str | None:
    """The guard (``GUARDS``) that declines ``top``, or ``CHOICE``: the question offers alternatives the entry
    names none of ("is it health insurance or car insurance?" of the insurance entry, which says neither),
    so it cannot say which it was. None: no guard declines it."""
    guard = next((g for g in GUARDS if top.features.get(g)), None)
    if guard is not None:
        return guard.removesuffix("_miss")
    def held(term: str) -> bool:
        return any(kb.entries[i] is top.entry for i in lookups.holders(term))
    return CHOICE if any(not any(held(t) for side in pair for t in side) for pair in a.choices) else None


def surest_of_kin(facts: Sequence[Candidate], th: Thresholds, answer_threshold: float) -> Candidate:
    """The best fact, or a close overview or detail of it that the model is surer of: the two answer
    alike ("which ministries will cooperate?": the interior ministries, not all the provisions). When
    neither is sure enough to answer, an entry of the same topic all but as close that is ("did the EU
    object, and on what grounds?": the EU position unsure, the EU's words on the timing sure)."""
    top = facts[0]
    kin = [c for c in facts[1 : th.max_candidates + 2] if c.base >= top.base - th.margin
           and top.entry.alike(c.entry)]
    best = max([top, *kin], key=lambda c: c.score)
    if best.score >= answer_threshold:
        return best
    near = [c for c in facts[1 : th.max_candidates + 2] if c.base >= top.base - SAME_TOPIC_GAP
            and c.entry.topic == top.entry.topic and c.score >= answer_threshold]
    return max([best, *near], key=lambda c: c.score)
