"""The one path from a question to a sent answer, shared by private chats, groups, commands and edits.

``respond`` matches, formats through ``bot.texts``, sends (HTML; a passing failure is tried again, see
``bot.telegram.delivery``), remembers the reply for edits, and queues the exchange for the chat log after
sending, whatever became of the send (never awaiting the disk).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass

from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.knowledge import Entry
from bot.matching import Outcome, normalise, strip_address, tokens
from bot.storage import Exchange
from bot.telegram.context import BotContext, Services
from bot.telegram.delivery import Sent, send_html, send_status_of, with_retries
from bot.telegram.keyboards import outcome_keyboard
from bot.texts import is_content_free, outcome_text

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
# A knowledge base this large takes milliseconds per match: it is matched in a worker thread, so that one
# slow match never holds up the other chats' updates (a small one is cheaper matched in place).
OFFLOAD_ENTRIES = 2_000


@dataclass(frozen=True)
class Reply:
    text: str
    markup: InlineKeyboardMarkup | None


def render(outcome: Outcome, services: Services, chat_id: int | None = None) -> Reply:
    """The HTML text and buttons for an outcome; in a group set to compact answers (/settings), the text
    alone: no source quote, and the options a keyboard would offer listed in the text instead."""
    if services.group_settings(chat_id).compact:
        return Reply(outcome_text(outcome, html=True, list_options=True, with_source=False), None)
    text = outcome_text(outcome, html=True, list_options=False)
    return Reply(text, outcome_keyboard(outcome, services.kb, services.config.bot.suggestions))


def entry_outcome(entry: Entry, lang: str, services: Services) -> Outcome:
    """The outcome of asking exactly ``entry``'s question (a button press)."""
    kb = services.kb
    related = tuple(e for r in entry.related if (e := kb.get(r)) is not None)
    analysis = services.matcher.analyzer.analyse(entry.title(lang), lang)
    return Outcome("answered", lang, 1.0, entry=entry, suggestions=related, reason="button", analysis=analysis)


def quiet_in_groups(outcome: Outcome, question: str) -> bool:
    """"ok", "thanks", an emoji addressed to the bot in a group: no reply at all (a question about the
    bot itself, "what can you do?", is still answered)."""
    return is_content_free(outcome) or (outcome.reason == "small_talk" and not question.rstrip().endswith("?"))


def conversation_key(update: Update) -> tuple[int, int] | None:
    """Whose conversation a message belongs to: a private chat, or one user within a group."""
    chat, user = update.effective_chat, update.effective_user
    return (chat.id, user.id) if chat is not None and user is not None else None


def remember(update: Update, services: Services, outcome: Outcome) -> None:
    """Keep an answer as the context of the asker's next message."""
    key = conversation_key(update)
    new = services.conversation.context_after(outcome)
    if key is not None and new is not None:
        services.contexts.put(key, new)


def remember_asker(update: Update, services: Services, answer: Message | Sent) -> None:
    """In a group, who asked what ``answer`` answers: only they can use its buttons."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and user is not None and chat.type in GROUP_TYPES:
        services.askers.put((chat.id, answer.message_id), user.id)


def question_key(question: str) -> str:
    """A question as flood control compares it: normalised words only."""
    return " ".join(tokens(normalise(question)))


def strip_mention(text: str, username: str) -> str:
    """The message without a leading ``/ask`` and without ``@username`` anywhere (any case)."""
    if username:
        mention = re.compile(rf"(?<![\w@])@{re.escape(username)}(?!\w)", re.IGNORECASE)
        while True:  # "@Bot@Bot": removing the first mention makes the second one stand alone
            text, found = mention.subn(" ", text)
            if not found:
                break
    return " ".join(strip_address(text).split())


def mentions(text: str, username: str) -> bool:
    return bool(username) and re.search(rf"(?<![\w@])@{re.escape(username)}(?!\w)", text, re.IGNORECASE) is not None


def reply_parameters(message: Message) -> ReplyParameters | None:
    """Reply to the asker's message in groups; plain messages in private chats."""
    if message.chat.type in GROUP_TYPES:
        return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
    return None


async def send(
    context: BotContext,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: ReplyParameters | None = None,
) -> Message:
    """Send an HTML message, tried again through a passing failure (``bot.telegram.delivery``)."""
    return await with_retries(
        lambda: context.bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            reply_parameters=reply_to,
            link_preview_options=NO_PREVIEW,
        ),
        what="sendMessage",
        running=lambda: context.application.running,
    )


