"""What changed: entry ids added, changed and removed between two knowledge bases, and which fields.

Pure. ``diff_knowledge`` feeds the import preview and ``field_changes`` says, field by field, what an entry's
text was and becomes (old → new; for a list, the items that go and come); ``changed_fields`` names the
fields an audited change touched (``en.answer``, ``ru.questions``, ...) for the history.
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


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry, before and after: a text's old and new value, or a list's items gone and new."""

    field: str  # "en.answer", "ru.questions", "source", "topic", ...
    old: tuple[str, ...]  # the old text (one item), or the list items that go
    new: tuple[str, ...]  # the new text (one item), or the list items that come
    is_list: bool = False


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value).lower() if isinstance(value, bool) else str(value),)


def _field_change(name: str, b: Any, a: Any) -> FieldChange:
    if isinstance(b, list | tuple) or isinstance(a, list | tuple):
        old, new = _texts(b), _texts(a)
        return FieldChange(name, tuple(x for x in old if x not in new), tuple(x for x in new if x not in old), True)
    return FieldChange(name, _texts(b), _texts(a))


def field_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldChange]:
    """Field by field, how an entry (``Entry.to_dict`` shape) changes; every field of a new entry is new."""
    before, after = before or {}, after or {}
    found: list[FieldChange] = []
    for key in dict.fromkeys([*before, *after]):
        b, a = before.get(key), after.get(key)
        if isinstance(b, Mapping) or isinstance(a, Mapping):
            b, a = b if isinstance(b, Mapping) else {}, a if isinstance(a, Mapping) else {}
            found += [_field_change(f"{key}.{k}", b.get(k), a.get(k)) for k in dict.fromkeys([*b, *a])
                      if b.get(k) != a.get(k)]
        elif b != a:
            found.append(_field_change(key, b, a))
    return found


def entry_diffs(old: KnowledgeBase, new: KnowledgeBase) -> list[tuple[str, str, list[FieldChange]]]:
    """Per entry added ("+"), changed ("~") or removed ("-"): its id and, field by field, what changes."""
    d = diff_knowledge(old, new)
    return [
        *((i, "+", field_changes(None, new.by_id[i].to_dict())) for i in d.added),
        *((i, "~", field_changes(old.by_id[i].to_dict(), new.by_id[i].to_dict())) for i in d.changed),
        *((i, "-", []) for i in d.removed),
    ]


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
