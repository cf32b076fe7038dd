"""Fit the matcher's answer decision on labelled question sets (pure; ``treaty-bot kb fit`` runs it).

Every labelled question is read the way ``Matcher.match`` reads it (the whole message, and for a long
one its question sentence too); the best fact candidate of every reading becomes one row of features,
labelled 1 when answering with that entry would be right by the eval rule (the reply has every ``must``
group; never for a question that should be declined). A logistic regression over those rows is the
decision; the answer threshold is then the one that maximises in-scope accuracy
plus twice the refusal accuracy over the same questions, each scored by a model fitted without it
(five folds), since a model is surer of the questions it was fitted on than of new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.decision import FEATURES, DecisionModel, Linear, fit_logistic, zero_model
from bot.evaluation import EvalItem, evaluate, is_correct
from bot.knowledge import Entry, KnowledgeBase
from bot.matching import (
    Analysis,
    Matcher,
    Outcome,
)
from bot.texts import answer_text

REFUSAL_WEIGHT = 2.0  # a wrongly answered unknown question costs this many declined answerable ones
CLARIFY_BELOW = 0.15  # the clarify threshold sits this far below the answer threshold
L2 = 1.0
FOLDS = 5  # the threshold is chosen on out-of-fold probabilities (see ``cross_validated_threshold``)
SMOOTHING = 5  # the threshold's utility is averaged over this many hundredths either side
MIN_CV_ITEMS = 100  # below this many labelled questions, the threshold is chosen on the fitting questions


@dataclass(frozen=True)
class FitReport:
    model: DecisionModel
    rows: int
    positives: int
    items: int
    train_in_scope: float
    train_refusal: float


def _right(item: EvalItem, entry: Entry) -> int:
    """1 when answering ``item`` with ``entry`` is right by the eval rule."""
    if item.expect != "answer" or entry.kind != "fact":
        return 0
    lang = item.lang if item.lang in ("en", "ru") else "en"
    outcome = Outcome("answered", lang, 1.0, entry=entry)
    return int(is_correct(item, outcome, answer_text(entry, lang, html=False)))


def readings(matcher: Matcher, question: str) -> list[Analysis]:
    """The analyses ``Matcher.match`` considers for a message."""
    return matcher.readings(question)


def accept_rows(matcher: Matcher, items: Sequence[EvalItem]) -> tuple[list[list[float]], list[int]]:
    """The best fact candidate of every reading of every item, and whether answering with it is right."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        for reading in readings(matcher, item.question):
            top = next((c for c in matcher.rank(reading) if c.entry.kind == "fact"), None)
            if top is not None:
                rows.append([top.features[name] for name in FEATURES])
                labels.append(_right(item, top.entry))
    return rows, labels


def threshold_points(matcher: Matcher, items: Sequence[EvalItem]) -> tuple[list[tuple[float, bool]], list[float]]:
    """For each answerable item, the probability of the answer given and whether it is right; for each
    unknown item, the probability of the answer given (-1: declined whatever the threshold)."""
    probe = Matcher(matcher.kb, decision=replace(matcher.decision, answer=0.01, clarify=0.01))
    probe.thresholds = replace(probe.thresholds, margin=0.0)
    answerable: list[tuple[float, bool]] = []
    declinable: list[float] = []
    for item in items:
        outcome = probe.match(item.question)
        answered = outcome.status == "answered" and outcome.entry is not None and outcome.reason != "small_talk"
        p = outcome.score if answered else -1.0
        if item.expect == "answer":
            ok = answered and outcome.entry is not None and is_correct(
                item, outcome, answer_text(outcome.entry, outcome.lang, html=False))
            answerable.append((p, ok))
        else:
            declinable.append(p)
    return answerable, declinable


