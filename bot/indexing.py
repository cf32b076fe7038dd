"""The matcher's index of a knowledge base (pure): postings, idf and each entry's curated questions, built
in one pass into flat arrays.

Every field of an entry is read into terms as ``Analyzer.terms_of`` reads them, each distinct word looked
up once for the whole knowledge base (issue #9: 10,000 entries have about a million words but some
20,000 distinct ones). For each term: the entries it occurs in, with its field-weighted frequency
(BM25F) and the fields it occurs in packed in one integer, as slices of two flat arrays. Each curated
question is kept as term numbers in one flat array; the ``Question`` objects that scoring reads (sorted
terms, summed idf) are made for an entry when it is scored (``Index.questions``), not for the ~150,000
questions of a large knowledge base at every start.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain, pairwise, repeat

from bot.analysis import Analyzer, term_weight
from bot.knowledge import Entry, KnowledgeBase
from bot.words import words, words_of_texts

# Where a term occurs in an entry, as bits of a posting: curated questions or keywords, answers, sources.
IN_QUESTION, IN_ANSWER, IN_SOURCE = 1, 2, 4
# BM25F: a term's weight in an entry is the field-weighted sum of where it occurs.
FIELD_QUESTION, FIELD_KEYWORD, FIELD_ANSWER, FIELD_SOURCE = 1.0, 0.8, 0.8, 0.6


@dataclass(frozen=True, slots=True)
class Question:
    terms: tuple[str, ...]  # its content terms, sorted, each once
    weight: float  # sum of idf of its terms


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

    def questions(self, i: int) -> tuple[Question, ...]:
        """Entry ``i``'s curated questions (those with a term), in the order of its file."""
        terms, flat, starts = self.terms, self.question_terms, self.question_starts
        made: list[Question] = []
        for k in range(self.entry_starts[i], self.entry_starts[i + 1]):
            unique = {terms[n] for n in flat[starts[k]:starts[k + 1]]}  # the same order as the build's set(q)
            made.append(Question(tuple(sorted(unique)), sum(self.idf[t] for t in unique) or 1.0))
        return tuple(made)


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
        self.content: dict[str, str] = {}  # content word -> its term
        self.other: set[str] = set()  # the words looked up that are not content
        self.stem: dict[str, str] = {}  # word -> its stem
        self.phrasal: set[str] = set()  # the words whose stem opens a phrase of the lexicon ("south ossetia")
        # A phrase is read only where a word's stem and the next one's open it.
        self.openings = {(stems[0], stems[1]) for found in analyzer.phrases.values() for stems, _ in found}
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

    def add(self, i: int, e: Entry) -> None:
        """Entry ``e``, the ``i``-th: its postings, and its curated questions as term numbers."""
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
        # BM25F: the field-weighted frequency of each term, summed in the order the fields are listed,
        # a question's share as many times as the questions it is in.
        counts = Counter(chain.from_iterable(map(set, qlists)))
        share = FIELD_QUESTION / max(len(qlists), 1) * 3  # a term in every question counts ~3
        sums = list(accumulate(repeat(share, max(counts.values(), default=0)), initial=0.0))
        postings, entry = self.postings, i << 32
        extra = keyword | answer | source
        in_questions = [entry | (round(f * 1024) << 3) | IN_QUESTION for f in sums]  # by question count
        for t, k in counts.items():
            if t not in extra:  # most terms: in curated questions only
                postings[t].append(in_questions[k])
        for t in extra:
            k = counts.get(t, 0)
            frequency, bits = sums[k], (IN_QUESTION if k else 0)
            if t in keyword:
                frequency, bits = frequency + FIELD_KEYWORD, bits | IN_QUESTION
            if t in answer:
                frequency, bits = frequency + FIELD_ANSWER, bits | IN_ANSWER
            if t in source:
                frequency, bits = frequency + FIELD_SOURCE, bits | IN_SOURCE
            postings[t].append(entry | (round(frequency * 1024) << 3) | bits)
        asked = [q for q in qlists if q]
        self.asked.extend(chain.from_iterable(asked))
        self.question_starts.extend(list(accumulate(map(len, asked), initial=self.question_starts[-1]))[1:])
        self.entry_starts.append(len(self.question_starts) - 1)
        if e.kind == "smalltalk":  # whole phrases are kept for small talk only
            phrases = (self.analyzer.terms_of(q)[1] for q in questions)
            self.talkers.append((i, frozenset(" ".join(every) for every in phrases)))

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

    def terms(self, read: list[list[str]]) -> list[tuple[list[str], list[str]]]:
        """(content terms, all terms) of each text, given its ``words`` (all terms only when there is no
        content term: they are read then only)."""
        content_term, other, phrasal, stem_of = self.content, self.other, self.phrasal, self.stem.__getitem__
        out: list[tuple[list[str], list[str]]] = []
        for found in read:
            try:
                content = [content_term[w] for w in found if w not in other]
            except KeyError:  # a word met the first time
                self._learn(found)
                content = [content_term[w] for w in found if w not in other]
            if content and (phrasal.isdisjoint(found) or self.openings.isdisjoint(pairwise(map(stem_of, found)))):
                out.append((content, []))
            else:
                out.append(self.analyzer.terms_of_words([self.looked[w] for w in found]))
        return out

    def _learn(self, found: list[str]) -> None:
        for w in found:
            if w not in self.looked:
                s, term, content = self.looked[w] = self.analyzer.word(w)
                self.stem[w] = s
                if content:
                    self.content[w] = term
                else:
                    self.other.add(w)
                if s in self.analyzer.phrases:
                    self.phrasal.add(w)

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
