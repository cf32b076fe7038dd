"""What the chat log records (exchanges, votes, button clicks) and how people appear in it.

The record dataclasses are what the bot hands to ``Storage.record_*`` (a /lang choice and a group's
/settings too: they go through the same queue, so choosing never waits on the database). :class:`Privacy`
says how they are stored: question text kept or not, and, when pseudonymizing, user ids as a salted HMAC
(:func:`pseudonym`), usernames left out, and positive chat ids (private chats, whose id is the user's id)
replaced by a salted 56-bit number. Every look-up by user or chat applies the same functions, so they keep working.

Pure: no database here.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any, Final

from bot.folding import fold

__all__ = [
    "CHANNELS",
    "SEND_STATUSES",
    "STATUSES",
    "Click",
    "Exchange",
    "Feedback",
    "GroupSettings",
    "LanguageChoice",
    "Privacy",
    "Record",
    "normalise_question",
    "pseudonym",
]

STATUSES: Final = ("answered", "clarify", "unknown", "ignored", "flood")
# What became of the reply: Telegram confirmed it; refused or unreachable on every attempt (not delivered);
# the last attempt timed out (Telegram may have delivered it).
SEND_STATUSES: Final = ("sent", "failed", "unknown")
CHANNELS: Final = ("private", "group", "supergroup", "channel", "inline", "button", "cli")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One incoming question (or message) and what the bot did with it."""

    channel: str  # private | group | supergroup | channel | inline | button | cli
    status: str  # answered | clarify | unknown | ignored | flood
    question: str | None = None
    update_id: int | None = None  # None for non-Telegram sources (the CLI)
    chat_id: int | None = None
    chat_type: str | None = None
    chat_title: str | None = None
    user_id: int | str | None = None
    username: str | None = None
    user_lang: str | None = None  # the user's Telegram language_code
    lang: str | None = None  # the language the bot answered in
    entry_id: str | None = None
    score: float | None = None
    latency_ms: float | None = None
    reply_message_id: int | None = None
    resolved: str | None = None  # a follow-up: the question it was understood as (an entry's title)
    send_status: str | None = None  # one of SEND_STATUSES; None when no reply was sent
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Exchange.status: {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.send_status is not None and self.send_status not in SEND_STATUSES:
            raise ValueError(f"Exchange.send_status: {self.send_status!r} is not one of {', '.join(SEND_STATUSES)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Feedback:
    """A 👍 (+1) or 👎 (-1) on an answer.

    ``exchange_id`` may be left None: the writer links the vote to the exchange whose reply it is
    (by ``chat_id`` and ``reply_message_id``) when that exchange is in the database.
    """

    value: int  # -1 or 1
    update_id: int | None = None
    user_id: int | str | None = None
    chat_id: int | None = None
    reply_message_id: int | None = None
    entry_id: str | None = None
    exchange_id: int | None = None
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.value not in (-1, 1) or isinstance(self.value, bool):
            raise ValueError(f"Feedback.value: {self.value!r} is not -1 or 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class Click:
    """A press on an inline button (callback query)."""

    data: str
    update_id: int | None = None
    user_id: int | str | None = None
    chat_id: int | None = None
    entry_id: str | None = None
    ts: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageChoice:
    """A user's /lang choice: "en", "ru" or "auto" (stored in ``user_prefs``, replacing the earlier one)."""

    user_id: int | str
    lang: str
    ts: float = field(default_factory=time.time)


GROUP_LANGS: Final = ("auto", "en", "ru")  # a group's language: each message in its own, or one for all


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSettings:
    """A group's /settings (stored in ``group_settings``, one row per chat, replacing the earlier one):
    ``compact`` answers (no source quote, no buttons) and the group's language ("auto", "en" or "ru")."""

    chat_id: int
    compact: bool = False
    lang: str = "auto"
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.lang not in GROUP_LANGS:
            raise ValueError(f"GroupSettings.lang: {self.lang!r} is not one of {', '.join(GROUP_LANGS)}")

    @property
    def fixed_lang(self) -> str | None:
        """The group's language when one is chosen ("en"/"ru"); None for auto."""
        return None if self.lang == "auto" else self.lang


Record = Exchange | Feedback | Click | LanguageChoice | GroupSettings


def pseudonym(salt: str, user_id: int | str) -> str:
    """The stored form of a user id when pseudonymizing: a salted HMAC-SHA256, 32 hex digits."""
    return hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def chat_pseudonym(salt: str, chat_id: int) -> int:
    """The stored form of a private chat's id when pseudonymizing: a salted HMAC-SHA256, 56 bits."""
    digest = hmac.new(salt.encode(), f"chat:{chat_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:7], "big")


def normalise_question(text: str | None) -> str | None:
    """How questions are grouped in statistics: case-folded, whitespace collapsed."""
    if text is None:
        return None
    return fold(text)


@dataclass(frozen=True, slots=True)
class Privacy:
    """What is stored about people: question text or not, ids as given or pseudonymized."""

    store_text: bool = True
    pseudonymize: bool = False
    salt: str = field(default="", repr=False)  # a secret: kept out of repr() and the logs

    def user_key(self, user_id: int | str | None) -> str | None:
        """A user id as stored: the id as text, or its salted hash when pseudonymizing."""
        if user_id is None:
            return None
        return pseudonym(self.salt, user_id) if self.pseudonymize else str(user_id)

    def chat_key(self, chat_id: int | None) -> int | None:
        """A chat id as stored: private chats (positive ids, the user's id) are hashed when pseudonymizing."""
        if chat_id is None or not self.pseudonymize or chat_id <= 0:
            return chat_id
        return chat_pseudonym(self.salt, chat_id)


@dataclass(frozen=True, slots=True)
class StoredEdit:
    """An admin's edit of one knowledge entry as stored (``payload`` decoded from JSON)."""

    id: int
    ts: float
    admin_id: int | None
    entry_id: str
    payload: dict[str, Any]
    deleted: bool
