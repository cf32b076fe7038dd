"""The matcher's index of a knowledge base (pure): postings, idf and each entry's curated questions, built
as array work into flat arrays.

Every field of an entry is read into terms as ``Analyzer.terms_of`` reads them. The build reads every text
of the knowledge base at once (issue #9: 10,000 entries have about a million and a half words but some
20,000 distinct ones): the words as numbers in one array, each distinct word looked up once; the terms of
a text taken from its words' in one step, but for the few texts where two neighbours may open a phrase of
the lexicon, read word by word; the postings as sorted integer keys (term, entry) whose counts and field
flags make the BM25F weights. numpy is imported here, when an index is built: a start that loads a saved
index (``bot.index_cache``) never imports it.

For each term: the entries it occurs in, with its field-weighted frequency (BM25F) and the fields it
occurs in packed in one integer, as slices of two flat arrays. Each curated question is kept as term
numbers in one flat array; what scoring reads of them (the questions that have each term, a question's
summed idf and text: ``bot.closest.CuratedQuestions``) is read for an entry when it is scored, not for the
~150,000 questions of a large knowledge base at every start; ``Index.asked`` reads one entry's questions
whole.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import accumulate, pairwise, repeat
from typing import Any

from bot.analysis import Analyzer, term_weight
from bot.closest import Asked
from bot.knowledge import KnowledgeBase
from bot.words import END, flat_words

# Where a term occurs in an entry, as bits of a posting: curated questions or keywords, answers, sources.
IN_QUESTION, IN_ANSWER, IN_SOURCE = 1, 2, 4
# BM25F: a term's weight in an entry is the field-weighted sum of where it occurs.
FIELD_QUESTION, FIELD_KEYWORD, FIELD_ANSWER, FIELD_SOURCE = 1.0, 0.8, 0.8, 0.6
LARGE = 1_000  # from this many entries on, a build returns its freed temporaries to the system
_CHUNK = 1024  # texts tokenised at once (``flat_words`` reads a chunk of plain texts as one string)
KEYWORD, TAG, SOURCE = 0, 1, 2  # what a shared text is to the entry that uses it


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
    import numpy as np  # here: a start that loads a saved index never needs it (see the module docstring)

    texts = _Texts(kb)
    flat = _Flat(np, analyzer, texts.texts)
    text_of, term_of = _read(np, analyzer, texts, flat)
    counted, terms = flat.counted(np, texts), flat.terms
    del flat  # its arrays of every word: the postings are made without them
    # Terms numbered in sorted order (the same numbers at every build of the same entries), those read only
    used = _unique(np, term_of).tolist()
    used.sort(key=terms.__getitem__)
    renumber = np.zeros(max(len(terms), 1), dtype=np.int32)
    renumber[used] = np.arange(len(used))
    term_of = renumber[term_of]
    question_terms, question_starts, entry_starts = _questions(np, texts, text_of, term_of)
    term_starts, ids, packed = _postings(np, texts, text_of, term_of, len(used))
    del text_of, term_of
    if len(kb.entries) >= LARGE:
        _release_memory()
    return Index(
        terms=tuple(terms[t] for t in used), term_starts=term_starts, ids=ids, packed=packed,
        listed=[e.kind != "smalltalk" for e in kb.entries], question_terms=question_terms,
        question_starts=question_starts, entry_starts=entry_starts, talkers=_talkers(kb, analyzer),
    ), counted


def _release_memory() -> None:
    """Give the build's freed arrays back to the system. glibc keeps freed heap memory for reuse once it
    has freed a few large blocks (its mmap threshold rises), so the temporaries of a large build (~40 MB
    at 10,000 entries) would stay in the bot's resident memory for good; ``malloc_trim`` returns them
    (a no-op where the C library has none)."""
    import ctypes  # here: only a large build has temporaries worth returning

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (TypeError: no C library handle of None)
        return
    trim(0)



class _Texts:
    """Every text the build reads, in one list: the curated questions of each entry in turn, then the two
    answers of each, then each distinct keyword, tag and source text once (many entries share them)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        entries = kb.entries
        self.n = len(entries)
        self.texts: list[str] = [q for e in entries for q in (*e.en.questions, *e.ru.questions)]
        self.asked = [len(e.en.questions) + len(e.ru.questions) for e in entries]  # questions per entry
        self.questions = len(self.texts)  # texts [0, questions): questions; [questions, shared): answers
        self.texts.extend(a for e in entries for a in (e.en.answer, e.ru.answer))
        self.shared = len(self.texts)
        self.gap = [e.kind == "gap" for e in entries]
        number: dict[str, int] = {}
        self.uses: list[tuple[int, int, int]] = []  # (entry, text, KEYWORD / TAG / SOURCE)
        for i, e in enumerate(entries):
            keywords, tags = (*e.en.keywords, *e.ru.keywords), (tag.replace("_", " ") for tag in e.tags)
            for what, texts in ((KEYWORD, keywords), (TAG, tags), (SOURCE, () if self.gap[i] else e.source)):
                for text in texts:
                    k = number.get(text)
                    if k is None:
                        k = number[text] = len(self.texts)
                        self.texts.append(text)
                    self.uses.append((i, k, what))

    def entry_of(self, np: Any) -> Any:
        """The entry of each question and answer text."""
        asked = np.repeat(np.arange(self.n), np.array(self.asked, dtype=np.int64))
        return np.concatenate((asked, np.repeat(np.arange(self.n), 2))).astype(np.int64)

    def read(self, np: Any) -> Any:
        """Whether each text is read for terms: a gap entry's answer says what the article *does* say
        instead, so it is matched by its questions alone; otherwise it would compete for the facts it
        points to."""
        read = np.ones(len(self.texts), dtype=bool)
        read[self.questions:self.shared] = np.repeat(~np.array(self.gap, dtype=bool), 2)
        return read


