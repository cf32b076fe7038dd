"""Group flood control: repeated questions and over-eager users (pure: no Telegram, injectable clock).

Two rules, both per group chat (``FloodConfig``):

* the same normalised question asked again within ``repeat_window_seconds`` is not answered again;
  the caller links to (or replies to) the earlier answer instead;
* a user asking more than ``user_max_questions`` within ``user_window_seconds`` gets one polite
  notice, then silence until their oldest question in the window has aged out.

Memory is bounded: old entries are pruned as they expire and the least recently used chats/users are
dropped beyond ``max_keys``.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from bot.config import FloodConfig


class Verdict(Enum):
    """What to do with a user's question in a group."""

    ANSWER = "answer"
    NOTICE = "notice"  # over the limit for the first time in this window: say so once
    SILENT = "silent"  # over the limit and already told


@dataclass
class _UserWindow:
    times: deque[float] = field(default_factory=deque)
    noticed: bool = False


@dataclass(frozen=True)
class EarlierAnswer:
    """The bot's earlier answer to the same question in the same chat (message id 0: still being sent)."""

    message_id: int
    at: float


class FloodControl:
    """Per-chat repeat detection and per-user rate limiting for groups."""

    def __init__(
        self, config: FloodConfig, clock: Callable[[], float] = time.monotonic, max_keys: int = 50_000
    ) -> None:
        self.config = config
        self.clock = clock
        self.max_keys = max_keys
        self._users: OrderedDict[tuple[int, int], _UserWindow] = OrderedDict()
        self._answers: OrderedDict[tuple[int, str], EarlierAnswer] = OrderedDict()

    def admit(self, chat_id: int, user_id: int) -> Verdict:
        """Count one question from ``user_id`` in ``chat_id`` and say whether to answer it."""
        now = self.clock()
        key = (chat_id, user_id)
        window = self._users.get(key)
        if window is None:
            window = self._users[key] = _UserWindow()
            self._trim(self._users)
        else:
            self._users.move_to_end(key)
        horizon = now - self.config.user_window_seconds
        while window.times and window.times[0] <= horizon:
            window.times.popleft()
        if len(window.times) >= self.config.user_max_questions:
            if window.noticed:
                return Verdict.SILENT
            window.noticed = True
            return Verdict.NOTICE
        window.noticed = False
        window.times.append(now)
        return Verdict.ANSWER

    def earlier_answer(self, chat_id: int, question_key: str) -> EarlierAnswer | None:
        """The earlier answer to this question in this chat, when it is recent enough to point to."""
        if not question_key:
            return None
        key = (chat_id, question_key)
        found = self._answers.get(key)
        if found is None:
            return None
        if self.clock() - found.at > self.config.repeat_window_seconds:
            del self._answers[key]
            return None
        return found

    def remember_answer(self, chat_id: int, question_key: str, message_id: int) -> None:
        """Record the bot's answer (``message_id`` 0 while it is being sent) to this question."""
        if not question_key:
            return
        key = (chat_id, question_key)
        self._answers[key] = EarlierAnswer(message_id, self.clock())
        self._answers.move_to_end(key)
        self._trim(self._answers)

    def _trim(
        self, table: OrderedDict[tuple[int, int], _UserWindow] | OrderedDict[tuple[int, str], EarlierAnswer]
    ) -> None:
        while len(table) > self.max_keys:
            table.popitem(last=False)

    def __len__(self) -> int:
        return len(self._users) + len(self._answers)
