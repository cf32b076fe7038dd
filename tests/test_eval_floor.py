"""Question sets as regression floors (copies live in tests/data so any clone runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import EvalItem, evaluate, evaluate_dialogues, is_correct, read_dialogues, read_eval
from bot.matching import Matcher
from bot.texts import outcome_text

DATA = Path(__file__).resolve().parent / "data"


def rates(matcher: Matcher, name: str, mismatches: int = 0) -> tuple[dict[str, float], str]:
    """Accuracy by bucket for a set in tests/data, and its failures listed for the assertion message;
    ``mismatches``: replies allowed in another language than the question's."""
    report = evaluate(matcher, read_eval(DATA / name))
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert report["reply_language_mismatches"] <= mismatches, failures
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


def test_held_out_set_floors(matcher: Matcher) -> None:
    """Sets written from the article alone by people who saw neither the knowledge base nor the other sets.
    Each was reported untouched when first scored (issue #9) and then joined the fitting pool (with
    shared/eval's training sets) for the next round, a new blind set taking its place; the floors sit a little
    under the figures of the decision fitted on all of them (its threshold chosen out of fold, in the middle
    of the plateau of the answer/decline trade-off: 0.75 now, 0.70 before, which moved a few points of set
    1's in-scope accuracy to its refusal)."""
    floors = {"heldout-1.jsonl": (0.85, 0.85), "heldout-2.jsonl": (0.82, 0.78), "heldout-3.jsonl": (0.88, 0.91),
              "heldout-4.jsonl": (0.89, 0.92)}
    for name, (in_scope, refusal) in floors.items():
        acc, failures = rates(matcher, name)
        assert acc["in_scope"] >= in_scope, f"{name}\n{failures}"
        assert acc["refusal"] >= refusal, f"{name}\n{failures}"


def test_dialogue_set_floor(matcher: Matcher) -> None:
    """70 dialogues (follow-ups, two-part messages, topic switches, other languages), turn by turn."""
    report = evaluate_dialogues(matcher, read_dialogues(DATA / "dialogues.jsonl"))
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert report["accuracy"]["turns"]["rate"] >= 0.83, failures
    assert report["topic_switches_inheriting_context"] == 0


def test_second_dialogue_set_floor(matcher: Matcher) -> None:
    """44 more dialogues written blind (issue #10), first scored at 92% of turns (three pronoun turns then
    fixed: 94%)."""
    report = evaluate_dialogues(matcher, read_dialogues(DATA / "dialogues-4.jsonl"))
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert report["accuracy"]["turns"]["rate"] >= 0.90, failures
    assert report["topic_switches_inheriting_context"] == 0


