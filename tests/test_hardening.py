"""Faults and bad input, over the fake Bot API server and in-process: 429 floods, 5xx answers, timeouts,
malformed and unknown updates (getUpdates and webhook), Unicode edge cases, a database locked by another
process, a full disk; and the code-level guarantees (parameterised SQL, nothing evaluated or unpickled)."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import io
import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import RunningBot, TelegramBots
from fake_telegram import Call, FakeTelegram
from source_tree import parse
from telegram import Update
from telegram.request import HTTPXRequest

from bot.config import Config
from bot.knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
SIGNED = "Who signed the treaty?"


def to_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.ok and c.params.get("chat_id") == chat_id


async def ask_and_check(bot: RunningBot, kb: KnowledgeBase, user_id: int, question: str = SIGNED) -> Call:
    call = await bot.feed(bot.fake.private_message(question, user_id=user_id), predicate=to_chat(user_id), wait=10)
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    return call


async def all_confirmed(fake: FakeTelegram, wait: float = 5.0) -> bool:
    """Every update confirmed by a getUpdates offset (the bot confirms an update once it is handled)."""
    deadline = time.monotonic() + wait
    while fake.pending_updates:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def recorded(bot: RunningBot) -> int:
    assert bot.services.storage is not None
    await bot.services.storage.flush(max_wait=5)
    return await bot.services.storage.count("exchanges")


# --- Telegram misbehaving ---------------------------------------------------------------------------


async def test_429_floods_on_send_and_get_updates_are_waited_out(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    fake.fail_next("getUpdates", status=429, retry_after=1)
    fake.fail_next("sendMessage", status=429, retry_after=1, count=2)
    await ask_and_check(tg_bot, kb, 300)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 429, 200]
    assert await recorded(tg_bot) == 1


async def test_5xx_answers_are_retried_and_lose_no_reply(
    tg_bot: RunningBot, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    fake = tg_bot.fake
    fake.fail_next("sendMessage", status=502)
    update_id = fake.add_update(fake.private_message(SIGNED, user_id=301))
    await fake.wait_for("sendMessage", to_chat(301), 10)  # sent again after the 502 (bot/telegram/delivery.py)
    fake.fail_next("getUpdates", status=500, count=2)
    await ask_and_check(tg_bot, kb, 302)
    assert not any(f"error while handling update {update_id}" in r.getMessage() for r in caplog.records)
    assert [c.status for c in fake.calls_to("sendMessage")] == [502, 200, 200]
    assert await recorded(tg_bot) == 2


async def test_a_timed_out_send_is_logged_and_the_next_question_answered(
    fake_tg: FakeTelegram, kb: KnowledgeBase, tmp_path: Path, telegram_bots: TelegramBots,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = telegram_bots.config()
    request = HTTPXRequest(connection_pool_size=8, read_timeout=0.3, write_timeout=0.3, connect_timeout=0.3)
    bot = await telegram_bots.start(config, request=request)
    try:
        fake_tg.set_delay("sendMessage", 1.0)
        update_id = fake_tg.add_update(fake_tg.private_message(SIGNED, user_id=310))
        for _ in range(100):  # the bot gives up after its 0.3 s read timeout and logs the update's id
            if any(f"error while handling update {update_id}" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the timed-out sendMessage was not logged")
        fake_tg.set_delay("sendMessage", 0)
        await ask_and_check(bot, kb, 311)
    finally:
        await telegram_bots.stop(bot)


# --- malformed and unknown updates --------------------------------------------------------------------


def malformed_updates(fake: FakeTelegram) -> list[dict[str, Any]]:
    """Updates a careless or future Telegram could send: unknown types, missing or odd fields."""
    user = fake.user(320)
    private = fake.private_chat(user)
    group = fake.group_chat(-100320)
    now = int(time.time())
    bogus_entities = [
        {"type": "mention", "offset": 40, "length": 99},
        {"type": "bot_command", "offset": 0, "length": 0},
    ]
    return [
        {"future_update_kind": {"id": 1, "anything": [1, 2, 3]}},  # an update type this PTB does not know
        {},  # nothing at all
        {"message": {"message_id": 1, "date": now, "chat": private, "from": user}},  # no text, nothing
        {"message": {"message_id": 2, "date": now, "chat": private, "from": user, "text": ""}},
        {"message": {"message_id": 3, "date": now, "chat": private, "from": user, "text": " \u200b\u200f "}},
        {"message": {"message_id": 4, "date": now, "chat": private, "from": user, "text": "hi",
                     "entities": bogus_entities}},
        {"message": {"message_id": 5, "date": now, "chat": group, "text": "@TreatyBot who signed?"}},  # no sender
        {"message": {"message_id": 6, "date": now, "chat": group, "sender_chat": group, "text": "/ask who signed"}},
        {"message": {"message_id": 7, "date": now, "chat": private, "from": user, "text": "x" * 5000}},
        {"message": {"message_id": 8, "date": now, "chat": {"id": 5, "type": "weird_new_type"}, "from": user,
                     "text": "who signed the treaty?"}},
        {"edited_message": {"message_id": 999, "date": now, "edit_date": now, "chat": private, "from": user,
                            "text": "edited, never seen"}},
        {"channel_post": {"message_id": 9, "date": now, "chat": {"id": -100999, "type": "channel", "title": "C"},
                          "text": "@TreatyBot hello"}},
        {"callback_query": {"id": "1", "from": user, "chat_instance": "1"}},  # no data, no message
        {"callback_query": {"id": "2", "from": user, "chat_instance": "1", "data": "\u0000" * 64}},
        {"inline_query": {"id": "3", "from": user, "query": "", "offset": "x" * 100}},
        {"message": {"message_id": 10, "date": now, "chat": private, "from": user, "text": "/start@"}},
        {"message": {"message_id": 11, "date": "not a date", "chat": private, "from": user, "text": "who signed?"}},
        {"message": {"message_id": 12, "date": now, "from": user, "text": "no chat at all"}},
        {"message": "a string, not an object"},
    ]


async def test_malformed_updates_via_get_updates_do_not_stop_polling(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    for update in malformed_updates(fake):
        fake.add_update(update)
    await ask_and_check(tg_bot, kb, 330)
    assert await all_confirmed(fake)  # every one of them was consumed (confirmed by the next offset)


async def test_a_bad_polled_update_is_skipped_with_one_warning_in_the_same_round(
    tg_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    parsed: list[int] = []
    de_json = Update.de_json

    def counting(data: dict[str, Any], bot: Any = None) -> Update:
        parsed.append(data["update_id"])
        return de_json(data, bot)

    monkeypatch.setattr(Update, "de_json", counting)
    caplog.set_level(logging.DEBUG)
    fake = tg_bot.fake
    polls = len(fake.calls_to("getUpdates"))
    bad = fake.private_message("Who signed it, in 2008?", user_id=332)
    bad["message"]["date"] = "not a date"  # PTB cannot parse it
    bad_id = fake.add_update(bad)
    odd = fake.private_message("Who signed it, in 2009?", user_id=333)
    odd["message"]["text"] = 2009  # PTB parses it (it checks no types), a handler would fail on it
    odd_id = fake.add_update(odd)
    good = fake.add_update(fake.private_message(SIGNED, user_id=334))
    await fake.wait_for("sendMessage", to_chat(334), 5)
    # The screen checks the JSON and parses nothing: each update is parsed once, by PTB (a bad one as the
    # empty update in its place); no failed parse, no second round for the batch.
    assert parsed.count(bad_id) == parsed.count(odd_id) == parsed.count(good) == 1
    assert len(fake.calls_to("getUpdates")) - polls <= 2  # the batch was taken in the one round (and confirmed)
    skipped = [r for r in caplog.records if "skipped update" in r.getMessage()]
    assert [(r.levelno, r.getMessage().split(":")[0]) for r in skipped] == [
        (logging.WARNING, f"skipped update {bad_id}"), (logging.WARNING, f"skipped update {odd_id}")
    ]
    assert "message.text is not of type str" in skipped[1].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "telegram"))]
    assert "Who signed it" not in caplog.text  # logged by id, never by content
    assert not fake.sent_messages(332) and not fake.sent_messages(333)
    assert await all_confirmed(fake)


async def test_an_unparsable_update_without_long_polling_is_skipped_not_raised(tg_bot: RunningBot) -> None:
    """The Updater's last getUpdates when it stops (timeout 0) does not catch a parse error: none reaches it."""
    fake = tg_bot.fake
    assert tg_bot.app.updater is not None
    await tg_bot.app.updater.stop()
    bad = fake.private_message("who signed?", user_id=334)
    bad["message"]["date"] = "not a date"
    bad_id = fake.add_update(bad)
    good_id = fake.add_update(fake.private_message(SIGNED, user_id=335))
    updates = await tg_bot.app.bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [bad_id, good_id]
    assert updates[0].message is None and updates[1].message is not None


