"""The admin tools' state in ``bot_data`` and the context every admin handler starts from.

``AdminState`` keeps what lives between two updates: previewed changes waiting for Apply, the
/unanswered listings the buttons refer to, the cached administrators of the admin chat, the SIGHUP
handler. The knowledge base itself is not here: it is owned by ``Services.curation`` (the curation store).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.curation.overlay import Edit, EditedKnowledge
from bot.curation.store import CurationStore
from bot.curation.unanswered import Unanswered
from bot.telegram.context import BotContext, Lru, Services

ADMIN_KEY = "admin"


@dataclass
class Pending:
    """A previewed change waiting for Apply: rebuilt on the state current when it is applied."""

    action: str
    build: Callable[[EditedKnowledge], Sequence[Edit]]
    what: str


@dataclass
class AdminState:
    pending: Lru[str, Pending] = field(default_factory=lambda: Lru(200))
    listings: Lru[str, Unanswered] = field(default_factory=lambda: Lru(50))  # /unanswered, by token
    chat_admins: tuple[float, frozenset[int]] = (0.0, frozenset())
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    sighup: bool = False


def state_of(bot_data: dict[Any, Any]) -> AdminState:
    found = bot_data.get(ADMIN_KEY)
    if not isinstance(found, AdminState):
        raise RuntimeError("bot_data has no AdminState: call register_admin_handlers(app)")
    return found


def new_token() -> str:
    """A short random key for a preview or a listing that buttons refer to."""
    return secrets.token_urlsafe(6)


@dataclass
class AdminCall:
    """What every admin handler needs: the services, the admin state, the chat, the admin and language."""

    services: Services
    state: AdminState
    chat_id: int
    user_id: int
    lang: str
    name: str | None = None  # how Telegram names the admin (for the history); None when pseudonymizing

    @property
    def store(self) -> CurationStore:
        return self.services.curation

    @property
    def edited(self) -> EditedKnowledge:
        return self.services.curation.edited


async def admin_call(update: Update, context: BotContext) -> AdminCall:
    """The admin call of an update that ``admin_only`` let through (a private chat with an admin)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # admin_only checked both
    lang = await context.services.fallback_language(user)
    name = None if context.services.config.storage.pseudonymize else display_name(user.first_name, user.username)
    return AdminCall(context.services, state_of(context.bot_data), chat.id, user.id, lang, name)


def display_name(first_name: str | None, username: str | None) -> str | None:
    """An admin as the history names them: "Anna (@anna)", "Anna", "@anna"; None without either."""
    parts = [p for p in (" ".join((first_name or "").split())[:64], f"@{username}" if username else "") if p]
    if len(parts) == 2:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else None
