"""The curated question of an entry closest to a user's words (pure): one of the matcher's features.

For each question of the entry that shares a term with the user's: the share of its weight the user's
terms cover, and (where it can still change the best) rapidfuzz's token similarity of the two term lists.
Only the questions that share a term are looked at (``Asked.having``), not every question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from rapidfuzz import fuzz, process


class Asked(NamedTuple):
    """An entry's curated questions (those with a term) as scoring reads them: made for an entry when it is
    first scored (``bot.indexing.Index.asked``), in one pass, with no object per question."""

    terms: tuple[tuple[str, ...], ...]  # each question's content terms, sorted, each once
    weights: tuple[float, ...]  # each question's summed idf
    having: dict[str, tuple[int, ...]]  # term -> the questions (by position) that have it, in order
    texts: tuple[str, ...]  # each question's terms joined, as rapidfuzz compares them


def closest_question(asked: Asked, weights: Mapping[str, float], qtext: str) -> tuple[float, float]:
    """(the best share of a curated question the user's words cover, the best rapidfuzz similarity)."""
    shared_by: dict[int, float] = {}
    having = asked.having
    for t, w in weights.items():
        for qi in having.get(t, ()):
            shared_by[qi] = shared_by.get(qi, 0.0) + w
    best_cov = 0.0
    compared: list[str] = []
    for qi in sorted(shared_by):
        cov = shared_by[qi] / asked.weights[qi]
        if cov > best_cov:
            best_cov = cov
        # rapidfuzz only where it can still change the result: a question at least half as close as the
        # closest so far. Which ones that is does not depend on the similarities, so they are compared
        # in one call.
        if cov * 2 >= best_cov:
            compared.append(asked.texts[qi])
    if not compared:
        return best_cov, 0.0
    found = process.extractOne(qtext, compared, scorer=fuzz.ratio)
    return best_cov, (found[1] / 100.0 if found is not None else 0.0)
