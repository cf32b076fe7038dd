"""The index build (bot/indexing.py) reads every text as the analyzer reads it, word by word, and makes
the postings and curated questions the per-entry definition gives: the fast paths change no result."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import indexing
from bot.analysis import Analyzer, term_weight
from bot.indexing import build_index
from bot.knowledge import KnowledgeBase, LangBlock
from bot.matching import Matcher
from bot.words import END, flat_words, normalise, tokens, words, words_of_texts

# Characters the fast reading takes (letters, digits, apostrophes, punctuation, typography) and some it
# leaves to ``normalise`` (accents, other scripts, invisible and control characters, ligatures).
PLAIN = "abcXYZ019 'абвЁёйЖ ?!.,-—–\u2010\u2011…«»“”„’‘/@_\t\n"
OTHER = "é\u0301ß\u00a0\u200b\x00\x1fİﬁΣ٣²`"
# Pieces of years written short ("since '08", "в 16-м", "08 года"), which the reading fills in from their
# neighbours: joined at random, the punctuation beside them decides.
YEAR_PIECES = ["в ", "с ", "since ", "in ", "08", "16", "22", "05", "'", "’", "‘", "-м", "м", "ом", " года",
               " году", " г", ".", ":", "/", "-", "–", "x", "0", " ", "  ", "го", "й", "2008-14", "Ё"]
texts = (st.text(alphabet=st.sampled_from(PLAIN + OTHER), max_size=40)
         | st.text(alphabet=st.sampled_from(PLAIN), max_size=40)
         | st.lists(st.sampled_from(YEAR_PIECES), max_size=8).map("".join))


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_words_are_the_tokens_of_the_normalised_text(text: str) -> None:
    assert words(text) == tokens(normalise(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(texts | st.sampled_from(["/ask who?", " @bot hi", "x" * 1001]), max_size=8))
def test_words_of_texts_reads_each_text_as_words_does(many: list[str]) -> None:
    assert words_of_texts(many) == [tokens(normalise(t)) for t in many]


@settings(max_examples=500, deadline=None)
@given(st.lists(texts | st.sampled_from(["/ask who?", " @bot hi", "x" * 1001, "rock'n'roll 90's", "a1b2"]), max_size=8))
def test_flat_words_are_the_words_of_each_text_each_ended(many: list[str]) -> None:
    assert flat_words(many) == [w for t in many for w in (*tokens(normalise(t)), END)]


def _odd(kb: KnowledgeBase) -> KnowledgeBase:
    """The shipped entries and a few whose texts take every way through the reading."""
    first = kb.entries[0]
    asked = ("  /ask Who SIGNED   the treaty?? ", "@bot south ossetia's 19th")
    odd = [
        replace(first, id="odd_address", en=LangBlock(asked, "Signed in Moscow on 18 March, 2014.", ("kw one",))),
        replace(first, id="odd_accents", ru=LangBlock(("Ёлка «и» ёж — café naïve?", "Кто\u200b подписал ДОГОВОР"),
                                                      "Президент Южной Осетии", ("Ёж",))),
        replace(first, id="odd_empty", en=LangBlock(("?", "the of"), ""), tags=("south_ossetia", "x_y")),
    ]
    return kb.replace_entries([*kb.entries, *odd])


def _reference(kb: KnowledgeBase, analyzer: Analyzer) -> tuple[dict[str, list[tuple[int, int]]], list[list[list[str]]]]:
    """Postings and curated questions as the matcher defined them before bot/indexing.py: every text
    normalised and tokenised on its own, every word looked up, the sums made term by term."""
    def terms(text: str) -> tuple[list[str], list[str]]:
        return analyzer.terms_of_words([analyzer.word(w) for w in tokens(normalise(text))])

    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    questions = []
    for i, e in enumerate(kb.entries):
        qlists = [content or every for content, every in (terms(q) for q in (*e.en.questions, *e.ru.questions))]
        tf: dict[str, float] = defaultdict(float)
        where: dict[str, int] = defaultdict(int)
        for q in qlists:
            for t in set(q):
                tf[t] += 1.0 / max(len(qlists), 1) * 3
                where[t] |= 1
        keywords = (*e.en.keywords, *e.ru.keywords, *(tag.replace("_", " ") for tag in e.tags))
        answers = () if e.kind == "gap" else (e.en.answer, e.ru.answer)
        sources = () if e.kind == "gap" else e.source
        for field_texts, weight, bit in ((keywords, 0.8, 1), (answers, 0.8, 2), (sources, 0.6, 4)):
            for t in {t for text in field_texts for t in terms(text)[0]}:
                tf[t] += weight
                where[t] |= bit
        for t, f in tf.items():
            postings[t].append((i, (round(f * 1024) << 3) | where[t]))
        questions.append(qlists)
    return postings, questions


@pytest.mark.parametrize("odd", [False, True])
def test_the_index_is_the_one_the_definition_gives(kb: KnowledgeBase, odd: bool) -> None:
    base = _odd(kb) if odd else kb
    matcher = Matcher(base)
    index = matcher.index
    postings, questions = _reference(base, matcher.analyzer)
    made = {t: list(zip(index.ids[a:b], index.packed[a:b], strict=True)) for t, (a, b) in index.postings.items()}
    assert made == postings
    n = len(base.entries)
    assert index.idf == {t: math.log(1 + n / len(found)) * term_weight(t) for t, found in postings.items()}
    assert index.df_share == {t: len(found) / n for t, found in postings.items()}
    for i, qlists in enumerate(questions):
        expected = [(tuple(sorted(set(q))), sum(index.idf[t] for t in set(q)) or 1.0) for q in qlists if q]
        asked = index.asked(i)
        assert list(zip(asked.terms, asked.weights, strict=True)) == expected, base.entries[i].id
        assert asked.texts == tuple(" ".join(terms) for terms, _ in expected)
        assert asked.having == {t: tuple(qi for qi, (terms, _) in enumerate(expected) if t in terms)
                                for terms, _ in expected for t in terms}
    talk = {i: frozenset(" ".join(matcher.analyzer.terms_of(q)[1]) for q in (*e.en.questions, *e.ru.questions))
            for i, e in enumerate(base.entries) if e.kind == "smalltalk"}
    assert dict(index.talkers) == talk


def test_a_large_build_returns_its_memory_and_makes_the_same_index(kb: KnowledgeBase,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """From ``LARGE`` entries on the build gives its freed temporaries back (malloc_trim where there is one):
    nothing else changes."""
    small = Matcher(kb).index
    monkeypatch.setattr(indexing, "LARGE", 1)
    large = Matcher(kb).index
    assert [getattr(large, f.name) for f in fields(large)] == [getattr(small, f.name) for f in fields(small)]


def test_the_vocabulary_read_by_the_build_is_the_analyzers_own(kb: KnowledgeBase) -> None:
    base = _odd(kb)
    built = Matcher(base).analyzer
    alone = Analyzer(base)
    fresh = {"_speller", "_words", "_recent"}
    assert {k: v for k, v in vars(built).items() if k not in fresh} == {
        k: v for k, v in vars(alone).items() if k not in fresh}


def test_building_leaves_the_analyzers_word_cache_to_questions(kb: KnowledgeBase) -> None:
    """The build looks words up in its own table: the analyzer's cache holds only what questions bring
    (and the few small-talk phrases, read whole)."""
    index, _ = build_index(kb, analyzer := Analyzer(kb, read_entries=False))
    assert index.terms
    small_talk_words = {w for e in kb.entries if e.kind == "smalltalk"
                        for q in (*e.en.questions, *e.ru.questions) for w in words(q)}
    assert set(analyzer._words) <= small_talk_words
