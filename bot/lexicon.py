"""The lexicon (pure): stop words, bilingual concepts, question words and the conversation's word lists.

``knowledge/lexicon.toml`` holds matching data, not answers: which words mean the same thing in both
languages, which are named things or people, which words ask who/when/where/how much, and the small word
lists the conversation reads (follow-up openers, pronouns, question openers, other languages' words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.folding import fold
from bot.words import normalise, stem, tokens

ID_RE = re.compile(r"^[a-z0-9_]{1,40}$")  # entry and concept ids
# time: of day ("at what time?"); share: a part of a whole ("what share of the budget?"), not an amount
QTYPES: tuple[str, ...] = ("who", "when", "where", "quantity", "time", "share")
LANGS: tuple[str, ...] = ("en", "ru")


@dataclass(frozen=True)
class Concept:
    """One concept of the lexicon: its words in both languages and what kind of thing it is."""

    id: str
    words: tuple[str, ...]
    entity: bool = False
    strict: bool = False
    person: bool = False  # a person a follow-up's "he"/"she" may refer to
    gender: str | None = None  # a person's: "female" ("she", "она") or "male" ("he", "он")
    # Named things this one stands for ("Moscow" for Russia's government, "the Kremlin" for Russia):
    # an entry that names one of them does not miss this entity.
    stands_for: tuple[str, ...] = ()
    # Says how to answer, not what about ("in short", "the gist", "what happened"): a question that also
    # names something specific asks about that ("what happens to pensions?"), so it is then left out.
    framing: bool = False
    # The kind of answer naming it asks for ("date": when; "place": where), for a question with no
    # question word ("Abkhazia treaty date").
    asks: str | None = None
    # Whom a person speaks for ("psaki": the US): what that person said, those said (see ``Analysis.speaker``).
    speaks_for: tuple[str, ...] = ()
    # A time relative to the one asked about ("earlier", "next"): a follow-up naming only it ("а раньше?")
    # asks the earlier question of another time (``FollowUps.substituted``).
    period: bool = False
    # Named things this one includes ("the West": the US and the EU): an entry that names one of them does
    # not miss it, but unlike ``stands_for`` the question is not read with each in its place ("what did the
    # West say?" is the West's word, not the EU's alone).
    includes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """Stop words, concepts and question types: how the matcher reads words (``knowledge/lexicon``)."""

    stopwords: Mapping[str, frozenset[str]]
    concepts: tuple[Concept, ...]
    qtypes: Mapping[str, Mapping[str, tuple[str, ...]]]
    heads: frozenset[str] = frozenset()  # "what", "which", "какой": the next word names what is asked for
    followup: frozenset[str] = frozenset()  # "and", "what about", "а": a message opening a follow-up
    pronouns: frozenset[str] = frozenset()  # "he", "that", "она": words that point back to the last answer
    person_pronouns: frozenset[str] = frozenset()  # "he", "she", "он": point back to a person
    foreign: frozenset[str] = frozenset()  # common words of languages the bot does not answer in
    asks: frozenset[str] = frozenset()  # words that open a question ("is", "has", "почему")
    # Words that share a stem with a concept's word but mean something else ("according" is not the
    # "accord" of a treaty, "integrity" not "integration", "грузы" not "Грузия"): read as words of their own.
    distinct: frozenset[str] = frozenset()
    # Words that qualify a question word without changing what it asks ("what exact date", "какого
    # именно числа"): skipped when the question type is read.
    qualifiers: frozenset[str] = frozenset()
    # Words that ask for the other of what the last answer was one of ("and the other one?", "а второй?").
    others: frozenset[str] = frozenset()
    # Words that ask for more of what the last answer was about ("what else?", "tell me more", "а ещё?").
    more: frozenset[str] = frozenset()
    # Person pronouns of one gender: "she" after an answer naming Peskov and Psaki means her.
    female_pronouns: frozenset[str] = frozenset()
    male_pronouns: frozenset[str] = frozenset()
    # Words that ask why the last answer is so ("why?", "how come?", "а почему?"): the article seldom says.
    reasons: frozenset[str] = frozenset()
    # Words for people ("official", "чиновник"): a "which"/"какой" phrase naming one asks who ("Which EU
    # official commented?", "какой американский чиновник…").
    who_heads: frozenset[str] = frozenset()
    # Phrases that ask for the answer in a language ("in Russian", "по-английски"), by that language, as
    # words apart by one space; under "requests", the words such a message may add ("answer", "ответь").
    answer_in: Mapping[str, frozenset[str]] = field(default_factory=dict, kw_only=True)


def parse_lexicon(data: dict[str, Any], problem: Callable[[str, str], None]) -> Lexicon:
    """``lexicon.toml`` as a Lexicon; ``problem(field, message)`` is told of each thing wrong."""
    stopwords: dict[str, frozenset[str]] = {lang: frozenset() for lang in LANGS}
    # [stopwords] are grammar; [ignored] are content words this article's questions do not need
    # (labelled apart because they are tuning); matching reads both the same way.
    for section in ("stopwords", "ignored"):
        raw = data.get(section, {})
        for lang in LANGS:
            words = raw.get(lang, []) if isinstance(raw, dict) else []
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                problem(f"{section}.{lang}", "must be a list of strings")
                words = []
            stopwords[lang] |= frozenset(fold(w) for w in words)
    concepts: list[Concept] = []
    ids: set[str] = set()
    for i, raw in enumerate(data.get("concept", [])):
        concept = _concept(raw, i, ids, problem)
        if concept is not None:
            concepts.append(concept)
    qtypes: dict[str, dict[str, tuple[str, ...]]] = {}
    raw_q = data.get("qtypes", {})
    for lang in LANGS:
        table = raw_q.get(lang, {}) if isinstance(raw_q, dict) else {}
        qtypes[lang] = {}
        for qt, phrases in (table.items() if isinstance(table, dict) else []):
            if qt not in QTYPES:
                problem(f"qtypes.{lang}.{qt}", f"must be one of {', '.join(QTYPES)}")
            elif not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                problem(f"qtypes.{lang}.{qt}", "must be a list of strings")
            else:
                qtypes[lang][qt] = tuple(phrases)
    for c in concepts:
        for field_name, others in (("stands_for", c.stands_for), ("speaks_for", c.speaks_for),
                                   ("includes", c.includes)):
            for other in others:
                if other not in ids:
                    problem(f"concept {c.id}.{field_name}", f"names no concept: {other}")
    lists = (_word_list(data, name, problem) for name in WORD_LISTS)
    lexicon = Lexicon(stopwords, tuple(concepts), qtypes, *lists, answer_in=_answer_in(data, problem))
    _check_distinct(lexicon, problem)
    return lexicon


WORD_LISTS = ("heads", "followup", "pronouns", "person_pronouns", "foreign", "asks", "distinct", "qualifiers",
              "others", "more", "female_pronouns", "male_pronouns", "reasons", "who_heads")
GENDERS = ("female", "male")


def _concept(raw: object, i: int, ids: set[str], problem: Callable[[str, str], None]) -> Concept | None:
    """One ``[[concept]]`` table (its id is added to ``ids``); None when it cannot be used at all."""
    cid = raw.get("id") if isinstance(raw, dict) else None
    words = raw.get("words") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(cid, str) or not ID_RE.match(cid):
        problem(f"concept #{i + 1}", f"id must match {ID_RE.pattern}")
        return None
    if cid in ids:
        problem(f"concept {cid}", "duplicate id")
    ids.add(cid)
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
        problem(f"concept {cid}.words", "must be a non-empty list of strings")
        return None
    stands_for = raw.get("stands_for", [])
    if not isinstance(stands_for, list) or not all(isinstance(x, str) and ID_RE.match(x) for x in stands_for):
        problem(f"concept {cid}.stands_for", "must be a list of concept ids")
        stands_for = []
    gender = raw.get("gender")
    if gender is not None and (gender not in GENDERS or not raw.get("person", False)):
        problem(f"concept {cid}.gender", f"must be one of {', '.join(GENDERS)}, and only for a person")
        gender = None
    speaks_for, includes = (_ids(raw, cid, name, problem) for name in ("speaks_for", "includes"))
    asks = raw.get("asks")
    if asks is not None and asks not in QTYPES:
        problem(f"concept {cid}.asks", f"must be one of {', '.join(QTYPES)}")
        asks = None
    return Concept(cid, tuple(words), bool(raw.get("entity", False)), bool(raw.get("strict", False)),
                   bool(raw.get("person", False)), gender, tuple(stands_for), bool(raw.get("framing", False)), asks,
                   tuple(speaks_for), bool(raw.get("period", False)), tuple(includes))


def _ids(raw: dict[str, Any], cid: str, name: str, problem: Callable[[str, str], None]) -> list[str]:
    """A concept's optional list of other concepts' ids (``speaks_for``, ``includes``); [] when malformed."""
    found = raw.get(name, [])
    if not isinstance(found, list) or not all(isinstance(x, str) and ID_RE.match(x) for x in found):
        problem(f"concept {cid}.{name}", "must be a list of concept ids")
        return []
    return found


def _word_list(data: dict[str, Any], name: str, problem: Callable[[str, str], None]) -> frozenset[str]:
    """An optional ``[name]`` table of word lists by key (languages), as one normalised set."""
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        problem(name, "must be a table of word lists")
        return frozenset()
    words: set[str] = set()
    for key, items in raw.items():
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() for w in items):
            problem(f"{name}.{key}", "must be a list of non-empty strings")
            continue
        words.update(fold(w) for w in items)
    return frozenset(words)


def _answer_in(data: dict[str, Any], problem: Callable[[str, str], None]) -> dict[str, frozenset[str]]:
    """The optional ``[answer_in]`` table: each language's phrases and the ``requests`` words, as words."""
    raw = data.get("answer_in", {})
    if not isinstance(raw, dict):
        problem("answer_in", "must be a table of word lists")
        return {}
    found: dict[str, frozenset[str]] = {}
    for key, items in raw.items():
        if key not in (*LANGS, "requests"):
            problem(f"answer_in.{key}", f"must be one of {', '.join((*LANGS, 'requests'))}")
        elif not isinstance(items, list) or not all(isinstance(w, str) and tokens(normalise(w)) for w in items):
            problem(f"answer_in.{key}", "must be a list of strings with words")
        else:
            found[key] = frozenset(" ".join(tokens(normalise(w))) for w in items)
    return found


