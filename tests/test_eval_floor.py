"""The development question set as a regression floor (a copy lives in tests/data so any clone runs it)."""

from __future__ import annotations

from pathlib import Path

from bot.cli import evaluate, read_eval
from bot.matching import Matcher

DEV_SET = Path(__file__).resolve().parent / "data" / "dev.jsonl"


def test_dev_set_floor(matcher: Matcher) -> None:
    report = evaluate(matcher, read_eval(DEV_SET))
    acc = {k: v["rate"] for k, v in report["accuracy"].items()}
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert acc["in_scope:lang:en"] >= 0.95, failures
    assert acc["in_scope:lang:ru"] >= 0.90, failures
    assert acc["refusal"] >= 0.90, failures
    assert report["reply_language_mismatches"] == 0


def test_is_correct_follows_the_scoring_rule(matcher: Matcher) -> None:
    """A decline never counts for an answerable item, and any answer fails an unknown one."""
    from bot.cli import EvalItem, is_correct
    from bot.texts import outcome_text

    outcome = matcher.match("who signed the treaty")
    reply = outcome_text(outcome, html=False)
    assert is_correct(EvalItem("x", "en", "q", "answer", [["putin"], ["TIBILOV"]], "plain"), outcome, reply)
    assert not is_correct(EvalItem("x", "en", "q", "answer", [["putin"], ["Medvedev"]], "plain"), outcome, reply)
    assert not is_correct(EvalItem("x", "en", "q", "unknown", [], "nearmiss"), outcome, reply)


PROBE_SET = Path(__file__).resolve().parent / "data" / "probe.jsonl"


def test_independent_probe_set_floor(matcher: Matcher) -> None:
    """A second set, written from the article alone by someone who had not seen the knowledge base."""
    report = evaluate(matcher, read_eval(PROBE_SET))
    acc = {k: v["rate"] for k, v in report["accuracy"].items()}
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert acc["in_scope"] >= 0.85, failures
    assert acc["refusal"] >= 0.90, failures
