"""Abuse that costs nothing (issue 12): repeated votes, forged admin presses, /forgetme in groups and for
every row, stale admin buttons, long user text in admin messages.

The real Application over HTTP against the fake Bot API server; the database is read back with sqlite3.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import RunningBot, TelegramBots
from fake_telegram import Call, FakeTelegram, JSONDict

from bot.admin_texts import t as admin_t
from bot.config import BotConfig, StorageConfig
from bot.curation.overlay import question_id
from bot.storage import pseudonym
from bot.texts import t

ADMIN, ADMIN2, STRANGER = 501, 502, 987654321


def buttons(message: JSONDict) -> list[JSONDict]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def to(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.params.get("chat_id") == chat_id


def query(bot: RunningBot, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of the bot's database, read by another connection (as an operator would)."""
    with sqlite3.connect(bot.services.config.storage.database) as conn:
        return conn.execute(sql, params).fetchall()


async def flushed(bot: RunningBot) -> RunningBot:
    assert bot.services.storage is not None
    await bot.services.storage.flush(max_wait=5)
    return bot


async def admin_bot(bots: TelegramBots, **storage: Any) -> RunningBot:
    config = bots.config(bot=BotConfig(admins=(ADMIN, ADMIN2)))
    if storage:
        config = bots.config(bot=BotConfig(admins=(ADMIN, ADMIN2)),
                             storage=StorageConfig(database=config.storage.database, flush_interval=0.02, **storage))
    return await bots.start(config)


async def say(bot: RunningBot, text: str, user: int = ADMIN) -> Call:
    return await bot.feed(bot.fake.private_message(text, user_id=user), "sendMessage", to(user))


async def press(bot: RunningBot, data: str, message: JSONDict, user: int = ADMIN, method: str = "sendMessage") -> Call:
    predicate = (lambda c: "text" in c.params) if method == "answerCallbackQuery" else to(user)
    return await bot.feed(bot.fake.callback_query(data, message, user_id=user), method, predicate)


async def answered_presses(fake: FakeTelegram, since: int, count: int) -> list[Call]:
    """The first ``count`` answerCallbackQuery calls after ``since`` (waiting for them, a minute at most)."""
    async with asyncio.timeout(60):
        while True:
            found = [c for c in fake.calls[since:] if c.method == "answerCallbackQuery"]
            if len(found) >= count:
                return found[:count]
            await fake.wait_for("answerCallbackQuery", since=len(fake.calls), timeout=60)


# --- votes --------------------------------------------------------------------------------------------


async def test_fifty_presses_of_thumbs_down_are_one_vote(tg_bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    fake = tg_bot.fake
    answer = await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=40))
    assert "f:-:signatories" in [b.get("callback_data") for b in buttons(answer.result)]
    since = len(fake.calls)
    for _ in range(50):  # a stale client, or a script: every press carries the original buttons
        fake.add_update(fake.callback_query("f:-:signatories", answer.result, user_id=40))
    presses = await answered_presses(fake, since, 50)
    assert all(c.ok for c in presses)
    await flushed(tg_bot)
    assert query(tg_bot, "SELECT user_id, value FROM feedback") == [("40", -1)]
    # A second opinion changes the vote; another user's vote is their own.
    await tg_bot.feed(fake.callback_query("f:+:signatories", answer.result, user_id=40), "answerCallbackQuery")
    await tg_bot.feed(fake.callback_query("f:-:signatories", answer.result, user_id=41), "answerCallbackQuery")
    await flushed(tg_bot)
    assert sorted(query(tg_bot, "SELECT user_id, value FROM feedback")) == [("40", 1), ("41", -1)]
    assert len([c for c in fake.calls_to("editMessageReplyMarkup") if c.ok]) == 1  # the 👍/👎 row went once
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


# --- forged admin presses -------------------------------------------------------------------------------


