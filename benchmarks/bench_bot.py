"""The whole bot under load, side by side with a bare python-telegram-bot echo bot, through the fake Bot API.

    .venv/bin/python benchmarks/bench_bot.py [--rounds 3] [--questions 2000] [--users 200]
                                             [--paced-questions 1000] [--rate 100] [--concurrency 32]
    .venv/bin/python benchmarks/bench_bot.py --bot treaty|echo|fixed   # one run of one bot
    .venv/bin/python benchmarks/bench_bot.py --split             # and treaty-bot without its matching
    .venv/bin/python benchmarks/bench_bot.py --compare           # treaty-bot, chat-log recording on vs off

By default treaty-bot (``treaty-bot run``'s Application, chat log on, rate limiter off) and the echo bot
(benchmarks/echo_bot.py: one MessageHandler replying the text, on the same aiohttp transport) each run
``--rounds`` times, alternately, each run a child process of this one against a fresh fake server
(tests/fake_telegram.py) in this process. Every run has the same two phases:

* burst: ``--questions`` questions from ``--users`` users queued at once; questions/s = replies accepted /
  (last accepted reply - first question queued);
* paced: ``--paced-questions`` questions arriving at ``--rate`` per second (below either bot's capacity):
  the latency of one question without a queue in front of it.

Questions come from benchmarks/question_mix.py (seeded): the knowledge base's curated questions mixed with
word-dropped, typo'd and shuffled variants, off-topic sentences and chatter, so the bot's caches are not all
warm; the burst, the paced phase and the warm-up each get their own seed. Latency is the time from an
update being added to the fake server to the bot's sendMessage for it arriving there; a sendMessage counts
only when the fake server accepted it (status 200). The summary gives the median of the rounds for each bot
and the issue's targets: treaty-bot's burst q/s >= 0.70x the echo bot's, its paced p50 <= 1.2x the echo
bot's. Prints figures; asserts nothing about time.

``BENCH_PROFILE_BOT=FILE`` runs the bot child under cProfile and writes its profile to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fake_telegram import Call, FakeTelegram  # noqa: E402
from question_mix import describe, question_mix  # noqa: E402

TOKEN = "123456:" + "B" * 35
BOTS = ("treaty", "echo")
KINDS = (*BOTS, "fixed")  # "fixed": treaty-bot with its matching taken out (``--split``)
NAMES = {"treaty": "treaty-bot", "echo": "echo bot", "fixed": "no matcher"}
FIXED_QUESTION = "Who signed the treaty?"
SEEDS = {"warm": 99, "burst": 7, "paced": 8}
BURST_TARGET = 0.70  # treaty-bot's burst q/s at least this times the echo bot's
P50_TARGET = 1.2  # treaty-bot's paced p50 at most this times the echo bot's


def questions(n: int, seed: int = 7) -> list[str]:
    return question_mix(n, seed)


def bot_config(base_url: str, file_url: str, database: str, transport: Any = "aiohttp") -> Any:
    from bot.config import Config, StorageConfig, TelegramConfig

    telegram = TelegramConfig(
        token=TOKEN, api_base_url=base_url, api_file_url=file_url, rate_limiter=False, http_client=transport
    )
    return Config(telegram=telegram, storage=StorageConfig(database=database))


class FixedAnswer:
    """treaty-bot's conversation with the matching taken out: every message gets the outcome of one question,
    worked out once. The rest of the bot (language, context, keyboards, HTML, send, chat log) is unchanged, so
    its figures say what the bot costs besides understanding the question."""

    def __init__(self, conversation: Any) -> None:
        self._conversation = conversation
        self._outcome: Any = None

    def answer(self, text: str, lang: str | None = None, fallback_lang: str = "en", context: Any = None,
               now: float | None = None) -> Any:
        if self._outcome is None:
            self._outcome = self._conversation.answer(FIXED_QUESTION)
        return self._outcome

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conversation, name)


def build(kind: str, base_url: str, file_url: str, database: str, concurrency: int, transport: str) -> Any:
    """The Application of ``kind``: treaty-bot as ``treaty-bot run`` builds it (``fixed``: its matching
    taken out), or the echo bot."""
    if kind == "echo":
        from echo_bot import build_echo, echo
        from telegram.ext import MessageHandler, filters

        app = build_echo(TOKEN, base_url, file_url, concurrency)
        app.add_handler(MessageHandler(filters.TEXT, echo))
        return app
    from bot.telegram.app import build_application, make_services

    config = bot_config(base_url, file_url, database, transport)
    assert config.telegram.http_client == transport
    services = make_services(config)
    if kind == "fixed":
        services.conversation = FixedAnswer(services.conversation)  # type: ignore[assignment]  # duck-typed
    return build_application(config, services, concurrent_updates=concurrency)


def serve_bot(kind: str, base_url: str, file_url: str, database: str, concurrency: int, transport: str) -> None:
    """The child process: the bot polling until SIGTERM, rate limiter off."""
    import logging

    from telegram import Update

    logging.basicConfig(level=logging.WARNING)
    app = build(kind, base_url, file_url, database, concurrency, transport)
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, close_loop=True)


async def start_in_process(kind: str, fake: FakeTelegram, database: str, concurrency: int, transport: str) -> Any:
    from telegram import Update

    app = build(kind, fake.base_url, fake.base_file_url, database, concurrency, transport)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
    await app.start()
    return app


async def stop_in_process(app: Any) -> None:
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


class Tracker:
    """Matches each accepted sendMessage to the oldest unanswered question in its chat; latencies in ms.

    Only a sendMessage the fake server accepted (200) is a reply. A refused one (400 ...) is counted in
    ``refused`` and ends its question unanswered; a 429 or 5xx is left for the bot's retry to answer."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.asked: dict[int, deque[float]] = defaultdict(deque)
        self.latencies: list[float] = []
        self.refused = 0
        self.seen = len(fake.calls)
        self.first_added = 0.0
        self.last_reply = 0.0

    def add(self, update: dict[str, Any]) -> None:
        now = time.monotonic()
        if not self.first_added:
            self.first_added = now
        self.asked[update["message"]["chat"]["id"]].append(now)
        self.fake.add_update(update)

    def collect(self) -> None:
        calls: list[Call] = self.fake.calls
        while self.seen < len(calls):
            call = calls[self.seen]
            if call.method == "sendMessage":
                if call.status is None:
                    break  # not answered yet: look again later, in order
                waiting = self.asked.get(call.params.get("chat_id", 0))
                if call.status == 200 and waiting:
                    self.latencies.append((call.time - waiting.popleft()) * 1000)
                    self.last_reply = call.time
                elif call.status != 200 and call.status != 429 and call.status < 500:
                    self.refused += 1
                    if waiting:
                        waiting.popleft()
            self.seen += 1

    def unanswered(self) -> int:
        return sum(len(q) for q in self.asked.values())

    async def wait(self, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(self.latencies) + self.refused < count and time.monotonic() < deadline:
            self.collect()
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for("sendMessage", since=len(self.fake.calls), timeout=0.2)
        self.collect()


Figures = dict[str, float]  # answered, refused, qps, p50, p99, max (ms), cpu (bot ms per question)


def report(name: str, tracker: Tracker, n: int) -> Figures:
    lat = sorted(tracker.latencies)
    if not lat:
        print(f"  {name}: no replies accepted ({tracker.refused} refused)")
        return {}
    span = tracker.last_reply - tracker.first_added
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    refused = f", {tracker.refused} refused" if tracker.refused else ""
    print(
        f"  {name:<11} {len(lat)}/{n} accepted{refused} in {span:6.2f} s = {len(lat) / span:7.1f} q/s   "
        f"latency p50 {statistics.median(lat):7.1f} ms   p99 {p99:7.1f} ms   max {lat[-1]:7.1f} ms"
    )
    return {
        "answered": len(lat), "refused": tracker.refused, "qps": len(lat) / span,
        "p50": statistics.median(lat), "p99": p99, "max": lat[-1],
    }


def cpu_seconds(child: subprocess.Popen[bytes] | None) -> tuple[float, float]:
    """(the bot's, this process's) CPU time so far; the bot's is 0 when it runs in this process."""
    mine = time.process_time()
    if child is None:
        return 0.0, mine
    with open(f"/proc/{child.pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, mine


async def wait_ready(fake: FakeTelegram, child: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            raise RuntimeError(f"the bot exited with status {child.returncode}")
        if any(c.method == "getUpdates" for c in fake.calls):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot did not start polling within 60 s")


def spawn(kind: str, fake: FakeTelegram, database: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    profile = os.environ.get("BENCH_PROFILE_BOT")  # a file name: profile the bot process
    cmd = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), __file__]
    cmd += ["--serve-bot", fake.base_url, fake.base_file_url, database, "--bot", kind]
    cmd += ["--concurrency", str(args.concurrency), "--transport", args.transport]
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": path})


async def burst(fake: FakeTelegram, args: argparse.Namespace, child: subprocess.Popen[bytes] | None) -> Figures:
    """Every question queued at once; the figures, with the bot's CPU per question."""
    qs = questions(args.questions, SEEDS["burst"])
    cpu = cpu_seconds(child)
    tracker = Tracker(fake)
    for i, q in enumerate(qs):
        tracker.add(fake.private_message(q, user_id=1_000_000 + i % args.users))
    await tracker.wait(len(qs), 180)
    figures = report("burst", tracker, len(qs))
    bot_cpu, server_cpu = (a - b for a, b in zip(cpu_seconds(child), cpu, strict=True))
    if figures and child is not None:
        figures["cpu"] = 1000 * bot_cpu / len(qs)
        server = 1000 * server_cpu / len(qs)
        print(f"  {'':<11} CPU per question: bot {figures['cpu']:.2f} ms, fake server {server:.2f} ms")
    return figures


async def paced(fake: FakeTelegram, args: argparse.Namespace) -> Figures:
    """Questions arriving at ``args.rate`` per second; the figures."""
    qs = questions(args.paced_questions, SEEDS["paced"])
    tracker, gap = Tracker(fake), 1.0 / args.rate
    t0 = time.monotonic()
    for i, q in enumerate(qs):
        delay = t0 + i * gap - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tracker.add(fake.private_message(q, user_id=1_000_000 + i % args.users))
        if i % 50 == 0:
            tracker.collect()
    await tracker.wait(len(qs), 120)
    return report(f"paced {args.rate:g}/s", tracker, len(qs))


async def run(args: argparse.Namespace, kind: str = "treaty") -> dict[str, Figures]:
    """One run of one bot (chat log as ``args.no_storage`` says): a warm-up, then the two phases."""
    results: dict[str, Figures] = {}
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        database = "" if args.no_storage or kind == "echo" else str(Path(tmp) / "bench.sqlite3")
        child: subprocess.Popen[bytes] | None = None
        app: Any = None
        started = time.monotonic()
        if args.in_process:
            app = await start_in_process(kind, fake, database, args.concurrency, args.transport)
        else:
            child = spawn(kind, fake, database, args)
        try:
            await wait_ready(fake, child)
            where = "in process" if app else "child process"
            storage = "" if kind == "echo" else f", chat log {'off' if not database else 'on'}"
            print(
                f"{NAMES[kind]}: ready in {time.monotonic() - started:.2f} s ({where}, concurrent_updates="
                f"{args.concurrency}, {args.transport}{storage})"
            )
            warm = Tracker(fake)  # caches, connections; not measured
            for i, q in enumerate(questions(100, SEEDS["warm"])):
                warm.add(fake.private_message(q, user_id=1_000_000 + i % args.users))
            await warm.wait(100, 30)
            results["burst"] = await burst(fake, args, child)
            results["paced"] = await paced(fake, args)
        finally:
            if app is not None:
                await stop_in_process(app)
            if child is not None:
                child.send_signal(signal.SIGTERM)
                await asyncio.to_thread(child.wait, 60)
            await fake.stop()
    return results


def _median(runs: list[dict[str, Figures]], phase: str, key: str) -> float:
    values = [r[phase][key] for r in runs if r.get(phase) and key in r[phase]]
    return statistics.median(values) if values else float("nan")


def _verdict(ratio: float, target: float, at_least: bool) -> str:
    met = ratio >= target if at_least else ratio <= target
    return f"target {'>=' if at_least else '<='} {target:.2f}: {'met' if met else 'MISSED'}"


def summary(args: argparse.Namespace, runs: dict[str, list[dict[str, Figures]]]) -> None:
    """The median of the rounds for each bot, and treaty-bot's ratios to the echo bot against the targets."""
    print(
        f"--- treaty-bot vs the echo bot, medians of {args.rounds} rounds (burst: {args.questions} questions "
        f"from {args.users} users at once; paced: {args.paced_questions} at {args.rate:g}/s)"
    )
    print(f"{'bot':<12}{'burst q/s':>10}{'CPU ms/q':>10}{'paced p50':>11}{'paced p99':>11}{'accepted':>10}")
    for kind in (k for k in KINDS if runs.get(k)):
        r = runs[kind]
        accepted = sum(x.get(p, {}).get("answered", 0) for x in r for p in ("burst", "paced"))
        asked = len(r) * (args.questions + args.paced_questions)
        print(
            f"{NAMES[kind]:<12}{_median(r, 'burst', 'qps'):10.1f}{_median(r, 'burst', 'cpu'):10.2f}"
            f"{_median(r, 'paced', 'p50'):9.1f}ms{_median(r, 'paced', 'p99'):9.1f}ms{accepted:>5}/{asked}"
        )
    t, e = runs["treaty"], runs["echo"]
    qps = _median(t, "burst", "qps") / _median(e, "burst", "qps")
    p50 = _median(t, "paced", "p50") / _median(e, "paced", "p50")
    p99 = _median(t, "paced", "p99") / _median(e, "paced", "p99")
    cpu = _median(t, "burst", "cpu") / _median(e, "burst", "cpu")
    print(f"ratio treaty-bot/echo: burst q/s {qps:.2f} ({_verdict(qps, BURST_TARGET, True)})")
    print(f"                       paced p50 {p50:.2f} ({_verdict(p50, P50_TARGET, False)}); paced p99 {p99:.2f}")
    print(f"                       CPU per question {cpu:.2f}")
    if runs.get("fixed"):
        f = runs["fixed"]
        print(f"ratio no matcher/echo: burst q/s {_median(f, 'burst', 'qps') / _median(e, 'burst', 'qps'):.2f}, "
              f"paced p50 {_median(f, 'paced', 'p50') / _median(e, 'paced', 'p50'):.2f}, "
              f"CPU per question {_median(f, 'burst', 'cpu') / _median(e, 'burst', 'cpu'):.2f} "
              f"(the matcher's share of treaty-bot's CPU: "
              f"{1 - _median(f, 'burst', 'cpu') / _median(t, 'burst', 'cpu'):.0%})")
    rounds = [
        f"{x['burst'].get('qps', 0) / y['burst']['qps']:.2f}/{x['paced'].get('p50', 0) / y['paced']['p50']:.2f}"
        for x, y in zip(t, e, strict=True) if x.get("burst") and x.get("paced") and y.get("burst") and y.get("paced")
    ]
    print(f"each round's ratios (burst q/s / paced p50): {', '.join(rounds)}")


async def versus(args: argparse.Namespace) -> None:
    """Both bots, ``args.rounds`` times each, alternately (which goes first alternates too)."""
    print(f"burst: {describe(args.questions, SEEDS['burst'])}")
    print(f"paced: {describe(args.paced_questions, SEEDS['paced'])}")
    kinds = KINDS if args.split else BOTS
    runs: dict[str, list[dict[str, Figures]]] = {kind: [] for kind in kinds}
    for i in range(args.rounds):
        for kind in kinds if i % 2 == 0 else kinds[::-1]:
            print(f"--- round {i + 1}/{args.rounds}: ", end="")
            runs[kind].append(await run(args, kind))
    summary(args, runs)


async def compare(args: argparse.Namespace) -> None:
    """treaty-bot with recording on, then off; both side by side and the p50 ratio on/off."""
    runs: dict[str, dict[str, Figures]] = {}
    for label, no_storage in (("on", False), ("off", True)):
        print(f"--- recording {label}: ", end="")
        runs[label] = await run(argparse.Namespace(**{**vars(args), "no_storage": no_storage}))
    print(f"--- recording on vs off ({args.questions} questions, {args.users} users, paced at {args.rate:g}/s)")
    print(f"{'phase':<8}{'recording':<11}{'q/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for phase in ("burst", "paced"):
        for label in ("on", "off"):
            f = runs[label].get(phase) or {}
            print(f"{phase:<8}{label:<11}{f.get('qps', 0.0):9.1f}{f.get('p50', 0.0):9.1f}{f.get('p99', 0.0):9.1f}")
        on, off = runs["on"].get(phase) or {}, runs["off"].get(phase) or {}
        if on and off:
            ratio = on["p50"] / off["p50"]
            verdict = "" if phase != "paced" else f"  ({_verdict(ratio, 1.1, False)})"
            print(f"{phase:<8}p50 ratio on/off {ratio:.2f}; p99 ratio {on['p99'] / off['p99']:.2f}{verdict}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each bot (the summary gives medians)")
    parser.add_argument("--questions", type=int, default=2000, help="questions in the burst")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--paced-questions", type=int, default=1000, help="questions in the paced phase")
    parser.add_argument("--rate", type=float, default=100.0, help="questions/s in the paced phase")
    parser.add_argument("--concurrency", type=int, default=32, help="Application.concurrent_updates (both bots)")
    parser.add_argument(
        "--transport",
        choices=["aiohttp", "httpx"],
        default="aiohttp",
        help="treaty-bot's telegram.http_client: aiohttp (the default, bot/telegram/request.py) or httpx",
    )
    parser.add_argument("--bot", choices=KINDS, help="one run of this bot only (no comparison)")
    parser.add_argument(
        "--split", action="store_true",
        help="a third bot in the comparison: treaty-bot with its matching taken out (every message answered "
             "with the outcome of one question): what the rest of the bot costs",
    )
    parser.add_argument("--no-storage", action="store_true", help="treaty-bot without the chat-log database")
    parser.add_argument("--in-process", action="store_true", help="run the bot in this process's event loop")
    parser.add_argument(
        "--compare", action="store_true", help="treaty-bot twice, recording on and off (ignores --no-storage)"
    )
    parser.add_argument("--serve-bot", nargs=3, metavar=("BASE_URL", "FILE_URL", "DATABASE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_bot:
        base_url, file_url, database = arguments.serve_bot
        kind = arguments.bot or "treaty"
        serve_bot(kind, base_url, file_url, database, concurrency=arguments.concurrency, transport=arguments.transport)
    elif arguments.compare:
        asyncio.run(compare(arguments))
    elif arguments.bot:
        asyncio.run(run(arguments, arguments.bot))
    else:
        asyncio.run(versus(arguments))
