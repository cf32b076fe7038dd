"""The admin commands that answer in one message: /kb, /kb_undo, /kb_history, /stats, /export.

Each handler is thin: the work is in ``bot.curation`` (pure, and the store), the texts in
``bot.admin_texts``, the buttons in ``keyboards.py``. Every handler runs behind ``auth.admin_only``.
/kb_add and /import are conversations (``conversations.py``); /kb_reload is in ``reload.py``, /unanswered in
``unanswered.py``.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING

from telegram import Update

import bot.telegram.admin.keyboards as keys
from bot.admin_texts import admin_stats_text, clip, history_text, ht, problems_text, t
from bot.chart import disliked_caption, per_day_png
from bot.curation.export import dump_entries
from bot.curation.history import NAME_ACTION, history_items
from bot.curation.overlay import search_entries
from bot.knowledge import KnowledgeError
from bot.telegram.admin.replies import send
from bot.telegram.admin.state import AdminCall, admin_call
from bot.telegram.context import BotContext

if TYPE_CHECKING:
    from bot.storage import Storage

STATS_DAYS = 30


async def _chat_log(context: BotContext, c: AdminCall) -> Storage | None:
    """The open chat log, or None after telling the admin that none is configured."""
    storage = c.services.storage
    if storage is None or not storage.is_open:
        await send(context, c.chat_id, ht("stats_no_db", c.lang))
        return None
    return storage


async def on_kb(update: Update, context: BotContext) -> None:
    """/kb: the list of entries; /kb words: the entries that match."""
    c = await admin_call(update, context)
    query = " ".join(context.args or [])
    if not query:
        entries, deleted = c.edited.entries, list(c.edited.deleted.values())
        text = ht("kb_list", c.lang, count=len(entries), deleted=len(deleted))
        await send(context, c.chat_id, text, keys.entry_list(entries, deleted, c.lang, 0))
        return
    found = search_entries(c.edited, c.services.matcher, query)
    if not found:
        await send(context, c.chat_id, ht("kb_search_none", c.lang, query=clip(query)))
        return
    await send(context, c.chat_id, ht("kb_search", c.lang, query=clip(query)), keys.search_results(found, c.lang))


async def on_undo(update: Update, context: BotContext) -> None:
    """/kb_undo: revert the latest change (by any admin); the undo is audited too."""
    c = await admin_call(update, context)
    try:
        change = await c.store.undo(c.user_id, c.name)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    if change is None:
        await send(context, c.chat_id, ht("undo_nothing", c.lang))
        return
    await send(context, c.chat_id, ht("undo_done", c.lang, action=change.action, entries=", ".join(change.entry_ids)))


async def on_history(update: Update, context: BotContext) -> None:
    """/kb_history [entry id]: the latest admin actions (on one entry)."""
    c = await admin_call(update, context)
    storage = await _chat_log(context, c)
    if storage is None:
        return
    # Refused attempts are counted in the audit log but are not history: nothing happened.
    rows = await storage.audit_log(context.args[0] if context.args else None, limit=15, exclude=("denied", NAME_ACTION))
    await send(context, c.chat_id, history_text(history_items(rows, await c.store.admin_names()), c.lang, html=True))


async def on_stats(update: Update, context: BotContext) -> None:
    """/stats [days]: the chat-log summary, and a chart of questions per day when matplotlib is installed."""
    c = await admin_call(update, context)
    storage = await _chat_log(context, c)
    if storage is None:
        return
    arg = (context.args or [""])[0]
    days = int(arg) if arg.isdigit() and 0 < int(arg) <= 3650 else STATS_DAYS
    stats = await storage.stats(days=days)
    await send(context, c.chat_id, admin_stats_text(stats, days, c.lang, html=True))
    # Every day of the range is a bar (zeros too); the title is in the picture, so the caption under it is
    # not the title again but the entries rated 👎 most (plain text).
    labels = {k: t(f"chart_{k}", c.lang) for k in ("answered", "clarify", "unknown", "x", "y")}
    png = await asyncio.to_thread(
        functools.partial(per_day_png, stats["per_day"], labels, t("chart_caption", c.lang), days=days)
    )
    disliked = disliked_caption(stats.get("disliked_entries", []), c.store.kb.by_id, c.lang)
    if png is not None:
        await context.bot.send_photo(c.chat_id, png, caption=disliked or None)
    elif disliked:
        await context.bot.send_message(c.chat_id, disliked)


async def on_export(update: Update, context: BotContext) -> None:
    """/export: the live knowledge base as one TOML document in the entries/*.toml format."""
    c = await admin_call(update, context)
    kb = c.store.kb
    header = f"# treaty-bot knowledge base export, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    document = dump_entries(kb.entries, header).encode("utf-8")
    caption = t("export_caption", c.lang, count=len(kb.entries))
    await context.bot.send_document(c.chat_id, document, filename="treaty-bot-entries.toml", caption=caption)
    await c.store.record(c.user_id, "export", None, f"{len(kb.entries)} entries", name=c.name)
