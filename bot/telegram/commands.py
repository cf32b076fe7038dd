"""Commands: /start, /help, /topics, /about, /lang, /ask, /forgetme and /whoami (any chat)."""

from __future__ import annotations

import time

from telegram import Update
from telegram.constants import ChatType

from bot.telegram.admin.auth import is_admin
from bot.telegram.admin.menu import admin_help
from bot.telegram.answering import (
    GROUP_TYPES,
    entry_outcome,
    record_exchange,
    remember,
    render,
    reply_parameters,
    respond,
    send,
    strip_mention,
)
from bot.telegram.context import BotContext
from bot.telegram.group import group_answer
from bot.telegram.inline import entry_of_start
from bot.telegram.keyboards import (
    AUTO,
    forget_keyboard,
    lang_keyboard,
    private_chat_keyboard,
    start_keyboard,
    topics_keyboard,
)
from bot.texts import about_text, ht, whoami_text

FORGET_PAYLOAD = "forgetme"  # /start forgetme: the private chat's /forgetme, opened from a group


async def _lang(update: Update, context: BotContext) -> str:
    chat = update.effective_chat  # a group's language (/settings) holds for every reply in it
    return await context.services.fallback_language(update.effective_user, chat.id if chat is not None else None)


async def on_start(update: Update, context: BotContext) -> None:
    """A greeting and sample questions as buttons; ``/start en-signatories`` (a "Continue in private" link
    from an inline answer) answers that entry instead."""
    message, kb = update.effective_message, context.services.kb
    if message is None:
        return
    if context.args and context.args[0] == FORGET_PAYLOAD and message.chat.type == ChatType.PRIVATE:
        await on_forgetme(update, context)  # "Open the private chat" under /forgetme in a group
        return
    if context.args and await _answer_start_link(update, context, context.args[0]):
        return
    lang = await _lang(update, context)
    text = ht("start", lang, title=kb.article.title(lang)) + "\n\n" + ht("try_asking", lang)
    await send(context, message.chat_id, text, start_keyboard(kb, lang), reply_parameters(message))


async def _answer_start_link(update: Update, context: BotContext, payload: str) -> bool:
    """Answer the entry a deep link names, as if its question had been asked here (a fixed /lang choice
    still wins over the link's language); False for a payload that names no entry."""
    started, services = time.perf_counter(), context.services
    message, user = update.effective_message, update.effective_user
    found = entry_of_start(services.kb, payload)
    if found is None or message is None:
        return False
    entry, lang = found
    lang = await services.fixed_language(user.id if user is not None else None, message.chat_id) or lang
    outcome = entry_outcome(entry, lang, services)
    remember(update, services, outcome)  # a follow-up ("and when?") reads on from it
    reply = render(outcome, services, message.chat_id)
    sent = await send(context, message.chat_id, reply.text, reply.markup, reply_parameters(message))
    record_exchange(update, services, entry.title(lang), outcome, started, sent, channel="button")
    return True


async def on_help(update: Update, context: BotContext) -> None:
    """How to ask; for an admin in a private chat, the admin commands too."""
    message, user = update.effective_message, update.effective_user
    if message is not None:
        lang = await _lang(update, context)
        text = ht("help", lang, username=context.bot.username)
        if message.chat.type == ChatType.PRIVATE and user is not None and await is_admin(context, user.id):
            text += "\n\n" + admin_help(lang)
        await send(context, message.chat_id, text, reply_to=reply_parameters(message))


async def on_whoami(update: Update, context: BotContext) -> None:
    """/whoami, for anyone: their user id (what ``bot.admins`` lists), a group's id, and whether they are an
    admin."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        lang = await _lang(update, context)
        text = whoami_text(user.id, message.chat_id, await is_admin(context, user.id), lang)
        await send(context, message.chat_id, text, reply_to=reply_parameters(message))


async def on_topics(update: Update, context: BotContext) -> None:
    """Every topic as a button (each opens its questions, page by page)."""
    message, kb = update.effective_message, context.services.kb
    if message is not None:
        lang = await _lang(update, context)
        await send(context, message.chat_id, ht("topics", lang), topics_keyboard(kb, lang), reply_parameters(message))


async def on_about(update: Update, context: BotContext) -> None:
    """The article: title, summary, how much the bot knows."""
    message = update.effective_message
    if message is not None:
        lang = await _lang(update, context)
        text = about_text(context.services.kb, lang, html=True)
        await send(context, message.chat_id, text, reply_to=reply_parameters(message))


async def on_lang(update: Update, context: BotContext) -> None:
    """Auto, English or Русский, as buttons with the current choice marked (remembered per user)."""
    message, user = update.effective_message, update.effective_user
    if message is not None and user is not None:
        lang = await _lang(update, context)
        current = await context.services.chosen_language(user.id) or AUTO
        keyboard = lang_keyboard(current, lang)
        await send(context, message.chat_id, ht("lang_prompt", lang), keyboard, reply_parameters(message))


async def on_ask(update: Update, context: BotContext) -> None:
    """/ask question: answered in any chat (with flood control in groups); a usage hint when empty."""
    message = update.effective_message
    if message is None or not message.text:
        return
    question = strip_mention(message.text, context.bot.username)
    if message.chat.type in GROUP_TYPES:
        await group_answer(update, context, question)
    elif question:
        await respond(update, context, question)
    else:
        await send(context, message.chat_id, ht("ask_usage", await _lang(update, context)))


async def on_forgetme(update: Update, context: BotContext) -> None:
    """Ask the user (in private) to confirm before deleting what was recorded about them; in a group,
    point to the private chat instead (nobody else can see, or press, the confirmation there)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = await _lang(update, context)
    if message.chat.type != ChatType.PRIVATE:
        keyboard = private_chat_keyboard(lang, context.bot.username, FORGET_PAYLOAD)
        await send(context, message.chat_id, ht("forget_private", lang), keyboard, reply_parameters(message))
        return
    await send(context, message.chat_id, ht("forget_confirm", lang), forget_keyboard(lang, user.id))
