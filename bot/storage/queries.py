"""Reading and pruning the chat log: statistics, recent questions, counts, exports, look-ups, deletions.

Everything here is awaited directly (nothing goes through the writer's queue) and takes user and chat
ids as Telegram gives them: :class:`ChatLog` keys them as they were stored (:class:`Privacy`).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import time
from collections.abc import Iterable
from typing import Any, Final, Literal, TextIO

import aiosqlite

from bot.storage.connection import Database, scalar
from bot.storage.records import GroupSettings, Privacy

__all__ = ["EXPORT_TABLES", "ChatLog"]

log = logging.getLogger("bot.storage")  # one logger for the whole package

EXPORT_TABLES: Final = ("exchanges", "feedback", "clicks", "user_prefs", "group_settings", "admin_audit", "kb_edits")

_DAY: Final = 86400.0


class ChatLog:
    """The chat-log tables of an open :class:`Database`."""

    def __init__(self, db: Database, privacy: Privacy) -> None:
        self._db = db
        self._privacy = privacy

    # -- per user and per reply --------------------------------------------------------------------

    async def set_user_language(self, user_id: int | str, lang: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO user_prefs (user_id, lang, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, updated = excluded.updated",
                (self._privacy.user_key(user_id), lang, time.time()),
            )

    async def get_user_language(self, user_id: int | str) -> str | None:
        async with self._db.reading() as conn:
            value = await scalar(
                conn, "SELECT lang FROM user_prefs WHERE user_id = ?", (self._privacy.user_key(user_id),)
            )
        return None if value is None else str(value)

    async def user_languages(self) -> dict[str, str]:
        """Every fixed /lang choice ("en"/"ru"), by the user id as stored (pseudonymized when configured)."""
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT user_id, lang FROM user_prefs WHERE lang IN ('en', 'ru')")
        return {str(user): str(lang) for user, lang in rows}

    async def exchange_for_reply(self, chat_id: int, reply_message_id: int) -> int | None:
        """The id of the exchange whose answer is message ``reply_message_id`` in ``chat_id``."""
        async with self._db.reading() as conn:
            value = await scalar(
                conn,
                "SELECT id FROM exchanges WHERE chat_id = ? AND reply_message_id = ? ORDER BY id DESC LIMIT 1",
                (self._privacy.chat_key(chat_id), reply_message_id),
            )
        return None if value is None else int(value)

    async def asker_of_reply(self, chat_id: int, reply_message_id: int) -> str | None:
        """Who asked the question whose answer is message ``reply_message_id`` in ``chat_id``: the user id
        as stored (``Privacy.user_key``), or None when the chat log does not know."""
        async with self._db.reading() as conn:
            value = await scalar(
                conn,
                "SELECT user_id FROM exchanges WHERE chat_id = ? AND reply_message_id = ? ORDER BY id DESC LIMIT 1",
                (self._privacy.chat_key(chat_id), reply_message_id),
            )
        return None if value is None else str(value)

    async def group_settings(self) -> list[GroupSettings]:
        """Every group's stored /settings."""
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT chat_id, compact, lang, updated FROM group_settings")
        return [GroupSettings(chat_id=int(c), compact=bool(k), lang=str(lang), ts=float(ts)) for c, k, lang, ts in rows]

    async def forget_user(self, user_id: int | str) -> int:
        """Delete everything recorded about a user, votes on their exchanges too; returns rows deleted.

        The admin audit log too: the user's refused attempts and other records are deleted; the rows the
        knowledge base depends on (an admin's changes, which undo reads, and ignored questions) stay,
        without the user's id.
        """
        key = self._privacy.user_key(user_id)
        deleted = 0
        async with self._db.transaction() as conn:
            for sql in (
                "DELETE FROM feedback WHERE user_id = ?1 "
                "OR exchange_id IN (SELECT id FROM exchanges WHERE user_id = ?1)",
                "DELETE FROM clicks WHERE user_id = ?1",
                "DELETE FROM exchanges WHERE user_id = ?1",
                "DELETE FROM user_prefs WHERE user_id = ?1",
            ):
                async with conn.execute(sql, (key,)) as cur:
                    deleted += max(cur.rowcount, 0)
            deleted += await _forget_in_audit(conn, key, user_id)
        log.info("storage: forgot a user: %d rows deleted", deleted)
        return deleted

    async def purge_older_than(self, days: float) -> int:
        """Delete exchanges, feedback and clicks older than ``days`` days; returns rows deleted."""
        if days <= 0:
            raise ValueError("purge_older_than: days must be positive")
        cutoff = time.time() - days * _DAY
        deleted = 0
        async with self._db.transaction() as conn:
            for sql in (
                "DELETE FROM feedback WHERE ts < ?",
                "DELETE FROM clicks WHERE ts < ?",
                "DELETE FROM exchanges WHERE ts < ?",
            ):
                async with conn.execute(sql, (cutoff,)) as cur:
                    deleted += max(cur.rowcount, 0)
        return deleted

    # -- summaries ---------------------------------------------------------------------------------

    async def stats(self, days: int | None = None, top: int = 10) -> dict[str, Any]:
        """Usage summary, over the last ``days`` days or everything (see ``Storage.stats``)."""
        since = -math.inf if days is None else time.time() - days * _DAY
        async with self._db.reading() as conn:
            by_status, up, down = await _stats_counts(conn, since)
            lists = await _stats_lists(conn, since, top)
        answered = by_status.get("answered", 0)
        clarify = by_status.get("clarify", 0)
        unknown = by_status.get("unknown", 0)
        total = answered + clarify + unknown

        def rate(n: int) -> float:
            return round(n / total, 4) if total else 0.0

        return {
            "exchanges": total,
            "answered": answered,
            "clarify": clarify,
            "unknown": unknown,
            "answered_rate": rate(answered),
            "clarify_rate": rate(clarify),
            "unknown_rate": rate(unknown),
            "feedback_up": up,
            "feedback_down": down,
            **lists,
        }

    async def recent_unanswered(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest unknown and clarify exchanges (all columns), newest first."""
        return await self._db.dicts(
            "SELECT * FROM exchanges WHERE status IN ('unknown', 'clarify') ORDER BY ts DESC, id DESC LIMIT ?",
            (limit,),
        )

    async def recent_questions(self, limit: int = 500) -> list[tuple[str, str | None]]:
        """The latest questions (answered, clarify or unknown) as (question, lang), newest first."""
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall(
                "SELECT question, lang FROM exchanges "
                "WHERE question IS NOT NULL AND status IN ('answered', 'clarify', 'unknown') "
                "ORDER BY ts DESC, id DESC LIMIT ?",
                (limit,),
            )
        return [(str(q), None if lang is None else str(lang)) for q, lang in rows]

    async def recent_update_ids(self, limit: int = 1000) -> list[int]:
        """The Telegram update ids of the latest ``limit`` exchanges, votes and clicks each: the updates
        the bot handled last (it skips one of them delivered again after a crash)."""
        async with self._db.reading() as conn:
            rows = await conn.execute_fetchall(
                "SELECT update_id FROM (SELECT update_id FROM exchanges WHERE update_id IS NOT NULL "
                "ORDER BY id DESC LIMIT ?1) "
                "UNION ALL SELECT update_id FROM (SELECT update_id FROM feedback WHERE update_id IS NOT NULL "
                "ORDER BY id DESC LIMIT ?1) "
                "UNION ALL SELECT update_id FROM (SELECT update_id FROM clicks WHERE update_id IS NOT NULL "
                "ORDER BY id DESC LIMIT ?1)",
                (limit,),
            )
        return [int(update_id) for (update_id,) in rows]

    # -- whole tables ------------------------------------------------------------------------------

    async def count(self, table: str = "exchanges") -> int:
        """Rows in one of ``EXPORT_TABLES``."""
        _check_table(table)
        async with self._db.reading() as conn:
            return int(await scalar(conn, f"SELECT COUNT(*) FROM {table}"))

    async def export(self, fmt: Literal["csv", "jsonl"], out: TextIO, table: str = "exchanges") -> int:
        """Write a table to ``out`` as CSV (with a header) or JSON lines; returns the number of rows."""
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"unknown export format {fmt!r}; csv or jsonl")
        _check_table(table)
        rows_written = 0
        async with self._db.reading() as conn, conn.execute(f"SELECT * FROM {table} ORDER BY 1") as cur:
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


async def _forget_in_audit(conn: aiosqlite.Connection, key: str | None, user_id: int | str) -> int:
    """The user's rows of the admin tables: records deleted, the knowledge base's history anonymised."""
    raw = user_id if isinstance(user_id, int) else None  # admin ids are stored as Telegram gives them
    async with conn.execute(
        "DELETE FROM admin_audit WHERE (user_key = ?1 OR admin_id = ?2) AND before IS NULL AND action != 'ignore'",
        (key, raw),
    ) as cur:
        deleted = max(cur.rowcount, 0)
    await conn.execute(
        "UPDATE admin_audit SET admin_id = NULL, user_key = NULL WHERE user_key = ?1 OR admin_id = ?2", (key, raw)
    )
    await conn.execute("UPDATE kb_edits SET admin_id = NULL WHERE admin_id = ?", (raw,))
    return deleted


def _check_table(table: str) -> None:
    """Table names cannot be SQL parameters: only the known ones are ever put into SQL text."""
    if table not in EXPORT_TABLES:
        raise ValueError(f"unknown table {table!r}; one of {', '.join(EXPORT_TABLES)}")


async def _stats_counts(conn: aiosqlite.Connection, since: float) -> tuple[dict[str, int], int, int]:
    """Exchanges by status, and the 👍 and 👎 votes, since ``since``."""
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
    up, down = up_down[0] if up_down else (0, 0)
    return by_status, int(up), int(down)


async def _stats_lists(conn: aiosqlite.Connection, since: float, top: int) -> dict[str, list[dict[str, Any]]]:
    """The ``top`` questions, entries, unanswered questions and entries rated 👎, and the outcomes per
    day, since ``since``.

    Only the questions the bot considered count (ignored messages and flood notices are left out);
    questions are grouped by ``treaty_norm`` (case-folded, whitespace collapsed) and shown in that form.
    """
    counted = "status IN ('answered', 'clarify', 'unknown')"
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
    disliked = await conn.execute_fetchall(
        "SELECT entry_id, COUNT(*) AS n FROM feedback WHERE ts >= ? AND value = -1 AND entry_id IS NOT NULL "
        "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
        (since, top),
    )
    per_day = await conn.execute_fetchall(
        "SELECT date(ts, 'unixepoch') AS day, SUM(status = 'answered'), SUM(status = 'clarify'), "
        f"SUM(status = 'unknown') FROM exchanges WHERE ts >= ? AND {counted} "
        "GROUP BY day ORDER BY day",
        (since,),
    )
    return {
        "top_questions": _counted("question", top_questions),
        "top_entries": _counted("entry_id", top_entries),
        "unanswered": _counted("question", unanswered),
        "disliked_entries": _counted("entry_id", disliked),
        "per_day": [
            {"day": d, "answered": int(a), "clarify": int(c), "unknown": int(u)} for d, a, c, u in per_day
        ],
    }


def _counted(key: str, rows: Iterable[Any]) -> list[dict[str, Any]]:
    return [{key: value, "count": n} for value, n in rows]
