"""The curated question of an entry closest to a user's words (pure): one of the matcher's features.

For each question of the entry that shares a term with the user's: the share of its weight the user's
terms cover, and (where it can still change the best) rapidfuzz's token similarity of the two term lists.
Only the questions that share a term are looked at (``questions_by_term``), not every question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from rapidfuzz import fuzz


class Asked(Protocol):
    """A curated question as the index keeps it: its terms and their summed weight."""

    @property
    def terms(self) -> tuple[str, ...]: ...

    @property
    def weight(self) -> float: ...


class ByTerm(NamedTuple):
    """An entry's curated questions as ``closest_question`` reads them."""

    questions: dict[str, tuple[int, ...]]  # term -> the questions (by position) that have it
    texts: tuple[str, ...]  # each question's terms joined, as rapidfuzz compares them


def questions_by_term(questions: Iterable[Sequence[str]]) -> ByTerm:
    """Which questions (by position) have each term, and each question's terms as one string."""
    lists: dict[str, list[int]] = defaultdict(list)
    texts: list[str] = []
    for qi, terms in enumerate(questions):
        texts.append(" ".join(terms))
        for t in terms:
            lists[t].append(qi)
    return ByTerm({t: tuple(qis) for t, qis in lists.items()}, tuple(texts))


def closest_question(questions: Sequence[Asked], weights: Mapping[str, float], qtext: str,
                     by_term: ByTerm) -> tuple[float, float]:
    """(the best share of a curated question the user's words cover, the best rapidfuzz similarity).
    ``by_term``: which of the questions have each term, so only the questions that share one are looked at."""
    shared_by: dict[int, float] = {}
    having = by_term.questions
    for t, w in weights.items():
        for qi in having.get(t, ()):
            shared_by[qi] = shared_by.get(qi, 0.0) + w
    best_cov = best_fuzz = 0.0
    for qi in sorted(shared_by):
        q = questions[qi]
        cov = shared_by[qi] / q.weight
        if cov > best_cov:
            best_cov = cov
        # rapidfuzz only where it can still change the result: a question at least half as close.
        if cov * 2 >= best_cov:
            sim = fuzz.token_sort_ratio(qtext, by_term.texts[qi], score_cutoff=best_fuzz * 100) / 100.0
            if sim > best_fuzz:
                best_fuzz = sim
    return best_cov, best_fuzz
