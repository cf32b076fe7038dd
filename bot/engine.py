"""The engine as the config describes it: thresholds and matcher for a knowledge base (pure)."""

from __future__ import annotations

from bot.config import Config
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher, Thresholds


def thresholds_from(config: Config) -> Thresholds:
    """The configured overrides of the decision model's thresholds (unset: the fitted ones)."""
    m = config.matching
    return Thresholds(m.answer_threshold, m.clarify_threshold, m.clarify_margin, m.max_candidates)


def build_matcher(kb: KnowledgeBase, config: Config) -> Matcher:
    return Matcher(kb, thresholds_from(config))
