"""The curated question of an entry closest to a user's words (pure): one of the matcher's features.

For each question of the entry that shares a term with the user's: the share of its weight the user's
terms cover, and (where it can still change the best) rapidfuzz's token similarity of the two term lists.
Only the questions that share a term are looked at (``questions_by_term``), not every question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from rapidfuzz import fuzz


class Asked(Protocol):
    """A curated question as the index keeps it: its terms and their summed weight."""

    @property
    def terms(self) -> tuple[str, ...]: ...

    @property
    def weight(self) -> float: ...


def questions_by_term(questions: Iterable[Sequence[str]]) -> dict[str, tuple[int, ...]]:
    """Which questions (by position) have each term."""
    lists: dict[str, list[int]] = defaultdict(list)
    for qi, terms in enumerate(questions):
        for t in terms:
            lists[t].append(qi)
    return {t: tuple(qis) for t, qis in lists.items()}


def closest_question(questions: Sequence[Asked], weights: Mapping[str, float], qtext: str,
                     by_term: Mapping[str, tuple[int, ...]]) -> tuple[float, float]:
    """(the best share of a curated question the user's words cover, the best rapidfuzz similarity).
    ``by_term``: which of the questions have each term, so only the questions that share one are looked at."""
    shared_by: dict[int, float] = {}
    for t, w in weights.items():
        for qi in by_term.get(t, ()):
            shared_by[qi] = shared_by.get(qi, 0.0) + w
    best_cov = best_fuzz = 0.0
    for qi in sorted(shared_by):
        q, shared = questions[qi], shared_by[qi]
        cov = shared / q.weight
        best_cov = max(best_cov, cov)
        # rapidfuzz only where it can still change the result: a question at least half as close.
        if cov * 2 >= best_cov:
            sim = fuzz.token_sort_ratio(qtext, " ".join(q.terms), score_cutoff=best_fuzz * 100) / 100.0
            best_fuzz = max(best_fuzz, sim)
    return best_cov, best_fuzz
