"""Concept words by stem: the forms of a listed word are its concept; a word a derived one was cut down to is not."""

from __future__ import annotations

import pytest

from bot.concept_words import concept_words
from bot.knowledge import KnowledgeBase
from bot.lexicon import Concept, Lexicon
from bot.matching import Matcher
from bot.words import normalise, stem, tokens


def _lexicon(*concepts: tuple[str, list[str]]) -> Lexicon:
    return Lexicon(stopwords={}, concepts=tuple(Concept(id=cid, words=tuple(words)) for cid, words in concepts),
                   qtypes={})


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("nationality", "#citizenship"), ("nations", "#country"), ("citizens", "#citizenship"),
        ("important", "#big"), ("import", "import"), ("imports", "import"),
        ("cooperated", "#cooperation"), ("cooperation", "#cooperation"),
        ("treaties", "#treaty"), ("signing", "#sign"), ("signs", "#sign"),
    ],
)
def test_a_stem_stands_for_forms_not_for_what_a_derived_word_was_cut_to(matcher: Matcher, word: str,
                                                                        term: str) -> None:
    assert matcher.analyzer.word(word)[1] == term


def test_a_derived_word_keeps_its_stem_only_in_its_own_forms() -> None:
    found = concept_words(_lexicon(("citizenship", ["nationality"]), ("people", ["people"])))
    assert found.derived == {"nation": ("nationa",)} and found.single["nation"] == "#citizenship"


def test_a_concept_that_lists_the_stem_word_keeps_it() -> None:
    found = concept_words(_lexicon(("in_force", ["effective", "effect"]), ("citizenship", ["nationality"])))
    assert "effect" not in found.derived and found.single["effect"] == "#in_force"
    assert found.derived["nation"] == ("nationa",)


@pytest.mark.parametrize("words", [["signed"], ["talks"], ["meeting"], ["гражданство"], ["нации"]])
def test_inflections_and_russian_words_are_not_derived(words: list[str]) -> None:
    assert concept_words(_lexicon(("x", words))).derived == {}


def test_the_two_nations_are_not_a_question_about_citizenship(matcher: Matcher) -> None:
    a = matcher.analyzer.analyse("Will the two nations pool their defence?")
    assert "#citizenship" not in a.terms and "#defence" in a.terms


@pytest.mark.parametrize(
    ("question", "absent"),
    [("in terms of money, what does it give?", "#term"), ("что договор дает в плане пенсий?", "#plan"),
     ("as for the pensions?", "for")],
)
def test_a_stop_phrase_frames_the_question_and_names_nothing(matcher: Matcher, question: str, absent: str) -> None:
    a = matcher.analyzer.analyse(question)
    assert absent not in a.terms and absent not in a.all_terms and a.terms


def test_the_words_of_a_stop_phrase_alone_keep_their_concepts(matcher: Matcher) -> None:
    assert "#term" in matcher.analyzer.analyse("what is the term of the treaty?").terms
    assert "#plan" in matcher.analyzer.analyse("какие планы у России?").terms


@pytest.mark.parametrize(("question", "qtype"), [("when it comes to defence, what does it say?", None),
                                                 ("so when it comes to Georgia?", None),
                                                 ("when was it signed?", "when")])
def test_a_stop_phrase_asks_nothing(matcher: Matcher, question: str, qtype: str | None) -> None:
    assert matcher.analyzer.analyse(question).qtype == qtype


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("Какой американский чиновник отказался признать документ?", "#public_sector"),  # an official
        ("Выразил ли лидер Южной Осетии поддержку курсу Кремля?", "#foreign_currency"),  # a course, not a rate
        ("Станут ли больше получать работники государственных учреждений?", "#sovereignty"),  # state, not statehood
        ("What name was given to the pact?", "given"),
        ("putin said what exactly, gimme the gist", "gimm"),
        ("what does it mean for people on the state payroll?", "#usa"),  # the state, not the States
        ("and what did washington say specifically", "specif"),
    ],
)
def test_a_word_is_not_read_as_a_concept_of_another_sense(matcher: Matcher, question: str, absent: str) -> None:
    assert absent not in matcher.analyzer.analyse(question).terms


def test_the_forms_of_a_listed_russian_noun_are_its_concept(matcher: Matcher) -> None:
    assert "#procedure" in matcher.analyzer.analyse("Что изменится в порядке получения гражданства?").terms


@pytest.mark.parametrize(
    ("question", "concept"),
    [("надолго договор?", "#term"), ("зарплаты подымут?", "#raise"), ("what did vlad say", "#putin"),
     ("что сказал глава Южной Осетии?", "#tibilov"), ("was georgia mad?", "#criticise"),
     ("кто подмахнул?", "#sign"), ("how much did russia pump in before?", "#money"), ("запад бухтит?", "#criticise"),
     ("can i just walk over the border?", "#movement"), ("о спокойствии в регионе говорили?", "#stability"),
     ("кто подписал эту бумагу?", "#treaty"), ("что сказал хозяин Кремля?", "#putin"),
     ("what's her beef?", "#criticise"), ("как озаглавлен документ?", "#name"), ("ossetian prez?", "#president"),
     ("what did the yanks say?", "#usa"), ("на какой период?", "#term"), ("what label did they give it?", "#name"),
     ("who inspects goods at the border now?", "#customs"), ("досмотр грузов отменят?", "#customs"),
     ("what was moscow's retort?", "#reaction"), ("скока бабла подкинут?", "#money"),
     ("What did Leonid say?", "#tibilov"), ("Что сказал Дмитрий?", "#peskov"), ("what did Vladimir say", "#putin")],
)
def test_everyday_words_reach_their_concepts(matcher: Matcher, question: str, concept: str) -> None:
    assert concept in matcher.analyzer.analyse(question).terms


def test_go_down_is_happening_not_a_direction(matcher: Matcher) -> None:
    a = matcher.analyzer.analyse("when did it go down?")
    assert a.terms == () and a.qtype == "when"


def test_no_concept_word_shares_a_stem_with_a_stop_word_unless_told_apart(kb: KnowledgeBase) -> None:
    """'pleased' (#happy) shares the stem 'pleas' with 'please', so every 'please' became #happy: a concept
    word and a stop word of one stem must be told apart in [distinct], or one of them goes."""
    lex = kb.lexicon
    stops: dict[str, set[str]] = {}
    for words in lex.stopwords.values():
        for w in words:
            if " " not in w:
                stops.setdefault(stem(w), set()).add(w)
    clashes = []
    for concept in lex.concepts:
        for word in concept.words:
            found = tokens(normalise(word))
            if len(found) == 1 and "'" not in found[0]:
                clash = stops.get(stem(found[0]), set()) - {found[0]} - lex.distinct
                clashes += [f"{concept.id}: {word!r} ~ {sorted(clash)}"] if clash else []
    assert not clashes, clashes
