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
from array import array
from collections import Counter
from dataclasses import dataclass
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
    """What a build of a knowledge base's entries made (all of it saved by ``bot.index_cache``)."""

    postings: dict[str, tuple[int, int]]  # term -> its slice of ``ids`` and ``packed``
    ids: array[int]  # entry indexes, ascending within a term's slice
    packed: array[int]  # field-weighted frequency in 1/1024ths << 3 | field bits
    idf: dict[str, float]
    df_share: dict[str, float]  # the share of entries a term occurs in
    max_idf: float
    listed: list[bool]  # False for entries that are never candidates (small talk)
    terms: tuple[str, ...]  # term number -> term
    question_terms: array[int]  # each curated question's terms as read (numbers), one question after another
    question_starts: array[int]  # where each question starts in ``question_terms`` (and where the last ends)
    entry_starts: array[int]  # where each entry's questions start among them (and where the last ends)
    talkers: tuple[tuple[int, frozenset[str]], ...]  # small-talk entries: (index, whole normalised phrases)

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
    reader = _Reader(analyzer)
    number: dict[str, int] = {}
    entries_of: list[array[int]] = []  # per term number: the entries it occurs in, and their packed values
    packed_of: list[array[int]] = []
    question_terms, question_starts, entry_starts = array("I"), array("I", [0]), array("I", [0])
    talkers: list[tuple[int, frozenset[str]]] = []
    for i, e in enumerate(kb.entries):
        qlists, frequency, where = reader.entry(e)
        # Field-weighted frequency in 1/1024ths and field bits in one integer (both dicts in one key order).
        packed = [(round(f * 1024) << 3) | bits for f, bits in zip(frequency.values(), where.values(), strict=True)]
        for t, value in zip(frequency, packed, strict=True):
            n = number.get(t)
            if n is None:
                n = number[t] = len(entries_of)
                entries_of.append(array("I"))
                packed_of.append(array("I"))
            entries_of[n].append(i)
            packed_of[n].append(value)
        asked = [q for q in qlists if q]
        question_terms.extend([number[t] for q in asked for t in q])
        question_starts.extend(list(accumulate(map(len, asked), initial=question_starts[-1]))[1:])
        entry_starts.append(len(question_starts) - 1)
        if e.kind == "smalltalk":  # whole phrases are kept for small talk only
            talkers.append((i, frozenset(" ".join(every) for every in reader.every_of(e))))
    n_entries = max(len(kb.entries), 1)
    terms = tuple(number)
    ids, packed_all = array("I"), array("I")
    postings: dict[str, tuple[int, int]] = {}
    for t, found, values in zip(terms, entries_of, packed_of, strict=True):
        postings[t] = (len(ids), len(ids) + len(found))
        ids.extend(found)
        packed_all.extend(values)
    index = Index(
        postings=postings, ids=ids, packed=packed_all,
        idf={t: math.log(1 + n_entries / len(found)) * term_weight(t)
             for t, found in zip(terms, entries_of, strict=True)},
        df_share={t: len(found) / n_entries for t, found in zip(terms, entries_of, strict=True)},
        max_idf=math.log(1 + n_entries), listed=[e.kind != "smalltalk" for e in kb.entries], terms=terms,
        question_terms=question_terms, question_starts=question_starts, entry_starts=entry_starts,
        talkers=tuple(talkers),
    )
    return index, (reader.facts, reader.gaps)


