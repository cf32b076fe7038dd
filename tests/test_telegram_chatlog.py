"""The chat log under the real Application (polling or webhook) against the fake Bot API server.

What is checked here is what the database holds after the bot stops: every reply the fake received
is one exchange (written by the graceful-shutdown flush if not before), a database locked by another
process delays the log but not the replies, and an update delivered twice is recorded once.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from conftest import RunningBot, TelegramBots
from fake_telegram import Call

from bot.config import StorageConfig
from bot.knowledge import KnowledgeBase
from bot.storage import Storage

DB_NAME = "chatlog.sqlite3"


def curated(kb: KnowledgeBase, n: int) -> list[str]:
    """``n`` of the knowledge base's own English questions (each gets an answer or a clarification)."""
    pool = [q for e in kb.facts() for q in e.block("en").questions]
    assert pool
    return [pool[i % len(pool)] for i in range(n)]


def replies(bot: RunningBot, since: int = 0) -> list[Call]:
    return [c for c in bot.fake.calls[since:] if c.method == "sendMessage" and c.ok]


async def wait_replies(bot: RunningBot, count: int, since: int = 0, seconds: float = 5.0) -> list[Call]:
    """The successful sendMessage calls after ``since`` once there are ``count`` of them."""
    async with asyncio.timeout(seconds):
        while len(found := replies(bot, since)) < count:
            # Any new call wakes this up; the short wait covers a call answered after it arrived.
            with contextlib.suppress(TimeoutError):
                await bot.fake.wait_for("sendMessage", since=len(bot.fake.calls), timeout=0.05)
    return found


