"""Who is an admin, and the polite refusal (recorded in the audit log) for everyone else.

An admin is a user id in ``bot.admins``, or (when ``bot.admin_chat_id`` is set) an administrator of that
chat, looked up with getChatAdministrators and cached for five minutes. Admin commands and buttons work
in private chats only; anyone else gets a refusal, nothing changes, and the attempt is audited ("denied":
one row per user per minute with a count, so forged presses cost a counter, not a row each).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.admin_texts import ht, t
from bot.telegram.admin.replies import send
from bot.telegram.admin.state import state_of
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

CHAT_ADMINS_TTL = 300.0

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


async def is_admin(context: BotContext, user_id: int) -> bool:
    """A configured admin, or an administrator of ``bot.admin_chat_id`` (looked up, cached)."""
    cfg = context.services.config.bot
    if user_id in cfg.admins:
        return True
    if not cfg.admin_chat_id:
        return False
    state = state_of(context.bot_data)
    fetched, ids = state.chat_admins
    if time.monotonic() - fetched > CHAT_ADMINS_TTL:
        try:
            members = await context.bot.get_chat_administrators(cfg.admin_chat_id)
            ids = frozenset(m.user.id for m in members)
        except TelegramError as exc:
            log.warning("could not list the administrators of the admin chat: %s", exc)
        state.chat_admins = (time.monotonic(), ids)
    return user_id in ids


async def refuse(update: Update, context: BotContext) -> None:
    """A polite refusal, counted in the audit log as "denied" (one row per user per minute)."""
    user, query, message = update.effective_user, update.callback_query, update.effective_message
    detail = query.data if query is not None else (message.text or message.caption if message else None)
    await context.services.curation.record_denied(user.id if user else None, (detail or "")[:64])
    lang = await context.services.fallback_language(user)
    if query is not None:
        await query.answer(t("admin_only", lang), show_alert=True)
    elif message is not None:
        await send(context, message.chat_id, ht("admin_only", lang))


def admin_only(handler: Handler) -> Handler:
    """Run ``handler`` for an admin in a private chat; refuse (and end any conversation) otherwise."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> object:
        user, chat = update.effective_user, update.effective_chat
        if user is not None and chat is not None and chat.type == ChatType.PRIVATE and await is_admin(context, user.id):
            return await handler(update, context)
        await refuse(update, context)
        return ConversationHandler.END

    return guarded
