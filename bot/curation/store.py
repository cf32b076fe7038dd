"""The curation store: the one owner of the live knowledge base (the files plus the admins' stored edits).

Every change is applied in memory first (validated by ``EditedKnowledge.apply``), then stored: one
``kb_edits`` row per entry (its full new content, or a deletion marker) and one ``admin_audit`` row
saying who did what, with the entries' states before and after (``{entry_id: {"deleted": bool,
"entry": {...}} | null}``). At start the stored edits are replayed over ``knowledge/``; an edit that no
longer validates is skipped with a warning. Undo is itself a change: it writes the entries' earlier
states back, and the undo stack is read from the audit log (each ``undo`` row takes the latest change
not yet undone). Changes are serialised by one lock.

Whoever answers from the knowledge base reads ``CurationStore.kb`` (the bot's ``Services.kb`` is a
property over it) and may ``subscribe`` to hear of a new one. No Telegram imports: the command line
(``bot/cli_kb.py``) uses this too, and the database is whatever ``bot.storage.Storage`` it is given.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.curation.history import CLI_ADMIN_ID as CLI_ADMIN_ID  # recorded by the command line
from bot.curation.history import NAME_ACTION, AuditRecord, admin_names
from bot.curation.overlay import Edit, EditedKnowledge
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge

if TYPE_CHECKING:
    from bot.storage import Storage

log = logging.getLogger(__name__)

# Audit actions that change the knowledge base (the undo stack); the others are records only.
CHANGE_ACTIONS = frozenset(
    {"add_question", "remove_question", "replace_answer", "replace_source", "replace_topic", "add_entry", "delete",
     "restore", "import", "undo"}
)
UNDOABLE = CHANGE_ACTIONS - {"undo"}

# Each stored edit remembers which version of the entry's file it was made over, so that files stay
# the source of truth: an edit made over a version that is no longer on disk is not replayed.
FILE_VERSION_KEY = "__file_version"


@dataclass(frozen=True)
class Change:
    """A change that was made: the audit row's id and the entries it touched."""

    audit_id: int
    action: str
    entry_ids: tuple[str, ...]


