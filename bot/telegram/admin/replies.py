"""Every admin message goes out through here: cut to fit one Telegram message, whatever it quotes.

Admin messages quote what users and admins typed (a 4,096-character question in /unanswered, a /kb
search, an entry's questions): ``send`` and ``edit`` are ``bot.telegram.answering``'s, with the text
passed through ``bot.admin_texts.fit`` first, so that no admin message fails with "message is too long".
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message

from bot.admin_texts import fit
from bot.telegram import answering
from bot.telegram.context import BotContext


async def send(context: BotContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Send an admin message (Telegram HTML), cut to fit."""
    return await answering.send(context, chat_id, fit(text, html=True), markup)


async def edit(
    context: BotContext, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit an admin message (Telegram HTML), cut to fit; False when it cannot be edited."""
    return await answering.edit(context, chat_id, message_id, fit(text, html=True), markup)
