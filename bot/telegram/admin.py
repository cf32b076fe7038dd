"""Admin tools in Telegram: curate the knowledge base, learn from unanswered questions, audit, statistics.

An admin is a user id in ``bot.admins``, or (when ``bot.admin_chat_id`` is set) an administrator of that
chat, looked up with getChatAdministrators and cached for five minutes. Every admin command and button
from anyone else gets a polite refusal, changes nothing and is recorded in the audit log ("denied").
Admin commands work in private chats only. The logic is in ``bot.admin`` (pure) and ``bot.curation``
(stored edits, undo); the texts in ``bot.texts``; the buttons in ``admin_keyboards``.

``register_admin_handlers(app)`` adds the handlers (before the generic ones) and chains the admin
start-up onto ``app.post_init``: the stored edits are replayed over ``knowledge/`` and SIGHUP reloads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import signal
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot import admin
from bot.admin import Curated, Edit, UnansweredGroup
from bot.chart import per_day_png
from bot.curation import Curator, load_regression_items
from bot.knowledge import LANGS, MAX_ANSWER_CHARS, KnowledgeBase, KnowledgeError
from bot.telegram import admin_keyboards as keys
from bot.telegram.answering import edit, send
from bot.telegram.context import SERVICES_KEY, BotApplication, BotContext, Lru, Services
from bot.texts import (
    admin_entry_text,
    admin_stats_text,
    history_text,
    ht,
    import_preview_text,
    new_entry_text,
    problems_text,
    replay_text,
    t,
    unanswered_text,
)

log = logging.getLogger(__name__)

ADMIN_KEY = "admin"
CHAT_ADMINS_TTL = 300.0
STATS_DAYS = 30
UNANSWERED_GROUPS = 8
RECENT_QUESTIONS = 500
COMMANDS = ("kb", "kb_add", "kb_undo", "kb_history", "unanswered", "stats", "export", "import", "kb_reload")
# Conversation states.
ADD_EN_Q, ADD_EN_A, ADD_RU_Q, ADD_RU_A, ADD_SOURCE, ADD_TOPIC, ADD_CONFIRM, EDIT_TEXT = range(8)
END = ConversationHandler.END

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, object]]


@dataclass
class Pending:
    """A previewed change waiting for Apply: rebuilt on the state current when it is applied."""

    action: str
    build: Callable[[Curated], Sequence[Edit]]
    what: str


@dataclass
class AdminState:
    curator: Curator
    pending: Lru[str, Pending] = field(default_factory=lambda: Lru(200))
    groups: Lru[str, list[UnansweredGroup]] = field(default_factory=lambda: Lru(50))
    chat_admins: tuple[float, frozenset[int]] = (0.0, frozenset())
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    sighup: bool = False


def state_of(bot_data: dict[Any, Any]) -> AdminState:
    found = bot_data.get(ADMIN_KEY)
    if not isinstance(found, AdminState):
        raise RuntimeError("bot_data has no AdminState: call register_admin_handlers(app)")
    return found


def _token() -> str:
    return secrets.token_urlsafe(6)


# --- who is an admin --------------------------------------------------------------------------------


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
    """A polite refusal, recorded in the audit log as "denied"."""
    user, query, message = update.effective_user, update.callback_query, update.effective_message
    detail = query.data if query is not None else (message.text or message.caption if message else None)
    await state_of(context.bot_data).curator.record(user.id if user else None, "denied", None, (detail or "")[:64])
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
        return END

    return guarded


# --- helpers ----------------------------------------------------------------------------------------


@dataclass
class Ctx:
    """What every admin handler needs: the services, the admin state, the chat, the admin and language."""

    services: Services
    state: AdminState
    chat_id: int
    user_id: int
    lang: str

    @property
    def cur(self) -> Curated:
        return self.state.curator.state


async def _ctx(update: Update, context: BotContext) -> Ctx:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None  # admin_only checked both
    lang = await context.services.fallback_language(user)
    return Ctx(context.services, state_of(context.bot_data), chat.id, user.id, lang)


def _topic_title(kb: KnowledgeBase, topic_id: str, lang: str) -> str:
    topic = kb.topic(topic_id)
    return topic.title(lang) if topic is not None else topic_id


def _card(c: Ctx, entry_id: str) -> tuple[str, Any] | None:
    """An entry's text and buttons (live or deleted), or None when there is no such entry."""
    entry, deleted = c.cur.get(entry_id), False
    if entry is None:
        entry, deleted = c.cur.deleted.get(entry_id), True
    if entry is None:
        return None
    topic = _topic_title(c.services.kb, entry.topic, c.lang)
    text = admin_entry_text(entry, c.lang, html=True, topic=topic, deleted=deleted)
    return text, keys.entry_actions(entry, c.lang, deleted=deleted)


