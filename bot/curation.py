"""Admin edits made durable: the ``Curator`` keeps the curated knowledge base and its database records.

Every change is applied in memory first (validated by ``bot.admin``), then stored: one ``kb_edits`` row
per entry (its full new content, or a deletion marker) and one ``admin_audit`` row saying who did what,
with the entries' states before and after (``{entry_id: {"deleted": bool, "entry": {...}} | null}``).
At start the bot replays the stored edits over ``knowledge/``; an edit that no longer validates is
skipped with a warning. Undo is itself a change: it writes the entries' earlier states back, and the
undo stack is read from the audit log (each ``undo`` row takes the latest change not yet undone).

No Telegram imports: the command line uses this too.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.admin import Curated, Edit
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.evaluation import EvalItem

log = logging.getLogger(__name__)

# Audit actions that change the knowledge base (the undo stack); the others are records only.
CHANGE_ACTIONS = frozenset(
    {"add_question", "remove_question", "replace_answer", "add_entry", "delete", "restore", "import", "undo"}
)
UNDOABLE = CHANGE_ACTIONS - {"undo"}
CLI_ADMIN_ID = 0  # the admin id recorded for changes made with the command line


@dataclass(frozen=True)
class Change:
    """A change that was made: the audit row's id and the entries it touched."""

    audit_id: int
    action: str
    entry_ids: tuple[str, ...]


# Each stored edit remembers which version of the entry's file it was made over, so that files stay
# the source of truth: an edit made over a version that is no longer on disk is not replayed.
FILE_VERSION_KEY = "__file_version"


def file_version(base: KnowledgeBase, entry_id: str) -> str:
    """A short fingerprint of ``entry_id`` as knowledge/ has it ("" when the files do not have it)."""
    entry = base.get(entry_id)
    if entry is None:
        return ""
    return hashlib.sha256(_dumps(entry.to_dict()).encode()).hexdigest()[:16]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Curator:
    """The curated knowledge base of one process, and the one way to change it (serialised by a lock)."""

    def __init__(self, base: KnowledgeBase, storage: Storage | None = None) -> None:
        self.storage = storage
        self.state = Curated.from_base(base)
        self.skipped: list[str] = []  # stored edits that no longer validate (at the last load)
        self.lock = asyncio.Lock()

    @property
    def kb(self) -> KnowledgeBase:
        return self.state.kb

    @property
    def persistent(self) -> bool:
        return self.storage is not None and self.storage.is_open

    # -- loading ---------------------------------------------------------------------------------

    async def load(self, base: KnowledgeBase | None = None) -> KnowledgeBase:
        """Replay the stored edits over ``base`` (default: the current base); the resulting live KB."""
        async with self.lock:
            self.state, self.skipped = await self._replayed(base or self.state.base)
        return self.kb

    async def reload(self) -> KnowledgeBase:
        """Re-read ``knowledge/`` from disk plus the stored edits; ``KnowledgeError`` keeps the old state."""
        directory = self.state.base.directory or None
        base = await asyncio.to_thread(load_knowledge, directory)
        return await self.load(base)

    async def _replayed(self, base: KnowledgeBase) -> tuple[Curated, list[str]]:
        state, skipped = Curated.from_base(base), list[str]()
        if not self.persistent:
            return state, skipped
        assert self.storage is not None
        for row in await self.storage.kb_edits():
            payload = dict(row["payload"])
            made_over = payload.pop(FILE_VERSION_KEY, None)
            entry_id = str(row["entry_id"])
            if made_over is not None and made_over != file_version(base, entry_id):
                # knowledge/ changed this entry since the edit was made (typically: the live knowledge
                # base was exported and committed, or someone edited the file): the files win.
                note = f"stored edit #{row['id']} of {entry_id!r} superseded by knowledge/ (the file changed since)"
                log.info("knowledge: %s", note)
                skipped.append(note)
                continue
            edit = Edit(entry_id, payload, bool(row["deleted"]))
            try:
                state = state.apply(edit)
            except KnowledgeError as exc:
                note = f"stored edit #{row['id']} of {edit.entry_id!r} skipped: {exc}"
                log.warning("knowledge: %s", note)
                skipped.append(note)
        return state, skipped

    # -- changing --------------------------------------------------------------------------------

    async def change(
        self, build: Callable[[Curated], Sequence[Edit]], admin_id: int, action: str
    ) -> Change:
        """Build edits from the current state (under the lock), apply, store, audit.

        ``build`` may raise ``KnowledgeError`` (nothing changes). Two admins changing the same entry are
        serialised: the second change is built on the first one's result, and both are audited.
        """
        async with self.lock:
            edits = list(build(self.state))
            return await self._commit(edits, admin_id, action)

    async def _commit(self, edits: Sequence[Edit], admin_id: int, action: str) -> Change:
        before = self.state
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
                _dumps({i: before.state(i) for i in ids}),
                _dumps({i: after.state(i) for i in ids}),
            )
        self.state = after
        return Change(audit_id, action, ids)

    async def undo(self, admin_id: int) -> Change | None:
        """Revert the latest change not yet undone (by anyone); None when there is nothing to undo."""
        if not self.persistent:
            return None
        assert self.storage is not None
        async with self.lock:
            target = await self._undo_target()
            if target is None:
                return None
            previous: dict[str, Any] = json.loads(target["before"] or "{}")
            edits: list[Edit] = []
            for entry_id, was in previous.items():
                now = self.state.state(entry_id)
                if now == was:
                    continue
                if was is None or was["deleted"]:
                    if now is not None and not now["deleted"]:
                        edits.append(Edit(entry_id, now["entry"], deleted=True))
                else:
                    edits.append(Edit(entry_id, was["entry"]))
            change = await self._commit(edits, admin_id, "undo")
            return Change(change.audit_id, str(target["action"]), tuple(previous))

    async def _undo_target(self) -> dict[str, Any] | None:
        assert self.storage is not None
        rows = await self.storage.audit_log(limit=100_000)
        stack: list[dict[str, Any]] = []
        for row in reversed(rows):  # oldest first
            if row["action"] == "undo":
                if stack:
                    stack.pop()
            elif row["action"] in UNDOABLE:
                stack.append(row)
        return stack[-1] if stack else None

    async def record(
        self, admin_id: int | None, action: str, entry_id: str | None = None, detail: str | None = None
    ) -> None:
        """An audit row for something that changes no entry (denied, reload, ignore, export)."""
        if not self.persistent:
            return
        assert self.storage is not None
        try:
            await self.storage.add_audit(admin_id, action, entry_id, None, detail)
        except Exception:
            log.warning("could not record an admin action in the audit log", exc_info=True)

    async def ignored_questions(self) -> set[str]:
        """Question keys an admin chose to ignore in /unanswered."""
        if not self.persistent:
            return set()
        assert self.storage is not None
        rows = await self.storage.audit_log(limit=100_000)
        return {str(r["after"]) for r in rows if r["action"] == "ignore" and r["after"]}


def load_regression_items(paths: Sequence[str], base_dir: Path | None = None) -> list[EvalItem]:
    """The questions of the configured regression sets (shared/eval JSONL); a missing file is logged."""
    from bot.evaluation import read_eval

    items: list[EvalItem] = []
    for name in paths:
        path = Path(name)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            items += read_eval(path)
        except (OSError, ValueError) as exc:
            log.warning("regression set %s cannot be read: %s", path, exc)
    return items