def file_version(base: KnowledgeBase, entry_id: str) -> str:
    """A short fingerprint of ``entry_id`` as knowledge/ has it ("" when the files do not have it)."""
    entry = base.get(entry_id)
    if entry is None:
        return ""
    return hashlib.sha256(_dumps(entry.to_dict()).encode()).hexdigest()[:16]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class CurationStore:
    """The live knowledge base of one process, and the one way to change it (serialised by a lock)."""

    def __init__(self, base: KnowledgeBase, storage: Storage | None = None) -> None:
        self.storage = storage
        self._edited = EditedKnowledge.from_base(base)
        self.skipped: list[str] = []  # stored edits that no longer validate (at the last load)
        self.lock = asyncio.Lock()
        self._listeners: list[Callable[[KnowledgeBase], None]] = []

    @property
    def edited(self) -> EditedKnowledge:
        """The current state: the base, the live entries as edited, the soft-deleted ones."""
        return self._edited

    @property
    def kb(self) -> KnowledgeBase:
        """The live knowledge base: what the bot answers from."""
        return self._edited.kb

    @property
    def persistent(self) -> bool:
        return self.storage is not None and self.storage.is_open

    def subscribe(self, listener: Callable[[KnowledgeBase], None]) -> None:
        """Call ``listener(kb)`` whenever the live knowledge base is replaced (a change, undo, (re)load)."""
        self._listeners.append(listener)

    def _set(self, edited: EditedKnowledge) -> None:
        self._edited = edited
        for listener in self._listeners:
            listener(edited.kb)

    def replace(self, base: KnowledgeBase) -> None:
        """Answer from ``base`` as it is from now on, no edits applied (the stored ones return on a load)."""
        self.skipped = []
        self._set(EditedKnowledge.from_base(base))

    # -- loading ---------------------------------------------------------------------------------

    async def load(self, base: KnowledgeBase | None = None) -> KnowledgeBase:
        """Replay the stored edits over ``base`` (default: the current base); the resulting live KB."""
        async with self.lock:
            edited, self.skipped = await self._replayed(base or self._edited.base)
            self._set(edited)
        return self.kb

    async def reload(self) -> KnowledgeBase:
        """Re-read ``knowledge/`` from disk plus the stored edits; ``KnowledgeError`` keeps the old state."""
        directory = self._edited.base.directory or None
        base = await asyncio.to_thread(load_knowledge, directory)
        return await self.load(base)

    async def _replayed(self, base: KnowledgeBase) -> tuple[EditedKnowledge, list[str]]:
        edited, skipped = EditedKnowledge.from_base(base), list[str]()
        if not self.persistent:
            return edited, skipped
        assert self.storage is not None
        for row in await self.storage.kb_edits():
            payload = dict(row.payload)
            made_over = payload.pop(FILE_VERSION_KEY, None)
            entry_id = row.entry_id
            if made_over is not None and made_over != file_version(base, entry_id):
                # knowledge/ changed this entry since the edit was made (typically: the live knowledge
                # base was exported and committed, or someone edited the file): the files win.
                note = f"stored edit #{row.id} of {entry_id!r} superseded by knowledge/ (the file changed since)"
                log.info("knowledge: %s", note)
                skipped.append(note)
                continue
            edit = Edit(entry_id, payload, row.deleted)
            try:
                edited = edited.apply(edit)
            except KnowledgeError as exc:
                note = f"stored edit #{row.id} of {edit.entry_id!r} skipped: {exc}"
                log.warning("knowledge: %s", note)
                skipped.append(note)
        return edited, skipped

    # -- changing --------------------------------------------------------------------------------

    async def change(
        self, build: Callable[[EditedKnowledge], Sequence[Edit]], admin_id: int, action: str,
        name: str | None = None,
    ) -> Change:
        """Build edits from the current state (under the lock), apply, store, audit.

        ``build`` may raise ``KnowledgeError`` (nothing changes). Two admins changing the same entry are
        serialised: the second change is built on the first one's result, and both are audited.
        """
        async with self.lock:
            edits = list(build(self._edited))
            change = await self._commit(edits, admin_id, action)
        await self.remember_name(admin_id, name)
        return change

    async def _commit(self, edits: Sequence[Edit], admin_id: int, action: str) -> Change:
        before = self._edited
        after = before.apply(*edits)
        ids = tuple(dict.fromkeys(e.entry_id for e in edits))
        audit_id = 0
        if self.persistent:
            assert self.storage is not None
            audit_id = await self.storage.add_kb_change(
                admin_id,
                [
                    (e.entry_id, {**e.payload, FILE_VERSION_KEY: file_version(before.base, e.entry_id)}, e.deleted)
                    for e in edits
                ],
                action,
                ids[0] if len(ids) == 1 else None,
                _dumps({i: before.entry_state(i) for i in ids}),
                _dumps({i: after.entry_state(i) for i in ids}),
            )
        self._set(after)
        return Change(audit_id, action, ids)

    async def undo(self, admin_id: int, name: str | None = None) -> Change | None:
        """Revert the latest change not yet undone (by anyone); None when there is nothing to undo."""
        if not self.persistent:
            return None
        await self.remember_name(admin_id, name)
        async with self.lock:
            target = await self._undo_target()
            if target is None:
                return None
            previous: dict[str, Any] = json.loads(target.before or "{}")
            change = await self._commit(self._reverting(previous), admin_id, "undo")
            return Change(change.audit_id, target.action, tuple(previous))

    def _reverting(self, previous: dict[str, Any]) -> list[Edit]:
        """The edits that bring each entry back to its audited earlier state."""
        edits: list[Edit] = []
        for entry_id, was in previous.items():
            now = self._edited.entry_state(entry_id)
            if now == was:
                continue
            if was is None or was["deleted"]:
                if now is not None and not now["deleted"]:
                    edits.append(Edit(entry_id, now["entry"], deleted=True))
            else:
                edits.append(Edit(entry_id, was["entry"]))
        return edits

    async def _undo_target(self) -> AuditRecord | None:
        assert self.storage is not None
        # Only the changes, however many other rows (refused attempts, records) the log holds.
        rows = await self.storage.audit_log(limit=None, actions=CHANGE_ACTIONS)
        stack: list[AuditRecord] = []
        for row in reversed(rows):  # oldest first
            if row.action == "undo":
                if stack:
                    stack.pop()
            elif row.action in UNDOABLE:
                stack.append(row)
        return stack[-1] if stack else None

    # -- records ---------------------------------------------------------------------------------

    async def record(
        self, admin_id: int | None, action: str, entry_id: str | None = None, detail: str | None = None,
        name: str | None = None,
    ) -> None:
        """An audit row for something that changes no entry (reload, ignore, export)."""
        if not self.persistent:
            return
        assert self.storage is not None
        try:
            await self.storage.add_audit(admin_id, action, entry_id, None, detail)
        except Exception:
            log.warning("could not record an admin action in the audit log", exc_info=True)
        await self.remember_name(admin_id, name)

    async def admin_names(self) -> dict[int, str]:
        """Each admin's latest recorded name (for /kb_history), by id (read each time: /forgetme deletes them)."""
        if not self.persistent:
            return {}
        assert self.storage is not None
        return admin_names(await self.storage.audit_log(limit=None, actions=(NAME_ACTION,)))

    async def remember_name(self, admin_id: int | None, name: str | None) -> None:
        """Record how Telegram names an admin, when it is new or changed (one row, deleted by /forgetme)."""
        if not name or admin_id is None or not self.persistent:
            return
        assert self.storage is not None
        try:
            if (await self.admin_names()).get(admin_id) != name[:128]:
                await self.storage.add_audit(admin_id, NAME_ACTION, None, None, name[:128])
        except Exception:
            log.warning("could not record an admin's name in the audit log", exc_info=True)

    async def record_denied(self, user_id: int | None, detail: str | None) -> None:
        """A refused admin attempt: counted on the user's audit row of the last minute (kept out of the
        history, the undo stack and the ignored questions)."""
        if not self.persistent:
            return
        assert self.storage is not None
        try:
            await self.storage.add_denied(user_id, detail)
        except Exception:
            log.warning("could not record a refused admin attempt in the audit log", exc_info=True)

    async def ignored_questions(self) -> set[str]:
        """Question keys an admin chose to ignore in /unanswered."""
        if not self.persistent:
            return set()
        assert self.storage is not None
        rows = await self.storage.audit_log(limit=None, actions=("ignore",))
        return {r.after for r in rows if r.after}
