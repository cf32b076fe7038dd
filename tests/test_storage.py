"""The chat-log storage: migrations, the batching writer, failure handling, privacy, stats, the CLI."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import logging
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import cli_db
from bot.storage import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Click,
    Exchange,
    Feedback,
    Storage,
    StorageError,
    pseudonym,
)
from bot.storage import schema as schema_module

ROOT = Path(__file__).resolve().parents[1]
DAY = 86400.0


# -- helpers ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        yield conn
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def count(path: Path, table: str = "exchanges") -> int:
    return int(query(path, f"SELECT COUNT(*) FROM {table}")[0][0])


def files_bytes(directory: Path, pattern: str) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.glob(pattern)))


def ex(i: int, **kw: Any) -> Exchange:
    fields: dict[str, Any] = {
        "channel": "private",
        "status": "answered",
        "question": f"question {i}",
        "update_id": i,
        "chat_id": 1000 + i % 7,
        "chat_type": "private",
        "user_id": 1000 + i % 7,
        "username": f"user{i % 7}",
        "user_lang": "en",
        "lang": "en",
        "entry_id": f"e{i % 5}",
        "score": 0.9,
        "latency_ms": 3.5,
        "reply_message_id": 50_000 + i,
    }
    fields.update(kw)
    return Exchange(**fields)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    async with Storage(tmp_path / "db" / "log.sqlite3", flush_interval=0.01) as s:
        yield s


async def wait_until(predicate: Any, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# -- opening and migrations --------------------------------------------------------------------------


async def test_open_creates_directory_and_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "log.sqlite3"
    async with Storage(path) as s:
        assert s.is_open
        assert await s.integrity_check() == "ok"
    assert not s.is_open
    assert query(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION == len(MIGRATIONS)
    assert query(path, "PRAGMA journal_mode")[0][0] == "wal"
    tables = {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"exchanges", "feedback", "clicks", "user_prefs", "admin_audit", "kb_edits"} <= tables
    indexes = {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"exchanges_ts", "exchanges_status_ts", "exchanges_user", "exchanges_reply"} <= indexes
    assert {"feedback_exchange", "clicks_ts"} <= indexes


async def test_migrates_version_1_database_with_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with connect(path) as conn:
        conn.executescript(f"BEGIN; {MIGRATIONS[0]} PRAGMA user_version = 1; COMMIT;")
        conn.execute(
            "INSERT INTO exchanges (update_id, ts, channel, user_id, question, status, chat_id, "
            "reply_message_id) VALUES (1, 100.0, 'private', '7', 'old question', 'answered', 7, 70)"
        )
        conn.execute("INSERT INTO feedback (exchange_id, update_id, ts, user_id, value) VALUES (1, 2, 101, '7', 1)")
        conn.execute("INSERT INTO clicks (update_id, ts, user_id, data) VALUES (3, 102, '7', 'more:e1')")
        conn.execute("INSERT INTO user_prefs (user_id, lang, updated) VALUES ('7', 'ru', 100)")
        conn.execute("INSERT INTO admin_audit (ts, admin_id, action) VALUES (100, 1, 'edit')")
    async with Storage(path, flush_interval=0.01) as s:
        assert await s.get_user_language(7) == "ru"
        assert await s.exchange_for_reply(7, 70) == 1
        s.record_exchange(ex(10))
        assert await s.flush(5)
    assert query(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert [count(path, t) for t in ("exchanges", "feedback", "clicks", "user_prefs", "admin_audit")] == [
        2,
        1,
        1,
        1,
        1,
    ]
    assert query(path, "SELECT question, resolved FROM exchanges WHERE id = 1") == [("old question", None)]
    indexes = {r[0] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "feedback_exchange" in indexes


async def test_a_follow_up_is_stored_with_what_it_was_resolved_to(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    async with Storage(path, flush_interval=0.01) as s:
        s.record_exchange(Exchange(channel="private", status="answered", question="and where?", update_id=1,
                                   resolved="Where was the treaty signed?"))
        assert await s.flush(5)
    assert query(path, "SELECT question, resolved FROM exchanges") == [("and where?", "Where was the treaty signed?")]


async def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "log.sqlite3"
    async with Storage(path):
        pass
    broken = (*MIGRATIONS, "CREATE TABLE half_done (a); INSERT INTO no_such_table VALUES (1);")
    monkeypatch.setattr(schema_module, "MIGRATIONS", broken)
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", len(broken))
    with pytest.raises(StorageError, match=r"log\.sqlite3"):
        await Storage(path).open()
    assert query(path, "PRAGMA user_version")[0][0] == len(MIGRATIONS)  # the version before the broken step
    assert not query(path, "SELECT name FROM sqlite_master WHERE name = 'half_done'")


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    with connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="newer"):
        await Storage(path).open()


async def test_unopenable_paths_are_clear_errors(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(StorageError, match=r"file/sub/log\.sqlite3"):
        await Storage(not_a_dir / "sub" / "log.sqlite3").open()
    with pytest.raises(StorageError, match="is a directory"):
        await Storage(tmp_path).open()
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError, match=r"garbage\.sqlite3"):
        await Storage(garbage).open()


def test_from_config() -> None:
    from bot.config import StorageConfig

    s = Storage.from_config(StorageConfig(database="x.sqlite3", store_text=False, queue_size=7))
    assert s.path == Path("x.sqlite3")
    assert not s.store_text
    assert not s.is_open


def test_records_are_validated() -> None:
    with pytest.raises(ValueError, match="status"):
        Exchange(channel="private", status="maybe")
    with pytest.raises(ValueError, match="value"):
        Feedback(value=0)
    with pytest.raises(ValueError, match="value"):
        Feedback(value=True)


# -- the writer ------------------------------------------------------------------------------------


async def test_concurrent_load_all_recorded(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    tasks, per_task = 20, 500

    async def producer(t: int) -> None:
        for j in range(per_task):
            n = t * per_task + j
            if n % 10 == 9:
                s.record_feedback(Feedback(value=1, update_id=n, user_id=t, chat_id=1000 + t))
            elif n % 10 == 8:
                s.record_click(Click(data="more", update_id=n, user_id=t))
            else:
                s.record_exchange(ex(n))
            if j % 25 == 0:
                await asyncio.sleep(0)

    async with Storage(path, flush_interval=0.01) as s:
        await asyncio.gather(*(producer(t) for t in range(tasks)))
        assert await s.flush(10)
        assert s.dropped == 0
        assert s.recorded == tasks * per_task
    total = tasks * per_task
    assert count(path) + count(path, "feedback") + count(path, "clicks") == total
    assert count(path, "feedback") == total // 10
    assert query(path, "SELECT COUNT(DISTINCT update_id) FROM exchanges")[0][0] == count(path)


async def test_close_flushes_everything(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    s = Storage(path, flush_interval=30.0, batch_size=100_000)  # nothing would be written by time
    await s.open()
    for i in range(1234):
        s.record_exchange(ex(i))
    await s.close()
    assert count(path) == 1234
    s.record_exchange(ex(5000))  # after close: dropped, no exception
    assert s.dropped == 1


async def test_records_before_open_are_written(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    s = Storage(path, flush_interval=0.01)
    s.record_exchange(ex(1))
    async with s:
        assert await s.flush(5)
    assert count(path) == 1


async def test_duplicate_update_ids_recorded_once(store: Storage) -> None:
    for _ in range(3):
        store.record_exchange(ex(1))
    store.record_feedback(Feedback(value=1, update_id=2))
    store.record_feedback(Feedback(value=-1, update_id=2))
    assert await store.flush(5)
    store.record_exchange(ex(1, question="redelivered later"))  # in a later batch
    store.record_click(Click(data="a", update_id=3))
    store.record_click(Click(data="a", update_id=3))
    for _ in range(2):  # no update id (CLI): every one is kept
        store.record_exchange(ex(0, update_id=None, channel="cli"))
    assert await store.flush(5)
    assert store.recorded == 5
    assert store.duplicates == 5
    path = store.path
    assert query(path, "SELECT question FROM exchanges WHERE update_id = 1") == [("question 1",)]
    assert count(path) == 3
    assert count(path, "feedback") == 1
    assert count(path, "clicks") == 1


async def test_feedback_is_linked_to_its_exchange(store: Storage) -> None:
    store.record_exchange(ex(1, chat_id=-100, reply_message_id=777))
    store.record_feedback(Feedback(value=1, update_id=2, chat_id=-100, reply_message_id=777, user_id=9))
    store.record_feedback(Feedback(value=-1, update_id=3, chat_id=-100, reply_message_id=778))
    store.record_feedback(Feedback(value=-1, update_id=4, exchange_id=12345))  # no such exchange
    assert await store.flush(5)
    exchange_id = await store.exchange_for_reply(-100, 777)
    assert exchange_id is not None
    assert await store.exchange_for_reply(-100, 778) is None
    links = query(store.path, "SELECT update_id, exchange_id FROM feedback ORDER BY update_id")
    assert links == [(2, exchange_id), (3, None), (4, None)]


async def test_invalid_record_is_dropped_alone(store: Storage, caplog: pytest.LogCaptureFixture) -> None:
    store.record_exchange(ex(1))
    store.record_exchange(ex(2, update_id=2**70))  # too large for SQLite
    store.record_exchange(ex(3))
    assert await store.flush(5)
    assert count(store.path) == 2
    assert store.dropped == 1
    assert "record dropped" in caplog.text


@pytest.mark.parametrize("parameters", [40, 32_766])  # two exchanges a statement; a whole batch in one
async def test_a_batch_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parameters: int
) -> None:
    """Exchanges go in as multi-row INSERTs, as many as SQLite's parameter limit allows: when a later
    statement of the batch fails, the earlier ones are rolled back and the batch is written one by one."""
    from bot.storage import writer

    monkeypatch.setattr(writer, "_MAX_PARAMETERS", parameters)
    async with Storage(tmp_path / "log.sqlite3", flush_interval=30.0, batch_size=100) as s:
        for i in range(1, 6):
            s.record_exchange(ex(i, update_id=2**70 if i == 5 else i))  # the last one cannot be stored
        s.record_click(Click(data="more", update_id=6))
        s.record_exchange(ex(3))  # a duplicate inside the batch
        assert await s.flush(5)
        assert (s.recorded, s.duplicates, s.dropped) == (5, 1, 1)
    assert query(s.path, "SELECT update_id FROM exchanges ORDER BY update_id") == [(1,), (2,), (3,), (4,)]
    assert count(s.path, "clicks") == 1


async def test_queue_full_drops_and_counts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with Storage(tmp_path / "log.sqlite3", queue_size=5, flush_interval=0.01) as s:
        for i in range(20):  # no await in between: the writer cannot run
            s.record_exchange(ex(i))
        assert s.dropped == 15
        assert await s.flush(5)
        assert s.recorded == 5
    warnings = [r for r in caplog.records if r.name == "bot.storage" and "queue full" in r.message]
    assert len(warnings) == 1  # rate-limited


async def test_locked_database_retains_then_resumes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "log.sqlite3"
    s = Storage(path, busy_timeout=0.02, flush_interval=0.01, queue_size=100, batch_size=20)
    await s.open()
    try:
        for i in range(10):
            s.record_exchange(ex(i))
        assert await s.flush(5)
        caplog.clear()
        total = 10
        # Another process holds the write lock: every write attempt fails with "database is locked".
        with connect(path) as locker:
            locker.execute("BEGIN EXCLUSIVE")
            for i in range(10, 60):
                s.record_exchange(ex(i))
                total += 1
            await wait_until(lambda: s.failed_batches >= 3)
            assert not await s.flush(0.1)
            assert s.queued == 50
            # Reads still work meanwhile (WAL).
            assert (await s.stats())["exchanges"] == 10
            # More than the retention bound: the oldest (or, queue full, the newest) go, counted.
            for i in range(60, 300):
                s.record_exchange(ex(i))
                total += 1
                if i % 40 == 0:
                    await asyncio.sleep(0.05)
            await wait_until(lambda: s.failed_batches >= 5)
            assert s.dropped > 0
            assert s.queued <= 2 * 100
            locker.execute("ROLLBACK")
        assert await s.flush(10)  # resumes by itself once the lock is gone
        s.record_exchange(ex(1000))
        total += 1
        assert await s.flush(5)
    finally:
        await s.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.message for r in errors]  # logged once, not per attempt
    assert "locked" in errors[0].message
    assert any("writable again" in r.message for r in caplog.records)
    assert count(path) == total - s.dropped  # nothing retained was lost
    assert count(path) == s.recorded
    ids = {r[0] for r in query(path, "SELECT update_id FROM exchanges")}
    assert set(range(10)) <= ids
    assert 1000 in ids


async def test_close_gives_up_on_a_locked_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "log.sqlite3"
    s = Storage(path, busy_timeout=0.02, flush_interval=0.01, close_timeout=0.3)
    await s.open()
    with connect(path) as locker:
        locker.execute("BEGIN EXCLUSIVE")
        for i in range(5):
            s.record_exchange(ex(i))
        started = time.monotonic()
        await s.close()
        assert time.monotonic() - started < 3
        locker.execute("ROLLBACK")
    assert s.dropped == 5
    assert "closed with 5 records not written" in caplog.text
    assert count(path) == 0


KILL_SCRIPT = """
import asyncio, sys
from bot.storage import Exchange, Storage