async def test_a_thousand_forged_admin_presses_cost_one_audit_row_and_undo_still_works(
    telegram_bots: TelegramBots,
) -> None:
    bot = await admin_bot(telegram_bots)
    fake = bot.fake
    listing = await say(bot, "/kb")
    done = await press(bot, "K:D:venue", listing.result)  # the real change: delete "venue"
    assert done.params["text"].startswith("Done:") and bot.services.kb.get("venue") is None
    refused = await say(bot, "/kb", STRANGER)
    forged = ["K:D:signatories", "K:R:venue", f"K:x:en:{question_id('x')}:date", "K:y:tok", "K:u:t:0:i"]
    since, started = len(fake.calls), time.monotonic()
    for n in range(1000):
        fake.add_update(fake.callback_query(forged[n % len(forged)], refused.result, user_id=STRANGER))
    presses = await answered_presses(fake, since, 1000)
    seconds = time.monotonic() - started
    assert {c.params.get("text") for c in presses} == {admin_t("admin_only", "en")}
    assert bot.services.kb.get("venue") is None and bot.services.kb.get("signatories") is not None
    denied = query(bot, "SELECT count FROM admin_audit WHERE action = 'denied'")
    assert len(denied) <= 20 and sum(n for (n,) in denied) == 1001, denied
    print(f"1,000 forged presses: {len(denied)} audit row(s), counting {sum(n for (n,) in denied)}, {seconds:.1f} s")
    history = await say(bot, "/kb_history")
    assert "delete" in history.params["text"] and "denied" not in history.params["text"]
    undone = await say(bot, "/kb_undo", ADMIN2)
    assert undone.params["text"] == admin_t("undo_done", "en", action="delete", entries="venue")
    assert bot.services.kb.get("venue") is not None


async def test_undo_history_and_ignores_look_past_a_hundred_thousand_denied_rows(telegram_bots: TelegramBots) -> None:
    bot = await admin_bot(telegram_bots)
    listing = await say(bot, "/kb")
    await press(bot, "K:D:venue", listing.result)
    later = time.time() + 1
    with sqlite3.connect(bot.services.config.storage.database) as conn:  # as many users' refusals would leave
        conn.executemany(
            "INSERT INTO admin_audit (ts, admin_id, action, user_key, after) VALUES (?, ?, 'denied', ?, 'K:D:x')",
            ((later + n / 1000, 10_000 + n, str(10_000 + n)) for n in range(100_000)),
        )
    assert query(bot, "SELECT COUNT(*) FROM admin_audit WHERE action != 'admin_name'")[0][0] == 100_001
    history = await say(bot, "/kb_history")
    assert "delete · venue" in history.params["text"] and "denied" not in history.params["text"]
    undone = await say(bot, "/kb_undo")
    assert undone.params["text"] == admin_t("undo_done", "en", action="delete", entries="venue")
    assert bot.services.kb.get("venue") is not None
    assert await bot.services.curation.ignored_questions() == set()


# --- /forgetme ---------------------------------------------------------------------------------------------


def rows_about(bot: RunningBot, user_id: int) -> dict[str, int]:
    """Rows of every table that name the user (as stored: raw or pseudonymized)."""
    cfg = bot.services.config.storage
    key = pseudonym(cfg.salt, user_id) if cfg.pseudonymize else str(user_id)
    counts = {
        table: query(bot, f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (key,))[0][0]
        for table in ("exchanges", "feedback", "clicks", "user_prefs")
    }
    counts["admin_audit"] = query(
        bot, "SELECT COUNT(*) FROM admin_audit WHERE user_key = ? OR admin_id = ?", (key, user_id)
    )[0][0]
    counts["kb_edits"] = query(bot, "SELECT COUNT(*) FROM kb_edits WHERE admin_id = ?", (user_id,))[0][0]
    return counts


async def test_forgetme_deletes_every_row_about_the_user_audit_included(telegram_bots: TelegramBots) -> None:
    bot = await admin_bot(telegram_bots, pseudonymize=True, store_text=False, salt="pepper")
    fake = bot.fake
    answer = await say(bot, "Who signed the treaty?", STRANGER)
    await press(bot, "f:-:signatories", answer.result, STRANGER, "answerCallbackQuery")
    refused = await say(bot, "/kb secret words", STRANGER)
    await press(bot, "K:D:venue", refused.result, STRANGER, "answerCallbackQuery")
    await flushed(bot)
    # Refused attempts are stored like the chat log stores people: no raw id, no text.
    assert query(bot, "SELECT admin_id, user_key, after, count FROM admin_audit") == [
        (None, pseudonym("pepper", STRANGER), None, 2)
    ]
    before = rows_about(bot, STRANGER)
    assert before["exchanges"] and before["feedback"] and before["clicks"] and before["admin_audit"]
    prompt = await say(bot, "/forgetme", STRANGER)
    confirm = next(b["callback_data"] for b in buttons(prompt.result) if b["callback_data"].startswith("x:forget"))
    done = await bot.feed(fake.callback_query(confirm, prompt.result, user_id=STRANGER), "editMessageText")
    assert done.params["text"].startswith("Done: I deleted")
    await flushed(bot)
    assert set(rows_about(bot, STRANGER).values()) == {0}
    assert not any(str(STRANGER) in str(row) for row in query(bot, "SELECT * FROM admin_audit"))