def _title(c: Ctx, entry_id: str) -> str:
    entry = c.cur.get(entry_id) or c.cur.deleted.get(entry_id)
    return entry.title(c.lang) if entry is not None else entry_id


async def apply_change(
    context: BotContext, c: Ctx, build: Callable[[Curated], Sequence[Edit]], action: str, what: str,
    entry_id: str | None = None,
) -> bool:
    """Make a change live for everyone (stored and audited), and tell the admin; False when invalid."""
    try:
        await c.state.curator.change(build, c.user_id, action)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return False
    c.services.replace_knowledge(c.state.curator.kb)
    text = ht("done_change", c.lang, what=what)
    card = _card(c, entry_id) if entry_id else None
    await send(context, c.chat_id, f"{text}\n\n{card[0]}" if card else text, card[1] if card else None)
    return True


async def compute_replay(services: Services, new_kb: KnowledgeBase) -> admin.Replay:
    """The regression replay of a change: recent real questions and the configured regression sets."""
    from bot.engine import thresholds_from
    from bot.matching import Matcher

    questions: list[tuple[str, str | None]] = []
    if services.storage is not None and services.storage.is_open:
        questions = await services.storage.recent_questions(RECENT_QUESTIONS)
    config = services.config
    base_dir = Path(config.source).parent if config.source else None
    items = load_regression_items(config.knowledge.regression_sets, base_dir)

    def run() -> admin.Replay:
        new = Matcher(new_kb, thresholds_from(config))
        return admin.replay(services.matcher, new, questions, items, config.bot.default_language)

    return await asyncio.to_thread(run)


async def preview(context: BotContext, c: Ctx, head: str, pending: Pending) -> None:
    """Show a change's regression replay with Apply / Cancel (nothing changes until Apply)."""
    try:
        new = c.cur.apply(*pending.build(c.cur))
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    summary = replay_text(await compute_replay(c.services, new.kb), c.lang, html=True)
    token = _token()
    c.state.pending.put(token, pending)
    await send(context, c.chat_id, f"{head}\n\n{summary}", keys.apply_or_cancel(token, c.lang))


# --- commands ---------------------------------------------------------------------------------------


async def on_kb(update: Update, context: BotContext) -> None:
    """/kb: the list of entries; /kb words: the entries that match."""
    c = await _ctx(update, context)
    query = " ".join(context.args or [])
    if not query:
        text = ht("kb_list", c.lang, count=len(c.cur.entries), deleted=len(c.cur.deleted))
        await send(context, c.chat_id, text, keys.entry_list(c.cur.entries, list(c.cur.deleted.values()), c.lang, 0))
        return
    found = admin.search_entries(c.cur, c.services.matcher, query)
    if not found:
        await send(context, c.chat_id, ht("kb_search_none", c.lang, query=query))
        return
    await send(context, c.chat_id, ht("kb_search", c.lang, query=query), keys.search_results(found, c.lang))


async def on_undo(update: Update, context: BotContext) -> None:
    """/kb_undo: revert the latest change (by any admin); the undo is audited too."""
    c = await _ctx(update, context)
    try:
        change = await c.state.curator.undo(c.user_id)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    if change is None:
        await send(context, c.chat_id, ht("undo_nothing", c.lang))
        return
    c.services.replace_knowledge(c.state.curator.kb)
    await send(context, c.chat_id, ht("undo_done", c.lang, action=change.action, entries=", ".join(change.entry_ids)))


