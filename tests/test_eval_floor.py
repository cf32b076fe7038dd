"""Question sets as regression floors (copies live in tests/data so any clone runs them)."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation import EvalItem, evaluate, is_correct, read_eval
from bot.matching import Matcher
from bot.texts import outcome_text

DATA = Path(__file__).resolve().parent / "data"


def rates(matcher: Matcher, name: str) -> tuple[dict[str, float], str]:
    """Accuracy by bucket for a set in tests/data, and its failures listed for the assertion message."""
    report = evaluate(matcher, read_eval(DATA / name))
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert report["reply_language_mismatches"] == 0, failures
    return {k: v["rate"] for k, v in report["accuracy"].items()}, failures


def test_dev_set_floor(matcher: Matcher) -> None:
    """The shared development set (the learned decision is not fitted on it)."""
    acc, failures = rates(matcher, "dev.jsonl")
    assert acc["in_scope:lang:en"] >= 0.92, failures
    assert acc["in_scope:lang:ru"] >= 0.90, failures
    assert acc["refusal"] >= 0.90, failures


def test_independent_probe_set_floor(matcher: Matcher) -> None:
    """A second set, written from the article alone by someone who had not seen the knowledge base."""
    acc, failures = rates(matcher, "probe.jsonl")
    assert acc["in_scope"] >= 0.85, failures
    assert acc["refusal"] >= 0.90, failures


def test_is_correct_follows_the_scoring_rule(matcher: Matcher) -> None:
    """A decline never counts for an answerable item, and any answer fails an unknown one."""
    outcome = matcher.match("who signed the treaty")
    reply = outcome_text(outcome, html=False)
    assert is_correct(EvalItem("x", "en", "q", "answer", [["putin"], ["TIBILOV"]], "plain"), outcome, reply)
    assert not is_correct(EvalItem("x", "en", "q", "answer", [["putin"], ["Medvedev"]], "plain"), outcome, reply)
    assert not is_correct(EvalItem("x", "en", "q", "unknown", [], "nearmiss"), outcome, reply)
