"""The batching writer: recording never blocks a reply, and a database in trouble loses nothing it can keep.

:meth:`Writer.enqueue` puts a record on a bounded in-memory queue and returns at once; a background task
writes the queue to SQLite in batches (one transaction per batch). When the database cannot be written
(locked by another process, read-only, disk full) the writer keeps what it has, retries with back-off and
resumes when the database recovers; memory stays bounded by dropping the oldest records (counted in
``dropped``). A record the database rejects on its own (an id too large, say) is dropped alone. Each kind
of trouble is logged at most once a minute. :meth:`Writer.stop` writes what is left before the end.
Before each round of batches (and every few seconds while idle) the writer has the database check that
its file is still the one opened (``Database.check_file``: a deleted file is restored, a replaced one
opened), so a database that vanishes costs no record.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import itertools
import logging
import math
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from bot.errors import StorageError
from bot.storage.connection import Database
from bot.storage.records import Exchange, Feedback, GroupSettings, LanguageChoice, Privacy, Record

if TYPE_CHECKING:
    import aiosqlite

__all__ = [
    "INSERT_CLICK",
    "INSERT_EXCHANGE",
    "INSERT_FEEDBACK",
    "UPSERT_GROUP_SETTINGS",
    "UPSERT_LANGUAGE",
    "Writer",
    "exchange_row",
    "rows",
]

log = logging.getLogger("bot.storage")  # one logger for the whole package

_ERROR_LOG_INTERVAL: Final = 60.0  # seconds between two log lines about the same trouble
_MAX_RETRY_DELAY: Final = 5.0  # seconds between write attempts while the database is unwritable
_FILE_CHECK_INTERVAL: Final = 5.0  # seconds between two looks at the database file while nothing is written

_EXCHANGE_HEAD: Final = """
    INSERT INTO exchanges (update_id, ts, channel, chat_id, chat_type, chat_title, user_id, username,
                           user_lang, question, lang, status, entry_id, score, latency_ms, reply_message_id,
                           resolved, send_status)
    VALUES """
_EXCHANGE_ROW: Final = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_EXCHANGE_TAIL: Final = "\n    ON CONFLICT (update_id) DO NOTHING\n"
INSERT_EXCHANGE: Final = _EXCHANGE_HEAD + _EXCHANGE_ROW + _EXCHANGE_TAIL
# ?1 exchange_id, ?2 update_id, ?3 ts, ?4 user_id, ?5 chat_id, ?6 reply_message_id, ?7 entry_id, ?8 value.
# A given exchange_id is kept only when that exchange exists (a vote on a purged answer is still a vote);
# without one, the vote is linked to the exchange whose reply it was cast on.
INSERT_FEEDBACK: Final = """
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
_CLICK_HEAD: Final = """
    INSERT INTO clicks (update_id, ts, user_id, chat_id, data, entry_id)
    VALUES """
_CLICK_ROW: Final = "(?, ?, ?, ?, ?, ?)"
_CLICK_TAIL: Final = "\n    ON CONFLICT (update_id) DO NOTHING\n"
INSERT_CLICK: Final = _CLICK_HEAD + _CLICK_ROW + _CLICK_TAIL
UPSERT_LANGUAGE: Final = """
    INSERT INTO user_prefs (user_id, lang, updated) VALUES (?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, updated = excluded.updated
"""
UPSERT_GROUP_SETTINGS: Final = """
    INSERT INTO group_settings (chat_id, compact, lang, updated) VALUES (?, ?, ?, ?)
    ON CONFLICT (chat_id) DO UPDATE SET compact = excluded.compact, lang = excluded.lang, updated = excluded.updated
"""

# Errors that belong to a record rather than to the database: written one by one, the bad ones dropped.
_POISON_ERRORS: Final = (sqlite3.IntegrityError, sqlite3.InterfaceError, OverflowError, TypeError, ValueError)

Row = tuple[Any, ...]


def exchange_row(r: Exchange, privacy: Privacy) -> Row:
    """The parameters of ``INSERT_EXCHANGE`` for one exchange, as ``privacy`` allows it to be stored."""
    return (
        r.update_id,
        r.ts,
        r.channel,
        privacy.chat_key(r.chat_id),
        r.chat_type,
        r.chat_title,
        privacy.user_key(r.user_id),
        None if privacy.pseudonymize else r.username,
        r.user_lang,
        r.question if privacy.store_text else None,
        r.lang,
        r.status,
        r.entry_id,
        r.score,
        r.latency_ms,
        r.reply_message_id,
        r.resolved,
        r.send_status,
    )


