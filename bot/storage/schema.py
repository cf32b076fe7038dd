"""The database schema: numbered migrations, applied in order, one transaction each.

The database's ``PRAGMA user_version`` is the number of migrations applied. :func:`migrate` applies the
missing ones, each together with its version number in one transaction (so a failed migration leaves the
previous version intact), and refuses a database newer than this code. A schema change is a new
migration at the end: a database already past a migration never runs it again.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Final

import aiosqlite

from bot.errors import StorageError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate"]

log = logging.getLogger("bot.storage")  # one logger for the whole package

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
    # Version 4: what became of the reply (issue 12: an exchange is recorded whatever the send's outcome):
    # 'sent' (Telegram confirmed it), 'failed' (refused or unreachable on every attempt: not delivered),
    # 'unknown' (the last attempt timed out: Telegram may have delivered it). NULL when nothing was sent
    # (an ignored message, an inline answer) and for rows recorded before this version.
    """
    ALTER TABLE exchanges ADD COLUMN send_status TEXT CHECK (send_status IN ('sent', 'failed', 'unknown'));
    """,
    # Version 5: abuse that costs nothing (issue 12). One vote per user per answer: earlier duplicates go
    # (the latest vote stays), a unique index keeps it so, and a vote replaces the user's earlier one on
    # the same reply (the trigger; a redelivered update, already recorded, changes nothing). Refused admin
    # attempts are one audit row per user per minute with a ``count``, keyed by ``user_key`` (the user id
    # as the chat log stores it, pseudonymized when configured) so that /forgetme finds them; the undo
    # stack, the history and the ignored questions read the audit log by action.
    """
    DELETE FROM feedback WHERE user_id IS NOT NULL AND reply_message_id IS NOT NULL AND id NOT IN (
        SELECT MAX(id) FROM feedback WHERE user_id IS NOT NULL AND reply_message_id IS NOT NULL
        GROUP BY user_id, chat_id, reply_message_id
    );
    CREATE UNIQUE INDEX feedback_one_vote ON feedback (user_id, chat_id, reply_message_id);
    CREATE TRIGGER feedback_vote_replaces BEFORE INSERT ON feedback
    WHEN NEW.user_id IS NOT NULL AND NEW.reply_message_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM feedback WHERE update_id = NEW.update_id)
    BEGIN
        DELETE FROM feedback
        WHERE user_id = NEW.user_id AND chat_id IS NEW.chat_id AND reply_message_id = NEW.reply_message_id;
    END;
    ALTER TABLE admin_audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE admin_audit ADD COLUMN user_key TEXT;
    CREATE INDEX admin_audit_action ON admin_audit (action, user_key, ts);
    CREATE INDEX admin_audit_admin ON admin_audit (admin_id);
    """,
    # Version 6: a group's settings (issue 13), chosen by its admins with /settings: compact answers (no
    # source quote, no buttons) and the group's language ('auto': each message in its own). One row per
    # group chat, replaced on each change; a chat without a row has the defaults.
    """
    CREATE TABLE group_settings (
        chat_id INTEGER PRIMARY KEY,
        compact INTEGER NOT NULL DEFAULT 0 CHECK (compact IN (0, 1)),
        lang TEXT NOT NULL DEFAULT 'auto' CHECK (lang IN ('auto', 'en', 'ru')),
        updated REAL NOT NULL
    );
    """,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Bring the database at ``path`` to ``SCHEMA_VERSION``; ``StorageError`` when it is newer."""
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = int(row[0]) if row is not None else 0
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the database {path} has schema version {version}, newer than this bot's "
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
        log.info("storage: %s: migrated to schema version %d", path, number)
    # Prove the file is writable now rather than at the first record.
    await conn.executescript(f"BEGIN IMMEDIATE; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
