"""Matching (pure): candidate entries for an analysed question, their features, and the decision.

1. ``Matcher.rank``: candidate entries from an inverted index over every field of an entry (curated
   questions, keywords and tags, answers in both languages, source sentences), shortlisted by a fixed
   blend of coverage in both directions and rapidfuzz similarity; for each, the features the learned
   decision reads (``bot/decision.py``: field coverage, BM25F, unknown words, the thing asked for,
   question-type fit, margin to the runner-up, ...) and its probability of being a right answer.
2. ``Matcher.match``: the best candidate is answered when that probability reaches the fitted
   threshold; principled guards (a named entity or a number the entry never mentions, alternatives it
   names none of) and a better-matching ``gap`` entry decline (``bot.choosing``); close candidates on
   other topics are offered back. Long messages are also read as their question sentence; the surest
   reading decides.

The question itself is read by ``bot.analysis``; everything here is deterministic and has no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain

from bot.analysis import Analysis, Analyzer, term_weight
from bot.choosing import CONFIDENT, DECLINED_FOR_CAUSE, guarded_by, near_miss, quoting_first, surest_of_kin
from bot.decision import FEATURES, DecisionModel, load_decision
from bot.indexing import FIELD_ANSWER, FIELD_SOURCE, IN_ANSWER, IN_QUESTION, Index, build_index
from bot.knowledge import DECISION_FILE, Entry, KnowledgeBase, default_knowledge_dir
from bot.lookups import YEAR_ASKED, Lookups, gives
from bot.message_parts import focus_sentence
from bot.outcomes import Candidate, Outcome, Thresholds
from bot.pending import taken_as_done
from bot.readings import read_message
from bot.small_talk import SmallTalk
from bot.words import MAX_QUESTION_CHARS, detect_language, normalise, stem, strip_address, tokens

# Re-exported: callers read a question's text helpers from here as well as from bot.analysis.
__all__ = ["MAX_QUESTION_CHARS", "Analysis", "Analyzer", "Candidate", "Matcher", "Outcome", "Thresholds",
           "detect_language", "focus_sentence", "normalise", "stem", "strip_address", "tokens"]

# The base score blends coverage of the user's question by the entry, coverage of the entry's closest
# curated question by the user's words, and rapidfuzz similarity with it. It only shortlists candidates
# and gives the ``margin`` feature: whether to answer is the learned decision (bot/decision.py).
W_QUERY, W_ENTRY, W_FUZZ = 0.45, 0.35, 0.20
BM25_K1 = 1.2
MAX_UNKNOWN_COUNTED = 3
CORRECTED_WEIGHT = 0.7  # a word that matched only after a typo correction is less certain evidence
COMMON_SHARE = 0.3  # terms in more entries than this do not nominate candidates (they still score)
PRESELECT = 16  # candidates scored in full after the cheap index pass
SCORED = 8  # of those, the best this many by base score are judged by the model
GENERIC_SHARE = 0.4  # a term found in more than this share of entries says nothing specific on its own
PARTIAL_WEIGHT = 0.7  # a question's word an entry has only inside a phrase concept counts this share of its weight
QTYPE_MISS_SCALE = 0.75  # an entry that cannot give what the question asks (who/when/...) scores this much
RANK_MEMO = 128  # readings whose ranking is remembered (see ``rank``)


@dataclass(frozen=True)
class _Scored:
    index: int
    base: float
    values: dict[str, float]


class Matcher:
    """Scores questions against one knowledge base. Build once; ``match`` is cheap and pure."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None,
                 decision: DecisionModel | None = None) -> None:
        self.configure(kb, thresholds, decision)
        self.analyzer = Analyzer(kb, read_entries=False)  # the index build reads the entries' words
        self._build_index(kb)

    def configure(self, kb: KnowledgeBase, thresholds: Thresholds | None, decision: DecisionModel | None) -> None:
        """The settings, not the index (``bot.index_cache`` restores a saved index after this)."""
        self.kb = kb
        self.decision = decision or kb.decision or shipped_decision()
        given = thresholds or Thresholds()
        self.answer_threshold = given.answer if given.answer is not None else self.decision.answer
        clarify = given.clarify if given.clarify is not None else self.decision.clarify
        self.clarify_threshold = min(clarify, self.answer_threshold)
        self.thresholds = given
        self.__dict__.pop("_rank_memo", None)  # probabilities are the decision's

    def _build_index(self, kb: KnowledgeBase) -> None:
        index, (facts, gaps) = build_index(kb, self.analyzer)
        self.analyzer.learn_vocabulary(kb, facts, gaps)
        self.index: Index = index

    # --- scoring -----------------------------------------------------------------------------

    @property
    def lookups(self) -> Lookups:
        """The tables scoring reads from the index (made on first use; never part of a saved index)."""
        found: Lookups | None = self.__dict__.get("_lookups")
        if found is None:
            found = self._lookups = Lookups(self.kb, self.index, self.analyzer)
        return found

    def _weight(self, term: str) -> float:
        """A term's IDF weight; one no entry has weighs the most an entry's can, at its kind's share (a plain
        word half: "stay" in "how long does the deal stay valid?" must not outweigh the rest)."""
        w = self.index.idf.get(term)
        return self.index.max_idf * term_weight(term) if w is None else w

    def _score(self, a: Analysis, i: int, hits: Mapping[str, tuple[float, int]], qtext: str,
               weights: dict[str, float], total: float, agents: tuple[str, ...]) -> _Scored:
        """The base score and the model's features of entry ``i`` (``hits``: where each of the question's
        terms occurs in it) for the question."""
        entry = self.kb.entries[i]
        in_question = in_answer = in_source = bm25 = 0.0
        partial = self._partial_hits(i, hits, weights)
        if entry.kind == "gap":
            partial.update(self._stated_hits(i, a, hits, weights))
        elif YEAR_ASKED in weights and YEAR_ASKED not in hits and self.lookups.states_year(i):
            partial[YEAR_ASKED] = (1.0, IN_ANSWER)  # "43 млрд за какие годы?": an answer stating years has it
        for t, (tf, bits) in chain(hits.items(), partial.items()):
            w_eff = weights[t] * (CORRECTED_WEIGHT if t in a.corrected else 1.0) * (
                PARTIAL_WEIGHT if t in partial else 1.0)
            if bits & IN_QUESTION:
                in_question += w_eff
            elif bits & IN_ANSWER:
                in_answer += w_eff
            else:
                in_source += w_eff
            bm25 += w_eff * tf * (BM25_K1 + 1) / (tf + BM25_K1)
        best_entry_cov, best_fuzz, in_one = self.lookups.curated.closest(i, weights, qtext, self.lookups.about(i))
        cov_any = (in_question + FIELD_ANSWER * in_answer + FIELD_SOURCE * in_source) / total
        known = hits.keys() | partial.keys() if partial else hits.keys()
        covered_by = self.analyzer.covered_by
        entity_miss = any(ent not in known and not any(i in self.lookups.holders(s) for s in covered_by.get(ent, ()))
                          for ent in a.entities)
        strict_miss = not entity_miss and not self.analyzer.strict_ids.isdisjoint(weights) and not in_one
        counted = dict(a.measures) if a.measures else {}
        number_miss = any(num not in known and counted.get(num) not in self.lookups.units(i) for num in a.numbers) \
            or self.lookups.beyond_period(i, a) or self.lookups.beyond_term(i, a)
        head_miss = a.head is not None and a.head not in known
        gives_it = a.qtype is not None and gives(entry, a.qtype) and not (
            entry.kind == "fact" and self.lookups.restates_amount(i, a))
        base = W_QUERY * cov_any + W_ENTRY * best_entry_cov + W_FUZZ * best_fuzz
        if entity_miss or strict_miss:
            base *= 0.55
        if number_miss:
            base *= 0.55
        if a.qtype and not gives_it:
            base *= QTYPE_MISS_SCALE
        values = {
            "cov_question": in_question / total,
            "cov_answer": in_answer / total,
            "cov_source": in_source / total,
            "cov_any": cov_any,
            "best_question_cov": min(best_entry_cov, 1.0),
            "fuzz": best_fuzz,
            "bm25f": bm25 / ((BM25_K1 + 1) * total),
            "entity_miss": float(entity_miss),
            "number_miss": float(number_miss),
            "strict_miss": float(strict_miss),
            "qtype_fit": float(bool(a.qtype) and gives_it),
            "qtype_miss": float(bool(a.qtype) and not gives_it),
            "head_miss": float(head_miss),
            "named_apart": float(len(agents) > 1 and self._named_apart(agents, i)),
            "is_gap": float(entry.kind == "gap"),
            "is_broad": float(entry.broad),
        }
        return _Scored(i, base, values)

    def _named_apart(self, agents: tuple[str, ...], i: int) -> bool:
        """Whether no one text of entry ``i`` names all the named things the question relates (``_agents``)."""
        stands_for = self.analyzer.stands_for
        return not any(
            all(x in together or not stands_for.get(x, frozenset()).isdisjoint(together) for x in agents)
            for together in self.lookups.together(i))

    def _agents(self, a: Analysis) -> tuple[str, ...]:
        """The specific named things and people a question relates to each other ("how did Peskov answer the
        EU?"); none when it lists them ("what did the US and the EU say?")."""
        if not COORDINATORS.isdisjoint(tokens(a.text)):
            return ()
        named = self.analyzer.entity_ids | self.analyzer.person_ids
        share = self.index.df_share
        return tuple(t for t in dict.fromkeys(a.terms) if t in named and share.get(t, 0.0) <= GENERIC_SHARE)

    def _partial_hits(self, i: int, hits: Mapping[str, tuple[float, int]],
                      weights: Mapping[str, float]) -> dict[str, tuple[float, int]]:
        """The question's words that entry ``i`` has only as part of a phrase concept ("which ministries will
        cooperate?": the interior-ministries entry names "interior ministries"), with that concept's posting."""
        part_of = self.analyzer.part_of
        found: dict[str, tuple[float, int]] = {}
        for t in weights:
            whole = part_of.get(t) if t not in hits else None
            if whole:
                posted = [p for c in whole if (p := self.lookups.postings(c).get(i)) is not None]
                if posted:
                    found[t] = max(posted)
        return found

    def _stated_hits(self, i: int, a: Analysis, hits: Mapping[str, tuple[float, int]],
                     weights: Mapping[str, float]) -> dict[str, tuple[float, int]]:
        """For gap entry ``i``: the question's numbers and named things that its answer states (what the
        article does say about the thing asked: "November 2014" of the Abkhazia treaty, when the day is
        asked). A gap is matched by its questions alone, so without this such a number would be one the
        entry never mentions; found in the answer field, at a part's weight."""
        stated = self.lookups.stated(i)
        return {t: (1.0, IN_ANSWER) for t in weights
                if t in stated and t not in hits and (t.isdigit() or t in a.entities)}

    def rank(self, a: Analysis) -> list[Candidate]:
        """The entries that share a term with the question, best base score first; ``Candidate.score`` is the
        model's probability that answering with the entry is right. Remembered for the last ``RANK_MEMO``
        readings: a message is read several ways, and a follow-up's readings often repeat one."""
        memo = self.__dict__.get("_rank_memo")
        if memo is None:
            memo = self._rank_memo = lru_cache(maxsize=RANK_MEMO)(self._rank)
        return list(memo(a))

    def unframed(self, a: Analysis) -> Analysis:
        """``a`` without its framing concepts ("the gist", "what happened") when it names something specific
        besides: "what happens to pensions?" asks about pensions, not for the article's summary; ``a`` itself
        when it has none or names nothing else."""
        framing = self.analyzer.framing_concepts.intersection(a.terms)
        share = self.index.df_share
        if not framing or not any(t not in framing and share.get(t, 0.0) <= GENERIC_SHARE for t in a.terms):
            return a
        return replace(a, terms=tuple(t for t in a.terms if t not in framing))

    def _rank(self, a: Analysis) -> tuple[Candidate, ...]:
        if not a.terms:
            return ()
        # Entries that cannot give what is asked ("when?") are chosen as they will be scored: at a discount.
        demoted = self.lookups.not_giving(a.qtype) if a.qtype else frozenset()
        shortlist, hits = self.lookups.nomination.nominate_for(a.terms, self.index.df_share, COMMON_SHARE, self._weight,
                                                         PRESELECT, demoted, QTYPE_MISS_SCALE)
        if not shortlist:
            return ()
        qtext = " ".join(sorted({*a.terms, *a.unknown}))  # unknown words are part of what was asked
        weights = {t: self._weight(t) for t in a.terms}
        total = sum(weights.values())
        agents = self._agents(a)
        scored = sorted((self._score(a, i, hits[i], qtext, weights, total, agents) for i in shortlist),
                        key=lambda s: (-s.base, self.kb.entries[s.index].id))[:SCORED]
        shared = self._question_values(a, total)
        unknown_weight = self.index.max_idf * min(len(a.unknown), MAX_UNKNOWN_COUNTED)
        candidates: list[Candidate] = []
        # The margin to the runner-up is taken among entries of the same kind: a fact competes with
        # facts (a near-miss gap entry is judged separately), a gap with gaps. A runner-up quoting one of
        # the best entry's sentences is no rival: the quote answers either reading ("what did Psaki say
        # at the briefing": her words, or where she said them, both in one sentence).
        by_kind: dict[str, list[int]] = defaultdict(list)
        for pos, s in enumerate(scored):
            by_kind[self.kb.entries[s.index].kind].append(pos)
        for pos, s in enumerate(scored):
            entry = self.kb.entries[s.index]
            peers = by_kind[entry.kind]
            top = peers[0] == pos
            if top:
                quoted = set(entry.source)
                rival = next((scored[q].base for q in peers[1:]
                              if quoted.isdisjoint(self.kb.entries[scored[q].index].source)), 0.0)
            else:
                rival = scored[peers[0]].base
            values = {**shared, **s.values, "margin": s.base - rival, "is_top": float(top)}
            values["cov_diluted"] = values["cov_any"] * total / (total + unknown_weight)
            values["cov_question_known"] = values["cov_question"] * (1 - values["unknown_share"])
            values["source_only"] = float(values["cov_source"] > 0 and values["cov_question"] == 0
                                          and values["cov_answer"] == 0)
            values["best_x_cov"] = values["best_question_cov"] * values["cov_any"]
            p = self.decision.accept.probability([values[name] for name in FEATURES])
            candidates.append(Candidate(self.kb.entries[s.index], p, values["cov_any"], s.base, values))
        return tuple(candidates)

    def _question_values(self, a: Analysis, total: float) -> dict[str, float]:
        """The features that describe the question itself, the same for every candidate."""
        unknown = len(a.unknown)
        return {
            "unknown_share": unknown / (len(a.terms) + unknown),
            "unknown_name": float(bool(a.unknown_names)),
            "generic_only": float(all(self.index.df_share.get(t, 0.0) > GENERIC_SHARE for t in a.terms)),
            "log_terms": math.log1p(len(a.terms)),
            "corrected_share": len(a.corrected & set(a.terms)) / len(a.terms),
            "unknown_count": float(min(unknown, MAX_UNKNOWN_COUNTED)),
            "head_unknown": float(a.head_unknown),
        }

    # --- the decision ------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None, fallback_lang: str = "en") -> Outcome:
        """Decide what to do with one question. ``lang`` forces the language of the reply.

        A long message (a greeting, some background, then the question) is read several ways
        (``bot.readings``); the reading the model is most sure of decides.
        """
        read = read_message(self.analyzer, self.kb.lexicon, text, lang)
        found = read.all
        reply_lang = lang or found[0].lang or fallback_lang
        outcome = self.decide(found[0], reply_lang)
        for reading in found[1:]:
            focused = self.decide(reading, reply_lang)
            # The question sentence names what the article does not know and is declined ("Brussels and
            # Washington were critical. But what did Turkey say?"): the rest of the message does not answer it.
            if reading is read.focus and read.focus_names and focused.status == "unknown":
                return focused
            if focused.preference() > outcome.preference():
                outcome = focused
        return outcome

    def readings(self, text: str, lang: str | None = None) -> list[Analysis]:
        """The readings of a message (``bot.readings``), the whole first."""
        return list(read_message(self.analyzer, self.kb.lexicon, text, lang).all)

    def decide(self, a: Analysis, reply_lang: str, answer_at: float | None = None,
               without: frozenset[str] = frozenset()) -> Outcome:
        """The outcome for one reading of a message (``match`` chooses among readings); ``answer_at``
        replaces the answer threshold (a follow-up read with its conversation's context); ``without``:
        entries that may not answer ("and the other one?" after one of them)."""
        unframed = self.unframed(a)
        if unframed is not a:
            # The specific thing it names answers it, or declines it as a near miss; else the framing does.
            about = self._decide(unframed, reply_lang, answer_at, without)
            if about.status == "answered" or about.reason in DECLINED_FOR_CAUSE:
                return about
        return self._decide(a, reply_lang, answer_at, without)

    def _in_roles(self, a: Analysis, facts: list[Candidate]) -> list[Candidate]:
        """``facts`` as the roles the question gives allow: what a named speaker may have said ("what did
        Georgia say?": not what someone else said about Georgia, nor to whom else), or not the words of the one
        it says was answered ("who responded to the US?": not the US's own), or an answer naming someone
        besides the person whose partner it asks for ("with whom did Putin hold talks?")."""
        people = self.analyzer.person_ids
        asked = people.intersection(a.all_terms) if a.partner else frozenset()
        if len(asked) == 1:  # (two named: "the president of Ossetia who signed with Putin" asks for his name)
            others = people - asked
            facts = [c for c in facts if not others.isdisjoint(self.analyzer.terms_of(c.entry.en.answer)[0])] or facts
        if a.speaker:
            facts = [c for c in facts if self.lookups.may_have_said(c.entry, a.speaker, a)]
            words = [c for c in facts if not self.lookups.identifies(c.entry, a)]  # not who they are, if sure
            return quoting_first(words if words and words[0].score >= self.clarify_threshold else facts,
                                 self.thresholds, self.lookups)
        if a.addressee is not None:
            return [c for c in facts if not self.lookups.only_said_by(c.entry, a.addressee)]
        return facts

    def _beyond_lead(self, a: Analysis, facts: list[Candidate]) -> list[Candidate]:
        """``facts`` without those naming only the people the article opens with, when ``a`` asks who else
        ("who else was there?"; not "Putin and who else?", which asks for his partner)."""
        if not a.others or not self.analyzer.person_ids.isdisjoint(a.all_terms):
            return facts
        return [c for c in facts if not self.lookups.names_only_lead(c.entry)]

    def _decide(self, a: Analysis, reply_lang: str, answer_at: float | None, without: frozenset[str]) -> Outcome:
        answer_threshold = self.answer_threshold if answer_at is None else answer_at
        def unknown(reason: str, near: Iterable[Entry] = (), gap: Entry | None = None, score: float = 0.0) -> Outcome:
            return Outcome("unknown", reply_lang, round(score, 4), suggestions=self._suggest(near), gap=gap,
                           reason=reason, analysis=a)

        talk = self._small_talk(a)
        if talk is not None:
            return Outcome("answered", reply_lang, 1.0, entry=talk, reason="small_talk", analysis=a)
        if not a.terms:
            return unknown("empty" if not a.all_terms and not a.unknown else "no_content")
        ranked = [c for c in self.rank(a) if c.entry.id not in without] if without else self.rank(a)
        if not ranked:
            return unknown("off_topic")
        facts = [c for c in ranked if c.entry.kind == "fact"]
        near = [c.entry for c in facts[:6]]
        facts = self._in_roles(a, facts)
        miss = near_miss(a, ranked, facts, self.analyzer)
        if miss is not None:  # the closest reading is something people ask that the article does not say
            return unknown("gap", self.related(miss.entry), gap=miss.entry, score=miss.score)
        facts = self._beyond_lead(a, facts)
        if not facts:
            return unknown("unsure", near) if a.others else unknown("off_topic")
        top = surest_of_kin(facts, self.thresholds, self.answer_threshold)
        undone = self._undone(a, top, ranked)
        if undone is not None:  # "who voted for it?" of "it is yet to be ratified": the article has no vote
            return unknown("gap", self.related(undone), gap=undone, score=top.score)
        th = self.thresholds
        # Principled guards, not learned: the question names a thing or number that the closest entry never mentions.
        guarded = guarded_by(a, top, self.kb, self.lookups)
        if guarded is not None:
            return unknown(guarded, near, score=top.score)
        generic = all(self.index.df_share.get(t, 0.0) > GENERIC_SHARE for t in a.terms)
        answer_threshold = self._answer_bar(a, top, answer_threshold, generic)
        if generic and top.score < answer_threshold and not a.unknown and a.qtype is None:
            # Only words that fit everything ("treaty", "Russia"), and no entry has them as a question: ask which
            # part they mean. Not when it asks who/when/where/how many ("how many articles does it have?").
            broad = [Candidate(e, top.score) for e in self.kb.facts() if e.broad]
            options = tuple((broad or facts)[: th.max_candidates])
            return Outcome("clarify", reply_lang, round(top.score, 4), candidates=options, reason="vague",
                           analysis=a)
        # Close candidates from another topic are different readings of the question; close ones from the
        # same topic, or an overview and a detail it covers (``Entry.overview_of``), answer it alike: no question
        # back; nor one quoting a sentence the best quotes (the quote answers either reading, as for the margin).
        quoted = set(top.entry.source)
        rivals = [c for c in facts[1 : th.max_candidates + 2] if c.score >= top.score - th.margin
                  and c.score >= self.clarify_threshold and c.entry.topic != top.entry.topic
                  and not top.entry.alike(c.entry) and quoted.isdisjoint(c.entry.source)]
        # A question that names only people or things ("what did Putin say?", "Tibilov?") is a broad one:
        # the overview of what they said answers it, rather than a question back with who they are.
        sure = top.score >= CONFIDENT or (top.entry.broad and self.analyzer.names_only(a))
        if top.score >= answer_threshold and (not rivals or sure):
            return Outcome("answered", reply_lang, round(top.score, 4), entry=top.entry,
                           suggestions=self.related(top.entry), reason="match", analysis=a)
        if rivals and top.score >= min(self.clarify_threshold, answer_threshold):
            return Outcome("clarify", reply_lang, round(top.score, 4),
                           candidates=tuple([top, *rivals][: th.max_candidates]), reason="close_candidates",
                           analysis=a)
        # Not sure enough to answer: decline, offering the nearest entries as suggestions.
        return unknown("unsure", near, score=top.score)

    def _undone(self, a: Analysis, top: Candidate, ranked: Sequence[Candidate]) -> Entry | None:
        """The near miss of ``top``'s topic when ``a`` asks about an event as done that ``top``'s answer says
        is still to come ("which parliament ratified it first?", ``bot.pending``); None when it does not."""
        still = self.lookups.pending(top.entry)
        if not still or still.isdisjoint(taken_as_done(a.text, lambda w: self.analyzer.terms_of(w)[0])):
            return None
        return next((c.entry for c in ranked if c.entry.kind == "gap" and c.entry.topic == top.entry.topic), None)

    def _answer_bar(self, a: Analysis, top: Candidate, bar: float, generic: bool) -> float:
        """``bar``, or the clarify threshold for words that fit everything asked as an entry's own question
        ("what's in the accord?", of the provisions overview), in a sentence: not the bare keyword "treaty"."""
        own = generic and len(a.all_terms) > len(a.terms) + 1 and top.features["best_question_cov"] >= 1
        # ... or for what a speaker said and nothing else ("What did the West say?"), of an entry quoting them
        # ... or a party the article hears from named alone, with no word unread ("че там запад?", "did the west
        # like it or nah"): what it said is all the article has of it
        who = a.speaker if a.speaker is not None else (
            a.terms[0] if len(a.terms) == 1 and a.qtype is None and not a.unknown and a.terms[0] in self.lookups.heard()
            else None)
        said = who is not None and set(a.terms) == {who} and bool(self.lookups.speakers(top.entry)) \
            and self.lookups.may_have_said(top.entry, who)
        return min(bar, self.clarify_threshold) if own or said else bar

    def _small_talk(self, a: Analysis) -> Entry | None:
        """A small-talk entry when the message is small talk ("thanks!", "ok, got it"; bot/small_talk.py)."""
        talk: SmallTalk | None = getattr(self, "_talk", None)
        if talk is None:  # the few small-talk entries, listed by the index build
            talkers = [(self.kb.entries[i], phrases) for i, phrases in self.index.talkers]
            talk = self._talk = SmallTalk(talkers, self.analyzer.analyse)
        return talk.find(a)

    def related(self, entry: Entry) -> tuple[Entry, ...]:
        """The entries ``entry`` names as related (those the knowledge base has)."""
        return tuple(self.kb.by_id[r] for r in entry.related if r in self.kb.by_id)

    @staticmethod
    def _suggest(near: Iterable[Entry]) -> tuple[Entry, ...]:
        """Up to three distinct article facts near the question (empty: the caller offers topics)."""
        return tuple(dict.fromkeys(e for e in near if e.kind == "fact"))[:3]


COORDINATORS = frozenset({"and", "or", "nor", "&", "plus", "и", "или", "ни", "плюс"})  # "X and Y" lists named things


@lru_cache(maxsize=1)
def shipped_decision() -> DecisionModel:
    """The decision model shipped with the package (``knowledge/decision.toml``)."""
    return load_decision(default_knowledge_dir() / DECISION_FILE)