def rows(batch: Iterable[Record], privacy: Privacy) -> tuple[list[Row], list[Row], list[Row], list[Row], list[Row]]:
    """The parameters of the five statements for a batch: exchanges, feedback, clicks, language choices and
    group settings."""
    exchanges: list[Row] = []
    feedback: list[Row] = []
    clicks: list[Row] = []
    languages: list[Row] = []
    groups: list[Row] = []
    user, chat = privacy.user_key, privacy.chat_key
    for r in batch:
        if isinstance(r, Exchange):
            exchanges.append(exchange_row(r, privacy))
        elif isinstance(r, Feedback):
            feedback.append(
                (r.exchange_id, r.update_id, r.ts, user(r.user_id), chat(r.chat_id), r.reply_message_id, r.entry_id,
                 r.value)
            )
        elif isinstance(r, LanguageChoice):
            languages.append((user(r.user_id), r.lang, r.ts))
        elif isinstance(r, GroupSettings):
            groups.append((chat(r.chat_id), int(r.compact), r.lang, r.ts))
        else:
            clicks.append((r.update_id, r.ts, user(r.user_id), chat(r.chat_id), r.data, r.entry_id))
    return exchanges, feedback, clicks, languages, groups


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


class Writer:
    """The record queue of one database and the task that writes it (``start`` after the database opens)."""

    def __init__(
        self, db: Database, privacy: Privacy, *, queue_size: int, batch_size: int, flush_interval: float
    ) -> None:
        self._db = db
        self._privacy = privacy
        self._queue_size = queue_size
        self._batch_size = batch_size
        self._flush_interval = flush_interval

        self._queue: asyncio.Queue[Record] = asyncio.Queue(maxsize=queue_size)
        self._pending: collections.deque[Record] = collections.deque()  # taken off the queue, not written
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._failing = False
        self._enqueued = 0  # records accepted by enqueue
        self._done = 0  # of those, written or given up on (flush() waits on this)
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._new_events()

        # Counters, for the logs and the admin's /stats.
        self.recorded = 0  # rows inserted
        self.duplicates = 0  # records whose update_id was already in the database
        self.dropped = 0  # records lost: queue full, retained too many while failing, closed, invalid
        self.failed_batches = 0  # write attempts that failed (each is retried)

        self._full_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)
        self._error_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)
        self._poison_log = _RateLimitedLog(_ERROR_LOG_INTERVAL)

    def _new_events(self) -> None:
        # Created per start(): asyncio primitives bind to the loop they are first awaited in.
        self._has_items = asyncio.Event()  # the queue is not empty
        self._urgent = asyncio.Event()  # write now: a full batch, flush() or stop()

    @property
    def queued(self) -> int:
        """Records accepted but not yet written (queued, or retained while the database is unwritable)."""
        return self._enqueued - self._done

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Accept records again and start the writing task (the database is open)."""
        self._closing = False
        self._new_events()
        if not self._queue.empty():
            self._has_items.set()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"storage-writer {self._db.path}")

    async def stop(self, max_wait: float) -> None:
        """Refuse new records, write what is queued (waiting up to ``max_wait``), stop the task."""
        self._closing = True
        flushed = await self.flush(max_wait=max_wait)
        task = self._task
        self._task = None
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
            log.error("storage: %s: closed with %d records not written (database unwritable)", self._db.path, lost)

    # -- accepting records (never blocks) ----------------------------------------------------------

    def enqueue(self, record: Record) -> None:
        if self._closing:
            self.dropped += 1
            self._full_log(logging.WARNING, "storage: %s: record after close() dropped", self._db.path)
            return
        try:
            self._queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            self._full_log(
                logging.WARNING,
                "storage: %s: write queue full (%d records); dropping (%d dropped so far)",
                self._db.path,
                self._queue_size,
                self.dropped,
            )
            return
        self._enqueued += 1
        self._has_items.set()
        if self._queue.qsize() >= self._batch_size:
            self._urgent.set()

    async def flush(self, max_wait: float | None = None) -> bool:
        """Wait until every record accepted so far is written (or given up on); False when ``max_wait``
        seconds passed first or the task is not running."""
        target = self._enqueued
        if self._done >= target:
            return True
        task = self._task
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

    # -- writing -----------------------------------------------------------------------------------

    async def _run(self) -> None:
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
                        await _wait_event(self._has_items, _FILE_CHECK_INTERVAL)
                        if not self._has_items.is_set():
                            await self._check_file_while_idle()
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
                        log.warning("storage: %s: writable again; writing resumed", self._db.path)
                    delay = 0.0
                else:
                    delay = min(max(delay * 2, self._flush_interval, 0.05), _MAX_RETRY_DELAY)
        finally:
            self._wake_waiters(everyone=True)

    async def _check_file_while_idle(self) -> None:
        """A quiet bot notices a deleted or replaced database too (and repairs it) before the next record."""
        try:
            await self._db.check_file()
        except StorageError as exc:
            self._error_log(logging.ERROR, "storage: %s: %s; retrying", self._db.path, exc)

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
                self._db.path,
                self._queue_size,
                over,
            )

    async def _write_pending(self) -> bool:
        """Write ``pending`` in batches. False when the database refused (the rest is kept)."""
        try:
            await self._db.check_file()  # deleted or replaced under us: repaired before writing
        except StorageError as exc:
            self._on_write_failure(exc)
            return False
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

    def _on_write_failure(self, exc: sqlite3.Error | StorageError) -> None:
        self.failed_batches += 1
        self._failing = True
        self._error_log(
            logging.ERROR,
            "storage: %s: cannot write (%s); keeping %d records and retrying",
            self._db.path,
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
                self._poison_log(logging.ERROR, "storage: %s: record dropped (%s): %r", self._db.path, exc, record)
                continue
            except sqlite3.Error as exc:
                self._on_write_failure(exc)
                return False
            self._pending.popleft()
            self._written(1, inserted)
        return True

    async def _write_batch(self, batch: Sequence[Record]) -> int:
        """One transaction for the whole batch; returns the number of rows inserted. The exchanges (and
        clicks) go in as one multi-row INSERT: a batch of exchanges alone is a single statement, its own
        transaction, and one call into the database thread instead of four (BEGIN, INSERT, closing the
        cursor, COMMIT); each call waits for the event loop, which a busy bot holds for milliseconds."""
        statements = _statements(rows(batch, self._privacy))
        async with self._db.lock:
            conn = self._db.require()
            if len(statements) == 1 and not statements[0].many:  # atomic alone (the connection autocommits)
                return await statements[0].run(conn)
            inserted = 0
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in statements:  # exchanges first: feedback in the same batch may link to them
                    inserted += await statement.run(conn)
                await conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    await conn.rollback()
                raise
        return inserted


class _Statement(NamedTuple):
    sql: str
    params: Sequence[Any]  # one row's parameters, or (``many``) a sequence of rows
    many: bool  # executemany: one execution per row

    async def run(self, conn: aiosqlite.Connection) -> int:
        """Execute; the number of rows inserted or updated (the cursor is left to be collected: closing it
        would be one more call into the database thread)."""
        if self.many:
            cursor = await conn.executemany(self.sql, self.params)
        else:
            cursor = await conn.execute(self.sql, self.params)
        return max(cursor.rowcount, 0)


# SQLite's limit on the parameters of one statement: 32766 since 3.32, 999 before.
_MAX_PARAMETERS: Final = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@functools.lru_cache(maxsize=64)  # bounded: a 1,800-row INSERT is ~100 KB of text, and every count may come
def _multi_row_sql(head: str, row: str, tail: str, count: int) -> str:
    """An INSERT of ``count`` rows: the module's own constants joined, never a value."""
    return head + ", ".join((row,) * count) + tail


