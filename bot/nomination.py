"""Candidate nomination (pure): which entries share the question's words, roughly scored, best first.

The cheap pass before ``Matcher.rank`` scores a few entries in full. The question's distinctive terms
nominate every entry they occur in (score: term weight x field-weighted frequency); its common terms only
add their weight to entries already nominated; the ``limit`` best are kept, with where each of the
question's terms occurs in them (``Hits``).

Two ways to one result: loops over the posting slices for a knowledge base of normal size (a few hundred
entries: nothing to set up, a fraction of a millisecond), and array work for a large one (issue #14: at
10,000 entries a question's terms have thousands of postings, and a Python loop over them cost ~13 ms):
one dense score vector, ``+=`` over each term's slice of the flat posting arrays, ``argpartition`` for the
best. numpy is imported only then, so the shipped bot's cold start does not pay for it.
"""

from __future__ import annotations

import heapq
from array import array
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

ARRAY_ENTRIES = 1_000  # from this many entries on, nomination is array work

Hits = dict[int, dict[str, tuple[float, int]]]  # entry index -> term -> (field-weighted frequency, bits)


class PostingIndex:
    """The flat posting arrays of a built index (``bot.matching.Matcher``), and how to nominate from them."""

    def __init__(self, postings: Mapping[str, tuple[int, int]], ids: array[int], packed: array[int],
                 listed: Sequence[bool]) -> None:
        self.postings = postings  # term -> (start, end) of its slice of ``ids`` / ``packed``
        self.ids = ids  # entry indexes, ascending within a term's slice
        self.packed = packed  # field-weighted frequency in 1/1024ths << 3 | field bits
        self.listed = listed  # False for entries that are never candidates (small talk)
        self._arrays: tuple[Any, Any, Any] | None = None
        self._index_arrays: dict[frozenset[int], Any] = {}

    def nominate_for(self, terms: Sequence[str], df_share: Mapping[str, float], common_share: float,
                     weight: Callable[[str], float], limit: int, demoted: frozenset[int] = frozenset(),
                     demote: float = 1.0) -> tuple[list[int], Hits]:
        """The candidates for a question's ``terms``: its distinctive terms nominate (a term found in more
        than ``common_share`` of the entries, "treaty", "Russia", picks no one out and would make every entry
        a candidate), its common ones order. When the only rare terms are plain words ("между" in "когда
        подписан договор между Россией и Южной Осетией?"), they must not decide alone which entries are
        considered: the entries all the terms pick out are candidates too. The rough scores of ``demoted``
        entries (those that cannot give what the question asks: a date to "when?") count ``demote`` of
        themselves in choosing the ``limit`` best, as their full scores will."""
        distinctive = [t for t in terms if df_share.get(t, 0.0) <= common_share] or list(terms)
        common = [t for t in terms if t not in distinctive]
        shortlist, hits = self.nominate(distinctive, common, weight, limit, demoted, demote)
        if common and not any(t.startswith("#") or t.isdigit() for t in distinctive):
            more, more_hits = self.nominate(list(terms), [], weight, limit, demoted, demote)
            for i in more:
                if i not in hits:
                    shortlist.append(i)
                    hits[i] = more_hits[i]
        return shortlist, hits

    def nominate(self, distinctive: Sequence[str], common: Sequence[str], weight: Callable[[str], float],
                 limit: int, demoted: frozenset[int] = frozenset(), demote: float = 1.0) -> tuple[list[int], Hits]:
        """The ``limit`` best nominated entries (best first) and their hits."""
        if len(self.listed) >= ARRAY_ENTRIES:
            return self._nominate_arrays(distinctive, common, weight, limit, demoted, demote)
        return self._nominate_loops(distinctive, common, weight, limit, demoted, demote)

    def _slice(self, term: str) -> tuple[int, int]:
        return self.postings.get(term, (0, 0))

    def _nominate_loops(self, distinctive: Sequence[str], common: Sequence[str], weight: Callable[[str], float],
                        limit: int, demoted: frozenset[int], demote: float) -> tuple[list[int], Hits]:
        rough: dict[int, float] = defaultdict(float)
        hits: Hits = defaultdict(dict)
        for t in distinctive:
            w = weight(t)
            start, end = self._slice(t)
            for i, packed in zip(self.ids[start:end], self.packed[start:end], strict=True):
                if self.listed[i]:
                    tf = (packed >> 3) / 1024
                    rough[i] += w * tf  # where the term is counts: questions most
                    hits[i][t] = (tf, packed & 7)
        for t in common:
            # Common words nominate no one, but still order (and describe) the nominated entries.
            w = weight(t)
            start, end = self._slice(t)
            for i, packed in zip(self.ids[start:end], self.packed[start:end], strict=True):
                if i in rough:
                    rough[i] += w
                    hits[i][t] = ((packed >> 3) / 1024, packed & 7)
        if demoted:
            for i in demoted.intersection(rough):
                rough[i] *= demote
        # Ties go to the earlier entry, in both ways of nominating (the arrays' selection does the same).
        return heapq.nlargest(limit, rough, key=lambda i: (rough[i], -i)), hits

    def _nominate_arrays(self, distinctive: Sequence[str], common: Sequence[str], weight: Callable[[str], float],
                         limit: int, demoted: frozenset[int], demote: float) -> tuple[list[int], Hits]:
        import numpy as np  # only for a large knowledge base (see the module docstring)

        if self._arrays is None:
            self._arrays = (np.frombuffer(self.ids, dtype=np.uint32), np.frombuffer(self.packed, dtype=np.uint32),
                            np.asarray(self.listed, dtype=bool))
        ids, packed, listed = self._arrays
        rough = np.zeros(len(listed), dtype=np.float64)
        for t in distinctive:
            start, end = self._slice(t)
            rough[ids[start:end]] += weight(t) * ((packed[start:end] >> 3) / 1024.0)  # ids unique per term
        rough[~listed] = 0.0
        nominated = rough > 0.0
        for t in common:
            start, end = self._slice(t)
            found = ids[start:end]
            rough[found[nominated[found]]] += weight(t)
        if demoted:
            rough[self._indexes(demoted)] *= demote
        count = int(nominated.sum())
        if count == 0:
            return [], {}
        k = min(limit, count)
        kth = -np.partition(-rough, k - 1)[k - 1]  # the k-th best score; ties at it go to earlier entries
        above = np.flatnonzero(rough > kth)
        best = np.concatenate((above, np.flatnonzero(rough == kth)[: k - len(above)]))
        shortlist = [int(i) for i in best[np.lexsort((best, -rough[best]))]]
        return shortlist, self._hits(np.asarray(sorted(shortlist), dtype=np.uint32), [*distinctive, *common])

    def _indexes(self, entries: frozenset[int]) -> Any:
        """``entries`` as an index array, made once per set (a set's hash is kept, so the lookup is cheap)."""
        import numpy as np

        found = self._index_arrays.get(entries)
        if found is None:
            found = self._index_arrays[entries] = np.fromiter(sorted(entries), dtype=np.intp, count=len(entries))
        return found

    def _hits(self, chosen: Any, terms: Sequence[str]) -> Hits:
        """Where each term occurs in the chosen entries (``chosen``: ascending entry indexes)."""
        import numpy as np

        ids, packed, _ = self._arrays  # type: ignore[misc]
        hits: Hits = defaultdict(dict)
        for t in terms:
            start, end = self._slice(t)
            if start == end:
                continue
            found = ids[start:end]
            pos = np.searchsorted(found, chosen)
            inside = pos < len(found)
            where = pos[inside]
            match = found[where] == chosen[inside]
            for i, p in zip(chosen[inside][match].tolist(), packed[start:end][where[match]].tolist(), strict=True):
                hits[i][t] = ((p >> 3) / 1024, p & 7)
        return hits
