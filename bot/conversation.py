"""A message in its conversation: follow-ups, several questions at once, other languages (pure).

``Conversation.answer`` is what every front end calls (the Telegram handlers, ``treaty-bot chat``,
``ask`` and ``eval``); it wraps ``Matcher.match`` with three things a single question does not need:

- **Follow-ups.** A message that cannot stand alone ("and where?", "who said that?", "а Песков?") is
  read together with the last question answered in the same conversation, when there is one and it is
  recent (``CONTEXT_SECONDS``): the new message's question type and named things replace the old ones,
  the rest of the old question's meaning is kept. A message that stands alone is matched alone, so a
  change of subject inherits nothing.
- **Several questions in one message** ("who signed it and when?", "pensions and salaries?"): the
  message is split at question marks, "and"/"и" and commas; when two or three parts each get their own
  answer, the reply answers each, and names a part the article does not cover (``bot.several``).
- **Russian in Latin letters** ("kto podpisal dogovor?") is read in Cyrillic (``bot.translit``).
- **Other languages**: a message in neither English nor Russian gets a note that the bot answers in those
  two, instead of a false "the article does not say".

What a conversation remembers (``Context``, ``Contexts``) is ``bot.contexts``; how a follow-up reads with it,
``bot.followup``.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

from bot.contexts import CONTEXT_SECONDS, Context
from bot.followup import FOLLOWUP_MAX_WORDS, IDENTITY, FollowUps
from bot.headline import asks_the_bot, of_headline
from bot.matching import GENERIC_SHARE, Analysis, Candidate, Matcher, Outcome, normalise, strip_address, tokens
from bot.message_parts import lead, prefaced
from bot.named_roles import speaker, tells_of_saying
from bot.outcomes import several
from bot.people import People
from bot.several import MAX_PARTS, NOTHING, SeveralQuestions
from bot.translit import cyrillic_reading
from bot.words import common_stems, other_language, stem

ASKING_PARTICLE = "ли"  # Russian asks with a particle after the word in question ("станет ли", "можно ли")
_CYRILLIC = re.compile("[а-яё]")
# Pronouns of a place or a time, not of a thing asked about: "is there anything about ...?", and the Russian
# filler "а что там с пенсиями?"
_PLACE_OR_TIME = frozenset({"there", "там", "туда", "тогда"})


class Conversation:
    """Answers messages with the context of their conversation (see the module docstring)."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        lex = matcher.kb.lexicon
        self.openers = lex.followup
        self.foreign = lex.foreign
        self.person_pronouns = lex.person_pronouns
        self.people = People(matcher)
        self.persons = self.people.ids
        self.asking = lex.asks
        self.others = lex.others
        self.follow = FollowUps(matcher, self.people)
        self.multi = SeveralQuestions(self)

    # --- the public entry ------------------------------------------------------------------------

    def answer(self, text: str, lang: str | None = None, fallback_lang: str = "en",
               context: Context | None = None, now: float | None = None) -> Outcome:
        """The outcome for ``text``; ``context`` is the conversation's last answer (or None)."""
        now = time.monotonic() if now is None else now
        if context is not None and (now - context.at > CONTEXT_SECONDS or asks_the_bot(normalise(text))):
            context = None  # (a question to the bot itself, "ты кто вообще?", leans on no answer)
        analyzer = self.matcher.analyzer
        text = cyrillic_reading(text, self._known) or text  # "kto podpisal dogovor?" is Russian
        if other_language(strip_address(text), self.foreign, lambda w: w in analyzer.vocab):
            return Outcome("unknown", lang or fallback_lang, 0.0, reason="other_language")
        whole = self.one(text, lang, fallback_lang, context)
        multi = self.multi.read(text, lang, fallback_lang, context, whole) or self._each_person(text, lang, whole)
        opens = whole.analysis is not None and self.follow.opens(whole.analysis)  # "and where?" leans on something
        return multi or (whole if opens else of_headline(self.matcher, whole, context is None))  # "when was it?"

    def _known(self, word: str) -> bool:
        """A lower-case word of either script the knowledge base uses, or a form of a common word."""
        return word in self.matcher.analyzer.vocab or stem(word) in common_stems()

    def context_after(self, outcome: Outcome, now: float | None = None) -> Context | None:
        """The context an answered outcome leaves for the next message (None: keep the old one)."""
        # A sure near miss names its subject in its reply ("it says only that Russia and Abkhazia signed a
        # similar agreement"): "when did that one start?" is about it.
        if outcome.reason == "gap" and outcome.gap is not None and outcome.analysis is not None \
                and outcome.score >= self.matcher.answer_threshold:
            return Context(outcome.gap.id, outcome.analysis, outcome.lang, time.monotonic() if now is None else now)
        if outcome.status != "answered" or outcome.reason == "small_talk":
            return None
        last = outcome.parts[-1] if outcome.parts else outcome
        if last.entry is None or last.analysis is None:
            return None
        # A follow-up's reading carries the named things of the question before it; those its answer does not
        # hold are no longer the subject ("what did Tibilov say?", "is it 25 years?": the term, not Tibilov's).
        a = last.analysis
        named = self.matcher.analyzer.entity_ids | self.persons
        gone = {t for t in a.terms if t in named and t not in a.all_terms and not self._entry_has(last.entry.id, [t])}
        if gone:
            a = replace(a, terms=tuple(t for t in a.terms if t not in gone), entities=a.entities - gone)
        return Context(last.entry.id, a, outcome.lang, time.monotonic() if now is None else now,
                       people=tuple(sorted(gone & self.persons)))

    def context_from(self, question_or_entry: str, lang: str = "en", now: float | None = None) -> Context | None:
        """A context from an earlier question or an entry id (``ask --json`` lines carry one)."""
        at = time.monotonic() if now is None else now
        entry = self.matcher.kb.get(question_or_entry)
        if entry is not None:
            question = entry.title(lang)
            return Context(entry.id, self.matcher.analyzer.analyse(question, lang), lang, at)
        outcome = self.answer(question_or_entry, fallback_lang=lang, now=at)
        return self.context_after(outcome, at)

    # --- one question, maybe a follow-up ----------------------------------------------------------

    def one(self, text: str, lang: str | None, fallback_lang: str, context: Context | None,
             joined: bool = False) -> Outcome:
        """One question, read with ``context`` when it leans on it; ``joined``: a later part of a message of
        several ("who signed it and *when*?"), which continues the part before as an "and ..." does. A question
        with nothing to ask about after an answer ("how exactly?") is declined with its related questions."""
        outcome = self._read(text, lang, fallback_lang, context, joined)
        if (context is not None and outcome.reason in NOTHING and self.asks(text)
                and not (outcome.analysis is not None and outcome.analysis.unknown)):  # "what is the weather"
            return self.follow.asked_nothing(outcome, context)
        return outcome

    def _read(self, text: str, lang: str | None, fallback_lang: str, context: Context | None,
              joined: bool) -> Outcome:
        alone = self.matcher.match(text, lang=lang, fallback_lang=context.lang if context and not lang
                                   else fallback_lang)
        if context is None or context.entry_id not in self.matcher.kb.by_id:
            return self._first(text, alone)
        a = alone.analysis
        if a is None or a.text != normalise(text):  # a long message was decided by one of its sentences
            a = self.matcher.analyzer.analyse(text, lang)
        reply_lang = lang or a.lang or context.lang
        other = (self.follow.in_language(a, context) or self.follow.year_given(a, context, reply_lang)
                 or self.follow.more(a, context, reply_lang) or self.follow.why(a, context, reply_lang)
                 or self._whom(a, context, reply_lang) or self.follow.in_place_of(a, context, reply_lang)
                 or self._the_other(a, context, reply_lang)
                 or self._no_one_meant(text, alone, a, context))
        if other is not None:
            return other
        before = lead(strip_address(text))
        if before is not None:
            said = self.matcher.analyzer.analyse(before, lang)
            if not self.follow.points_back(said):  # "she mentioned Abkhazia too — in what sense?" leans as a whole
                if any(t.startswith("#") for t in said.terms) or not self.others.isdisjoint(tokens(normalise(before))):
                    # "Anyway, the deal. Who signed it?": "it" points inside the message; "Другой вопрос:
                    # ..." announces a question of its own
                    return alone
                rest = self.follow.after(strip_address(text), before)
                if rest:  # "sorry, english please: and how much in 2016?": the question is what follows
                    return self.one(rest, lang, fallback_lang, context, joined)
        if not self.follow.leans_on_context(a, context, joined):
            return self._on_topic(alone, a, context, lang)
        # A message that leans on the conversation is about its subject: evidence the reading alone lacks (the
        # model is fitted on questions that stand alone), so it answers from the clarify threshold on; but not
        # when all it adds are words the knowledge base does not know ("how tall is he?"): no entry says that.
        own = self.follow.own_terms(a)
        bar = self.matcher.answer_threshold if a.unknown and not own else self.matcher.clarify_threshold
        followed = self._followed(a, context, reply_lang, bar)
        if followed.reason == "several":
            return followed  # "who is she?" after an answer naming two women: asked of each of them
        # A sure near miss ("and when is the next one?" after the Geneva round) is an answer of its own: a
        # wider reading would only bring back the earlier question, and with it the earlier answer. Not with
        # "it"/"its", whose referent may be what the earlier answer named ("when did its treaty come into
        # force?" after Abkhazia), unless the reading took that in already (``FollowUps.answered_about``).
        near_miss = (followed.reason == "gap" and followed.score >= self.matcher.answer_threshold
                     and (not self.follow.points_back(a) or bool(self.follow.answered_about(a, context))))
        if followed.status != "answered" and not near_miss and own and not a.unknown_names:
            # Words of its own, and the earlier named things were not enough. With "it": the whole earlier
            # question ("and what was it called?"). Without: its words take the place of the earlier
            # question's own ("how much from 2008 to 2014?" then "and for 2016?"; "pensions?" then "and
            # wages?"), when they are things the lexicon knows or numbers, not just any word.
            if self.follow.points_back(a):
                followed = self.matcher.decide(self.follow.with_context(a, context, "broad"), reply_lang, bar)
            elif all(t.startswith("#") or t.isdigit() for t in own):
                followed = self.matcher.decide(self.follow.with_context(a, context, "substitute"), reply_lang, bar)
        elif followed.status != "answered" and not near_miss and a.qtype is not None:
            # Only a question type ("On what date?" after where the talks were held): asked of what the
            # earlier answer was about, its entry's title, when the earlier question's words were not enough.
            followed = self.matcher.decide(self.follow.asked_of_the_answer(a, context), reply_lang, bar)
        return self._settle(alone, self._same_kind(followed, context), a, context, joined)

    def _on_topic(self, alone: Outcome, a: Analysis, context: Context, lang: str | None) -> Outcome:
        """A question that stands alone but that the model is unsure of, answered from the clarify threshold
        when its answer continues the conversation's topic (the earlier entry's topic, or one it relates
        to): "Has the Kremlin answered?" after what the West called the treaty. The conversation is
        evidence the question alone lacks, as for a follow-up."""
        if (alone.status != "unknown" or alone.reason != "unsure" or alone.score < self.matcher.clarify_threshold
                or a.unknown):  # "Qu'a dit Peskov ?": a word it does not know is no continuation
            return alone
        retry = self.matcher.decide(a, lang or alone.lang, self.matcher.clarify_threshold)
        if retry.status != "answered" or retry.entry is None:
            return alone
        before = self.matcher.kb.by_id[context.entry_id]
        on_topic = retry.entry.topic == before.topic or retry.entry.id in (before.id, *before.related)
        # ... and only when the entry has every word of it ("Has Georgia answered?" is not the US on Georgia)
        best = self.matcher.rank(a)[:1]
        covered = bool(best) and best[0].entry == retry.entry and best[0].features["cov_any"] >= 1.0
        return retry if on_topic and covered else alone

    def _followed(self, a: Analysis, context: Context, reply_lang: str, bar: float) -> Outcome:
        """The follow-up read with its context; asked of each person a gendered pronoun may mean; and when
        a Russian "него"/"она" may as well mean a thing (nouns have genders: "а срок у него какой?" after who
        signed the treaty asks the treaty's term), read without the people the answer named too, the surer kept."""
        reading = self.follow.with_context(a, context)
        if self.people.gender_of(a.text) is not None and not a.unknown and not self.persons.intersection(a.terms):
            each = self._asked_of_each(reading, reply_lang, bar)
            if each is not None:
                return each
        outcome = self._unit_asked(a, reading, self.matcher.decide(reading, reply_lang, bar), context, bar)
        # (Not after a question naming the person, "кто такой Песков?"; nor if it speaks: "а она что говорила?")
        if (_CYRILLIC.search(" ".join(w for w in tokens(a.text) if w in self.person_pronouns))
                and not self.persons.intersection(context.analysis.terms) and not tells_of_saying(a.text)):
            thing = self.matcher.decide(self.follow.with_context(a, context, persons_too=False), reply_lang, bar)
            if thing.status == "answered" and (outcome.status != "answered" or thing.score > outcome.score):
                return thing
        return outcome

    def _unit_asked(self, a: Analysis, reading: Analysis, outcome: Outcome, context: Context, bar: float) -> Outcome:
        """The words of a follow-up's question type ("what year?", "what time?") leave its reading, as the type
        says them; but when that reading gives back the earlier answer, which never mentions them (the date
        has no year), the reading with them decides if it is a sure near miss (the year is not given)."""
        asked = [t for t in a.terms if t in self.matcher.analyzer.asked_terms(a.text)]
        if (not asked or outcome.entry is None or outcome.entry.id != context.entry_id
                or self._entry_has(outcome.entry.id, asked)):
            return outcome
        unit = self.matcher.decide(replace(reading, terms=tuple(dict.fromkeys((*asked, *reading.terms)))),
                                   outcome.lang, bar)
        return unit if unit.reason == "gap" and unit.score >= self.matcher.answer_threshold else outcome

    def _settle(self, alone: Outcome, followed: Outcome, a: Analysis, context: Context, joined: bool) -> Outcome:
        """The message read alone or with its context: which one answers."""
        own = self.follow.own_terms(a)
        # "it", "she", "that", a bare "and Tibilov?" refer back: alone they miss their referent (not always).
        follow = self.follow
        refers = follow.points_back(a) or (not own and (joined or follow.opens(a) or follow.only_names(a)))
        if followed.status != "answered" or followed.entry is None:
            if self._same_near_miss(followed, alone, a, context):
                return alone
            # A near miss with the context: "by how much exactly?" after the pensions (a message with nothing to
            # ask about alone), and one that refers back, though it answers alone ("and for how long?" after
            # the Abkhazia treaty: not this treaty's term). A known near miss says what the article does say.
            said = (followed.reason == "gap" and (refers or alone.status == "unknown")) or alone.reason in NOTHING
            if followed.status == "unknown" and (said or self._leaves_out_referent(alone, a, context)):
                return followed
            return alone
        # A reading that only gives back the earlier answer ignores the words the message adds ("is it in
        # force yet?" after who Peskov is): "it" was not that answer's subject.
        repeats = bool(own) and followed.entry.id == context.entry_id
        # ... but when it points back, its referent may well be that answer ("what's its name?" after the
        # Abkhazia treaty): then the message alone must be clearly surer; not when that answer has none of
        # the words the message adds ("а срок у него?" after what the West called the treaty: its term).
        # ... the most specific thing the lexicon knows that it adds ("how much of that went to pensions?")
        key = self.follow.most_specific(own)
        ignored = repeats and not (self._entry_has(followed.entry.id, own) and self._entry_has(followed.entry.id, key))
        surer = alone.score >= followed.score + (self.matcher.thresholds.margin if refers and not ignored else 0.0)
        if (not refers or repeats) and alone.status == "answered" and (
                (surer and alone.entry != followed.entry) or (not refers and alone.entry == followed.entry)):
            return alone  # (the same answer alone: the message stands on its own, nothing was resolved)
        if ignored:  # the earlier answer again says nothing of what was asked ("what is her role?" after money)
            if not self._leaves_out_referent(alone, a, context):
                return alone
            # ... nor does the answer alone, of what "it" means ("what's its term?" after the Abkhazia pact)
            declined = self.matcher.decide(self.follow.with_context(a, context), followed.lang)
            return declined if declined.status == "unknown" else alone
        return replace(followed, resolved=followed.entry.title(followed.lang))

    def _same_near_miss(self, followed: Outcome, alone: Outcome, a: Analysis, context: Context) -> bool:
        """Whether the context's reading only gives back the earlier near miss, which has none of the words
        the message adds (its question type's too), while the message alone is answered: "how long does it
        last?" after Georgia's reaction (not reported) asks the treaty's term, not the reaction's."""
        gap = followed.gap
        own = [t for t in a.terms if t not in a.entities and t not in self.persons]
        return (gap is not None and gap.id == context.entry_id and alone.status == "answered" and bool(own)
                and not self._entry_has(gap.id, self.follow.most_specific(own)))

    def _leaves_out_referent(self, alone: Outcome, a: Analysis, context: Context) -> bool:
        """Whether ``alone`` answers without what the message points back at: the person an English
        "he"/"her" means ("what's her citizenship?" after who Psaki is is not the treaty's citizenship
        provision), or the named thing the earlier question asked about, for "it"/"that" ("how long is it
        valid?" after the Abkhazia treaty is not this treaty's term): another question than the one asked."""
        if alone.entry is None or self.persons.intersection(a.terms):
            return False
        words = tokens(a.text)  # (a Russian "он" may be the treaty, unless he said something: "а он что сказал?")
        if any(w in self.person_pronouns and (not _CYRILLIC.search(w) or tells_of_saying(a.text)) for w in words):
            persons = self.follow.persons_of(context, a)  # "did she say anything about Abkhazia?": not the pact
            return bool(persons) and not self._entry_has(alone.entry.id, persons)
        # (not a party the article hears from: "when was it signed?" after what the EU said is the treaty)
        things = [] if a.entities else sorted(context.analysis.entities - self.matcher.lookups.heard())
        points = any(w in self.follow.pronouns and w not in _PLACE_OR_TIME for w in words)
        return bool(things) and points and not self._entry_has(alone.entry.id, things)

    def _entry_has(self, entry_id: str, terms: list[str]) -> bool:
        """Whether the entry holds any of ``terms`` anywhere (the index's postings), or a phrase concept one
        is part of ("вступил" of "вступил в силу", as matching counts it)."""
        entries, part_of = self.matcher.kb.entries, self.matcher.analyzer.part_of
        held = (t for term in terms for t in (term, *part_of.get(term, ())))
        return self.follow.gives_year(entry_id, terms) or any(
            entries[i].id == entry_id for t in held for i in self.matcher.lookups.holders(t))

    def _the_other(self, a: Analysis, context: Context, reply_lang: str) -> Outcome | None:
        """"And the other one?", "а второй?", "and the other date?": the last question asked again, with
        what the message adds, answered by another entry than the last answer. When that question named a
        person and its answer names another ("who is the Russian president?": Putin, who signed it with
        Tibilov), it is asked of that other one. None: not such a message, or nothing else answers it."""
        words = tokens(a.text)
        if len(words) > FOLLOWUP_MAX_WORDS or self.others.isdisjoint(words):
            return None
        rest = self.matcher.analyzer.analyse(" ".join(w for w in words if w not in self.others), a.lang)
        if rest.unknown or len(rest.terms) > 1 or any(t in rest.entities or t in self.persons for t in rest.terms):
            return None
        before = context.analysis
        terms, entities = list(before.terms), before.entities
        asked = [t for t in terms if t in self.persons]
        named = [p for p in self.people.named_by(context.entry_id, context.lang) if p not in asked]
        if asked and named:  # the other person the answer names takes the place of the one asked about
            terms = [named[0] if t == asked[0] else t for t in terms]
            entities = entities - {asked[0]} | {named[0]}
        reading = replace(before, terms=tuple(dict.fromkeys((*terms, *rest.terms))), entities=entities)
        outcome = self.matcher.decide(reading, reply_lang, self.matcher.clarify_threshold,
                                      without=frozenset({context.entry_id}))
        if outcome.status != "answered" or outcome.entry is None or outcome.reason == "small_talk":
            return None
        return replace(outcome, resolved=outcome.entry.title(outcome.lang))

    def _same_kind(self, outcome: Outcome, context: Context) -> Outcome:
        """A follow-up torn between entries of different topics ("and Putin?" after what Tibilov said: what
        Putin said, or who he is?) takes the one of the earlier answer's topic, when exactly one is."""
        if outcome.status != "clarify" or outcome.reason != "close_candidates":
            return outcome
        topic = self.matcher.kb.by_id[context.entry_id].topic
        same = [c for c in outcome.candidates if c.entry.topic == topic]
        if len(same) != 1 or same[0].score < self.matcher.answer_threshold:
            return outcome
        entry, by_id = same[0].entry, self.matcher.kb.by_id
        return replace(outcome, status="answered", entry=entry, score=round(same[0].score, 4), candidates=(),
                       suggestions=tuple(by_id[r] for r in entry.related if r in by_id), reason="match")

    # --- several questions in one message -------------------------------------------------------

    def _each_person(self, text: str, lang: str | None, whole: Outcome) -> Outcome | None:
        """A question about several people and nothing else ("what did Psaki and Mogherini say?", "кто такие
        Путин и Тибилов?"): asked of each of them, one answer each, when they differ."""
        a = self.matcher.analyzer.analyse(text, lang)
        persons = [t for t in a.terms if t in self.persons]
        generic = self.matcher.index.df_share
        if len(persons) < 2 or a.unknown or any(
                t not in self.persons and t != IDENTITY and generic.get(t, 0.0) <= GENERIC_SHARE for t in a.terms):
            return None
        return self._asked_of_each(a, whole.lang)

    def _whom(self, a: Analysis | None, context: Context | None, lang: str) -> Outcome | None:
        """"What did she say?", "who is he?" when no one of that gender was named in the conversation (or
        there is none): the pronoun means no one the bot knows of, so rather than the last answer again,
        the people of its gender are offered back, the message asked of each of them. None for any other
        message, and when the pronoun has someone to mean."""
        gender = self.people.gender_of(a.text) if a is not None else None
        if a is None or gender is None or a.unknown or not set(a.terms) <= {IDENTITY}:
            return None
        said = speaker(a.text, str, self.person_pronouns) is not None
        if not said and not a.terms:  # "а она когда?": a Russian pronoun may well mean a thing
            return None
        if context is not None and self.follow.persons_of(context, a, several=True):
            return None
        found: dict[str, Candidate] = {}
        for person in sorted(p for p in self.persons if self.people.gender.get(p) == gender):
            reading = replace(a, terms=(person, *a.terms), speaker=person if said else a.speaker)
            outcome = self.matcher.decide(reading, lang)
            if outcome.status == "answered" and outcome.entry is not None and outcome.reason != "small_talk":
                found.setdefault(outcome.entry.id, Candidate(outcome.entry, outcome.score))
        if not found:
            return None
        options = sorted(found.values(), key=lambda c: -c.score)[: self.matcher.thresholds.max_candidates]
        return Outcome("clarify", lang, options[0].score, candidates=tuple(options), reason="whom", analysis=a)

    def _first(self, text: str, alone: Outcome) -> Outcome:
        """A message with no conversation before it: "what did she say?" or "what's her name?" is asked back
        of whom (``_whom``), not answered with the treaty's name; anything else as it reads alone."""
        if (asked := self.follow.first_in_language(alone)) is not None:
            return asked  # "in Russian, please": the line for a message with nothing to ask, in Russian
        whose = self._whose(alone) if len(tokens(text)) <= FOLLOWUP_MAX_WORDS else None
        if whose is not None:
            return self._whom(whose, None, alone.lang) or alone
        whom = self._whom(alone.analysis, None, alone.lang) if alone.status != "answered" else None
        return whom or alone

    def _no_one_meant(self, text: str, alone: Outcome, a: Analysis, context: Context) -> Outcome | None:
        """"What's her name?" when no woman came up in the conversation: asked back of whom, as a first message
        is (``_first``); None when the pronoun has someone to mean."""
        if self.people.gender_of(a.text) is None or self.follow.persons_of(context, a, several=True):
            return None
        whose = self._whose(alone) if len(tokens(text)) <= FOLLOWUP_MAX_WORDS else None
        return self._whom(whose, None, alone.lang) if whose is not None else None

    def _whose(self, outcome: Outcome) -> Analysis | None:
        """"Who is she?" for an answer to "what's her name?" with no one before: an English he/she/his/her, no
        word that may be whom it means (one the lexicon does not know as a concept), and an entry that names
        no one of that gender (the treaty's name is not hers). None for any other answer."""
        a = outcome.analysis
        if a is None or outcome.entry is None or a.entities or a.unknown or self.persons.intersection(a.terms) \
                or not all(t.startswith("#") for t in a.terms):  # "grandma wants to know about her pension"
            return None
        gender = self.people.gender_of(a.text)
        english = any(w in self.person_pronouns and not _CYRILLIC.search(w) for w in tokens(a.text))
        fitting = [p for p in self.persons if self.people.gender.get(p) == gender]
        no_one = gender is not None and english and not self._entry_has(outcome.entry.id, fitting)
        return replace(a, terms=(IDENTITY,)) if no_one else None

    def _asked_of_each(self, a: Analysis, lang: str, bar: float | None = None) -> Outcome | None:
        """A reading about several people asked of each of them: one answer each, when they differ."""
        persons = [t for t in a.terms if t in self.persons]
        if len(persons) < 2:
            return None
        shared = tuple(t for t in a.terms if t not in self.persons)
        # "what did he say?" after an answer naming two men: each is the one asked to have said it
        said = a.speaker is None and speaker(a.text, str, self.person_pronouns) is not None
        answered: list[Outcome] = []
        for person in persons[:MAX_PARTS]:
            reading = replace(a, terms=(person, *shared), entities=a.entities & {person},
                              speaker=person if said else a.speaker)
            outcome = self.matcher.decide(reading, lang, bar)
            if outcome.status == "answered" and outcome.entry is not None and outcome.reason != "small_talk" \
                    and all(o.entry != outcome.entry for o in answered):
                answered.append(outcome)
        if len(answered) < 2:
            return None
        return several(answered, lang)

    def asks(self, piece: str) -> bool:
        """A part of a message that is itself a question: it has a question type, or opens (after an
        "and", after a preface: "Quick one - what's ...") with a word that opens questions ("is", "has",
        "what", "ли", "почему")."""
        words = tokens(normalise(prefaced(piece) or piece))
        if words and words[0] in self.openers:
            words = words[1:]
        return bool(words) and (words[0] in self.asking or ASKING_PARTICLE in words[1:3]
                                or self.matcher.analyzer.qtype(" ".join(words)) is not None)