def _multi_row(head: str, row: str, tail: str, values: Sequence[Row]) -> list[_Statement]:
    """``values`` (rows of parameters) as multi-row INSERTs, as few as SQLite's parameter limit allows."""
    if not values:
        return []
    per_statement = max(1, _MAX_PARAMETERS // len(values[0]))
    statements = []
    for start in range(0, len(values), per_statement):
        chunk = values[start:start + per_statement]
        sql = _multi_row_sql(head, row, tail, len(chunk))
        statements.append(_Statement(sql, [value for r in chunk for value in r], many=False))
    return statements


def _statements(
    batch_rows: tuple[list[Row], list[Row], list[Row], list[Row], list[Row]],
) -> list[_Statement]:
    """The statements that write a batch, exchanges first (feedback in the same batch may link to them);
    the language choices in order (the latest wins)."""
    exchanges, feedback, clicks, languages, groups = batch_rows
    statements = _multi_row(_EXCHANGE_HEAD, _EXCHANGE_ROW, _EXCHANGE_TAIL, exchanges)
    if feedback:
        statements.append(_Statement(INSERT_FEEDBACK, feedback, many=True))
    statements += _multi_row(_CLICK_HEAD, _CLICK_ROW, _CLICK_TAIL, clicks)
    statements += [_Statement(sql, params, many=True)
                   for sql, params in ((UPSERT_LANGUAGE, languages), (UPSERT_GROUP_SETTINGS, groups)) if params]
    return statements
