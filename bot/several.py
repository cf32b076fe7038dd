"""Several questions in one message (pure): "who signed it and when?", "pensions and salaries?".

The message is cut into pieces (``bot.message_parts``: at question marks, "and"/"и", commas, sentences); each
piece that asks (or is a bare topic) is read as a question of its own by the conversation, in the context the
pieces before it leave, and the reply answers each, names a part the article does not cover, and says what
it says instead for a part that is a sure near miss. Background ("I read the news about it") is neither
answered nor reported, but a sentence that tells may name the subject of the questions after it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.choosing import DECLINED_FOR_CAUSE
from bot.contexts import Context
from bot.headline import of_headline, opening_question
from bot.knowledge import Entry
from bot.matching import Analysis, Outcome, strip_address, tokens
from bot.message_parts import closes_question, later_clause, listed, opens_list, own_sentence, parts
from bot.outcomes import SURE_NEAR_MISS, combined

if TYPE_CHECKING:
    from bot.conversation import Conversation

MAX_PARTS = 3
# pieces a message of several questions may have: its questions and the background around them ("Живу в
# Джаве, мне 70 лет. Телевизор сломался, ... Этот союз надолго? И когда он заработает?")
MAX_PIECES = MAX_PARTS + 5
BARE_TOPIC_TERMS = 2  # a part with this few content words and no question word is a topic ("and salaries")
BARE_TOPIC_WORDS = 3  # ... and this few words: "the article mentions ratification" is a statement, not a topic
NOTHING = frozenset({"no_content", "empty"})  # declines of a message with nothing to ask about
CHATTER = NOTHING | {"small_talk"}  # parts of a message that ask nothing ("ok", "thanks", "понятно")


class SeveralQuestions:
    """Reads a message of several questions part by part, through its ``conversation`` (see the module)."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation

    def read(self, text: str, lang: str | None, fallback_lang: str, context: Context | None,
             whole: Outcome) -> Outcome | None:
        """The reply to a message of several questions: each part answered, the rest named; None when it is
        not one (one piece, or too many)."""
        conv = self.conversation
        addressed = strip_address(text)
        pieces = parts(addressed, conv.follow.joined_names)
        if len(pieces) < 2 or len(pieces) > MAX_PIECES:
            return None
        answered: list[Outcome] = []
        answered_piece: list[str] = []
        uncovered: list[str] = []
        explained: list[tuple[str, Entry]] = []  # not covered, and a gap entry says what the article does say
        chatter = 0  # parts that are small talk or say nothing ("ok", "thanks", "понятно")
        again = 0  # parts answered by the answer of a part before
        background = 0  # parts that tell, not ask, or name the subject the others ask about
        previous = context
        left_out = False  # the part before named something the article does not cover
        for piece, tells in pieces:
            # A part counts when it is a question itself or a bare topic ("pensions and salaries");
            # background ("I read the news about it") is neither answered nor reported.
            if piece.endswith(":") or opens_list(addressed, piece):
                continue  # a preface: "Two questions: 1) ... 2) ...", "I need (1) ..."
            read = conv.matcher.analyzer.analyse(piece)
            asks = self._asks(addressed, piece, read, previous is not context)
            if not asks and (len(read.terms) > BARE_TOPIC_TERMS
                             or len(tokens(piece)) > BARE_TOPIC_WORDS
                             or (read.terms and conv.follow.only_names(read)) or conv.follow.generic_only(read)):
                # background ("The article mentions ratification"), a name joined to the part before ("talks
                # of Putin and Tibilov"), or the subject the other parts ask about ("OK, the treaty now. Who signed it")
                background += tells or conv.follow.generic_only(read)
                if tells:  # what it tells, or a thing it names, is what the questions after it ask about
                    previous = self._told(piece, read, lang, whole.lang, previous, context)
                continue
            outcome = conv.one(piece, lang, whole.lang, previous, joined=previous is not context)
            outcome = self._leaning(outcome, read) if left_out else outcome
            left_out = self._left_out(outcome)
            clause = tells and later_clause(addressed, piece)  # "Я слышал, *что у Абхазии есть договор*. Когда он..?"
            if tells and (not asks or clause) and outcome.reason not in CHATTER:  # said, not asked: "The US
                background += 1  # commented, the EU commented. But what did Georgia say?"; a clause names the subject
                previous = (conv.context_after(outcome) if clause else None) or previous
                continue
            if previous is None and opening_question(text, piece) and not conv.follow.opens(read):
                outcome = of_headline(conv.matcher, outcome)  # "when did it happen? and where?"
            if outcome.status == "answered" and outcome.entry is not None and outcome.reason != "small_talk":
                if all(o.entry != outcome.entry for o in answered):
                    answered.append(outcome)
                    answered_piece.append(piece)
                else:  # answered as a part before was ("how much, and for which year?")
                    again += 1
                previous = conv.context_after(outcome) or previous
            elif outcome.reason in CHATTER:
                chatter += 1
            elif outcome.reason == "gap" and outcome.gap is not None and outcome.score >= SURE_NEAR_MISS:
                # "...and when will it take effect?": what the article says instead (a sure near miss only)
                explained.append((piece, outcome.gap))
            else:  # a question, or a bare topic ("...pensions and salaries"): named as not found
                uncovered.append(piece)
        quiet = chatter + background == len(pieces) - 1  # every other part says nothing or tells
        return combined(text, whole, answered[:MAX_PARTS], answered_piece, uncovered, quiet, again, explained)

    def _told(self, piece: str, read: Analysis, lang: str | None, reply_lang: str, previous: Context | None,
              context: Context | None) -> Context | None:
        """The context a sentence that tells leaves for the parts after it: its answer's ("Putin promised more
        money. How much?"), else (when nothing before it in the message named one) the entity it names, else
        the one before. One naming no entity sets no subject after a piece before did ("news about Abkhazia.
        I think it was an alliance too. When was it signed?" asks of Abkhazia's)."""
        if not read.entities and previous is not context:
            return previous
        conv = self.conversation
        told = conv.one(piece, lang, reply_lang, previous, joined=previous is not context)
        if told.status == "answered":
            return conv.context_after(told) or previous
        if not read.entities:
            return previous
        return (conv.follow.subject_of(read, reply_lang) if previous is context else None) or previous

    @staticmethod
    def _left_out(outcome: Outcome) -> bool:
        """Whether a part was declined for naming what the article does not cover: a thing it names that no
        entry near it does (Abkhazia's government), or a name the base does not know ("Transnistria")."""
        a = outcome.analysis
        return outcome.status == "unknown" and a is not None and (
            bool(a.unknown_names) or (outcome.reason in DECLINED_FOR_CAUSE and bool(a.entities)))

    def _leaning(self, outcome: Outcome, read: Analysis) -> Outcome:
        """``outcome`` of a part after one that named what the article does not cover ("How big is Abkhazia's
        army? and who is their president?"): declined when it names nothing of its own and points back."""
        if read.entities or self.conversation.follow.pronouns.isdisjoint(tokens(read.text)):
            return outcome
        return replace(outcome, status="unknown", reason="unsure", entry=None)

    def _asks(self, addressed: str, piece: str, read: Analysis, after_subject: bool) -> bool:
        """Whether ``piece`` of the message ``addressed`` asks: "whn was it signed?" does, misspelt; so does a
        sentence of its own closed by "?" ("Tibilov said something at the signing?"), or a clause so closed
        whose subject is a pronoun ("... и он вообще действует?"). ``after_subject``: a piece before it left a
        subject (answered, or told of it), so a sentence naming only names asks about them."""
        follow = self.conversation.follow
        return self.conversation.asks(piece) or read.qtype is not None or listed(addressed, piece) or (
            not follow.pronouns.isdisjoint(tokens(piece)[:2]) and closes_question(addressed, piece)) or (
            ((after_subject and follow.names_only(read)) or len(read.terms) > BARE_TOPIC_TERMS)
            and own_sentence(addressed, piece))
