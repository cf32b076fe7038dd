"""Reading a question (pure): concepts, typos, question type, the thing asked for.

1. ``bot.words``: ``normalise`` (NFKC, case, ``ё``/``е``, quotes and dashes, invisible characters, a
   leading ``@botname`` or ``/ask``), ``detect_language`` (Cyrillic script means Russian), tokens, stems.
2. ``Analyzer.analyse``: tokens, typo correction against the knowledge base's own vocabulary
   (``bot.spelling``: rapidfuzz OSA distance), Snowball stems, synonym concepts from ``lexicon.toml``
   (both languages map to the same concept, so a Russian question can use an English curated word and
   back), stop words dropped, question type (who / when / where / quantity) and the thing asked for ("what *projects*").

``bot.matching`` scores entries against the ``Analysis`` this module produces.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, takewhile

from bot.concept_words import concept_words
from bot.knowledge import KnowledgeBase
from bot.lexicon import voices
from bot.message_parts import asking_sentences, prefaced
from bot.named_roles import (
    addressee,
    alternatives,
    asks_for_counterpart,
    asks_for_others,
    asks_for_partner,
    asks_for_person,
    choices,
    measures,
    not_whom,
    places,
    pronoun_speaking,
    speaker,
    timing_asked,
)
from bot.spelling import Speller, joined_halves
from bot.words import (
    MAX_QUESTION_CHARS,
    TOKEN,
    capitalised_words,
    detect_language,
    find_phrase,
    normalise,
    ordinals,
    pronoun_us,
    stem,
    strip_address,
    tokens,
    words,
    words_of_texts,
)

_EDGE_PUNCT = ".,!?;:\"'«»()"
RECENT_ANALYSES = 8  # readings kept (a message and its parts; not a cache of past questions)
# A quantity asked further in ("the agreement is for how much time?", "and Russia gave them how much?") asks it
# too, unless the word before it makes it a clause of what is asked ("did he say anything about how much ...?",
# "что сказал о том, сколько ...")
_CLAUSE_OPENERS = frozenset({"about", "of", "on", "know", "wonder", "том,", "том", "о", "об", "про", "знаю", "знать"})
QTYPE_WINDOW = 4  # a question word counts among a sentence's first four words (or after function words alone)
# Words of question phrases that also name a thing, so are no stop words: "what's the capital of Abkhazia?" asks
# about a capital ("in which capital did they meet?" still asks where)
NAMING_QWORDS = frozenset({"capital", "deadline", "столице"})
KIND_OF = frozenset({"kind", "kinds", "sort", "sorts", "type", "types"})  # "what kind of X" asks about X
HEAD_PHRASE_WORDS = 3  # "which Duma committee": the words after "which" that may name what is asked for

DATE = "#date"  # the lexicon's concept of a date
STATEMENT = "#statement"  # the lexicon's concept of a statement ("statement", "заявление")
PLACE_OR_TIME = frozenset({"where", "when"})
QUOTING = frozenset({"#quote", "word", "words"})  # the lexicon's concept of quoting ("quote", "дословно"), "words"
# A plain word stem weighs this share of its IDF. Concepts ("#term"), named things and numbers carry the
# meaning the lexicon gives them; a stem is often an incidental word ("stay", "состоялось") that is rare
# in the knowledge base without saying much, and at full weight it made a question look half unexplained
# (leave-one-set-out over the labelled sets: 0.5 lifts the whole answer/decline trade-off curve, by
# about two points of in-scope accuracy and one of refusal at the same threshold).
PLAIN_TERM_WEIGHT = 0.5


# English clitics ("when'd", "what'll", "who're"): after a function word they add nothing to what is asked.
ENGLISH_CLITICS = frozenset({"d", "ll", "re", "ve", "m", "s"})


def term_weight(term: str) -> float:
    """The share of its IDF a term weighs (see ``PLAIN_TERM_WEIGHT``)."""
    return 1.0 if term.startswith("#") or term.isdigit() else PLAIN_TERM_WEIGHT


@dataclass(frozen=True)
class Analysis:
    """A question as the matcher understands it."""

    text: str  # normalised
    lang: str | None
    terms: tuple[str, ...]  # content terms: concept ids ("#sign"), stems, numbers
    entities: frozenset[str]  # entity concept ids named in the question
    numbers: frozenset[str]
    qtype: str | None
    unknown: tuple[str, ...]  # content words found nowhere in the knowledge base
    unknown_names: tuple[str, ...]  # of those, the ones written as a name (capitalised mid-sentence)
    all_terms: tuple[str, ...]  # every term including stop words (for small talk)
    corrected: frozenset[str] = frozenset()  # terms that exist only thanks to a typo correction
    head: str | None = None  # the term right after "what"/"which"/"какой": the thing asked for
    head_unknown: bool = False  # a word of the phrase it opens is one the knowledge base does not know
    either: frozenset[str] = frozenset()  # named things or numbers offered as alternatives ("Moscow or Tskhinvali?")
    # what each side of an "or" offers that the other does not ("health insurance or car insurance?")
    choices: tuple[tuple[frozenset[str], ...], ...] = ()
    measures: frozenset[tuple[str, str]] = frozenset()  # numbers with their units ("10 years": ("10", "#year"))
    partner: bool = False  # asks who was with a person it names ("who signed it with Putin?", "с кем он ...?")
    others: bool = False  # asks who besides the people it names or describes ("who else was at the signing?")
    placed: frozenset[str] = frozenset()  # named things given as a place ("in Moscow"), not as who acts
    speaker: str | None = None  # who it asks to have said something ("what did Georgia say?": #georgia)
    addressee: str | None = None  # whom it says was answered ("who responded to the US?": #usa; not their words)


class Analyzer:
    """Turns text into terms using one knowledge base's lexicon and vocabulary."""

    def __init__(self, kb: KnowledgeBase, *, read_entries: bool = True) -> None:
        """``read_entries=False``: the words of the entries' own texts are given by ``learn_vocabulary``
        before the analyzer reads a question (an index build reads them anyway: ``bot.indexing``)."""
        lex = kb.lexicon
        # (not those of the time of day or a share: "time", "hour", "share" also name things, "the timing of the
        # signing", "share a defence space")
        qwords = {w for table in lex.qtypes.values() for qt, ps in table.items() if qt not in ("time", "share")
                  for p in ps for w in tokens(normalise(p))} - NAMING_QWORDS
        # Question words say what kind of answer is wanted (see ``qtype``), not what it is about.
        self._qwords = frozenset(qwords)
        self.stopwords: frozenset[str] = frozenset().union(*lex.stopwords.values(), qwords)
        self.heads, self.distinct = lex.heads, lex.distinct
        self.stop_stems = frozenset(stem(w) for w in self.stopwords if " " not in w)
        # Stop phrases frame a question and ask nothing: "when it comes to defence" does not ask when.
        framing = sorted((w for w in self.stopwords if " " in w), key=len, reverse=True)
        self.framing = re.compile(r"\b(?:" + "|".join(map(re.escape, framing)) + r")\b") if framing else None
        self.single, self.forms, self.phrases, self.derived = concept_words(lex)
        self.entity_ids = frozenset(f"#{c.id}" for c in lex.concepts if c.entity)
        self.concept_ids = frozenset(f"#{c.id}" for c in lex.concepts)
        self.person_ids = frozenset(f"#{c.id}" for c in lex.concepts if c.person)
        self.gender = {f"#{c.id}": c.gender for c in lex.concepts if c.person}
        self.female_pronouns = lex.female_pronouns
        # "#moscow" -> {"#russia"}: what a named thing stands for (an entry naming either does not miss it)
        self.stands_for: dict[str, frozenset[str]] = {
            f"#{c.id}": frozenset(f"#{x}" for x in c.stands_for) for c in lex.concepts if c.stands_for}
        # "#west" -> {"#usa", "#eu"}: named things an entry may name in place of this one (``Concept.includes``)
        self.covered_by: dict[str, frozenset[str]] = {
            f"#{c.id}": frozenset(f"#{x}" for x in (*c.stands_for, *c.includes))
            for c in lex.concepts if c.stands_for or c.includes}
        self.strict_ids = frozenset(f"#{c.id}" for c in lex.concepts if c.strict)
        self.framing_concepts = frozenset(f"#{c.id}" for c in lex.concepts if c.framing)
        self.period_concepts = frozenset(f"#{c.id}" for c in lex.concepts if c.period)
        self.asks_for = {f"#{c.id}": c.asks for c in lex.concepts if c.asks}  # "#date": "when"
        self.voices = voices(lex)
        self.speaks_for = {f"#{c.id}": frozenset(f"#{x}" for x in c.speaks_for) for c in lex.concepts if c.speaks_for}
        # who may be asked to have said something; ``parties``: those people speak for (Russia: Peskov)
        self.speakable, self.parties = self.entity_ids | self.person_ids, frozenset().union(*self.speaks_for.values())
        # A word of a phrase concept met alone is a part of it ("ministries" of "interior ministries"): an
        # entry naming the whole concept has that word too, though not as a word of its own (a word that is
        # a concept by itself, a stop word or a number is not a part).
        parts: defaultdict[str, set[str]] = defaultdict(set)
        for items in self.phrases.values():
            for stems, cid in items:
                for s in stems:
                    if s not in self.stop_stems and s not in self.single and not s.isdigit():
                        parts[s].add(cid)
        self.part_of: dict[str, frozenset[str]] = {s: frozenset(found) for s, found in parts.items()}
        self.phrase_types = _phrase_types(lex.qtypes)
        # the most words of one ("how long" wins over "how": ``find_phrase``)
        self.phrase_longest = max((len(p.split()) for p in self.phrase_types), default=0)
        self.qualifiers = lex.qualifiers
        self.who_heads = lex.who_heads  # "which EU *official*": asks who
        self._speller: Speller | None = None  # made on first use (``correct``)
        self._words: dict[str, tuple[str, str, bool]] = {}
        self._recent: OrderedDict[tuple[str, str | None], Analysis] = OrderedDict()
        if read_entries:
            self.learn_vocabulary(kb, *entry_words(kb))

    def learn_vocabulary(self, kb: KnowledgeBase, facts: Counter[str], gaps: Counter[str]) -> None:
        """Every word the knowledge base uses (for typo correction), and the names the article knows.
        ``facts``, ``gaps``: the words of the curated questions, keywords and answers of the entries that
        are not gaps, and of the gap entries (see ``entry_words``)."""
        texts: list[str] = [kb.article.text]
        texts.extend(w for c in kb.lexicon.concepts for w in c.words)
        texts.extend(p for table in kb.lexicon.qtypes.values() for phrases in table.values() for p in phrases)
        own = _counted(texts)
        vocab: set[str] = set(self.stopwords)
        vocab.update(_no_numbers(own), _no_numbers(facts))
        # Names the article and its facts know. A name known only from a gap entry ("Germany", "NATO")
        # is still unknown to the article: a question naming it is declined.
        self.name_vocab = frozenset(vocab)
        self.name_stems = frozenset(stem(w) for w in vocab) | frozenset(self.single)
        vocab.update(_no_numbers(gaps))
        # How often each word is used: of two guesses as near to a misspelt word, the commoner one
        # ("sined": "signed", not "sided"; "putn": "putin", not "put").
        frequency = own + facts + gaps
        self.vocab = frozenset(vocab)
        self.frequency = {w: n for w, n in frequency.items() if not w.isdigit()}
        self.vocab_stems = frozenset(stem(w) for w in vocab)
        # A three-letter slip is guessed only towards a word that opens questions ("wen" -> "when"): any
        # other guess that short is more often a real word the knowledge base lacks ("won" is not "wow").
        self._asking = frozenset(w for p in kb.lexicon.asks for w in tokens(normalise(p)))  # "is", "what", "почему"
        self.openers = self._asking | self._qwords

    def correct(self, word: str) -> str | None:
        """The knowledge-base word a misspelt ``word`` most likely meant, or None (``Speller.correct``, whose
        tables are made when a question first has a word to correct: a start that reads none never does)."""
        if self._speller is None:
            self._speller = Speller(self.vocab, self.frequency, self.openers, self.stopwords)
        return self._speller.correct(word)

    def _names_something(self, word: str) -> bool:
        return word not in self.stopwords and (word in self.vocab or stem(word) in self.vocab_stems)

    def names_only(self, a: Analysis) -> bool:
        """Whether ``a`` names people or things and asks nothing else ("what did Putin say?", "Tibilov?")."""
        return not a.qtype and not a.unknown and all(t in a.entities or t in self.person_ids for t in a.terms)

    def qtype(self, text: str) -> str | None:
        """What kind of answer the question wants: the first who/when/where/quantity phrase that starts
        within a sentence's first words ("so when was it signed", not "what did Psaki say when ...")."""
        phrase = self._qtype_phrase(text)
        if phrase is not None:
            return self.phrase_types.get(phrase)
        return "who" if self.who_heads and any(map(self._names_person_asked, asking_sentences(text))) else None

    def _names_person_asked(self, sentence: str) -> bool:
        """Whether a "which"/"какой" phrase of ``sentence`` names a person ("Which EU official commented?")."""
        words = [x for x in (w.strip(_EDGE_PUNCT) for w in sentence.split()) if x not in self.qualifiers]
        return asks_for_person(words, self.heads, self.who_heads.__contains__, self.stopwords.__contains__,
                               QTYPE_WINDOW, HEAD_PHRASE_WORDS)

    def asked_terms(self, text: str) -> frozenset[str]:
        """The content terms of the phrase that gives ``text`` its question type ("в каком году" -> #year):
        they say what kind of answer is wanted, not what it is about."""
        phrase = self._qtype_phrase(text)
        return frozenset() if phrase is None else frozenset(self.terms_of(phrase)[0])

    def _qtype_phrase(self, text: str) -> str | None:
        if not self.phrase_types:
            return None
        if self.framing is not None:
            text = self.framing.sub(" ", text)
        # each sentence, what follows its preface ("one more thing - who signed it?") and its last clause ("of
        # that billion, how much goes to pensions?")
        for sentence in (part for s in asking_sentences(text) for part in (s, prefaced(s), self._last_clause(s))
                         if part):
            words = [w for w in sentence.split() if w.strip(_EDGE_PUNCT) not in self.qualifiers]
            head = " ".join(words[: QTYPE_WINDOW + 3])  # room for a phrase that starts in the window
            m = find_phrase(head, self.phrase_types, self.phrase_longest)
            # among the first words, or further in after function words alone ("I need to know who signed it")
            if m is not None and (len(before := head[: m[0]].split()) < QTYPE_WINDOW
                                  or not any(self._word(w.strip(_EDGE_PUNCT))[2] for w in before)
                                  or (self.phrase_types[m[1]] == "quantity" and before[-1] not in _CLAUSE_OPENERS)):
                return m[1]
        return None

    def _last_clause(self, sentence: str) -> str | None:
        """What follows a sentence's last comma, when what comes before has words and asks nothing (in "о каком
        регионе шла речь, когда говорили о стабильности?" the clause is the question's)."""
        head, comma, rest = sentence.rpartition(",")
        before = tokens(head)
        if not comma or len(tokens(rest)) < 2 or not before:
            return None
        return None if any(w in self._asking or w in self.heads for w in before) else rest.strip()

    def terms_of(self, text: str) -> tuple[list[str], list[str]]:
        """(content terms, all terms) of curated text (as written): no typo correction."""
        return self._terms(words(text))

    def terms_of_words(self, looked: Sequence[tuple[str, str, bool]]) -> tuple[list[str], list[str]]:
        """``terms_of`` a text, given ``word`` of each of its ``words``."""
        content: list[str] = []
        every: list[str] = []
        i = 0
        n = len(looked)
        while i < n:
            s, term, is_content = looked[i]
            candidates = self.phrases.get(s)
            if candidates:  # longest first
                stems = tuple([x[0] for x in looked[i : i + len(candidates[0][0])]])
                phrase = next((p for p in candidates if stems[: len(p[0])] == p[0]), None)
                if phrase is not None:
                    if phrase[1]:  # else a stop phrase ("in terms of")
                        content.append(phrase[1])
                        every.append(phrase[1])
                    i += len(phrase[0])
                    continue
            every.append(term)
            if is_content:
                content.append(term)
            i += 1
        return content, every

    def word(self, word: str) -> tuple[str, str, bool]:
        """(stem, term, is it content?) of one word."""
        s = stem(word)
        # A word that only looks like a concept's word ("according" / "accord") is a word of its own; one
        # whose stem a derived concept word cut down ("nations" / "nationality") is its stem's.
        own = word in self.distinct
        derived = self.derived.get(s)
        if derived is not None and not word.startswith(derived):
            term = sys.intern(self.forms.get(word) or s)
        else:
            term = sys.intern(word if own else self.forms.get(word) or self.single.get(s) or self.single.get(word) or s)
        content = term.startswith("#") or (
            word not in self.stopwords and s not in self.stop_stems and (len(word) > 1 or word.isdigit())
        )
        return s, term, content

    def _word(self, word: str) -> tuple[str, str, bool]:
        """``word``, cached: the same words recur in every question."""
        found = self._words.get(word)
        if found is None:
            found = self.word(word)
            if len(self._words) < 200_000:
                self._words[word] = found
        return found

    def _terms(self, words: Sequence[str]) -> tuple[list[str], list[str]]:
        return self.terms_of_words([self._word(w) for w in words])

    def _offered(self, words: Sequence[str]) -> list[str]:
        """The terms of ``words``, and those the knowledge base does not know as they are (``choices``)."""
        known = [w for w in words if self._known(w)]
        return self._terms(known)[0] + [w for w in words if w not in known and len(w) >= 3]

    def _known(self, w: str) -> bool:
        """Whether the knowledge base or the lexicon knows ``w`` (a number, a word or stem of its texts, a stop
        word, a concept's word): no typo correction is tried for it."""
        return (w.isdigit() or w in self.vocab or w in self.stopwords
                or (s := stem(w)) in self.vocab_stems or s in self.single)

    def analyse(self, raw: str, lang: str | None = None) -> Analysis:
        """``raw`` read (see the module docstring). The last few readings are kept: one message is read
        several times on its way (whole, as a follow-up, in parts), and an ``Analysis`` is immutable."""
        key = (raw, lang)
        found = self._recent.get(key)
        if found is None:
            found = self._recent[key] = self._analyse(raw, lang)
            if len(self._recent) > RECENT_ANALYSES:
                self._recent.popitem(last=False)
        return found

    def _analyse(self, raw: str, lang: str | None) -> Analysis:
        text = normalise(raw)
        detected = lang or detect_language(text)
        original = strip_address(raw[:MAX_QUESTION_CHARS])
        names = capitalised_words(original)
        words: list[tuple[str, bool]] = []
        fixes: dict[str, str] = {}
        unknown: list[str] = []
        unknown_names: list[str] = []
        found = joined_halves(tokens(text), self._known)
        if "us" in found and pronoun_us(original, self._names_something):  # "tell us", not the US
            found = [w for w in found if w != "us"]
        for w in found:
            if "'" in w and w not in self.stopwords and w not in self.single:
                word, _, clitic = w.rpartition("'")
                if clitic in ENGLISH_CLITICS and word in self.stopwords:
                    w = word  # a function word with a clitic is that word: "when'd", "how'll", "where're"
            if w in names and w not in self.name_vocab and stem(w) not in self.name_stems:
                unknown_names.append(w)
            if self._known(w):
                words.append((w, False))
                continue
            fixed = self.correct(w)
            if fixed is not None:
                words.append((fixed, True))
                fixes[w] = fixed
                continue
            if len(w) >= 3:
                unknown.append(w)
        content, every = self._terms([w for w, _ in words])
        exact, _ = self._terms([w for w, fixed in words if not fixed])
        head, head_unknown = self._head(text, fixes, unknown)
        corrected_text = TOKEN.sub(lambda m: fixes.get(m.group(), m.group()), text) if fixes else text
        qtype, content = self._asked(corrected_text, content)
        said_by, content = self._said_by(corrected_text, content, qtype)
        return Analysis(
            text=text,
            lang=detected,
            terms=tuple(dict.fromkeys(content)),
            entities=frozenset(t for t in content if t in self.entity_ids),
            numbers=frozenset(t for t in content if t.isdigit()),
            qtype=qtype,
            unknown=tuple(unknown),
            unknown_names=tuple(unknown_names),
            all_terms=tuple(every),
            corrected=frozenset(content) - frozenset(exact),
            head=head,
            head_unknown=head_unknown,
            either=alternatives(corrected_text, lambda words: self._terms(words)[0], self.entity_ids),
            choices=choices(corrected_text, self._offered),
            measures=measures(every, ordinals(text)),
            partner=qtype == "who" and asks_for_partner(corrected_text, lambda w: self._word(w)[1], self.person_ids),
            others=qtype == "who" and asks_for_others(corrected_text),
            placed=places(corrected_text, lambda w: self._word(w)[1], self.entity_ids),
            speaker=said_by,
            addressee=addressee(corrected_text, lambda words: self._terms(words)[0], self.speakable),
        )

    def _asked(self, text: str, content: list[str]) -> tuple[str | None, list[str]]:
        """The question type of ``text`` (normalised, corrected) and its ``content`` terms, with the date when it
        speaks of the time of something in a clause ("upset about when it was signed": no question of when)."""
        qtype = self.qtype(text)
        if qtype == "who" and self.person_ids.isdisjoint(content) and asks_for_counterpart(text):
            qtype = None  # "с кем Россия подписала?" asks for a party, which an entry gives without a person
        if not timing_asked(text):
            return qtype, content
        dated = [DATE] if DATE in self.concept_ids and DATE not in content else []
        return (None if qtype == "when" else qtype), [*content, *dated]

    def _said_by(self, text: str, content: list[str], qtype: str | None) -> tuple[str | None, list[str]]:
        """Who ``text`` asks to have said something (``named_roles.speaker``), and its ``content`` terms: without
        "quote" or "words" when someone is ("Peskov's exact quote" asks what he said: no subject of its own),
        with the statement when it asks where or when ("where did Psaki say it?": where the statement was made)."""
        said_by = speaker(text, lambda w: self._word(w)[1], self.speakable, self.parties,
                          lambda words: self._terms(words)[0])
        if said_by is None and (said := pronoun_speaking(text)) is not None:
            said_by = self._named_before(text, *said)
        if said_by is None:
            return None, content
        return said_by, [*(t for t in content if t not in QUOTING), *([STATEMENT] if self.states(qtype) else [])]

    def states(self, qtype: str | None) -> bool:
        """Whether a question of ``qtype`` asking someone to have said something asks about their statement:
        where or when it was made ("where did Psaki say it?")."""
        return qtype in PLACE_OR_TIME and STATEMENT in self.concept_ids

    def _named_before(self, text: str, pronoun: str, at: int) -> str | None:
        """The one person of the pronoun's gender that ``text`` names before it ("tibilov sounds like a fanboy,
        what did he say?": Tibilov); None when it names none or several."""
        gender = "female" if pronoun in self.female_pronouns else "male"
        named = {t for t in self._terms(not_whom(tokens(text[:at])))[0]
                 if t in self.person_ids and self.gender.get(t) in (None, gender)}
        return named.pop() if len(named) == 1 else None

    def _head(self, text: str, fixes: Mapping[str, str], unknown: Sequence[str]) -> tuple[str | None, bool]:
        """(the term, unknown?) of the word that names what a "what X"/"which X"/"какой X" question asks for.
        Unknown: a word of the phrase it opens is one the knowledge base does not know, where the thing
        asked for often comes last ("which Duma *committee*", "which insurance *companies*")."""
        # a qualifier says nothing of the thing asked for ("which specific projects", "какие именно ведомства"),
        # nor does "kind of" ("what kind of insurance": the insurance; "what kind?" alone asks the kind)
        found = tokens(text)
        words = [w for i, w in enumerate(found) if w not in self.qualifiers
                 and not (w in KIND_OF and found[i + 1 : i + 2] == ["of"])]
        for i, w in enumerate(words[:-1]):
            if w not in self.heads:
                continue
            nxt = words[i + 1]
            if nxt in self.stopwords or nxt.isdigit():
                return None, False
            if nxt in unknown:
                return None, True
            phrase = list(takewhile(lambda x: x not in self.stopwords and not x.isdigit(),
                                    words[i + 1 : i + 1 + HEAD_PHRASE_WORDS]))
            terms, _ = self._terms([fixes.get(nxt, nxt)])
            return (terms[0] if terms else None), any(x in unknown for x in phrase)
        return None, False


