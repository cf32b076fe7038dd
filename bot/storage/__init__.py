"""The chat-log database: :class:`Storage`, the one object the rest of the bot uses for it.

Recording an exchange, a feedback vote or a button click never blocks a reply: ``record_*`` put the
record on a bounded queue that a background task writes in batches, retrying while the database is
unwritable (``writer``). Everything else (user preferences, statistics, exports, backups, the admin
audit log) is awaited directly; SQL errors from those are raised as ``StorageError``.

The package's modules, one idea each (all of the project's SQL is in them):

- ``records``: the records (:class:`Exchange`, :class:`Feedback`, :class:`Click`, :class:`GroupSettings`)
  and pseudonymization;
- ``schema``: the numbered migrations;
- ``connection``: opening the connection, reads and transactions, integrity check, backup;
- ``writer``: the queue and the batching writer;
- ``queries``: the chat log's reads, exports and deletions;
- ``admin_log``: the admin audit log and the stored knowledge edits.

No Telegram imports here: the package is used by the CLI and the tests as well.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TextIO

from bot.curation.history import AuditRecord
from bot.errors import StorageError
from bot.storage.admin_log import AdminLog
from bot.storage.connection import Database, read_schema_version
from bot.storage.queries import EXPORT_TABLES, ChatLog
from bot.storage.records import (
    CHANNELS,
    SEND_STATUSES,
    STATUSES,
    Click,
    Exchange,
    Feedback,
    GroupSettings,
    LanguageChoice,
    Privacy,
    Record,
    StoredEdit,
    normalise_question,
    pseudonym,
)
from bot.storage.schema import MIGRATIONS, SCHEMA_VERSION
from bot.storage.writer import Writer

if TYPE_CHECKING:
    from bot.config import StorageConfig

log = logging.getLogger(__name__)

__all__ = [
    "CHANNELS",
    "EXPORT_TABLES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SEND_STATUSES",
    "STATUSES",
    "Click",
    "Exchange",
    "Feedback",
    "GroupSettings",
    "LanguageChoice",
    "Record",
    "Storage",
    "StorageError",
    "normalise_question",
    "pseudonym",
    "read_schema_version",
]


class Storage:
    """The bot's database. ``await open()`` (or ``async with``) before use, ``await close()`` after.

    With ``pseudonymize=True`` user ids are stored as a salted HMAC (:func:`pseudonym`), usernames are
    not stored, and private chats' ids are hashed too; ``store_text=False`` leaves question text out.
    """

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
        read_only: bool = False,
    ) -> None:
        if queue_size < 1 or batch_size < 1:
            raise ValueError("queue_size and batch_size must be at least 1")
        if flush_interval < 0 or busy_timeout < 0:
            raise ValueError("flush_interval and busy_timeout must not be negative")
        self.path = Path(path)
        self._privacy = Privacy(store_text, pseudonymize, salt)
        if pseudonymize and not salt:
            log.warning("storage: pseudonymize is on but the salt is empty; the ids are easy to reverse")
        self._close_timeout = close_timeout
        self._db = Database(self.path, busy_timeout, read_only=read_only)
        self._writer = Writer(
            self._db, self._privacy, queue_size=queue_size, batch_size=batch_size, flush_interval=flush_interval
        )
        self._log = ChatLog(self._db, self._privacy)
        self._admin = AdminLog(self._db, self._privacy)

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
        state = "open" if self.is_open else "closed"
        return f"<Storage {str(self.path)!r} {state} recorded={self.recorded} dropped={self.dropped}>"

    # -- lifecycle ---------------------------------------------------------------------------------

    async def open(self) -> Storage:
        """Open (creating the file and its directory if needed), migrate, start the writer; ``read_only``:
        open the existing file for reading only (``StorageError`` when there is none), no writer."""
        if self._db.is_open:
            return self
        await self._db.open()
        if not self._db.read_only:
            self._writer.start()
        return self

    async def close(self) -> None:
        """Write everything queued (waiting up to ``close_timeout``), stop the writer, close the file."""
        if not self._db.is_open:
            return
        if not self._db.read_only:
            await self._writer.stop(self._close_timeout)
        await self._db.close()

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
        return self._db.is_open

    def file_problem(self) -> str | None:
        """"deleted" or "replaced" while the file at ``path`` is not the one the bot opened (the writer
        repairs it before its next batch, or within a few seconds when idle); None when all is well."""
        return self._db.file_problem()

    @property
    def store_text(self) -> bool:
        return self._privacy.store_text

    @property
    def pseudonymize(self) -> bool:
        return self._privacy.pseudonymize

    # -- counters, for the logs and the admin's /stats ----------------------------------------------

    @property
    def queued(self) -> int:
        """Records accepted but not yet written (queued, or retained while the database is unwritable)."""
        return self._writer.queued

    @property
    def recorded(self) -> int:
        """Rows inserted."""
        return self._writer.recorded

    @property
    def duplicates(self) -> int:
        """Records whose update_id was already in the database."""
        return self._writer.duplicates

    @property
    def dropped(self) -> int:
        """Records lost: queue full, retained too many while failing, closed, invalid."""
        return self._writer.dropped

    @property
    def failed_batches(self) -> int:
        """Write attempts that failed (each is retried)."""
        return self._writer.failed_batches

    # -- pseudonymization --------------------------------------------------------------------------

    def user_key(self, user_id: int | str | None) -> str | None:
        """A user id as stored: the id as text, or its salted hash when pseudonymizing."""
        return self._privacy.user_key(user_id)

    def chat_key(self, chat_id: int | None) -> int | None:
        """A chat id as stored: private chats (positive ids, the user's id) are hashed when pseudonymizing."""
        return self._privacy.chat_key(chat_id)

    # -- recording (never blocks) ------------------------------------------------------------------

    def record_exchange(self, exchange: Exchange) -> None:
        self._writer.enqueue(exchange)

    def record_feedback(self, feedback: Feedback) -> None:
        self._writer.enqueue(feedback)

    def record_click(self, click: Click) -> None:
        self._writer.enqueue(click)

    def record_language(self, choice: LanguageChoice) -> None:
        """A /lang choice, written through the queue like the records (never blocks)."""
        self._writer.enqueue(choice)

    def record_group_settings(self, settings: GroupSettings) -> None:
        """A group's /settings, written through the queue like the records (never blocks)."""
        self._writer.enqueue(settings)

    async def flush(self, max_wait: float | None = None) -> bool:
        """Wait until every record accepted so far is written (or given up on).

        Returns False when ``max_wait`` seconds passed first (the database stayed unwritable) or the
        storage is not open.
        """
        return await self._writer.flush(max_wait)

    # -- the chat log ------------------------------------------------------------------------------

    async def set_user_language(self, user_id: int | str, lang: str) -> None:
        await self._log.set_user_language(user_id, lang)

    async def get_user_language(self, user_id: int | str) -> str | None:
        return await self._log.get_user_language(user_id)

    async def user_languages(self) -> dict[str, str]:
        """Every fixed /lang choice ("en"/"ru") by :meth:`user_key`: the bot loads them at start, so that
        a reply never waits on the database for the asker's language."""
        return await self._log.user_languages()

    async def group_settings(self) -> dict[int, GroupSettings]:
        """Every group's stored /settings by chat id: the bot loads them at start, so that a reply in a
        group never waits on the database for them."""
        return {s.chat_id: s for s in await self._log.group_settings()}

    async def asker_of_reply(self, chat_id: int, reply_message_id: int) -> str | None:
        """Who asked what message ``reply_message_id`` in ``chat_id`` answers, as :meth:`user_key` gives
        it; None when the chat log does not know (the answer not recorded, or purged)."""
        if self.queued:
            await self.flush(max_wait=1.0)  # it may still be on its way to the database
        return await self._log.asker_of_reply(chat_id, reply_message_id)

    async def exchange_for_reply(self, chat_id: int, reply_message_id: int) -> int | None:
        """The id of the exchange whose answer is message ``reply_message_id`` in ``chat_id``."""
        if self.queued:
            await self.flush(max_wait=1.0)  # it may still be on its way to the database
        return await self._log.exchange_for_reply(chat_id, reply_message_id)

    async def forget_user(self, user_id: int | str) -> int:
        """Delete everything recorded about a user (one transaction); returns the number of rows deleted.

        Votes cast on the user's exchanges go too (they quote the user's question by reference).
        """
        if self.queued:
            await self.flush(max_wait=self._close_timeout)
        return await self._log.forget_user(user_id)

    async def purge_older_than(self, days: float) -> int:
        """Delete exchanges, feedback and clicks older than ``days`` days; returns rows deleted."""
        return await self._log.purge_older_than(days)

    async def stats(self, days: int | None = None, top: int = 10) -> dict[str, Any]:
        """Usage summary, over the last ``days`` days or everything.

        ``exchanges`` counts the questions the bot considered (answered + clarify + unknown; messages
        it ignored and flood notices are left out), and the three rates are fractions of it.
        Questions are grouped case-insensitively with whitespace collapsed, and shown in that form.
        """
        return await self._log.stats(days, top)

    async def recent_unanswered(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest unknown and clarify exchanges (all columns), newest first."""
        return await self._log.recent_unanswered(limit)

    async def recent_questions(self, limit: int = 500) -> list[tuple[str, str | None]]:
        """The latest questions (answered, clarify or unknown) as (question, lang), newest first."""
        return await self._log.recent_questions(limit)

    async def recent_update_ids(self, limit: int = 1000) -> list[int]:
        """The update ids of the latest ``limit`` exchanges, votes and clicks each (handled last)."""
        return await self._log.recent_update_ids(limit)

    async def count(self, table: str = "exchanges") -> int:
        """Rows in one of ``EXPORT_TABLES``."""
        return await self._log.count(table)

    async def export(self, fmt: Literal["csv", "jsonl"], out: TextIO, table: str = "exchanges") -> int:
        """Write a table to ``out`` as CSV (with a header) or JSON lines; returns the number of rows."""
        return await self._log.export(fmt, out, table)

    # -- maintenance -------------------------------------------------------------------------------

    async def backup(self, dest: str | Path) -> None:
        """A consistent copy of the database at ``dest`` (SQLite online backup; safe while recording).

        Written next to ``dest`` first and renamed into place, so ``dest`` is never half-written.
        """
        target = self._db.backup_target(dest)
        if self.queued:
            await self.flush(max_wait=self._close_timeout)
        await self._db.backup(target)

    async def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok", or the problems found, one a line."""
        return await self._db.integrity_check()

    # -- admin -------------------------------------------------------------------------------------

    async def add_audit(
        self, admin_id: int | None, action: str, entry_id: str | None, before: str | None, after: str | None
    ) -> int:
        """Record an admin action; returns its id."""
        return await self._admin.add_audit(admin_id, action, entry_id, before, after)

    async def add_denied(self, user_id: int | None, detail: str | None) -> int:
        """Record a refused admin attempt: one row per user per minute, counting the attempts (the user
        stored as people are in the chat log, the detail only when question text is kept)."""
        return await self._admin.add_denied(user_id, detail)

    async def audit_log(
        self,
        entry_id: str | None = None,
        limit: int | None = 20,
        *,
        actions: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
    ) -> list[AuditRecord]:
        """Admin actions, newest first (``limit`` None: all); only those on ``entry_id`` when given, only
        the ``actions`` given, none of those in ``exclude``."""
        return await self._admin.audit_log(entry_id, limit, actions=actions, exclude=exclude)

    async def add_kb_edit(
        self, admin_id: int | None, entry_id: str, payload: dict[str, Any], deleted: bool = False
    ) -> int:
        """Store an admin's edit of a knowledge entry (``payload`` as JSON); returns its id."""
        return await self._admin.add_kb_edit(admin_id, entry_id, payload, deleted)

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
        return await self._admin.add_kb_change(admin_id, edits, action, entry_id, before, after)

    async def kb_edits(self, entry_id: str | None = None) -> list[StoredEdit]:
        """Knowledge edits in the order they were made (``payload`` decoded), for one entry or all."""
        return await self._admin.kb_edits(entry_id)
