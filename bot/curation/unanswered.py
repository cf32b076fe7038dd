"""Unanswered questions grouped by the entry they came closest to, re-matched against the live knowledge base.

Pure: /unanswered passes the chat log's recent unanswered questions and the ignored question keys in.
Each distinct question (normalised: :func:`question_key`) is matched again by the current matcher, so

* a question the knowledge base now answers (an admin fixed it since) is dropped;
* a question declined because it matched a ``gap`` entry (something people ask that the article does
  not say) is a correct decline: it is grouped under that gap entry and listed apart, "declined on purpose";
* every other question is grouped under the nearest fact entry (the matcher's best candidate, even when
  it declined), or under no entry when nothing came close.

Wordings of one question that differ only slightly (a typo) are one item; different questions near the same
entry stay separate items of its group. Items and groups carry identities (a question's short hash, an
entry id) for the buttons, never their place in a list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, process

from bot.curation.overlay import EditedKnowledge, question_id
from bot.knowledge import Entry
from bot.lexicon import LANGS
from bot.matching import Matcher, normalise, tokens

WORDING_SIMILARITY = 90  # rapidfuzz ratio at or above which two wordings are one question (typos, word order)
NO_ENTRY = "-"  # the group key of the questions that came close to no entry

T = TypeVar("T")


@dataclass(frozen=True)
class UnansweredQuestion:
    """One unanswered question: its most frequent wording and how often it (or a near wording) was asked."""

    qid: str  # question_id of the question's key: what its buttons carry
    question: str
    lang: str
    count: int
    wordings: tuple[str, ...]  # every distinct wording, most frequent first


@dataclass(frozen=True)
class UnansweredGroup:
    """The questions nearest to one entry (``nearest`` None: to none)."""

    key: str  # the entry id, or NO_ENTRY
    nearest: Entry | None
    declined: bool  # the entry is a gap entry: the questions were declined on purpose
    questions: tuple[UnansweredQuestion, ...]  # most asked first

    @property
    def count(self) -> int:
        return sum(q.count for q in self.questions)


@dataclass(frozen=True)
class Unanswered:
    """The groups of one /unanswered listing: to be fixed first (most asked first), then the declined ones."""

    groups: tuple[UnansweredGroup, ...] = ()

    @property
    def to_fix(self) -> tuple[UnansweredGroup, ...]:
        return tuple(g for g in self.groups if not g.declined)

    @property
    def declined(self) -> tuple[UnansweredGroup, ...]:
        return tuple(g for g in self.groups if g.declined)

    def group(self, key: str) -> UnansweredGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    def find(self, qid: str) -> tuple[UnansweredGroup, UnansweredQuestion] | None:
        """The group and the question whose identity is ``qid`` (None when the listing has no such question)."""
        for g in self.groups:
            for q in g.questions:
                if q.qid == qid:
                    return g, q
        return None


def question_key(text: str) -> str:
    """How unanswered questions are compared and ignored: normalised, whitespace collapsed."""
    return " ".join(tokens(normalise(text)))


def page_of(items: Sequence[T], page: int, size: int) -> tuple[Sequence[T], int, int]:
    """Page ``page`` (clamped) of ``items``: its items, the page number, how many pages there are (at least 1)."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def _counted(rows: Iterable[tuple[str, str | None]], skip: set[str]) -> tuple[Counter[str], dict[str, tuple[str, str]]]:
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str]] = {}  # key -> (a wording, its language)
    for question, lang in rows:
        key = question_key(question or "")
        if not key or key in skip:
            continue
        counts[key] += 1
        first.setdefault(key, (" ".join(question.split()), lang if lang in LANGS else "en"))
    return counts, first


def _merged(keys: Iterable[str]) -> list[list[str]]:
    """Keys (most frequent first) joined to the first earlier head that reads almost the same."""
    groups: list[list[str]] = []
    heads: list[str] = []
    for key in keys:
        best = process.extractOne(key, heads, scorer=fuzz.ratio, score_cutoff=WORDING_SIMILARITY) if heads else None
        if best is None:
            heads.append(key)
            groups.append([key])
        else:
            groups[best[2]].append(key)
    return groups


def nearest(matcher: Matcher, question: str, lang: str) -> tuple[Entry | None, bool] | None:
    """Where ``question`` stands with ``matcher``: None when it is answered now, else (the nearest entry,
    whether it is a gap entry that declines it on purpose)."""
    outcome = matcher.match(question, fallback_lang=lang)
    if outcome.status == "answered":
        return None
    if outcome.gap is not None:
        return outcome.gap, True
    if outcome.candidates:
        return outcome.candidates[0].entry, False
    ranked = matcher.rank(outcome.analysis or matcher.analyzer.analyse(question, lang))
    return next((c.entry for c in ranked if c.entry.kind == "fact"), None), False


def group_unanswered(
    rows: Iterable[tuple[str, str | None]], matcher: Matcher, ignored: Iterable[str] = ()
) -> Unanswered:
    """Group ``(question, lang)`` rows by their nearest entry; questions answered now and ignored ones left out."""
    counts, first = _counted(rows, set(ignored))
    keys_of: dict[str, list[str]] = {}  # group key -> its question keys, most asked first
    entries: dict[str, tuple[Entry | None, bool]] = {}
    for key, _n in counts.most_common():
        where = nearest(matcher, *first[key])
        if where is None:
            continue
        group_key = where[0].id if where[0] is not None else NO_ENTRY
        entries.setdefault(group_key, where)
        keys_of.setdefault(group_key, []).append(key)
    groups = []
    for group_key, keys in keys_of.items():
        # Wordings that read almost the same, near the same entry, are one question (typos, word order).
        items = [UnansweredQuestion(question_id(same[0]), *first[same[0]], sum(counts[k] for k in same),
                                    tuple(first[k][0] for k in same)) for same in _merged(keys)]
        items.sort(key=lambda q: -q.count)
        groups.append(UnansweredGroup(group_key, *entries[group_key], tuple(items)))
    groups.sort(key=lambda g: (g.declined, g.key == NO_ENTRY, -g.count, g.key))
    return Unanswered(tuple(groups))


def entry_choices(edited: EditedKnowledge, matcher: Matcher, question: str, lang: str) -> list[Entry]:
    """Every live entry an unanswered question could go to: the matcher's nearest first, then the rest by id."""
    ranked = [c.entry for c in matcher.rank(matcher.analyzer.analyse(question, lang)) if c.entry.kind != "smalltalk"]
    live = {e.id: e for e in edited.entries}
    near = [live[e.id] for e in ranked[:8] if e.id in live]
    rest = sorted((e for e in edited.entries if e.kind != "smalltalk"), key=lambda e: e.id)
    return list(dict.fromkeys([*near, *rest]))


def taken_over(
    old: Matcher, new: Matcher, rows: Iterable[tuple[str, str | None]], entry_id: str
) -> list[UnansweredQuestion]:
    """Recent unanswered questions (most asked first) that ``new`` answers with ``entry_id`` and ``old`` did not:
    what a new or edited entry would take over."""
    counts, first = _counted(rows, set())
    found = []
    for key, n in counts.most_common():
        question, lang = first[key]
        after = new.match(question, fallback_lang=lang)
        if after.status != "answered" or after.entry is None or after.entry.id != entry_id:
            continue
        before = old.match(question, fallback_lang=lang)
        if before.status != "answered" or before.entry is None or before.entry.id != entry_id:
            found.append(UnansweredQuestion(question_id(key), question, lang, n, (question,)))
    return found