class _Reader:
    """``Analyzer.terms_of`` for every text of a knowledge base, each distinct word looked up once (the
    analyzer's own word cache is for questions, and a build would fill it with every word)."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self.known: set[str] = set()
        self.term: dict[str, str] = {}  # word -> its term
        self.content: dict[str, str] = {}  # content word -> its term
        self.stem: dict[str, str] = {}  # word -> its stem
        self.phrasal: set[str] = set()  # the words whose stem opens a phrase of the lexicon ("south ossetia")
        # A phrase is read only where a word's stem and the next one's open it.
        self.openings = {(stems[0], stems[1]) for found in analyzer.phrases.values() for stems, _ in found}
        self.repeated: dict[str, list[str]] = {}  # keyword and source texts (shared by many entries) -> terms
        # The words of the questions, keywords and answers of facts (not gaps), and of gaps, each with the
        # number of times it is used (typo correction prefers the commoner of two words as near).
        self.facts: Counter[str] = Counter()
        self.gaps: Counter[str] = Counter()

    def terms(self, read: list[list[str]]) -> list[tuple[list[str], list[str]]]:
        """(content terms, all terms) of each text, given its ``words`` (all terms only when there is no
        content term: they are read then only)."""
        known, content_term, phrasal, stem_of = self.known, self.content, self.phrasal, self.stem.__getitem__
        out: list[tuple[list[str], list[str]]] = []
        for found in read:
            if not known.issuperset(found):
                self._learn(found)
            if not phrasal.isdisjoint(found) and not self.openings.isdisjoint(pairwise(map(stem_of, found))):
                out.append(self.analyzer.terms_of_words(found))
                continue
            content = [content_term[w] for w in found if w in content_term]
            out.append((content, [] if content else [self.term[w] for w in found]))
        return out

    def _learn(self, found: list[str]) -> None:
        for w in found:
            if w not in self.known:
                s, term, content = self.analyzer.word(w)
                self.known.add(w)
                self.term[w] = term
                self.stem[w] = s
                if content:
                    self.content[w] = term
                if s in self.analyzer.phrases:
                    self.phrasal.add(w)

    def content_of(self, text: str) -> list[str]:
        found = self.repeated.get(text)
        if found is None:
            found = self.repeated[text] = self.terms([words(text)])[0][0]
        return found

    def every_of(self, e: Entry) -> list[list[str]]:
        """All terms of each curated question of ``e`` (for small talk, read whole)."""
        return [self.analyzer.terms_of(q)[1] for lang in ("en", "ru") for q in e.block(lang).questions]

    def entry(self, e: Entry) -> tuple[list[list[str]], dict[str, float], dict[str, int]]:
        """An entry's curated questions as term lists, and for every term of any field its field-weighted
        frequency (BM25F) and the fields it occurs in (bits)."""
        # A gap entry's answer says what the article *does* say instead, so it is matched by its
        # questions alone; otherwise it would compete for exactly the facts it points to.
        questions = (*e.en.questions, *e.ru.questions)
        keywords = (*e.en.keywords, *e.ru.keywords)
        found = words_of_texts((*questions, e.en.answer, e.ru.answer, *keywords))
        (self.gaps if e.kind == "gap" else self.facts).update(chain.from_iterable(found))
        read = self.terms(found[: len(questions) + (0 if e.kind == "gap" else 2)])
        qlists = [content or every for content, every in read[: len(questions)]]
        # How many questions each term is in: its share is added that many times, in turn (as a sum would).
        counts = Counter(chain.from_iterable(map(set, qlists)))
        share = FIELD_QUESTION / max(len(qlists), 1) * 3  # a term in every question counts ~3
        sums = list(accumulate(repeat(share, max(counts.values(), default=0)), initial=0.0))
        frequency = {t: sums[k] for t, k in counts.items()}
        where = dict.fromkeys(counts, IN_QUESTION)
        keyword_texts = (*keywords, *(tag.replace("_", " ") for tag in e.tags))
        source_texts = () if e.kind == "gap" else e.source
        fields = (({t for text in keyword_texts for t in self.content_of(text)}, FIELD_KEYWORD, IN_QUESTION),
                  ({t for content, _ in read[len(qlists):] for t in content}, FIELD_ANSWER, IN_ANSWER),
                  ({t for text in source_texts for t in self.content_of(text)}, FIELD_SOURCE, IN_SOURCE))
        for in_field, weight, bit in fields:  # in this order, as the sums were made before
            frequency.update({t: frequency.get(t, 0.0) + weight for t in in_field})
            where.update({t: where.get(t, 0) | bit for t in in_field})
        return qlists, frequency, where
