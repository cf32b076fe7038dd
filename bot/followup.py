"""How a follow-up reads with the conversation's last answer (pure).

``Conversation`` decides *whether* a message leans on its context and which reading answers; this module
holds the readings themselves: whether a message cannot stand alone (``leans_on_context``), and the
meaning it takes with the earlier question (``with_context``: named things carried over, the whole earlier
question, or its words substituted), plus the small predicates both use ("and ...", "it", names only).
Follow-ups that read nothing new are answered with the last answer's related questions: "what else?"
(``more``), "why?" (``why``, declined: the article seldom gives reasons) and any other question with
nothing to ask about ("how exactly?": ``asked_nothing``, declined). "In Russian, please" gives the last
answer again in that language (``in_language``).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from functools import cached_property
from typing import Literal

from bot.analysis import STATEMENT
from bot.choosing import DECLINED_FOR_CAUSE
from bot.contexts import Context
from bot.knowledge import Entry
from bot.lexicon import LANGS
from bot.lookups import YEAR_ASKED
from bot.matching import (
    COMMON_SHARE,
    GENERIC_SHARE,
    Analysis,
    Candidate,
    Matcher,
    Outcome,
    tokens,
)
from bot.message_parts import joined_names
from bot.named_roles import REPLY, speaker, tells_of_saying
from bot.people import People
from bot.words import CYRILLIC

# "this year", "в этом году": the present time ("that year" points back at one named before)
_THEY = frozenset({"they", "them", "their", "theirs", "они", "их", "им", "ними", "них"})  # a party, not a thing
_THIS = frozenset({"this", "этот", "этом", "этой", "эту", "этого"})
_NOW = re.compile(r"(?:year|month|week|time|году|год|месяце|месяц|неделе|неделю|раз)$")
FOLLOWUP_MAX_WORDS = 8  # a longer message is a question of its own
PRONOUN_MAX_WORDS = 14  # ... unless it says "he"/"she" without naming anyone: that points back at any length
IDENTITY = "#identity"  # "who is", "кто такой": a question about a person's identity, no other subject
ANSWERED = frozenset({"him", "ему", "нему", "ей", "ней"})  # the person a reply is given to ("reply to him")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")  # a year an answer states
BARE_FOLLOWUP_WORDS = 3  # "Wages?", "2016?", "pensioners too?": a topic alone, asked of the last answer
Reading = Literal["named", "broad", "substitute"]  # how a follow-up takes the earlier question (``with_context``)


class FollowUps:
    """The readings of a message with its conversation's context (see the module docstring)."""

    def __init__(self, matcher: Matcher, people: People) -> None:
        self.matcher = matcher
        lex = matcher.kb.lexicon
        self.openers = lex.followup
        self.pronouns = lex.pronouns
        self.person_pronouns = lex.person_pronouns
        self.more_words = lex.more
        self.reasons = sorted(lex.reasons, key=len, reverse=True)  # "how come" before a word of it
        self.answer_in = lex.answer_in
        self.people = people
        self.persons = people.ids

    def leans_on_context(self, a: Analysis, context: Context, joined: bool = False) -> bool:
        """A message that cannot stand alone: short, and opening with "and"/"а", pointing back with a
        pronoun, or naming nothing but a question type or a name ("when?", "and Tibilov?")."""
        words = a.text.split()
        he_she = any(w in self.person_pronouns for w in tokens(a.text)) and not self.persons.intersection(a.terms)
        if not words or len(words) > (PRONOUN_MAX_WORDS if he_she else FOLLOWUP_MAX_WORDS):
            return False
        if not a.terms and a.qtype is None and not he_she:
            return False  # "ok", "thanks", "hmm": nothing to ask about ("а что он сказал?" asks about him)
        if a.unknown and not (he_she and self.persons_of(context, a)) and not (
                a.qtype and not a.terms and self.points_back_at_things(a)):
            # "how tall is Lavrov?": a new subject. "And what did he tell the ceremony?" after a question about
            # one person is about him, "а кто на это обратил внимание?" asks who of "это": read with the context.
            return False
        # Nothing but names ("and Tibilov?"), a question type ("when?", "what day?", "в каком году?"), or a
        # bare topic the lexicon knows or a number ("Wages?", "2016?", "pensioners too?")
        own = self.own_terms(a)
        bare = (all(t in a.entities for t in a.terms) or (a.qtype is not None and not own)
                # "In force since when?", "signed where?": a question type and one thing the lexicon knows
                or (len(words) <= BARE_FOLLOWUP_WORDS + 1 and a.qtype is not None and len(own) == 1
                    and own[0].startswith("#"))
                or (len(words) <= BARE_FOLLOWUP_WORDS and a.qtype is None
                    and all((t.startswith("#") and t not in self.persons) or t.isdigit() for t in a.terms)))
        return joined or self.opens(a) or self.points_back(a) or bare

    @staticmethod
    def after(text: str, before: str) -> str:
        """What follows ``before`` in ``text``, without the colon or dash that ended it."""
        return text[text.find(before) + len(before):].lstrip(" :—–-").strip()

    def generic_only(self, a: Analysis) -> bool:
        """Words most entries have ("the treaty", "Russia") or that frame the rest ("in short, who ...?")."""
        share, framing = self.matcher.index.df_share, self.matcher.analyzer.framing_concepts
        return bool(a.terms) and all(share.get(t, 0.0) > GENERIC_SHARE or t in framing for t in a.terms)

    def opens(self, a: Analysis) -> bool:
        """It opens with "and", "what about", "а"..."""
        words = a.text.split()
        return bool(words) and (words[0] in self.openers or " ".join(words[:2]) in self.openers)

    def only_names(self, a: Analysis) -> bool:
        """Nothing but names ("Tibilov?"), not a question about one ("What did the EU say?")."""
        return all(t in a.entities or t in self.persons for t in a.all_terms)

    @cached_property
    def joined_names(self) -> re.Pattern[str] | None:
        """Names with "and" in them, which a message of several questions is not split at (``parts``); made
        when a message first has parts (~5 ms: not at every start of ``treaty-bot ask``)."""
        lexicon = self.matcher.kb.lexicon
        named = joined_names([w for c in lexicon.concepts for w in c.words])
        # and two people joined: "how many hours did Putin and Tibilov talk?" is one question about both (a
        # question to each, "what did Putin and Tibilov say?", is asked of each all the same: ``_each_person``)
        # ... and the treaty's two sides ("are Russia and South Ossetia allies now?"): the parties people speak
        # for that are no named entity of their own
        analyzer = self.matcher.analyzer
        sides = analyzer.parties - analyzer.entity_ids
        pairs = []
        for group in (self.persons, sides):
            words = sorted({w for c in lexicon.concepts if "#" + c.id in group for w in c.words}, key=len, reverse=True)
            if words:
                one = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
                pairs.append(rf"\b(?:{one})\s+(?:and|и)\s+(?:{one})\b")
        if not pairs:
            return named
        pair = "|".join(pairs)
        return re.compile(f"{named.pattern}|{pair}" if named else pair, re.IGNORECASE)

    def names_only(self, a: Analysis) -> bool:
        """Nothing but names, a party the article's sides are counted as one ("Mogherini?", "the Russian one?")."""
        parties = self.matcher.analyzer.parties
        return bool(a.terms) and not a.unknown and all(t in a.entities or t in self.persons or t in parties
                                                        for t in a.terms)

    def most_specific(self, terms: list[str]) -> list[str]:
        """The rarest concept of ``terms`` (by the index's IDF) alone: what a follow-up adds above all ("how
        much of that went to *pensions*?"); ``terms`` themselves when none is a concept."""
        concepts = [t for t in terms if t.startswith("#")]
        return [max(concepts, key=lambda t: self.matcher.index.idf.get(t, 0.0))] if concepts else terms

    def points_back(self, a: Analysis) -> bool:
        """Whether ``a`` has a word pointing back ("it", "she", "that one"); not "this" of the present time
        ("this year", "в этом году"), which points at now, not at the earlier answer."""
        words = tokens(a.text)
        return any(w in self.pronouns and not (w in _THIS and k + 1 < len(words) and _NOW.match(words[k + 1]))
                   for k, w in enumerate(words))

    def points_back_at_things(self, a: Analysis) -> bool:
        """A pronoun for a thing ("it", "это") besides the one for a person."""
        return any(w in self.pronouns and w not in self.person_pronouns for w in tokens(a.text))

    def own_terms(self, a: Analysis) -> list[str]:
        """The follow-up's words that are neither named things nor people, nor part of its question type
        ("а в каком году?" asks when, about what was asked before)."""
        asked = self.matcher.analyzer.asked_terms(a.text)
        return [t for t in a.terms if t not in a.entities and t not in self.persons and t not in asked]

    def persons_of(self, context: Context, a: Analysis | None = None, several: bool = False) -> list[str]:
        """The people the earlier exchange was about, of the gender of ``a``'s pronoun (``bot.people``)."""
        gender = self.people.gender_of(a.text) if a is not None else None
        found = self.people.of(context.analysis.terms, context.entry_id, context.lang, gender, several)
        # else those named before whom the last answer is not about ("how old is he?" two answers on)
        return found or [p for p in context.people if self.people.fits(p, gender)][: None if several else 1]

    def with_context(self, a: Analysis, context: Context, way: Reading = "named",
                      persons_too: bool = True) -> Analysis:
        """The follow-up's meaning completed by the earlier question's: its own question type, named things
        and words win. When it has words of its own ("and when was it *signed*?") only the earlier named
        things carry over (for "he"/"she", the earlier person); ``way`` "broad": the whole earlier question;
        "substitute": the earlier question with the follow-up's words in place of its own specific words and
        numbers, and its question type. When it has none ("and where?", "who said that?") the earlier does."""
        before = context.analysis
        own, sides = self.sides_apart(self.own_terms(a), before)
        own, a = self._kind_only(own, a)
        named = a.entities | (self.persons & set(a.terms)) | sides
        # "а кто это?", "кто это сказал?": who is asked of the person the answer named, as with "he"/"she"
        he_she = any(w in self.person_pronouns for w in tokens(a.text)) or (IDENTITY in a.terms and not named)
        persons = self.persons_of(context, a, several=True) if he_she and persons_too else []
        if own:
            if persons and (not self.persons.intersection(named) or self.answered(a)):
                kept = persons  # "what did he recommend to the US?": him, and the thing named
            elif named:
                kept = []
            elif way == "broad":
                kept = list(before.terms)  # "and what was it called?": "it" is what was asked about before
            elif way == "substitute":
                kept = self.substituted(a, before)
            else:
                kept = sorted((before.entities - self._not_it(a, persons)) | self.persons.intersection(before.terms)
                              | self.answered_about(a, context))
        elif persons and not self.persons.intersection(named):
            # "what did she say?": about her, not about whatever was asked of her before; "what did he tell
            # the US?": him, and the thing named; "where did she say it?": her, and "it", what was asked
            # "Who announced the money?" then "how much did he say?": he comes from the answer, and the
            # earlier question is about a thing, which stays
            about_things = self.points_back_at_things(a) or not self.persons.intersection(before.terms)
            kept = [*persons, *before.terms] if about_things else persons
        else:
            # "and Tibilov?" after a question about Putin: the new name replaces the old one.
            kept = [t for t in before.terms if not (named and (t in before.entities or t in self.persons))]
            a = self._speaking_instead(a, before, named)
        # The words of its question type ("в каком году", "what day") are said by the type itself; the earlier
        # question's words that asked for another type ("what *date*?" then "where?") asked for its answer.
        asked = self.matcher.analyzer.asked_terms(a.text) if a.qtype else frozenset()
        asks_for = self.matcher.analyzer.asks_for
        if a.qtype and before.qtype and a.qtype != before.qtype:
            kept = [t for t in kept if asks_for.get(t) != before.qtype]
        if a.partner:  # "who did he sign it with?": not him, whoever was with him
            kept = [t for t in kept if t not in self.persons]
        terms = tuple(dict.fromkeys((*(t for t in a.terms if t not in asked), *kept)))
        entities = frozenset(t for t in terms if t in self.matcher.analyzer.entity_ids)
        numbers = frozenset(t for t in terms if t.isdigit())
        # "and the Kremlin?" after "who commented for the US?" asks who again; a bare "Abkhazia?" asks about it
        # ... but not "and what did Tibilov say?" after where it was signed: what someone said is its own question
        keeps_type = not a.terms or (not own and self.opens(a) and not a.speaker) or (own and way == "substitute")
        # "what did Putin say?" then "how did he describe it?": he is the one asked to have said it
        said_by = a.speaker or (persons[0] if len(persons) == 1 and speaker(a.text, str, self.person_pronouns)
                                else None)
        qtype = a.qtype or (before.qtype if keeps_type else None)
        return replace(a, terms=self._stated(terms, said_by, qtype), entities=entities, numbers=numbers,
                       speaker=said_by, qtype=qtype)

    def _speaking_instead(self, a: Analysis, before: Analysis, named: frozenset[str]) -> Analysis:
        """``a`` with the one person it names as the speaker in place of the earlier one ("what did Putin say?"
        then "and Tibilov?"); not one it says was spoken to ("did he say anything to Mogherini?" is still the
        earlier speaker's words)."""
        if before.speaker in self.persons and len(named) == 1 and named <= self.persons and not a.speaker \
                and a.addressee not in named:
            return replace(a, speaker=next(iter(named)))
        return a

    def _stated(self, terms: tuple[str, ...], said_by: str | None, qtype: str | None) -> tuple[str, ...]:
        """``terms`` of a follow-up asking where or when someone said something ("where did she say it?"):
        of their statement, not of who they are; others as they are."""
        if said_by is None or not self.matcher.analyzer.states(qtype):
            return terms
        return (*(t for t in terms if t != IDENTITY), STATEMENT)

    def _not_it(self, a: Analysis, persons: list[str]) -> frozenset[str]:
        """The parties the article hears from, when ``a`` points back with "it" ("and who signed it?" after
        what the US said: the treaty, not the US), or with a Russian "его" when it means no one; none when
        "they"/"them" may be such a party ("who made that statement for them?")."""
        words = tokens(a.text)
        it = self.points_back_at_things(a) or (
            not persons and any(w in self.person_pronouns and CYRILLIC.search(w) for w in words))
        return self.matcher.lookups.heard() if it and _THEY.isdisjoint(words) else frozenset()

    def _kind_only(self, own: list[str], a: Analysis) -> tuple[list[str], Analysis]:
        """(own words, reading) of a follow-up whose own words only name a kind of answer ("is there a
        date?", "the amount?"): none, and it asks as its question type does ("when?", "how much?"), of what was
        asked before; not when it asks what someone said of it ("what did she say about the date?")."""
        asks_for = self.matcher.analyzer.asks_for
        if (own and a.qtype is None and all(t in asks_for for t in own) and not tells_of_saying(a.text)
                and self.person_pronouns.isdisjoint(tokens(a.text))):
            return [], replace(a, qtype=asks_for[own[0]])
        return own, a

    @staticmethod
    def answered(a: Analysis) -> bool:
        """Whether ``a`` asks of a reply given to "him"/"ему" ("did Psaki reply to him?"): the person the
        pronoun points back to is the one answered, though another is named."""
        return REPLY.search(a.text) is not None and not ANSWERED.isdisjoint(tokens(a.text))

    def sides_apart(self, own: list[str], before: Analysis) -> tuple[list[str], frozenset[str]]:
        """(a follow-up's own words, the sides among them). Own words that only name sides where the earlier
        question named a thing ("and the South Ossetian one?" after the Abkhazia treaty) are named things in
        place of that one, not words of their own."""
        parties = self.matcher.analyzer.parties
        if own and before.entities - self.persons and all(t in parties and t not in before.terms for t in own):
            return [], frozenset(own)
        return own, frozenset()

    def subject_of(self, told: Analysis, lang: str) -> Context | None:
        """The subject a sentence that tells names, though it is no question the article answers ("there was
        news about Abkhazia too."): its closest fact naming every named thing it names, as the context of
        the questions after it ("when was that one signed?"); None when no close fact names them all."""
        holders, entries = self.matcher.lookups.holders, self.matcher.kb.entries
        for c in self.matcher.rank(told)[:3]:
            if c.entry.kind == "fact" and all(any(entries[i] is c.entry for i in holders(t)) for t in told.entities):
                return Context(c.entry.id, told, lang, time.monotonic())
        return None

    def in_place_of(self, a: Analysis, context: Context, lang: str) -> Outcome | None:
        """"And the Russian one?" after "who is the president of South Ossetia?": the earlier question asked
        again with the party the message names in place of the one it named, when that one was part of a
        phrase naming someone else (the president of South Ossetia: Tibilov), so that no swap of terms can
        undo it. The party is put in the earlier question as the message says it, else as the lexicon
        does, until it takes the place the other one had in such a phrase; when no word of it does, the
        question as the message says it decides ("and the American one?": no American president is named).
        None for any other message, or when the question so asked is not answered."""
        analyzer = self.matcher.analyzer
        named = a.terms[0] if len(a.terms) == 1 else None
        before = context.analysis
        if (named not in analyzer.parties or a.qtype or a.unknown or a.speaker or named in before.terms
                or self.points_back(a) or len(tokens(a.text)) > FOLLOWUP_MAX_WORDS):  # "what did he say about Russia?"
            return None
        words = tokens(before.text)
        said = [w for w in tokens(a.text) if analyzer.terms_of(w)[0] == [named]]
        for start, end in self._spans(words):
            if not (analyzer.terms_of(words[start])[0] and analyzer.terms_of(words[end - 1])[0]):
                continue  # a run from one word that means something to another ("is the Russian": "Russian")
            old = analyzer.terms_of(" ".join(words[start:end]))[0]
            if len(old) != 1 or old[0] == named or old[0] not in analyzer.parties or old[0] in before.terms:
                continue
            readings = [analyzer.analyse(" ".join([*words[:start], form, *words[end:]]), before.lang)
                        for form in dict.fromkeys([*said, *self.forms_of(named)])]
            taken = [r for r in readings if named not in r.terms and not r.unknown and r.terms != before.terms]
            reading = taken[0] if taken else readings[0] if said else None
            if reading is None:
                return None
            outcome = self.matcher.decide(replace(reading, qtype=reading.qtype or before.qtype), lang)
            if outcome.status == "answered" and outcome.entry is not None:
                return replace(outcome, resolved=outcome.entry.title(outcome.lang))
            return outcome if not taken and outcome.reason in DECLINED_FOR_CAUSE else None
        return None

    @staticmethod
    def _spans(words: list[str], longest: int = 3) -> list[tuple[int, int]]:
        """Every run of one to ``longest`` words, longest first."""
        return [(i, i + n) for n in range(longest, 0, -1) for i in range(len(words) - n + 1)]

    def forms_of(self, concept: str) -> list[str]:
        """A concept's words in the lexicon, as its entry lists them."""
        return self._forms.get(concept, [])

    @cached_property
    def _forms(self) -> dict[str, list[str]]:
        return {f"#{c.id}": list(c.words) for c in self.matcher.kb.lexicon.concepts}

    def answered_about(self, a: Analysis, context: Context) -> frozenset[str]:
        """The named things the earlier answer is about (its entry's tags), when the earlier question named
        none and the follow-up points back at a thing: "с кем ещё Россия подписала похожий договор?" (Abkhazia)
        then "who signed it there?"."""
        if context.analysis.entities or not self.points_back_at_things(a):
            return frozenset()
        entities = self.matcher.analyzer.entity_ids
        return frozenset(t for tag in self.matcher.kb.by_id[context.entry_id].tags if (t := f"#{tag}") in entities)

    def asked_of_the_answer(self, a: Analysis, context: Context) -> Analysis:
        """The follow-up's question type asked of the earlier answer's subject: its entry's title."""
        title = self.matcher.kb.by_id[context.entry_id].title(context.lang)
        subject = self.matcher.analyzer.analyse(title, context.lang)
        terms = tuple(dict.fromkeys((*a.terms, *subject.terms)))
        return replace(a, terms=terms, entities=frozenset(t for t in terms if t in self.matcher.analyzer.entity_ids))

    def substituted(self, a: Analysis, before: Analysis) -> list[str]:
        """The earlier question's terms that an elliptic follow-up keeps: its numbers give way to the
        follow-up's numbers or to a time relative to it ("and before that?"), its specific words (those that
        pick entries out) to the follow-up's words."""
        own = [t for t in self.own_terms(a) if not t.isdigit()]
        # "а раньше?" after the money of 2016: another time, of the same subject
        periods = self.matcher.analyzer.period_concepts
        timed = bool(own) and periods.issuperset(own)
        if timed:
            own = []
        specific = self.matcher.index.df_share
        kept = []
        for t in before.terms:
            if t.isdigit() and (a.numbers or timed):
                continue
            if a.numbers and t in periods:  # "and in 2016?" after the money given before: the year in its place
                continue
            if own and t not in before.entities and t not in self.persons and not t.isdigit() \
                    and specific.get(t, 0.0) <= COMMON_SHARE:
                continue
            kept.append(t)
        return kept

    # --- follow-ups answered with the last answer's related questions ----------------------------------

    def more(self, a: Analysis, context: Context, lang: str) -> Outcome | None:
        """"What else?", "tell me more", "а ещё?": more of what the last answer was about, so its related
        questions are offered (not the friendly line for a message with nothing to ask). None for a message
        that asks anything besides (its words without the lexicon's ``[more]`` words have a term or a word
        the knowledge base lacks), and when the last answer relates to nothing."""
        words = tokens(a.text)
        if (self.more_words.isdisjoint(words) or len(words) > FOLLOWUP_MAX_WORDS
                or not self.person_pronouns.isdisjoint(words)):
            return None  # "what else did he say?" is asked of him (``Conversation._followed``)
        if not self._asks_nothing_besides(" ".join(w for w in words if w not in self.more_words), a.lang):
            return None
        related = self._related(context)
        if not related:
            return None
        return Outcome("clarify", lang, 1.0, candidates=tuple(Candidate(e, 1.0) for e in related), reason="more",
                       analysis=a)

    def why(self, a: Analysis, context: Context, lang: str) -> Outcome | None:
        """"Why?", "how come?", "а почему?" after an answer, asking nothing besides (the lexicon's
        ``[reasons]``): the article seldom gives reasons, so it is declined with the last answer's related
        questions, not given the friendly line for a message with nothing to ask. None for any other."""
        words = tokens(a.text)
        if len(words) > BARE_FOLLOWUP_WORDS + 1:
            return None
        text = f" {' '.join(words)} "
        found = [r for r in self.reasons if f" {r} " in text]
        if not found or not self._asks_nothing_besides(text.replace(f" {found[0]} ", " "), a.lang):
            return None
        before = self.matcher.kb.by_id[context.entry_id]
        return Outcome("unknown", lang, 0.0, suggestions=self._related(context) or (before,), reason="unsure",
                       analysis=a)

    def in_language(self, a: Analysis, context: Context) -> Outcome | None:
        """"In Russian, please", "а по-английски?" after an answer: that answer again, in the language asked
        for (a near miss's reply too). None for any other message."""
        lang = self.language_asked(a.text)
        entry = self.matcher.kb.by_id.get(context.entry_id)
        if lang is None or entry is None:
            return None
        if entry.kind == "gap":
            return Outcome("unknown", lang, 1.0, suggestions=self._related(context), gap=entry, reason="gap",
                           analysis=context.analysis)
        return self._again(entry, lang, context, "language")

    def year_given(self, a: Analysis, context: Context, lang: str) -> Outcome | None:
        """"А на какой год?", "which year?" after an answer that states a year ("1 billion rubles in 2016"):
        that answer again, which says it. None for any other message, and when the answer states none (the
        signing's date has no year: a near miss, as the question read with its context says)."""
        entry = self.matcher.kb.by_id.get(context.entry_id)
        if entry is None or entry.kind != "fact" or a.terms != (YEAR_ASKED,) or a.qtype not in (None, "when") \
                or a.unknown:
            return None
        return self._again(entry, lang, context, "match") if _YEAR.search(entry.en.answer) else None

    def _again(self, entry: Entry, lang: str, context: Context, reason: str) -> Outcome:
        """The last answer (``entry``) given again, in ``lang``."""
        return Outcome("answered", lang, 1.0, entry=entry, suggestions=self.matcher.related(entry), reason=reason,
                       analysis=context.analysis, resolved=entry.title(lang))

    def gives_year(self, entry_id: str, terms: list[str]) -> bool:
        """Whether ``terms`` ask which year and the entry's answer states one ("in 2016": no word "year")."""
        entry = self.matcher.kb.by_id.get(entry_id)
        return YEAR_ASKED in terms and entry is not None and _YEAR.search(entry.en.answer) is not None

    def first_in_language(self, outcome: Outcome) -> Outcome | None:
        """"In Russian, please" before any answer (``outcome``: the message read alone): the line for a message
        with nothing to ask, in that language. None for any other message."""
        lang = self.language_asked(outcome.analysis.text) if outcome.analysis is not None else None
        return None if lang is None else Outcome("unknown", lang, 0.0, reason="no_content", analysis=outcome.analysis)

    def language_asked(self, text: str) -> str | None:
        """The language a message asks the answer in, when it asks nothing else (the lexicon's ``[answer_in]``
        phrases, its ``requests`` words and stop words besides): "answer in English please" -> "en"."""
        words = tokens(text)
        if not words or len(words) > FOLLOWUP_MAX_WORDS:
            return None
        spaced = f" {' '.join(words)} "
        found = [(lang, p) for lang in LANGS for p in self.answer_in.get(lang, ()) if f" {p} " in spaced]
        if len({lang for lang, _ in found}) != 1:
            return None  # none, or both ("in english or in russian?")
        lang, phrase = max(found, key=lambda f: len(f[1]))
        rest = spaced.replace(f" {phrase} ", " ", 1).split()
        allowed = self.answer_in.get("requests", frozenset())
        return lang if all(w in allowed or w in self.matcher.analyzer.stopwords for w in rest) else None

    def asked_nothing(self, outcome: Outcome, context: Context) -> Outcome:
        """``outcome`` (a question with nothing to ask about, after an answer) as a decline that offers the
        last answer's related questions, as ``why`` does (and so it reaches /unanswered)."""
        before = self.matcher.kb.by_id.get(context.entry_id)
        related = self._related(context) if before is not None else ()
        return replace(outcome, suggestions=related or ((before,) if before is not None else ()), reason="unsure")

    def _asks_nothing_besides(self, rest: str, lang: str | None) -> bool:
        read = self.matcher.analyzer.analyse(rest, lang)
        return not (read.terms or read.unknown or read.qtype is not None)

    def _related(self, context: Context) -> tuple[Entry, ...]:
        before = self.matcher.kb.by_id[context.entry_id]
        return tuple(e for e in self.matcher.related(before) if e is not before)
