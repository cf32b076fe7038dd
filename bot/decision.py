"""The learned answer decision: a logistic model over a candidate's match features (pure, no I/O but TOML).

The matcher describes how well one knowledge-base entry explains a question with a few numbers
(``FEATURES``: coverage of the question by each field of the entry, similarity to the best curated
question, unknown words, a name or number the entry never mentions, question-type fit, the margin to
the runner-up, ...). This module turns those numbers into the probability that answering with that
entry is right, with weights fitted on labelled questions (``treaty-bot kb fit``) and shipped as data
in ``knowledge/decision.toml``. Nothing here knows a wording: the weights are learned, not written.

``fit`` is plain iteratively reweighted least squares (Newton's method) with an L2 penalty: a few
thousand (question, candidate) pairs and twenty features fit in seconds without numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import mul
from pathlib import Path

from bot.tomlsafe import TomlError, read_limited

MAX_DECISION_BYTES = 64 * 1024  # a fitted model is about 1 KB

# The order is the model's: a fitted file names every feature, so a renamed one fails loudly.
FEATURES: tuple[str, ...] = (
    "cov_question",  # IDF share of the question's terms found in the entry's curated questions/keywords
    "cov_answer",  # ... found only in the entry's answer (both languages)
    "cov_source",  # ... found only in the entry's source sentences
    "cov_any",  # ... found anywhere in the entry
    "best_question_cov",  # IDF share of the entry's closest curated question that the user's words cover
    "fuzz",  # rapidfuzz token similarity with that question (0..1)
    "bm25f",  # field-weighted BM25 over all fields, as a share of the question's IDF mass
    "unknown_share",  # content words the knowledge base does not know, as a share of all content words
    "unknown_name",  # 1 if a capitalised name the knowledge base does not know is in the question
    "entity_miss",  # 1 if the question names an entity the entry never mentions
    "number_miss",  # 1 if the question has a number the entry never mentions
    "strict_miss",  # 1 if "who is X" without a curated question about exactly X
    "qtype_fit",  # 1 if the question asks who/when/where/how much and the entry gives it
    "qtype_miss",  # 1 if it asks and the entry cannot say
    "is_gap",  # the entry is a known near miss (the article does not say)
    "is_broad",  # an overview entry
    "margin",  # this entry's base score minus the best other entry's quoting other sentences (negative below the top)
    "is_top",  # 1 if this entry has the best base score
    "generic_only",  # every term is found in a large share of entries ("treaty", "Russia")
    "log_terms",  # log(1 + content terms)
    "corrected_share",  # share of the question's terms that exist only thanks to a typo correction
    # Interactions a linear model cannot form by itself:
    "cov_diluted",  # cov_any with each unknown word (up to three) counted as a rare unmatched term
    "cov_question_known",  # cov_question x (1 - unknown_share)
    "source_only",  # 1 if the words were found only in the source sentences
    "best_x_cov",  # best_question_cov x cov_any: both directions agree
    "unknown_count",  # unknown content words, at most three
    "head_unknown",  # a word of the phrase after "what"/"which"/"какой" (what is asked for) is unknown here
    "head_miss",  # ... is known, but not to this entry
    "named_apart",  # two named things the question relates (not "X and Y") that no one paragraph it quotes,
    # nor any of its questions, names together ("how did Peskov answer the EU?" of the reactions overview)
)


class DecisionError(ValueError):
    """The decision file cannot be used."""


@dataclass(frozen=True)
class Linear:
    """A logistic model: ``weights`` by feature name, and a bias."""

    weights: Mapping[str, float]
    bias: float
    _vector: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_vector", tuple(self.weights.get(name, 0.0) for name in FEATURES))

    def probability(self, values: Sequence[float]) -> float:
        if len(values) != len(self._vector):
            raise ValueError(f"{len(values)} feature values for {len(self._vector)} weights")
        z = self.bias + sum(map(mul, self._vector, values))
        return _sigmoid(z)


@dataclass(frozen=True)
class DecisionModel:
    """``accept`` judges the best candidate: is answering the question with it right at all?"""

    accept: Linear
    answer: float  # acceptance probability at or above which the best entry is answered
    clarify: float  # probability at or above which close candidates are offered instead of a decline
    fitted_on: tuple[str, ...] = ()


def zero_model() -> DecisionModel:
    """A model with no opinion (every weight 0): what the fit starts from."""
    flat = Linear(dict.fromkeys(FEATURES, 0.0), 0.0)
    return DecisionModel(flat, 0.5, 0.35)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def load_decision(path: Path) -> DecisionModel:
    """The model in ``path``; a missing feature, an unknown one or a bad number is a ``DecisionError``."""
    try:
        data = read_limited(path, max_bytes=MAX_DECISION_BYTES)
    except TomlError as exc:  # too big, too deeply nested, not UTF-8, not valid TOML
        raise DecisionError(str(exc)) from None
    except OSError as exc:
        raise DecisionError(f"{path}: cannot be read: {exc.strerror}") from None
    return decision_from_dict(data, str(path))


def _number(table: Mapping[str, object], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DecisionError(f"{where}.{key} must be a finite number")
    return float(value)


def _linear(section: Mapping[str, object], name: str, where: str) -> Linear:
    table = section.get(name)
    if not isinstance(table, dict):
        raise DecisionError(f"{where}: missing [decision.{name}] table")
    weights = table.get("weights")
    if not isinstance(weights, dict):
        raise DecisionError(f"{where}: missing [decision.{name}.weights] table")
    unknown = sorted(set(weights) - set(FEATURES))
    missing = sorted(set(FEATURES) - set(weights))
    if unknown or missing:
        raise DecisionError(f"{where}: {name} weights do not fit this matcher (unknown: {unknown}, "
                            f"missing: {missing}); refit with `treaty-bot kb fit`")
    return Linear({k: _number(weights, k, f"{where}: decision.{name}.weights") for k in FEATURES},
                  _number(table, "bias", f"{where}: decision.{name}"))


def decision_from_dict(data: Mapping[str, object], where: str = "decision") -> DecisionModel:
    section = data.get("decision")
    if not isinstance(section, dict):
        raise DecisionError(f"{where}: missing [decision] table")
    answer = _number(section, "answer", f"{where}: decision")
    clarify = _number(section, "clarify", f"{where}: decision")
    if not 0 < clarify <= answer < 1:
        raise DecisionError(f"{where}: need 0 < clarify <= answer < 1")
    fitted = section.get("fitted_on", [])
    return DecisionModel(
        _linear(section, "accept", where), answer, clarify,
        tuple(str(x) for x in fitted) if isinstance(fitted, list) else (),
    )


def decision_toml(model: DecisionModel, comment: str = "") -> str:
    """The model as the text of ``knowledge/decision.toml``."""
    lines = [
        "# The matcher's learned answer decision (see bot/decision.py). Written by `treaty-bot kb fit`;",
        "# refit rather than edit by hand. Thresholds are probabilities that answering is right.",
    ]
    lines += [f"# {line}" for line in comment.splitlines() if line]
    lines += [
        "",
        "[decision]",
        f"answer = {model.answer:.4f}",
        f"clarify = {model.clarify:.4f}",
        "fitted_on = [" + ", ".join(f'"{name}"' for name in model.fitted_on) + "]",
    ]
    for name, linear in (("accept", model.accept),):
        lines += ["", f"[decision.{name}]", f"bias = {linear.bias:.6f}", "", f"[decision.{name}.weights]"]
        lines += [f"{feature} = {linear.weights[feature]:.6f}" for feature in FEATURES]
    return "\n".join(lines) + "\n"


# --- fitting ---------------------------------------------------------------------------------


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 1.0, iterations: int = 30
) -> tuple[list[float], float]:
    """Weights and bias of an L2-penalised logistic regression (the bias is not penalised)."""
    if len(rows) != len(labels) or not rows:
        raise ValueError("fit_logistic needs as many labels as rows, and at least one row")
    k = len(rows[0]) + 1  # the last coordinate is the bias
    x = [[*r, 1.0] for r in rows]
    beta = [0.0] * k
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for xi, yi in zip(x, labels, strict=True):
            p = _sigmoid(sum(b * v for b, v in zip(beta, xi, strict=True)))
            w = max(p * (1 - p), 1e-9)
            err = p - yi
            for a in range(k):
                grad[a] += err * xi[a]
                wa = w * xi[a]
                row = hess[a]
                for b in range(a, k):
                    row[b] += wa * xi[b]
        for a in range(k):
            for b in range(a):
                hess[a][b] = hess[b][a]
            if a < k - 1:
                grad[a] += l2 * beta[a]
                hess[a][a] += l2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return beta[:-1], beta[-1]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """x with a·x = b (Gaussian elimination with partial pivoting; a is small and positive definite)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(m[r][r]) < 1e-12:
            continue
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x
