"""The regression replay: what a change would do to real answers, before it is applied.

Recent real questions, the knowledge base's own curated questions (a few per entry and language, shipped
with it, so that a fresh install checks something too) and the configured regression sets
(``knowledge.regression_sets``) go through the matcher of the old and of the new knowledge base; the
result counts the questions whose outcome changes, with examples, and how many regression items each side
gets right. No Telegram, no database: the callers pass the recent questions in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.folding import fold
from bot.knowledge import KnowledgeBase
from bot.lexicon import LANGS
from bot.matching import Matcher

if TYPE_CHECKING:
    from bot.evaluation import EvalItem

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5
CURATED_PER_LANGUAGE = 3  # an entry's first questions per language replayed (its title among them)


@dataclass(frozen=True)
class ReplayExample:
    question: str
    before_status: str
    before_entry: str | None
    after_status: str
    after_entry: str | None


@dataclass(frozen=True)
class Replay:
    """What a change would do to real answers: how many of ``checked`` questions change, examples."""

    checked: int
    changed: int
    examples: tuple[ReplayExample, ...] = ()
    regression_total: int = 0  # items in the configured regression sets
    regression_before: int = 0  # of those, correct now
    regression_after: int = 0  # correct after the change


def _verdict(matcher: Matcher, question: str, lang: str | None, fallback: str) -> tuple[str, str | None]:
    outcome = matcher.match(question, lang=lang if lang in LANGS else None, fallback_lang=fallback)
    return outcome.status, outcome.entry.id if outcome.entry is not None else None


def _correct(matcher: Matcher, regression: Sequence[EvalItem], fallback: str) -> int:
    from bot.evaluation import evaluate

    report = evaluate(matcher, regression, fallback)
    return sum(v["correct"] for k, v in report["accuracy"].items() if k in ("in_scope", "refusal"))


def replay_change(
    old: Matcher,
    new: Matcher,
    questions: Iterable[tuple[str, str | None]],
    regression: Sequence[EvalItem] = (),
    fallback: str = "en",
    *,
    curated: bool = True,
) -> Replay:
    """Replay real questions, the old knowledge base's curated ones (``curated``) and the regression sets
    through both knowledge bases and compare."""
    seen: dict[str, tuple[str, str | None]] = {}
    own = curated_questions(old.kb) if curated else []
    for question, lang in [*questions, *own, *((item.question, None) for item in regression)]:
        key = fold(question)
        if key and key not in seen:
            seen[key] = (question, lang)
    examples: list[ReplayExample] = []
    changed = 0
    for question, lang in seen.values():
        before, after = _verdict(old, question, lang, fallback), _verdict(new, question, lang, fallback)
        if before != after:
            changed += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append(ReplayExample(question, *before, *after))
    if not regression:
        return Replay(len(seen), changed, tuple(examples))
    before_ok, after_ok = _correct(old, regression, fallback), _correct(new, regression, fallback)
    return Replay(len(seen), changed, tuple(examples), len(regression), before_ok, after_ok)


def curated_questions(kb: KnowledgeBase, per_language: int = CURATED_PER_LANGUAGE) -> list[tuple[str, str | None]]:
    """The knowledge base's own questions to replay: the first few of every fact and gap entry, per language."""
    return [
        (question, lang)
        for entry in kb.entries
        if entry.kind != "smalltalk"
        for lang in LANGS
        for question in entry.block(lang).questions[:per_language]
    ]


def unreached_questions(matcher: Matcher) -> list[tuple[str, str, str, str]]:
    """The curated questions of fact entries that the knowledge base does not answer at all, as (entry id,
    language, question, what happens instead: "declined" or "asked back"): words nobody reaches the entry
    by, often a question of stop words only or one whose question word the entry cannot give."""
    found: list[tuple[str, str, str, str]] = []
    for entry in matcher.kb.entries:
        if entry.kind != "fact":
            continue
        for lang in LANGS:
            for question in entry.block(lang).questions:
                status = matcher.match(question, lang=lang).status
                if status != "answered":
                    found.append((entry.id, lang, question, "asked back" if status == "clarify" else "declined"))
    return found


def load_regression_items(paths: Sequence[str], base_dir: Path | None = None) -> list[EvalItem]:
    """The questions of the configured regression sets (shared/eval JSONL); a missing file is logged."""
    from bot.evaluation import read_eval

    items: list[EvalItem] = []
    for name in paths:
        path = Path(name)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            items += read_eval(path)
        except (OSError, ValueError) as exc:
            log.warning("regression set %s cannot be read: %s", path, exc)
    return items