async def test_an_admins_forgetme_keeps_their_changes_undoable_but_anonymous(telegram_bots: TelegramBots) -> None:
    bot = await admin_bot(telegram_bots)
    listing = await say(bot, "/kb")
    await press(bot, "K:D:venue", listing.result)
    prompt = await say(bot, "/forgetme")
    await bot.feed(bot.fake.callback_query(f"x:forget:en:{ADMIN}", prompt.result, user_id=ADMIN), "editMessageText")
    assert set(rows_about(bot, ADMIN).values()) == {0}
    assert query(bot, "SELECT admin_id, action, entry_id FROM admin_audit") == [(None, "delete", "venue")]
    history = await say(bot, "/kb_history", ADMIN2)
    assert "· — · delete · venue" in history.params["text"]
    undone = await say(bot, "/kb_undo", ADMIN2)
    assert undone.params["text"] == admin_t("undo_done", "en", action="delete", entries="venue")


async def test_forgetme_in_a_group_moves_to_the_private_chat_and_only_the_asker_confirms(tg_bot: RunningBot) -> None:
    fake, asker, other = tg_bot.fake, 30, 31
    await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=asker))
    await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=other))
    in_group = await tg_bot.feed(fake.group_message("/forgetme@TreatyBot", user_id=asker), "sendMessage")
    assert in_group.params["text"] == t("forget_private", "en")
    (button,) = buttons(in_group.result)
    assert button["url"] == "https://t.me/TreatyBot?start=forgetme" and "callback_data" not in button
    # Forged confirmations pressed in the group, by someone else, in any form: refused, nothing deleted.
    for data in (f"x:forget:en:{asker}", f"x:forget:en:{other}", "x:forget:en"):
        refused = await press(tg_bot, data, in_group.result, other, "answerCallbackQuery")
        assert refused.params["text"] == t("forget_not_yours", "en") and refused.params["show_alert"] is True
    await flushed(tg_bot)
    assert query(tg_bot, "SELECT COUNT(*) FROM exchanges WHERE user_id IN ('30', '31') AND channel = 'private'") == [
        (2,)
    ]
    # The button opens the private chat on /start forgetme: the asker's confirmation, for the asker only.
    prompt = await tg_bot.feed(fake.private_message("/start forgetme", user_id=asker), "sendMessage", to(asker))
    assert [b["callback_data"] for b in buttons(prompt.result)] == [f"x:forget:en:{asker}", f"x:cancel:en:{asker}"]
    stolen = await press(tg_bot, f"x:forget:en:{asker}", prompt.result, other, "answerCallbackQuery")
    assert stolen.params["text"] == t("forget_not_yours", "en")
    mine = fake.callback_query(f"x:forget:en:{asker}", prompt.result, user_id=asker)
    done = await tg_bot.feed(mine, "editMessageText")
    assert done.params["text"].startswith("Done: I deleted") and done.params["chat_id"] == asker
    await flushed(tg_bot)
    assert rows_about(tg_bot, asker)["exchanges"] == 0 and rows_about(tg_bot, other)["exchanges"] == 1
    assert not [c for c in fake.calls_to("editMessageText") if c.params.get("chat_id") != asker]


# --- stale admin buttons --------------------------------------------------------------------------------


async def test_a_stale_remove_question_button_pressed_twice_removes_one_question(telegram_bots: TelegramBots) -> None:
    bot = await admin_bot(telegram_bots)
    entry = max(bot.services.kb.facts(), key=lambda e: len(e.en.questions))
    before = list(entry.en.questions)
    assert len(before) >= 5
    listing = await say(bot, "/kb")
    pick = await press(bot, f"K:r:en:{entry.id}", listing.result, method="editMessageText")
    second = next(b["callback_data"] for b in buttons(pick.result) if b["text"].startswith("2. "))
    assert second == f"K:x:en:{question_id(before[1])}:{entry.id}"
    await press(bot, second, pick.result)
    again = await press(bot, second, pick.result, method="answerCallbackQuery")  # the same stale button
    assert again.params["text"] == admin_t("expired", "en")
    assert list(bot.services.kb.by_id[entry.id].en.questions) == before[:1] + before[2:]