async def test_malformed_requests_to_the_webhook_are_refused_and_the_bot_carries_on(
    telegram_bots: TelegramBots, kb: KnowledgeBase
) -> None:
    bot = await telegram_bots.start(webhook=True)
    fake = bot.fake
    for update in malformed_updates(fake):
        status = await fake.deliver_webhook(bot.webhook_url, update, bot.webhook_secret)
        assert status in (200, 400), (status, update)
    headers = {"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        for body in (b"", b"not json", b"[1, 2, 3]", b"\xff\xfe\x00", b'{"update_id": "x"}'):
            async with session.post(bot.webhook_url, data=body, headers=headers) as response:
                # PTB's webhook handler answers a body that is not JSON with 500 (Telegram would retry it).
                assert response.status in (200, 400, 500), (response.status, body)
        async with session.get(bot.webhook_url) as response:
            assert response.status == 405
    await ask_and_check(bot, kb, 340)


async def test_healthz_and_the_body_cap_on_the_webhook_server(telegram_bots: TelegramBots) -> None:
    bot = await telegram_bots.start(webhook=True)
    healthz = bot.webhook_url.replace("/telegram", "/healthz")
    async with aiohttp.ClientSession() as session:
        async with session.get(healthz) as response:
            assert response.status == 200
            body = await response.json()
        assert body["ok"] and body["database"] == "open" and body["last_contact_seconds_ago"] < 5
        headers = {"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret, "Content-Type": "application/json"}
        big = io.BytesIO(b'{"update_id": 1, "x": "' + b"a" * (2 * 1024 * 1024) + b'"}')
        with pytest.raises(aiohttp.ClientError):  # refused at the Content-Length: 413, or the connection closed
            async with session.post(bot.webhook_url, data=big, headers=headers) as response:
                assert response.status >= 400
                raise aiohttp.ClientError(str(response.status))
        assert bot.services.storage is not None
        await bot.services.storage.close()
        async with session.get(healthz) as response:
            assert response.status == 503 and (await response.json())["database"] == "closed"


# --- Unicode ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "\u200fWho signed the treaty?\u200f",  # RTL marks
        "Who\u200b signed\u200d the\u2060 treaty?\ufeff",  # zero-width characters
        "Who signe\u0301d the treaty?",  # a combining accent
        "🇷🇺🇬🇪🤝🏽 Who signed the treaty? 🖋️",  # astral-plane emoji and ZWJ sequences
        "ＷＨＯ ＳＩＧＮＥＤ ＴＨＥ ＴＲＥＡＴＹ？",  # fullwidth forms
    ],
)
async def test_unicode_edge_cases_in_private(tg_bot: RunningBot, kb: KnowledgeBase, question: str) -> None:
    await ask_and_check(tg_bot, kb, 350, question)


