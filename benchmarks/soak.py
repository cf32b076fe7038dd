"""Soak test: ``treaty-bot run`` (a child process, as in production) under N simulated users for a fixed
time, against the fake Bot API server on 127.0.0.1 (loopback only, bounded in time).

    .venv/bin/python benchmarks/soak.py [--seconds 60] [--users 50] [--think 0.5] [--no-rate-limiter]

Each user asks a question in their private chat, waits for the answer (or 15 s), thinks for a random
0..2x``--think`` seconds, and asks again; a few questions carry Unicode oddities. Reports questions/s,
p50/p99 latency (update queued -> sendMessage arrived), errors (no answer in time, failed sendMessage,
ERROR lines in the bot's log), the bot's RSS at start and at the end, and, after a SIGTERM shutdown, the
exchanges recorded in the database against the replies sent (they must be equal). Exit status 1 when
they differ or the bot did not stop cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "123456:" + "S" * 35
ODDITIES = ["\u200b", "\u200f", " 🇷🇺🤝🇬🇪", "\u0301", "  ", " <b>&amp;</b>"]


def question_pool() -> list[str]:
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    pool = [q for e in kb.entries for lang in ("en", "ru") for q in e.block(lang).questions]
    return [*pool, "What did NATO say?", "When will parliament ratify it?", "hello", "???"]


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.timeouts = 0


async def user(fake: FakeTelegram, user_id: int, pool: list[str], stop_at: float, think: float, stats: Stats) -> None:
    rng = random.Random(user_id)
    while time.monotonic() < stop_at:
        question = rng.choice(pool)
        if rng.random() < 0.1:
            question += rng.choice(ODDITIES)
        since = len(fake.calls)
        asked = time.monotonic()
        fake.add_update(fake.private_message(question, user_id=user_id, language_code=rng.choice(["en", "ru"])))
        try:
            call = await fake.wait_for(
                "sendMessage", lambda c: c.status is not None and c.params.get("chat_id") == user_id, 15, since=since
            )
            stats.latencies.append((call.time - asked) * 1000)
        except TimeoutError:
            stats.timeouts += 1
        await asyncio.sleep(rng.uniform(0, 2 * think))


async def soak(args: argparse.Namespace) -> int:
    pool = question_pool()
    fake = FakeTelegram()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "soak.sqlite3"
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[telegram]\napi_base_url = "{fake.base_url}"\napi_file_url = "{fake.base_file_url}"\n'
            f"rate_limiter = {'false' if args.no_rate_limiter else 'true'}\n"
            f'[storage]\ndatabase = "{database}"\n[logging]\nlevel = "INFO"\nformat = "json"\n',
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TREATY_BOT_", "TELEGRAM_"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TREATY_BOT_CONFIG=str(config))
        log_path = Path(tmp) / "bot.log"
        with log_path.open("wb") as log_file:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", cwd=tmp, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=log_file,
            )
            try:
                await fake.wait_for("getUpdates", timeout=60)
                await asyncio.sleep(0.5)
                rss_start = rss_kb(child.pid)
                print(f"bot ready (pid {child.pid}, RSS {rss_start / 1024:.1f} MiB); {args.users} users for "
                      f"{args.seconds:g} s, think time ~{args.think:g} s, rate limiter "
                      f"{'off' if args.no_rate_limiter else 'on'}", flush=True)
                stats = Stats()
                started = time.monotonic()
                stop_at = started + args.seconds
                await asyncio.gather(
                    *(user(fake, 2_000_000 + i, pool, stop_at, args.think, stats) for i in range(args.users))
                )
                elapsed = time.monotonic() - started
                rss_end = rss_kb(child.pid)
            finally:
                if child.returncode is None:
                    child.send_signal(signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(child.wait(), 60)
                if child.returncode is None:
                    child.kill()
                    await child.wait()
        await fake.stop()
        sent = [c for c in fake.calls_to("sendMessage") if c.ok]
        failed_sends = [c for c in fake.calls_to("sendMessage") if c.status is not None and not c.ok]
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = [line for line in lines if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line]
        with sqlite3.connect(database) as db:
            recorded = db.execute("SELECT COUNT(*) FROM exchanges WHERE reply_message_id IS NOT NULL").fetchone()[0]
            total = db.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0]
    lat = sorted(stats.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0
    report = {
        "seconds": round(elapsed, 1),
        "users": args.users,
        "questions_answered": len(lat),
        "questions_per_second": round(len(lat) / elapsed, 1),
        "latency_ms_p50": round(statistics.median(lat), 1) if lat else None,
        "latency_ms_p99": round(p99, 1),
        "errors": {
            "no_answer_in_15s": stats.timeouts,
            "failed_sendMessage": len(failed_sends),
            "log_errors": len(errors),
        },
        "rss_mib_start": round(rss_start / 1024, 1),
        "rss_mib_end": round(rss_end / 1024, 1),
        "replies_sent": len(sent),
        "exchanges_recorded": recorded,
        "exchanges_total": total,
        "exit_status": child.returncode,
    }
    print(json.dumps(report, indent=2))
    for line in errors[:5]:
        print("bot error:", line[:300])
    ok = recorded == len(sent) and child.returncode == 0
    print("exchanges recorded == replies sent: " + ("yes" if recorded == len(sent) else "NO"))
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the users ask (default 60)")
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time between questions, s (default 0.5)")
    parser.add_argument("--no-rate-limiter", action="store_true", help="turn the bot's AIORateLimiter off")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(soak(parse_args())))