@pytest.mark.parametrize(
    ("questions", "dialogues", "floors"),
    [
        # heldout-5 (342 questions, 48% Russian) and dialogues-5 (70 dialogues, 160 turns), first scored
        # untouched after their round's tuning: 88.4% in scope (en 87.4%, ru 89.4%), 90.5% refusal; 86.9%
        # of dialogue turns, no switch inheriting context.
        ("heldout-5.jsonl", "dialogues-5.jsonl", (0.86, 0.88, 0.85)),
        # heldout-6 (355 questions, 50% Russian) and dialogues-6 (70 dialogues, 160 turns), the same way:
        # 88.2% in scope (en 88.5%, ru 87.9%), 91.3% refusal; 91.9% of dialogue turns.
        ("heldout-6.jsonl", "dialogues-6.jsonl", (0.86, 0.89, 0.89)),
        # heldout-7 (355 questions, 50% Russian) and dialogues-7 (70 dialogues, 160 turns), the same way:
        # 89.1% in scope (en 89.4%, ru 88.7%), 90.0% refusal; 88.8% of dialogue turns.
        ("heldout-7.jsonl", "dialogues-7.jsonl", (0.87, 0.88, 0.86)),
        # heldout-8 (356 questions, 50% Russian) and dialogues-8 (70 dialogues, 160 turns), the same way:
        # 92.9% in scope (en 94.0%, ru 91.7%), 84.4% refusal; 91.9% of dialogue turns.
        ("heldout-8.jsonl", "dialogues-8.jsonl", (0.91, 0.83, 0.90)),
        # heldout-9 (356 questions, 50% Russian) and dialogues-9 (70 dialogues, 160 turns), the same way:
        # 90.2% in scope (en 89.5%, ru 91.0%), 93.3% refusal; 91.2% of dialogue turns.
        ("heldout-9.jsonl", "dialogues-9.jsonl", (0.89, 0.92, 0.90)),
        # heldout-10 (356 questions, 50% Russian) and dialogues-10 (70 dialogues, 160 turns), the same way:
        # 91.7% in scope (en 91.7%, ru 91.7%), 88.9% refusal; 91.9% of dialogue turns.
        ("heldout-10.jsonl", "dialogues-10.jsonl", (0.90, 0.87, 0.90)),
        # heldout-11 (356 questions, 50% Russian) and dialogues-11 (70 dialogues, 160 turns), the same way:
        # 89.8% in scope (en 91.7%, ru 88.0%), 91.1% refusal; 88.1% of dialogue turns.
        ("heldout-11.jsonl", "dialogues-11.jsonl", (0.88, 0.90, 0.87)),
        # heldout-12 (356 questions, 50% Russian) and dialogues-12 (70 dialogues, 160 turns), the same way:
        # 89.8% in scope (en 87.2%, ru 92.5%), 93.3% refusal; 90.6% of dialogue turns.
        ("heldout-12.jsonl", "dialogues-12.jsonl", (0.88, 0.92, 0.89)),
        # heldout-13 (356 questions, 50% Russian) and dialogues-13 (70 dialogues, 160 turns), the same way:
        # 94.0% in scope (en 97.0%, ru 91.0%), 91.1% refusal; 94.4% of dialogue turns.
        ("heldout-13.jsonl", "dialogues-13.jsonl", (0.92, 0.90, 0.93)),
        # heldout-14 (356 questions, 50% Russian) and dialogues-14 (70 dialogues, 160 turns), the same way:
        # 91.0% in scope (en 93.2%, ru 88.7%), 85.6% refusal; 89.4% of dialogue turns.
        ("heldout-14.jsonl", "dialogues-14.jsonl", (0.89, 0.84, 0.88)),
        # heldout-15 (356 questions, 50% Russian) and dialogues-15 (70 dialogues, 160 turns), the same way:
        # 88.7% in scope (en 87.2%, ru 90.2%), 95.6% refusal; 83.8% of dialogue turns.
        ("heldout-15.jsonl", "dialogues-15.jsonl", (0.86, 0.93, 0.81)),
        # heldout-16 (356 questions, 50% Russian) and dialogues-16 (70 dialogues, 175 turns), the same way:
        # 92.5% in scope (en 92.5%, ru 92.5%), 85.6% refusal; 89.7% of dialogue turns.
        ("heldout-16.jsonl", "dialogues-16.jsonl", (0.90, 0.84, 0.90)),
        # heldout-17 (356 questions, 50% Russian) and dialogues-17 (70 dialogues, 175 turns), the same way:
        # 86.5% in scope (en 89.5%, ru 83.5%), 93.3% refusal; 93.1% of dialogue turns.
        ("heldout-17.jsonl", "dialogues-17.jsonl", (0.84, 0.91, 0.91)),
        # heldout-18 (356 questions, 50% Russian) and dialogues-18 (70 dialogues, 175 turns), the same way:
        # 86.8% in scope (en 92.5%, ru 81.2%), 90.0% refusal; 90.3% of dialogue turns.
        ("heldout-18.jsonl", "dialogues-18.jsonl", (0.84, 0.87, 0.88)),
        # heldout-19 (356 questions, 50% Russian) and dialogues-19 (70 dialogues, 175 turns), the same way:
        # 86.5% in scope (en 86.5%, ru 86.5%), 88.9% refusal; 94.3% of dialogue turns.
        ("heldout-19.jsonl", "dialogues-19.jsonl", (0.84, 0.86, 0.92)),
        # heldout-20 (356 questions, 50% Russian) and dialogues-20 (70 dialogues, 175 turns), the same way:
        # 85.7% in scope (en 84.2%, ru 87.2%), 94.4% refusal; 95.4% of dialogue turns.
        ("heldout-20.jsonl", "dialogues-20.jsonl", (0.83, 0.91, 0.92)),
        # heldout-21 (356 questions, 50% Russian) and dialogues-21 (70 dialogues, 175 turns), written during
        # round 9 and scored once at its end: 89.1% in scope (en 88.7%, ru 89.5%), 87.8% refusal; 91.4% of
        # dialogue turns (the round's first tree: 87.6%, 87.8%, 90.9%).
        ("heldout-21.jsonl", "dialogues-21.jsonl", (0.86, 0.85, 0.89)),
        # heldout-22 (356 questions, 50% Russian) and dialogues-22 (70 dialogues, 175 turns), scored untouched
        # at the start of round 10: 93.2% in scope (en 91.0%, ru 95.5%), 94.4% refusal; 96.6% of dialogue turns.
        ("heldout-22.jsonl", "dialogues-22.jsonl", (0.90, 0.91, 0.93)),
        # heldout-23 and heldout-24 (356 questions each, 50% Russian) and dialogues-23/-24 (70 dialogues, 175
        # turns each), written during round 10 and scored once at its end, by its first tree and its last:
        # set 23 89.1% -> 89.8% in scope (en 91.7%, ru 88.0%), 88.9% refusal, 93.7% -> 93.1% of dialogue turns
        # (93.7% after d5f167c, a fix found on it); set 24 91.4% -> 91.4% (en 88.7%, ru 94.0%), 88.9%, 96.6%.
        ("heldout-23.jsonl", "dialogues-23.jsonl", (0.87, 0.86, 0.91)),
        ("heldout-24.jsonl", "dialogues-24.jsonl", (0.89, 0.86, 0.94)),
        # heldout-25 / dialogues-25, the same make-up, written during the round's last part and scored at its
        # end by the tree it started from (815333c) and the last: 94.0% in scope (en 95.5%, ru 92.5%), 93.3%
        # refusal, 95.4% of dialogue turns, by both (the last part's changes moved none of its outcomes).
        ("heldout-25.jsonl", "dialogues-25.jsonl", (0.92, 0.91, 0.93)),
        # heldout-26 / dialogues-26, the same make-up, scored untouched at the start of round 11 (fce3b10):
        # 94.0% in scope (en 93.2%, ru 94.7%), 96.7% refusal, 95.4% of dialogue turns.
        ("heldout-26.jsonl", "dialogues-26.jsonl", (0.92, 0.94, 0.93)),
        # heldout-27 / dialogues-27, the same make-up, written while round 11 went on and scored once at its
        # end by its first tree (fce3b10) and its last (939f68b): 94.7% -> 95.1% in scope (en 93.2%, ru 97.0%),
        # 94.4% refusal, 95.4% of dialogue turns, by both.
        ("heldout-27.jsonl", "dialogues-27.jsonl", (0.93, 0.92, 0.93)),
        # heldout-28 / dialogues-28, the same make-up, written during the round's second part and scored once
        # at its end by the round's first tree (fce3b10) and its last: 94.4% -> 94.7% in scope (en 94.7%,
        # ru 94.0% -> 94.7%), 90.0% refusal, 93.7% of dialogue turns, by both.
        ("heldout-28.jsonl", "dialogues-28.jsonl", (0.92, 0.88, 0.91)),
        # heldout-29 / dialogues-29, the same make-up, scored untouched at the start of round 12 (10d99d2):
        # 92.1% in scope (en 92.5%, ru 91.7%), 93.3% refusal, 99.4% of dialogue turns.
        ("heldout-29.jsonl", "dialogues-29.jsonl", (0.90, 0.91, 0.97)),
        # heldout-30 / dialogues-30, the same make-up, written while round 12 went on and scored once at its end
        # by its first tree (10d99d2) and its last: 93.6% -> 93.2% in scope (en 93.2% -> 92.5%, ru 94.0%), 90.0%
        # refusal, 97.7% of dialogue turns, by both.
        ("heldout-30.jsonl", "dialogues-30.jsonl", (0.91, 0.88, 0.95)),
        # heldout-31 / dialogues-31, the same make-up, scored untouched at the start of round 13 (f9e8fd4):
        # 93.6% in scope (en 92.5%, ru 94.7%), 95.6% refusal, 92.6% of dialogue turns.
        ("heldout-31.jsonl", "dialogues-31.jsonl", (0.92, 0.93, 0.90)),
        # heldout-32 / dialogues-32, the same make-up, written while round 13 went on and scored once at its end
        # by its first tree (f9e8fd4) and its last: 94.7% -> 95.1% in scope (en 94.7% -> 95.5%, ru 94.7%),
        # 88.9% refusal, 94.3% of dialogue turns, by both.
        ("heldout-32.jsonl", "dialogues-32.jsonl", (0.93, 0.87, 0.92)),
        # heldout-33 / dialogues-33 and heldout-34 / dialogues-34, the same make-up, written during the second
        # half of round 13 and scored once at its end by its first tree (f9e8fd4) and its last: 33: 95.9% in
        # scope (en 95.5%, ru 96.2%), 97.8% refusal, 92.0% -> 93.1% of dialogue turns; 34: 93.6% (en 91.7%,
        # ru 95.5%), 93.3% refusal, 93.1% of turns, by both.
        ("heldout-33.jsonl", "dialogues-33.jsonl", (0.94, 0.96, 0.91)),
        ("heldout-34.jsonl", "dialogues-34.jsonl", (0.92, 0.92, 0.91)),
        # heldout-35 / dialogues-35, the same make-up, scored untouched at the start of round 14 (5c74c1c):
        # 92.9% in scope (en 91.7%, ru 94.0%, long messages 79.4%), 96.7% refusal, 93.7% of dialogue turns.
        ("heldout-35.jsonl", "dialogues-35.jsonl", (0.92, 0.95, 0.92)),
        # heldout-36 / dialogues-36 and heldout-37 / dialogues-37, the same make-up, written at the start of round 14
        # and scored once at its end by its first tree (5c74c1c) and its last (619a087): 36: 93.2% -> 93.6% in
        # scope (en 93.2% -> 94.0%, ru 93.2%), 96.7% refusal, 96.0% -> 97.1% of dialogue turns; 37: 94.7% (en and
        # ru 94.7%), 96.7% refusal, 95.4% -> 96.0% of turns.
        ("heldout-36.jsonl", "dialogues-36.jsonl", (0.93, 0.96, 0.96)),
        ("heldout-37.jsonl", "dialogues-37.jsonl", (0.94, 0.96, 0.95)),
        # heldout-38 / dialogues-38, the same make-up, scored untouched at the start of round 15 (8084e95):
        # 97.7% in scope (en and ru 97.7%, long messages 91.2%), 94.4% refusal, 97.1% of dialogue turns.
        ("heldout-38.jsonl", "dialogues-38.jsonl", (0.97, 0.94, 0.97)),
        # heldout-39 / dialogues-39, the same make-up, written at the start of round 15, never opened, scored
        # once at its end by its first tree (8084e95) and its last: 94.0% in scope (en 93.2%, ru 94.7%, long
        # 94.1%), 93.3% refusal, 96.0% of dialogue turns, by both (the round changed no answer).
        ("heldout-39.jsonl", "dialogues-39.jsonl", (0.93, 0.93, 0.95)),
        # heldout-40 / dialogues-40, the same make-up, written during round 16 and scored once at its end by its
        # first tree (a06eeb1) and its last (2935e01): 95.9% in scope (en 97.7%, ru 94.0%, long 97.1%), 90.0%
        # refusal (en 86.7%, ru 93.3%), 95.4% of dialogue turns, by both (no answer of it changed).
        ("heldout-40.jsonl", "dialogues-40.jsonl", (0.95, 0.90, 0.95)),
        # heldout-41 / dialogues-41, the same make-up, written at the start of round 17 and scored by its first
        # tree (761b75e) and its last (269f736): 95.9% in scope (en 97.7%, ru 94.0%, long 94.1%), 96.7% refusal
        # (en 97.8%, ru 95.6%), by both; 96.6% -> 97.1% of dialogue turns.
        ("heldout-41.jsonl", "dialogues-41.jsonl", (0.95, 0.95, 0.95)),
        # heldout-42 / dialogues-42, the same make-up, written at the start of round 18, scored untouched by its
        # first tree (03dbc47) and once at its end by its last (a3fab4c): 93.6% -> 92.9% in scope (en 94.0% ->
        # 92.5%, ru 93.2%, long 91.2% -> 88.2%), 98.9% refusal, 94.9% of dialogue turns (both trees).
        ("heldout-42.jsonl", "dialogues-42.jsonl", (0.92, 0.98, 0.94)),
        # heldout-43 / dialogues-43, the same make-up, written during round 19 and scored untouched by its first
        # tree (66c9af1) and its last (830ffd4): 95.5% in scope (en 97.0%, ru 94.0%, long 85.3%), 96.7% refusal
        # (en 95.6%, ru 97.8%), 97.1% of dialogue turns, by both (no reply of it changed). A later change of the
        # round (two-part messages, decided on the other sets) made it 96.2% in scope.
        ("heldout-43.jsonl", "dialogues-43.jsonl", (0.95, 0.96, 0.97)),
        # heldout-44 / dialogues-44, the same make-up, written at the start of round 20 and scored untouched by the
        # round's first tree (39023b6) and after its first change (6d0ca4e): 92.5% in scope (en 93.2%, ru 91.7%,
        # long 88.2%, paraphrase 79.3%), 95.6% refusal (en 95.6%, ru 95.6%), 96.0% of dialogue turns, by both.
        ("heldout-44.jsonl", "dialogues-44.jsonl", (0.92, 0.95, 0.96)),
        # heldout-45 / dialogues-45, the same make-up, written during round 20 and scored untouched by the round's
        # first tree (39023b6) and a late one (84458ef): 94.4% in scope (en 93.2%, ru 95.5%, long 88.2%,
        # paraphrase 89.3%), 94.4% refusal (en 93.3%, ru 95.6%), by both; 93.1% -> 94.3% of dialogue turns.
        ("heldout-45.jsonl", "dialogues-45.jsonl", (0.94, 0.94, 0.94)),
        # heldout-46 / dialogues-46, the same make-up, written late in round 20 and scored untouched by the round's
        # first tree (39023b6) and a late one (ab4b8ee): 95.5% -> 95.9% in scope (en 97.0%, ru 94.0% -> 94.7%, long
        # 94.3%, paraphrase 91.1%), 90.0% refusal (en 88.9%, ru 91.1%), 98.3% -> 98.9% of dialogue turns.
        ("heldout-46.jsonl", "dialogues-46.jsonl", (0.95, 0.90, 0.98)),
        # heldout-47 / dialogues-47, the same make-up, written at the start of round 21 and scored untouched by its
        # first tree (5902de0) and after its first change (afc2911): 95.5% in scope (en 97.7%, ru 93.2%, long 100%,
        # paraphrase 87.5%), 96.7% refusal (en 95.6%, ru 97.8%), 97.1% of dialogue turns, by both; then studied:
        # 96.2%, 96.7%, 97.7% at the round's last change.
        ("heldout-47.jsonl", "dialogues-47.jsonl", (0.96, 0.96, 0.97)),
        # heldout-48 / dialogues-48, the same make-up, written during round 21 and scored untouched by its first
        # tree (5902de0), after its first change (afc2911) and by its last (c9bb9f2): 95.5% -> 95.5% -> 95.9% in
        # scope (en 97.0%, ru 94.0% -> 94.7%, long 97.0%, paraphrase 87.5%), 87.8% -> 88.9% -> 88.9% refusal (en
        # 88.9% -> 91.1%, ru 86.7%), 94.9% of dialogue turns (two-part 80%), by all three.
        ("heldout-48.jsonl", "dialogues-48.jsonl", (0.95, 0.88, 0.94)),
        # heldout-49 / dialogues-49, the same make-up, written at the start of round 22 and scored untouched by its
        # first tree (6feae61) and at each commit: 95.5% in scope (en 95.5%, ru 95.5%, long 91.2%, paraphrase
        # 87.5%), 93.3% refusal (91.1% after d3cd1a5, which was reverted for it), 96.0% of dialogue turns.
        ("heldout-49.jsonl", "dialogues-49.jsonl", (0.95, 0.93, 0.96)),
        # heldout-50 / dialogues-50, written with 49 and scored untouched by 6feae61 and fbb4131, then studied:
        # 95.1% in scope (en 97.0%, ru 93.2%, long 100%, paraphrase 86.2%), 94.4% refusal, 96.0% of turns.
        ("heldout-50.jsonl", "dialogues-50.jsonl", (0.95, 0.94, 0.96)),
        # heldout-51 / dialogues-51, written late in round 22, scored untouched by its first tree (6feae61) and its
        # last (e40d196): 95.1% in scope (en 94.0%, ru 96.2%, long 94.1%, paraphrase 93.1%), 95.6% -> 97.8%
        # refusal, 94.9% of dialogue turns.
        ("heldout-51.jsonl", "dialogues-51.jsonl", (0.95, 0.97, 0.94)),
        # heldout-52 / dialogues-52, written with 51 and scored the same way: 94.4% -> 94.0% in scope (en 96.2% ->
        # 95.5%, ru 92.5%, long 97.1%, paraphrase 84.5%), 96.7% -> 97.8% refusal, 96.0% of dialogue turns.
        # Refusal 96.7% since round 24: "конкретно" named nothing the knowledge base has, and was all that kept
        # "На какие конкретно объекты пойдет дополнительный миллиард рублей?" from the 2016 money (h52-172).
        ("heldout-52.jsonl", "dialogues-52.jsonl", (0.93, 0.96, 0.96)),
        # heldout-53 / dialogues-53, written last in round 22 and scored untouched by its first tree (6feae61) and
        # its last (bdc0547): 97.4% -> 97.7% in scope (en 97.0% -> 97.7%, ru 97.7%, long 97.1% -> 100%,
        # paraphrase 93.1%), 92.2% refusal (en 93.3%, ru 91.1%), 93.1% of dialogue turns, by both.
        ("heldout-53.jsonl", "dialogues-53.jsonl", (0.97, 0.92, 0.93)),
        # heldout-54 ... heldout-56 / dialogues-54 ... 56, the same make-up, written at the start of round 23 and
        # scored untouched by its first tree (62c56a0): 54: 95.1% in scope (en 97.0%, ru 93.2%, long 94.1%),
        # 96.7% refusal, 96.6% of dialogue turns; 55: 96.6% (en 97.7%, ru 95.5%, long 97.1%), 94.4%, 96.0%;
        # 56: 93.6% (en 92.5%, ru 94.7%, long 97.1%), 95.6%, 97.1%. Then studied.
        ("heldout-54.jsonl", "dialogues-54.jsonl", (0.95, 0.97, 0.97)),
        ("heldout-55.jsonl", "dialogues-55.jsonl", (0.96, 0.95, 0.97)),
        ("heldout-56.jsonl", "dialogues-56.jsonl", (0.94, 0.95, 0.97)),
    ],
)
def test_blind_sets_floor(matcher: Matcher, questions: str, dialogues: str,
                          floors: tuple[float, float, float]) -> None:
    """Sets written blind from the article (issues #9, #10), each reported when first scored."""
    in_scope, refusal, turns = floors
    acc, failures = rates(matcher, questions)
    assert acc["in_scope"] >= in_scope, failures
    assert acc["refusal"] >= refusal, failures
    report = evaluate_dialogues(matcher, read_dialogues(DATA / dialogues))
    failures = "\n".join(f"{f['id']} {f['status']} {f['question']}" for f in report["failures"])
    assert report["accuracy"]["turns"]["rate"] >= turns, failures
    assert report["topic_switches_inheriting_context"] == 0