async def test_a_mention_after_astral_emoji_in_a_group(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    text = "🇷🇺🤝🇬🇪 \u200f@TreatyBot\u200f 👋🏽 who signed the treaty?"
    update = fake.group_message(text, chat_id=-100351, user_id=351)
    entity = update["message"]["entities"][0]
    assert entity["type"] == "mention" and entity["offset"] != text.index("@")  # UTF-16 offsets differ
    call = await tg_bot.feed(update, predicate=to_chat(-100351))
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    ask = fake.group_message("/ask@TreatyBot 🤝\u0301 кто подписал договор?", chat_id=-100351, user_id=352)
    call = await tg_bot.feed(ask, predicate=lambda c: c.ok and c.params.get("chat_id") == -100351
                             and c.params["text"].startswith(kb.by_id["signatories"].ru.answer))


async def test_only_invisible_characters_get_the_please_ask_in_words_reply(tg_bot: RunningBot) -> None:
    update = tg_bot.fake.private_message("\u200b\u200f\u2060\u0301", user_id=353)
    call = await tg_bot.feed(update, predicate=to_chat(353))
    assert call.ok and call.result["text"]


# --- the database ---------------------------------------------------------------------------------------


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


async def test_a_database_locked_by_another_process_delays_the_log_not_the_replies(
    tg_bot: RunningBot, kb: KnowledgeBase
) -> None:
    storage = tg_bot.services.storage
    assert storage is not None
    await ask_and_check(tg_bot, kb, 360)
    await storage.flush(max_wait=5)
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(storage.path), "7", stdout=subprocess.PIPE
    )
    try:
        assert locker.stdout is not None
        assert (await asyncio.wait_for(locker.stdout.readline(), 10)).strip() == b"locked"
        started = time.monotonic()
        for user_id in (361, 362, 363):
            await ask_and_check(tg_bot, kb, user_id)
        assert time.monotonic() - started < 3  # replies do not wait for the database
    finally:
        await asyncio.wait_for(locker.wait(), 15)
    await storage.flush(max_wait=15)
    assert await storage.count("exchanges") == 4 and storage.dropped == 0


