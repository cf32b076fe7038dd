"""The readings of one message (pure): the ways ``Matcher.match`` reads it before the surest decides.

A message is read whole, and with each alternative it offers alone ("Moscow or the Caucasus?", and of "only X
or Y too?" the side not "only" so); a name that
stands for others as each of them; what follows a preface ("Quick question: who signed it?"); and a long
one also as its question sentence alone (the *focus*), that sentence with the named things of the rest,
and, when it points back ("What did he say?"), that sentence with the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.analysis import Analysis, Analyzer
from bot.lexicon import Lexicon
from bot.lookups import YEAR_ASKED
from bot.message_parts import focus_sentence, prefaced, with_sentence_before
from bot.named_roles import ALTERNATIVE, partners_named, tells_of_saying
from bot.words import MAX_QUESTION_CHARS, normalise, strip_address, tokens

LONG_MESSAGE_TERMS = 3  # words in a message before its question sentence is tried on its own
# A person's title or position is their post ("Psaki's official title?", "Tibilov position"), not a document's
# name or a stance (with nothing else asked: "Peskov's position on the treaty" is his stance)
TITLE_WORDS = "title position official"
TITLE_NOUNS = frozenset({"title", "position"})  # the nouns themselves: not "what did Putin call it?" ("called": #name)
IDENTITY = "#identity"
# "X or Y" where one side is "only"/"just" so: the other side is what is asked ("is it only the army, or is
# there money stuff too?", "про пенсии есть что-то или опять одни слова?")
_ONLY = frozenset({"only", "just", "merely", "purely", "solely", "только", "лишь", "чисто", "одни", "исключительно"})
NAMED_PREFACE_WORDS = 6  # a preface this short names a thing ("the 1 billion rubles - that's for which year?")


@dataclass(frozen=True)
class Readings:
    """Every reading of a message, the whole first; ``focus``: its question sentence alone, if read so."""

    all: tuple[Analysis, ...]
    focus: Analysis | None = None
    focus_names: tuple[str, ...] = ()  # names unknown to the base that the question sentence itself writes


def _after_preface(analyzer: Analyzer, lexicon: Lexicon, clean: str, tail: str, lang: str | None) -> Analysis | None:
    """The reading of what follows a preface, or None when it is no question of its own: a rest that names
    nothing but the kind of answer it wants, after a short preface that names the thing ("the additional billion:
    for what year?", "the 1 billion rubles - that's for which year?"), is asked by the message read whole. (After
    a longer preface the rest may well be one: "Дед говорит, что подписали 9 мая ... Рассудите нас — какого числа
    это было?")"""
    t = analyzer.analyse(tail, lang)
    short = len(tokens(clean)) - len(tokens(tail)) <= NAMED_PREFACE_WORDS
    if t.terms and short and all(x in analyzer.asks_for or x == YEAR_ASKED for x in t.terms):
        points_back = not lexicon.pronouns.isdisjoint(w.split("'")[0] for w in tokens(normalise(tail)))
        if points_back or analyzer.analyse(clean[: clean.rfind(tail)], lang).terms:
            return None
    return t


def _as_post(analyzer: Analyzer, a: Analysis) -> list[Analysis]:
    """``a`` asked of one person's post when it names that person and only words of a title ("Psaki's
    official title?"); none otherwise."""
    persons = [t for t in a.terms if t in analyzer.person_ids]
    rest = [t for t in a.terms if t not in persons]
    if len(persons) != 1 or not rest or TITLE_NOUNS.isdisjoint(tokens(a.text)) \
            or not set(rest) <= set(analyzer.terms_of(TITLE_WORDS)[0]):
        return []
    return [replace(a, terms=(persons[0], IDENTITY))]


def _beside_only(analyzer: Analyzer, clean: str, lang: str | None) -> list[Analysis]:
    """The side of an "X or Y" question that is not "only" so, read alone (see ``_ONLY``)."""
    sides = ALTERNATIVE.split(clean.rstrip(" ?!."), maxsplit=1)
    if len(sides) != 2:
        return []
    only = [not _ONLY.isdisjoint(tokens(normalise(side))) for side in sides]
    if only[0] == only[1]:
        return []
    other = analyzer.analyse(sides[1] if only[0] else sides[0], lang)
    return [other] if other.terms else []


def _without_those_beside(analyzer: Analyzer, a: Analysis) -> Analysis:
    """``a`` without the people it asks who was with, or who besides ("who signed it with Putin?", "кто кроме
    Псаки критиковал?"): not them, named or not; but one it names besides the one after "with" is whom it asks
    about ("the president of South Ossetia that signed with Putin": Tibilov)."""
    if not (a.partner or a.others):
        return a
    persons = analyzer.person_ids
    with_them = partners_named(a.text, lambda w: analyzer.word(w)[1], persons) if not a.others else frozenset()
    if with_them and not persons.intersection(a.terms) <= with_them:
        persons = with_them
    return replace(a, terms=tuple(t for t in a.terms if t not in persons), entities=a.entities - persons)


def read_message(analyzer: Analyzer, lexicon: Lexicon, text: str, lang: str | None = None) -> Readings:
    """The readings of ``text`` (see the module's docstring)."""
    a = _without_those_beside(analyzer, analyzer.analyse(text, lang))
    clean = strip_address(text[:MAX_QUESTION_CHARS])
    # "Moscow or the Caucasus?", "25 years or 50?": each alternative read alone (whichever it was answers)
    found = [a, *(replace(a, terms=tuple(t for t in a.terms if t not in others), either=frozenset(),
                          entities=a.entities - others, numbers=a.numbers - others)
                  for others in (a.either - {one} for one in sorted(a.either)))]
    # "the pact between the Kremlin and Tskhinvali": a name that stands for others is read as each of them that
    # is not a person (as Peskov, "has the Kremlin answered?" would be about him); not the place where something
    # happens ("in Moscow"), nor with words the base lacks ("which hall of the Kremlin?": lost on the venue).
    stands_for = analyzer.stands_for
    found += [replace(a, terms=tuple(dict.fromkeys(other if t == name else t for t in a.terms)),
                      entities=(a.entities - {name}) | {other})
              for name in sorted((a.entities & stands_for.keys()) - a.placed)
              for other in sorted(stands_for[name] - analyzer.person_ids) if not a.head_unknown]
    found += _as_post(analyzer, a)
    found += _beside_only(analyzer, clean, lang)
    tail = prefaced(clean)
    t = _after_preface(analyzer, lexicon, clean, tail, lang) if tail is not None else None
    if t is not None:
        # The named things of the preface stay ("About the Abkhazia treaty: when did it take effect?").
        named = sorted(a.entities - t.entities)
        found.append(replace(t, terms=tuple(dict.fromkeys((*t.terms, *named))), entities=t.entities | a.entities)
                     if named else t)
    focus = focus_sentence(clean) if len(a.terms) + len(a.unknown) >= LONG_MESSAGE_TERMS else None
    if focus is None or focus == tail:
        return Readings(tuple(found))
    f = analyzer.analyse(focus, lang)
    # A name the knowledge base does not know, elsewhere in the message, is evidence of a near miss for a
    # question sentence that points at a person ("I read that Lavrov commented. What did he say?"); not
    # for one that names what it asks ("My uncle says Medvedev signed it. Who actually signed it?"). The
    # people the message names are read with such a sentence ("Putin spoke first. What did he call it?").
    focus_words = tokens(normalise(focus))
    # (after a preface of its own: "I live in Mozdok, so tell me: which region's security was discussed?")
    asked = set(tokens(normalise(prefaced(focus) or focus)))
    own_names = tuple(n for n in f.unknown_names if n in asked)
    names = tuple(n for n in a.unknown_names if n not in f.unknown_names)
    at_person = not lexicon.person_pronouns.isdisjoint(focus_words)
    if names and at_person:
        f = replace(f, unknown=(*f.unknown, *names), unknown_names=(*f.unknown_names, *names))
    people = [t for t in a.terms if t in analyzer.person_ids] if at_person else []
    # ... and the one person it names is who "he" asks to have said something ("Putin spoke first. How did he
    # call it?": his words, not the treaty's name)
    said_by = f.speaker or (people[0] if len(set(people)) == 1 and tells_of_saying(normalise(focus)) else None)
    with_context = replace(f, terms=tuple(dict.fromkeys((*f.terms, *sorted(a.entities), *people))), speaker=said_by)
    # (not alone when "he" found its person in the message: without him it asks about no one)
    found = [*found, with_context] if people and said_by else (
        [*found, with_context, f] if with_context.terms != f.terms else [*found, f])
    # A question sentence that points back ("What event was he referring to?") or names nothing ("Can you
    # tell me?") is read with the one before it, where what it asks about is named.
    if not f.terms or not lexicon.pronouns.isdisjoint(focus_words):
        pair = with_sentence_before(clean, focus)
        if pair is not None:
            p = analyzer.analyse(pair, lang)
            found.append(replace(p, terms=tuple(dict.fromkeys((*p.terms, *people))), speaker=said_by)
                         if people and said_by else p)
    return Readings(tuple(found), f, own_names)
