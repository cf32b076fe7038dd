"""Scoring question sets in the shared/eval schema (pure): the admins' regression check and the fit's labels.

An answerable item is right when the reply is an answer (not a decline) containing, for every group of
``must``, one of its alternatives (case-insensitive); an ``unknown`` item is right when the bot declines.
The decline marker is the outcome's status, never a phrase.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.contexts import Context
from bot.conversation import Conversation
from bot.matching import Matcher, Outcome
from bot.texts import is_content_free, outcome_text


@dataclass
class EvalItem:
    id: str
    lang: str
    question: str
    expect: str
    must: list[list[str]]
    style: str


def read_eval(path: Path) -> list[EvalItem]:
    items: list[EvalItem] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                items.append(
                    EvalItem(d["id"], d["lang"], d["question"], d["expect"], d.get("must", []), d.get("style", ""))
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not an eval item ({exc})") from None
    return items


def is_correct(item: EvalItem, outcome: Outcome, reply: str) -> bool:
    """The shared/eval scoring rule; the decline marker is the outcome's status, not a phrase."""
    if item.expect == "unknown":
        return outcome.status == "unknown"
    if outcome.status != "answered":
        return False
    folded = reply.casefold()
    return all(any(alt.casefold() in folded for alt in group) for group in item.must)


def evaluate(matcher: Matcher, items: Sequence[EvalItem], fallback: str = "en") -> dict[str, Any]:
    """Score a question set; returns figures overall, per language and per style, and the failures."""
    conversation = Conversation(matcher)
    buckets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[dict[str, Any]] = []
    wrong_lang = 0
    for item in items:
        outcome = conversation.answer(item.question, fallback_lang=fallback)
        reply = outcome_text(outcome, html=False)
        ok = is_correct(item, outcome, reply)
        wrong_lang += outcome.lang != item.lang
        kind = "in_scope" if item.expect == "answer" else "refusal"
        for key in (kind, f"{kind}:lang:{item.lang}", f"{kind}:style:{item.style}"):
            buckets[key][0] += ok
            buckets[key][1] += 1
        if not ok:
            failures.append(_failure(item.id, item.expect, outcome, item.question, reply))
    return {"items": len(items), "accuracy": _rates(buckets), "reply_language_mismatches": wrong_lang,
            "failures": failures}


def _failure(item_id: str, expect: str, outcome: Outcome, question: str, reply: str) -> dict[str, Any]:
    return {"id": item_id, "expect": expect, "status": outcome.status, "reason": outcome.reason,
            "entry_id": outcome.entry.id if outcome.entry else None, "score": outcome.score,
            "question": question, "reply": reply}