class _Numbers(dict[str, int]):
    """Words numbered in the order they are first met (a new word takes the next number)."""

    def __missing__(self, word: str) -> int:
        self[word] = n = len(self)
        return n


class _Flat:
    """Every word of every text, one after another, as numbers of the distinct words; and what the
    analyzer makes of each distinct word (looked up once: 10,000 entries have about a million and a half
    words but some 20,000 distinct ones). The texts are read a chunk at a time and only the numbers kept:
    a list of every word would cost ~100 MB and the garbage collector's time."""

    def __init__(self, np: Any, analyzer: Analyzer, texts: list[str]) -> None:
        number = _Numbers({END: 0})
        words, lengths = [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int64)]
        for at in range(0, len(texts), _CHUNK):
            found = flat_words(texts[at:at + _CHUNK])
            read = np.fromiter(map(number.__getitem__, found), dtype=np.int32, count=len(found))
            lengths.append(np.diff(np.flatnonzero(read == 0), prepend=-1) - 1)
            words.append(read[read != 0] - 1)
        self.distinct = list(number)[1:]
        self.word = np.concatenate(words)  # numbers of ``distinct`` (32 bits: the arrays of a large base are big)
        length = np.concatenate(lengths)
        self.end = np.cumsum(length)
        self.start = self.end - length  # where each text's words start (and end)
        self.text = np.repeat(np.arange(len(texts), dtype=np.int32), length)  # the text of each word
        self.looked = [analyzer.word(w) for w in self.distinct]
        self.terms: list[str] = []  # term number -> term (of a word, or of a phrase read on the slow path)
        self.term_number: dict[str, int] = {}
        self.term = np.fromiter(map(self.number_of, (term for _, term, _ in self.looked)), dtype=np.int32,
                                count=len(self.looked))
        self.content = np.array([content for _, _, content in self.looked], dtype=bool)
        self.phrased = self._phrased(np, analyzer, len(texts))

    def _phrased(self, np: Any, analyzer: Analyzer, n: int) -> Any:
        """Whether each text has two neighbours whose stems open a phrase of the lexicon ("south ossetia"):
        such a text is read word by word."""
        stem_number: dict[str, int] = {}
        stems = np.array([stem_number.setdefault(s, len(stem_number)) for s, _, _ in self.looked], dtype=np.int64)
        width = len(stem_number)
        opening = sorted(stem_number[s[0]] * width + stem_number[s[1]] for found in analyzer.phrases.values()
                         for s, _ in found if s[0] in stem_number and s[1] in stem_number)
        first = np.zeros(width + 1, dtype=bool)  # the stems that open a phrase (few): the pairs to look at
        first[np.array(opening, dtype=np.int64) // max(width, 1)] = True
        at = np.flatnonzero(first[stems][self.word[:-1]])
        pair = stems[self.word[at]] * width + stems[self.word[at + 1]]
        hit = at[np.isin(pair, np.array(opening, dtype=np.int64)) & (self.text[at] == self.text[at + 1])]
        phrased = np.zeros(n, dtype=bool)
        phrased[self.text[hit]] = True
        return phrased

    def number_of(self, term: str) -> int:
        k = self.term_number.get(term)
        if k is None:
            k = self.term_number[term] = len(self.terms)
            self.terms.append(term)
        return k

    def counted(self, np: Any, texts: _Texts) -> tuple[Counter[str], Counter[str]]:
        """The words of the curated questions, keywords and answers of the entries that are not gaps, and
        of the gap entries, each with the number of times it is used (a keyword as often as entries use it)."""
        gap = np.array(texts.gap, dtype=bool)
        entry = texts.entry_of(np)
        out = []
        for of_gaps in (False, True):
            uses = np.zeros(len(texts.texts), dtype=np.float64)
            uses[:texts.shared] = gap[entry] == of_gaps
            for i, k, what in texts.uses:
                if what == KEYWORD and texts.gap[i] == of_gaps:
                    uses[k] += 1
            counts = np.bincount(self.word, weights=uses[self.text], minlength=len(self.distinct))
            out.append(Counter({self.distinct[w]: int(counts[w]) for w in np.flatnonzero(counts)}))
        return out[0], out[1]


def _read(np: Any, analyzer: Analyzer, texts: _Texts, flat: _Flat) -> tuple[Any, Any]:
    """The terms of the texts read, as (text, term number) in the order of the texts: the content terms
    (a question with none: all its terms). A text with no content word, or with two words that may open a
    phrase, is read word by word as ``Analyzer.terms_of`` does; the rest at once."""
    read = texts.read(np)
    is_content = flat.content[flat.word]
    content = np.bincount(flat.text, weights=is_content.astype(np.float64), minlength=len(texts.texts)) > 0
    slow = read & (~content | flat.phrased)
    keep = is_content & read[flat.text] & ~slow[flat.text]
    slow_texts = np.flatnonzero(slow)
    texts_read: list[int] = []
    terms_read: list[int] = []
    looked, word, number_of = flat.looked, flat.word, flat.number_of
    for t, start, end in zip(slow_texts.tolist(), flat.start[slow_texts].tolist(), flat.end[slow_texts].tolist(),
                             strict=True):
        content_terms, every = analyzer.terms_of_words([looked[k] for k in word[start:end].tolist()])
        chosen = (content_terms or every) if t < texts.questions else content_terms
        texts_read.extend([t] * len(chosen))
        terms_read.extend(map(number_of, chosen))
    text_of = [flat.text[keep], np.array(texts_read, dtype=np.int32)]
    term_of = [flat.term[flat.word[keep]], np.array(terms_read, dtype=np.int32)]
    text = np.concatenate(text_of)
    order = np.argsort(text, kind="stable")  # a text is read one way or the other: its terms stay in order
    return text[order], np.concatenate(term_of)[order]


def _questions(np: Any, texts: _Texts, text_of: Any, term_of: Any) -> tuple[array[int], array[int], array[int]]:
    """Each curated question with a term, as its terms one question after another; where each question
    starts among them; where each entry's questions start among the questions."""
    end = int(np.searchsorted(text_of, texts.questions))
    length = np.bincount(text_of[:end], minlength=texts.questions)
    kept = length > 0
    entry = texts.entry_of(np)[:texts.questions]
    return (_array(np, term_of[:end]), _array(np, np.concatenate(([0], np.cumsum(length[kept])))),
            _array(np, np.concatenate(([0], np.cumsum(np.bincount(entry[kept], minlength=texts.n))))))


def _postings(np: Any, texts: _Texts, text_of: Any, term_of: Any, n_terms: int) -> tuple[array[int], ...]:
    """Each term's postings (where its slice starts, the entries, the packed frequencies and bits): BM25F,
    the field-weighted frequency summed in the order the fields are listed (so every float is the one a
    plain sum gives), with a question's share as many times as the questions the term is in. A posting's
    key is term x entries + entry: sorted keys are the postings in order."""
    n = max(texts.n, 1)
    entry_of = texts.entry_of(np)
    q_end, a_end = (int(np.searchsorted(text_of, k)) for k in (texts.questions, texts.shared))
    term_of = term_of.astype(np.int64)  # keys: term x entries + entry
    asked, times = _asked(np, term_of[:q_end] * n + entry_of[text_of[:q_end]], text_of[:q_end], texts.questions)
    answered = _unique(np, term_of[q_end:a_end] * n + entry_of[text_of[q_end:a_end]])
    keyword, source = _shared_keys(np, texts, text_of, term_of, n)
    keys = _unique(np, np.concatenate((asked, keyword, answered, source)))
    k = np.zeros(len(keys), dtype=np.int64)
    k[np.searchsorted(keys, asked)] = times
    where = [np.zeros(len(keys), dtype=bool) for _ in range(3)]
    for flags, found in zip(where, (keyword, answered, source), strict=True):
        flags[np.searchsorted(keys, found)] = True
    term, entry = keys // n, keys % n
    frequency = _question_sums(np, texts.asked)[np.array(texts.asked, dtype=np.int64)[entry], k]
    for flags, weight in zip(where, (FIELD_KEYWORD, FIELD_ANSWER, FIELD_SOURCE), strict=True):
        frequency = np.where(flags, frequency + weight, frequency)
    bits = ((k > 0) | where[0]) * IN_QUESTION | where[1] * IN_ANSWER | where[2] * IN_SOURCE
    packed = (np.rint(frequency * 1024).astype(np.int64) << 3) | bits
    starts = np.concatenate(([0], np.cumsum(np.bincount(term, minlength=n_terms))))
    return _array(np, starts), _array(np, entry), _array(np, packed)


def _asked(np: Any, keys: Any, question: Any, questions: int) -> tuple[Any, Any]:
    """The distinct posting ``keys`` of the terms of curated questions, and for each the number of
    questions (``question``: the question of each key) it comes from."""
    width = max(questions, 1)
    pairs = _unique(np, keys * width + question)  # (key, question), once each, in key order
    key, times = _unique(np, pairs // width, counts=True)  # already sorted: a second sort costs little
    return key, times


def _shared_keys(np: Any, texts: _Texts, text_of: Any, term_of: Any, n: int) -> tuple[Any, Any]:
    """The posting keys of the terms of the keywords and tags, and of the sources, the entries use."""
    if not texts.uses:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    uses = np.array(texts.uses, dtype=np.int64)
    count = np.bincount(text_of, minlength=len(texts.texts))
    start = np.cumsum(count) - count
    count_of = count[uses[:, 1]]
    at = (np.arange(int(count_of.sum())) - np.repeat(np.cumsum(count_of) - count_of, count_of)
          + np.repeat(start[uses[:, 1]], count_of))
    keys = term_of[at] * n + np.repeat(uses[:, 0], count_of)
    is_source = np.repeat(uses[:, 2] == SOURCE, count_of)
    return _unique(np, keys[~is_source]), _unique(np, keys[is_source])


def _question_sums(np: Any, asked: list[int]) -> Any:
    """For an entry of ``n`` curated questions (row ``n``), by the number of them a term is in: its question
    share added that many times, in turn, from 0.0 (entries come in a handful of sizes)."""
    most = max(asked, default=0)
    sums = np.zeros((most + 1, most + 1), dtype=np.float64)
    for n in set(asked):
        share = FIELD_QUESTION / max(n, 1) * 3  # a term in every question counts ~3
        sums[n, :n + 1] = list(accumulate(repeat(share, n), initial=0.0))
    return sums


def _talkers(kb: KnowledgeBase, analyzer: Analyzer) -> tuple[tuple[int, frozenset[str]], ...]:
    """The small-talk entries, each with its whole phrases (kept for small talk only)."""
    found = []
    for i, e in enumerate(kb.entries):
        if e.kind == "smalltalk":
            phrases = (analyzer.terms_of(q)[1] for q in (*e.en.questions, *e.ru.questions))
            found.append((i, frozenset(" ".join(every) for every in phrases)))
    return tuple(found)


def _unique(np: Any, values: Any, *, counts: bool = False) -> Any:
    """The distinct ``values``, ascending (and how often each occurs): a sort, several times faster than
    ``np.unique``'s hash table for these integers."""
    ordered = np.sort(values)
    new = np.ones(len(ordered), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    first = np.flatnonzero(new)
    return (ordered[first], np.diff(np.append(first, len(ordered)))) if counts else ordered[first]


def _array(np: Any, values: Any) -> array[int]:
    """``values`` as an ``array("I")`` (a copy of memory, not a loop)."""
    out = array("I")
    out.frombytes(np.ascontiguousarray(values, dtype=f"=u{out.itemsize}").tobytes())
    return out
