"""The whole bot under load: the real Application (polling, rate limiter off) against the fake Bot API.

    .venv/bin/python benchmarks/bench_bot.py [--questions 2000] [--users 200] [--rate 150]
                                             [--concurrency 64] [--no-storage] [--in-process]
                                             [--compare]

The fake server (tests/fake_telegram.py) runs in this process and the bot in a child process (as in
production, the two do not share a CPU-bound event loop; ``--in-process`` runs both in one loop).
Questions are the knowledge base's own curated questions and lightly varied copies of them, English and
Russian, asked by ``--users`` users in private chats. Two phases:

* burst: every question is queued at once; questions/s = questions / (last reply - first queued);
* paced: the same number of questions arriving at ``--rate`` per second (below capacity), which gives
  the latency of one question without a queue in front of it.

Latency is the time from an update being added to the fake server to the bot's sendMessage for it
arriving there. Prints figures; asserts nothing about time.

``--compare`` runs the whole thing twice, chat-log recording on (a database in a temporary directory)
and off (no database), and prints both side by side with the p50 ratio on/off (target: <= 1.1 in the
paced phase, the one below saturation).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
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

from fake_telegram import Call, FakeTelegram  # noqa: E402

TOKEN = "123456:" + "B" * 35


def questions(n: int, seed: int = 7) -> list[str]:
    """``n`` questions: curated ones, some lower-cased, some without the question mark, some with a typo."""
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    pool = [q for e in kb.facts() for lang in ("en", "ru") for q in e.block(lang).questions]
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        q = rng.choice(pool)
        roll = rng.random()
        if roll < 0.25:
            q = q.lower()
        elif roll < 0.5:
            q = q.rstrip("?")
        elif roll < 0.6 and len(q) > 8:
            i = rng.randrange(2, len(q) - 2)
            q = q[:i] + q[i + 1 :]  # a dropped letter
        out.append(q)
    return out


def bot_config(base_url: str, file_url: str, database: str, transport: Any = "aiohttp") -> Any:
    from bot.config import Config, StorageConfig, TelegramConfig

    telegram = TelegramConfig(
        token=TOKEN, api_base_url=base_url, api_file_url=file_url, rate_limiter=False, http_client=transport
    )
    return Config(telegram=telegram, storage=StorageConfig(database=database))


def build(config: Any, concurrency: int, transport: str) -> Any:
    from bot.telegram.app import build_application, make_services

    assert config.telegram.http_client == transport
    return build_application(config, make_services(config), concurrent_updates=concurrency)


def serve_bot(base_url: str, file_url: str, database: str, concurrency: int, transport: str) -> None:
    """The child process: the bot as ``treaty-bot run`` runs it (until SIGTERM), rate limiter off."""
    import logging

    from telegram import Update

    logging.basicConfig(level=logging.WARNING)
    app = build(bot_config(base_url, file_url, database, transport), concurrency, transport)
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, close_loop=True)


async def start_in_process(fake: FakeTelegram, database: str, concurrency: int, transport: str) -> Any:
    from telegram import Update

    app = build(bot_config(fake.base_url, fake.base_file_url, database, transport), concurrency, transport)
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
    """Matches each sendMessage to the oldest unanswered question in its chat; latencies in ms."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.asked: dict[int, deque[float]] = defaultdict(deque)
        self.latencies: list[float] = []
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
            if call.method == "sendMessage" and call.status is not None:
                waiting = self.asked.get(call.params.get("chat_id", 0))
                if waiting:
                    self.latencies.append((call.time - waiting.popleft()) * 1000)
                    self.last_reply = call.time
            elif call.method == "sendMessage":
                break  # not answered yet: look again later, in order
            self.seen += 1

    async def wait(self, count: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while len(self.latencies) < count and time.monotonic() < deadline:
            self.collect()
            with contextlib.suppress(TimeoutError):
                await self.fake.wait_for("sendMessage", since=len(self.fake.calls), timeout=0.2)
        self.collect()


Figures = dict[str, float]  # answered, qps, p50, p99, max (ms)


def report(name: str, tracker: Tracker, n: int, elapsed: float | None = None) -> Figures:
    lat = sorted(tracker.latencies)
    if not lat:
        print(f"{name}: no replies")
        return {}
    span = elapsed if elapsed is not None else tracker.last_reply - tracker.first_added
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(
        f"{name:<7} {len(lat)}/{n} answered in {span:6.2f} s = {len(lat) / span:7.1f} questions/s   "
        f"latency p50 {statistics.median(lat):7.1f} ms   p99 {p99:7.1f} ms   max {lat[-1]:7.1f} ms"
    )
    return {"answered": len(lat), "qps": len(lat) / span, "p50": statistics.median(lat), "p99": p99, "max": lat[-1]}


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


async def main(args: argparse.Namespace) -> dict[str, Figures]:
    """One run (storage as ``args.no_storage`` says); returns the figures of each phase."""
    results: dict[str, Figures] = {}
    qs = questions(args.questions)
    users = [1_000_000 + i for i in range(args.users)]
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        database = "" if args.no_storage else str(Path(tmp) / "bench.sqlite3")
        child: subprocess.Popen[bytes] | None = None
        app: Any = None
        started = time.monotonic()
        if args.in_process:
            app = await start_in_process(fake, database, args.concurrency, args.transport)
        else:
            profile = os.environ.get("BENCH_PROFILE_BOT")  # a file name: profile the bot process
            cmd = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), __file__]
            cmd += ["--serve-bot", fake.base_url, fake.base_file_url, database]
            cmd += ["--concurrency", str(args.concurrency), "--transport", args.transport]
            path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
            child = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": path})  # noqa: ASYNC220 - once
        try:
            await wait_ready(fake, child)
            where = "in process" if app else "child process"
            storage = "off" if args.no_storage else "on"
            print(
                f"bot ready in {time.monotonic() - started:.2f} s ({where}, concurrent_updates={args.concurrency}, "
                f"{args.transport}, storage {storage}); {len(qs)} questions from {len(users)} users"
            )
            # Warm-up (caches, connections), not measured.
            warm = Tracker(fake)
            for i, q in enumerate(qs[:100]):
                warm.add(fake.private_message(q, user_id=users[i % len(users)]))
            await warm.wait(100, 30)

            cpu = cpu_seconds(child)
            burst = Tracker(fake)
            for i, q in enumerate(qs):
                burst.add(fake.private_message(q, user_id=users[i % len(users)], language_code="en"))
            await burst.wait(len(qs), 120)
            results["burst"] = report("burst", burst, len(qs))
            bot_cpu, server_cpu = (a - b for a, b in zip(cpu_seconds(child), cpu, strict=True))
            print(
                f"        CPU per question: bot {1000 * bot_cpu / len(qs):.2f} ms, "
                f"fake server {1000 * server_cpu / len(qs):.2f} ms"
            )

            paced = Tracker(fake)
            gap = 1.0 / args.rate
            t0 = time.monotonic()
            for i, q in enumerate(qs):
                delay = t0 + i * gap - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                paced.add(fake.private_message(q, user_id=users[i % len(users)]))
                if i % 50 == 0:
                    paced.collect()
            await paced.wait(len(qs), 120)
            results["paced"] = report(f"paced {args.rate:g}/s", paced, len(qs))
        finally:
            if app is not None:
                await stop_in_process(app)
            if child is not None:
                child.send_signal(signal.SIGTERM)
                await asyncio.to_thread(child.wait, 30)
            await fake.stop()
    return results


