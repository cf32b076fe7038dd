"""The chat-log database: one aiosqlite connection, and all of the project's SQL.

Recording an exchange, a feedback vote or a button click never blocks a reply: ``record_*`` put the
record on a bounded in-memory queue and return at once; a background task writes the queue to SQLite
in batches (one transaction per batch). When the database cannot be written (locked by another
process, read-only, disk full) the writer keeps what it has, retries with back-off and resumes when the
database recovers; memory stays bounded by dropping the oldest records (counted in ``dropped``).

Everything else (user preferences, statistics, exports, backups, the admin audit log) is awaited
directly. SQL errors from those are raised as ``StorageError``.

Pseudonymization (``pseudonymize=True``): user ids are stored as a salted HMAC
(:func:`pseudonym`), usernames are not stored, and positive chat ids (private chats, whose id is the
user's id) are replaced by a salted 56-bit number. ``forget_user`` and the other look-ups apply the
same functions, so they keep working.

No Telegram imports here: this module is used by the CLI and the tests as well.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import csv
import hashlib
import hmac
import itertools
import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

import aiosqlite

from bot.errors import StorageError

if TYPE_CHECKING:
    from bot.config import StorageConfig

log = logging.getLogger(__name__)

__all__ = [
    "CHANNELS",
    "EXPORT_TABLES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STATUSES",
    "Click",
    "Exchange",
    "Feedback",
    "Storage",
    "StorageError",
    "normalise_question",
    "pseudonym",
]

STATUSES: Final = ("answered", "clarify", "unknown", "ignored", "flood")
CHANNELS: Final = ("private", "group", "supergroup", "channel", "inline", "button", "cli")
EXPORT_TABLES: Final = ("exchanges", "feedback", "clicks", "user_prefs", "admin_audit", "kb_edits")

_ERROR_LOG_INTERVAL: Final = 60.0  # seconds between two log lines about the same trouble
_MAX_RETRY_DELAY: Final = 5.0  # seconds between write attempts while the database is unwritable
_DAY: Final = 86400.0


# StorageError lives in bot.errors so that the command line can catch it without importing aiosqlite.


# --------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One incoming question (or message) and what the bot did with it."""

    channel: str  # private | group | supergroup | channel | inline | button | cli
    status: str  # answered | clarify | unknown | ignored | flood
    question: str | None = None
    update_id: int | None = None  # None for non-Telegram sources (the CLI)
    chat_id: int | None = None
    chat_type: str | None = None
    chat_title: str | None = None
    user_id: int | str | None = None
    username: str | None = None
    user_lang: str | None = None  # the user's Telegram language_code
    lang: str | None = None  # the language the bot answered in
    entry_id: str | None = None
    score: float | None = None
    latency_ms: float | None = None
    reply_message_id: int | None = None
    resolved: str | None = None  # a follow-up: the question it was understood as (an entry's title)
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Exchange.status: {self.status!r} is not one of {', '.join(STATUSES)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Feedback:
    """A 👍 (+1) or 👎 (-1) on an answer.

    ``exchange_id`` may be left None: the writer links the vote to the exchange whose reply it is
    (by ``chat_id`` and ``reply_message_id``) when that exchange is in the database.
    """

    value: int  # -1 or 1
    update_id: int | None = None
    user_id: int | str | None = None
    chat_id: int | None = None
    reply_message_id: int | None = None
    entry_id: str | None = None
    exchange_id: int | None = None
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.value not in (-1, 1) or isinstance(self.value, bool):
            raise ValueError(f"Feedback.value: {self.value!r} is not -1 or 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class Click:
    """A press on an inline button (callback query)."""

    data: str
    update_id: int | None = None
    user_id: int | str | None = None
    chat_id: int | None = None
    entry_id: str | None = None
    ts: float = field(default_factory=time.time)


Record = Exchange | Feedback | Click


def pseudonym(salt: str, user_id: int | str) -> str:
    """The stored form of a user id when pseudonymizing: a salted HMAC-SHA256, 32 hex digits."""
    return hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def _chat_pseudonym(salt: str, chat_id: int) -> int:
    digest = hmac.new(salt.encode(), f"chat:{chat_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:7], "big")


def normalise_question(text: str | None) -> str | None:
    """How questions are grouped in statistics: case-folded, whitespace collapsed."""
    if text is None:
        return None
    return " ".join(text.casefold().split())


# --------------------------------------------------------------------------------------------------
# Schema

MIGRATIONS: Final[tuple[str, ...]] = (
    # Version 1: the chat log, votes, clicks, language preferences, and the admin tables.
    """
    CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        update_id INTEGER UNIQUE,
        ts REAL NOT NULL,
        channel TEXT NOT NULL,
        chat_id INTEGER,
        chat_type TEXT,
        chat_title TEXT,
        user_id TEXT,
        username TEXT,
        user_lang TEXT,
        question TEXT,
        lang TEXT,
        status TEXT NOT NULL CHECK (status IN ('answered', 'clarify', 'unknown', 'ignored', 'flood')),
        entry_id TEXT,
        score REAL,
        latency_ms REAL,
        reply_message_id INTEGER
    );
    CREATE INDEX exchanges_ts ON exchanges (ts);
    CREATE INDEX exchanges_status_ts ON exchanges (status, ts);
    CREATE INDEX exchanges_user ON exchanges (user_id);
    CREATE INDEX exchanges_reply ON exchanges (chat_id, reply_message_id);

    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        exchange_id INTEGER REFERENCES exchanges (id) ON DELETE CASCADE,
        update_id INTEGER UNIQUE,
        ts REAL NOT NULL,
        user_id TEXT,
        chat_id INTEGER,
        reply_message_id INTEGER,
        entry_id TEXT,
        value INTEGER NOT NULL CHECK (value IN (-1, 1))
    );

    CREATE TABLE clicks (
        id INTEGER PRIMARY KEY,
        update_id INTEGER UNIQUE,
        ts REAL NOT NULL,
        user_id TEXT,
        chat_id INTEGER,
        data TEXT,
        entry_id TEXT
    );

    CREATE TABLE user_prefs (
        user_id TEXT PRIMARY KEY,
        lang TEXT,
        updated REAL
    );

    CREATE TABLE admin_audit (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        admin_id INTEGER,
        action TEXT NOT NULL,
        entry_id TEXT,
        before TEXT,
        after TEXT
    );

    CREATE TABLE kb_edits (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        admin_id INTEGER,
        entry_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    """,
    # Version 2: indexes on the other tables. feedback.exchange_id is a foreign key child column:
    # without an index, every deleted exchange (purge, forget_user) scans the whole feedback table
    # for the ON DELETE CASCADE. purge_older_than and forget_user filter feedback and clicks by ts
    # and user_id; the admin audit log is read per entry.
    """
    CREATE INDEX feedback_exchange ON feedback (exchange_id);
    CREATE INDEX feedback_ts ON feedback (ts);
    CREATE INDEX feedback_user ON feedback (user_id);
    CREATE INDEX clicks_ts ON clicks (ts);
    CREATE INDEX clicks_user ON clicks (user_id);
    CREATE INDEX admin_audit_entry ON admin_audit (entry_id, ts);
    CREATE INDEX kb_edits_entry ON kb_edits (entry_id, ts);
    """,
    # Version 3: a follow-up ("and where?") is recorded with the question the bot understood it as
    # (the answered entry's title), so admins see what was resolved; NULL for a question that stood alone.
    """
    ALTER TABLE exchanges ADD COLUMN resolved TEXT;
    """,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)

_INSERT_EXCHANGE: Final = """
    INSERT INTO exchanges (update_id, ts, channel, chat_id, chat_type, chat_title, user_id, username,
                           user_lang, question, lang, status, entry_id, score, latency_ms, reply_message_id,
                           resolved)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (update_id) DO NOTHING
"""
# ?1 exchange_id, ?2 update_id, ?3 ts, ?4 user_id, ?5 chat_id, ?6 reply_message_id, ?7 entry_id, ?8 value.
# A given exchange_id is kept only when that exchange exists (a vote on a purged answer is still a vote);
# without one, the vote is linked to the exchange whose reply it was cast on.
_INSERT_FEEDBACK: Final = """
    INSERT INTO feedback (exchange_id, update_id, ts, user_id, chat_id, reply_message_id, entry_id, value)
    VALUES (
        CASE WHEN ?1 IS NOT NULL THEN (SELECT id FROM exchanges WHERE id = ?1)
             WHEN ?5 IS NOT NULL AND ?6 IS NOT NULL THEN
                 (SELECT id FROM exchanges WHERE chat_id = ?5 AND reply_message_id = ?6
                  ORDER BY id DESC LIMIT 1)
        END,
        ?2, ?3, ?4, ?5, ?6, ?7, ?8)
    ON CONFLICT (update_id) DO NOTHING
"""
_INSERT_CLICK: Final = """
    INSERT INTO clicks (update_id, ts, user_id, chat_id, data, entry_id)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (update_id) DO NOTHING
"""

# Errors that belong to a record rather than to the database: written one by one, the bad ones dropped.
_POISON_ERRORS: Final = (sqlite3.IntegrityError, sqlite3.InterfaceError, OverflowError, TypeError, ValueError)


class _RateLimitedLog:
    """Log a message at most once per ``interval`` seconds, counting what was held back."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -math.inf
        self._suppressed = 0

    def __call__(self, level: int, msg: str, *args: object, exc_info: bool = False) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            return
        if self._suppressed:
            msg += f" ({self._suppressed} similar messages suppressed)"
        self._last = now
        self._suppressed = 0
        log.log(level, msg, *args, exc_info=exc_info)


async def _wait_event(event: asyncio.Event, seconds: float) -> None:
    if event.is_set():
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


# --------------------------------------------------------------------------------------------------
# Storage


class Storage:
    """The bot's database. ``await open()`` (or ``async with``) before use, ``await close()`` after."""

    def __init__(
        self,
        path: str | Path,
        *,
        store_text: bool = True,
        pseudonymize: bool = False,
        salt: str = "",
        queue_size: int = 10000,
        batch_size: int = 500,
        flush_interval: float = 0.5,
        busy_timeout: float = 5.0,
        close_timeout: float = 10.0,
    ) -> None:
        if queue_size < 1 or batch_size < 1:
            raise ValueError("queue_size and batch_size must be at least 1")
        if flush_interval < 0 or busy_timeout < 0:
            raise ValueError("flush_interval and busy_timeout must not be negative")
        self.path = Path(path)
        self.store_text = store_text
        self.pseudonymize = pseudonymize
        self._salt = salt
        if pseudonymize and not salt:
            log.warning("storage: pseudonymize is on but the salt is empty; the ids are easy to reverse")
        self._queue_size = queue_size
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._busy_timeout = busy_timeout
        self._close_timeout = close_timeout

        self._conn: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[Record] = asyncio.Queue(maxsize=queue_size)
        self._pending: collections.deque[Record] = collections.deque()  # taken off the queue, not written
        self._writer_task: asyncio.Task[None] | None = None
        self._closing = False
        self._failing = False
        self._enqueued = 0  # records accepted by record_*
        self._done = 0  # of those, written or given up on (flush() waits on this)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._new_primitives()

        # Counters, for the logs and the admin's /stats.
        self.recorded = 0  # rows inserted
        self.duplicates = 0  # records whose update_id was already in the database
        self.dropped = 0  # records lost: queue full, retained too many while failing, closed, invalid
        self.failed_batches = 0  # write attempts that failed (each is retried)

        self._full_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)
        self._error_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)
        self._poison_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)

    def _new_primitives(self) -> None:
        # Created per open(): asyncio primitives bind to the loop they are first awaited in.
        self._has_items = asyncio.Event()  # the queue is not empty
        self._urgent = asyncio.Event()  # write now: a full batch, flush() or close()
        self._lock = asyncio.Lock()  # one user of the connection (and its transaction) at a time

    @classmethod
    def from_config(cls, cfg: StorageConfig) -> Storage:
        return cls(
            cfg.database,
            store_text=cfg.store_text,
            pseudonymize=cfg.pseudonymize,
            salt=cfg.salt,
            queue_size=cfg.queue_size,
            batch_size=cfg.batch_size,
            flush_interval=cfg.flush_interval,
        )

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"<Storage {str(self.path)!r} {state} recorded={self.recorded} dropped={self.dropped}>"

    # -- lifecycle ---------------------------------------------------------------------------------

    async def open(self) -> Storage:
        """Open (creating the file and its directory if needed), migrate, start the writer."""
        if self._conn is not None:
            return self
        where = str(self.path)
        if where != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the directory for the database {where}: {exc.strerror or exc}"
                ) from None
            if self.path.is_dir():
                raise StorageError(f"the database path {where} is a directory, not a file")
        try:
            conn = await aiosqlite.connect(where, isolation_level=None, timeout=self._busy_timeout)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {where}: {exc}") from None
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            mode = await self._scalar(conn, "PRAGMA journal_mode = WAL")
            if str(mode).lower() != "wal" and where != ":memory:":
                log.warning("storage: %s: journal mode is %s, not WAL", where, mode)
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await self._migrate(conn)
            await conn.create_function("treaty_norm", 1, normalise_question, deterministic=True)
        except BaseException as exc:
            # Always close: an open aiosqlite connection's thread keeps the process alive at exit.
            with contextlib.suppress(sqlite3.Error):
                await conn.close()
            if not isinstance(exc, sqlite3.Error):
                raise
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StorageError(f"the database {where} is not writable: {exc}") from None
            raise StorageError(f"cannot open the database {where}: {exc}") from None
        self._conn = conn
        self._closing = False
        self._new_primitives()
        if not self._queue.empty():
            self._has_items.set()
        self._writer_task = asyncio.get_running_loop().create_task(self._writer(), name=f"storage-writer {where}")
        return self

    async def close(self) -> None:
        """Write everything queued (waiting up to ``close_timeout``), stop the writer, close the file."""
        conn = self._conn
        if conn is None:
            return
        self._closing = True
        flushed = await self.flush(max_wait=self._close_timeout)
        task = self._writer_task
        self._writer_task = None
        if task is not None:
            self._has_items.set()
            self._urgent.set()
            if not flushed:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        lost = len(self._pending) + self._queue.qsize()
        if lost:
            self._pending.clear()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._give_up(lost)
            log.error("storage: %s: closed with %d records not written (database unwritable)", self.path, lost)
        async with self._lock:
            self._conn = None
            try:
                await conn.close()
            except sqlite3.Error as exc:  # pragma: no cover - close() rolls back; nothing left to lose
                log.error("storage: %s: error while closing: %s", self.path, exc)

    async def __aenter__(self) -> Storage:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def queued(self) -> int:
        """Records accepted but not yet written (queued, or retained while the database is unwritable)."""
        return self._enqueued - self._done

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        version = int(await self._scalar(conn, "PRAGMA user_version"))
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the database {self.path} has schema version {version}, newer than this bot's "
                f"{SCHEMA_VERSION}; upgrade the bot"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            script = MIGRATIONS[number - 1]
            try:
                # One transaction per migration: the schema change and the version number together.
                await conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    await conn.rollback()
                raise
            log.info("storage: %s: migrated to schema version %d", self.path, number)
        # Prove the file is writable now rather than at the first record.
        await conn.executescript(f"BEGIN IMMEDIATE; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    @staticmethod
    async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        async with conn.execute(sql, params) as cur:
            row = await cur.fetchone()
        return None if row is None else row[0]

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError(f"the database {self.path} is not open")
        return self._conn

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = self._require()
        async with self._lock:
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = self._require()
        async with self._lock:
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.rollback()
                    raise
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: {exc}") from exc

    # -- pseudonymization --------------------------------------------------------------------------

    def user_key(self, user_id: int | str | None) -> str | None:
        """A user id as stored: the id as text, or its salted hash when pseudonymizing."""
        if user_id is None:
            return None
        return pseudonym(self._salt, user_id) if self.pseudonymize else str(user_id)

    def chat_key(self, chat_id: int | None) -> int | None:
        """A chat id as stored: private chats (positive ids, the user's id) are hashed when pseudonymizing."""
        if chat_id is None or not self.pseudonymize or chat_id <= 0:
            return chat_id
        return _chat_pseudonym(self._salt, chat_id)

    # -- recording (never blocks) ------------------------------------------------------------------

    def record_exchange(self, exchange: Exchange) -> None:
        self._enqueue(exchange)

    def record_feedback(self, feedback: Feedback) -> None:
        self._enqueue(feedback)

    def record_click(self, click: Click) -> None:
        self._enqueue(click)

    def _enqueue(self, record: Record) -> None:
        if self._closing:
            self.dropped += 1
            self._full_log(logging.WARNING, "storage: %s: record after close() dropped", self.path)
            return
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            self._full_log(
                logging.WARNING,
                "storage: %s: write queue full (%d records); dropping (%d dropped so far)",
                self.path,
                self._queue_size,
                self.dropped,
            )
            return
        self._enqueued += 1
        self._has_items.set()
        if self._queue.qsize() >= self._batch_size:
            self._urgent.set()

    async def flush(self, max_wait: float | None = None) -> bool:
        """Wait until every record accepted so far is written (or given up on).

        Returns False when ``max_wait`` seconds passed first (the database stayed unwritable) or the
        storage is not open.
        """
        target = self._enqueued
        if self._done >= target:
            return True
        task = self._writer_task
        if task is None or task.done():
            return False
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (target, future)
        self._waiters.append(waiter)
        self._urgent.set()
        try:
            await asyncio.wait_for(future, max_wait)
        except TimeoutError:
            return False
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)
        return self._done >= target

    def _give_up(self, count: int) -> None:
        self.dropped += count
        self._done += count
        self._wake_waiters()

    def _wake_waiters(self, everyone: bool = False) -> None:
        for target, future in self._waiters:
            if (everyone or self._done >= target) and not future.done():
                future.set_result(None)

    # -- the writer --------------------------------------------------------------------------------

    async def _writer(self) -> None:
        delay = 0.0
        try:
            while True:
                if self._pending:  # retained after a failed write: back off, then retry
                    await _wait_event(self._urgent, delay)
                else:
                    while self._queue.empty():
                        if self._closing:
                            return
                        self._has_items.clear()
                        await self._has_items.wait()
                    if self._queue.qsize() < self._batch_size and not self._closing:
                        await _wait_event(self._urgent, self._flush_interval)
                self._urgent.clear()
                self._drain()
                try:
                    ok = await self._write_pending()
                except Exception:  # a bug, not the database: keep the records, keep going
                    self.failed_batches += 1
                    self._error_log(logging.ERROR, "storage: unexpected error in the writer", exc_info=True)
                    ok = False
                if ok:
                    if self._failing:
                        self._failing = False
                        log.warning("storage: %s: writable again; writing resumed", self.path)
                    delay = 0.0
                else:
                    delay = min(max(delay * 2, self._flush_interval, 0.05), _MAX_RETRY_DELAY)
        finally:
            self._wake_waiters(everyone=True)

    def _drain(self) -> None:
        """Move the queue into ``pending``, dropping the oldest beyond ``queue_size``."""
        over = 0
        while True:
            try:
                record = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            self._pending.append(record)
            if len(self._pending) > self._queue_size:
                self._pending.popleft()
                over += 1
        if over:
            self._give_up(over)
            self._full_log(
                logging.WARNING,
                "storage: %s: database unwritable and %d records waiting; dropped the %d oldest",
                self.path,
                self._queue_size,
                over,
            )

    async def _write_pending(self) -> bool:
        """Write ``pending`` in batches. False when the database refused (the rest is kept)."""
        while self._pending:
            batch = list(itertools.islice(self._pending, self._batch_size))
            try:
                inserted = await self._write_batch(batch)
            except _POISON_ERRORS:
                if not await self._write_one_by_one(len(batch)):
                    return False
                continue
            except sqlite3.Error as exc:  # OperationalError (locked, read-only, disk full), DatabaseError
                self._on_write_failure(exc)
                return False
            for _ in batch:
                self._pending.popleft()
            self._written(len(batch), inserted)
        return True

    def _written(self, count: int, inserted: int) -> None:
        self.recorded += inserted
        self.duplicates += count - inserted
        self._done += count
        self._wake_waiters()

    def _on_write_failure(self, exc: sqlite3.Error) -> None:
        self.failed_batches += 1
        self._failing = True
        self._error_log(
            logging.ERROR,
            "storage: %s: cannot write (%s); keeping %d records and retrying",
            self.path,
            exc,
            len(self._pending) + self._queue.qsize(),
        )

    async def _write_one_by_one(self, count: int) -> bool:
        for _ in range(count):
            record = self._pending[0]
            try:
                inserted = await self._write_batch([record])
            except _POISON_ERRORS as exc:
                self._pending.popleft()
                self._give_up(1)
                self._poison_log(logging.ERROR, "storage: %s: record dropped (%s): %r", self.path, exc, record)
                continue
            except sqlite3.Error as exc:
                self._on_write_failure(exc)
                return False
            self._pending.popleft()
            self._written(1, inserted)
        return True

    def _rows(
        self, batch: Iterable[Record]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        exchanges: list[tuple[Any, ...]] = []
        feedback: list[tuple[Any, ...]] = []
        clicks: list[tuple[Any, ...]] = []
        pseudo = self.pseudonymize
        for r in batch:
            if isinstance(r, Exchange):
                exchanges.append(
                    (
                        r.update_id,
                        r.ts,
                        r.channel,
                        self.chat_key(r.chat_id),
                        r.chat_type,
                        r.chat_title,
                        self.user_key(r.user_id),
                        None if pseudo else r.username,
                        r.user_lang,
                        r.question if self.store_text else None,
                        r.lang,
                        r.status,
                        r.entry_id,
                        r.score,
                        r.latency_ms,
                        r.reply_message_id,
                        r.resolved,
                    )
                )
            elif isinstance(r, Feedback):
                feedback.append(
                    (
                        r.exchange_id,
                        r.update_id,
                        r.ts,
                        self.user_key(r.user_id),
                        self.chat_key(r.chat_id),
                        r.reply_message_id,
                        r.entry_id,
                        r.value,
                    )
                )
            else:
                clicks.append(
                    (
                        r.update_id,
                        r.ts,
                        self.user_key(r.user_id),
                        self.chat_key(r.chat_id),
                        r.data,
                        r.entry_id,
                    )
                )
        return exchanges, feedback, clicks

    async def _write_batch(self, batch: Sequence[Record]) -> int:
        """One transaction for the whole batch; returns the number of rows inserted."""
        exchanges, feedback, clicks = self._rows(batch)
        conn = self._require()
        inserted = 0
        async with self._lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                # Exchanges first: feedback in the same batch may link to them.
                for sql, rows in (
                    (_INSERT_EXCHANGE, exchanges),
                    (_INSERT_FEEDBACK, feedback),
                    (_INSERT_CLICK, clicks),
                ):
                    if rows:
                        async with conn.executemany(sql, rows) as cur:
                            inserted += max(cur.rowcount, 0)
                await conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await conn.rollback()
                raise
        return inserted

    # -- direct operations -------------------------------------------------------------------------

    async def set_user_language(self, user_id: int | str, lang: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO user_prefs (user_id, lang, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, updated = excluded.updated",
                (self.user_key(user_id), lang, time.time()),
            )

    async def get_user_language(self, user_id: int | str) -> str | None:
        async with self._reading() as conn:
            value = await self._scalar(conn, "SELECT lang FROM user_prefs WHERE user_id = ?", (self.user_key(user_id),))
        return None if value is None else str(value)

    async def exchange_for_reply(self, chat_id: int, reply_message_id: int) -> int | None:
        """The id of the exchange whose answer is message ``reply_message_id`` in ``chat_id``."""
        if self.queued:
            await self.flush(max_wait=1.0)  # it may still be on its way to the database
        async with self._reading() as conn:
            value = await self._scalar(
                conn,
                "SELECT id FROM exchanges WHERE chat_id = ? AND reply_message_id = ? ORDER BY id DESC LIMIT 1",
                (self.chat_key(chat_id), reply_message_id),
            )
        return None if value is None else int(value)

    async def forget_user(self, user_id: int | str) -> int:
        """Delete everything recorded about a user (one transaction); returns the number of rows deleted.

        Votes cast on the user's exchanges go too (they quote the user's question by reference).
        """
        if self.queued:
            await self.flush(max_wait=self._close_timeout)
        key = self.user_key(user_id)
        deleted = 0
        async with self._transaction() as conn:
            for sql in (
                "DELETE FROM feedback WHERE user_id = ?1 "
                "OR exchange_id IN (SELECT id FROM exchanges WHERE user_id = ?1)",
                "DELETE FROM clicks WHERE user_id = ?1",
                "DELETE FROM exchanges WHERE user_id = ?1",
                "DELETE FROM user_prefs WHERE user_id = ?1",
            ):
                async with conn.execute(sql, (key,)) as cur:
                    deleted += max(cur.rowcount, 0)
        log.info("storage: forgot a user: %d rows deleted", deleted)
        return deleted

    async def purge_older_than(self, days: float) -> int:
        """Delete exchanges, feedback and clicks older than ``days`` days; returns rows deleted."""
        if days <= 0:
            raise ValueError("purge_older_than: days must be positive")
        cutoff = time.time() - days * _DAY
        deleted = 0
        async with self._transaction() as conn:
            for sql in (
                "DELETE FROM feedback WHERE ts < ?",
                "DELETE FROM clicks WHERE ts < ?",
                "DELETE FROM exchanges WHERE ts < ?",
            ):
                async with conn.execute(sql, (cutoff,)) as cur:
                    deleted += max(cur.rowcount, 0)
        return deleted

    async def stats(self, days: int | None = None, top: int = 10) -> dict[str, Any]:
        """Usage summary, over the last ``days`` days or everything.

        ``exchanges`` counts the questions the bot considered (answered + clarify + unknown; messages
        it ignored and flood notices are left out), and the three rates are fractions of it.
        Questions are grouped case-insensitively with whitespace collapsed, and shown in that form.
        """
        since = -math.inf if days is None else time.time() - days * _DAY
        counted = "status IN ('answered', 'clarify', 'unknown')"
        async with self._reading() as conn:
            by_status = {
                str(status): int(n)
                for status, n in await conn.execute_fetchall(
                    "SELECT status, COUNT(*) FROM exchanges WHERE ts >= ? GROUP BY status", (since,)
                )
            }
            up_down = list(
                await conn.execute_fetchall(
                    "SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) FROM feedback WHERE ts >= ?",
                    (since,),
                )
            )
            top_questions = await conn.execute_fetchall(
                "SELECT treaty_norm(question) AS q, COUNT(*) AS n FROM exchanges "
                f"WHERE ts >= ? AND question IS NOT NULL AND {counted} "
                "GROUP BY q HAVING q != '' ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
                (since, top),
            )
            top_entries = await conn.execute_fetchall(
                "SELECT entry_id, COUNT(*) AS n FROM exchanges "
                "WHERE ts >= ? AND status = 'answered' AND entry_id IS NOT NULL "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
                (since, top),
            )
            unanswered = await conn.execute_fetchall(
                "SELECT treaty_norm(question) AS q, COUNT(*) AS n FROM exchanges "
                "WHERE ts >= ? AND question IS NOT NULL AND status = 'unknown' "
                "GROUP BY q HAVING q != '' ORDER BY n DESC, MAX(ts) DESC LIMIT ?",
                (since, top),
            )
            per_day = await conn.execute_fetchall(
                "SELECT date(ts, 'unixepoch') AS day, SUM(status = 'answered'), SUM(status = 'clarify'), "
                f"SUM(status = 'unknown') FROM exchanges WHERE ts >= ? AND {counted} "
                "GROUP BY day ORDER BY day",
                (since,),
            )
        answered = by_status.get("answered", 0)
        clarify = by_status.get("clarify", 0)
        unknown = by_status.get("unknown", 0)
        total = answered + clarify + unknown

        def rate(n: int) -> float:
            return round(n / total, 4) if total else 0.0

        up, down = up_down[0] if up_down else (0, 0)
        return {
            "exchanges": total,
            "answered": answered,
            "clarify": clarify,
            "unknown": unknown,
            "answered_rate": rate(answered),
            "clarify_rate": rate(clarify),
            "unknown_rate": rate(unknown),
            "feedback_up": int(up),
            "feedback_down": int(down),
            "top_questions": [{"question": q, "count": n} for q, n in top_questions],
            "top_entries": [{"entry_id": e, "count": n} for e, n in top_entries],
            "unanswered": [{"question": q, "count": n} for q, n in unanswered],
            "per_day": [{"day": d, "answered": int(a), "clarify": int(c), "unknown": int(u)} for d, a, c, u in per_day],
        }

    async def _dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        async with self._reading() as conn, conn.execute(sql, params) as cur:
            names = [d[0] for d in cur.description]
            rows = await cur.fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def recent_unanswered(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest unknown and clarify exchanges (all columns), newest first."""
        return await self._dicts(
            "SELECT * FROM exchanges WHERE status IN ('unknown', 'clarify') ORDER BY ts DESC, id DESC LIMIT ?",
            (limit,),
        )

    async def recent_questions(self, limit: int = 500) -> list[tuple[str, str | None]]:
        """The latest questions (answered, clarify or unknown) as (question, lang), newest first."""
        async with self._reading() as conn:
            rows = await conn.execute_fetchall(
                "SELECT question, lang FROM exchanges "
                "WHERE question IS NOT NULL AND status IN ('answered', 'clarify', 'unknown') "
                "ORDER BY ts DESC, id DESC LIMIT ?",
                (limit,),
            )
        return [(str(q), None if lang is None else str(lang)) for q, lang in rows]

    async def count(self, table: str = "exchanges") -> int:
        """Rows in one of ``EXPORT_TABLES``."""
        if table not in EXPORT_TABLES:
            raise ValueError(f"unknown table {table!r}; one of {', '.join(EXPORT_TABLES)}")
        async with self._reading() as conn:
            return int(await self._scalar(conn, f"SELECT COUNT(*) FROM {table}"))

    # -- maintenance -------------------------------------------------------------------------------

    async def backup(self, dest: str | Path) -> None:
        """A consistent copy of the database at ``dest`` (SQLite online backup; safe while recording).

        Written next to ``dest`` first and renamed into place, so ``dest`` is never half-written.
        """
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise StorageError(f"the backup destination {dest} is the database itself")
        if self.queued:
            await self.flush(max_wait=self._close_timeout)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the directory for the backup {dest}: {exc.strerror or exc}") from None
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(tmp, check_same_thread=False)
            try:
                async with self._reading() as conn:
                    await conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                target.close()
            tmp.replace(dest)
        except StorageError:
            tmp.unlink(missing_ok=True)
            raise
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot back up {self.path} to {dest}: {exc}") from None

    async def export(self, fmt: Literal["csv", "jsonl"], out: TextIO, table: str = "exchanges") -> int:
        """Write a table to ``out`` as CSV (with a header) or JSON lines; returns the number of rows."""
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"unknown export format {fmt!r}; csv or jsonl")
        if table not in EXPORT_TABLES:
            raise ValueError(f"unknown table {table!r}; one of {', '.join(EXPORT_TABLES)}")
        rows_written = 0
        async with self._reading() as conn, conn.execute(f"SELECT * FROM {table} ORDER BY 1") as cur:
            names = [d[0] for d in cur.description]
            writer = csv.writer(out) if fmt == "csv" else None
            if writer is not None:
                writer.writerow(names)
            while True:
                chunk = list(await cur.fetchmany(1000))
                if not chunk:
                    break
                if writer is not None:
                    writer.writerows(chunk)
                else:
                    out.writelines(
                        json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n" for row in chunk
                    )
                rows_written += len(chunk)
        return rows_written

    async def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok", or the problems found, one a line."""
        async with self._reading() as conn:
            rows = await conn.execute_fetchall("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)

    # -- admin -------------------------------------------------------------------------------------

    async def add_audit(
        self, admin_id: int | None, action: str, entry_id: str | None, before: str | None, after: str | None
    ) -> int:
        """Record an admin action; returns its id."""
        async with (
            self._transaction() as conn,
            conn.execute(
                "INSERT INTO admin_audit (ts, admin_id, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), admin_id, action, entry_id, before, after),
            ) as cur,
        ):
            return int(cur.lastrowid or 0)

    async def audit_log(self, entry_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Admin actions, newest first; only those on ``entry_id`` when given."""
        return await self._dicts(
            "SELECT id, ts, admin_id, action, entry_id, before, after FROM admin_audit "
            "WHERE ?1 IS NULL OR entry_id = ?1 ORDER BY ts DESC, id DESC LIMIT ?2",
            (entry_id, limit),
        )

    async def add_kb_edit(
        self, admin_id: int | None, entry_id: str, payload: dict[str, Any], deleted: bool = False
    ) -> int:
        """Store an admin's edit of a knowledge entry (``payload`` as JSON); returns its id."""
        async with (
            self._transaction() as conn,
            conn.execute(
                "INSERT INTO kb_edits (ts, admin_id, entry_id, payload, deleted) VALUES (?, ?, ?, ?, ?)",
                (time.time(), admin_id, entry_id, json.dumps(payload, ensure_ascii=False), int(deleted)),
            ) as cur,
        ):
            return int(cur.lastrowid or 0)

    async def add_kb_change(
        self,
        admin_id: int | None,
        edits: Sequence[tuple[str, dict[str, Any], bool]],
        action: str,
        entry_id: str | None,
        before: str | None,
        after: str | None,
    ) -> int:
        """Store a whole change, its edits ``(entry_id, payload, deleted)`` and its audit row, in one
        transaction: an import of many entries is stored entirely or not at all. Returns the audit id."""
        now = time.time()
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO kb_edits (ts, admin_id, entry_id, payload, deleted) VALUES (?, ?, ?, ?, ?)",
                [(now, admin_id, eid, json.dumps(payload, ensure_ascii=False), int(deleted))
                 for eid, payload, deleted in edits],
            )
            async with conn.execute(
                "INSERT INTO admin_audit (ts, admin_id, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                (now, admin_id, action, entry_id, before, after),
            ) as cur:
                return int(cur.lastrowid or 0)

    async def kb_edits(self, entry_id: str | None = None) -> list[dict[str, Any]]:
        """Knowledge edits in the order they were made (``payload`` decoded), for one entry or all."""
        rows = await self._dicts(
            "SELECT id, ts, admin_id, entry_id, payload, deleted FROM kb_edits "
            "WHERE ?1 IS NULL OR entry_id = ?1 ORDER BY ts, id",
            (entry_id,),
        )
        for row in rows:
            row["payload"] = json.loads(row["payload"])
            row["deleted"] = bool(row["deleted"])
        return rows
