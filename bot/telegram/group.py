"""Groups: answer /ask, mentions and replies to the bot (with flood control); buttons for the asker only;
say hello once."""

from __future__ import annotations

import time

from telegram import CallbackQuery, Chat, ChatMember, Message, ReplyParameters, Update

from bot.flood import Verdict
from bot.knowledge import Entry
from bot.telegram.answering import (
    GROUP_TYPES,
    entry_outcome,
    mentions,
    question_key,
    record_exchange,
    remember_asker,
    render,
    reply_parameters,
    respond,
    send,
    strip_mention,
)
from bot.telegram.context import BotContext, Services, telegram_language
from bot.texts import MAX_MESSAGE_CHARS, asked_by, ht, t

# Who a message "from" is when someone posts as the group or a channel: no person to match a press with.
ANONYMOUS_SENDERS = frozenset({1087968824, 136817688})  # @GroupAnonymousBot, @Channel_Bot


def is_addressed(message: Message, username: str, bot_id: int) -> bool:
    """A mention of the bot anywhere (any case), or a reply to one of the bot's messages."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    return mentions(message.text or "", username)


def earlier_link(chat: Chat, message_id: int) -> str | None:
    """A t.me link to a message: public supergroups by username, private ones by t.me/c/<id>."""
    if chat.username:
        return f"https://t.me/{chat.username}/{message_id}"
    if chat.type == Chat.SUPERGROUP and str(chat.id).startswith("-100"):
        return f"https://t.me/c/{str(chat.id)[4:]}/{message_id}"
    return None


async def on_group_text(update: Update, context: BotContext) -> None:
    """Text in a group: answered only when it mentions or replies to the bot; ignored otherwise."""
    message = update.effective_message
    if message is None or not message.text or not is_addressed(message, context.bot.username, context.bot.id):
        return
    await group_answer(update, context, strip_mention(message.text, context.bot.username))


async def group_answer(update: Update, context: BotContext, question: str) -> None:
    """Answer a question asked in a group, unless flood control says otherwise."""
    started = time.perf_counter()
    message, user, services = update.effective_message, update.effective_user, context.services
    if message is None or user is None:
        return
    if not question:
        lang = await services.fallback_language(user, message.chat_id)
        await send(context, message.chat_id, ht("ask_usage", lang), reply_to=reply_parameters(message))
        return
    verdict = services.flood.admit(message.chat_id, user.id)
    if verdict is not Verdict.ANSWER:
        await flood_notice(update, context, question, verdict, started)
        return
    key = question_key(question)
    earlier = services.flood.earlier_answer(message.chat_id, key)
    if earlier is not None:
        await point_to_earlier(update, context, question, earlier.message_id, started)
        return
    sent = await respond(update, context, question)
    if sent is not None:
        services.flood.remember_answer(message.chat_id, key, sent.message_id)


async def flood_notice(update: Update, context: BotContext, question: str, verdict: Verdict, started: float) -> None:
    """One polite notice when a user goes over the limit, silence after that."""
    message, services = update.effective_message, context.services
    if message is None:
        return
    sent = None
    if verdict is Verdict.NOTICE:
        lang = await services.reply_language(question, update.effective_user, message.chat_id)
        sent = await send(context, message.chat_id, ht("flood", lang), reply_to=reply_parameters(message))
    record_exchange(update, services, question, None, started, sent, status="flood")


async def point_to_earlier(update: Update, context: BotContext, question: str, earlier_id: int, started: float) -> None:
    """The same question again: link to (or reply to) the earlier answer instead of repeating it."""
    message, services = update.effective_message, context.services
    if message is None:
        return
    lang = await services.reply_language(question, update.effective_user, message.chat_id)
    link = earlier_link(message.chat, earlier_id)
    if link is not None:
        text, reply_to = ht("repeat", lang, link=link), reply_parameters(message)
    else:
        text = ht("repeat", lang, link=t("repeat_link", lang))
        reply_to = ReplyParameters(message_id=earlier_id, allow_sending_without_reply=True)
    sent = await send(context, message.chat_id, text, reply_to=reply_to)
    record_exchange(update, services, question, None, started, sent, status="flood")


def _asker_in_reply(message: Message) -> int | None:
    """The person whose message the bot's ``message`` replies to (an answer replies to its question)."""
    replied = message.reply_to_message
    sender = replied.from_user if replied is not None else None
    return sender.id if sender is not None and not sender.is_bot else None


async def _asker_in_log(services: Services, message: Message, presser: int) -> bool | None:
    """Whether the chat log names ``presser`` as the asker ``message`` answers; None when it names nobody."""
    storage = services.storage
    if storage is None or not storage.is_open:
        return None
    stored = await storage.asker_of_reply(message.chat_id, message.message_id)
    if stored is None or stored in {storage.user_key(a) for a in ANONYMOUS_SENDERS}:
        return None
    return stored == storage.user_key(presser)


async def own_press(context: BotContext, query: CallbackQuery) -> bool:
    """Whether a press on the buttons under the bot's message may act: any press in a private chat; in a
    group only the asker's, known from memory (``Services.askers``), else from the question the message
    replies to, else from the chat log. A message whose asker nobody knows any more is anyone's."""
    message = query.message if isinstance(query.message, Message) else None
    if message is None or message.chat.type not in GROUP_TYPES:
        return True
    asker = context.services.askers.get((message.chat_id, message.message_id)) or _asker_in_reply(message)
    if asker is not None:
        return asker in ANONYMOUS_SENDERS or asker == query.from_user.id
    return await _asker_in_log(context.services, message, query.from_user.id) is not False


async def answer_press(update: Update, context: BotContext, query: CallbackQuery, entry: Entry, lang: str) -> bool:
    """The asker pressed a question under their answer in a group: the answer replies to that message and
    names who asked. A press repeats no one's question (never "answered a moment ago"), but it counts
    towards the asker's flood limit; a later typed repeat links to this answer."""
    started, services, user = time.perf_counter(), context.services, query.from_user
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return False
    question = entry.title(lang)
    if (verdict := services.flood.admit(message.chat_id, user.id)) is not Verdict.ANSWER:
        await query.answer(t("flood", lang), show_alert=verdict is Verdict.NOTICE)
        record_exchange(update, services, question, None, started, None, status="flood", channel="button")
        return True
    outcome = entry_outcome(entry, lang, services)
    reply = render(outcome, services, message.chat_id)
    line = asked_by(question, lang, user_id=user.id, first_name=user.first_name, username=user.username)
    text = f"{line}\n\n{reply.text}" if len(line) + len(reply.text) + 2 <= MAX_MESSAGE_CHARS else reply.text
    await query.answer()
    to = ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
    sent = await send(context, message.chat_id, text, reply.markup, to)
    remember_asker(update, services, sent)
    services.flood.remember_answer(message.chat_id, question_key(question), sent.message_id)
    record_exchange(update, services, question, outcome, started, sent, channel="button")
    return True


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """The bot was added to a group: one short introduction."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_TYPES:
        return
    was_out = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
    now_in = change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    if was_out and now_in:
        services = context.services
        lang = (
            services.group_settings(change.chat.id).fixed_lang
            or telegram_language(change.from_user)
            or services.config.bot.default_language
        )
        await send(context, change.chat.id, ht("group_intro", lang, username=context.bot.username))
