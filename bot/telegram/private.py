"""Private chats: questions, non-text messages, and edited questions (in any chat)."""

from __future__ import annotations

from telegram import Update

from bot.telegram.answering import GROUP_TYPES, re_respond, respond, send, strip_mention
from bot.telegram.context import BotContext
from bot.texts import ht


async def on_private_text(update: Update, context: BotContext) -> None:
    """Any text in a private chat is a question."""
    message = update.effective_message
    if message is not None and message.text:
        await respond(update, context, message.text)


async def on_non_text(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice and the like in a private chat: a one-line hint."""
    message = update.effective_message
    if message is None:
        return
    lang = await context.services.fallback_language(update.effective_user)
    await send(context, message.chat_id, ht("non_text", lang))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have, in a private chat."""
    message = update.effective_message
    if message is None:
        return
    lang = await context.services.fallback_language(update.effective_user)
    await send(context, message.chat_id, ht("unknown_command", lang))


async def on_edited(update: Update, context: BotContext) -> None:
    """An edited question: edit the earlier answer (private: answer anew when there is none)."""
    message = update.edited_message
    if message is None or not message.text:
        return
    reply_id = context.services.replies.get((message.chat_id, message.message_id))
    question = strip_mention(message.text, context.bot.username or "")
    if reply_id is not None and question and await re_respond(update, context, question, reply_id):
        return
    if message.chat.type not in GROUP_TYPES and not message.text.startswith("/"):
        await respond(update, context, message.text)
