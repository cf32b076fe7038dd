"""The learned answer decision: the logistic fit, the model file, and ``treaty-bot kb fit``."""

from __future__ import annotations

import json
import random
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.decision import (
    FEATURES,
    DecisionError,
    decision_from_dict,
    decision_toml,
    fit_logistic,
    load_decision,
    zero_model,
)
from bot.knowledge import KnowledgeBase, default_knowledge_dir, load_knowledge
from bot.matching import Matcher


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge directory that a test may change."""
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    return root


def test_fit_logistic_recovers_the_sign_and_order_of_weights() -> None:
    rng = random.Random(7)
    rows = [[rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(600)]
    true = (3.0, -2.0, 0.0)
    labels = [int(rng.random() < 1 / (1 + 2.718 ** -(sum(w * x for w, x in zip(true, r, strict=True)) + 0.5)))
              for r in rows]
    weights, bias = fit_logistic(rows, labels, l2=0.1)
    assert weights[0] > 2.0 and weights[1] < -1.2 and abs(weights[2]) < 0.6
    assert 0.0 < bias < 1.0


def test_fit_logistic_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError):
        fit_logistic([[1.0]], [1, 0])
    with pytest.raises(ValueError):
        fit_logistic([], [])


def test_model_file_round_trip() -> None:
    model = zero_model()
    again = decision_from_dict(tomllib.loads(decision_toml(model, "a comment")))
    assert again.accept.weights == model.accept.weights and again.answer == model.answer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing [decision] table"),
        ("[decision]\nanswer = 0.5\nclarify = 0.4\n", "missing [decision.accept] table"),
        ("[decision]\nanswer = 0.5\nclarify = 0.9\n[decision.accept]\nbias = 0\n[decision.accept.weights]\n",
         "clarify <= answer"),
        ("[decision]\nanswer = 'high'\nclarify = 0.4\n", "decision.answer must be a finite number"),
        ("[decision]\nanswer = 0.5\nclarify = 0.4\n[decision.accept]\nbias = 0\n[decision.accept.weights]\nnew = 1\n",
         "do not fit this matcher"),
        ("x = [[[[", "decision.toml"),
    ],
)
def test_bad_model_files_are_named_not_crashed(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "decision.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DecisionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_decision(path)


def test_a_stale_model_in_the_knowledge_directory_is_a_knowledge_problem(kb_copy: Path) -> None:
    (kb_copy / "decision.toml").write_text(decision_toml(zero_model()).replace("fuzz =", "fuzzy ="), encoding="utf-8")
    with pytest.raises(Exception, match="refit with `treaty-bot kb fit`"):
        load_knowledge(kb_copy)
    assert load_knowledge(kb_copy, decision=False).decision is None


def test_the_shipped_model_fits_the_matcher(kb: KnowledgeBase) -> None:
    model = load_decision(default_knowledge_dir() / "decision.toml")
    assert set(model.accept.weights) == set(FEATURES)
    assert 0 < model.clarify <= model.answer < 1
    assert model.fitted_on, "the shipped model says which question sets it was fitted on"


def test_candidates_carry_every_feature_and_a_probability(matcher: Matcher) -> None:
    ranked = matcher.rank(matcher.analyzer.analyse("who signed the treaty"))
    assert ranked and all(set(c.features) == set(FEATURES) for c in ranked)
    assert all(0.0 <= c.score <= 1.0 for c in ranked)


def test_kb_fit_writes_a_model_the_matcher_uses(
    tmp_path: Path, kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [
        {"id": "a1", "lang": "en", "question": "who signed the treaty", "expect": "answer",
         "must": [["Putin"]], "style": "plain"},
        {"id": "a2", "lang": "ru", "question": "кто подписал договор", "expect": "answer",
         "must": [["Путин"]], "style": "plain"},
        {"id": "a3", "lang": "en", "question": "how long is the treaty valid", "expect": "answer",
         "must": [["25"]], "style": "plain"},
        {"id": "u1", "lang": "en", "question": "what is the weather in moscow", "expect": "unknown",
         "must": [], "style": "offtopic"},
        {"id": "u2", "lang": "en", "question": "what did the pope say about the treaty", "expect": "unknown",
         "must": [], "style": "nearmiss"},
    ]
    data = tmp_path / "fit.jsonl"
    data.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    out = tmp_path / "model.toml"
    assert main(["--knowledge", str(kb_copy), "kb", "fit", str(data), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fitted on 5 questions" in printed and f"wrote {out}" in printed
    model = load_decision(out)
    assert model.fitted_on == ("fit.jsonl",)
    assert main(["--knowledge", str(kb_copy), "kb", "fit", str(data), "--dry-run"]) == 0
    assert "nothing written" in capsys.readouterr().out


def test_kb_fit_with_one_kind_of_label_says_so(
    tmp_path: Path, kb_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "fit.jsonl"
    data.write_text(json.dumps({"id": "u", "lang": "en", "question": "pizza", "expect": "unknown", "must": []}) + "\n",
                    encoding="utf-8")
    assert main(["--knowledge", str(kb_copy), "kb", "fit", str(data), "--dry-run"]) == 1
    assert "only one kind of label" in capsys.readouterr().err


def test_the_threshold_is_the_middle_of_the_plateau_not_a_lone_spike() -> None:
    """One unknown question declined only at 0.88 must not pull the threshold up to it (a lone best point
    on a flat curve is noise); on a curve with one clear best region the choice lands in it."""
    from bot.fitting import best_threshold

    # Answerable questions right at 0.50..0.69 (one each); unknown questions answered at 0.40 (two) and
    # 0.88. Declining everything scores best at the single point 0.89 (every unknown declined), but only
    # there: the plateau 0.41..0.50 keeps every right answer and declines two of the three.
    answerable = [(0.50 + i / 100, True) for i in range(20)]
    declinable = [0.40, 0.40, 0.88]
    chosen = best_threshold(answerable, declinable)
    assert 0.41 <= chosen <= 0.50
    # A set where declining costs nothing: any threshold above every unknown question's probability.
    assert best_threshold([(0.95, True)], [0.10, 0.20]) <= 0.95
