"""Question matching: normalise, detect the language, score entries, decide an outcome (pure).

The pipeline for one question:

1. ``normalise``: NFKC, case, ``ё``/``е``, quotes and dashes, invisible characters, a leading
   ``@botname`` or ``/ask``; ``detect_language``: Cyrillic script means Russian.
2. ``Analyzer.analyse``: tokens, typo correction against the knowledge base's own vocabulary
   (rapidfuzz Levenshtein), Snowball stems, synonym concepts from ``lexicon.toml`` (both languages map
   to the same concept, so a Russian question can use an English curated word and back), stop words
   dropped, question type (who / when / where / quantity) detected.
3. ``Matcher.rank``: candidate entries from an inverted index over every field of an entry (curated
   questions, keywords and tags, answers in both languages, source sentences), shortlisted by a fixed
   blend of coverage in both directions and rapidfuzz similarity; for each, the features the learned
   decision reads (``bot/decision.py``: field coverage, BM25F, unknown words, the thing asked for,
   question-type fit, margin to the runner-up, ...) and its probability of being a right answer.
4. ``Matcher.match``: the best candidate is answered when that probability reaches the fitted
   threshold; two principled guards (a named entity or a number the entry never mentions) and a
   better-matching ``gap`` entry decline; close candidates on other topics are offered back. Long
   messages are also read as their question sentence; the surest reading decides.

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

from bot.decision import FEATURES, DecisionModel, load_decision
from bot.knowledge import DECISION_FILE, Entry, KnowledgeBase, default_knowledge_dir

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
    head: str | None = None  # the term right after "what"/"which"/"какой": the thing asked for
    head_unknown: bool = False  # that word is one the knowledge base does not know


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float  # the probability that answering with this entry is right (bot/decision.py)
    coverage: float = 1.0  # the share of the question's meaning this entry explains
    base: float = 0.0  # the fixed blend that shortlisted it
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)


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
    parts: tuple[Outcome, ...] = ()  # several questions in one message: one answered outcome each
    uncovered: tuple[str, ...] = ()  # ... and the parts the article does not cover, as the user wrote them
    resolved: str = ""  # a follow-up: the question the bot understood it as (for the chat log)


@dataclass(frozen=True)
class Thresholds:
    """Overrides of the decision model's fitted thresholds (None: the fitted value)."""

    answer: float | None = None  # probability at or above which the best entry is answered
    clarify: float | None = None  # close candidates at or above this are offered back
    margin: float = 0.06  # a rival on another topic within this of the best makes it a question back
    max_candidates: int = 3


class Analyzer:
    """Turns text into terms using one knowledge base's lexicon and vocabulary."""

    def __init__(self, kb: KnowledgeBase) -> None:
        lex = kb.lexicon
        qwords = {w for table in lex.qtypes.values() for ps in table.values() for p in ps for w in tokens(normalise(p))}
        # Question words say what kind of answer is wanted (see ``qtype``), not what it is about.
        self.stopwords: frozenset[str] = frozenset().union(*lex.stopwords.values(), qwords)
        self.heads = lex.heads
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
        head, head_unknown = self._head(text, fixes, unknown)
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
            head=head,
            head_unknown=head_unknown,
        )

    def _head(self, text: str, fixes: Mapping[str, str], unknown: Sequence[str]) -> tuple[str | None, bool]:
        """(the term, unknown?) of the word that names what a "what X"/"which X"/"какой X" question asks for."""
        words = tokens(text)
        for i, w in enumerate(words[:-1]):
            if w not in self.heads:
                continue
            nxt = words[i + 1]
            if nxt in self.stopwords or nxt.isdigit():
                return None, False
            if nxt in unknown:
                return None, True
            terms, _ = self._terms([(fixes.get(nxt, nxt), False)])
            return (terms[0] if terms else None), False
        return None, False


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
    answer_terms: frozenset[str]  # terms found in the answers but not in the curated questions
    source_terms: frozenset[str]  # terms found only in the source sentences
    questions: tuple[_Question, ...]
    small_talk: frozenset[str]  # whole normalised questions, for small talk
    term_questions: Mapping[str, tuple[int, ...]]  # term -> its questions
    fields: Mapping[str, float]  # term -> field-weighted frequency (BM25F)


