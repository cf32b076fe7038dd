"""Groups, end to end (issue 13): the buttons under an answer act for the asker only, a pressed question
names who asked, and a group's admins choose compact answers and the group's language with /settings."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from conftest import RunningBot, TelegramBots
from fake_telegram import Call

from bot.knowledge import KnowledgeBase
from bot.storage import GroupSettings
from bot.telegram.keyboards import GroupSetting, encode, parse
from bot.texts import t

GROUP = -1009876543
ASKER, OTHER, ADMIN = 50, 51, 60
CHANGES = ("sendMessage", "editMessageText", "editMessageReplyMarkup")


def buttons(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b.get("callback_data", "") for row in rows for b in row]


def shown(message: dict[str, Any]) -> str:
    return str(message["text"])


async def changes_after(bot: RunningBot, since: int, seconds: float = 0.4) -> list[Call]:
    """The calls that would change the chat made since call ``since`` (waiting ``seconds`` for late ones)."""
    await asyncio.sleep(seconds)
    return [c for c in bot.fake.calls[since:] if c.method in CHANGES]


async def press(bot: RunningBot, data: str, message: dict[str, Any], user_id: int, **user: Any) -> Call:
    """Press a button as ``user_id``; the bot's answerCallbackQuery."""
    return await bot.feed(bot.fake.callback_query(data, message, user_id, **user), "answerCallbackQuery")


async def ask(bot: RunningBot, question: str, user_id: int = ASKER, **user: Any) -> Call:
    return await bot.feed(bot.fake.group_message(f"/ask {question}", chat_id=GROUP, user_id=user_id, **user))