def db_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the database with a separate plain sqlite3 connection (as another process would)."""
    conn = sqlite3.connect(path, timeout=5)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


async def test_shutdown_flushes_every_exchange(telegram_bots: TelegramBots, kb: KnowledgeBase, tmp_path: Path) -> None:
    # A flush interval far beyond the test: the records reach the file only through the shutdown flush.
    db = tmp_path / DB_NAME
    config = telegram_bots.config(storage=StorageConfig(database=str(db), flush_interval=60.0))
    bot = await telegram_bots.start(config)
    fake = bot.fake
    users = [501, 502, 503, 504, 505]
    questions = curated(kb, 30)
    since = len(fake.calls)
    for i, q in enumerate(questions):
        fake.add_update(fake.private_message(q, user_id=users[i % len(users)]))
    sent = await wait_replies(bot, len(questions), since, seconds=10)
    assert db_rows(db, "SELECT COUNT(*) FROM exchanges") == [(0,)]  # all still queued in memory
    storage = bot.services.storage
    assert storage is not None
    async with asyncio.timeout(3):  # each record is queued just after its reply is sent
        while storage.queued < len(questions):  # noqa: ASYNC110 - a counter, no event to wait on
            await asyncio.sleep(0.01)

    await asyncio.wait_for(telegram_bots.stop(bot), 10)
    assert not storage.is_open

    sent = replies(bot, since)
    assert len(sent) == len(questions)
    rows = db_rows(db, "SELECT chat_id, reply_message_id, status, user_id, update_id FROM exchanges")
    assert len(rows) == len(sent)
    sent_keys = sorted((c.result["chat"]["id"], c.result["message_id"]) for c in sent)
    assert sorted((chat, reply) for chat, reply, *_ in rows) == sent_keys
    assert {status for _, _, status, _, _ in rows} <= {"answered", "clarify", "unknown"}
    assert {int(user) for *_, user, _ in rows} == set(users)
    assert len({update_id for *_, update_id in rows}) == len(questions)
    assert storage.dropped == 0


async def test_locked_database_delays_the_log_not_the_replies(
    telegram_bots: TelegramBots, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    # StorageConfig has no busy timeout (Storage.from_config uses the 5 s default): build it here.
    storage = Storage(db, flush_interval=0.02, busy_timeout=0.05)
    config = telegram_bots.config(storage=StorageConfig(database=str(storage.path), flush_interval=0.02))
    bot = await telegram_bots.start(config, storage=storage)
    fake = bot.fake
    first, second = curated(kb, 20)[:10], curated(kb, 20)[10:]

    locker = sqlite3.connect(db, timeout=5, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        since = len(fake.calls)
        asked = time.monotonic()
        for i, q in enumerate(first):
            fake.add_update(fake.private_message(q, user_id=601 + i % 3))
        sent = await wait_replies(bot, len(first), since, seconds=3)
        assert max(c.time for c in sent) - asked < 2.0, "replies waited for the locked database"
        # The writer tried, failed and kept the records.
        async with asyncio.timeout(3):
            while storage.failed_batches == 0 or storage.queued < len(first):  # noqa: ASYNC110 - counters
                await asyncio.sleep(0.02)
        assert storage.queued == len(first) and storage.dropped == 0
        assert db_rows(db, "SELECT COUNT(*) FROM exchanges") == [(0,)]
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    since = len(fake.calls)
    for i, q in enumerate(second):
        fake.add_update(fake.private_message(q, user_id=611 + i % 3))
    sent_after = await wait_replies(bot, len(second), since, seconds=5)
    assert await storage.flush(max_wait=5)
    await asyncio.wait_for(telegram_bots.stop(bot), 10)

    all_sent = sent + sent_after
    rows = db_rows(db, "SELECT chat_id, reply_message_id FROM exchanges")
    assert sorted(rows) == sorted((c.result["chat"]["id"], c.result["message_id"]) for c in all_sent)
    assert len(rows) == len(first) + len(second)
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert storage.dropped == 0 and storage.failed_batches >= 1


async def test_duplicate_webhook_update_is_answered_and_recorded_once(
    telegram_bots: TelegramBots, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = tmp_path / DB_NAME
    bot = await telegram_bots.start(
        telegram_bots.config(storage=StorageConfig(database=str(db), flush_interval=0.02)), webhook=True
    )
    fake = bot.fake
    update = fake.private_message(curated(kb, 1)[0], user_id=701)
    update["update_id"] = 424242
    since = len(fake.calls)
    for _ in range(2):  # Telegram redelivers when it did not see the 200 in time
        assert await fake.deliver_webhook(bot.webhook_url, update, bot.webhook_secret) == 200
    # Each 200 came once the update was handled: the second delivery was a no-op.
    await wait_replies(bot, 1, since)
    storage = bot.services.storage
    assert storage is not None
    assert await storage.flush(max_wait=3)
    await asyncio.wait_for(telegram_bots.stop(bot), 10)

    assert db_rows(db, "SELECT update_id, chat_id FROM exchanges") == [(424242, 701)]
    assert len(replies(bot, since)) == 1  # the bot skips an update id it has seen (bot/telegram/intake.py)
    assert storage.recorded == 1 and storage.duplicates == 0


async def test_chosen_inline_results_are_recorded(telegram_bots: TelegramBots, tmp_path: Path) -> None:
    """Inline answers reach the chat log when the user sends one (not on every keystroke)."""
    db = tmp_path / DB_NAME
    bot = await telegram_bots.start(telegram_bots.config(storage=StorageConfig(database=str(db))))
    fake = bot.fake
    user = fake.user(777, language_code="ru")
    for result_id, query in (("signatories:en", "who signed"), ("unknown:ru", "что сказал лавров")):
        fake.add_update({"chosen_inline_result": {"result_id": result_id, "from": user, "query": query}})
    fake.add_update(fake.inline_query("who sig", user_id=777))  # a keystroke: answered, not recorded
    await fake.wait_for("answerInlineQuery", timeout=5)
    storage = bot.services.storage
    assert storage is not None
    async with asyncio.timeout(3):
        while storage.queued + storage.recorded < 2:  # noqa: ASYNC110 - a counter, no event to wait on
            await asyncio.sleep(0.01)
    await asyncio.wait_for(telegram_bots.stop(bot), 10)
    rows = db_rows(db, "SELECT channel, status, entry_id, lang, question, user_id FROM exchanges ORDER BY id")
    assert rows == [
        ("inline", "answered", "signatories", "en", "who signed", "777"),
        ("inline", "unknown", None, "ru", "что сказал лавров", "777"),
    ]
