"""The admin console where admins look for it: /help, a command menu of their own, and /whoami for anyone."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import RunningBot, TelegramBots
from fake_telegram import parse_html

from bot.admin_texts import t as admin_t
from bot.config import BotConfig
from bot.lexicon import LANGS
from bot.telegram import admin
from bot.telegram.admin.menu import publish_admin_menus
from bot.telegram.app import COMMANDS
from bot.texts import t

ADMIN, ADMIN2, USER = 9101, 9102, 9199


async def start(bots: TelegramBots) -> RunningBot:
    return await bots.start(bots.config(bot=BotConfig(admins=(ADMIN, ADMIN2))))


def shown(text: str) -> str:
    return parse_html(text)[0]


def test_every_admin_command_is_described_in_both_languages() -> None:
    for name in admin.COMMANDS:
        for lang in LANGS:
            description = admin_t(f"acmd_{name}", lang)
            assert 1 <= len(description) <= 256 and (lang == "en" or description != admin_t(f"acmd_{name}", "en"))


async def test_each_admin_gets_a_command_menu_with_the_admin_commands(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    default = bot.fake.commands[('{"type": "default"}', "")]
    assert [c["command"] for c in default] == list(COMMANDS)  # everyone else: the everyday commands only
    assert not set(admin.COMMANDS) & {c["command"] for c in default}
    for admin_id in (ADMIN, ADMIN2):
        scope = json.dumps({"chat_id": admin_id, "type": "chat"}, sort_keys=True)
        for code, lang in (("", "en"), ("ru", "ru")):
            menu = bot.fake.commands[(scope, code)]
            assert [c["command"] for c in menu] == [*COMMANDS, *admin.COMMANDS]
            assert menu[-1]["description"] == admin_t(f"acmd_{admin.COMMANDS[-1]}", lang)


async def test_an_admin_who_never_started_the_bot_gets_no_menu_and_a_log_line(
    telegram_bots: TelegramBots, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start(telegram_bots)
    bot.fake.fail_next("setMyCommands", 400, count=4, description="Bad Request: chat not found")
    with caplog.at_level(logging.WARNING):
        assert await publish_admin_menus(bot.app, COMMANDS) == 0
    warnings = [r.getMessage() for r in caplog.records if "no admin command menu" in r.getMessage()]
    assert len(warnings) == 2 and "admin 9101" in warnings[0] and "chat not found" in warnings[0].casefold()


async def test_help_lists_the_admin_commands_for_admins_only(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    for user, is_admin in ((ADMIN, True), (USER, False)):
        call = await bot.feed(bot.fake.private_message("/help", user_id=user))
        text = shown(call.result["text"])
        assert "/topics" in text
        assert all((f"/{name}:" in text) == is_admin for name in admin.COMMANDS), text
    ru = await bot.feed(bot.fake.private_message("/help", user_id=ADMIN2, language_code="ru"))
    assert admin_t("acmd_kb_add", "ru") in shown(ru.result["text"])
    # in a group, /help stays short even for an admin
    group = await bot.feed(bot.fake.group_message("/help", user_id=ADMIN))
    assert "/kb_add" not in shown(group.result["text"])


async def test_whoami_tells_anyone_their_id_and_whether_they_are_an_admin(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    call = await bot.feed(bot.fake.private_message("/whoami", user_id=USER))
    text = call.params["text"]  # the HTML sent: ids in <code>, one tap copies them
    assert f"<code>{USER}</code>" in text and shown(text).endswith(t("whoami_not_admin", "en"))
    call = await bot.feed(bot.fake.private_message("/whoami", user_id=ADMIN, language_code="ru"))
    assert f"<code>{ADMIN}</code>" in call.params["text"] and call.result["text"].endswith(t("whoami_admin", "ru"))
    # in a group: the group's id too (for bot.admin_chat_id)
    call = await bot.feed(bot.fake.group_message("/whoami", chat_id=-100777, user_id=USER))
    assert f"<code>{USER}</code>" in call.params["text"] and "<code>-100777</code>" in call.params["text"]
