"""The admin history: audit-log rows turned into items saying when, who, what, which entries, which fields.

An audited change stores each entry's state before and after as JSON (see ``store.py``); here that JSON
is read back and the two states compared field by field, entry by entry (an import names every entry it
touched). Who: the admin's name as last recorded (an ``admin_name`` row: Telegram's first name and
@username, kept apart from the changes so that /forgetme deletes it), else the id. Pure:
``bot.admin_texts.history_text`` only formats the items.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.curation.diff import changed_fields

CLI_ADMIN_ID = 0  # the admin id recorded for changes made with the command line
NAME_ACTION = "admin_name"  # an audit row recording how Telegram names an admin (``after``: the name)


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
    admin_name: str | None = None
    changes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # per entry touched: (entry id, its fields)

    @property
    def who(self) -> str:
        """The admin's name (with the id), else the id; "cli" for the command line, "—" once forgotten."""
        if self.admin_id is None:
            return "—"
        if self.admin_id == CLI_ADMIN_ID:
            return "cli"
        return f"{self.admin_name} ({self.admin_id})" if self.admin_name else str(self.admin_id)

    @property
    def entry_ids(self) -> tuple[str, ...]:
        """The entries the action touched (the audited ones, else the row's entry id)."""
        return tuple(eid for eid, _f in self.changes) or ((self.entry_id,) if self.entry_id else ())


def _states(raw: str | None) -> Any:
    return json.loads(raw) if raw else {}


def _changes(before: Any, after: Any) -> list[tuple[str, list[str]]]:
    """What changed between the audited states of the entries a change touched, entry by entry."""
    changes: list[tuple[str, list[str]]] = []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return changes
    for eid in after:
        b, a = before.get(eid), after.get(eid)
        fields: list[str] = []
        if isinstance(b, dict) and isinstance(a, dict):
            fields += changed_fields(b.get("entry"), a.get("entry"))
            if b.get("deleted") != a.get("deleted"):
                fields.append("deleted" if a.get("deleted") else "restored")
        elif b is None and a is not None:
            fields.append(f"+{eid}")
        changes.append((str(eid), list(dict.fromkeys(fields))))
    return changes


def history_item(row: AuditRecord, names: Mapping[int, str] | None = None) -> HistoryItem:
    """One audit row (``Storage.audit_log``) as a history item; ``names``: admin names by id."""
    try:
        before, after = _states(row.before), _states(row.after)
    except ValueError:
        before, after = {}, {}
    changes = _changes(before, after)
    fields = tuple(dict.fromkeys(f for _eid, fs in changes for f in fs))
    name = (names or {}).get(row.admin_id) if row.admin_id is not None else None
    return HistoryItem(row.ts, row.admin_id, row.action, row.entry_id or None, fields, name,
                       tuple((eid, tuple(fs)) for eid, fs in changes))


def admin_names(rows: Iterable[AuditRecord]) -> dict[int, str]:
    """Each admin's latest recorded name, from the ``admin_name`` rows (newest first, as the log reads)."""
    names: dict[int, str] = {}
    for row in rows:
        if row.action == NAME_ACTION and row.admin_id is not None and row.after:
            names.setdefault(row.admin_id, row.after)
    return names


def history_items(rows: Iterable[AuditRecord], names: Mapping[int, str] | None = None) -> list[HistoryItem]:
    """Audit rows (newest first) as history items, in the same order (``admin_name`` rows left out)."""
    return [history_item(row, names) for row in rows if row.action != NAME_ACTION]
