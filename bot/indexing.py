"""The matcher's index of a knowledge base (pure): postings, idf and each entry's curated questions, built
in one pass into flat arrays.

Every field of an entry is read into terms as ``Analyzer.terms_of`` reads them, each distinct word looked
up once for the whole knowledge base (issue #9: 10,000 entries have about a million words but some
20,000 distinct ones). For each term: the entries it occurs in, with its field-weighted frequency
(BM25F) and the fields it occurs in packed in one integer, as slices of two flat arrays. Each curated
question is kept as term numbers in one flat array; what scoring reads of them (the questions that have
each term, a question's summed idf and text: ``bot.closest.CuratedQuestions``) is read for an entry when it
is scored, not for the ~150,000 questions of a large knowledge base at every start; ``Index.asked`` reads
one entry's questions whole.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain, pairwise, repeat

from bot.analysis import Analyzer, term_weight
from bot.closest import Asked
from bot.knowledge import Entry, KnowledgeBase
from bot.words import words, words_of_texts

# Where a term occurs in an entry, as bits of a posting: curated questions or keywords, answers, sources.
IN_QUESTION, IN_ANSWER, IN_SOURCE = 1, 2, 4
# BM25F: a term's weight in an entry is the field-weighted sum of where it occurs.
FIELD_QUESTION, FIELD_KEYWORD, FIELD_ANSWER, FIELD_SOURCE = 1.0, 0.8, 0.8, 0.6


# The packed frequency and bits of a term in an entry's answers (1), sources (2) or both (3) alone,
# summed from 0.0 as every term's sum starts.
_ELSEWHERE = (0, (round((0.0 + FIELD_ANSWER) * 1024) << 3) | IN_ANSWER,
              (round((0.0 + FIELD_SOURCE) * 1024) << 3) | IN_SOURCE,
              (round((0.0 + FIELD_ANSWER + FIELD_SOURCE) * 1024) << 3) | IN_ANSWER | IN_SOURCE)


@dataclass(frozen=True)
class Index:
    """What a build of a knowledge base's entries made: the fields it is made with (``bot.index_cache``
    saves them), and the tables derived from them."""

    terms: tuple[str, ...]  # term number -> term
    term_starts: array[int]  # where each term's postings start in ``ids`` and ``packed`` (and the last end)
    ids: array[int]  # entry indexes, ascending within a term's slice
    packed: array[int]  # field-weighted frequency in 1/1024ths << 3 | field bits
    listed: list[bool]  # False for entries that are never candidates (small talk)
    question_terms: array[int]  # each curated question's terms as read (numbers), one question after another
    question_starts: array[int]  # where each question starts in ``question_terms`` (and where the last ends)
    entry_starts: array[int]  # where each entry's questions start among them (and where the last ends)
    talkers: tuple[tuple[int, frozenset[str]], ...]  # small-talk entries: (index, whole normalised phrases)
    postings: dict[str, tuple[int, int]] = field(init=False)  # term -> its slice of ``ids`` and ``packed``
    idf: dict[str, float] = field(init=False)
    df_share: dict[str, float] = field(init=False)  # the share of entries a term occurs in
    max_idf: float = field(init=False)

    def __post_init__(self) -> None:
        n = max(len(self.entry_starts) - 1, 1)
        postings = dict(zip(self.terms, pairwise(self.term_starts), strict=True))
        set_ = object.__setattr__  # frozen: derived once, here
        set_(self, "postings", postings)
        set_(self, "idf", {t: math.log(1 + n / (end - start)) * term_weight(t)
                          for t, (start, end) in postings.items()})
        set_(self, "df_share", {t: (end - start) / n for t, (start, end) in postings.items()})
        set_(self, "max_idf", math.log(1 + n))

    def asked(self, i: int) -> Asked:
        """Entry ``i``'s curated questions (those with a term), in the order of its file."""
        first, last = self.entry_starts[i], self.entry_starts[i + 1]
        bounds = self.question_starts[first:last + 1]
        base = bounds[0]
        read = list(map(self.terms.__getitem__, self.question_terms[base:bounds[-1]]))
        idf = self.idf.__getitem__
        # Each question's terms in the order of the build's set(q), so that their idf add up alike.
        uniques = [set(read[start - base:end - base]) for start, end in pairwise(bounds)]
        terms = tuple([tuple(sorted(unique)) for unique in uniques])
        having: defaultdict[str, list[int]] = defaultdict(list)
        for qi, unique in enumerate(uniques):
            for t in unique:
                having[t].append(qi)
        # Tuples, not lists: the garbage collector stops tracking a tuple of ints, so the records of the
        # thousands of entries a large base scores do not call for full collections (~50 ms each at 10,000).
        return Asked(terms, tuple([sum(map(idf, unique)) or 1.0 for unique in uniques]),
                     {t: tuple(qis) for t, qis in having.items()}, tuple(map(" ".join, terms)))


