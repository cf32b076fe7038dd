"""Reloading the knowledge base: /kb_reload, SIGHUP, and the replay of the stored edits at start.

Both re-read ``knowledge/`` plus the stored edits through the curation store; a broken file keeps the
previous knowledge base live and the admin (for SIGHUP: every configured admin) is told what is wrong.
``start_admin``/``stop_admin`` are called by ``bot/telegram/app.py``'s post_init and post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.admin_texts import ht, problems_text
from bot.knowledge import KnowledgeError
from bot.telegram.admin.replies import send
from bot.telegram.admin.state import admin_call, state_of
from bot.telegram.context import SERVICES_KEY, BotApplication, BotContext, Services

log = logging.getLogger(__name__)


async def on_reload(update: Update, context: BotContext) -> None:
    """/kb_reload: re-read knowledge/ plus the stored edits; a broken file keeps the previous KB live."""
    c = await admin_call(update, context)
    try:
        kb = await c.store.reload()
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True, key="reload_failed"))
        await c.store.record(c.user_id, "reload_failed", None, str(exc)[:500])
        return
    await send(context, c.chat_id, ht("reload_done", c.lang, count=len(kb.entries), skipped=len(c.store.skipped)))
    await c.store.record(c.user_id, "reload", None, f"{len(kb.entries)} entries")


async def start_admin(app: BotApplication) -> None:
    """Replay the stored edits over knowledge/ (invalid ones are skipped and logged); SIGHUP reloads."""
    services: Services = app.bot_data[SERVICES_KEY]
    state = state_of(app.bot_data)
    await services.curation.load()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, _on_sighup, app)
        state.sighup = True
    except (NotImplementedError, RuntimeError, AttributeError, ValueError):
        log.info("SIGHUP is not available here; use /kb_reload to reload the knowledge base")


def stop_admin(app: BotApplication) -> None:
    """Remove the SIGHUP handler ``start_admin`` installed."""
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
    try:
        kb = await services.curation.reload()
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
    log.info("SIGHUP: knowledge base reloaded, %d entries", len(kb.entries))