def _rates(buckets: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    return {k: {"correct": v[0], "total": v[1], "rate": v[0] / v[1]} for k, v in sorted(buckets.items())}


def _print_failures(report: dict[str, Any], out: TextIO) -> None:
    if report["failures"]:
        print(f"\nFailures ({len(report['failures'])}):", file=out)
        for f in report["failures"]:
            reply = f["reply"].replace("\n", " ")[:160]
            print(f"- {f['id']} expect={f['expect']} got={f['status']}({f['reason']}, {f['entry_id']}, "
                  f"{f['score']}): {f['question']}\n    -> {reply}", file=out)


def _pct(report: dict[str, Any], key: str) -> str:
    b = report["accuracy"].get(key)
    return f"{100 * b['rate']:.1f}% ({b['correct']}/{b['total']})" if b else "n/a"


def print_eval(report: dict[str, Any], out: TextIO) -> None:
    acc = report["accuracy"]
    print(f"In-scope accuracy: {_pct(report, 'in_scope')}", file=out)
    print(f"Refusal accuracy:  {_pct(report, 'refusal')}", file=out)
    for kind in ("in_scope", "refusal"):
        langs = sorted(k.split(":")[-1] for k in acc if k.startswith(f"{kind}:lang:"))
        styles = sorted(k.split(":")[-1] for k in acc if k.startswith(f"{kind}:style:"))
        print(f"\n{kind.replace('_', '-')} by language: "
              + ", ".join(f"{lg} {_pct(report, f'{kind}:lang:{lg}')}" for lg in langs), file=out)
        print(f"{kind.replace('_', '-')} by style: "
              + ", ".join(f"{s} {_pct(report, f'{kind}:style:{s}')}" for s in styles), file=out)
    print(f"\nReplies in another language than the question's: {report['reply_language_mismatches']}", file=out)
    _print_failures(report, out)




# --- dialogues ---------------------------------------------------------------------------------

TURN_EXPECTS = ("answer", "unknown", "small_talk", "language_note")


@dataclass
class Turn:
    question: str
    expect: str
    must: list[list[str]]


@dataclass
class Dialogue:
    id: str
    lang: str
    kind: str
    turns: list[Turn]


def read_dialogues(path: Path) -> list[Dialogue]:
    """Dialogues, one JSON object a line: ``{"id", "lang", "kind", "turns": [{"question", "expect", "must"}]}``."""
    dialogues: list[Dialogue] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                turns = [Turn(t["question"], t["expect"], t.get("must", [])) for t in d["turns"]]
                if not turns or any(t.expect not in TURN_EXPECTS for t in turns):
                    raise ValueError(f"each turn's expect must be one of {', '.join(TURN_EXPECTS)}")
                dialogues.append(Dialogue(d["id"], d.get("lang", "en"), d.get("kind", ""), turns))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: not a dialogue ({exc})") from None
    return dialogues


def is_dialogue_file(path: Path) -> bool:
    """True when the first line of ``path`` is a dialogue (it has ``turns``)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    return "turns" in json.loads(line)
                except (json.JSONDecodeError, TypeError):
                    return False
    return False


def turn_correct(turn: Turn, outcome: Outcome, reply: str) -> bool:
    if turn.expect == "small_talk":
        return outcome.reason == "small_talk" or is_content_free(outcome)
    if turn.expect == "language_note":
        return outcome.reason == "other_language"
    item = EvalItem("", "", turn.question, turn.expect, turn.must, "")
    return is_correct(item, outcome, reply)


def evaluate_dialogues(matcher: Matcher, dialogues: Sequence[Dialogue], fallback: str = "en") -> dict[str, Any]:
    """Score dialogues turn by turn, each turn with the context the earlier ones left (as the bot does)."""
    conversation = Conversation(matcher)
    buckets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[dict[str, Any]] = []
    inherited_switches = 0
    for dialogue in dialogues:
        context: Context | None = None
        for i, turn in enumerate(dialogue.turns):
            outcome = conversation.answer(turn.question, fallback_lang=fallback, context=context, now=float(i))
            reply = outcome_text(outcome, html=False)
            ok = turn_correct(turn, outcome, reply)
            # A switch is a turn off the subject (it should be declined) that was read with the context;
            # coming back to the subject afterwards ("and what did she say about Geneva?") may use it.
            if dialogue.kind == "topic_switch" and i > 0 and turn.expect == "unknown" and outcome.resolved:
                inherited_switches += 1
            for key in ("turns", f"turns:kind:{dialogue.kind}", f"turns:lang:{dialogue.lang}"):
                buckets[key][0] += ok
                buckets[key][1] += 1
            if not ok:
                failures.append(_failure(f"{dialogue.id}#{i + 1}", turn.expect, outcome, turn.question, reply))
            context = conversation.context_after(outcome, float(i)) or context
    return {"dialogues": len(dialogues), "accuracy": _rates(buckets),
            "topic_switches_inheriting_context": inherited_switches, "failures": failures}


def print_dialogue_eval(report: dict[str, Any], out: TextIO) -> None:
    acc = report["accuracy"]
    print(f"Dialogue turns right: {_pct(report, 'turns')} over {report['dialogues']} dialogues", file=out)
    kinds = sorted(k.split(":")[-1] for k in acc if k.startswith("turns:kind:"))
    langs = sorted(k.split(":")[-1] for k in acc if k.startswith("turns:lang:"))
    print("by kind: " + ", ".join(f"{k} {_pct(report, f'turns:kind:{k}')}" for k in kinds), file=out)
    print("by language: " + ", ".join(f"{lg} {_pct(report, f'turns:lang:{lg}')}" for lg in langs), file=out)
    print(f"Topic switches that inherited context: {report['topic_switches_inheriting_context']}", file=out)
    _print_failures(report, out)
