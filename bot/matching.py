"""Question matching: normalise, detect the language, score entries, decide an outcome (pure).

The pipeline for one question:

1. ``normalise``: NFKC, case, ``ё``/``е``, quotes and dashes, invisible characters, a leading
   ``@botname`` or ``/ask``; ``detect_language``: Cyrillic script means Russian.
2. ``Analyzer.analyse``: tokens, typo correction against the knowledge base's own vocabulary
   (rapidfuzz Levenshtein), Snowball stems, synonym concepts from ``lexicon.toml`` (both languages map
   to the same concept, so a Russian question can use an English curated word and back), stop words
   dropped, question type (who / when / where / quantity) detected.
3. ``Matcher.match``: candidate entries from an inverted index, each scored by IDF-weighted coverage in
   both directions (how much of the question the entry explains, how much of its best curated question
   the user asked) plus rapidfuzz token similarity; then the guards that turn near misses into honest
   declines: a named entity or a number the entry does not mention, a question type the entry does not
   answer, an unknown capitalised name, a matched ``gap`` entry.

Everything here is deterministic and has no I/O, so it is tested directly.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import Entry, KnowledgeBase

Status = Literal["answered", "clarify", "unknown"]

MAX_QUESTION_CHARS = 1000  # longer messages are cut before matching (the reply says nothing of it)
QTYPE_WINDOW = 4  # a question word counts when it is among a sentence's first four words

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "`": "'",
                         "–": "-", "—": "-", "‑": "-", "−": "-", "ё": "е", "Ё": "Е"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufff9-\ufffb]")
_COMBINING = re.compile(r"[\u0300-\u0305\u0307-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LEADING_ADDRESS = re.compile(r"^\s*(?:/ask(?:@\w+)?|@\w+)[\s,:;.!?-]*", re.IGNORECASE)
_TOKEN = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)?")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")
_SENTENCE_END = re.compile(r"[.!?…]\s*$")


def normalise(text: str) -> str:
    """Text as the matcher sees it: one line, no invisible characters, no leading address, casefolded."""
    text = text[:MAX_QUESTION_CHARS]
    if not text.isascii():  # NFKC and the invisible characters concern non-ASCII text only
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _CONTROL.sub(" ", text)
    if not text.isascii():
        # Drop combining accents ("café" -> "cafe", "ё" -> "е") but keep the breve of "й".
        text = unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
        text = text.translate(_QUOTES)
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.casefold().split())


def strip_address(text: str) -> str:
    """The message without a leading ``@botname`` or ``/ask`` (original case kept)."""
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            return text.strip()
        text = stripped


def detect_language(text: str) -> str | None:
    """``ru`` when the text has Cyrillic letters, ``en`` when it has Latin ones, else None."""
    if _CYRILLIC.search(text):
        return "ru"
    if _LATIN.search(text):
        return "en"
    return None


_STEMMERS = {"en": Stemmer.Stemmer("english"), "ru": Stemmer.Stemmer("russian")}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word, in the stemmer its script calls for."""
    if word.isdigit():
        return word
    lang = "ru" if _CYRILLIC.search(word) else "en"
    return str(_STEMMERS[lang].stemWord(word))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


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


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float
    coverage: float = 1.0  # the share of the question's meaning this entry explains


@dataclass(frozen=True)
class Outcome:
    """What the bot does with a question; the texts module turns it into words."""

    status: Status
    lang: str
    score: float
    entry: Entry | None = None  # the answer (status answered)
    candidates: tuple[Candidate, ...] = ()  # clarify: the close candidates, best first
    suggestions: tuple[Entry, ...] = ()  # follow-ups (answered) or nearest topics (unknown)
    gap: Entry | None = None  # unknown because it matched something the article does not say
    reason: str = ""  # why this outcome (for logs, eval and tests)
    analysis: Analysis | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.60
    clarify: float = 0.45
    margin: float = 0.06
    max_candidates: int = 3


