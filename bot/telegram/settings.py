"""A group's /settings: compact answers (no quote, no buttons) and the group's language, for its admins.

Who is an admin is asked of Telegram (getChatMember) at each /settings and each press; the settings
themselves live in memory (``Services.groups``, loaded at start) and are stored through the chat log's
queue, so no reply ever waits on the database for them.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Chat, ChatMember, Message, Update, User
from telegram.error import TelegramError

from bot.storage import GroupSettings
from bot.telegram.answering import GROUP_TYPES, edit, reply_parameters, send
from bot.telegram.context import BotContext
from bot.telegram.keyboards import GroupSetting, settings_keyboard
from bot.texts import ht, settings_text, t

log = logging.getLogger(__name__)

ADMIN_STATUSES = frozenset({ChatMember.ADMINISTRATOR, ChatMember.OWNER})


async def is_chat_admin(context: BotContext, chat: Chat, user: User | None, message: Message | None = None) -> bool:
    """An administrator or the owner of ``chat`` (getChatMember); an anonymous admin, writing as the group
    itself, too. False when Telegram cannot say."""
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check whether a user is an admin of chat %s: %s", chat.id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def on_settings(update: Update, context: BotContext) -> None:
    """/settings: a group's settings with buttons, for its admins; elsewhere, where settings are."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    lang = await context.services.fallback_language(user, message.chat_id)
    if message.chat.type not in GROUP_TYPES:
        await send(context, message.chat_id, ht("settings_private", lang))
    elif not await is_chat_admin(context, message.chat, user, message):
        await send(context, message.chat_id, ht("settings_not_admin", lang), reply_to=reply_parameters(message))
    else:
        now = context.services.group_settings(message.chat_id)
        text, keyboard = settings_text(now.compact, now.lang, lang), settings_keyboard(now.compact, now.lang, lang)
        await send(context, message.chat_id, text, keyboard, reply_parameters(message))


async def on_setting_press(context: BotContext, query: CallbackQuery, action: GroupSetting) -> bool:
    """A /settings button: an admin's press changes the group's settings; anyone else's changes nothing."""
    message = query.message if isinstance(query.message, Message) else None
    if message is None or message.chat.type not in GROUP_TYPES:
        return False
    services, chat_id = context.services, message.chat_id
    if not await is_chat_admin(context, message.chat, query.from_user):
        lang = await services.fallback_language(query.from_user, chat_id)
        await query.answer(t("settings_not_admin", lang), show_alert=False)
        return True
    now = services.group_settings(chat_id)
    compact = now.compact if action.compact is None else action.compact
    new = GroupSettings(chat_id=chat_id, compact=compact, lang=action.lang or now.lang)
    services.set_group_settings(new)
    lang = await services.fallback_language(query.from_user, chat_id)  # the group's new language, if fixed
    await query.answer(t("settings_saved", lang))
    text, keyboard = settings_text(new.compact, new.lang, lang), settings_keyboard(new.compact, new.lang, lang)
    await edit(context, chat_id, message.message_id, text, keyboard)
    return True