def _phrase_types(qtypes: Mapping[str, Mapping[str, tuple[str, ...]]]) -> dict[str, str]:
    """Each question phrase of the lexicon ("how long", "когда") -> its question type."""
    types: dict[str, str] = {}
    for table in qtypes.values():
        for qtype, phrases in table.items():
            for phrase in phrases:
                words = normalise(phrase).split()
                if words:
                    types.setdefault(" ".join(words), qtype)
    return types


def entry_words(kb: KnowledgeBase) -> tuple[Counter[str], Counter[str]]:
    """The words of the curated questions, keywords and answers of ``kb``'s entries that are not gaps, and
    of its gap entries, each with the number of times it is used."""
    facts: list[str] = []
    gaps: list[str] = []
    for e in kb.entries:
        for lang in ("en", "ru"):
            b = e.block(lang)
            (gaps if e.kind == "gap" else facts).extend((*b.questions, *b.keywords, b.answer))
    return _counted(facts), _counted(gaps)


def _counted(texts: Sequence[str]) -> Counter[str]:
    """The words of ``texts``, each with the number of times it occurs."""
    found: Counter[str] = Counter()
    for start in range(0, len(texts), 256):
        found.update(chain.from_iterable(words_of_texts(texts[start:start + 256])))
    return found


def _no_numbers(found: Iterable[str]) -> Iterable[str]:
    """Words but numbers: the vocabulary that typos are corrected towards has no numbers."""
    return (w for w in found if not w.isdigit())
