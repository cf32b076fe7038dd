"""What a conversation remembers (pure): its last answer, and those of many conversations at once.

``Context`` is the last question answered in a conversation; ``Contexts`` the bounded, expiring
in-memory map from a conversation key (a private chat, or a user within a group) to it.
``bot.conversation`` reads a follow-up with it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from bot.analysis import Analysis

CONTEXT_SECONDS = 600.0  # a follow-up refers to an answer at most this old
MAX_CONTEXTS = 10_000  # conversations remembered at once (the oldest are forgotten first)


@dataclass(frozen=True)
class Context:
    """The last question answered in a conversation."""

    entry_id: str
    analysis: Analysis
    lang: str
    at: float  # time.monotonic() of the answer
    # People named before whom this answer is not about ("what did Tibilov say?", then the term): "he" may
    # still mean them ("how old is he?").
    people: tuple[str, ...] = ()


class Contexts:
    """The last answer per conversation: bounded (least recently used out) and expiring."""

    def __init__(self, limit: int = MAX_CONTEXTS, seconds: float = CONTEXT_SECONDS) -> None:
        self._items: OrderedDict[tuple[int, int], Context] = OrderedDict()
        self.limit = limit
        self.seconds = seconds

    def get(self, key: tuple[int, int], now: float | None = None) -> Context | None:
        item = self._items.get(key)
        if item is None:
            return None
        if (time.monotonic() if now is None else now) - item.at > self.seconds:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item

    def put(self, key: tuple[int, int], context: Context) -> None:
        self._items[key] = context
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def forget_user(self, user_id: int) -> None:
        """Drop every context of a user (``/forgetme``): their private chat and their group threads."""
        for key in [k for k in self._items if user_id in k]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)