def best_threshold(answerable: Sequence[tuple[float, bool]], declinable: Sequence[float]) -> float:
    """The answer threshold that maximises in-scope accuracy plus ``REFUSAL_WEIGHT`` times refusal accuracy:
    rates, not counts, because unknown questions are the minority of a set, and refusal weighs more
    because answering a question the article does not cover is the worst thing the bot can do.

    The utility is averaged over thresholds within ``SMOOTHING`` of each one: around its best the curve is
    a plateau on which one question more or less moves the single best point far (0.70 or 0.79 on the
    shipped sets), so the middle of the plateau is the choice that new questions least surprise."""
    steps = range(30, 91)
    utility: list[float] = []
    for step in steps:
        t = step / 100
        in_scope = sum(ok and p >= t for p, ok in answerable) / max(len(answerable), 1)
        refusal = sum(p < t for p in declinable) / max(len(declinable), 1)
        utility.append(in_scope + REFUSAL_WEIGHT * refusal)
    best_t, best_u = 0.5, float("-inf")
    for i, step in enumerate(steps):
        near = utility[max(i - SMOOTHING, 0): i + SMOOTHING + 1]
        smoothed = sum(near) / len(near)
        if smoothed > best_u:
            best_t, best_u = step / 100, smoothed
    return best_t


def choose_threshold(matcher: Matcher, items: Sequence[EvalItem]) -> float:
    """The best threshold (``best_threshold``) for ``matcher``'s decision over ``items``."""
    return best_threshold(*threshold_points(matcher, items))


def _fitted(kb: KnowledgeBase, items: Sequence[EvalItem]) -> tuple[DecisionModel, int, int]:
    """The logistic model over the best fact candidates of ``items`` (thresholds not yet chosen), and the
    number of candidate rows and of right answers among them."""
    model = zero_model()
    rows, labels = accept_rows(Matcher(kb, decision=model), items)
    if not any(labels) or all(labels):
        raise ValueError("the labelled questions give only one kind of label; add both answerable and not")
    weights, bias = fit_logistic(rows, labels, l2=L2)
    return replace(model, accept=Linear(dict(zip(FEATURES, weights, strict=True)), bias)), len(rows), sum(labels)


def cross_validated_threshold(kb: KnowledgeBase, items: Sequence[EvalItem], folds: int = FOLDS) -> float | None:
    """The threshold chosen on out-of-fold probabilities: each fold's questions scored by a model fitted
    on the other folds, as new questions will be. None when a fold cannot be fitted (too few questions)."""
    answerable: list[tuple[float, bool]] = []
    declinable: list[float] = []
    for k in range(folds):
        rest = [item for i, item in enumerate(items) if i % folds != k]
        held = [item for i, item in enumerate(items) if i % folds == k]
        try:
            model = _fitted(kb, rest)[0]
        except ValueError:
            return None
        a, d = threshold_points(Matcher(kb, decision=model), held)
        answerable += a
        declinable += d
    return best_threshold(answerable, declinable)


def fit_decision(kb: KnowledgeBase, items: Sequence[EvalItem], names: Sequence[str] = ()) -> FitReport:
    """Fit the decision on ``items`` (labelled questions) over ``kb``."""
    if not items:
        raise ValueError("no labelled questions to fit on")
    model, rows, positives = _fitted(kb, items)
    model = replace(model, fitted_on=tuple(names))
    # The threshold is chosen on questions each model did not see (a model is surer of its own fitting
    # questions); a set too small to split is thresholded on itself.
    answer = None if len(items) < MIN_CV_ITEMS else cross_validated_threshold(kb, items)
    if answer is None:
        answer = choose_threshold(Matcher(kb, decision=model), items)
    model = replace(model, answer=answer, clarify=max(answer - CLARIFY_BELOW, 0.05))
    report = evaluate(Matcher(kb, decision=model), items)
    acc = report["accuracy"]
    return FitReport(model, rows, positives, len(items),
                     acc.get("in_scope", {}).get("rate", 0.0), acc.get("refusal", {}).get("rate", 0.0))
