"""Chat-log writer throughput: the batching ``Storage`` writer against one INSERT + COMMIT per exchange.

    python benchmarks/bench_storage.py [--n 50000] [--naive-n 2000]

Prints exchanges per second for
  * the ``Storage`` writer: N pre-built exchanges recorded through ``record_exchange`` (a queue large
    enough for all of them) until ``flush()`` confirms they are committed;
  * ``Storage`` end to end: exchanges built while recording, default queue, the producer backing off
    when the queue is nearly full so nothing is dropped;
  * a naive baseline with plain ``sqlite3``: one INSERT and one COMMIT per exchange, on a smaller N, both
    with SQLite's defaults (rollback journal, synchronous=FULL) and with the same WAL/NORMAL settings
    as ``Storage`` (so the difference there is batching alone);
and the cost of one ``record_exchange`` call (what a reply waits for).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage import Exchange, Storage
from bot.storage.records import Privacy
from bot.storage.writer import INSERT_EXCHANGE, exchange_row


def make_exchange(i: int) -> Exchange:
    return Exchange(
        channel="group" if i % 3 else "private",
        status=("answered", "clarify", "unknown")[i % 3],
        question=f"Какие гарантии даёт договор гражданам, вопрос номер {i}?",
        update_id=i,
        chat_id=-1001234567890 if i % 3 else 100_000 + i % 997,
        chat_type="supergroup" if i % 3 else "private",
        chat_title="Treaty discussion" if i % 3 else None,
        user_id=100_000 + i % 997,
        username=f"user{i % 997}",
        user_lang="ru",
        lang="ru",
        entry_id=f"entry-{i % 40}",
        score=0.5 + (i % 50) / 100,
        latency_ms=2.5,
        reply_message_id=i,
    )


async def bench_writer(path: Path, n: int) -> tuple[float, float]:
    """The writer alone: ``n`` pre-built exchanges recorded at once (the queue holds them all), timed
    until ``flush()`` confirms they are committed. Returns (seconds, process CPU seconds)."""
    exchanges = [make_exchange(i) for i in range(n)]
    async with Storage(path, queue_size=n) as storage:
        cpu = time.process_time()
        start = time.perf_counter()
        for exchange in exchanges:
            storage.record_exchange(exchange)
        if not await storage.flush(max_wait=120):
            raise RuntimeError("the writer did not finish")
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        _check(storage, n, await storage.count("exchanges"))
    return elapsed, cpu


async def bench_end_to_end(path: Path, n: int) -> float:
    """Default settings, exchanges built as they are recorded, the producer backing off when the queue is
    nearly full (instead of having records dropped): seconds until all ``n`` are committed."""
    async with Storage(path) as storage:
        room = 10_000 - 1000  # the default queue size, less one chunk
        start = time.perf_counter()
        for i in range(n):
            storage.record_exchange(make_exchange(i))
            if i % 1000 == 999:
                while storage.queued > room:  # noqa: ASYNC110 - polling the writer's progress is the point
                    await asyncio.sleep(0.001)
        if not await storage.flush(max_wait=120):
            raise RuntimeError("the writer did not finish")
        elapsed = time.perf_counter() - start
        _check(storage, n, await storage.count("exchanges"))
    return elapsed


def _check(storage: Storage, n: int, rows: int) -> None:
    if storage.dropped or rows != n:
        raise RuntimeError(f"{rows} rows written, {storage.dropped} dropped; expected {n} rows")


async def make_schema(path: Path) -> None:
    """Create the schema at ``path`` (through Storage's migrations)."""
    async with Storage(path):
        pass


def bench_naive(path: Path, n: int, *, wal: bool) -> float:
    """Seconds for ``n`` exchanges inserted and committed one at a time with plain sqlite3."""
    asyncio.run(make_schema(path))
    rows = [exchange_row(make_exchange(i), Privacy()) for i in range(n)]
    conn = sqlite3.connect(path)
    try:
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        else:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
        start = time.perf_counter()
        for row in rows:
            conn.execute(INSERT_EXCHANGE, row)
            conn.commit()
        elapsed = time.perf_counter() - start
        (count,) = conn.execute("SELECT COUNT(*) FROM exchanges").fetchone()
    finally:
        conn.close()
    if count != n:
        raise RuntimeError(f"naive run wrote {count} rows, expected {n}")
    return elapsed


def bench_enqueue(n: int) -> float:
    """Microseconds per ``record_exchange`` call (the Exchange already built), no writer running."""
    storage = Storage(":memory:", queue_size=n)
    exchanges = [make_exchange(i) for i in range(n)]
    start = time.perf_counter()
    for exchange in exchanges:
        storage.record_exchange(exchange)
    return (time.perf_counter() - start) / n * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000, help="exchanges through Storage (default 50000)")
    parser.add_argument("--repeat", type=int, default=3, help="writer runs; the median is reported (default 3)")
    parser.add_argument("--naive-n", type=int, default=2_000, help="exchanges for the naive runs (default 2000)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        directory = Path(tmp)
        runs = [asyncio.run(bench_writer(directory / f"writer{r}.sqlite3", args.n)) for r in range(args.repeat)]
        e2e_s = asyncio.run(bench_end_to_end(directory / "e2e.sqlite3", args.n))
        naive_default = args.naive_n / bench_naive(directory / "naive.sqlite3", args.naive_n, wal=False)
        naive_wal = args.naive_n / bench_naive(directory / "naive-wal.sqlite3", args.naive_n, wal=True)
    per_call = bench_enqueue(args.n)
    rates = sorted(args.n / seconds for seconds, _cpu in runs)
    writer_rate = statistics.median(rates)
    writer_s = statistics.median(seconds for seconds, _cpu in runs)
    writer_cpu = statistics.median(cpu for _seconds, cpu in runs)
    e2e_rate = args.n / e2e_s

    def line(label: str, rate: float, note: str) -> None:
        print(f"{label:<40} {rate:>10,.0f} exchanges/s  {note}")

    line(
        "Storage writer (batched, WAL), median",
        writer_rate,
        f"(N={args.n:,}, {writer_s:.2f} s, CPU {writer_cpu:.2f} s; "
        f"{args.repeat} runs: {', '.join(f'{r:,.0f}' for r in rates)})",
    )
    line("  CPU-bound rate (N / process CPU time)", args.n / writer_cpu, "")
    line("Storage end to end (build + record)", e2e_rate, f"(N={args.n:,}, {e2e_s:.2f} s, default queue)")
    line("naive sqlite3, SQLite defaults", naive_default, f"(N={args.naive_n:,})")
    line("naive sqlite3, WAL + synchronous=NORMAL", naive_wal, f"(N={args.naive_n:,})")
    print(f"{'writer speed-up vs naive defaults':<40} {writer_rate / naive_default:>10,.1f}x")
    print(f"{'writer speed-up vs naive WAL':<40} {writer_rate / naive_wal:>10,.1f}x")
    print(f"{'record_exchange() call':<40} {per_call:>10.2f} µs (enqueue only)")
    storage_rate = writer_rate
    target = 20_000
    verdict = "meets" if storage_rate >= target else "MISSES"
    print(f"target >= {target:,} exchanges/s: {verdict}")
    return 0 if storage_rate >= target else 1


if __name__ == "__main__":
    raise SystemExit(main())
