"""The curated question of an entry closest to a user's words (pure): one of the matcher's features.

For each question of the entry that shares a term with the user's: the share of its weight the user's
terms cover, and (where it can still change the best) rapidfuzz's similarity of the two term lists.
The questions are read from the index's flat arrays (``bot.indexing.Index``: each question's terms as
numbers, one question after another): which questions have each term in one pass over the entry's term
numbers, a question's weight and text only when it first shares a term. At 10,000 entries most scored
entries are met once, and reading every question of each whole first cost more than the rest of the
match (issue #14).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from rapidfuzz import fuzz, process


class Asked(NamedTuple):
    """An entry's curated questions (those with a term) read whole (``bot.indexing.Index.asked``), for what
    needs all of them: which named things one question names together."""

    terms: tuple[tuple[str, ...], ...]  # each question's content terms, sorted, each once
    weights: tuple[float, ...]  # each question's summed idf
    having: dict[str, tuple[int, ...]]  # term -> the questions (by position) that have it, in order
    texts: tuple[str, ...]  # each question's terms joined, as rapidfuzz compares them


class Closest(NamedTuple):
    coverage: float  # the best share of a curated question's weight that the user's terms cover
    similarity: float  # the best rapidfuzz similarity (0..1) of the questions compared
    has_all: bool  # one curated question has every term of the user's (the people its entry is about counted)


KEPT = 4096  # entries whose questions are kept read (a large knowledge base is not all kept)


class CuratedQuestions:
    """Every entry's curated questions in the index's flat arrays, read one entry at a time and kept: which
    questions have each term (one pass over the entry's term numbers), and, for a question first shared,
    its weight and its text."""

    def __init__(self, terms: Sequence[str], question_terms: Sequence[int], question_starts: Sequence[int],
                 entry_starts: Sequence[int], idf: Mapping[str, float]) -> None:
        self.terms = terms  # term number -> term
        self.question_terms = question_terms
        self.question_starts = question_starts
        self.entry_starts = entry_starts
        self.idf = idf
        self._having: dict[int, dict[str, tuple[int, ...]]] = {}  # entry -> term -> its questions (by number)
        self._read: dict[int, tuple[float, str]] = {}  # question number -> (summed idf, terms sorted and joined)

    def _questions_having(self, i: int) -> dict[str, tuple[int, ...]]:
        found = self._having.get(i)
        if found is None:
            if len(self._having) >= KEPT:
                self._having.clear()
                self._read.clear()
            having: dict[str, list[int]] = {}
            starts, qterms, name = self.question_starts, self.question_terms, self.terms.__getitem__
            for q in range(self.entry_starts[i], self.entry_starts[i + 1]):
                for t in map(name, qterms[starts[q]:starts[q + 1]]):
                    listed = having.get(t)
                    if listed is None:
                        having[t] = [q]
                    elif listed[-1] != q:  # a term twice in one question counts once
                        listed.append(q)
            # Tuples, not lists: the garbage collector stops tracking a tuple of ints, so the tables of the
            # thousands of entries a large base scores do not call for full collections (~50 ms each).
            found = self._having[i] = {t: tuple(qs) for t, qs in having.items()}
        return found

    def _question(self, q: int) -> tuple[float, str]:
        found = self._read.get(q)
        if found is None:
            unique = set(map(self.terms.__getitem__,
                             self.question_terms[self.question_starts[q]:self.question_starts[q + 1]]))
            found = self._read[q] = (sum(map(self.idf.__getitem__, unique)) or 1.0, " ".join(sorted(unique)))
        return found

    def closest(self, i: int, weights: Mapping[str, float], qtext: str,
                about: frozenset[str] = frozenset()) -> Closest:
        """Entry ``i``'s closest curated question to a user's terms (``weights``: each one's idf, in the
        question's order; ``qtext``: the terms sorted and joined, as rapidfuzz compares them). ``about``: the
        people the entry is about (``Lookups.about``); each of its questions is read as asked about them
        ("What anniversary coincided with the signing?" of what Tibilov said), so a user who names them
        shares them with every question."""
        having = self._questions_having(i)
        shared_by: dict[int, float] = {}
        shared = shared_by.get
        # The questions that have every term but the people the entry is about (``has_all``): the
        # intersection of each term's questions; None once a term is in none.
        every: list[tuple[int, ...]] | None = []
        for t, w in weights.items():
            qs = having.get(t)
            if t not in about:
                if qs is None or every is None:
                    every = None
                else:
                    every.append(qs)
            for q in qs or ():
                shared_by[q] = shared(q, 0.0) + w
        named = [t for t in about if t in weights]
        best_cov = 0.0
        compared: list[str] = []
        read, question = self._read.get, self._question
        # Each person named: their weight and the questions that name them (every other question implies them).
        absent = [(weights[t], having.get(t, ())) for t in named]
        for q in range(self.entry_starts[i], self.entry_starts[i + 1]) if named else sorted(shared_by):
            weight, text = read(q) or question(q)
            if named:
                implied = 0.0
                for w, naming in absent:
                    if q not in naming:
                        implied += w
                cov = (shared(q, 0.0) + implied) / (weight + implied)
            else:
                cov = shared_by[q] / weight
            if cov > best_cov:
                best_cov = cov
            # rapidfuzz only where it can still change the result: a question at least half as close as the
            # closest so far. Which ones that is does not depend on the similarities, so they are compared
            # in one call. Both sides are terms sorted and joined: a plain ratio is the token-sorted one.
            if cov * 2 >= best_cov:
                compared.append(text)
        if not compared:
            return Closest(0.0, 0.0, False)
        match = process.extractOne(qtext, compared, scorer=fuzz.ratio)
        return Closest(best_cov, match[1] / 100.0 if match is not None else 0.0, _share_one(every))


def _share_one(groups: list[tuple[int, ...]] | None) -> bool:
    """Whether one question is in every group (a group: the questions that have one term)."""
    if groups is None:
        return False
    if len(groups) < 2:
        return True
    groups.sort(key=len)
    return bool(set(groups[0]).intersection(*groups[1:]))