def _check_distinct(lexicon: Lexicon, problem: Callable[[str, str], None]) -> None:
    """A ``[distinct]`` word must be one word that shares its stem with a concept's word and is not one:
    any other is a mistake (it would change nothing, or hide the concept it names)."""
    concept_stems: dict[str, set[str]] = {}
    listed: set[str] = set()
    for c in lexicon.concepts:
        for w in c.words:
            words = tokens(normalise(w))
            if len(words) == 1:
                concept_stems.setdefault(stem(words[0]), set()).add(c.id)
                listed.add(words[0])
    for word in sorted(lexicon.distinct):
        words = tokens(normalise(word))
        if len(words) != 1:
            problem("distinct", f"{word!r}: must be a single word")
        elif words[0] in listed:
            problem("distinct", f"{word!r}: is itself a concept's word")
        elif stem(words[0]) not in concept_stems:
            problem("distinct", f"{word!r}: shares its stem with no concept's word, so listing it changes nothing")


def voices(lex: Lexicon) -> dict[str, frozenset[str]]:
    """Each concept with what it stands or speaks for, followed on ("#peskov": the Kremlin, and what the
    Kremlin stands for): whom what it said may be said to be by."""
    edges = {f"#{c.id}": {f"#{x}" for x in (*c.stands_for, *c.speaks_for)} for c in lex.concepts}
    reach: dict[str, frozenset[str]] = {}
    for start in edges:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = frozenset(seen)
    return reach
