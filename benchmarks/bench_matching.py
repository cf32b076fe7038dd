"""Matcher speed: per-question latency and throughput, against a naive rapidfuzz baseline and bm25s.

Prints figures (no assertions): median and p99 latency per question and questions/s for the shipped
knowledge base (and through ``Conversation``, with and without a follow-up context) and for a
synthetic one of 10,000 entries, beside the naive baseline (rapidfuzz
``extractOne`` with ``WRatio`` over every question string) and bm25s (``pip install bm25s`` or the
``[bench]`` extra; skipped when missing) run in the same process, as ratios; and
the cold start of ``treaty-bot ask`` with the index cache (bot/kb_cache.py) warm and with none, beside
``python -c pass`` (median of 15, run in turn, wall and CPU time); and at 10,000 entries the index built
against loaded from the cache (time and RSS, each in a fresh process), and ``treaty-bot ask`` over
a 10,000-entry knowledge directory on its first start (parse, build, save) and later ones.
Run: ``.venv/bin/python benchmarks/bench_matching.py``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
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
    """``n`` entries shaped like real ones: each curated question is a real question of the shipped base
    (its question and stop words kept: "how", "the", "когда"...) with its content words replaced by
    words drawn from a Zipf distribution (rank^-1) over the article's words and 20,000 invented ones, as a
    real vocabulary is (a few words everywhere, most words rare); each entry has its own answer and
    source sentence."""
    rng = random.Random(seed)
    matcher_stop = Matcher(kb).analyzer.stopwords
    article = sorted({w for w in tokens(normalise(kb.article.text)) if len(w) > 3 and w not in matcher_stop})
    invented = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(20000)]
    vocabulary = [*rng.sample(article, len(article)), *invented]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    # The shapes of fact questions with two content words or more ("hi" alone would repeat itself).
    said = {lang: [tokens(normalise(q)) for e in kb.facts() for q in e.block(lang).questions] for lang in ("en", "ru")}
    shapes = {lang: [w for w in said[lang] if sum(x not in matcher_stop for x in w) >= 2] for lang in said}
    sentences = [s.text for s in kb.article.sentences]

    def zipf(k: int) -> list[str]:
        return rng.choices(vocabulary, cum_weights=cumulative, k=k)

    def question(lang: str) -> str:
        shape = rng.choice(shapes[lang])
        fresh = iter(zipf(len(shape)))
        return " ".join(w if w in matcher_stop else next(fresh) for w in shape)

    entries = [
        Entry(
            id=f"s{i}", kind="fact", topic=kb.topics[0].id,
            en=LangBlock(tuple(dict.fromkeys(question("en") for _ in range(rng.randint(4, 12)))), " ".join(zipf(12))),
            ru=LangBlock(tuple(dict.fromkeys(question("ru") for _ in range(rng.randint(3, 10)))), " ".join(zipf(10))),
            source=(sentences[i % len(sentences)],),
        )
        for i in range(n)
    ]
    return KnowledgeBase(tuple(entries), kb.topics, kb.lexicon, kb.article, "synthetic")


def bm25s_baseline(kb: KnowledgeBase) -> Callable[[str], object] | None:
    """bm25s (BM25 over every curated question, answer and source of each entry), or None when it is not
    installed (``pip install bm25s``: a benchmark's baseline, not a dependency of the bot)."""
    try:
        import bm25s  # type: ignore[import-not-found]
    except ImportError:
        return None
    corpus = [" ".join((*e.en.questions, *e.ru.questions, e.en.answer, e.ru.answer, *e.source)) for e in kb.entries]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([normalise(c) for c in corpus], show_progress=False), show_progress=False)

    def match(question: str) -> object:
        tokens_ = bm25s.tokenize([normalise(question)], show_progress=False)
        return retriever.retrieve(tokens_, k=1, show_progress=False)

    return match


def side_by_side_bm25s(kb: KnowledgeBase, questions: Sequence[str], ours: float, rounds: int) -> None:
    bm25 = bm25s_baseline(kb)
    if bm25 is None:
        print("  bm25s: not installed (pip install bm25s) - no side-by-side figure")
        return
    other, _ = summary("bm25s (retrieve top 1)", timings(bm25, questions, rounds))
    print(f"  ratio p50 ours/bm25s: {ours / other:.2f}x")


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


