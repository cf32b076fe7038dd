"""Admin tools in Telegram: curate the knowledge base, learn from unanswered questions, audit, statistics.

* ``auth``: who is an admin; the refusal (audited) for everyone else
* ``state``: what the tools keep between updates, and the context each handler starts from
* ``changes``: making a change live, or previewing it with the regression replay
* ``keyboards``: the typed ``K:`` button actions, their callback_data, the keyboards
* ``buttons``: the admin button router
* ``commands``: /kb, /kb_undo, /kb_history, /stats, /export
* ``unanswered``: /unanswered, its pages and the actions on each question
* ``conversations``: /kb_add, the ➕ question / ✏️ answer / 📄 source prompt, the 🔎 entry search, /import,
  /cancel
* ``reload``: /kb_reload, SIGHUP, the stored edits replayed at start

The logic is in ``bot.curation``, the texts in ``bot.admin_texts``. ``register_admin_handlers(app)``
adds the handlers (before the generic ones); ``bot/telegram/app.py`` calls ``start_admin`` from its
post_init (the stored edits are replayed over ``knowledge/``, SIGHUP reloads) and ``stop_admin`` from
its post_shutdown.
"""

from __future__ import annotations

from telegram.ext import CommandHandler, MessageHandler, filters

from bot.telegram.admin import commands, conversations, unanswered
from bot.telegram.admin.auth import admin_only
from bot.telegram.admin.buttons import AdminButton, on_callback
from bot.telegram.admin.reload import on_reload, start_admin, stop_admin
from bot.telegram.admin.state import ADMIN_KEY, AdminState
from bot.telegram.context import BotApplication

COMMANDS = ("kb", "kb_add", "kb_undo", "kb_history", "unanswered", "stats", "export", "import", "kb_reload")

__all__ = ["COMMANDS", "register_admin_handlers", "start_admin", "stop_admin"]


def register_admin_handlers(app: BotApplication) -> None:
    """Add the admin handlers: call before the generic handlers, so that admin commands and buttons go here."""
    app.bot_data[ADMIN_KEY] = AdminState()
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    for conversation in conversations.conversations(private & filters.TEXT):
        app.add_handler(conversation)
    for name, callback in (
        ("kb", commands.on_kb), ("kb_undo", commands.on_undo), ("kb_history", commands.on_history),
        ("unanswered", unanswered.on_unanswered), ("stats", commands.on_stats), ("export", commands.on_export),
        ("import", conversations.on_import), ("kb_reload", on_reload),
    ):
        app.add_handler(CommandHandler(name, admin_only(callback), filters=private))
    upload = private & conversations.import_upload_filter()
    app.add_handler(MessageHandler(upload, admin_only(conversations.on_import_document)))
    app.add_handler(AdminButton(admin_only(on_callback)))
    # /cancel outside a conversation (the conversations' fallbacks take it inside one): for anyone.
    app.add_handler(CommandHandler("cancel", conversations.on_nothing_to_cancel, filters=private))