# --- long user text in admin messages -----------------------------------------------------------------


async def test_admin_messages_quoting_long_user_text_fit_in_one_message(telegram_bots: TelegramBots) -> None:
    bot = await admin_bot(telegram_bots)
    fake = bot.fake
    long_question = ("What do the zorblax <&> say about " + "flurbs & <glorps> " * 300)[:4096]
    await bot.feed(fake.private_message(long_question, user_id=77), "sendMessage", to(77))
    await bot.feed(fake.private_message(long_question[:3000] + " quux?", user_id=78), "sendMessage", to(78))
    await flushed(bot)
    since = len(fake.calls)
    listing = await say(bot, "/unanswered")
    assert "What do the zorblax <&> say about" in listing.result["text"]
    group = await press(bot, buttons(listing.result)[0]["callback_data"], listing.result, method="editMessageText")
    opened = await press(bot, buttons(group.result)[0]["callback_data"], group.result, method="editMessageText")
    choose = next(b["callback_data"] for b in buttons(opened.result) if b["callback_data"].startswith("K:uc:"))
    await press(bot, choose, opened.result, method="editMessageText")
    ignore = next(b["callback_data"] for b in buttons(opened.result) if b["callback_data"].startswith("K:ui:"))
    await press(bot, ignore, opened.result)
    for text in ("/kb " + "x" * 4092, "/kb " + "<&>" * 1364, "/kb " + "😀" * 2046):
        await say(bot, text)
    await bot.feed(fake.private_message("/stats", user_id=ADMIN), "sendMessage", to(ADMIN))
    sent = [c for c in fake.calls[since:] if c.method in ("sendMessage", "editMessageText")]
    assert len(sent) >= 6
    for call in sent:
        assert call.ok, call.response  # the fake refuses "message is too long" and broken HTML
        assert len(call.result["text"].encode("utf-16-le")) // 2 <= 4096


def test_fit_cuts_html_without_breaking_a_tag_or_an_entity() -> None:
    from fake_telegram import parse_html

    from bot.admin_texts import fit

    for filler in ("a", "&amp;", "<b>x</b>", "😀", "&lt;b&gt;", "\n"):
        for shift in range(7):
            text = "<b>head</b>\n" + "z" * shift + filler * 5000
            cut = fit(text)
            plain, _entities = parse_html(cut)  # raises on a cut tag or an unclosed one
            assert len(plain.encode("utf-16-le")) // 2 <= 4096 and cut.rstrip("</b>").endswith("…")
    assert fit("short <b>text</b>") == "short <b>text</b>"


def test_clip_keeps_quoted_user_text_short() -> None:
    from bot.admin_texts import clip

    assert clip("a  b\n c") == "a b c"
    assert len(clip("x" * 5000)) == 300


def test_remove_buttons_name_their_question() -> None:
    import bot.telegram.admin.keyboards as keys

    data = keys.encode(keys.RemoveQuestion("ru", question_id("Где подписали договор?"), "venue"))
    assert data == f"K:x:ru:{question_id('Где подписали договор?')}:venue" and len(data.encode()) <= 64
    assert keys.parse("K:x:ru:3:venue") is None  # the old index form is no longer accepted


async def test_refused_attempts_share_a_row_per_user_per_minute(tmp_path: Path) -> None:
    from bot.storage import Storage

    async with Storage(tmp_path / "db.sqlite3") as storage:
        for user in (7, 7, 8, 7, None, None):
            await storage.add_denied(user, "/kb")
        counts = {(r.admin_id, r.count) for r in await storage.audit_log(limit=None)}
        assert counts == {(7, 3), (8, 1), (None, 2)}
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:  # a minute later: a new row
        conn.execute("UPDATE admin_audit SET ts = ts - 61")
    async with Storage(tmp_path / "db.sqlite3") as storage:
        await storage.add_denied(7, "/kb")
        rows = await storage.audit_log(limit=None, actions=["denied"])
        assert sorted((r.admin_id or 0, r.count) for r in rows) == [(0, 2), (7, 1), (7, 3), (8, 1)]
        assert await storage.audit_log(limit=None, exclude=["denied"]) == []