async def on_history(update: Update, context: BotContext) -> None:
    """/kb_history [entry id]: the latest admin actions (on one entry)."""
    c = await _ctx(update, context)
    storage = c.services.storage
    if storage is None or not storage.is_open:
        await send(context, c.chat_id, ht("stats_no_db", c.lang))
        return
    rows = await storage.audit_log(context.args[0] if context.args else None, limit=15)
    await send(context, c.chat_id, history_text(rows, c.lang, html=True))


async def on_unanswered(update: Update, context: BotContext) -> None:
    """/unanswered: recent unanswered questions grouped by similarity, with one-tap actions."""
    c = await _ctx(update, context)
    storage = c.services.storage
    if storage is None or not storage.is_open:
        await send(context, c.chat_id, ht("stats_no_db", c.lang))
        return
    rows = [(str(r["question"]), r["lang"]) for r in await storage.recent_unanswered(RECENT_QUESTIONS) if r["question"]]
    ignored = await c.state.curator.ignored_questions()
    groups = admin.group_unanswered(rows, c.services.matcher, ignored)[:UNANSWERED_GROUPS]
    if not groups:
        await send(context, c.chat_id, ht("unanswered_none", c.lang))
        return
    token = _token()
    c.state.groups.put(token, groups)
    markup = keys.unanswered_actions(groups, token, c.lang)
    await send(context, c.chat_id, unanswered_text(groups, c.lang, html=True), markup)


async def on_stats(update: Update, context: BotContext) -> None:
    """/stats [days]: the chat-log summary, and a chart of questions per day when matplotlib is installed."""
    c = await _ctx(update, context)
    storage = c.services.storage
    if storage is None or not storage.is_open:
        await send(context, c.chat_id, ht("stats_no_db", c.lang))
        return
    arg = (context.args or [""])[0]
    days = int(arg) if arg.isdigit() and 0 < int(arg) <= 3650 else STATS_DAYS
    stats = await storage.stats(days=days)
    await send(context, c.chat_id, admin_stats_text(stats, days, c.lang, html=True))
    labels = {k: t(f"chart_{k}", c.lang) for k in ("answered", "clarify", "unknown")}
    png = await asyncio.to_thread(per_day_png, stats["per_day"], labels, t("chart_caption", c.lang))
    if png is not None:
        await context.bot.send_photo(c.chat_id, png, caption=t("chart_caption", c.lang))


async def on_export(update: Update, context: BotContext) -> None:
    """/export: the live knowledge base as one TOML document in the entries/*.toml format."""
    c = await _ctx(update, context)
    kb = c.state.curator.kb
    header = f"# treaty-bot knowledge base export, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    document = admin.dump_entries(kb.entries, header).encode("utf-8")
    caption = t("export_caption", c.lang, count=len(kb.entries))
    await context.bot.send_document(c.chat_id, document, filename="treaty-bot-entries.toml", caption=caption)
    await c.state.curator.record(c.user_id, "export", None, f"{len(kb.entries)} entries")


def import_prompt(lang: str) -> str:
    return t("import_prompt", lang, kib=admin.MAX_IMPORT_BYTES // 1024)


async def on_import(update: Update, context: BotContext) -> None:
    """/import: ask for the TOML file as a reply (a file sent with the caption /import works directly)."""
    c = await _ctx(update, context)
    await context.bot.send_message(c.chat_id, import_prompt(c.lang), reply_markup=ForceReply())


async def on_import_document(update: Update, context: BotContext) -> None:
    """A TOML file to import: size-capped, parsed only as TOML, validated, previewed with Apply/Cancel."""
    c, message = await _ctx(update, context), update.effective_message
    document = message.document if message is not None else None
    if document is None:
        return
    name = document.file_name or "import.toml"
    try:
        if (document.file_size or 0) > admin.MAX_IMPORT_BYTES:
            admin.decode_document(b"x" * (document.file_size or 0), name)  # raises: too big, not downloaded
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
        text = admin.decode_document(data, name)
        edits = admin.import_document(c.cur, text, name)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    if not edits:
        await send(context, c.chat_id, ht("import_nothing", c.lang, name=name))
        return
    d = admin.diff(c.cur.kb, c.cur.apply(*edits).kb)
    head = import_preview_text(name, d.added, d.changed, c.lang, html=True)
    what = t("what_import", c.lang, count=len(edits))
    await preview(context, c, head, Pending("import", lambda cur: admin.import_document(cur, text, name), what))


async def on_reload(update: Update, context: BotContext) -> None:
    """/kb_reload: re-read knowledge/ plus the stored edits; a broken file keeps the previous KB live."""
    c = await _ctx(update, context)
    try:
        kb = await c.state.curator.reload()
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True, key="reload_failed"))
        await c.state.curator.record(c.user_id, "reload_failed", None, str(exc)[:500])
        return
    c.services.replace_knowledge(kb)
    skipped = len(c.state.curator.skipped)
    await send(context, c.chat_id, ht("reload_done", c.lang, count=len(kb.entries), skipped=skipped))
    await c.state.curator.record(c.user_id, "reload", None, f"{len(kb.entries)} entries")