async def edit(
    context: BotContext, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Edit one of the bot's messages; False when it cannot be edited (gone, too old, unchanged)."""
    try:
        await with_retries(  # an edit is idempotent: trying it again is always safe
            lambda: context.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            ),
            what="editMessageText",
            running=lambda: context.application.running,
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        log.info("could not edit message %s in chat %s: %s", message_id, chat_id, exc.message)
        return False
    return True


def record_exchange(
    update: Update,
    services: Services,
    question: str,
    outcome: Outcome | None,
    started: float,
    reply: Message | Sent | None,
    *,
    status: str | None = None,
    channel: str | None = None,
    send_status: str | None = None,
) -> None:
    """Queue what happened with one question for the chat log (no-op without a database).

    ``send_status``: what became of the reply ("sent" when ``reply`` is given, unless said otherwise)."""
    chat, user = update.effective_chat, update.effective_user
    entry = outcome.entry if outcome is not None else None
    if entry is None and outcome is not None and outcome.candidates:
        entry = outcome.candidates[0].entry
    channel = channel or (chat.type if chat is not None else "private")
    status = status or (outcome.status if outcome is not None else "ignored")
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    send_status = send_status or ("sent" if reply is not None else None)
    # One line per exchange: ids, outcome and latency only (never the question: it is the user's text).
    log.log(
        logging.DEBUG if status == "ignored" else logging.INFO,
        "exchange update=%s channel=%s status=%s entry=%s latency_ms=%.1f send=%s",
        update.update_id, channel, status, entry.id if entry is not None else "-", latency_ms, send_status or "-",
        extra={"fields": {"event": "exchange", "update_id": update.update_id, "channel": channel, "status": status,
                          "entry_id": entry.id if entry is not None else None, "latency_ms": latency_ms,
                          "send_status": send_status}},
    )
    services.record(
        Exchange(
            channel=channel,
            status=status,
            question=question,
            update_id=update.update_id,
            chat_id=chat.id if chat is not None else None,
            chat_type=chat.type if chat is not None else None,
            chat_title=chat.title if chat is not None else None,
            user_id=user.id if user is not None else None,
            username=user.username if user is not None else None,
            user_lang=user.language_code if user is not None else None,
            lang=outcome.lang if outcome is not None else None,
            entry_id=entry.id if entry is not None else None,
            score=outcome.score if outcome is not None else None,
            latency_ms=latency_ms,
            reply_message_id=reply.message_id if reply is not None else None,
            resolved=(outcome.resolved or None) if outcome is not None else None,
            send_status=send_status,
        )
    )


async def match(update: Update, context: BotContext, question: str) -> Outcome:
    """Answer a question in its conversation (follow-ups, several parts) and in the asker's language:
    the group's (/settings) or a fixed /lang choice, else the question's own, else Telegram's or the default."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    chat_id = chat.id if chat is not None else None
    fixed = await services.fixed_language(user.id if user is not None else None, chat_id)
    fallback = await services.reply_language(question, user, chat_id)
    key = conversation_key(update)
    earlier = services.contexts.get(key) if key is not None else None
    if len(services.kb.entries) < OFFLOAD_ENTRIES:
        outcome = services.conversation.answer(question, fixed, fallback, earlier)
    else:
        outcome = await asyncio.to_thread(services.conversation.answer, question, fixed, fallback, earlier)
    remember(update, services, outcome)
    return outcome


async def respond(update: Update, context: BotContext, question: str) -> Sent | None:
    """Answer ``question`` (asked in ``update``'s message): send once, remember it, log it."""
    started = time.perf_counter()
    message = update.effective_message
    if message is None:
        return None
    services = context.services
    outcome = await match(update, context, question)
    if message.chat.type in GROUP_TYPES and quiet_in_groups(outcome, question):
        record_exchange(update, services, question, outcome, started, None, status="ignored")
        return None
    reply = render(outcome, services, message.chat_id)
    try:
        sent = await send_html(  # only its message_id is needed: no Message is built from the answer
            context.bot, message.chat_id, reply.text, reply_markup=reply.markup,
            reply_parameters=reply_parameters(message), link_preview_options=NO_PREVIEW,
            running=lambda: context.application.running,
        )
    except TelegramError as exc:  # the attempts are over: recorded all the same, then reported
        record_exchange(update, services, question, outcome, started, None, send_status=send_status_of(exc))
        raise
    services.replies.put((message.chat_id, message.message_id), sent.message_id)
    remember_asker(update, services, sent)
    record_exchange(update, services, question, outcome, started, sent)
    return sent


async def re_respond(update: Update, context: BotContext, question: str, reply_id: int) -> bool:
    """Answer an edited question by editing the earlier reply; False when that reply cannot be edited."""
    started = time.perf_counter()
    message = update.effective_message
    if message is None:
        return False
    services = context.services
    outcome = await match(update, context, question)
    reply = render(outcome, services, message.chat_id)
    if not await edit(context, message.chat_id, reply_id, reply.text, reply.markup):
        return False
    record_exchange(update, services, question, outcome, started, None, send_status="sent")
    return True
