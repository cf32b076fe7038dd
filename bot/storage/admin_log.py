"""The admins' tables: the audit log of their actions, and their stored edits of knowledge entries.

Each write is one transaction; a change of many entries (an import, an undo) is stored with its audit
row in one transaction, entirely or not at all. Rows are read as dicts by column name (``bot.curation``
and ``bot.telegram.admin`` use them that way).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any, Final

from bot.curation.history import AuditRecord
from bot.storage.connection import Database
from bot.storage.records import Privacy, StoredEdit

__all__ = ["DENIED_WINDOW", "AdminLog"]

DENIED_WINDOW: Final = 60.0  # seconds: a user's refused attempts within this share one audit row

_INSERT_AUDIT: Final = (
    "INSERT INTO admin_audit (ts, admin_id, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)"
)
_AUDIT_COLUMNS: Final = "SELECT id, ts, admin_id, action, entry_id, before, after, count FROM admin_audit "
# ?1 entry id or NULL, ?2 limit (-1: none), ?3 a JSON array of the actions wanted (or left out).
_AUDIT_OF: Final = (
    _AUDIT_COLUMNS + "WHERE action IN (SELECT value FROM json_each(?3)) AND (?1 IS NULL OR entry_id = ?1) "
    "ORDER BY ts DESC, id DESC LIMIT ?2"
)
_AUDIT_BUT: Final = (
    _AUDIT_COLUMNS + "WHERE action NOT IN (SELECT value FROM json_each(?3)) AND (?1 IS NULL OR entry_id = ?1) "
    "ORDER BY ts DESC, id DESC LIMIT ?2"
)
# A refused attempt: the user's row of the last minute counts it, else a new row. ?1 the user key.
_LAST_DENIED: Final = (
    "SELECT id FROM admin_audit WHERE action = 'denied' AND user_key IS ?1 AND ts >= ?2 ORDER BY id DESC LIMIT 1"
)
_INSERT_DENIED: Final = (
    "INSERT INTO admin_audit (ts, admin_id, action, user_key, after) VALUES (?, ?, 'denied', ?, ?)"
)
_INSERT_KB_EDIT: Final = "INSERT INTO kb_edits (ts, admin_id, entry_id, payload, deleted) VALUES (?, ?, ?, ?, ?)"


class AdminLog:
    """The ``admin_audit`` and ``kb_edits`` tables of an open :class:`Database`."""

    def __init__(self, db: Database, privacy: Privacy | None = None) -> None:
        self._db = db
        self._privacy = privacy or Privacy()

    async def add_audit(
        self, admin_id: int | None, action: str, entry_id: str | None, before: str | None, after: str | None
    ) -> int:
        """Record an admin action; returns its id."""
        async with (
            self._db.transaction() as conn,
            conn.execute(_INSERT_AUDIT, (time.time(), admin_id, action, entry_id, before, after)) as cur,
        ):
            return int(cur.lastrowid or 0)

    async def add_denied(self, user_id: int | None, detail: str | None, window: float = DENIED_WINDOW) -> int:
        """Record a refused admin attempt; returns the id of the row that counts it.

        One row per user per ``window`` seconds (its ``count`` says how many attempts), so that forged
        presses cost a counter, not a row each. The user is stored as the chat log stores people
        (``user_key``; with pseudonymization ``admin_id`` stays empty), and ``detail`` (what was typed or
        pressed) only when question text is kept.
        """
        privacy = self._privacy
        key = privacy.user_key(user_id)
        now = time.time()
        async with self._db.transaction() as conn:
            async with conn.execute(_LAST_DENIED, (key, now - window)) as cur:
                row = await cur.fetchone()
            if row is not None:
                await conn.execute("UPDATE admin_audit SET count = count + 1 WHERE id = ?", (row[0],))
                return int(row[0])
            admin_id = None if privacy.pseudonymize else user_id
            params = (now, admin_id, key, detail if privacy.store_text else None)
            async with conn.execute(_INSERT_DENIED, params) as cur:
                return int(cur.lastrowid or 0)

    async def audit_log(
        self,
        entry_id: str | None = None,
        limit: int | None = 20,
        *,
        actions: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
    ) -> list[AuditRecord]:
        """Admin actions, newest first (``limit`` None: all); only those on ``entry_id`` when given, only
        the ``actions`` given (read through the index by action), none of those in ``exclude``."""
        if actions is not None:
            sql, chosen = _AUDIT_OF, json.dumps(sorted(set(actions) - set(exclude)))
        else:
            sql, chosen = _AUDIT_BUT, json.dumps(sorted(set(exclude)))
        rows = await self._db.dicts(sql, (entry_id, -1 if limit is None else limit, chosen))
        return [AuditRecord(**{**row, "count": row.get("count") or 1}) for row in rows]

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

    async def kb_edits(self, entry_id: str | None = None) -> list[StoredEdit]:
        """Knowledge edits in the order they were made (``payload`` decoded), for one entry or all."""
        rows = await self._db.dicts(
            "SELECT id, ts, admin_id, entry_id, payload, deleted FROM kb_edits "
            "WHERE ?1 IS NULL OR entry_id = ?1 ORDER BY ts, id",
            (entry_id,),
        )
        return [StoredEdit(**{**row, "payload": json.loads(row["payload"]), "deleted": bool(row["deleted"])})
                for row in rows]