@pytest.mark.parametrize(
    ("questions", "floors", "mismatches"),
    [
        # heldout-57 and heldout-58, written in round 23 without the sets' template: 200 messages each (110
        # English, 90 Russian) from invented personas, in their own words and lengths, two questions in some;
        # 140 answerable, 45 near misses, 15 off-topic. Scored untouched by e594683: 57: 87.1% in scope (en
        # 85.7%, ru 88.9%), 91.7% refusal; 58: 90.7% (en 88.3%, ru 93.7%), 90.0%. Below #9's targets where
        # the template sets meet them; then studied.
        ("heldout-57.jsonl", (0.88, 0.91), 0),
        ("heldout-58.jsonl", (0.91, 0.90), 0),
        # heldout-59 (rambling messages, two questions in one) and heldout-60 (terse, slangy, sarcastic), the
        # same way, scored untouched by the round's first tree (62c56a0) and by 680bb96: 59: 84.3% -> 83.6% in
        # scope (en 85.7% -> 84.4%, ru 82.5%, long 78.1% -> 75.0%), 98.3% refusal; 60: 76.4% by both (en 70.1%,
        # ru 84.1%), 91.7%.
        # One Russian message of each is in Latin letters ("kto podpisal dogovor s osetiej?"), answered in
        # Russian since round 24 (bot/translit.py).
        ("heldout-59.jsonl", (0.83, 0.98), 0),
        ("heldout-60.jsonl", (0.78, 0.91), 0),
        # heldout-61 (all kinds of people, evenly) and heldout-62 (everyday words on a phone, from Russia, Georgia
        # and South Ossetia), written last in round 23 and scored untouched by its first tree (62c56a0) and its
        # last (563f0a2): 61: 89.3% in scope by both (en 89.6%, ru 88.9%, long 83.3%), 86.7% refusal (en 90.9%,
        # ru 81.5%); 62: 82.9% by both (en 87.0% -> 88.3%, ru 77.8% -> 76.2%, long 66.7%), 95.0%.
        ("heldout-61.jsonl", (0.89, 0.86), 0),
        ("heldout-62.jsonl", (0.82, 0.95), 0),
        # heldout-63 ... heldout-65, written the same way at the start of round 24 and scored untouched by its
        # first tree (94c0a88): 63: 86.4% in scope (en 85.7%, ru 87.3%, long 100%), 91.7% refusal; 64: 94.3%
        # (en 94.8%, ru 93.7%, long 61.5%), 86.7%; 65: 87.9% (en 88.3%, ru 87.3%, long 76.9%), 93.3%.
        ("heldout-63.jsonl", (0.90, 0.91), 0),
        ("heldout-64.jsonl", (0.95, 0.86), 0),
        ("heldout-65.jsonl", (0.89, 0.93), 0),
        # heldout-66 and heldout-67, written the same way near the end of round 24 and scored untouched by its
        # first tree (94c0a88) and its last (0d72740): 66: 93.6% -> 95.0% in scope (en 93.5% -> 94.8%, ru 93.7%
        # -> 95.2%, long 100%), 96.7% refusal by both; 67: 87.1% by both (en 88.3%, ru 85.7%, long 72.2%),
        # 90.0% refusal.
        ("heldout-66.jsonl", (0.95, 0.96), 0),
        ("heldout-67.jsonl", (0.87, 0.90), 0),
        # heldout-68 ... heldout-70, written the same way at the start of round 25 and scored untouched by its
        # first tree (b6f5bfe, the replies of e0cc539): 68: 88.6% in scope (en 87.0%, ru 90.5%, long 54.5%), 98.3%
        # refusal; 69: 90.7% (en 93.5%, ru 87.3%, long 100%), 90.0%; 70: 88.6% (en 83.1%, ru 95.2%, long 85.7%),
        # 100%.
        ("heldout-68.jsonl", (0.90, 0.98), 0),
        ("heldout-69.jsonl", (0.91, 0.91), 0),
        ("heldout-70.jsonl", (0.88, 1.0), 0),
        # heldout-71 ... heldout-73, written the same way at the start of round 26 and scored untouched by its
        # first tree (1ed5301): 71: 92.1% in scope (en 92.2%, ru 92.1%, long 94.1%), 95.0% refusal; 72: 90.0% (en
        # 89.6%, ru 90.5%, long 66.7%), 95.0%; 73: 94.3% (en 92.2%, ru 96.8%, long 100%), 91.7%. Floors: the
        # figures at the round's end (71: 95.0% / 98.3%; 72: 91.4% / 95.0%; 73: 96.4% / 91.7%).
        ("heldout-71.jsonl", (0.95, 0.98), 0),
        ("heldout-72.jsonl", (0.92, 0.95), 0),
        ("heldout-73.jsonl", (0.96, 0.91), 0),
        # heldout-74 and heldout-75, written the same way during round 26 and scored untouched (the summary only)
        # by its first tree (1ed5301) and by a late one (8a397f3): 74: 93.6% -> 92.9% in scope (en 90.9% ->
        # 89.6%, ru 96.8%, long 88.9%), 91.7% refusal by both; 75: 86.4% by both (en 85.7%, ru 87.3%, long
        # 90.9%), 98.3%. Floors: the figures at the round's end (74: 94.3% / 91.7%; 75: 87.9% / 98.3%).
        ("heldout-74.jsonl", (0.95, 0.91), 0),
        # (75's h75-132 is Russian in Latin letters with a Cyrillic tail: the matcher alone replies in English;
        # the conversation reads it as Russian since round 26, bot/translit.py)
        ("heldout-75.jsonl", (0.87, 0.98), 1),
        # heldout-76 ... heldout-78, written the same way at the start of round 27 and scored untouched by its
        # first tree (50853da): 76: 89.3% in scope (en 83.1%, ru 96.8%, long 76.5%), 91.7% refusal; 77: 92.9% (en
        # 90.9%, ru 95.2%, long 90.0%), 98.3%; 78: 89.3% (en 87.0%, ru 92.1%, long 78.6%), 98.3%. heldout-79 and
        # heldout-80, written mid-round and scored untouched by its first tree and a mid-round one (921fddf): 79:
        # 90.7% -> 91.4% (en 89.6%, ru 92.1% -> 93.7%, long 72.7%), 96.7%; 80: 97.1% -> 97.9% (en 96.1% ->
        # 97.4%, ru 98.4%, long 100%), 90.0%. Floors: the figures at the round's end.
        ("heldout-76.jsonl", (0.92, 0.91), 0),
        ("heldout-77.jsonl", (0.95, 0.98), 0),
        ("heldout-78.jsonl", (0.93, 0.98), 0),
        ("heldout-79.jsonl", (0.94, 0.98), 0),
        ("heldout-80.jsonl", (0.97, 0.91), 0),
        # heldout-81 ... heldout-83, written the same way at the start of round 28 and scored untouched by its
        # first tree (c6e285d): 81: 94.3% in scope (en 89.6%, ru 100%, long 85.7%), 95.0% refusal; 82: 89.3% (en
        # 88.3%, ru 90.5%, long 90.0%), 90.0%; 83: 92.9% (en 89.6%, ru 96.8%, long 87.5%), 96.7%. heldout-84 and
        # heldout-85, written mid-round and scored untouched by its first tree and a mid-round one (a9248af): 84:
        # 92.1% -> 93.6% (en 91.0% -> 93.6%, ru 93.5%, long 75.0%), 95.0%; 85: 95.7% -> 96.4% (en 93.5% ->
        # 94.8%, ru 98.4%, long 88.9%), 96.7%. Floors: the figures at the round's end.
        ("heldout-81.jsonl", (0.95, 0.98), 0),
        ("heldout-82.jsonl", (0.93, 0.91), 0),
        ("heldout-83.jsonl", (0.95, 0.96), 0),
        ("heldout-84.jsonl", (0.97, 0.96), 0),
        ("heldout-85.jsonl", (0.97, 0.96), 0),
        # heldout-86 ... heldout-88, written the same way late in round 28 and scored untouched by its first
        # tree (c6e285d) and a late one (5ce18ce): 86: 87.9% -> 89.3% in scope (en 84.4% -> 85.7%, ru 92.1% ->
        # 93.7%, long 85.7%), 93.3% -> 95.0% refusal; 87: 90.7% -> 91.4% (en 90.9%, ru 90.5% -> 92.1%, long
        # 44.4%), 91.7%; 88: 90.7% -> 92.1% (en 90.9% -> 92.2%, ru 90.5% -> 92.1%, long 87.5%), 91.7%.
        # Floors: the figures at the round's end.
        ("heldout-86.jsonl", (0.90, 0.95), 0),
        ("heldout-87.jsonl", (0.94, 0.91), 0),
        ("heldout-88.jsonl", (0.92, 0.91), 0),
        # heldout-89 ... heldout-91, written the same way at the start of round 29 and scored untouched by its
        # first tree (d390c01): 89: 92.9% in scope (en 89.6%, ru 96.8%, long 80.0%), 98.3% refusal; 90: 95.7%
        # (en 94.8%, ru 96.8%, long 100%), 91.7%; 91: 94.3% (en 90.9%, ru 98.4%, long 90.9%), 100%.
        # heldout-92 ... heldout-94, written while 89-91 were read, scored untouched by the first tree and a
        # later one (0391f9f), alike: 92: 90.7% (en 87.0%, ru 95.2%, long 66.7%), 91.7%; 93: 91.4% (en 88.3%, ru
        # 95.2%, long 77.8%), 93.3%; 94: 90.7% (en 88.3%, ru 93.7%, long 85.7%), 96.7%. Floors: the round's end.
        ("heldout-89.jsonl", (0.95, 0.98), 0),
        ("heldout-90.jsonl", (0.96, 0.95), 0),
        ("heldout-91.jsonl", (0.97, 1.00), 0),
        ("heldout-92.jsonl", (0.91, 0.93), 0),
        ("heldout-93.jsonl", (0.92, 0.93), 0),
        ("heldout-94.jsonl", (0.90, 0.96), 0),
        # heldout-95 ... heldout-100, written the same way at the start of round 30 and scored untouched by its
        # first tree (62c938d): 95: 87.1% in scope (en 84.4%, ru 90.5%, long 78.6%), 91.7% refusal; 96: 90.7%
        # (en 88.3%, ru 93.7%, long 93.8%), 98.3%; 97: 93.6% (en 91.2%, ru 96.7%, long 91.7%), 96.7%; 98: 97.9%
        # (en 98.7%, ru 96.8%, long 100%), 95.0%; 99: 92.1% (en 89.6%, ru 95.2%, long 84.6%), 96.7%; 100: 91.4%
        # (en 90.9%, ru 92.1%, long 100%), 96.7%. Floors: the round's end.
        ("heldout-95.jsonl", (0.92, 0.93), 0),
        ("heldout-96.jsonl", (0.94, 0.98), 0),
        ("heldout-97.jsonl", (0.95, 0.96), 0),
        ("heldout-98.jsonl", (0.99, 0.98), 0),
        ("heldout-99.jsonl", (0.93, 0.98), 0),
        ("heldout-100.jsonl", (0.97, 1.00), 0),
        # heldout-101 ... heldout-104, written the same way at the start of round 31 (102: phone typing, 103:
        # long explanations, 104: formal paraphrase) and scored untouched by its first tree (20e23c7): 101: 92.9%
        # in scope (en 90.9%, ru 95.2%, long 85.7%), 91.7% refusal; 102: 94.3% (en 92.2%, ru 96.8%, long 94.4%),
        # 96.7%; 103: 92.9% (en 94.8%, ru 90.5%, long 92.9%), 91.7%; 104: 95.0% (en 90.9%, ru 100%, long
        # 94.4%), 98.3%. Floors: the round's end.
        ("heldout-101.jsonl", (0.94, 0.93), 0),
        ("heldout-102.jsonl", (0.97, 0.98), 0),
        ("heldout-103.jsonl", (0.96, 0.93), 0),
        ("heldout-104.jsonl", (0.95, 0.98), 0),
        # heldout-105 and heldout-106, written the same way mid-round (106: group chats, careful older writers)
        # and scored untouched by the round's first tree (20e23c7) and a mid-round one (053f00d): 105: 90.7% in
        # scope by both (en 88.3%, ru 93.7%, long 88.9%), 90.0% refusal by both; 106: 92.1% -> 92.9% (en 90.9%,
        # ru 93.7% -> 95.2%, long 94.4%), 91.7% by both. Floors: the round's end.
        ("heldout-105.jsonl", (0.92, 0.93), 0),
        ("heldout-106.jsonl", (0.94, 0.93), 0),
    ],
)
def test_persona_sets_floor(matcher: Matcher, questions: str, floors: tuple[float, float], mismatches: int) -> None:
    """Sets written blind from the article by personas rather than to a make-up (issue #9)."""
    in_scope, refusal = floors
    acc, failures = rates(matcher, questions, mismatches)
    assert acc["in_scope"] >= in_scope, failures
    assert acc["refusal"] >= refusal, failures


def test_coming_back_to_the_subject_after_a_switch_is_not_an_inherited_switch(matcher: Matcher) -> None:
    """Only the turn off the subject counts as a switch; the one after it may use the earlier context."""
    from bot.evaluation import Dialogue, Turn

    dialogue = Dialogue("t1", "en", "topic_switch", [
        Turn("who is federica mogherini?", "answer", [["Mogherini"]]),
        Turn("what is the capital of france?", "unknown", []),
        Turn("ok and what did she say?", "answer", [["against", "Geneva"]]),
    ])
    report = evaluate_dialogues(matcher, [dialogue])
    assert report["accuracy"]["turns"]["rate"] == 1.0
    assert report["topic_switches_inheriting_context"] == 0