def run_timed(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU user+system) seconds of one run of ``argv`` as a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def cold_start(runs: int = 15) -> None:
    """``treaty-bot ask`` with a warm cache, with none (``TREATY_BOT_INDEX_CACHE=off``: load and build as
    before the cache) and ``python -c pass``, each in turn, so that a busy moment costs all alike.

    The bot's modules are byte-compiled first, as ``pip install`` (and so the Docker image) does: with
    ``PYTHONDONTWRITEBYTECODE=1`` in the environment and no ``.pyc`` files, every run would compile ~40
    modules from source (~80 ms on this machine, ``builtins.compile`` in a profile of one ``ask``), a cost
    no installed bot pays."""
    ask = [sys.executable, "-m", "bot.cli", "ask", "who signed the treaty?"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "bot"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(ask, cwd=ROOT, capture_output=True, check=True)  # the cache is warm from here
    cases = {"python -c pass": ([sys.executable, "-c", "pass"], {}), "ask, warm cache": (ask, {}),
             "ask, no cache": (ask, {"TREATY_BOT_INDEX_CACHE": "off"})}
    _time_cases(cases, runs)


def _time_cases(cases: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> None:
    """Run each case in turn ``runs`` times; print the median wall and CPU time of each."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (argv, env) in cases.items():
            times[name].append(run_timed(argv, env))
    print(f"\nCold start (python -m bot.cli ask, bot/ byte-compiled as pip installs it, median of {runs}, in turn):")
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"  {name:<18} wall {wall:.3f} s (min {min(w for w, _ in samples):.3f})   CPU {cpu:.3f} s")


_BIG = """
import resource, sys, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from bench_matching import synthetic
from bot.index_cache import cached_matcher
from bot.knowledge import load_knowledge
from bot.matching import Matcher

def rss():
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    kb = [int(line.split()[1]) for line in lines if line.startswith("VmRSS:")]
    return (kb[0] if kb else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024

big = synthetic(load_knowledge(), 10_000)
base = rss()
t0 = time.perf_counter()
matcher = Matcher(big) if {mode!r} == "build" else cached_matcher(big, directories=[Path({cache!r})])
print(time.perf_counter() - t0, base, rss())
"""


def big_start(runs: int = 3) -> None:
    """At 10,000 entries, each in a fresh process: the index built, and loaded from the cache (its key
    included), with the RSS before and after; then ``treaty-bot ask`` over the same entries on disk."""
    with tempfile.TemporaryDirectory() as tmp:
        def child(mode: str) -> list[float]:
            code = _BIG.format(bench=str(Path(__file__).parent), mode=mode, cache=tmp)
            out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
            return [float(x) for x in out.stdout.split()]

        child("cache")  # a miss: built and saved
        print("\nSynthetic knowledge base, 10,000 entries (fresh processes; RSS before -> after the matcher):")
        for mode, label in (("build", "index built"), ("cache", "index from the cache")):
            rows = [child(mode) for _ in range(runs)]
            seconds = statistics.median(r[0] for r in rows)
            print(f"  {label:<22} {seconds:6.2f} s (median of {runs})   RSS {rows[0][1]:.0f} -> "
                  f"{statistics.median(r[2] for r in rows):.0f} MB")
    big_cli(runs)


def big_cli(runs: int) -> None:
    """``treaty-bot ask --knowledge DIR`` over 10,000 entries written as TOML: the first start reads the
    files, builds and saves; the later ones load the cache."""
    from bot.curation.export import write_knowledge_dir

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "knowledge"
        kb = load_knowledge()
        big = synthetic(kb, 10_000)
        # 200 entries a file: a knowledge file may hold at most 512 KiB (bot/tomlsafe.py).
        files = [replace(e, file=f"entries/synthetic{i // 200:02d}.toml") for i, e in enumerate(big.entries)]
        write_knowledge_dir(big.replace_entries(files), root, kb.directory)
        ask = [sys.executable, "-m", "bot.cli", "ask", "--files-only", "--knowledge", str(root), "who signed it?"]
        first = run_timed(ask)
        warm = [run_timed(ask) for _ in range(runs)]
        print(f"  treaty-bot ask over them: first start {first[0]:.2f} s (reads the TOML, builds, saves); "
              f"then {statistics.median(w for w, _ in warm):.2f} s (median of {runs}, the cache)")


def first_time(kb: KnowledgeBase, n: int = 2000) -> None:
    """The rows above repeat the dev set's 114 questions, so after the first round the matcher's memory of its
    last readings answers most of them; here each question of the load benchmarks' stream (mostly distinct,
    not the knowledge base's own wording) meets a new matcher and conversation, once."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from question_mix import question_mix

    mix = question_mix(n, seed=11)
    print(f"  {len(set(mix))} distinct of {n} questions of the load mix, each asked once (nothing remembered):")
    summary("treaty-bot matcher", timings(Matcher(kb).match, mix, 1))
    summary("conversation, no context", timings(Conversation(Matcher(kb)).answer, mix, 1))


def main() -> None:
    kb = load_knowledge()
    questions = [json.loads(line)["question"] for line in DEV_SET.open(encoding="utf-8")]
    matcher = Matcher(kb)
    print(f"Shipped knowledge base: {len(kb.entries)} entries; {len(questions)} questions x 20 rounds")
    ours, _ = summary("treaty-bot matcher", timings(matcher.match, questions, 20))
    base, _ = summary("naive extractOne(WRatio)", timings(naive(kb), questions, 20))
    print(f"  ratio p50 naive/ours: {base / ours:.2f}x")
    side_by_side_bm25s(kb, questions, ours, 20)
    conversation = Conversation(matcher)
    context = conversation.context_from("signing_date")
    without, within = paired(conversation.answer, lambda q: conversation.answer(q, context=context), questions, 20)
    alone, _ = summary("conversation, no context", without)
    with_context, _ = summary("conversation, with a context", within)
    print(f"  ratio p50 with/without context: {with_context / alone:.2f}x (each question timed both ways in turn)")
    first_time(kb)

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
    side_by_side_bm25s(big, probes, ours, 2)

    cold_start()
    big_start()


if __name__ == "__main__":
    main()