async def main() -> None:
    async with Storage(sys.argv[1], flush_interval=0.005, batch_size=200) as s:
        i = 0
        while True:
            for _ in range(100):
                i += 1
                s.record_exchange(Exchange(
                    channel="cli", status="answered", update_id=i, question=f"question {i}", lang="en",
                    entry_id=f"e{i}", score=i / 1e6, latency_ms=1.5, user_id=i, chat_id=i,
                ))
            if i == 2000:
                print("ready", flush=True)
            await asyncio.sleep(0.001)

asyncio.run(main())
"""


async def test_sigkill_leaves_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILL_SCRIPT,
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        assert line.strip() == b"ready", line
        await asyncio.sleep(1.0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        _out, err = await proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    rows = query(path, "SELECT update_id, question, lang, entry_id, score, latency_ms, user_id, status FROM exchanges")
    assert len(rows) > 1000
    for update_id, question, lang, entry_id, score, latency, user_id, status in rows:
        assert (question, lang, entry_id, user_id, status) == (
            f"question {update_id}",
            "en",
            f"e{update_id}",
            str(update_id),
            "answered",
        )
        assert score == pytest.approx(update_id / 1e6)
        assert latency == 1.5
    async with Storage(path) as s:  # and it opens again
        assert await s.integrity_check() == "ok"


# -- privacy ---------------------------------------------------------------------------------------


async def test_store_text_false_stores_no_question(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    async with Storage(path, store_text=False, flush_interval=0.01) as s:
        s.record_exchange(ex(1, question="secret"))
        assert await s.flush(5)
        assert await s.recent_questions() == []
    assert query(path, "SELECT question, status, entry_id FROM exchanges") == [(None, "answered", "e1")]


async def test_pseudonymize(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    salt = "pepper"
    async with Storage(path, pseudonymize=True, salt=salt, flush_interval=0.01) as s:
        s.record_exchange(ex(1, user_id=4242, chat_id=4242, username="alice", reply_message_id=9))
        s.record_exchange(ex(2, user_id=4242, chat_id=-100123, chat_type="supergroup"))
        s.record_feedback(Feedback(value=1, update_id=3, user_id=4242, chat_id=4242, reply_message_id=9))
        s.record_click(Click(data="x", update_id=4, user_id=4242, chat_id=4242))
        await s.set_user_language(4242, "ru")
        assert await s.flush(5)
        assert await s.get_user_language(4242) == "ru"
        assert await s.exchange_for_reply(4242, 9) is not None
        stored = query(path, "SELECT user_id, username, chat_id FROM exchanges ORDER BY update_id")
        key = pseudonym(salt, 4242)
        assert len(key) == 32
        assert stored[0][0] == stored[1][0] == key == s.user_key(4242)
        assert stored[0][1] is None  # the username would give the user away
        assert stored[0][2] not in (4242, None)  # a private chat's id is the user's id
        assert stored[1][2] == -100123  # group ids are not personal
        assert b"4242" not in files_bytes(tmp_path, "log.sqlite3*")
        assert await s.forget_user(4242) == 5
    for table in ("exchanges", "feedback", "clicks", "user_prefs"):
        assert count(path, table) == 0


async def test_forget_user(store: Storage) -> None:
    store.record_exchange(ex(1, user_id=1, chat_id=-5, reply_message_id=11))
    store.record_exchange(ex(2, user_id=1))
    store.record_exchange(ex(3, user_id=2))
    store.record_feedback(Feedback(value=1, update_id=4, user_id=2, chat_id=-5, reply_message_id=11))  # on 1's
    store.record_feedback(Feedback(value=-1, update_id=5, user_id=1))
    store.record_click(Click(data="x", update_id=6, user_id=1))
    store.record_click(Click(data="x", update_id=7, user_id=2))
    await store.set_user_language(1, "ru")
    await store.set_user_language(2, "en")
    deleted = await store.forget_user(1)
    assert deleted == 2 + 2 + 1 + 1  # exchanges, feedback (own and on own answer), click, prefs
    path = store.path
    assert query(path, "SELECT user_id FROM exchanges") == [("2",)]
    assert count(path, "feedback") == 0
    assert query(path, "SELECT user_id FROM clicks") == [("2",)]
    assert await store.get_user_language(1) is None
    assert await store.get_user_language(2) == "en"
    assert await store.forget_user(1) == 0


async def test_purge_older_than(store: Storage) -> None:
    old = time.time() - 40 * DAY
    store.record_exchange(ex(1, ts=old))
    store.record_exchange(ex(2))
    store.record_feedback(Feedback(value=1, update_id=3, ts=old))
    store.record_feedback(Feedback(value=1, update_id=4))
    store.record_click(Click(data="x", update_id=5, ts=old))
    assert await store.flush(5)
    assert await store.purge_older_than(30) == 3
    assert query(store.path, "SELECT update_id FROM exchanges") == [(2,)]
    assert count(store.path, "feedback") == 1
    assert count(store.path, "clicks") == 0
    with pytest.raises(ValueError):
        await store.purge_older_than(0)


# -- queries ---------------------------------------------------------------------------------------


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


async def fill_known_dataset(s: Storage) -> tuple[float, float]:
    now = time.time() - 5
    old = now - 10 * DAY
    rows = [
        ex(1, ts=now, entry_id="e1", question="Who signed it?"),
        ex(2, ts=now, entry_id="e1", question="who  signed it?"),
        ex(3, ts=now, entry_id="e2", question="When?"),
        ex(4, ts=now, status="clarify", entry_id=None, question="pensions"),
        ex(5, ts=now, status="clarify", entry_id=None, question="borders"),
        ex(6, ts=now, status="unknown", entry_id=None, question="What about Mars?"),
        ex(7, ts=now, status="unknown", entry_id=None, question=" what about MARS? "),
        ex(8, ts=now, status="ignored", entry_id=None, question="hi all"),
        ex(9, ts=now, status="flood", entry_id=None, question="spam"),
        ex(10, ts=old, entry_id="e3", question="Old one"),
        ex(11, ts=old, status="unknown", entry_id=None, question="Old unknown"),
    ]
    for r in rows:
        s.record_exchange(r)
    for i, (value, ts, entry_id) in enumerate([(1, now, "e1"), (1, now, "e1"), (-1, now, "e2"), (-1, old, "e3")]):
        s.record_feedback(Feedback(value=value, update_id=100 + i, ts=ts, entry_id=entry_id))
    assert await s.flush(5)
    return now, old


async def test_stats_on_known_dataset(store: Storage) -> None:
    now, old = await fill_known_dataset(store)
    everything = await store.stats()
    assert everything["exchanges"] == 9
    assert (everything["answered"], everything["clarify"], everything["unknown"]) == (4, 2, 3)
    assert everything["answered_rate"] == round(4 / 9, 4)
    assert (everything["feedback_up"], everything["feedback_down"]) == (2, 2)
    assert everything["top_questions"][:2] == [
        {"question": "what about mars?", "count": 2},
        {"question": "who signed it?", "count": 2},
    ] or everything["top_questions"][:2] == [
        {"question": "who signed it?", "count": 2},
        {"question": "what about mars?", "count": 2},
    ]
    assert {q["question"] for q in everything["top_questions"]} >= {"old one", "when?", "pensions"}
    assert "hi all" not in {q["question"] for q in everything["top_questions"]}
    assert everything["top_entries"] == [
        {"entry_id": "e1", "count": 2},
        {"entry_id": "e2", "count": 1},
        {"entry_id": "e3", "count": 1},
    ]
    assert everything["unanswered"] == [
        {"question": "what about mars?", "count": 2},
        {"question": "old unknown", "count": 1},
    ]
    assert everything["disliked_entries"] == [{"entry_id": "e2", "count": 1}, {"entry_id": "e3", "count": 1}]
    assert everything["per_day"] == [
        {"day": day_of(old), "answered": 1, "clarify": 0, "unknown": 1},
        {"day": day_of(now), "answered": 3, "clarify": 2, "unknown": 2},
    ]

    week = await store.stats(days=7, top=1)
    assert week["exchanges"] == 7
    assert (week["answered_rate"], week["clarify_rate"], week["unknown_rate"]) == (
        round(3 / 7, 4),
        round(2 / 7, 4),
        round(2 / 7, 4),
    )
    assert (week["feedback_up"], week["feedback_down"]) == (2, 1)
    assert week["top_entries"] == [{"entry_id": "e1", "count": 2}]
    assert week["unanswered"] == [{"question": "what about mars?", "count": 2}]
    assert week["disliked_entries"] == [{"entry_id": "e2", "count": 1}]  # the older 👎 is out of the range
    assert len(week["per_day"]) == 1


async def test_stats_on_empty_database(store: Storage) -> None:
    stats = await store.stats()
    assert stats["exchanges"] == 0
    assert stats["answered_rate"] == 0.0
    assert stats["top_questions"] == stats["per_day"] == []


async def test_recent_unanswered_and_questions(store: Storage) -> None:
    await fill_known_dataset(store)
    unanswered = await store.recent_unanswered(limit=3)
    assert [r["update_id"] for r in unanswered] == [7, 6, 5]
    assert {r["status"] for r in unanswered} == {"unknown", "clarify"}
    assert unanswered[0]["question"] == " what about MARS? "
    recent = await store.recent_questions(limit=2)
    assert recent == [(" what about MARS? ", "en"), ("What about Mars?", "en")]
    assert len(await store.recent_questions()) == 9  # not ignored/flood


async def test_audit_and_kb_edits(store: Storage) -> None:
    await store.add_audit(1, "edit", "e1", "old", "new")
    await store.add_audit(2, "delete", "e2", "x", None)
    await store.add_audit(1, "edit", "e1", "new", "newer")
    log = await store.audit_log()
    assert [(r.action, r.entry_id, r.after) for r in log] == [
        ("edit", "e1", "newer"),
        ("delete", "e2", None),
        ("edit", "e1", "new"),
    ]
    assert [r.before for r in await store.audit_log("e1", limit=1)] == ["new"]
    await store.add_kb_edit(1, "e9", {"question": "Кто?", "answer": "Мы"})
    await store.add_kb_edit(1, "e9", {}, deleted=True)
    edits = await store.kb_edits("e9")
    assert [(e.payload, e.deleted) for e in edits] == [
        ({"question": "Кто?", "answer": "Мы"}, False),
        ({}, True),
    ]


async def test_backup_while_recording(store: Storage, tmp_path: Path) -> None:
    stop = asyncio.Event()

    async def keep_recording() -> None:
        i = 0
        while not stop.is_set():
            store.record_exchange(ex(i))
            i += 1
            if i % 50 == 0:
                await asyncio.sleep(0.001)

    task = asyncio.create_task(keep_recording())
    await asyncio.sleep(0.1)
    dest = tmp_path / "backups" / "copy.sqlite3"
    await store.backup(dest)
    stop.set()
    await task
    assert query(dest, "PRAGMA integrity_check") == [("ok",)]
    assert query(dest, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    copied = count(dest)
    assert copied > 0
    assert await store.flush(5)
    assert copied <= count(store.path)
    assert not list(dest.parent.glob(".*tmp*"))
    with pytest.raises(StorageError, match="itself"):
        await store.backup(store.path)


async def test_export_csv_and_jsonl(store: Storage) -> None:
    store.record_exchange(ex(1, question='Кто подписал, "и" когда?\nдва'))
    store.record_exchange(ex(2))
    store.record_click(Click(data="more:e1", update_id=3))
    assert await store.flush(5)
    out = io.StringIO()
    assert await store.export("csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["question"] == 'Кто подписал, "и" когда?\nдва'
    assert rows[1]["update_id"] == "2"
    out = io.StringIO()
    assert await store.export("jsonl", out, table="clicks") == 1
    assert json.loads(out.getvalue())["data"] == "more:e1"
    with pytest.raises(ValueError):
        await store.export("jsonl", out, table="sqlite_master")


async def test_closed_storage_raises(tmp_path: Path) -> None:
    s = Storage(tmp_path / "log.sqlite3")
    with pytest.raises(StorageError, match="not open"):
        await s.stats()
    assert await s.flush(0.1) is True  # nothing queued


# -- the CLI ---------------------------------------------------------------------------------------


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="treaty-bot")
    parser.add_argument("--config", default=None)
    sub = parser.add_subparsers(dest="command")
    cli_db.add_subcommands(sub)
    return parser.parse_args(argv)


def run(*argv: str) -> int:
    args = cli(*argv)
    return int(args.func(args))


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    path = tmp_path / "log.sqlite3"

    async def fill() -> None:
        async with Storage(path, flush_interval=0.01) as s:
            await fill_known_dataset(s)
            s.record_click(Click(data="x", update_id=500))

    asyncio.run(fill())
    return path


def test_cli_stats_json(filled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("stats", "--json", "--database", str(filled_db)) == 0
    stats = json.loads(capsys.readouterr().out)
    assert set(stats) == {
        "exchanges",
        "answered",
        "clarify",
        "unknown",
        "answered_rate",
        "clarify_rate",
        "unknown_rate",
        "feedback_up",
        "feedback_down",
        "top_questions",
        "top_entries",
        "unanswered",
        "disliked_entries",
        "per_day",
    }
    assert stats["exchanges"] == 9
    assert run("stats", "--json", "--days", "7", "--database", str(filled_db)) == 0
    assert json.loads(capsys.readouterr().out)["exchanges"] == 7


def test_cli_stats_human_via_config(filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{filled_db}"\n', encoding="utf-8")
    assert run("--config", str(config), "stats") == 0
    out = capsys.readouterr().out
    assert "Questions: 9" in out
    assert "what about mars?" in out


def test_cli_missing_database_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope" / "log.sqlite3"
    assert run("stats", "--database", str(missing)) == 1
    assert "no database at" in capsys.readouterr().err
    assert run("db", "backup", str(tmp_path / "b.sqlite3"), "--database", str(missing)) == 1
    assert run("db", "export", "--format", "csv", "--database", str(missing)) == 1
    assert not missing.exists()
    assert not missing.parent.exists()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "{missing}"\n', encoding="utf-8")
    assert run("--config", str(config), "stats") == 1
    assert str(missing) in capsys.readouterr().err
    config.write_text("[storage]\nno_such_key = 1\n", encoding="utf-8")
    assert run("--config", str(config), "stats") == 1
    assert "no_such_key" in capsys.readouterr().err


def test_cli_backup(filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "copy.sqlite3"
    assert run("db", "backup", str(dest), "--database", str(filled_db)) == 0
    assert "11 exchanges" in capsys.readouterr().out
    for table in ("exchanges", "feedback", "clicks"):
        assert count(dest, table) == count(filled_db, table)
    assert query(dest, "PRAGMA integrity_check") == [("ok",)]


def test_cli_export(filled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_csv = tmp_path / "ex.csv"
    assert run("db", "export", "--format", "csv", "--output", str(out_csv), "--database", str(filled_db)) == 0
    with out_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 11
    assert rows[0]["question"] == "Who signed it?"
    capsys.readouterr()
    assert run("db", "export", "--format", "jsonl", "--table", "feedback", "--database", str(filled_db)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert {json.loads(line)["value"] for line in lines} == {1, -1}


def test_cli_db_without_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("db") == 2
    assert "backup" in capsys.readouterr().err


async def test_a_kb_change_is_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    """An import of many entries must not be half stored when one row fails."""
    async with Storage(tmp_path / "kb.sqlite3") as storage:
        audit = await storage.add_kb_change(1, [("a", {"x": 1}, False), ("b", {}, True)], "import", None, "{}", "{}")
        assert audit > 0 and [r.entry_id for r in await storage.kb_edits()] == ["a", "b"]
        bad: list[tuple[str, dict[str, Any], bool]] = [("c", {"x": 2}, False), (None, {}, False)]  # type: ignore[list-item]
        with pytest.raises(StorageError, match="NOT NULL constraint failed"):
            await storage.add_kb_change(1, bad, "import", None, "{}", "{}")
        assert [r.entry_id for r in await storage.kb_edits()] == ["a", "b"]
        assert len(await storage.audit_log()) == 1
