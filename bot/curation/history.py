"""The admin history: audit-log rows turned into items saying when, who, what, which entry, which fields.

An audited change stores each entry's state before and after as JSON (see ``store.py``); here that JSON
is read back and the two states compared field by field. Pure: ``bot.admin_texts.history_text`` only
formats the items.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.curation.diff import changed_fields

CLI_ADMIN_ID = 0  # the admin id recorded for changes made with the command line


@dataclass(frozen=True)
class AuditRecord:
    """One row of the admin audit log, as ``Storage.audit_log`` returns it."""

    id: int
    ts: float  # Unix time
    admin_id: int | None  # None once the admin was forgotten
    action: str
    entry_id: str | None
    before: str | None  # JSON of the touched entries' states (a change), or a detail
    after: str | None
    count: int = 1  # refused attempts counted on one row


@dataclass(frozen=True)
class HistoryItem:
    ts: float  # when (Unix time)
    admin_id: int | None
    action: str
    entry_id: str | None
    fields: tuple[str, ...]  # the fields changed ("en.answer"), "deleted"/"restored", "+<id>" for a new entry

    @property
    def who(self) -> str:
        """The admin's id, "cli" for a change made with the command line, "—" once the admin was forgotten."""
        if self.admin_id is None:
            return "—"
        return "cli" if self.admin_id == CLI_ADMIN_ID else str(self.admin_id)


def _states(raw: str | None) -> Any:
    return json.loads(raw) if raw else {}


def _fields(before: Any, after: Any) -> list[str]:
    """What changed between the audited states of the entries a change touched."""
    fields: list[str] = []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return fields
    for eid in after:
        b, a = before.get(eid), after.get(eid)
        if isinstance(b, dict) and isinstance(a, dict):
            fields += changed_fields(b.get("entry"), a.get("entry"))
            if b.get("deleted") != a.get("deleted"):
                fields.append("deleted" if a.get("deleted") else "restored")
        elif b is None and a is not None:
            fields.append(f"+{eid}")
    return fields


def history_item(row: AuditRecord) -> HistoryItem:
    """One audit row (``Storage.audit_log``) as a history item."""
    try:
        before, after = _states(row.before), _states(row.after)
    except ValueError:
        before, after = {}, {}
    fields = tuple(dict.fromkeys(_fields(before, after)))
    return HistoryItem(row.ts, row.admin_id, row.action, row.entry_id or None, fields)


def history_items(rows: Iterable[AuditRecord]) -> list[HistoryItem]:
    """Audit rows (newest first) as history items, in the same order."""
    return [history_item(row) for row in rows]
