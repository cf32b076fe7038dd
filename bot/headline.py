"""The article as the subject of a question that names nothing else (pure).

Everyone here asks about one article, so "when did this happen?", "where was it?", "кто это сделал?" are
questions about what its headline says, not small talk. A message whose words are only what it asks
(who, when, where, how many) and words that name nothing, with no conversation it could lean on, is
asked of the headline in the message's language. Not a message with a word the knowledge base does not
know ("how high is Mount Elbrus?" names something: another subject), not one without a question type
("why?" names no part of the event), not one that opens as a follow-up ("and where?" leans on an earlier
question that is gone: the conversation decides that, not this), and only when the headline's reading
is answered: otherwise the message keeps its own outcome. The same holds for the first of several
questions in one message ("when did it happen? and where?"), when it is a question of its own (it ends
with a question mark), not the first words of a longer one ("На кого, по мнению лидера, ...?").

A first message that points at a thing ("for how many years is it?", "на сколько лет эта штука?") and that
the matcher is unsure of is asked again with the headline's words that fit everything (the treaty, the two
parties) added to its own: "it" is the article's subject when nothing came before, not its signing ("who
benefits from it?" is no question about who signed). After an answer, "it" is what that answer was about.
Not when the message alone is nearly sure to be declined (``HEADLINE_FLOOR``): the subject's words fit every fact;
nor when it asks the bot itself ("ты кто вообще?").
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.matching import GENERIC_SHARE, Matcher, Outcome
from bot.words import strip_address, tokens

EMPTY_REASONS = frozenset({"empty", "no_content"})
# An unsure reading below this probability is declined with the subject added or not: the subject's words fit
# every fact, so adding them makes some fact surer without making it answer what was asked ("сколько это денег
# на каждого жителя?" went from 0.22 to the money overview at 0.76; of the labelled sets' messages the subject
# rightly completes, the least sure was at 0.39).
HEADLINE_FLOOR = 0.3
_WHO_ARE_YOU = re.compile(r"\b(?:кто|who)\s+(?:are\s+)?(?:ты|вы|you)\b|\b(?:ты|вы|you)\s+(?:кто|who)\b")


def of_headline(matcher: Matcher, outcome: Outcome, alone: bool = True) -> Outcome:
    """``outcome`` of a message that names nothing, or (``alone``: no conversation before it) points at a
    thing and is unsure, read as asked of the article's headline when that answers it; else as it is."""
    a = outcome.analysis
    if a is None or a.unknown or a.qtype is None or asks_the_bot(a.text):
        return outcome  # (a question to the bot itself, "ты кто вообще?", is not about the article)
    lexicon = matcher.kb.lexicon
    at_thing = not (lexicon.pronouns - lexicon.person_pronouns).isdisjoint(tokens(a.text))
    names_nothing = outcome.reason in EMPTY_REASONS and not a.terms
    if not names_nothing and not (alone and outcome.reason == "unsure" and at_thing
                                  and outcome.score >= HEADLINE_FLOOR):
        return outcome
    title = matcher.kb.article.title(outcome.lang)
    headline = matcher.analyzer.analyse(title, outcome.lang)
    if names_nothing:
        asked = matcher.decide(replace(a, terms=headline.terms, entities=headline.entities), outcome.lang)
    else:  # with its own words, the headline's that fit everything: "it" is the treaty, not its signing
        share = matcher.index.df_share
        subject = [t for t in headline.terms if share.get(t, 0.0) > GENERIC_SHARE]
        asked = matcher.decide(replace(a, terms=tuple(dict.fromkeys((*a.terms, *subject)))), outcome.lang)
    if asked.status != "answered" or asked.entry is None:
        return outcome
    return replace(asked, resolved=asked.entry.title(asked.lang))


def opening_question(text: str, piece: str) -> bool:
    """Whether the message ``text`` opens with ``piece`` as a question of its own: a question mark follows it."""
    rest = strip_address(text).lstrip()
    return rest.startswith(piece) and rest[len(piece):].lstrip().startswith("?")


def asks_the_bot(text: str) -> bool:
    """Whether ``text`` (normalised) asks the bot who it is ("ты кто вообще?", "who are you"): not about the
    article's headline, nor about the last answer."""
    return _WHO_ARE_YOU.search(text) is not None
