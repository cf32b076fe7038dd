"""The admin commands where admins look for them: in /help, and in each admin's own command menu.

At start the bot publishes, for each user id in ``bot.admins``, a command menu scoped to that admin's
private chat (``BotCommandScopeChat``, English by default and Russian): the everyday commands followed by
the admin commands. Telegram only accepts it for an admin who has started the bot; for one who has not,
the bot says so in the log and the admin still has the commands in /help. (Administrators of
``bot.admin_chat_id`` are looked up when they use a command, so they get /help, not a menu.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.admin_texts import ht, t
from bot.lexicon import LANGS
from bot.telegram.admin import COMMANDS as ADMIN_COMMANDS
from bot.telegram.context import SERVICES_KEY, BotApplication
from bot.texts import t as user_t

log = logging.getLogger(__name__)


def admin_help(lang: str) -> str:
    """The admin part of /help (HTML): each admin command with what it does."""
    lines = [f"/{name}: {ht(f'acmd_{name}', lang)}" for name in ADMIN_COMMANDS]
    return f"<b>{ht('admin_help_title', lang)}</b>\n" + "\n".join(lines)


def admin_menu(user_commands: Sequence[str], lang: str) -> list[BotCommand]:
    """An admin's command menu: the everyday commands, then the admin ones."""
    everyday = [BotCommand(name, user_t(f"cmd_{name}", lang)) for name in user_commands]
    return everyday + [BotCommand(name, t(f"acmd_{name}", lang)) for name in ADMIN_COMMANDS]


async def publish_admin_menus(app: BotApplication, user_commands: Sequence[str]) -> int:
    """setMyCommands scoped to each configured admin's chat (en default, ru); how many admins got one."""
    admin_ids = sorted(app.bot_data[SERVICES_KEY].config.bot.admins)
    calls = []
    for admin_id in admin_ids:
        for lang in LANGS:
            code = None if lang == "en" else lang
            menu = admin_menu(user_commands, lang)
            calls.append(app.bot.set_my_commands(menu, scope=BotCommandScopeChat(admin_id), language_code=code))
    results = await asyncio.gather(*calls, return_exceptions=True)
    failed: dict[int, TelegramError] = {}
    for i, result in enumerate(results):
        if isinstance(result, TelegramError):
            failed.setdefault(admin_ids[i // len(LANGS)], result)
        elif isinstance(result, BaseException):
            raise result
    for admin_id, error in failed.items():
        log.warning("no admin command menu for admin %s (has the admin started the bot?): %s", admin_id, error)
    return len(admin_ids) - len(failed)