class Analyzer:
    """Turns text into terms using one knowledge base's lexicon and vocabulary."""

    def __init__(self, kb: KnowledgeBase) -> None:
        lex = kb.lexicon
        qwords = {w for table in lex.qtypes.values() for ps in table.values() for p in ps for w in tokens(normalise(p))}
        # Question words say what kind of answer is wanted (see ``qtype``), not what it is about.
        self.stopwords: frozenset[str] = frozenset().union(*lex.stopwords.values(), qwords)
        self.stop_stems = frozenset(stem(w) for w in self.stopwords if " " not in w)
        self.single: dict[str, str] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self.entity_ids = frozenset(f"#{c.id}" for c in lex.concepts if c.entity)
        self.strict_ids = frozenset(f"#{c.id}" for c in lex.concepts if c.strict)
        for concept in lex.concepts:
            cid = f"#{concept.id}"
            for word in concept.words:
                stems = tuple(stem(t) for t in tokens(normalise(word)))
                if len(stems) == 1:
                    self.single.setdefault(stems[0], cid)
                elif stems:
                    self.phrases[stems[0]].append((stems, cid))
        for items in self.phrases.values():
            items.sort(key=lambda p: -len(p[0]))
        phrase_types: dict[str, str] = {}
        for table in lex.qtypes.values():
            for qtype, phrases in table.items():
                for phrase in phrases:
                    words = normalise(phrase).split()
                    if words:
                        phrase_types.setdefault(" ".join(words), qtype)
        self.phrase_types = phrase_types
        # One alternation, longest phrases first, so "how long" wins over "how".
        alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrase_types, key=len, reverse=True))
        self.qtype_re = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)") if phrase_types else None
        # Vocabulary for typo correction: every word the knowledge base itself uses.
        vocab: set[str] = set(self.stopwords)
        texts: list[str] = [kb.article.text]
        gap_texts: list[str] = []
        for e in kb.entries:
            for lang in ("en", "ru"):
                b = e.block(lang)
                (gap_texts if e.kind == "gap" else texts).extend((*b.questions, *b.keywords, b.answer))
        for c in lex.concepts:
            texts.extend(c.words)
        for table in lex.qtypes.values():
            for phrases in table.values():
                texts.extend(phrases)
        for t in texts:
            vocab.update(w for w in tokens(normalise(t)) if not w.isdigit())
        # Names the article and its facts know. A name known only from a gap entry ("Germany", "NATO")
        # is still unknown to the article: a question naming it is declined.
        self.name_vocab = frozenset(vocab)
        self.name_stems = frozenset(stem(w) for w in vocab) | frozenset(self.single)
        for t in gap_texts:
            vocab.update(w for w in tokens(normalise(t)) if not w.isdigit())
        self.vocab = frozenset(vocab)
        self.vocab_stems = frozenset(stem(w) for w in vocab)
        by_initial: dict[str, list[str]] = defaultdict(list)
        for w in sorted(vocab):
            if len(w) >= 3:
                by_initial[w[0]].append(w)
        self._vocab_by_initial = {k: tuple(v) for k, v in by_initial.items()}
        stop_by_initial: dict[str, list[str]] = defaultdict(list)
        for w in sorted(self.stopwords):
            if len(w) >= 3 and " " not in w:
                stop_by_initial[w[0]].append(w)
        self._stop_by_initial = {k: tuple(v) for k, v in stop_by_initial.items()}
        self._correct_cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The knowledge-base word a misspelt ``word`` most likely meant, or None.

        One edit (a swap of neighbours counts as one: "abuot") for words up to six letters, two for longer
        ones ("дагавор"), and the first letter must agree: people rarely mistype it, and requiring it
        keeps "recipe" from becoming "recap".
        """
        if word in self._correct_cache:
            return self._correct_cache[word]
        n = len(word)
        result: str | None = None
        if n == 3 and not word.isdigit():
            # Three letters are too few to guess a content word from, but "wen" is "when".
            pool = self._stop_by_initial.get(word[0], ())
            match = process.extractOne(word, pool, scorer=OSA.distance, score_cutoff=1)
            if match is not None:
                result = match[0]
        elif n >= 4 and not word.isdigit():
            max_d = 1 if n <= 6 else 2
            pool = self._vocab_by_initial.get(word[0], ())
            match = process.extractOne(word, pool, scorer=OSA.distance, score_cutoff=max_d)
            # A word two edits from a stop word is more likely another word ("weather", not "whether").
            if match is not None and (match[1] <= 1 or match[0] not in self.stopwords):
                result = match[0]
        if len(self._correct_cache) < 100_000:
            self._correct_cache[word] = result
        return result

    def qtype(self, text: str) -> str | None:
        """What kind of answer the question wants: the first who/when/where/quantity phrase that starts
        within a sentence's first words ("so when was it signed", not "what did Psaki say when ...")."""
        if self.qtype_re is None:
            return None
        for sentence in _SENTENCES.finditer(text):
            words = sentence.group().split()
            head = " ".join(words[: QTYPE_WINDOW + 3])  # room for a phrase that starts in the window
            m = self.qtype_re.search(head)
            if m is not None and len(head[: m.start()].split()) < QTYPE_WINDOW:
                return self.phrase_types.get(" ".join(m.group().split()))
        return None

    def terms_of(self, text: str) -> tuple[list[str], list[str]]:
        """(content terms, all terms) of already-normalised curated text: no typo correction."""
        return self._terms([(w, False) for w in tokens(text)])

    def _terms(self, words: Sequence[tuple[str, bool]]) -> tuple[list[str], list[str]]:
        stems = [stem(w) for w, _ in words]
        content: list[str] = []
        every: list[str] = []
        i = 0
        while i < len(stems):
            phrase = next(
                (p for p in self.phrases.get(stems[i], ()) if tuple(stems[i : i + len(p[0])]) == p[0]), None
            )
            if phrase is not None:
                content.append(phrase[1])
                every.append(phrase[1])
                i += len(phrase[0])
                continue
            word, s = words[i][0], stems[i]
            term = self.single.get(s) or self.single.get(word) or s
            every.append(term)
            if term.startswith("#") or (
                word not in self.stopwords and s not in self.stop_stems and (len(word) > 1 or word.isdigit())
            ):
                content.append(term)
            i += 1
        return content, every

    def analyse(self, raw: str, lang: str | None = None) -> Analysis:
        text = normalise(raw)
        detected = lang or detect_language(text)
        original = strip_address(raw[:MAX_QUESTION_CHARS])
        names = _capitalised_words(original)
        words: list[tuple[str, bool]] = []
        fixes: dict[str, str] = {}
        unknown: list[str] = []
        unknown_names: list[str] = []
        for w in tokens(text):
            if w in names and w not in self.name_vocab and stem(w) not in self.name_stems:
                unknown_names.append(w)
            if w.isdigit() or w in self.vocab or w in self.stopwords:
                words.append((w, False))
                continue
            s = stem(w)
            if s in self.vocab_stems or s in self.single:
                words.append((w, False))
                continue
            fixed = self.correct(w)
            if fixed is not None:
                words.append((fixed, True))
                fixes[w] = fixed
                continue
            if len(w) >= 3:
                unknown.append(w)
        content, every = self._terms(words)
        exact, _ = self._terms([(w, False) for w, fixed in words if not fixed])
        corrected_text = _TOKEN.sub(lambda m: fixes.get(m.group(), m.group()), text) if fixes else text
        return Analysis(
            text=text,
            lang=detected,
            terms=tuple(dict.fromkeys(content)),
            entities=frozenset(t for t in content if t in self.entity_ids),
            numbers=frozenset(t for t in content if t.isdigit()),
            qtype=self.qtype(corrected_text),
            unknown=tuple(unknown),
            unknown_names=tuple(unknown_names),
            all_terms=tuple(every),
            corrected=frozenset(content) - frozenset(exact),
        )


