"""What scoring looks up in a built index, made on first use and kept (pure).

``Matcher.rank`` scores a few entries per question; the tables it reads for them (an entry's curated
questions, the entries holding a term, a term's postings by entry, the entries that cannot give a kind of
answer, the numbers and names a gap's answer states) are derived from the knowledge base and its index
when first needed, not at build time: a saved index loads without them, and most are never needed whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.analysis import Analysis, Analyzer
from bot.closest import CuratedQuestions
from bot.indexing import Index
from bot.knowledge import Entry, KnowledgeBase
from bot.named_roles import REPLY, is_year, measures, term_ends, year_roles
from bot.nomination import PostingIndex
from bot.pending import pending
from bot.words import ordinals

# The verbs of the article that report what someone said ("Psaki said", "Mogherini believes").
STATEMENT = re.compile(
    r"\b(?:said|says|saying|believes|recommended|called|slammed|quotes|noted|stated|stressed|added)\b")
YEAR_ASKED = "#calendar_year"  # "which year?", "за какие годы?" (not "how many years?")
IDENTIFYING_SHARE = 0.3  # an entry with this share of curated questions asking who someone is tells that
# A period of years in an answer: "from 2008 to 2014", "2008–2014", "с 2008 по 2014"
PERIOD = re.compile(r"\b((?:19|20)\d\d)\s*(?:–|—|-|to|up to|until|through|and|по|до)\s*((?:19|20)\d\d)\b")


def gives(entry: Entry, qtype: str) -> bool:
    """Whether ``entry`` can answer a question of type ``qtype`` (who/when/where/quantity): a fact says so in
    ``gives``; a near miss or small talk is never the wrong type."""
    return entry.kind != "fact" or qtype in entry.gives


class Lookups:
    """One knowledge base's index, read the ways scoring needs it."""

    def __init__(self, kb: KnowledgeBase, index: Index, analyzer: Analyzer) -> None:
        self.kb = kb
        self.index = index
        self.analyzer = analyzer
        self.nomination = PostingIndex(index.postings, index.ids, index.packed, index.listed)
        self._curated: CuratedQuestions | None = None
        self._held: dict[str, frozenset[int]] = {}
        self._posted: dict[str, dict[int, tuple[float, int]]] = {}
        self._not_giving: dict[str, frozenset[int]] = {}
        self._stated: dict[int, frozenset[str]] = {}
        self._units: dict[int, frozenset[str]] = {}  # see units()
        self._together: dict[int, tuple[frozenset[str], ...]] = {}
        self._speakers: dict[str, frozenset[str]] = {}
        self._named_in: dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]] = {}  # see _paragraphs()
        self._heard: frozenset[str] | None = None  # see heard()
        self._about: dict[int, frozenset[str]] = {}  # see about()
        self._identifies: dict[str, bool] = {}  # see identifies()
        self._periods: dict[int, frozenset[tuple[str, str]]] = {}  # see periods()
        self._roles: tuple[str, dict[str, str]] = ("", {})  # the last question's year_roles
        self._lead: frozenset[str] | None = None  # see names_only_lead()
        self._pending: dict[str, frozenset[str]] = {}  # see pending()

    @property
    def curated(self) -> CuratedQuestions:
        """The entries' curated questions as scoring reads them (``bot.closest``)."""
        if self._curated is None:
            ix = self.index
            self._curated = CuratedQuestions(ix.terms, ix.question_terms, ix.question_starts, ix.entry_starts,
                                             ix.idf)
        return self._curated

    def about(self, i: int) -> frozenset[str]:
        """The people entry ``i`` is about, as its tags name them ("tibilov" on what he said of the date).
        Only people: a place or a country in the tags is often one the entry mentions, not its subject."""
        found = self._about.get(i)
        if found is None:
            persons = self.analyzer.person_ids
            tagged = (t for tag in self.kb.entries[i].tags for t in self.analyzer.terms_of(tag.replace("_", " "))[0])
            found = self._about[i] = frozenset(t for t in tagged if t in persons)
        return found

    def periods(self, i: int) -> frozenset[tuple[str, str]]:
        """The periods of years entry ``i``'s answers give ("From 2008 to 2014", "С 2008 по 2014 год")."""
        found = self._periods.get(i)
        if found is None:
            e = self.kb.entries[i]
            found = self._periods[i] = frozenset(PERIOD.findall(f"{e.en.answer}\n{e.ru.answer}"))
        return found

    def beyond_period(self, i: int, a: Analysis) -> bool:
        """Whether the question asks of a year that entry ``i`` gives only as where a period starts or ends
        for that year alone ("how much in 2014 alone?", "именно в 2014 году") or for the years before or
        after the period ("до 2008", "since 2014"): the entry's figure is the whole period's. Not of a near
        miss: that is what it declines."""
        periods = self.periods(i) if a.numbers and self.kb.entries[i].kind == "fact" else frozenset()
        if not periods:
            return False
        if self._roles[0] != a.text:
            self._roles = (a.text, year_roles(a.text.split()))
        roles = self._roles[1]
        return any((roles.get(first) in ("alone", "until") or roles.get(last) in ("alone", "since"))
                   and not (first in roles and last in roles) for first, last in periods)

    def beyond_term(self, i: int, a: Analysis) -> bool:
        """Whether the question asks what comes after the duration entry ``i``'s answer gives, or before it ends
        ("what happens after the 25 years?", "can a side leave before the 25 years are up?"): the entry
        gives the term, not what follows it."""
        if not a.numbers or self.kb.entries[i].kind != "fact":
            return False
        ends = term_ends(a.text)
        return bool(ends) and any(t in ends for t in self._amounts(i))

    def _amounts(self, i: int) -> list[str]:
        """The numbers of entry ``i``'s answers that are not years."""
        return [t for t in self.stated(i) if t.isdigit() and not is_year(t)]

    def holders(self, term: str) -> frozenset[int]:
        """The entries that hold ``term`` anywhere (for the few terms a named thing stands for)."""
        found = self._held.get(term)
        if found is None:
            start, end = self.index.postings.get(term, (0, 0))
            found = self._held[term] = frozenset(self.index.ids[start:end])
        return found

    def postings(self, term: str) -> dict[int, tuple[float, int]]:
        """Entry -> (field-weighted frequency, field bits) of ``term`` (for the concepts a word is part of)."""
        found = self._posted.get(term)
        if found is None:
            start, end = self.index.postings.get(term, (0, 0))
            ids, packed = self.index.ids[start:end], self.index.packed[start:end]
            found = self._posted[term] = {i: ((p >> 3) / 1024, p & 7) for i, p in zip(ids, packed, strict=True)}
        return found

    def not_giving(self, qtype: str) -> frozenset[int]:
        """The entries (by index) that cannot give an answer of type ``qtype``."""
        found = self._not_giving.get(qtype)
        if found is None:
            found = self._not_giving[qtype] = frozenset(
                i for i, e in enumerate(self.kb.entries) if not gives(e, qtype))
        return found

    def together(self, i: int) -> tuple[frozenset[str], ...]:
        """The named things and people (concepts) of each text of entry ``i`` that says one thing: what it
        quotes of each paragraph and each curated question (two named in one of them are named together)."""
        found = self._together.get(i)
        if found is None:
            e = self.kb.entries[i]
            named = self.analyzer.entity_ids | self.analyzer.person_ids
            paragraphs: dict[int, list[str]] = {}
            for sentence in e.cited:
                paragraphs.setdefault(sentence.paragraph, []).append(sentence.text)
            texts = [" ".join(p) for p in paragraphs.values()] or list(e.source)
            sets = [frozenset(t for t in self.analyzer.terms_of(text)[0] if t in named) for text in texts]
            sets += [frozenset(t for t in terms if t in named) for terms in self.index.asked(i).terms]
            found = self._together[i] = tuple(x for x in sets if len(x) > 1)
        return found

    def speakers(self, e: Entry) -> frozenset[str]:
        """Who says what entry ``e`` quotes: the named person or thing right before each statement verb of
        the paragraphs it quotes ("... Psaki said", "the Kremlin said in a statement"); none for a fact
        that quotes no one."""
        found = self._speakers.get(e.id)
        if found is None:
            found = self._speakers[e.id] = self._quoting(self._quoted_paragraphs(e) or list(e.source))
        return found

    def _quoted_paragraphs(self, e: Entry) -> list[str]:
        """The whole paragraphs of the article that entry ``e`` quotes a sentence of ("... Georgia." is
        Psaki's in '..., Psaki said')."""
        quoted = {s.paragraph for s in e.cited}
        paragraphs: dict[int, list[str]] = {}
        for sentence in self.kb.article.sentences:
            if sentence.paragraph in quoted:
                paragraphs.setdefault(sentence.paragraph, []).append(sentence.text)
        return [" ".join(p) for p in paragraphs.values()]

    def _quoting(self, texts: Iterable[str]) -> frozenset[str]:
        """The named things and people right before the statement verbs of ``texts``."""
        named = self.analyzer.entity_ids | self.analyzer.person_ids
        who: set[str] = set()
        for text in texts:
            for m in STATEMENT.finditer(text):
                before = self.analyzer.terms_of(text[max(0, m.start() - 60):m.start()])[0]
                who.update([t for t in before if t in named][-1:])
        return frozenset(who)

    def pending(self, e: Entry) -> frozenset[str]:
        """The events ``e``'s answer says are still to come (``bot.pending``): "yet to be ratified"."""
        found = self._pending.get(e.id)
        if found is None:
            found = self._pending[e.id] = pending(e.en.answer, lambda w: self.analyzer.terms_of(w)[0])
        return found

    def heard(self) -> frozenset[str]:
        """Everyone the article quotes, and whom they speak for (``Analyzer.voices``)."""
        if self._heard is None:
            voices = self.analyzer.voices
            said = self._quoting(s.text for s in self.kb.article.sentences)
            self._heard = frozenset(v for s in said for v in voices.get(s, (s,)))
        return self._heard

    def may_have_said(self, e: Entry, who: str, a: Analysis | None = None) -> bool:
        """Whether entry ``e`` may be what ``who`` said: it quotes someone who speaks, directly or not, for
        ``who`` or for what ``who`` stands for ("the West": Psaki, for the US; "Moscow": Peskov, for the
        Kremlin, which stands for Russia, as Moscow does); or it quotes no one, and ``who`` is heard in the
        article at all ("what did Putin say about pensions?": the treaty he signed; "what did Abkhazia
        say?": no one in the article speaks for Abkhazia). And when the question ``a`` asks how ``who``
        answered other people ("what did Psaki answer Peskov?"), it is what ``who`` said to them (``says_to``)."""
        said_by = self.speakers(e)
        voices = self.analyzer.voices
        mine = {who, *self.analyzer.stands_for.get(who, ())}
        if not said_by:
            heard = not mine.isdisjoint(self.heard())
        else:
            heard = any(not mine.isdisjoint(voices.get(s, ())) for s in said_by)
        if not heard or a is None or not REPLY.search(a.text):
            return heard
        others = [p for p in self.analyzer.person_ids.intersection(a.terms)
                  if who not in voices.get(p, ()) and p not in voices.get(who, ())]  # not the same side
        return all(self.says_to(e, who, other) for other in others)

    def only_said_by(self, e: Entry, who: str) -> bool:
        """Whether everyone entry ``e`` quotes is on the side of ``who`` (Psaki and the US, of the US or of
        Psaki): what it quotes is not an answer to ``who``."""
        said_by = self.speakers(e)
        voices = self.analyzer.voices
        mine = {who, *self.analyzer.stands_for.get(who, ()), *voices.get(who, ())}  # Psaki, the US, the West
        return bool(said_by) and all(not mine.isdisjoint(voices.get(s, ())) for s in said_by)

    def names_only_lead(self, e: Entry) -> bool:
        """Whether entry ``e``'s answer names people, only those the article's lead names (its first sentence
        that names anyone: the signatories here): no answer to "who else was there?"."""
        if self._lead is None:
            persons = self.analyzer.person_ids
            each = (persons.intersection(self.analyzer.terms_of(s.text)[0]) for s in self.kb.article.sentences)
            self._lead = next((found for found in each if found), frozenset())
        named = self.analyzer.person_ids.intersection(self.analyzer.terms_of(e.en.answer)[0])
        return bool(named) and named <= self._lead

    def identifies(self, e: Entry, a: Analysis) -> bool:
        """Whether entry ``e`` tells who someone is, which question ``a`` does not ask: a good share of its
        curated questions ask that ("Who is Dmitry Peskov?", "кто такой Песков"), by the lexicon's strict
        concepts, and ``a`` has none ("what did Peskov say?" asks for his words)."""
        if not self.analyzer.strict_ids.isdisjoint(a.terms):
            return False
        found = self._identifies.get(e.id)
        if found is None:
            questions = [*e.en.questions, *e.ru.questions]
            asking = sum(not self.analyzer.strict_ids.isdisjoint(self.analyzer.terms_of(q)[0]) for q in questions)
            found = self._identifies[e.id] = bool(questions) and asking >= IDENTIFYING_SHARE * len(questions)
        return found

    def says_to(self, e: Entry, speaker: str, other: str) -> bool:
        """Whether a paragraph entry ``e`` quotes has someone speaking for ``speaker`` say something naming
        ``other`` (or whom ``other`` speaks for): "what did Peskov answer Psaki?" is his reply to the US
        Department she speaks for; "what did Psaki answer Peskov?" is nothing, though one entry quotes both."""
        voices = self.analyzer.voices
        mine = {speaker, *self.analyzer.stands_for.get(speaker, ())}
        theirs = {other, *self.analyzer.speaks_for.get(other, ())}
        return any(not theirs.isdisjoint(named) and any(not mine.isdisjoint(voices.get(s, (s,))) for s in said_by)
                   for said_by, named in self._paragraphs(e))

    def _paragraphs(self, e: Entry) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
        """Who speaks in each paragraph entry ``e`` quotes, and the named things and people it names."""
        found = self._named_in.get(e.id)
        if found is None:
            named = self.analyzer.entity_ids | self.analyzer.person_ids
            found = self._named_in[e.id] = tuple(
                (self._quoting([text]), frozenset(t for t in self.analyzer.terms_of(text)[0] if t in named))
                for text in self._quoted_paragraphs(e))
        return found

    def states_year(self, i: int) -> bool:
        """Whether entry ``i``'s answer states a year ("from 2008 to 2014"): it answers "which years?"."""
        return any(is_year(t) for t in self.stated(i))

    def stated(self, i: int) -> frozenset[str]:
        """The numbers and named things (concepts) of entry ``i``'s answers, as the analyzer reads them."""
        found = self._stated.get(i)
        if found is None:
            e = self.kb.entries[i]
            terms = (t for text in (e.en.answer, e.ru.answer) for t in self.analyzer.terms_of(text)[0])
            found = self._stated[i] = frozenset(t for t in terms if t.isdigit() or t.startswith("#"))
        return found

    def units(self, i: int) -> frozenset[str]:
        """The units entry ``i``'s answers count in ("concluded for 25 years": #year): a question's figure of
        one of them ("it runs for 10 years, right?") is one the entry can correct, no near miss."""
        found = self._units.get(i)
        if found is None:
            e = self.kb.entries[i]
            found = self._units[i] = frozenset(u for text in (e.en.answer, e.ru.answer)
                                               for _, u in measures(self.analyzer.terms_of(text)[1], ordinals(text)))
        return found

    def restates_amount(self, i: int, a: Analysis) -> bool:
        """Whether question ``a`` asks how much and already states every amount entry ``i``'s answer gives
        (its numbers but years): "how much of the 1 billion goes to pensions?" wants a part of the billion,
        which an answer saying "1 billion" does not give."""
        amounts = self._amounts(i)
        return bool(amounts) and a.qtype == "quantity" and all(t in a.numbers for t in amounts)