async def test_a_full_disk_delays_the_log_not_the_replies(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    storage = tg_bot.services.storage
    assert storage is not None
    await ask_and_check(tg_bot, kb, 370)
    await storage.flush(max_wait=5)
    conn = storage._db.conn  # the bot's own connection: max_page_count is per connection
    assert conn is not None
    pages = (await (await conn.execute("PRAGMA page_count")).fetchone() or (0,))[0]
    await conn.execute(f"PRAGMA max_page_count = {int(pages)}")
    for user_id in range(371, 381):
        await ask_and_check(tg_bot, kb, user_id, SIGNED + " " + "padding " * 200)
    await asyncio.sleep(0.3)
    assert storage.queued > 0 and storage.failed_batches > 0  # SQLITE_FULL: kept in memory, retried
    await conn.execute("PRAGMA max_page_count = 1073741823")
    await storage.flush(max_wait=15)
    assert await storage.count("exchanges") == 11 and storage.dropped == 0


# --- code-level guarantees ---------------------------------------------------------------------------------

SQL_CALLS = {"execute", "executemany", "executescript", "execute_fetchall", "scalar", "dicts"}
# Interpolations allowed in SQL text: constants and integers the code itself computes, never user input
# (``table`` is checked against EXPORT_TABLES first; ``counted`` and ``script`` are module constants).
SQL_SAFE_NAMES = {"number", "SCHEMA_VERSION", "script", "counted", "table"}


def _called_name(func: ast.expr) -> str | None:
    """``scalar`` for ``scalar(...)`` and ``conn.scalar(...)`` alike."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def sql_fstrings(tree: ast.AST) -> list[ast.JoinedStr]:
    """f-strings given as the SQL of a database call (or assigned to a name ending in ``sql``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node.func) in SQL_CALLS:
            found += [a for a in node.args[:2] if isinstance(a, ast.JoinedStr)]
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.JoinedStr)
            and any(isinstance(t, ast.Name) and t.id.lower().endswith("sql") for t in node.targets)
        ):
            found.append(node.value)
    return found


def test_sql_is_parameterised() -> None:
    """No SQL f-string interpolates anything but the project's own constants (tables are whitelisted)."""
    offenders = []
    checked = 0
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in sql_fstrings(parse(path)):
            checked += 1
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    expr = ast.unparse(value.value)
                    safe = expr in SQL_SAFE_NAMES or expr.startswith("int(")
                    if not safe:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {{{expr}}}")
    assert checked >= 3  # the PRAGMA, migration and table-count f-strings of bot/storage/ at least
    assert not offenders, "SQL built from non-constant values:\n" + "\n".join(offenders)


def test_nothing_is_evaluated_or_unpickled() -> None:
    banned = {"eval", "exec", "compile", "__import__"}
    banned_modules = {"pickle", "cPickle", "marshal", "shelve", "dill"}
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in banned:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}()")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if any(str(n).split(".")[0] in banned_modules for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {names}")
    assert not offenders, offenders


def test_webhook_mode_refuses_to_start_without_a_secret() -> None:
    from bot.config import TelegramConfig, WebhookConfig
    from bot.telegram.app import check_webhook

    telegram = TelegramConfig(mode="webhook", webhook=WebhookConfig(public_url="https://x.org/t"))
    with pytest.raises(Exception, match="secret"):
        check_webhook(Config(telegram=telegram))
    ok = dataclasses.replace(telegram, webhook=WebhookConfig(public_url="https://x.org/t", secret_token="s" * 16))
    check_webhook(Config(telegram=ok))


def test_a_locked_database_fails_the_health_check(tmp_path: Path) -> None:
    from bot.health import check_database

    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).execute("CREATE TABLE t (x)").connection.close()
    assert check_database(str(database)).ok
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        check = check_database(str(database), timeout=0.2)
        assert not check.ok and "locked" in check.detail
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    (tmp_path / "not-a-db.sqlite3").write_bytes(b"garbage" * 1000)
    assert not check_database(str(tmp_path / "not-a-db.sqlite3")).ok


logging.getLogger(__name__)