_SENTENCES = re.compile(r"[^.!?…]+[.!?…]*")


def focus_sentence(text: str) -> str | None:
    """The last sentence that asks something (else the last sentence) of a message of several."""
    sentences = [m.group().strip() for m in _SENTENCES.finditer(text) if len(tokens(m.group())) >= 2]
    if len(sentences) < 2:
        return None
    questions = [x for x in sentences if x.endswith("?")]
    return (questions or sentences)[-1]


def _capitalised_words(text: str) -> set[str]:
    """Casefolded words written with a capital (or in capitals) anywhere but a sentence's start."""
    names: set[str] = set()
    for m in _TOKEN.finditer(text):
        word = m.group()
        if not word[:1].isupper():
            continue
        before = text[: m.start()]
        at_start = not before.strip() or bool(_SENTENCE_END.search(before)) or before.rstrip().endswith(
            ("\n", ":", '"', "«", "(")
        )
        if not at_start or (len(word) > 1 and word.isupper()):
            names.add(normalise(word))
    return names


@dataclass(frozen=True)
class _Question:
    terms: frozenset[str]
    text: str  # the terms joined, for rapidfuzz
    weight: float  # sum of idf of its terms


@dataclass(frozen=True)
class _Indexed:
    entry: Entry
    question_terms: frozenset[str]
    answer_terms: frozenset[str]
    questions: tuple[_Question, ...]
    small_talk: frozenset[str]  # whole normalised questions, for stop-word-only small talk
    term_questions: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # term -> its questions