async def compare(args: argparse.Namespace) -> None:
    """The same load with recording on, then off; both side by side and the p50 ratio on/off."""
    runs: dict[str, dict[str, Figures]] = {}
    for label, no_storage in (("on", False), ("off", True)):
        print(f"--- recording {label}")
        runs[label] = await main(argparse.Namespace(**{**vars(args), "no_storage": no_storage}))
    print(f"--- recording on vs off ({args.questions} questions, {args.users} users, paced at {args.rate:g}/s)")
    print(f"{'phase':<8}{'recording':<11}{'q/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for phase in ("burst", "paced"):
        for label in ("on", "off"):
            f = runs[label].get(phase) or {}
            print(f"{phase:<8}{label:<11}{f.get('qps', 0.0):9.1f}{f.get('p50', 0.0):9.1f}{f.get('p99', 0.0):9.1f}")
        on, off = runs["on"].get(phase) or {}, runs["off"].get(phase) or {}
        if on and off:
            ratio = on["p50"] / off["p50"]
            verdict = (
                "" if phase != "paced" else ("  (target <= 1.1: met)" if ratio <= 1.1 else "  (target <= 1.1: MISSED)")
            )
            print(f"{phase:<8}p50 ratio on/off {ratio:.2f}; p99 ratio {on['p99'] / off['p99']:.2f}{verdict}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=150.0, help="questions/s in the paced phase")
    parser.add_argument("--concurrency", type=int, default=32, help="Application.concurrent_updates")
    parser.add_argument(
        "--transport",
        choices=["aiohttp", "httpx"],
        default="aiohttp",
        help="telegram.http_client: aiohttp (the default, bot/telegram/request.py) or httpx (PTB's own)",
    )
    parser.add_argument("--no-storage", action="store_true", help="run without the chat-log database")
    parser.add_argument("--in-process", action="store_true", help="run the bot in this process's event loop")
    parser.add_argument(
        "--compare", action="store_true", help="run twice, recording on and off, and compare (ignores --no-storage)"
    )
    parser.add_argument("--serve-bot", nargs=3, metavar=("BASE_URL", "FILE_URL", "DATABASE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve_bot:
        base_url, file_url, database = arguments.serve_bot
        serve_bot(base_url, file_url, database, concurrency=arguments.concurrency, transport=arguments.transport)
    elif arguments.compare:
        asyncio.run(compare(arguments))
    else:
        asyncio.run(main(arguments))