def db_rows(path: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


# --- the asker's buttons --------------------------------------------------------------------------------


async def test_a_second_members_press_changes_nothing_and_gets_a_toast(tg_bot: RunningBot) -> None:
    answer = (await ask(tg_bot, "who signed the treaty?")).result
    data = buttons(answer)
    suggestion = next(d for d in data if d.startswith("a:en:"))
    assert "f:+:signatories" in data
    for pressed in (suggestion, "f:+:signatories", "f:-:signatories"):
        since = len(tg_bot.fake.calls)
        toast = await press(tg_bot, pressed, answer, OTHER)
        assert toast.params["text"] == t("not_your_buttons", "en") and not toast.params.get("show_alert")
        assert await changes_after(tg_bot, since) == [], pressed
    storage = tg_bot.services.storage
    assert storage is not None and await storage.flush(2)
    assert await storage.count("feedback") == 0  # the other member's vote was not counted either
    # The asker's own vote counts, and takes the 👍/👎 row away.
    thanks = await press(tg_bot, "f:+:signatories", answer, ASKER)
    assert thanks.params["text"] == t("feedback_thanks", "en")
    markup = await tg_bot.fake.wait_for("editMessageReplyMarkup")
    assert not any(d.startswith("f:") for d in buttons(markup.result))


async def test_the_askers_press_names_the_asker_and_is_no_repeat(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    answer = (await ask(tg_bot, "who signed the treaty?", username="anna")).result
    suggestion = next(d for d in buttons(answer) if d.startswith("a:en:"))
    entry = kb.by_id[suggestion.split(":")[2]]
    since = len(tg_bot.fake.calls)
    tg_bot.fake.add_update(tg_bot.fake.callback_query(suggestion, answer, ASKER, username="anna"))
    sent = await tg_bot.fake.wait_for("sendMessage", since=since)
    text = shown(sent.result)
    assert text.startswith(f"@anna asked: {entry.title('en')}\n\n{entry.en.answer}"), text
    assert sent.params["reply_parameters"]["message_id"] == answer["message_id"]
    # The new answer is the asker's too: another member's press on it changes nothing ...
    since = len(tg_bot.fake.calls)
    other = await press(tg_bot, buttons(sent.result)[0], sent.result, OTHER)
    assert other.params["text"] == t("not_your_buttons", "en") and await changes_after(tg_bot, since) == []
    # ... and the same question typed by someone else now links to it.
    repeat = await ask(tg_bot, entry.title("en"), user_id=OTHER)
    assert shown(repeat.result).endswith(f"/{sent.result['message_id']}")


async def test_an_asker_without_a_username_is_named_with_a_mention(tg_bot: RunningBot) -> None:
    answer = (await ask(tg_bot, "who signed the treaty?", username="", first_name="Boris <b>")).result
    suggestion = next(d for d in buttons(answer) if d.startswith("a:en:"))
    since = len(tg_bot.fake.calls)
    tg_bot.fake.add_update(tg_bot.fake.callback_query(suggestion, answer, ASKER, username="", first_name="Boris <b>"))
    sent = await tg_bot.fake.wait_for("sendMessage", since=since)
    assert shown(sent.result).startswith("Boris <b> asked: ")
    link = next(e for e in sent.result["entities"] if e["type"] == "text_link")
    assert link["url"] == f"tg://user?id={ASKER}" and link["offset"] == 0 and link["length"] == len("Boris <b>")


async def test_the_asker_is_known_after_a_restart_from_the_chat_log(telegram_bots: TelegramBots) -> None:
    bot = await telegram_bots.start()
    answer = (await ask(bot, "who signed the treaty?")).result
    suggestion = next(d for d in buttons(answer) if d.startswith("a:en:"))
    since = len(bot.fake.calls)
    bot.fake.add_update(bot.fake.callback_query(suggestion, answer, ASKER))
    sent = (await bot.fake.wait_for("sendMessage", since=since)).result  # replies to the bot's answer
    await telegram_bots.stop(bot)
    again = await telegram_bots.start()
    assert len(again.services.askers) == 0
    since = len(again.fake.calls)
    other = await press(again, buttons(sent)[0], sent, OTHER)
    assert other.params["text"] == t("not_your_buttons", "en") and await changes_after(again, since) == []
    own = next(d for d in buttons(sent) if d.startswith("f:+"))
    assert (await press(again, own, sent, ASKER)).params["text"] == t("feedback_thanks", "en")


async def test_private_chats_and_unknown_askers_keep_every_press(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    private = await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=ASKER))
    assert (await press(tg_bot, "f:+:signatories", private.result, ASKER)).params["text"] == t("feedback_thanks", "en")
    # /topics in a group is its sender's; a message whose asker nobody knows is anyone's.
    topics = await tg_bot.feed(fake.group_message("/topics", chat_id=GROUP, user_id=ASKER))
    assert (await press(tg_bot, "T:en", topics.result, OTHER)).params["text"] == t("not_your_buttons", "en")
    orphan = {**topics.result, "message_id": 999}
    orphan.pop("reply_to_message")
    since = len(fake.calls)
    fake.add_update(fake.callback_query("T:en", orphan, OTHER))
    answered = await fake.wait_for("answerCallbackQuery", since=since)
    assert answered.params.get("text") != t("not_your_buttons", "en")


# --- /settings ---------------------------------------------------------------------------------------


def test_settings_buttons_round_trip() -> None:
    for action in (GroupSetting(compact=True), GroupSetting(compact=False), *(GroupSetting(lang=x) for x in
                                                                              ("auto", "en", "ru"))):
        assert parse(encode(action)) == action
    for bad in ("s:c:2", "s:l:de", "s:x:1", "s:c", "s:l:en:1"):
        assert parse(bad) is None, bad


async def open_settings(bot: RunningBot, user_id: int = ADMIN) -> Call:
    bot.fake.set_chat_member(GROUP, ADMIN, "administrator")
    return await bot.feed(bot.fake.group_message("/settings", chat_id=GROUP, user_id=user_id))


async def test_admin_compact_answers_have_no_quote_and_no_buttons(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    menu = await open_settings(tg_bot)
    assert t("settings_full", "en") in shown(menu.result)
    assert buttons(menu.result) == ["s:c:0", "s:c:1", "s:l:auto", "s:l:en", "s:l:ru"]
    assert menu.params["reply_parameters"]["message_id"] > 0
    saved = await press(tg_bot, "s:c:1", menu.result, ADMIN)
    assert saved.params["text"] == t("settings_saved", "en")
    edited = await tg_bot.fake.wait_for("editMessageText")
    assert t("settings_compact", "en") in shown(edited.result)
    labels = [b["text"] for row in edited.result["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[1] == "✓ " + t("button_compact", "en") and labels[2] == "✓ " + t("lang_auto", "en")
    answer = (await ask(tg_bot, "who signed the treaty?")).result
    assert shown(answer) == kb.by_id["signatories"].en.answer
    assert "reply_markup" not in answer and not any("blockquote" in e["type"] for e in answer.get("entities", []))
    # Elsewhere nothing changed: a private answer keeps its quote and buttons.
    private = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=ASKER))
    assert "reply_markup" in private.result and "Source:" in shown(private.result)


async def test_the_groups_language_holds_for_every_answer(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    menu = await open_settings(tg_bot)
    await press(tg_bot, "s:l:ru", menu.result, ADMIN)
    edited = await tg_bot.fake.wait_for("editMessageText")
    assert shown(edited.result).startswith(t("settings_title", "ru"))  # the settings speak it at once
    english = (await ask(tg_bot, "who signed the treaty?")).result
    assert shown(english).startswith(kb.by_id["signatories"].ru.answer)
    assert all(d.startswith(("a:ru:", "f:")) for d in buttons(english))
    usage = await tg_bot.feed(tg_bot.fake.group_message("/ask", chat_id=GROUP, user_id=OTHER))
    assert shown(usage.result) == t("ask_usage", "ru")
    help_ = await tg_bot.feed(tg_bot.fake.group_message("/help", chat_id=GROUP, user_id=OTHER))
    assert shown(help_.result) == t("help", "ru", username="TreatyBot")
    toast = await press(tg_bot, buttons(english)[0], english, OTHER)
    assert toast.params["text"] == t("not_your_buttons", "ru")
    await press(tg_bot, "s:l:auto", menu.result, ADMIN)
    back = (await ask(tg_bot, "what did the EU say?", user_id=OTHER)).result
    assert shown(back).startswith(kb.by_id["eu_position"].en.answer)


async def test_non_admins_are_refused(tg_bot: RunningBot) -> None:
    refused = await tg_bot.feed(tg_bot.fake.group_message("/settings", chat_id=GROUP, user_id=OTHER))
    assert shown(refused.result) == t("settings_not_admin", "en") and "reply_markup" not in refused.result
    assert refused.params["reply_parameters"]["message_id"] > 0
    menu = await open_settings(tg_bot)
    since = len(tg_bot.fake.calls)
    toast = await press(tg_bot, "s:c:1", menu.result, OTHER)
    assert toast.params["text"] == t("settings_not_admin", "en")
    assert await changes_after(tg_bot, since) == [] and not tg_bot.services.group_settings(GROUP).compact
    tg_bot.fake.set_chat_member(GROUP, 61, "creator")  # the owner is an admin too
    assert (await press(tg_bot, "s:c:1", menu.result, 61)).params["text"] == t("settings_saved", "en")
    private = await tg_bot.feed(tg_bot.fake.private_message("/settings", user_id=OTHER))
    assert shown(private.result) == t("settings_private", "en")


async def test_settings_survive_a_restart(telegram_bots: TelegramBots, kb: KnowledgeBase) -> None:
    bot = await telegram_bots.start()
    menu = await open_settings(bot)
    await press(bot, "s:c:1", menu.result, ADMIN)
    await press(bot, "s:l:ru", menu.result, ADMIN)
    await telegram_bots.stop(bot)
    database = telegram_bots.config().storage.database
    assert db_rows(database, "SELECT chat_id, compact, lang FROM group_settings") == [(GROUP, 1, "ru")]
    again = await telegram_bots.start()
    loaded = again.services.group_settings(GROUP)
    assert isinstance(loaded, GroupSettings) and (loaded.compact, loaded.lang) == (True, "ru")
    answer = (await ask(again, "who signed the treaty?")).result
    assert shown(answer) == kb.by_id["signatories"].ru.answer and "reply_markup" not in answer
    menu = await open_settings(again)
    assert t("settings_compact", "ru") in shown(menu.result)


async def test_group_admins_get_settings_in_their_command_menu(tg_bot: RunningBot) -> None:
    for code in ("", "ru"):
        menu = tg_bot.fake.commands[('{"type": "all_chat_administrators"}', code)]
        assert [c["command"] for c in menu][-1] == "settings"
    assert "settings" not in [c["command"] for c in tg_bot.fake.commands[('{"type": "default"}', "")]]
    assert "/settings" in t("help", "en", username="TreatyBot") and "/settings" in t("help", "ru", username="x")