# Scoring weights: coverage of the user's question by the entry, coverage of the entry's best curated
# question by the user's words, and rapidfuzz token similarity with that question. Tuned on the
# development set with the knowledge base's own questions held out (see benchmarks/tune.py).
W_QUERY, W_ENTRY, W_FUZZ = 0.45, 0.35, 0.20
ANSWER_ONLY_WEIGHT = 0.6  # a term found only in the answer or source counts for less
CORRECTED_WEIGHT = 0.7  # a word that matched only after a typo correction is less certain evidence
MAX_UNKNOWN_COUNTED = 3
UNKNOWN_WORD_WEIGHT = 1.2  # each unknown content word dilutes coverage like a rare term
ENTITY_PENALTY = 0.55  # the question names an entity the entry never mentions
NUMBER_PENALTY = 0.55  # the question has a number the entry never mentions
QTYPE_PENALTY = 0.75  # the question asks who/when/where/how much and the entry cannot say
COMMON_SHARE = 0.3  # terms in more entries than this do not nominate candidates (they still score)
PRESELECT = 16  # candidates scored in full after the cheap index pass
GAP_MARGIN = 0.05  # a gap entry must beat the best fact by this much to decline the question
CONFIDENT = 0.85  # at or above this the best entry is answered even with a close rival
GENERIC_SHARE = 0.4  # a term found in more than this share of entries says nothing specific on its own
MIN_COVERAGE = 0.30  # an answer must explain at least this share of the question's (IDF-weighted) words
LONG_MESSAGE_TERMS = 5  # words in a message before its question sentence is tried on its own


