"""What changed: entry ids added, changed and removed between two knowledge bases, and which fields.

Pure. ``diff_knowledge`` feeds the import preview; ``changed_fields`` names the fields an audited change touched
(``en.answer``, ``ru.questions``, ...) for the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.knowledge import KnowledgeBase


@dataclass(frozen=True)
class KbDiff:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def diff_knowledge(old: KnowledgeBase, new: KnowledgeBase) -> KbDiff:
    """Entry ids added, changed (any field) and removed from ``old`` to ``new``."""
    before = {e.id: e.to_dict() for e in old.entries}
    after = {e.id: e.to_dict() for e in new.entries}
    return KbDiff(
        tuple(i for i in after if i not in before),
        tuple(i for i in after if i in before and before[i] != after[i]),
        tuple(i for i in before if i not in after),
    )


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Which fields of an entry differ (``en.answer``, ``ru.questions``, ...), for the history."""
    if before is None or after is None:
        return []
    names: list[str] = []
    for key in dict.fromkeys([*before, *after]):
        b, a = before.get(key), after.get(key)
        if isinstance(b, Mapping) and isinstance(a, Mapping):
            names += [f"{key}.{k}" for k in dict.fromkeys([*b, *a]) if b.get(k) != a.get(k)]
        elif b != a:
            names.append(key)
    return names
