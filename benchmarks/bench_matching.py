"""Matcher speed: per-question latency and throughput, against a naive rapidfuzz baseline.

Prints figures (no assertions): median and p99 latency per question and questions/s for the shipped
knowledge base (and through ``Conversation``, with and without a follow-up context) and for a
synthetic one of 10,000 entries, beside the naive baseline (rapidfuzz
``extractOne`` with ``WRatio`` over every question string) run in the same process, as a ratio; and
the cold-start time of ``treaty-bot ask``. Run: ``.venv/bin/python benchmarks/bench_matching.py``.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.conversation import Conversation
from bot.knowledge import Entry, KnowledgeBase, LangBlock, load_knowledge
from bot.matching import Matcher, normalise, tokens

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"


def timings(fn: Callable[[str], object], questions: Sequence[str], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            fn(q)
            out.append(time.perf_counter() - t0)
    return out


def summary(name: str, samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    qps = len(ms) / (sum(ms) / 1000)
    print(f"  {name:<34} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   {qps:10.0f} questions/s")
    return p50, p99


def naive(kb: KnowledgeBase) -> Callable[[str], object]:
    choices = [normalise(q) for e in kb.entries for lang in ("en", "ru") for q in e.block(lang).questions]

    def match(question: str) -> object:
        return process.extractOne(normalise(question), choices, scorer=fuzz.WRatio)

    return match


def synthetic(kb: KnowledgeBase, n: int, seed: int = 7) -> KnowledgeBase:
    """``n`` entries whose questions mix the article's words with invented ones (realistic vocabulary size)."""
    rng = random.Random(seed)
    words_en = sorted({w for w in tokens(normalise(kb.article.text)) if len(w) > 3 and w.isascii()})
    words_ru = sorted({w for e in kb.entries for q in e.ru.questions for w in tokens(normalise(q)) if len(w) > 3})
    invented = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(20000)]

    def question(pool: list[str]) -> str:
        return " ".join(rng.choice(pool if rng.random() < 0.6 else invented) for _ in range(rng.randint(3, 7)))

    entries = [
        Entry(
            id=f"s{i}", kind="fact", topic=kb.topics[0].id,
            en=LangBlock(tuple(question(words_en) for _ in range(5)), "answer"),
            ru=LangBlock(tuple(question(words_ru) for _ in range(3)), "ответ"),
            source=(kb.article.text.splitlines()[2],),
        )
        for i in range(n)
    ]
    return KnowledgeBase(tuple(entries), kb.topics, kb.lexicon, kb.article, "synthetic")


def paired(first: Callable[[str], object], second: Callable[[str], object], questions: Sequence[str],
           rounds: int) -> tuple[list[float], list[float]]:
    """Both functions timed on each question in turn, so that a busy moment of a shared machine costs
    both alike and their ratio stays meaningful."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            first(q)
            t1 = time.perf_counter()
            second(q)
            b.append(time.perf_counter() - t1)
            a.append(t1 - t0)
    return a, b


def cold_start(runs: int = 5) -> list[float]:
    out: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", "ask", "who signed the treaty?"], cwd=ROOT,
                       capture_output=True, check=True)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    kb = load_knowledge()
    questions = [json.loads(line)["question"] for line in DEV_SET.open(encoding="utf-8")]
    matcher = Matcher(kb)
    print(f"Shipped knowledge base: {len(kb.entries)} entries; {len(questions)} questions x 20 rounds")
    ours, _ = summary("treaty-bot matcher", timings(matcher.match, questions, 20))
    base, _ = summary("naive extractOne(WRatio)", timings(naive(kb), questions, 20))
    print(f"  ratio p50 naive/ours: {base / ours:.2f}x")
    conversation = Conversation(matcher)
    context = conversation.context_from("signing_date")
    without, within = paired(conversation.answer, lambda q: conversation.answer(q, context=context), questions, 20)
    alone, _ = summary("conversation, no context", without)
    with_context, _ = summary("conversation, with a context", within)
    print(f"  ratio p50 with/without context: {with_context / alone:.2f}x (each question timed both ways in turn)")

    t0 = time.perf_counter()
    big = synthetic(kb, 10_000)
    big_matcher = Matcher(big)
    build = time.perf_counter() - t0
    rng = random.Random(1)
    probes = [rng.choice(e.en.questions) for e in rng.sample(list(big.entries), 150)]
    probes = [" ".join(w[:-1] if rng.random() < 0.2 and len(w) > 5 else w for w in q.split()) for q in probes]
    probes += questions
    print(f"\nSynthetic knowledge base: 10,000 entries (index built in {build:.1f} s); {len(probes)} questions x 2")
    ours, _ = summary("treaty-bot matcher", timings(big_matcher.match, probes, 2))
    base, _ = summary("naive extractOne(WRatio)", timings(naive(big), probes, 2))
    print(f"  ratio p50 naive/ours: {base / ours:.2f}x")

    starts = cold_start()
    print(f"\nCold start of `treaty-bot ask` (python -m bot.cli, {len(starts)} runs): "
          f"median {statistics.median(starts):.3f} s, min {min(starts):.3f} s")


if __name__ == "__main__":
    main()