class Matcher:
    """Scores questions against one knowledge base. Build once; ``match`` is cheap and pure."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.analyzer = Analyzer(kb)
        raw: list[tuple[Entry, list[list[str]], set[str], set[str]]] = []
        df: dict[str, int] = defaultdict(int)
        for e in kb.entries:
            qlists: list[list[str]] = []
            small: set[str] = set()
            for lang in ("en", "ru"):
                b = e.block(lang)
                for q in (*b.questions, *b.keywords):
                    content, every = self.analyzer.terms_of(normalise(q))
                    qlists.append(content or every)
                    small.add(" ".join(every))
            answer_terms: set[str] = set()
            # A gap entry's answer says what the article *does* say instead, so it is matched by its
            # questions alone; otherwise it would compete for exactly the facts it points to.
            texts = (*e.tags,) if e.kind == "gap" else (e.en.answer, e.ru.answer, *e.source, *e.tags)
            for text in texts:
                answer_terms.update(self.analyzer.terms_of(normalise(text))[0])
            qterms = {t for q in qlists for t in q}
            for t in qterms | answer_terms:
                df[t] += 1
            raw.append((e, qlists, answer_terms, small))
        n = max(len(kb.entries), 1)
        self.idf: dict[str, float] = {t: math.log(1 + n / c) for t, c in df.items()}
        self.df_share: dict[str, float] = {t: c / n for t, c in df.items()}
        self.max_idf = math.log(1 + n)
        self.index: dict[str, list[int]] = defaultdict(list)
        self.entries: list[_Indexed] = []
        for i, (e, qlists, answer_terms, small) in enumerate(raw):
            questions = tuple(
                _Question(frozenset(q), " ".join(sorted(set(q))), sum(self.idf[t] for t in set(q)) or 1.0)
                for q in qlists
                if q
            )
            asked = frozenset(t for q in qlists for t in q)
            term_questions: dict[str, list[int]] = defaultdict(list)
            for qi, question in enumerate(questions):
                for t in question.terms:
                    term_questions[t].append(qi)
            self.entries.append(
                _Indexed(e, asked, frozenset(answer_terms - asked), questions, frozenset(small),
                         {t: tuple(v) for t, v in term_questions.items()})
            )
            for t in asked | answer_terms:
                self.index[t].append(i)

    # --- scoring -----------------------------------------------------------------------------

    def _weight(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def _score(
        self, a: Analysis, ix: _Indexed, query_weight: float, qtext: str, weights: dict[str, float]
    ) -> tuple[float, float]:
        matched = 0.0
        for t, w in weights.items():
            if t in ix.question_terms:
                matched += w * (CORRECTED_WEIGHT if t in a.corrected else 1.0)
            elif t in ix.answer_terms:
                matched += ANSWER_ONLY_WEIGHT * w * (CORRECTED_WEIGHT if t in a.corrected else 1.0)
        cov_query = matched / query_weight if query_weight else 0.0
        shared: dict[int, float] = defaultdict(float)  # question index -> weight of the words it shares
        for t, w in weights.items():
            for qi in ix.term_questions.get(t, ()):
                shared[qi] += w
        best_entry_cov = 0.0
        best_fuzz = 0.0
        for qi, weight in shared.items():
            q = ix.questions[qi]
            cov = weight / q.weight
            if cov > best_entry_cov:
                best_entry_cov = cov
            # rapidfuzz only where it can still change the result: a question at least half as close.
            if cov * 2 >= best_entry_cov:
                sim = fuzz.token_sort_ratio(qtext, q.text, score_cutoff=best_fuzz * 100) / 100.0
                if sim > best_fuzz:
                    best_fuzz = sim
        score = W_QUERY * cov_query + W_ENTRY * best_entry_cov + W_FUZZ * best_fuzz
        known = ix.question_terms | ix.answer_terms
        if any(ent not in known for ent in a.entities):
            score *= ENTITY_PENALTY
        elif not self.analyzer.strict_ids.isdisjoint(weights) and not any(
            weights.keys() <= q.terms for q in ix.questions
        ):
            # "who is X" asks about X itself: only an entry curated for exactly that question answers it.
            score *= ENTITY_PENALTY
        if any(num not in known for num in a.numbers):
            score *= NUMBER_PENALTY
        if a.qtype and not self._gives(ix.entry, a.qtype):
            score *= QTYPE_PENALTY
        return score, cov_query

    @staticmethod
    def _gives(entry: Entry, qtype: str) -> bool:
        return entry.kind != "fact" or qtype in entry.answers

    def rank(self, a: Analysis) -> list[Candidate]:
        """Every entry that shares a term with the question, best first."""
        if not a.terms:
            return []
        # Unknown words dilute the question like rare terms, up to a few: a short question that is
        # mostly unknown ("how old is Putin") is not about the article, while a long message's chatter
        # ("my grandfather in ... keeps asking") must not drown its question.
        unknown = min(len(a.unknown), MAX_UNKNOWN_COUNTED)
        query_weight = sum(self._weight(t) for t in a.terms) + UNKNOWN_WORD_WEIGHT * self.max_idf * unknown
        # Candidates come from the question's distinctive words; words found in a large share of entries
        # ("treaty", "Russia") pick no one out and would make every entry a candidate.
        distinctive = [t for t in a.terms if self.df_share.get(t, 0.0) <= COMMON_SHARE] or list(a.terms)
        rough: dict[int, float] = defaultdict(float)
        for t in distinctive:
            w = self._weight(t)
            for i in self.index.get(t, ()):
                rough[i] += w
        common = [(t, self._weight(t)) for t in a.terms if t not in distinctive]
        if common:  # they still order the nominated entries
            for i in rough:
                ix = self.entries[i]
                rough[i] += sum(w for t, w in common if t in ix.question_terms or t in ix.answer_terms)
        shortlist = heapq.nlargest(PRESELECT, rough, key=rough.__getitem__)
        qtext = " ".join(sorted(set(a.terms)))
        weights = {t: self._weight(t) for t in a.terms}
        scored = [Candidate(self.entries[i].entry, *self._score(a, self.entries[i], query_weight, qtext, weights))
                  for i in shortlist]
        scored.sort(key=lambda c: (-c.score, c.entry.id))
        return scored

    # --- the decision ------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None, fallback_lang: str = "en") -> Outcome:
        """Decide what to do with one question. ``lang`` forces the language of the reply.

        A long message (a greeting, some background, then the question) is first decided by its last
        question sentence, with the named entities of the rest as extra words; when that gives no
        confident answer, by the whole message (whose unknown names then count).
        """
        a = self.analyzer.analyse(text, lang)
        reply_lang = lang or a.lang or fallback_lang
        if len(a.terms) + len(a.unknown) >= LONG_MESSAGE_TERMS:
            focus = focus_sentence(strip_address(text[:MAX_QUESTION_CHARS]))
            if focus is not None:
                f = self.analyzer.analyse(focus, lang)
                # The message's other named things may be what the question refers to ("...a treaty with
                # Abkhazia. When did it come into force?") or mere background ("I study the Caucasus"):
                # try the question sentence with them as extra words, then on its own.
                with_context = replace(f, terms=tuple(dict.fromkeys((*f.terms, *sorted(a.entities)))))
                for candidate in (with_context, f) if with_context.terms != f.terms else (f,):
                    focused = self._decide(candidate, reply_lang)
                    if focused.status == "answered":
                        return focused
                whole = self._decide(a, reply_lang)
                # Two questions in one sentence ("how long, and is it ratified?") are better offered as
                # choices than declined because the whole message matched nothing well.
                return focused if whole.status == "unknown" and focused.status == "clarify" else whole
        return self._decide(a, reply_lang)

    def _decide(self, a: Analysis, reply_lang: str) -> Outcome:
        th = self.thresholds

        def unknown(reason: str, near: Iterable[Entry] = (), gap: Entry | None = None, score: float = 0.0) -> Outcome:
            return Outcome("unknown", reply_lang, round(score, 4), suggestions=self._suggest(near), gap=gap,
                           reason=reason, analysis=a)

        if not a.terms:
            talk = self._small_talk(a)
            if talk is not None:
                return Outcome("answered", reply_lang, 1.0, entry=talk, reason="small_talk", analysis=a)
            return unknown("empty" if not a.all_terms and not a.unknown else "no_content")
        ranked = self.rank(a)
        facts = [c for c in ranked if c.entry.kind != "gap"]
        gaps = [c for c in ranked if c.entry.kind == "gap"]
        near = [c.entry for c in facts[:6]]
        if not ranked:
            return unknown("off_topic")
        # A gap entry (something the article does not say) wins only when it is clearly the better match:
        # it shares most of its words with the fact it is a near miss of.
        if gaps and gaps[0].score >= th.clarify and (not facts or gaps[0].score >= facts[0].score + GAP_MARGIN):
            gap = gaps[0].entry
            return unknown("gap", [self.kb.by_id[r] for r in gap.related if r in self.kb.by_id], gap=gap,
                           score=gaps[0].score)
        if a.unknown_names and not (facts and facts[0].entry.kind == "smalltalk"):
            return unknown("unknown_name", near, score=ranked[0].score)
        if not facts:
            return unknown("off_topic")
        best = facts[0]
        if all(self.df_share.get(t, 0.0) > GENERIC_SHARE for t in a.terms) and best.score < CONFIDENT:
            # Only words that fit everything ("treaty", "Russia"): ask which part they mean, unless the
            # question also has words the knowledge base does not know ("what did Turkey say about the
            # treaty"): those carry its meaning, and the article does not cover them.
            if a.unknown:
                return unknown("unknown_words", near, score=best.score)
            broad = [Candidate(e, best.score) for e in self.kb.facts() if "overview" in e.tags]
            options = tuple((broad or facts)[: th.max_candidates])
            return Outcome("clarify", reply_lang, round(best.score, 4), candidates=options, reason="vague",
                           analysis=a)
        if best.score < th.clarify:
            return unknown("low_score", near if best.score >= th.clarify * 0.6 else (), score=best.score)
        if a.qtype and not self._gives(best.entry, a.qtype):
            # The question asks who/when/where/how much: among the good matches, take one that says it.
            giving = [c for c in facts if self._gives(c.entry, a.qtype) and c.score >= th.answer]
            if not giving:
                return unknown(f"qtype:{a.qtype}", near, score=best.score)
            best = giving[0]
            facts = [best, *[c for c in facts if c is not best]]
        # Close candidates from another topic are different readings of the question; close ones from the
        # same topic (an overview and its detail) answer it alike, so they need no question back.
        rivals = [c for c in facts[1 : th.max_candidates + 2] if c.score >= best.score - th.margin
                  and c.entry.topic != best.entry.topic and c.entry.kind == "fact"]
        if best.score >= th.answer and best.coverage >= MIN_COVERAGE:
            if not rivals or best.score >= CONFIDENT:
                return Outcome("answered", reply_lang, round(best.score, 4), entry=best.entry,
                               suggestions=self._related(best.entry), reason="match", analysis=a)
            return Outcome("clarify", reply_lang, round(best.score, 4),
                           candidates=tuple([best, *rivals][: th.max_candidates]), reason="close_candidates",
                           analysis=a)
        # Not sure enough to answer: decline, offering the nearest entries as suggestions.
        return unknown("unsure" if best.coverage >= MIN_COVERAGE else "low_coverage", near, score=best.score)

    def _small_talk(self, a: Analysis) -> Entry | None:
        key = " ".join(a.all_terms)
        if not key:
            return None
        for ix in self.entries:
            if ix.entry.kind == "smalltalk" and key in ix.small_talk:
                return ix.entry
        return None

    def _related(self, entry: Entry) -> tuple[Entry, ...]:
        return tuple(self.kb.by_id[r] for r in entry.related if r in self.kb.by_id)

    @staticmethod
    def _suggest(near: Iterable[Entry]) -> tuple[Entry, ...]:
        """Up to three distinct article facts near the question (empty: the caller offers topics)."""
        return tuple(dict.fromkeys(e for e in near if e.kind == "fact"))[:3]
