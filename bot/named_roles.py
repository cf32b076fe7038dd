"""The roles a question gives the named things it mentions (pure): alternatives, someone's partner, a
speaker, a place.

``bot.analysis`` records them (``Analysis.either``, ``Analysis.partner``) and ``bot.matching`` reads such a
question accordingly: once per alternative it offers ("was it signed in Moscow or in the Caucasus?"), and
without the person whose partner it asks for ("who signed it with Putin?" is not about Putin), by what the
one it asks to have said said ("what did Georgia say?" is not the US on Georgia); and a name
that stands for others ("the Kremlin" for Russia's leadership) as each of them, unless it is the place
where something happens ("what did they discuss in Moscow?").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import cache
from itertools import pairwise, takewhile

from bot.words import tokens

ALTERNATIVE = re.compile(r"\b(?:or|или|либо)\b")
CLAUSE_MARK = re.compile(r"[,.;:!?()]")
# A side of an "or" that only compares offers no thing of its own ("twenty years or more?")
COMPARATIVES = frozenset({"more", "less", "fewer", "longer", "shorter", "bigger", "smaller", "higher", "lower",
                          "больше", "меньше", "дольше", "короче", "выше", "ниже", "более", "менее"})
WITH_WHOM = re.compile(r"\b(?:with whom|who else|с кем|кто еще)\b|\bwho\b[^,.;:!?]*\bwith\s*(?:$|[,.;:!?])"
                       r"|\b(?:and|и|а)\s+(?:who|кто)\s*(?:$|[,.;:!?])")  # "Putin and who??"
# (not "с кем он подписал?": a person did it, and another was with him)
# A who-question for people besides some it names or describes ("who else was at the signing?", "кто ещё
# участвовал, кроме двух президентов?"): not answered by those people alone (``bot.matching``).
OTHERS = re.compile(r"\b(?:who else|кто еще|besides|apart from|other than|except|кроме|помимо)\b")
COUNTERPART = re.compile(r"\b(?:with whom|с кем)\b(?!\s+(?:же\s+)?(?:он|она)\b)")
WITH_NAME = re.compile(r"\b(?:with|с|со)\s+([^\W\d_]+)")
_SAY_EN = (r"(?:say|said|think|thinks|respond|responded|answer|answered|reply|replied|react|reacted|comment|"
           r"commented|feel|protest|protested|object|objected|describe|described|characterise|characterised|"
           r"characterize|characterized|call|called|mention|mentioned|speak|spoke|assess|assessed|spin|spun|portray|"
           r"portrayed|depict|depicted|tell|told)")
# (with the neuter forms: "правительство", "министерство", "ведомство" speak as "сказало", "заявило")
_SAY_RU = (r"(?:сказал|сказала|сказало|сказали|ответил|ответила|ответило|ответили|заявил|заявила|заявило|заявили|"
           r"думает|думают|отреагировал|отреагировала|отреагировало|отреагировали|прокомментировал|"
           r"прокомментировала|прокомментировало|прокомментировали|относится|относятся|отнесся|отнеслась|"
           r"отнеслось|отнеслись|охарактеризовал|охарактеризовала|охарактеризовало|назвал|назвала|назвало|"
           r"описал|описала|говорил|говорила|говорило|говорили|высказался|высказалась|высказалось|упомянул|"
           r"упомянула|упомянуло|оценил|оценила|оценило|оценили|наговорил|наговорила|наговорило|наговорили)")
_WORDS_EN = r"(?:quote|quotes|quotation|words)"
# The same verbs in the plural of no one named: "что сказали в Тбилиси?", "как отнеслись в Абхазии?" ask
# what was said there, by the people of that place.
_THEY_SAID_RU = r"(?:сказали|ответили|заявили|думают|отреагировали|прокомментировали|относятся|отнеслись)"
_ABOUT_RU = r"(?:про|о|об|обо|насчет|по|на|в|во|для|к|ко|с|со|за)"
_SAID_ABOUT = frozenset({"про", "о", "об", "обо", "насчет", "about"})
_DATIVE = re.compile(r"[а-я](?:у|ю|ам|ям)$")
_ABOUT = frozenset(_ABOUT_RU[3:-1].split("|")) | {"about", "of", "on", "for", "with"}
_WHAT_RU = r"(?:что|как|че|чо|што)(?:-(?:то|нибудь|либо))?"  # "что", "что-нибудь" ("а он что-то сказал?")
_WHO = r"((?:[^\W\d_][\w'-]*\s+){0,2}[^\W\d_][\w'-]*)"  # one to three words
# (an English subject stands whole between "did" and the verb: "what did the Georgian government in Tbilisi say")
_SUBJECT_EN = r"((?:[^\W\d_][\w'-]*\s+){0,4}[^\W\d_][\w'-]*)"
# Who is asked about as the one who said something: "what did Georgia say", "how did Tbilisi react",
# "Georgia's reaction", "что по поводу договора сказал Тбилиси", "что Грузия ответила", "абхазы че думают",
# "реакция Грузии".
_SPEAKER = (
    rf"\b(?:what|how)\s+(?:did|does|do|has|have|had|would|will)\s+{_SUBJECT_EN}\s+{_SAY_EN}\b",
    rf"\b(?:did|has|have|does|do)\s+{_SUBJECT_EN}\s+{_SAY_EN}\b",
    # the progressive: "what's the West saying about it?", "what are the Americans thinking?"
    rf"\bwhat(?:'s|s| is| are| was| were)\s+{_SUBJECT_EN}\s+(?:saying|thinking|sayin)\b",
    r"\b([^\W\d_]+)(?:'s|s')\s+(?:reaction|response|reply|position|stance|view|take|answer|comment)\b",
    # ... and a statement or a comment from someone: "any official statement from Tbilisi?"
    rf"\b(?:reaction|response|reply|statement|statements|comment|comments)\s+(?:of|from)\s+(?:the\s+)?{_WHO}",
    # whose exact words are asked for: "Peskov exact quote", "Psaki's actual words"
    rf"\b([^\W\d_]+)(?:'s|s')?\s+(?:exact|actual|precise|full)\s+{_WORDS_EN}\b",
    # (two named before it, "Псаки и Могерини что сказали?", are asked of each: no one speaker)
    # (and "грузинский МИД что заявил?": the word before the body names whose it is)
    rf"\b((?:[^\W\d_]+\s+(?:и|или)\s+)?(?:[^\W\d_]+(?:ий|ый|ой|ая|ое|ие|ые)\s+)?[^\W\d_]+)\s+{_WHAT_RU}\s+"
    rf"(?:[^\W\d_]+\s+){{0,3}}?{_SAY_RU}\b",
    rf"\b{_WHAT_RU}\s+{_WHO}\s+{_SAY_RU}\b",
    # the one who spoke, then to whom: "а Госдеп ему потом ответил?"
    rf"\b([^\W\d_]+)\s+(?:ему|ей|им)\s+(?:[^\W\d_][\w-]*\s+){{0,3}}?{_SAY_RU}\b",
    # ... and of a body there: "что сказали в правительстве Грузии?" (Georgia's government)
    rf"\b(?:что|как)\s+(?:[^\W\d_]+\s+){{0,3}}?{_THEY_SAID_RU}\s+(?:в|во)\s+((?:[^\W\d_]+\s+)?[^\W\d_]+)",
    # the one who spoke after the verb, not what about ("что она сказала про Женеву"), nor to whom when a
    # pronoun before the verb spoke ("что он ответил США")
    (rf"\b{_WHAT_RU}\s+(?:(?!(?:он|она|они)\s)[^\W\d_]+\s+){{0,3}}?{_SAY_RU}\s+"
     rf"(?!{_ABOUT_RU}\b){_WHO}"),
    r"\b([^\W\d_]+)\s+(?:ответ|ответка|ответку|реакция)\b",  # "Песков ответ Госдепу": he answered
    rf"\b(?:реакция|ответ|(?:заявлени|комментари)[еяий]\s+(?:из|от))\s+{_WHO}",
)
# Every one of them needs one of these words whole: a question without any asks no one to have said anything,
# and the patterns (~8 ms to compile) are compiled the first time one has.
_SAYING = frozenset(
    "|".join((_SAY_EN[3:-1], _SAY_RU[3:-1], _THEY_SAID_RU[3:-1], _WORDS_EN[3:-1])).split("|")
) | {"reaction", "response", "reply", "position", "stance", "view", "take", "answer", "comment", "ответ", "ответка",
     "ответку", "реакция", "saying", "sayin", "thinking", "statement", "statements", "comments", "заявление",
     "заявления", "заявлений", "комментарий", "комментарии", "комментариев"}


def tells_of_saying(text: str) -> bool:
    """Whether ``text`` (normalised) has a verb of saying or a word for a reply ("сказал", "reaction")."""
    return not _SAYING.isdisjoint(re.findall(r"\w+", text))


@cache
def _speaker_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(map(re.compile, _SPEAKER))


# A pronoun that said something ("what exactly did he say about Russia?", "что он там наговорил?"): a message
# that named the one it means before it asks of that one's words (``pronoun_speaking``).
_PRONOUN_SAID = rf"\b(?:(he|she)\s+(?:[^\W\d_]+\s+){{0,2}}?{_SAY_EN}|(он|она)\s+(?:[^\W\d_]+\s+){{0,3}}?{_SAY_RU})\b"


@cache
def _pronoun_said() -> re.Pattern[str]:
    return re.compile(_PRONOUN_SAID)


# Whom something was done to, or said to, not who said it ("sucking up to Putin", "с Путиным", "путину")
_TO_WHOM = frozenset({"to", "with", "at", "for", "about", "from", "against", "on", "к", "ко", "с", "со", "про", "о",
                      "об", "для", "против", "перед"})
_OBLIQUE = re.compile(r"[а-я](?:у|ю|ым|ом)$")  # a Russian name in the dative or instrumental: not the subject


# The time of something, as a clause after a preposition: "upset about when it was signed", "недовольны тем,
# когда его подписали" (not a question of when: the timing is what the words are about)
_TIMING = re.compile(r"\b(?:about|with|over|on|of|тем,?|того,?)\s+(?:when|когда)\b")


def timing_asked(text: str) -> bool:
    """Whether ``text`` (normalised) speaks of the time of something in a clause ("a problem with when it was
    signed")."""
    return _TIMING.search(text) is not None


def not_whom(words: Sequence[str]) -> list[str]:
    """``words`` without those naming whom something was done to or said to ("sucking up to Putin", "путину"):
    the ones left may name who did it."""
    return [w for k, w in enumerate(words) if not (k and words[k - 1] in _TO_WHOM) and not _OBLIQUE.search(w)]


# Russian leaves the pronoun out and says the gender with the verb: "тибилов там хвалил россию. чё говорил?"
_UNSAID_RU = re.compile(rf"(?:^|[.!?,;:]\s*|\b(?:а|и|ну)\s+){_WHAT_RU}\s+(?:там\s+|же\s+|вообще\s+)?{_SAY_RU}\b")


def pronoun_speaking(text: str) -> tuple[str, int] | None:
    """(the pronoun, where it stands) of a question asking what "he"/"she"/"он"/"она" said ("tibilov sounds
    like a fanboy, what did he say?"), or of a Russian verb of saying with no subject, its gender as a pronoun
    ("тибилов ... чё говорил?": "он"); None when it asks no such thing. ``text`` is normalised."""
    if not tells_of_saying(text):
        return None
    m = _pronoun_said().search(text)
    if m is not None:
        group = 1 if m.group(1) else 2
        return m.group(group), m.start(group)
    unsaid = _UNSAID_RU.search(text)
    if unsaid is None or unsaid.group(0).endswith("и"):  # "что сказали?": they, no one person
        return None
    return ("она" if unsaid.group(0).endswith("а") else "он"), unsaid.start()


# A question of how someone answered or reacted ("what did Psaki answer Peskov?", "ответила на слова")
REPLY = re.compile(r"\b(?:answer|answered|respond|responded|reply|replied|response|react|reacted|reaction|"
                   r"ответил\w*|отреагировал\w*|ответ\w*|реакци\w*)\b")
IN_PLACE = re.compile(r"\b(?:in|at|inside|в|во)\s+(?:the\s+)?([^\W\d_]+)")


def alternatives(text: str, terms_of: Callable[[Sequence[str]], Sequence[str]],
                 named: Collection[str]) -> frozenset[str]:
    """The named things (of ``named``) or numbers offered as alternatives, one on each side of an "or" within a
    clause ("so where was it, Moscow or somewhere in the Caucasus?", "is it 25 years or 50?"): whichever it
    was answers the question. ``terms_of`` reads words as terms; ``text`` is normalised."""
    found: set[str] = set()
    if not ALTERNATIVE.search(text):
        return frozenset()
    for before, after in pairwise(ALTERNATIVE.split(text)):
        sides = [terms_of(tokens(CLAUSE_MARK.split(side)[at])) for side, at in ((before, -1), (after, 0))]
        both = [{t for t in terms if t in named} for terms in sides]
        if all(both):
            found.update(*both)
        numbers = [[t for t in terms if t.isdigit()] for terms in sides]
        if all(numbers):  # the two next to the "or" ("1 billion or 43 billion in 2016": not 2016)
            found.update((numbers[0][-1], numbers[1][0]))
    return frozenset(found)


def choices(text: str, terms_of: Callable[[Sequence[str]], Sequence[str]]) -> tuple[tuple[frozenset[str], ...], ...]:
    """The things offered on each side of an "or" that the other side does not repeat ("is it health insurance
    or car insurance?": {health} and {car}; "signed in the morning or in the evening?"): as many words before
    the "or" as follow it in its clause; or listed before an "or" that only asks ("health insurance, car
    insurance, or what?"). An entry holding none of them cannot say which it was. None when a side offers
    nothing ("or not?", "or something else?") or a number is offered (``alternatives``).
    ``terms_of`` reads words as terms, an unknown word as itself; ``text`` is normalised."""
    found: list[tuple[frozenset[str], ...]] = []
    for before, after in pairwise(ALTERNATIVE.split(text)):
        if (listed := _listed_before_open(before, after, terms_of)) is not None:
            found.append(listed)
            continue
        right = [w for w in tokens(CLAUSE_MARK.split(after)[0]) if w not in COMPARATIVES]
        left = tokens(CLAUSE_MARK.split(before)[-1])[-len(right):] if right else []
        sides = [frozenset(terms_of(words)) for words in (left, right)]
        offered = (sides[0] - sides[1], sides[1] - sides[0])
        # (numbers are read as alternatives of their own: "25 years or 50?", "twenty or more?")
        if all(offered) and not any(t.isdigit() for side in sides for t in side):
            found.append(offered)
    return tuple(found)


# An "or" whose other side only asks ("health insurance, car insurance, or what exactly?", "медицинское или
# какое?"): the things listed before it are the choice.
OPEN_OR = frozenset({"what", "which", "whatever", "exactly", "precisely", "какое", "какой", "какая", "какие",
                     "каким", "какую", "что", "чего", "именно", "точно"})
OPEN_KIND = frozenset({"which", "какое", "какой", "какая", "какие", "каким", "какую"})  # of what kind
LIST_ITEM_WORDS = 3  # the most words of an item of a list ("car insurance")


def _listed_before_open(before: str, after: str, terms_of: Callable[[Sequence[str]], Sequence[str]]
                        ) -> tuple[frozenset[str], ...] | None:
    """The things offered before an open "or" ("X, Y, or what?"): each listed item without what they all share
    ({health}, {car}); one item offers its last word ("медицинское или какое?"). None for another "or"."""
    asked = tokens(CLAUSE_MARK.split(after)[0])
    if not asked or not all(w in OPEN_OR for w in asked):
        return None
    clauses = [c for c in (tokens(part) for part in CLAUSE_MARK.split(before)) if c]
    if not clauses or any(w.isdigit() for c in clauses for w in c):
        return None
    last = clauses[-1]
    if len(clauses) > 1 and len(last) <= LIST_ITEM_WORDS:  # a list: "health insurance, car insurance, or what"
        items = [last]
        for clause in reversed(clauses[:-1]):
            items.append(clause[-len(last):])  # (the first may open with more: "is that health insurance")
            if len(clause) > LIST_ITEM_WORDS:
                break
    elif OPEN_KIND.isdisjoint(asked):  # "pensions going up or what?" asks yes or no
        return None
    else:
        items = [last[-1:]]  # one thing, its last word: "медицинское или какое?"
    sides = [frozenset(terms_of(item)) for item in reversed(items)]
    shared = frozenset.intersection(*sides) if len(sides) > 1 else frozenset()
    offered = tuple(side - shared for side in sides)
    return offered if all(offered) else None


def asks_for_partner(text: str, term_of: Callable[[str], str], persons: Collection[str]) -> bool:
    """Whether a who-question asks for whoever was with a person it names ("who signed it with Putin?",
    "с кем Путин подписал договор?", "Putin and who else?"): that person is not what it asks about."""
    return bool(WITH_WHOM.search(text)) or bool(partners_named(text, term_of, persons))


def partners_named(text: str, term_of: Callable[[str], str], persons: Collection[str]) -> frozenset[str]:
    """The persons (of ``persons``) a who-question names as the one someone was with ("who signed with Putin?":
    Putin). ``text`` is normalised."""
    return frozenset(t for m in WITH_NAME.finditer(text) if (t := term_of(m.group(1))) in persons)


def asks_for_others(text: str) -> bool:
    """Whether a who-question asks for people besides some it names or describes ("who else was there besides
    the presidents?"). ``text`` is normalised."""
    return bool(OTHERS.search(text))


def asks_for_counterpart(text: str) -> bool:
    """Whether a who-question asks with whom something was done ("с кем Россия подписала похожий договор?"):
    when it names no person, the answer is a party (a country, a region), not a person."""
    return bool(COUNTERPART.search(text))


def places(text: str, term_of: Callable[[str], str], named: Collection[str]) -> frozenset[str]:
    """The named things (of ``named``) a question gives as where something is or happens ("in Moscow",
    "в Кремле"), not as who acts. ``text`` is normalised."""
    return frozenset(t for m in IN_PLACE.finditer(text) if (t := term_of(m.group(1))) in named)


def speaker(text: str, term_of: Callable[[str], str], named: Collection[str],
            parties: Collection[str] = (), terms_of: Callable[[list[str]], Iterable[str]] | None = None) -> str | None:
    """The named thing or person (of ``named``) a question asks to have said something ("what did the
    Georgian government say?": Georgia); None when it asks no such thing. ``text`` is normalised.
    ``parties``: those the article hears only through people who speak for them (Russia, through Peskov),
    the speaker of a question how they answered or reacted ("how did Russia respond to the US?"). ``terms_of``:
    the terms of words read together, when a phrase may name one ("the Russian leader": Putin)."""
    if not tells_of_saying(text):
        return None
    if parties and REPLY.search(text):
        named = {*named, *parties}
    for pattern in _speaker_patterns():
        for m in pattern.finditer(text):
            # not what a preposition makes the subject of the words ("что про Грузию сказали американцы"), nor
            # to whom it was said ("что он ответил американцам", "ответ Пескову": the Russian dative)
            words = tokens(m.group(1))
            # (nor one that "про"/"about" before the match makes so: in "путин про крым что сказал" Putin spoke)
            prior = ["", "", *text[: m.start(1)].split()]
            about = prior[-1] in _SAID_ABOUT
            said_by = [w for k, w in enumerate(words) if w not in _ABOUT
                       and (words[k - 1] not in _ABOUT if k else not about) and not _DATIVE.search(w)]
            said_by += [prior[-2]] if about and prior[-2] else []
            # (``terms_of``: the words' terms read together, so a phrase names one: "the Russian leader", Putin)
            found = {t for t in (terms_of(said_by) if terms_of else map(term_of, said_by)) if t in named}
            if found:  # "what did Psaki and Mogherini say?" is asked of each: no one speaker
                return found.pop() if len(found) == 1 else None
    return None


# Whom a question says was answered ("who responded to the State Department?", "who hit back at Washington?",
# "how did Peskov answer the EU?", "кто ответил Госдепу?", "огрызнулся на Вашингтон"): the words answered are
# not theirs. The Russian verb without "на" takes its addressee in the dative ("ответил Госдепу"); after it
# in the nominative is who answered ("что ответил Песков").
_NOT_ADDRESSEE = r"(?!(?:of|from|by|for|back|is|was|him|her|them|it|this|that)\b)"
MAX_ADDRESSEE_WORDS = 5
# A preposition after the one answered opens another part ("at the Americans *from* Moscow", "on Moscow's behalf").
_ENDS_ADDRESSEE = frozenset({"from", "on", "about", "over", "for", "in", "with", "after", "because", "из", "от", "о",
                             "про", "по", "за", "в", "после"})
_ANSWERED_WHO = r"([^,.;:!?]+)"  # to the clause's end: "to the US and the EU" names two
_ANSWERED = (
    rf"\b(?:respond|responds|responded|responding|response|reply|replies|replied|replying|react|reacts|reacted|"
    rf"reacting|reaction|retort|retorted|answer|answers|answered)\s+(?:to|at|against)\s+(?:the\s+)?{_ANSWERED_WHO}",
    rf"\b(?:hit|hits|push|pushed|pushes|fire|fired|fires|shot|snapped|clapped|say|said|talk|talked|answer|answered|"
    rf"write|wrote)\s+back\s+(?:at|to|against|on)\s+(?:the\s+)?{_ANSWERED_WHO}",
    rf"\b(?:answered|(?:did|does|do|will|would|to)\s+(?:[^\W\d_]+\s+){{0,2}}answer)\s+{_NOT_ADDRESSEE}"
    rf"(?:the\s+)?{_ANSWERED_WHO}",
    # whom something was told or said: "what did he tell the EU?", "did he say anything to Mogherini?"
    rf"\b(?:say|says|said|saying)\s+(?:[^\W\d_]+\s+){{0,2}}?to\s+(?:the\s+)?{_ANSWERED_WHO}",
    rf"\b(?:tell|tells|told|telling)\s+(?!(?:me|us|you|them|him|her|it|this|that|reporters|journalists)\b)"
    rf"(?:the\s+)?{_ANSWERED_WHO}",
    rf"\b(?:ответ|ответил\w*|отреагировал\w*|огрызнул\w*|отповедь)\s+на\s+{_ANSWERED_WHO}",
)
_TOLD = re.compile(r"\b(?:tell|tells|told|telling)\b|\b(?:say|says|said|saying)\b.*\bto\b")
# (a demonstrative in the dative marks the case of a name that does not decline: "ответил этой Псаки")
_ANSWERED_DATIVE = (r"\b(?:ответил|ответила|ответило|ответили|посоветовал|посоветовала|посоветовали)\s+"
                    r"((?:этой|этому|этим|той|тому|тем)\s+)?([^\W\d_]+)")


@cache
def _answered_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(map(re.compile, _ANSWERED))


def addressee(text: str, terms_of: Callable[[Sequence[str]], Sequence[str]], named: Collection[str]) -> str | None:
    """The one named thing or person (of ``named``) a question says was answered (see ``_ANSWERED``); None
    when it names none, or several. ``terms_of`` reads words as terms; ``text`` is normalised."""
    if not REPLY.search(text) and "back" not in text and "огрызнул" not in text and not _TOLD.search(text):
        return None
    found: set[str] = set()
    for pattern in _answered_patterns():
        for m in pattern.finditer(text):
            words = list(takewhile(lambda w: w not in _ENDS_ADDRESSEE, tokens(m.group(1))))
            found.update(t for t in terms_of(words[:MAX_ADDRESSEE_WORDS]) if t in named)
    for m in re.finditer(_ANSWERED_DATIVE, text):
        if m.group(1) or _DATIVE.search(m.group(2)):
            found.update(t for t in terms_of([m.group(2)]) if t in named)
    return found.pop() if len(found) == 1 else None


# How a question names a year: as one year ("in 2014 alone", "именно в 2014 году", "за 2014 год"), as where a
# period starts ("since 2008", "с 2008-го", "starting in 2008") or where it ends ("up to 2014", "до 2014").
YEAR_SINCE = frozenset({"since", "from", "after", "starting", "beginning", "с", "со", "после", "начиная"})
YEAR_UNTIL = frozenset({"until", "till", "before", "by", "до", "по"})
YEAR_ALONE = frozenset({"in", "for", "during", "в", "во", "за"})


# A duration named as where it ends: "after the 25 years", "once its 25-year term", "по истечении 25 лет", "через
# 25 лет", "когда истекут 25 лет", "before the 25 years are up" (what comes after it, or leaving it early).
_TERM_END = re.compile(
    r"\b(?:after|once|beyond|past|before|после|через|истечении|истечения|окончании|окончания|истекут|истечет|"
    r"пройдут|закончатся)\s+(?:(?:the|its|this|that|all|those|these|этих|всех)\s+)?(\d+)(?!\d)"
    r"|\b(\d+)(?:\s*-?\s*(?:years?|year-long|лет|летн\w*|год\w*))?\s+(?:are up|run out|runs out|expire|expires|"
    r"end|ends|are over|истекут|истечет|пройдут|закончатся)\b")


def term_ends(text: str) -> frozenset[str]:
    """The numbers ``text`` (normalised) names as where a duration ends (see ``_TERM_END``)."""
    return frozenset(a or b for a, b in _TERM_END.findall(text))


def is_year(word: str) -> bool:
    """Whether ``word`` is a year of the article's time (four digits, 19xx or 20xx)."""
    return len(word) == 4 and word.isdigit() and word[:2] in ("19", "20")


def measures(every: Sequence[str], ordinal: Collection[str]) -> frozenset[tuple[str, str]]:
    """(number, unit) of each number but a year or an ``ordinal`` that a concept follows, in a text's terms in
    order ("for 10 years": ("10", "#year")): a figure of that unit, which an entry counting in it can confirm
    or correct."""
    return frozenset((n, u) for n, u in pairwise(every)
                     if n.isdigit() and not is_year(n) and n not in ordinal and u.startswith("#"))


def year_roles(words: Sequence[str]) -> dict[str, str]:
    """Each year among ``words`` (a question's tokens) that a word before it places: "since", "until" or
    "alone" (see above); a year with no such word has no role."""
    roles: dict[str, str] = {}
    for k, w in enumerate(words):
        if not is_year(w):
            continue
        before, earlier = (words[k - 1] if k else ""), (words[k - 2] if k > 1 else "")
        if before in YEAR_SINCE or (before in YEAR_ALONE and earlier in YEAR_SINCE):
            roles[w] = "since"
        elif before in YEAR_UNTIL or (before == "to" and earlier == "up"):
            roles[w] = "until"
        elif before in YEAR_ALONE:
            roles[w] = "alone"
    return roles


# A Russian adjective's endings: "какой *американский* чиновник" (a noun ends the phrase before the person:
# "какой совет пресс-секретарь дал?" asks for the advice)
_ADJECTIVE_RU = re.compile(r"(?:ий|ый|ой|ая|яя|ое|ее|ие|ые|ого|его|ому|ему|ым|им|ую|юю|ых|их|ыми|ими)$")
_CYRILLIC = re.compile(r"[а-я]")


def asks_for_person(words: Sequence[str], heads: Collection[str], is_person: Callable[[str], bool],
                    is_stop: Callable[[str], bool], window: int, phrase_words: int) -> bool:
    """Whether a sentence's ``words`` ask which person: a head word ("which", "какой") among its first
    ``window`` words, then within ``phrase_words`` a word for a person, after modifiers alone ("Which EU
    official commented?", "какой американский чиновник отверг?"), not after a function word ("what did the
    leaders discuss?") or a Russian noun."""
    for i, w in enumerate(words[:window]):
        if w not in heads:
            continue
        for nxt in words[i + 1 : i + 1 + phrase_words]:
            if is_person(nxt):
                return True
            if is_stop(nxt) or (_CYRILLIC.search(nxt) and not _ADJECTIVE_RU.search(nxt)):
                return False
        return False
    return False

