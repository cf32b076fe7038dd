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

from bot.matching import Matcher, Outcome


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
    from bot.texts import outcome_text

    buckets: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[dict[str, Any]] = []
    wrong_lang = 0
    for item in items:
        outcome = matcher.match(item.question, fallback_lang=fallback)
        reply = outcome_text(outcome, html=False)
        ok = is_correct(item, outcome, reply)
        wrong_lang += outcome.lang != item.lang
        kind = "in_scope" if item.expect == "answer" else "refusal"
        for key in (kind, f"{kind}:lang:{item.lang}", f"{kind}:style:{item.style}"):
            buckets[key][0] += ok
            buckets[key][1] += 1
        if not ok:
            failures.append(
                {"id": item.id, "expect": item.expect, "status": outcome.status, "reason": outcome.reason,
                 "entry_id": outcome.entry.id if outcome.entry else None, "score": outcome.score,
                 "question": item.question, "reply": reply}
            )
    return {
        "items": len(items),
        "accuracy": {k: {"correct": v[0], "total": v[1], "rate": v[0] / v[1]} for k, v in sorted(buckets.items())},
        "reply_language_mismatches": wrong_lang,
        "failures": failures,
    }


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
    if report["failures"]:
        print(f"\nFailures ({len(report['failures'])}):", file=out)
        for f in report["failures"]:
            reply = f["reply"].replace("\n", " ")[:160]
            print(f"- {f['id']} expect={f['expect']} got={f['status']}({f['reason']}, {f['entry_id']}, "
                  f"{f['score']}): {f['question']}\n    -> {reply}", file=out)


