"""Unanswered questions grouped by similarity, biggest groups first, each with the nearest entry.

Pure: /unanswered passes the chat log's recent unanswered questions and the ignored question keys in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge import Entry
from bot.lexicon import LANGS
from bot.matching import Matcher, normalise, tokens

GROUP_SIMILARITY = 80  # rapidfuzz token_set_ratio at or above which two unanswered questions are one group


@dataclass(frozen=True)
class UnansweredGroup:
    question: str  # the most frequent wording
    lang: str
    count: int  # exchanges in the group
    questions: tuple[str, ...]  # the distinct wordings, most frequent first
    suggestion: Entry | None  # the matcher's nearest entry (not small talk)


def question_key(text: str) -> str:
    """How unanswered questions are compared and ignored: normalised, whitespace collapsed."""
    return " ".join(tokens(normalise(text)))


def _clusters(keys: Iterable[str], similarity: float) -> list[list[str]]:
    """Keys (most frequent first) joined to the first earlier head they are similar enough to."""
    groups: list[list[str]] = []
    heads: list[str] = []
    for key in keys:
        best = process.extractOne(key, heads, scorer=fuzz.token_set_ratio, score_cutoff=similarity) if heads else None
        if best is None:
            heads.append(key)
            groups.append([key])
        else:
            groups[best[2]].append(key)
    return groups


def group_unanswered(
    rows: Iterable[tuple[str, str | None]],
    matcher: Matcher,
    ignored: Iterable[str] = (),
    similarity: float = GROUP_SIMILARITY,
) -> list[UnansweredGroup]:
    """Group questions by rapidfuzz similarity; biggest groups first, each with a suggested entry."""
    skip = set(ignored)
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    langs: dict[str, str] = {}
    for question, lang in rows:
        key = question_key(question or "")
        if not key or key in skip:
            continue
        counts[key] += 1
        wording.setdefault(key, " ".join(question.split()))
        langs.setdefault(key, lang if lang in LANGS else "en")
    result = []
    for keys in _clusters((key for key, _n in counts.most_common()), similarity):
        head = keys[0]
        ranked = matcher.rank(matcher.analyzer.analyse(wording[head], langs[head]))
        suggestion = next((c.entry for c in ranked if c.entry.kind != "smalltalk"), None)
        result.append(
            UnansweredGroup(wording[head], langs[head], sum(counts[k] for k in keys),
                            tuple(wording[k] for k in keys), suggestion)
        )
    result.sort(key=lambda g: -g.count)
    return result
