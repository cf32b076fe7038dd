"""Inline button presses: one dispatcher, one small function per kind of button (see keyboards.py).

In a group, the buttons under an answer (questions, 👍/👎, topics) act for the asker only: anyone else's
press gets a short toast and changes nothing (``bot.telegram.group.own_press``)."""

from __future__ import annotations

import logging
import time

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.storage import Click, Feedback
from bot.telegram.answering import GROUP_TYPES, edit, entry_outcome, record_exchange, render, send
from bot.telegram.context import BotContext, telegram_language
from bot.telegram.group import answer_press, own_press
from bot.telegram.keyboards import (
    AUTO,
    Action,
    Ask,
    Forget,
    GroupSetting,
    SetLang,
    Topics,
    Vote,
    page_count,
    parse,
    topic_page_keyboard,
    topics_keyboard,
    without_feedback,
)
from bot.telegram.settings import on_setting_press
from bot.texts import ht, t

log = logging.getLogger(__name__)


def _message(query: CallbackQuery) -> Message | None:
    """The message the button is under, when the bot can still see it."""
    message = query.message
    return message if isinstance(message, Message) else None


async def on_callback(update: Update, context: BotContext) -> None:
    """Dispatch a button press; stale or malformed data gets the "expired" notice."""
    query = update.callback_query
    if query is None:
        return
    action = parse(query.data)
    context.services.record(
        Click(
            data=(query.data or "")[:64],
            update_id=update.update_id,
            user_id=query.from_user.id,
            chat_id=query.message.chat.id if query.message is not None else None,
            entry_id=getattr(action, "entry_id", None),
        )
    )
    if action is None or not await _dispatch(update, context, query, action):
        chat_id = query.message.chat.id if query.message is not None else None
        lang = await context.services.fallback_language(query.from_user, chat_id)
        await query.answer(t("expired", lang), show_alert=False)


async def _dispatch(update: Update, context: BotContext, query: CallbackQuery, action: Action) -> bool:
    """Run one action; False when it no longer applies (the data is stale)."""
    if isinstance(action, Ask | Vote | Topics) and not await own_press(context, query):
        chat_id = query.message.chat.id if query.message is not None else None
        lang = await context.services.fallback_language(query.from_user, chat_id)
        await query.answer(t("not_your_buttons", lang), show_alert=False)
        return True
    match action:
        case Ask():
            return await _ask(update, context, query, action)
        case Vote():
            return await _vote(update, context, query, action)
        case Topics():
            return await _topics(context, query, action)
        case SetLang():
            return await _set_lang(context, query, action)
        case Forget():
            return await _forget(context, query, action)
        case GroupSetting():
            return await on_setting_press(context, query, action)
    return False  # pragma: no cover - every Action is handled above


async def _ask(update: Update, context: BotContext, query: CallbackQuery, action: Ask) -> bool:
    """A question button: answer it (in place of a clarification, else as a new message)."""
    started, services, message = time.perf_counter(), context.services, _message(query)
    entry = services.kb.get(action.entry_id)
    if entry is None or message is None:
        return False
    if message.chat.type in GROUP_TYPES and not action.replace:
        return await answer_press(update, context, query, entry, action.lang)
    outcome = entry_outcome(entry, action.lang, services)
    reply = render(outcome, services, message.chat_id)
    await query.answer()
    sent: Message | None = None
    if not (action.replace and await edit(context, message.chat_id, message.message_id, reply.text, reply.markup)):
        sent = await send(context, message.chat_id, reply.text, reply.markup)
    record_exchange(update, services, entry.title(action.lang), outcome, started, sent or message, channel="button")
    return True


async def _vote(update: Update, context: BotContext, query: CallbackQuery, action: Vote) -> bool:
    """👍/👎: thank, record, and take the vote buttons away."""
    message = _message(query)
    if context.services.kb.get(action.entry_id) is None or message is None:
        return False
    lang = await context.services.fallback_language(query.from_user, message.chat_id)
    await query.answer(t("feedback_thanks", lang))
    context.services.record(  # a second vote replaces the first (one vote per user per answer)
        Feedback(
            value=action.value,
            update_id=update.update_id,
            user_id=query.from_user.id,
            chat_id=message.chat_id,
            reply_message_id=message.message_id,
            entry_id=action.entry_id,
        )
    )
    markup = without_feedback(message.reply_markup)
    if markup != message.reply_markup:  # the 👍/👎 row is still there (an earlier press may be removing it)
        try:
            await query.edit_message_reply_markup(markup)
        except BadRequest as exc:  # pressed again before the first edit landed: "message is not modified"
            log.debug("vote buttons already gone: %s", exc.message)
    return True


async def _topics(context: BotContext, query: CallbackQuery, action: Topics) -> bool:
    """The topic list, or one page of a topic's questions, in place."""
    kb, message = context.services.kb, _message(query)
    if message is None:
        return False
    if not action.topic_id:
        await query.answer()
        return await edit(
            context,
            message.chat_id,
            message.message_id,
            ht("topics", action.lang),
            topics_keyboard(kb, action.lang),
        )
    topic = kb.topic(action.topic_id)
    pages = page_count(kb, action.topic_id)
    if topic is None or action.page >= pages:
        return False
    await query.answer()
    text = ht("topic_page", action.lang, topic=topic.title(action.lang), page=action.page + 1, pages=pages)
    markup = topic_page_keyboard(kb, action.lang, action.topic_id, action.page)
    return await edit(context, message.chat_id, message.message_id, text, markup)


async def _set_lang(context: BotContext, query: CallbackQuery, action: SetLang) -> bool:
    """Remember the language choice and say so."""
    message = _message(query)
    await context.services.set_language(query.from_user.id, action.lang)
    await query.answer()
    if message is not None:
        if action.lang == AUTO:
            lang = telegram_language(query.from_user) or context.services.config.bot.default_language
            text = ht("lang_set_auto", lang)
        else:
            text = ht("lang_set", action.lang)
        await edit(context, message.chat_id, message.message_id, text)
    return True


def _own_forget(query: CallbackQuery, action: Forget) -> bool:
    """Whether this press is the asker's own, in the asker's private chat (the only place the
    confirmation is shown; a button made before it carried the asker's id counts only there)."""
    message, presser = _message(query), query.from_user.id
    if message is None or message.chat.type != ChatType.PRIVATE or message.chat.id != presser:
        return False
    return action.user_id in (0, presser)


async def _forget(context: BotContext, query: CallbackQuery, action: Forget) -> bool:
    """Delete what is recorded about the user (confirmed), or leave it (cancelled); only their own press."""
    message = _message(query)
    if not _own_forget(query, action):
        await query.answer(t("forget_not_yours", action.lang), show_alert=True)
        return True
    if action.confirm:
        count = await context.services.forget(query.from_user.id)
        text = ht("forget_done", action.lang, count=count)
    else:
        text = ht("forget_cancelled", action.lang)
    await query.answer()
    if message is not None:
        await edit(context, message.chat_id, message.message_id, text)
    return True