def build_index(kb: KnowledgeBase, analyzer: Analyzer) -> tuple[Index, tuple[Counter[str], Counter[str]]]:
    """The index of ``kb``'s entries, read by ``analyzer``; and the words met on the way, as
    ``bot.analysis.entry_words`` gives them (for ``Analyzer.learn_vocabulary``: read once, not twice)."""
    builder = _Builder(analyzer)
    for i, e in enumerate(kb.entries):
        builder.add(i, e)
    return builder.index(kb), (builder.facts, builder.gaps)


class _Builder:
    """The index made an entry at a time. Its texts are read as ``Analyzer.terms_of`` reads them, each
    distinct word looked up once (the analyzer's own word cache is for questions, and a build would fill
    it with every word), and its postings are appended in the same pass."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.looked: dict[str, tuple[str, str, bool]] = {}  # word -> ``Analyzer.word`` of it
        self.table: dict[str, str] = {}  # word -> its term if content, else ""
        self.phrasal: set[str] = set()  # the words whose stem opens a phrase of the lexicon ("south ossetia")
        # A phrase is read only where a pair of words opens one: their stems are its first two. The pairs
        # of the words met so far, and the words met of each stem that the pairs take.
        self.pairs: set[tuple[str, str]] = set()
        self.next_stems: defaultdict[str, set[str]] = defaultdict(set)
        self.previous_stems: defaultdict[str, set[str]] = defaultdict(set)
        for found in analyzer.phrases.values():
            for stems, _ in found:
                self.next_stems[stems[0]].add(stems[1])
                self.previous_stems[stems[1]].add(stems[0])
        self.of_stem: defaultdict[str, list[str]] = defaultdict(list)
        self.repeated: dict[str, list[str]] = {}  # keyword and source texts (shared by many entries) -> terms
        # The words of the questions, keywords and answers of facts (not gaps), and of gaps, each with the
        # number of times it is used (typo correction prefers the commoner of two words as near).
        self.facts: Counter[str] = Counter()
        self.gaps: Counter[str] = Counter()
        # Per term (in the order met): each entry it occurs in, and its field-weighted frequency in 1/1024ths
        # and field bits there, as entry << 32 | frequency << 3 | bits.
        self.postings: defaultdict[str, array[int]] = defaultdict(partial(array, "Q"))
        self.asked: list[str] = []  # each curated question's terms, one question after another
        self.question_starts, self.entry_starts = array("I", [0]), array("I", [0])
        self.talkers: list[tuple[int, frozenset[str]]] = []
        self.shares: dict[int, tuple[list[float], list[int]]] = {}  # see _shares

    def add(self, i: int, e: Entry) -> None:
        """Entry ``e``, the ``i``-th: its postings, and its curated questions as term numbers."""
        qlists, keyword, answer, source = self._read(e)
        self._post(i << 32, qlists, keyword, answer, source)
        asked = [q for q in qlists if q]
        self.asked.extend(chain.from_iterable(asked))
        self.question_starts.extend(list(accumulate(map(len, asked), initial=self.question_starts[-1]))[1:])
        self.entry_starts.append(len(self.question_starts) - 1)
        if e.kind == "smalltalk":  # whole phrases are kept for small talk only
            phrases = (self.analyzer.terms_of(q)[1] for q in (*e.en.questions, *e.ru.questions))
            self.talkers.append((i, frozenset(" ".join(every) for every in phrases)))

    def _read(self, e: Entry) -> tuple[list[Sequence[str]], set[str], set[str], set[str]]:
        """An entry's curated questions as term lists, and the terms of its keywords (and tags), answers and
        sources; its words go to the vocabulary."""
        questions = (*e.en.questions, *e.ru.questions)
        keywords = (*e.en.keywords, *e.ru.keywords)
        found = words_of_texts((*questions, e.en.answer, e.ru.answer, *keywords))
        (self.gaps if e.kind == "gap" else self.facts).update(chain.from_iterable(found))
        # A gap entry's answer says what the article *does* say instead, so it is matched by its
        # questions alone; otherwise it would compete for exactly the facts it points to.
        read = self.terms(found[: len(questions) + (0 if e.kind == "gap" else 2)])
        qlists = [content or every for content, every in read[: len(questions)]]
        keyword = {t for text in (*keywords, *(tag.replace("_", " ") for tag in e.tags)) for t in self.content_of(text)}
        answer = {t for content, _ in read[len(qlists):] for t in content}
        source = {t for text in (() if e.kind == "gap" else e.source) for t in self.content_of(text)}
        return qlists, keyword, answer, source

    def _post(self, entry: int, qlists: list[Sequence[str]], keyword: set[str], answer: set[str],
              source: set[str]) -> None:
        """Each term's posting for the entry (``entry``: its index << 32): BM25F, the field-weighted frequency
        summed in the order the fields are listed (so every float is the one a plain sum gives), with a
        question's share as many times as the questions it is in."""
        counts = Counter(chain.from_iterable(map(set, qlists)))
        sums, in_questions = self._shares(len(qlists))
        postings = self.postings
        extra = keyword | answer | source
        for t, k in counts.items():
            if t not in extra:  # most terms: in curated questions only
                postings[t].append(entry | in_questions[k])
        for t in extra:
            k = counts.get(t, 0)
            if not k and t not in keyword:  # in answers or sources only: the same in every entry
                postings[t].append(entry | _ELSEWHERE[(t in answer) + 2 * (t in source)])
                continue
            frequency, bits = sums[k], (IN_QUESTION if k else 0)
            if t in keyword:
                frequency, bits = frequency + FIELD_KEYWORD, bits | IN_QUESTION
            if t in answer:
                frequency, bits = frequency + FIELD_ANSWER, bits | IN_ANSWER
            if t in source:
                frequency, bits = frequency + FIELD_SOURCE, bits | IN_SOURCE
            postings[t].append(entry | (round(frequency * 1024) << 3) | bits)

    def _shares(self, n: int) -> tuple[list[float], list[int]]:
        """For an entry of ``n`` curated questions, by the number of them a term is in: its question share
        added that many times, in turn, from 0.0, and that packed (entries come in a handful of sizes)."""
        found = self.shares.get(n)
        if found is None:
            share = FIELD_QUESTION / max(n, 1) * 3  # a term in every question counts ~3
            sums = list(accumulate(repeat(share, n), initial=0.0))
            found = self.shares[n] = (sums, [(round(f * 1024) << 3) | IN_QUESTION for f in sums])
        return found

    def index(self, kb: KnowledgeBase) -> Index:
        terms = tuple(self.postings)
        number = {t: k for k, t in enumerate(terms)}
        both = array("Q")
        for found in self.postings.values():
            both.extend(found)
        ids, packed = _halves(both)
        return Index(
            terms=terms, term_starts=array("I", accumulate(map(len, self.postings.values()), initial=0)),
            ids=ids, packed=packed, listed=[e.kind != "smalltalk" for e in kb.entries],
            question_terms=array("I", map(number.__getitem__, self.asked)), question_starts=self.question_starts,
            entry_starts=self.entry_starts, talkers=tuple(self.talkers),
        )

    def terms(self, read: list[list[str]]) -> list[tuple[list[str], Sequence[str]]]:
        """(content terms, all terms) of each text, given its ``words`` (all terms only when there is no
        content term: they are read then only)."""
        table, phrasal, pairs, looked = self.table, self.phrasal, self.pairs, self.looked
        phrased = self.analyzer.terms_of_words
        out: list[tuple[list[str], Sequence[str]]] = []
        for found in read:
            try:
                content = list(filter(None, map(table.__getitem__, found)))
            except KeyError:  # a word met the first time
                self._learn(found)
                content = list(filter(None, map(table.__getitem__, found)))
            if content and (phrasal.isdisjoint(found) or pairs.isdisjoint(pairwise(found))):
                out.append((content, ()))
            else:
                out.append(phrased([looked[w] for w in found]))
        return out

    def _learn(self, found: list[str]) -> None:
        for w in found:
            if w not in self.looked:
                s, term, content = self.looked[w] = self.analyzer.word(w)
                self.table[w] = term if content else ""
                if s in self.analyzer.phrases:
                    self.phrasal.add(w)
                if s in self.next_stems or s in self.previous_stems:
                    self._pair(w, s)

    def _pair(self, w: str, s: str) -> None:
        """The pairs that word ``w`` (of stem ``s``) makes with the words met so far, either way round."""
        self.of_stem[s].append(w)
        self.pairs.update((w, after) for n in self.next_stems.get(s, ()) for after in self.of_stem.get(n, ()))
        self.pairs.update((before, w) for p in self.previous_stems.get(s, ()) for before in self.of_stem.get(p, ()))

    def content_of(self, text: str) -> list[str]:
        found = self.repeated.get(text)
        if found is None:
            found = self.repeated[text] = self.terms([words(text)])[0][0]
        return found


def _halves(both: array[int]) -> tuple[array[int], array[int]]:
    """The high and the low 32 bits of each 64-bit value, as two arrays (a copy of memory, not a loop)."""
    high, low = array("I"), array("I")
    if both.itemsize != 2 * high.itemsize:  # not the usual 8 and 4 bytes
        return array("I", [v >> 32 for v in both]), array("I", [v & 0xFFFFFFFF for v in both])
    words = memoryview(both).cast("B").cast("I")
    first, second = words[0::2].tobytes(), words[1::2].tobytes()
    high.frombytes(second if sys.byteorder == "little" else first)
    low.frombytes(first if sys.byteorder == "little" else second)
    return high, low