async def on_cancel(update: Update, context: BotContext) -> int:
    """/cancel inside an admin conversation: forget the draft."""
    c = await _ctx(update, context)
    for key in ("kb_add", "kb_edit"):
        (context.user_data or {}).pop(key, None)
    await send(context, c.chat_id, ht("admin_cancelled", c.lang))
    return END


# --- buttons ----------------------------------------------------------------------------------------


def _query(update: Update) -> tuple[CallbackQuery, Message | None, list[str]]:
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    return query, message, keys.parse(query.data)


async def on_callback(update: Update, context: BotContext) -> None:
    """Dispatch an admin button (``K:...``); stale or malformed data gets the "expired" notice."""
    query, message, parts = _query(update)
    c = await _ctx(update, context)
    handler = _BUTTONS.get(parts[0] if parts else "")
    if handler is None or message is None or not await handler(context, c, message, parts[1:]):
        await query.answer(t("expired", c.lang))
        return
    await query.answer()


async def _list(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """◀ / ▶ through the entries."""
    if not args or not args[0].isdigit():
        return False
    markup = keys.entry_list(c.cur.entries, list(c.cur.deleted.values()), c.lang, int(args[0]))
    text = ht("kb_list", c.lang, count=len(c.cur.entries), deleted=len(c.cur.deleted))
    return await edit(context, c.chat_id, message.message_id, text, markup)


async def _open(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Open an entry: its questions and answers, and what can be done with it."""
    card = _card(c, args[0]) if args else None
    return card is not None and await edit(context, c.chat_id, message.message_id, *card)


async def _pick_remove(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Which question to remove (one button per question)."""
    entry = c.cur.get(args[1]) if len(args) == 2 and args[0] in LANGS else None
    if entry is None:
        return False
    text = ht("pick_remove", c.lang, language=args[0])
    return await edit(context, c.chat_id, message.message_id, text, keys.remove_choices(entry, args[0], c.lang))


async def _remove(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Remove one question (at least three must remain: the change is refused otherwise)."""
    if len(args) != 3 or args[0] not in LANGS or not args[1].isdigit() or c.cur.get(args[2]) is None:
        return False
    lang, index, entry_id = args[0], int(args[1]), args[2]
    what = t("what_remove_question", c.lang, title=_title(c, entry_id))
    build = lambda cur: [admin.remove_question(cur, entry_id, lang, index)]  # noqa: E731
    await apply_change(context, c, build, "remove_question", what, entry_id)
    return True


async def _ask_delete(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """🗑: ask for confirmation first."""
    entry = c.cur.get(args[0]) if args else None
    if entry is None:
        return False
    text = ht("confirm_delete", c.lang, title=entry.title(c.lang))
    return await edit(context, c.chat_id, message.message_id, text, keys.confirm_delete(entry, c.lang))


async def _delete(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Soft-delete (restorable)."""
    if not args or c.cur.get(args[0]) is None:
        return False
    entry_id = args[0]
    what = t("what_delete", c.lang, title=_title(c, entry_id))
    await apply_change(context, c, lambda cur: [admin.delete_entry(cur, entry_id)], "delete", what, entry_id)
    return True


async def _restore(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """♻️: bring a soft-deleted entry back."""
    if not args or args[0] not in c.cur.deleted:
        return False
    entry_id = args[0]
    what = t("what_restore", c.lang, title=_title(c, entry_id))
    await apply_change(context, c, lambda cur: [admin.restore_entry(cur, entry_id)], "restore", what, entry_id)
    return True


async def _apply(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Apply a previewed change (an answer, an import), rebuilt on the current state."""
    pending = c.state.pending.get(args[0]) if args else None
    if pending is None:
        return False
    c.state.pending.pop(args[0])
    await edit(context, c.chat_id, message.message_id, message.text_html or "", None)
    await apply_change(context, c, pending.build, pending.action, pending.what)
    return True


async def _cancel(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """Cancel a previewed change: nothing changes."""
    if args:
        c.state.pending.pop(args[0])
    return await edit(context, c.chat_id, message.message_id, ht("admin_cancelled", c.lang))


def _group(c: Ctx, token: str, index: str) -> UnansweredGroup | None:
    groups = c.state.groups.get(token)
    if groups is None or not index.isdigit() or int(index) >= len(groups):
        return None
    return groups[int(index)]


async def _unanswered(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """An unanswered group: add it to the suggested entry, choose another entry, or ignore it."""
    group = _group(c, args[0], args[1]) if len(args) == 3 else None
    if group is None:
        return False
    if args[2] == "a" and group.suggestion is not None:
        return await _add_to(context, c, group, group.suggestion.id)
    if args[2] == "c":
        ranked = [x.entry for x in c.services.matcher.rank(c.services.matcher.analyzer.analyse(group.question))]
        options = list(dict.fromkeys([*ranked[:6], *c.cur.entries]))[:8]
        text = ht("unanswered_choose", c.lang, question=group.question)
        await send(context, c.chat_id, text, keys.choose_entry(options, args[0], int(args[1]), c.lang))
        return True
    if args[2] == "i":
        for question in group.questions:
            await c.state.curator.record(c.user_id, "ignore", None, admin.question_key(question))
        await send(context, c.chat_id, ht("unanswered_ignored", c.lang, question=group.question))
        return True
    return False


async def _add_chosen(context: BotContext, c: Ctx, message: Message, args: list[str]) -> bool:
    """An unanswered group added to the entry the admin chose."""
    group = _group(c, args[0], args[1]) if len(args) == 3 else None
    return group is not None and c.cur.get(args[2]) is not None and await _add_to(context, c, group, args[2])


async def _add_to(context: BotContext, c: Ctx, group: UnansweredGroup, entry_id: str) -> bool:
    """Add an unanswered question as an alternate question of an entry (in the question's language)."""
    what = t("what_add_question", c.lang, title=_title(c, entry_id))
    build = lambda cur: [admin.add_question(cur, entry_id, group.lang, group.question)]  # noqa: E731
    await apply_change(context, c, build, "add_question", what, entry_id)
    return True


_BUTTONS: dict[str, Callable[[BotContext, Ctx, Message, list[str]], Awaitable[bool]]] = {
    "l": _list, "o": _open, "r": _pick_remove, "x": _remove, "d": _ask_delete, "D": _delete, "R": _restore,
    "y": _apply, "n": _cancel, "u": _unanswered, "U": _add_chosen,
}


# --- one-text prompts: add a question, replace an answer ---------------------------------------------


async def on_edit_prompt(update: Update, context: BotContext) -> int:
    """➕ question / ✏️ answer: ask for the text (the next message)."""
    query, _message, parts = _query(update)
    c = await _ctx(update, context)
    entry = c.cur.get(parts[2]) if len(parts) == 3 and parts[1] in LANGS else None
    if entry is None or context.user_data is None:
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    context.user_data["kb_edit"] = (parts[0], parts[1], entry.id)
    block = entry.block(parts[1])
    key, values = ("prompt_question", {}) if parts[0] == "q" else ("prompt_answer", {"answer": block.answer})
    await send(context, c.chat_id, ht(key, c.lang, language=parts[1], title=entry.title(c.lang), **values))
    return EDIT_TEXT


async def on_edit_text(update: Update, context: BotContext) -> int:
    """The text for the prompt: a question is added at once; a new answer is previewed first."""
    c, message = await _ctx(update, context), update.effective_message
    op, lang, entry_id = (context.user_data or {}).pop("kb_edit", ("", "", ""))
    text = message.text if message is not None and message.text else ""
    title = _title(c, entry_id)
    if op == "q":
        what = t("what_add_question", c.lang, title=title)
        await apply_change(context, c, lambda cur: [admin.add_question(cur, entry_id, lang, text)], "add_question",
                           what, entry_id)
    elif op == "a":
        head = ht("preview_answer", c.lang, language=lang, title=title, answer=text)
        build = lambda cur: [admin.replace_answer(cur, entry_id, lang, text)]  # noqa: E731
        await preview(context, c, head, Pending("replace_answer", build, t("what_replace_answer", c.lang, title=title)))
    return END


# --- /kb_add ----------------------------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault("kb_add", {})
    return draft


async def on_add_start(update: Update, context: BotContext) -> int:
    """/kb_add: a new entry, step by step (English questions first)."""
    c = await _ctx(update, context)
    assert context.user_data is not None
    context.user_data["kb_add"] = {}
    await send(context, c.chat_id, ht("add_en_questions", c.lang))
    return ADD_EN_Q


async def on_add_from_group(update: Update, context: BotContext) -> int:
    """New entry from an unanswered group: the same steps, the asked question added to its language."""
    query, _message, parts = _query(update)
    c = await _ctx(update, context)
    group = _group(c, parts[1], parts[2]) if len(parts) == 3 else None
    if group is None or context.user_data is None:
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    context.user_data["kb_add"] = {"seed": (group.question, group.lang)}
    text = ht("add_en_questions", c.lang) + "\n" + ht("add_seed", c.lang, question=group.question)
    await send(context, c.chat_id, text)
    return ADD_EN_Q


async def _questions_step(update: Update, context: BotContext, lang: str, prompt: str, nxt: int) -> int:
    c, message = await _ctx(update, context), update.effective_message
    draft = _draft(context)
    questions = admin.split_questions(message.text or "" if message else "")
    seed, seed_lang = draft.get("seed") or ("", "")
    if seed and seed_lang == lang and admin.question_key(seed) not in map(admin.question_key, questions):
        questions.insert(0, seed)
    if len(questions) < 3:
        await send(context, c.chat_id, ht("add_too_few", c.lang))
        return ADD_EN_Q if lang == "en" else ADD_RU_Q
    draft[lang] = {"questions": questions}
    await send(context, c.chat_id, ht(prompt, c.lang))
    return nxt


async def _answer_step(update: Update, context: BotContext, lang: str, prompt: str, nxt: int) -> int:
    c, message = await _ctx(update, context), update.effective_message
    answer = (message.text or "").strip() if message is not None else ""
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        await send(context, c.chat_id, ht("add_answer_bad", c.lang, limit=MAX_ANSWER_CHARS))
        return ADD_EN_A if lang == "en" else ADD_RU_A
    _draft(context).setdefault(lang, {"questions": []})["answer"] = answer
    markup = keys.topics(c.services.kb, c.lang) if nxt == ADD_TOPIC else None
    await send(context, c.chat_id, ht(prompt, c.lang), markup)
    return nxt


async def on_add_en_q(update: Update, context: BotContext) -> int:
    """The English questions."""
    return await _questions_step(update, context, "en", "add_en_answer", ADD_EN_A)


async def on_add_en_a(update: Update, context: BotContext) -> int:
    """The English answer."""
    return await _answer_step(update, context, "en", "add_ru_questions", ADD_RU_Q)


async def on_add_ru_q(update: Update, context: BotContext) -> int:
    """The Russian questions."""
    return await _questions_step(update, context, "ru", "add_ru_answer", ADD_RU_A)


async def on_add_ru_a(update: Update, context: BotContext) -> int:
    """The Russian answer."""
    return await _answer_step(update, context, "ru", "add_source", ADD_SOURCE)


async def on_add_source(update: Update, context: BotContext) -> int:
    """The source sentences, each checked word for word against the article."""
    c, message = await _ctx(update, context), update.effective_message
    lines = [line.strip() for line in (message.text or "" if message else "").splitlines() if line.strip()]
    bad = next((s for s in lines if not admin.source_in_article(c.services.kb, s)), None) if lines else ""
    if bad is not None:
        await send(context, c.chat_id, ht("add_source_bad", c.lang, text=(bad or "")[:200]))
        return ADD_SOURCE
    _draft(context)["source"] = lines
    await send(context, c.chat_id, ht("add_topic", c.lang), keys.topics(c.services.kb, c.lang))
    return ADD_TOPIC


async def on_add_topic(update: Update, context: BotContext) -> int:
    """The topic (a button); then the summary with Confirm / Cancel."""
    query, _message, parts = _query(update)
    c = await _ctx(update, context)
    draft = _draft(context)
    if len(parts) != 2 or c.services.kb.topic(parts[1]) is None or "en" not in draft or "ru" not in draft:
        await query.answer(t("expired", c.lang))
        return ADD_TOPIC
    await query.answer()
    data = {"id": admin.new_entry_id(c.cur, draft["en"]["questions"][0]), "kind": "fact", "topic": parts[1],
            "answers": [], "source": draft.get("source", []), "en": draft["en"], "ru": draft["ru"]}
    draft["entry"] = data
    await send(context, c.chat_id, new_entry_text(data, c.lang, html=True), keys.confirm_new(c.lang))
    return ADD_CONFIRM


async def on_add_confirm(update: Update, context: BotContext) -> int:
    """Confirm: the entry is added (validated, stored, audited); Cancel: nothing changes."""
    query, _message, parts = _query(update)
    c = await _ctx(update, context)
    await query.answer()
    data = (context.user_data or {}).pop("kb_add", {}).get("entry")
    if parts != ["c", "y"] or data is None:
        await send(context, c.chat_id, ht("admin_cancelled", c.lang))
        return END
    what = t("what_add_entry", c.lang, id=data["id"])
    await apply_change(context, c, lambda cur: [admin.new_entry(cur, data)], "add_entry", what, data["id"])
    return END


# --- registration, start-up, SIGHUP ------------------------------------------------------------------


class AdminButton(CallbackQueryHandler[BotContext, object]):
    """A CallbackQueryHandler for ``K:`` buttons only (PTB's pattern handlers also take empty data)."""

    def check_update(self, update: object) -> bool | object | None:
        query = update.callback_query if isinstance(update, Update) else None
        if query is None or not isinstance(query.data, str) or not query.data.startswith(keys.PREFIX):
            return None
        return super().check_update(update)


class _ReplyToImportPrompt(filters.MessageFilter):
    """A message that replies to the bot's /import prompt."""

    def filter(self, message: Message) -> bool:
        reply = message.reply_to_message
        return reply is not None and reply.text in {import_prompt(lang) for lang in LANGS}


def _conversations(private_text: filters.BaseFilter) -> list[ConversationHandler[BotContext]]:
    cancel: list[BaseHandler[Update, BotContext, object]] = [CommandHandler("cancel", admin_only(on_cancel))]
    text = private_text & ~filters.COMMAND

    def on(cb: Handler) -> MessageHandler[BotContext, object]:
        return MessageHandler(text, admin_only(cb))

    with warnings.catch_warnings():
        # Buttons inside these conversations belong to the admin's latest message: per-user tracking is right.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        add = ConversationHandler(
            entry_points=[
                CommandHandler("kb_add", admin_only(on_add_start), filters=private_text),
                AdminButton(admin_only(on_add_from_group), pattern=keys.NEW_FROM_GROUP_PATTERN),
            ],
            states={
                ADD_EN_Q: [on(on_add_en_q)], ADD_EN_A: [on(on_add_en_a)], ADD_RU_Q: [on(on_add_ru_q)],
                ADD_RU_A: [on(on_add_ru_a)], ADD_SOURCE: [on(on_add_source)],
                ADD_TOPIC: [AdminButton(admin_only(on_add_topic), pattern=keys.TOPIC_PATTERN)],
                ADD_CONFIRM: [AdminButton(admin_only(on_add_confirm), pattern=keys.CONFIRM_PATTERN)],
            },
            fallbacks=cancel,
            allow_reentry=True,
            name="kb_add",
        )
        prompt = ConversationHandler(
            entry_points=[AdminButton(admin_only(on_edit_prompt), pattern=keys.EDIT_PROMPT_PATTERN)],
            states={EDIT_TEXT: [on(on_edit_text)]},
            fallbacks=cancel,
            allow_reentry=True,
            name="kb_edit",
        )
    return [add, prompt]


def register_admin_handlers(app: BotApplication) -> None:
    """Add the admin handlers (call before the generic handlers) and the admin start-up/shut-down."""
    services: Services = app.bot_data[SERVICES_KEY]
    app.bot_data[ADMIN_KEY] = AdminState(Curator(services.kb, services.storage))
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    for conversation in _conversations(private & filters.TEXT):
        app.add_handler(conversation)
    for name, callback in (("kb", on_kb), ("kb_undo", on_undo), ("kb_history", on_history),
                           ("unanswered", on_unanswered), ("stats", on_stats), ("export", on_export),
                           ("import", on_import), ("kb_reload", on_reload)):
        app.add_handler(CommandHandler(name, admin_only(callback), filters=private))
    upload = filters.Document.ALL & (filters.CaptionRegex(r"^/import(@\w+)?(\s|$)") | _ReplyToImportPrompt())
    app.add_handler(MessageHandler(private & upload, admin_only(on_import_document)))
    app.add_handler(AdminButton(admin_only(on_callback), pattern=keys.PATTERN))
    _chain_lifecycle(app)


def _chain_lifecycle(app: BotApplication) -> None:
    before_init, before_shutdown = app.post_init, app.post_shutdown

    async def post_init(application: Any) -> None:
        if before_init is not None:
            await before_init(application)
        await start_admin(app)

    async def post_shutdown(application: Any) -> None:
        stop_admin(app)
        if before_shutdown is not None:
            await before_shutdown(application)

    app.post_init, app.post_shutdown = post_init, post_shutdown


async def start_admin(app: BotApplication) -> None:
    """Replay the stored edits over knowledge/ (invalid ones are skipped and logged); SIGHUP reloads."""
    services: Services = app.bot_data[SERVICES_KEY]
    state = state_of(app.bot_data)
    kb = await state.curator.load()
    if kb is not services.kb:
        services.replace_knowledge(kb)
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, _on_sighup, app)
        state.sighup = True
    except (NotImplementedError, RuntimeError, AttributeError, ValueError):
        log.info("SIGHUP is not available here; use /kb_reload to reload the knowledge base")


def stop_admin(app: BotApplication) -> None:
    state = state_of(app.bot_data)
    if state.sighup:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        state.sighup = False


def _on_sighup(app: BotApplication) -> None:
    state = state_of(app.bot_data)
    task = asyncio.ensure_future(reload_on_signal(app))
    state.tasks.add(task)
    task.add_done_callback(state.tasks.discard)


async def reload_on_signal(app: BotApplication) -> None:
    """SIGHUP: reload knowledge/ and the stored edits; on failure keep the old KB, log, notify the admins."""
    services: Services = app.bot_data[SERVICES_KEY]
    curator = state_of(app.bot_data).curator
    try:
        kb = await curator.reload()
    except KnowledgeError as exc:
        log.error("SIGHUP: the knowledge base was not reloaded, the previous one stays live:\n%s", exc)
        lang = services.config.bot.default_language
        text = problems_text(exc.problems, lang, html=True, key="reload_failed")
        chats = [*services.config.bot.admins, services.config.bot.admin_chat_id]
        for chat_id in dict.fromkeys(c for c in chats if c):
            try:
                await app.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            except TelegramError as error:
                log.warning("could not tell admin %s about the failed reload: %s", chat_id, error)
        return
    services.replace_knowledge(kb)
    log.info("SIGHUP: knowledge base reloaded, %d entries", len(kb.entries))
