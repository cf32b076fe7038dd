"""What matching decides about a question (pure): the ``Outcome`` (answer, ask back or decline), the
``Candidate`` entries it weighed, and the ``Thresholds`` an operator may override. ``bot.matching`` makes
them; the conversation, the texts and every front end read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.analysis import Analysis
    from bot.knowledge import Entry

Status = Literal["answered", "clarify", "unknown"]
SURE_NEAR_MISS = 0.5  # a near miss at least this probable is a reply, as an answer is (``Outcome.preference``)


@dataclass(frozen=True)
class Candidate:
    """An entry that may answer the question, with the probability that it does."""

    entry: Entry
    score: float  # the probability that answering with this entry is right (bot/decision.py)
    coverage: float = 1.0  # the share of the question's meaning this entry explains
    base: float = 0.0  # the fixed blend that shortlisted it
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Outcome:
    """What the bot does with a question; the texts module turns it into words."""

    status: Status
    lang: str
    score: float
    entry: Entry | None = None  # the answer (status answered)
    candidates: tuple[Candidate, ...] = ()  # clarify: the close candidates, best first
    suggestions: tuple[Entry, ...] = ()  # follow-ups (answered) or nearest topics (unknown)
    gap: Entry | None = None  # unknown because it matched something the article does not say
    reason: str = ""  # why this outcome (for logs, eval and tests)
    analysis: Analysis | None = field(default=None, compare=False, repr=False)
    parts: tuple[Outcome, ...] = ()  # several questions in one message: one answered outcome each
    uncovered: tuple[str, ...] = ()  # ... and the parts the article does not cover, as the user wrote them
    explained: tuple[tuple[str, Entry], ...] = ()  # ... and those it says why not, each with its gap entry
    resolved: str = ""  # a follow-up: the question the bot understood it as (for the chat log)

    def preference(self) -> tuple[int, float]:
        """How good this outcome is, to choose between readings of one message: an answer or a known near
        miss beats a question back, which beats a decline; then the probability. A near miss is a reply too:
        the question sentence of a long message may be one ("... On what date did their parliament vote on
        it?") while its background alone matches a fact; but not one the model doubts ("What did the Kremlin
        say?" read as Russia is the troops gap at p 0.1: no reply to prefer)."""
        order = {"answered": 2, "clarify": 1, "unknown": 0}[self.status]
        if self.reason == "small_talk":
            order = 0
        elif self.reason == "gap" and self.score >= SURE_NEAR_MISS:
            order = 2
        return order, self.score


@dataclass(frozen=True)
class Thresholds:
    """Overrides of the decision model's fitted thresholds (None: the fitted value)."""

    answer: float | None = None  # probability at or above which the best entry is answered
    clarify: float | None = None  # close candidates at or above this are offered back
    margin: float = 0.06  # a rival on another topic within this of the best makes it a question back
    max_candidates: int = 3


def several(parts: Sequence[Outcome], lang: str, uncovered: Sequence[str] = (),
            explained: Sequence[tuple[str, Entry]] = ()) -> Outcome:
    """One reply to several answered parts: the first part's outcome with all of them, its related questions
    without those the other parts answer ("What about the border?" after customs and the border)."""
    answered = {p.entry.id for p in parts if p.entry is not None}
    return replace(parts[0], parts=tuple(parts), uncovered=tuple(uncovered), explained=tuple(explained), lang=lang,
                   reason="several", suggestions=tuple(e for e in parts[0].suggestions if e.id not in answered))


def combined(text: str, whole: Outcome, answered: list[Outcome], answered_piece: list[str],
             uncovered: list[str], quiet: bool, again: int,
             explained: Sequence[tuple[str, Entry]] = ()) -> Outcome | None:
    """The reply to a message of several parts, from what they got; None: the message read whole answers it.
    ``explained``: the parts the article does not cover and says why (a near miss), each with its gap entry."""
    if len(answered) == 1 and quiet and whole.status != "answered":
        return replace(answered[0], lang=whole.lang)  # "понятно, а кто подписал?": the question alone
    if len(answered) >= 2:
        return several(answered, whole.lang, uncovered, explained)
    if len(answered) == 1 and (uncovered or explained or again) and (whole.status != "answered"
                                                                     or whole.entry == answered[0].entry):
        return replace(answered[0], uncovered=tuple(uncovered), explained=tuple(explained), lang=whole.lang)
    unanswered = [*uncovered, *(part for part, _ in explained)]
    if len(answered) == 1 and len(unanswered) == 1 and whole.status == "answered" and whole.reason != "small_talk":
        # The part the message read whole answers, though alone it was unsure or a near miss ("what did the
        # kremlin say? and the americans?": the Kremlin's reply, and the US position), in the message's order.
        first = text.find(unanswered[0]) < text.find(answered_piece[0])
        both = (whole, answered[0]) if first else (answered[0], whole)
        return several(both, whole.lang)
    return None
