"""The admins' tables: the audit log of their actions, and their stored edits of knowledge entries.

Each write is one transaction; a change of many entries (an import, an undo) is stored with its audit
row in one transaction, entirely or not at all. Rows are read as dicts by column name (``bot.curation``
and ``bot.telegram.admin`` use them that way).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, Final

from bot.storage.connection import Database

__all__ = ["AdminLog"]

_INSERT_AUDIT: Final = (
    "INSERT INTO admin_audit (ts, admin_id, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_KB_EDIT: Final = "INSERT INTO kb_edits (ts, admin_id, entry_id, payload, deleted) VALUES (?, ?, ?, ?, ?)"


class AdminLog:
    """The ``admin_audit`` and ``kb_edits`` tables of an open :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_audit(
        self, admin_id: int | None, action: str, entry_id: str | None, before: str | None, after: str | None
    ) -> int:
        """Record an admin action; returns its id."""
        async with (
            self._db.transaction() as conn,
            conn.execute(_INSERT_AUDIT, (time.time(), admin_id, action, entry_id, before, after)) as cur,
        ):
            return int(cur.lastrowid or 0)

    async def audit_log(self, entry_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Admin actions, newest first; only those on ``entry_id`` when given."""
        return await self._db.dicts(
            "SELECT id, ts, admin_id, action, entry_id, before, after FROM admin_audit "
            "WHERE ?1 IS NULL OR entry_id = ?1 ORDER BY ts DESC, id DESC LIMIT ?2",
            (entry_id, limit),
        )

    async def add_kb_edit(
        self, admin_id: int | None, entry_id: str, payload: dict[str, Any], deleted: bool = False
    ) -> int:
        """Store an admin's edit of a knowledge entry (``payload`` as JSON); returns its id."""
        async with (
            self._db.transaction() as conn,
            conn.execute(
                _INSERT_KB_EDIT,
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
        async with self._db.transaction() as conn:
            await conn.executemany(
                _INSERT_KB_EDIT,
                [(now, admin_id, eid, json.dumps(payload, ensure_ascii=False), int(deleted))
                 for eid, payload, deleted in edits],
            )
            async with conn.execute(_INSERT_AUDIT, (now, admin_id, action, entry_id, before, after)) as cur:
                return int(cur.lastrowid or 0)

    async def kb_edits(self, entry_id: str | None = None) -> list[dict[str, Any]]:
        """Knowledge edits in the order they were made (``payload`` decoded), for one entry or all."""
        rows = await self._db.dicts(
            "SELECT id, ts, admin_id, entry_id, payload, deleted FROM kb_edits "
            "WHERE ?1 IS NULL OR entry_id = ?1 ORDER BY ts, id",
            (entry_id,),
        )
        for row in rows:
            row["payload"] = json.loads(row["payload"])
            row["deleted"] = bool(row["deleted"])
        return rows
