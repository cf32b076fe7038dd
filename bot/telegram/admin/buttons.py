"""The admin button router: a ``K:`` button's callback_data parsed into a typed action and carried out.

Stale or malformed data (a button of an entry since deleted, a preview already applied, a listing
forgotten) gets the "expired" notice. Buttons that start or continue a conversation (➕ question,
✏️ answer, 📄 source, a new entry from an unanswered question, the entry search, /kb_add's topic and
confirmation) are handled by ``conversations.py``; the /unanswered views by ``unanswered.py``;
``AdminButton`` routes each kind of action to its handler.
"""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackQueryHandler

import bot.telegram.admin.keyboards as keys
import bot.telegram.admin.unanswered as unanswered
from bot.admin_texts import ht, t
from bot.curation.overlay import delete_entry, question_id, remove_question, replace_topic, restore_entry
from bot.telegram.admin.auth import Handler
from bot.telegram.admin.changes import apply_change, card, title
from bot.telegram.admin.replies import edit
from bot.telegram.admin.state import AdminCall, admin_call
from bot.telegram.context import BotContext


class AdminButton(CallbackQueryHandler[BotContext, object]):
    """A CallbackQueryHandler for admin buttons (``K:``) of the given action types (any, when none given)."""

    def __init__(self, callback: Handler, *kinds: type) -> None:
        super().__init__(callback)
        self.kinds = kinds

    def check_update(self, update: object) -> bool | object | None:
        query = update.callback_query if isinstance(update, Update) else None
        if query is None or not isinstance(query.data, str) or not query.data.startswith(keys.PREFIX):
            return None
        if self.kinds and not isinstance(keys.parse(query.data), self.kinds):
            return None
        return super().check_update(update)


def pressed(update: Update) -> tuple[CallbackQuery, Message | None, keys.Action | None]:
    """The pressed button's query, the message it is under, and its action (None when malformed)."""
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    return query, message, keys.parse(query.data)


async def on_callback(update: Update, context: BotContext) -> None:
    """Dispatch an admin button; stale or malformed data gets the "expired" notice."""
    query, message, action = pressed(update)
    c = await admin_call(update, context)
    if action is None or message is None or not await _carry_out(context, c, message, action):
        await query.answer(t("expired", c.lang))
        return
    await query.answer()


async def _carry_out(context: BotContext, c: AdminCall, message: Message, action: keys.Action) -> bool:
    """Do what ``action`` asks; False when it no longer applies (the notice is "expired")."""
    match action:
        case keys.ListEntries(page):
            return await _list(context, c, message, page)
        case keys.OpenEntry(entry_id):
            shown = card(c, entry_id)
            return shown is not None and await edit(context, c.chat_id, message.message_id, *shown)
        case keys.PickRemoval(lang, entry_id):
            return await _pick_removal(context, c, message, lang, entry_id)
        case keys.RemoveQuestion(lang, qid, entry_id) if _has_question(c, entry_id, lang, qid):
            # By identity: pressed twice (or after another admin's edit), a stale button is "expired".
            what = t("what_remove_question", c.lang, title=title(c, entry_id))
            build = lambda cur: [remove_question(cur, entry_id, lang, qid)]  # noqa: E731
            await apply_change(context, c, build, "remove_question", what, entry_id)
            return True
        case keys.AskDelete(entry_id):
            return await _ask_delete(context, c, message, entry_id)
        case keys.Delete(entry_id) if c.edited.get(entry_id) is not None:
            what = t("what_delete", c.lang, title=title(c, entry_id))
            await apply_change(context, c, lambda cur: [delete_entry(cur, entry_id)], "delete", what, entry_id)
            return True
        case keys.Restore(entry_id) if entry_id in c.edited.deleted:
            what = t("what_restore", c.lang, title=title(c, entry_id))
            await apply_change(context, c, lambda cur: [restore_entry(cur, entry_id)], "restore", what, entry_id)
            return True
        case keys.Decide(token, apply):
            return await (_apply(context, c, message, token) if apply else _cancel(context, c, message, token))
        case keys.PickTopic(entry_id):
            return await _pick_topic(context, c, message, entry_id)
        case keys.MoveTopic(key, entry_id) if c.edited.get(entry_id) is not None and (
            topic := next((tp for tp in c.services.kb.topics if keys.topic_key(tp.id) == key), None)
        ):
            what = t("what_replace_topic", c.lang, title=title(c, entry_id), topic=topic.title(c.lang))
            build = lambda cur: [replace_topic(cur, entry_id, topic.id)]  # noqa: E731
            await apply_change(context, c, build, "replace_topic", what, entry_id)
            return True
        case keys.UnansweredPage() | keys.OpenGroup() | keys.OnQuestion() | keys.ChooseEntry() | keys.AddToEntry():
            return await unanswered.carry_out(context, c, message, action)
    return False


def _has_question(c: AdminCall, entry_id: str, lang: str, qid: str) -> bool:
    """Whether the live entry still has the question a remove button names."""
    entry = c.edited.get(entry_id)
    return entry is not None and any(question_id(q) == qid for q in entry.block(lang).questions)


async def _list(context: BotContext, c: AdminCall, message: Message, page: int) -> bool:
    """◀ / ▶ through the entries."""
    markup = keys.entry_list(c.edited.entries, list(c.edited.deleted.values()), c.lang, page)
    text = ht("kb_list", c.lang, count=len(c.edited.entries), deleted=len(c.edited.deleted))
    return await edit(context, c.chat_id, message.message_id, text, markup)


async def _pick_removal(context: BotContext, c: AdminCall, message: Message, lang: str, entry_id: str) -> bool:
    """Which question to remove (one button per question; at least three must remain)."""
    entry = c.edited.get(entry_id)
    if entry is None:
        return False
    text = ht("pick_remove", c.lang, language=lang)
    return await edit(context, c.chat_id, message.message_id, text, keys.remove_choices(entry, lang, c.lang))


async def _ask_delete(context: BotContext, c: AdminCall, message: Message, entry_id: str) -> bool:
    """🗑: ask for confirmation first (the entry is soft-deleted, restorable)."""
    entry = c.edited.get(entry_id)
    if entry is None:
        return False
    text = ht("confirm_delete", c.lang, title=entry.title(c.lang))
    return await edit(context, c.chat_id, message.message_id, text, keys.confirm_delete(entry, c.lang))


async def _apply(context: BotContext, c: AdminCall, message: Message, token: str) -> bool:
    """Apply a previewed change (an answer, an import), rebuilt on the current state."""
    pending = c.state.pending.get(token)
    if pending is None:
        return False
    c.state.pending.pop(token)
    await edit(context, c.chat_id, message.message_id, message.text_html or "", None)
    await apply_change(context, c, pending.build, pending.action, pending.what)
    return True


async def _cancel(context: BotContext, c: AdminCall, message: Message, token: str) -> bool:
    """Cancel a previewed change: nothing changes."""
    c.state.pending.pop(token)
    return await edit(context, c.chat_id, message.message_id, ht("admin_cancelled", c.lang))


async def _pick_topic(context: BotContext, c: AdminCall, message: Message, entry_id: str) -> bool:
    """🏷: which topic the entry moves to."""
    entry = c.edited.get(entry_id)
    if entry is None:
        return False
    topic = c.services.kb.topic(entry.topic)
    text = ht("pick_topic", c.lang, title=entry.title(c.lang), topic=topic.title(c.lang) if topic else entry.topic)
    return await edit(context, c.chat_id, message.message_id, text, keys.move_topics(entry, c.services.kb, c.lang))