# The base score blends coverage of the user's question by the entry, coverage of the entry's closest
# curated question by the user's words, and rapidfuzz similarity with it. It only shortlists candidates
# and gives the ``margin`` feature: whether to answer is the learned decision (bot/decision.py).
W_QUERY, W_ENTRY, W_FUZZ = 0.45, 0.35, 0.20
# BM25F: a term's weight in an entry is the field-weighted sum of where it occurs.
FIELD_QUESTION, FIELD_KEYWORD, FIELD_ANSWER, FIELD_SOURCE = 1.0, 0.8, 0.8, 0.6
BM25_K1 = 1.2
MAX_UNKNOWN_COUNTED = 3
CORRECTED_WEIGHT = 0.7  # a word that matched only after a typo correction is less certain evidence
COMMON_SHARE = 0.3  # terms in more entries than this do not nominate candidates (they still score)
PRESELECT = 16  # candidates scored in full after the cheap index pass
SCORED = 8  # of those, the best this many by base score are judged by the model
GENERIC_SHARE = 0.4  # a term found in more than this share of entries says nothing specific on its own
GAP_MIN_BASE = 0.45  # a gap entry declines the question when its base score is at least this
GAP_MARGIN = 0.05  # ... and beats the best fact's by this much
CONFIDENT = 0.9  # at or above this probability the best entry is answered even with a close rival
LONG_MESSAGE_TERMS = 5  # words in a message before its question sentence is tried on its own
SMALL_TALK_SIMILARITY = 90  # a message this close (0-100) to a small-talk phrase is small talk
SMALL_TALK_MAX_WORDS = 6


@dataclass(frozen=True)
class _Scored:
    index: int
    base: float
    values: dict[str, float]


class Matcher:
    """Scores questions against one knowledge base. Build once; ``match`` is cheap and pure."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None,
                 decision: DecisionModel | None = None) -> None:
        self.kb = kb
        self.decision = decision or kb.decision or shipped_decision()
        given = thresholds or Thresholds()
        self.answer_threshold = given.answer if given.answer is not None else self.decision.answer
        self.clarify_threshold = min(
            given.clarify if given.clarify is not None else self.decision.clarify, self.answer_threshold
        )
        self.thresholds = given
        self.analyzer = Analyzer(kb)
        raw: list[tuple[Entry, list[list[str]], set[str], tuple[set[str], set[str], set[str]], dict[str, float]]] = []
        df: dict[str, int] = defaultdict(int)
        for e in kb.entries:
            qlists: list[list[str]] = []
            small: set[str] = set()
            for lang in ("en", "ru"):
                for q in e.block(lang).questions:
                    content, every = self.analyzer.terms_of(normalise(q))
                    qlists.append(content or every)
                    small.add(" ".join(every))
            # A gap entry's answer says what the article *does* say instead, so it is matched by its
            # questions alone; otherwise it would compete for exactly the facts it points to.
            keyword_texts = (*e.en.keywords, *e.ru.keywords, *(tag.replace("_", " ") for tag in e.tags))
            answer_texts = () if e.kind == "gap" else (e.en.answer, e.ru.answer)
            source_texts = () if e.kind == "gap" else e.source
            keyword_terms, answer_terms, source_terms = (
                {t for text in texts for t in self.analyzer.terms_of(normalise(text))[0]}
                for texts in (keyword_texts, answer_texts, source_texts)
            )
            fields: dict[str, float] = defaultdict(float)  # term -> field-weighted frequency (BM25F)
            for qterms in qlists:
                for t in set(qterms):
                    fields[t] += FIELD_QUESTION / max(len(qlists), 1) * 3  # share of questions, ~3 = all
            for terms, weight in ((keyword_terms, FIELD_KEYWORD), (answer_terms, FIELD_ANSWER),
                                  (source_terms, FIELD_SOURCE)):
                for t in terms:
                    fields[t] += weight
            for t in fields:
                df[t] += 1
            raw.append((e, qlists, small, (keyword_terms, answer_terms, source_terms), dict(fields)))
        n = max(len(kb.entries), 1)
        self.idf: dict[str, float] = {t: math.log(1 + n / c) for t, c in df.items()}
        self.df_share: dict[str, float] = {t: c / n for t, c in df.items()}
        self.max_idf = math.log(1 + n)
        self.index: dict[str, list[int]] = defaultdict(list)
        self.entries: list[_Indexed] = []
        for i, (e, qlists, small, (keyword_terms, answer_terms, source_terms), fields) in enumerate(raw):
            questions = tuple(
                _Question(frozenset(q), " ".join(sorted(set(q))), sum(self.idf[t] for t in set(q)) or 1.0)
                for q in qlists
                if q
            )
            term_questions: dict[str, list[int]] = defaultdict(list)
            for qi, question in enumerate(questions):
                for t in question.terms:
                    term_questions[t].append(qi)
            curated = frozenset(t for q in qlists for t in q) | keyword_terms
            self.entries.append(
                _Indexed(e, curated, frozenset(answer_terms - curated),
                         frozenset(source_terms - curated - answer_terms), questions, frozenset(small),
                         {t: tuple(v) for t, v in term_questions.items()}, fields)
            )
            if e.kind != "smalltalk":
                for t in fields:
                    self.index[t].append(i)

    # --- scoring -----------------------------------------------------------------------------

    def _weight(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def _score(self, a: Analysis, i: int, qtext: str, weights: dict[str, float], total: float) -> _Scored:
        """The base score and the model's features of entry ``i`` for the question."""
        ix = self.entries[i]
        in_question = in_answer = in_source = bm25 = 0.0
        for t, w in weights.items():
            w_eff = w * (CORRECTED_WEIGHT if t in a.corrected else 1.0)
            if t in ix.question_terms:
                in_question += w_eff
            elif t in ix.answer_terms:
                in_answer += w_eff
            elif t in ix.source_terms:
                in_source += w_eff
            tf = ix.fields.get(t, 0.0)
            if tf:
                bm25 += w_eff * tf * (BM25_K1 + 1) / (tf + BM25_K1)
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
        cov_any = (in_question + FIELD_ANSWER * in_answer + FIELD_SOURCE * in_source) / total
        known = ix.question_terms | ix.answer_terms | ix.source_terms
        entity_miss = any(ent not in known for ent in a.entities)
        strict_miss = not entity_miss and not self.analyzer.strict_ids.isdisjoint(weights) and not any(
            weights.keys() <= q.terms for q in ix.questions
        )
        number_miss = any(num not in known for num in a.numbers)
        head_miss = a.head is not None and a.head not in known
        gives = self._gives(ix.entry, a.qtype) if a.qtype else False
        base = W_QUERY * cov_any + W_ENTRY * best_entry_cov + W_FUZZ * best_fuzz
        if entity_miss or strict_miss:
            base *= 0.55
        if number_miss:
            base *= 0.55
        if a.qtype and not gives:
            base *= 0.75
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
            "qtype_fit": float(bool(a.qtype) and gives),
            "qtype_miss": float(bool(a.qtype) and not gives),
            "head_miss": float(head_miss),
            "is_gap": float(ix.entry.kind == "gap"),
            "is_broad": float("overview" in ix.entry.tags),
        }
        return _Scored(i, base, values)

    @staticmethod
    def _gives(entry: Entry, qtype: str) -> bool:
        return entry.kind != "fact" or qtype in entry.answers

    def rank(self, a: Analysis) -> list[Candidate]:
        """The entries that share a term with the question, best base score first.

        ``Candidate.score`` is the model's probability that answering with the entry is right.
        """
        if not a.terms:
            return []
        # Candidates come from the question's distinctive words; words found in a large share of entries
        # ("treaty", "Russia") pick no one out and would make every entry a candidate.
        distinctive = [t for t in a.terms if self.df_share.get(t, 0.0) <= COMMON_SHARE] or list(a.terms)
        rough: dict[int, float] = defaultdict(float)
        for t in distinctive:
            w = self._weight(t)
            for i in self.index.get(t, ()):
                rough[i] += w * self.entries[i].fields[t]  # where the term is counts: questions most
        common = [(t, self._weight(t)) for t in a.terms if t not in distinctive]
        if common:  # they still order the nominated entries
            for i in rough:
                fields = self.entries[i].fields
                rough[i] += sum(w for t, w in common if t in fields)
        shortlist = heapq.nlargest(PRESELECT, rough, key=rough.__getitem__)
        if not shortlist:
            return []
        qtext = " ".join(sorted(set(a.terms)))
        weights = {t: self._weight(t) for t in a.terms}
        total = sum(weights.values())
        scored = sorted((self._score(a, i, qtext, weights, total) for i in shortlist),
                        key=lambda s: (-s.base, self.entries[s.index].entry.id))[:SCORED]
        shared = self._question_values(a, total)
        unknown_weight = self.max_idf * min(len(a.unknown), MAX_UNKNOWN_COUNTED)
        candidates: list[Candidate] = []
        # The margin to the runner-up is taken among entries of the same kind: a fact competes with
        # facts (a near-miss gap entry is judged separately), a gap with gaps.
        by_kind: dict[str, list[float]] = defaultdict(list)
        first: dict[str, int] = {}
        for pos, s in enumerate(scored):
            kind = self.entries[s.index].entry.kind
            by_kind[kind].append(s.base)
            first.setdefault(kind, pos)
        for pos, s in enumerate(scored):
            kind = self.entries[s.index].entry.kind
            peers = by_kind[kind]
            top = first[kind] == pos
            rival = (peers[1] if len(peers) > 1 else 0.0) if top else peers[0]
            values = {**shared, **s.values, "margin": s.base - rival, "is_top": float(top)}
            values["cov_diluted"] = values["cov_any"] * total / (total + unknown_weight)
            values["cov_question_known"] = values["cov_question"] * (1 - values["unknown_share"])
            values["source_only"] = float(values["cov_source"] > 0 and values["cov_question"] == 0
                                          and values["cov_answer"] == 0)
            values["best_x_cov"] = values["best_question_cov"] * values["cov_any"]
            p = self.decision.accept.probability([values[name] for name in FEATURES])
            candidates.append(Candidate(self.entries[s.index].entry, p, values["cov_any"], s.base, values))
        return candidates

    def _question_values(self, a: Analysis, total: float) -> dict[str, float]:
        """The features that describe the question itself, the same for every candidate."""
        unknown = len(a.unknown)
        return {
            "unknown_share": unknown / (len(a.terms) + unknown),
            "unknown_name": float(bool(a.unknown_names)),
            "generic_only": float(all(self.df_share.get(t, 0.0) > GENERIC_SHARE for t in a.terms)),
            "log_terms": math.log1p(len(a.terms)),
            "corrected_share": len(a.corrected & set(a.terms)) / len(a.terms),
            "unknown_count": float(min(unknown, MAX_UNKNOWN_COUNTED)),
            "head_unknown": float(a.head_unknown),
        }

    # --- the decision ------------------------------------------------------------------------

    def match(self, text: str, lang: str | None = None, fallback_lang: str = "en") -> Outcome:
        """Decide what to do with one question. ``lang`` forces the language of the reply.

        A long message (a greeting, some background, then the question) is also read as its question
        sentence alone, and with the named things of the rest added; the reading the model is most sure
        of decides.
        """
        a = self.analyzer.analyse(text, lang)
        reply_lang = lang or a.lang or fallback_lang
        outcome = self.decide(a, reply_lang)
        if len(a.terms) + len(a.unknown) >= LONG_MESSAGE_TERMS:
            focus = focus_sentence(strip_address(text[:MAX_QUESTION_CHARS]))
            if focus is not None:
                f = self.analyzer.analyse(focus, lang)
                with_context = replace(f, terms=tuple(dict.fromkeys((*f.terms, *sorted(a.entities)))))
                for reading in (with_context, f) if with_context.terms != f.terms else (f,):
                    focused = self.decide(reading, reply_lang)
                    if _rank_of(focused) > _rank_of(outcome):
                        outcome = focused
        return outcome

    def decide(self, a: Analysis, reply_lang: str) -> Outcome:
        """The outcome for one reading of a message (``match`` chooses among readings)."""
        def unknown(reason: str, near: Iterable[Entry] = (), gap: Entry | None = None, score: float = 0.0) -> Outcome:
            return Outcome("unknown", reply_lang, round(score, 4), suggestions=self._suggest(near), gap=gap,
                           reason=reason, analysis=a)

        talk = self._small_talk(a)
        if talk is not None:
            return Outcome("answered", reply_lang, 1.0, entry=talk, reason="small_talk", analysis=a)
        if not a.terms:
            return unknown("empty" if not a.all_terms and not a.unknown else "no_content")
        ranked = self.rank(a)
        if not ranked:
            return unknown("off_topic")
        facts = [c for c in ranked if c.entry.kind == "fact"]
        near = [c.entry for c in facts[:6]]
        gaps = [c for c in ranked if c.entry.kind == "gap"]
        if gaps and gaps[0].base >= GAP_MIN_BASE and (not facts or gaps[0].base >= facts[0].base + GAP_MARGIN):
            # The closest reading is something people ask that the article does not say.
            gap = gaps[0].entry
            return unknown("gap", [self.kb.by_id[r] for r in gap.related if r in self.kb.by_id], gap=gap,
                           score=gaps[0].score)
        if not facts:
            return unknown("off_topic")
        top = facts[0]
        th = self.thresholds
        # Principled guards, not learned: the question names a thing or a number that even the closest
        # entry never mentions, or asks who someone is when no entry is about exactly that person, so
        # whatever the entry says is about something else.
        for guard in ("entity_miss", "number_miss", "strict_miss"):
            if top.features.get(guard):
                return unknown(guard.removesuffix("_miss"), near, score=top.score)
        generic = all(self.df_share.get(t, 0.0) > GENERIC_SHARE for t in a.terms)
        if generic and top.score < self.answer_threshold and not a.unknown:
            # Only words that fit everything ("treaty", "Russia"): ask which part they mean.
            broad = [Candidate(e, top.score) for e in self.kb.facts() if "overview" in e.tags]
            options = tuple((broad or facts)[: th.max_candidates])
            return Outcome("clarify", reply_lang, round(top.score, 4), candidates=options, reason="vague",
                           analysis=a)
        # Close candidates from another topic are different readings of the question; close ones from the
        # same topic (an overview and its detail) answer it alike, so they need no question back.
        rivals = [c for c in facts[1 : th.max_candidates + 2] if c.score >= top.score - th.margin
                  and c.score >= self.clarify_threshold and c.entry.topic != top.entry.topic]
        if top.score >= self.answer_threshold:
            if not rivals or top.score >= CONFIDENT:
                return Outcome("answered", reply_lang, round(top.score, 4), entry=top.entry,
                               suggestions=self._related(top.entry), reason="match", analysis=a)
            return Outcome("clarify", reply_lang, round(top.score, 4),
                           candidates=tuple([top, *rivals][: th.max_candidates]), reason="close_candidates",
                           analysis=a)
        if top.score >= self.clarify_threshold and rivals:
            return Outcome("clarify", reply_lang, round(top.score, 4),
                           candidates=tuple([top, *rivals][: th.max_candidates]), reason="close_candidates",
                           analysis=a)
        # Not sure enough to answer: decline, offering the nearest entries as suggestions.
        return unknown("unsure", near, score=top.score)

    def _small_talk(self, a: Analysis) -> Entry | None:
        """A small-talk entry when the whole message is small talk ("thanks!", "who made you?")."""
        key = " ".join(a.all_terms)
        if not key:
            return None
        words = a.text.split()
        for ix in self.entries:
            if ix.entry.kind != "smalltalk":
                continue
            if key in ix.small_talk:
                return ix.entry
            if len(words) <= SMALL_TALK_MAX_WORDS and process.extractOne(
                key, ix.small_talk, scorer=fuzz.ratio, score_cutoff=SMALL_TALK_SIMILARITY
            ):
                return ix.entry
        return None

    def _related(self, entry: Entry) -> tuple[Entry, ...]:
        return tuple(self.kb.by_id[r] for r in entry.related if r in self.kb.by_id)

    @staticmethod
    def _suggest(near: Iterable[Entry]) -> tuple[Entry, ...]:
        """Up to three distinct article facts near the question (empty: the caller offers topics)."""
        return tuple(dict.fromkeys(e for e in near if e.kind == "fact"))[:3]


def _rank_of(outcome: Outcome) -> tuple[int, float]:
    """How good an outcome is, to choose between readings of one message: an answer beats a question
    back, which beats a decline; then the probability."""
    order = {"answered": 2, "clarify": 1, "unknown": 0}[outcome.status]
    if outcome.reason == "small_talk":
        order = 0
    return order, outcome.score


@lru_cache(maxsize=1)
def shipped_decision() -> DecisionModel:
    """The decision model shipped with the package (``knowledge/decision.toml``)."""
    return load_decision(default_knowledge_dir() / DECISION_FILE)
