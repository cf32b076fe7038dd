"""Issue 12, "lose nothing": sends that survive a hiccup, a database that cannot vanish silently, replies
that never wait on the database, one bot per database, and DEBUG logs that keep the privacy settings.

Everything runs the real Application (in-process, or ``treaty-bot run`` as a process) over HTTP against
the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TEST_TOKEN, RunningBot, TelegramBots
from fake_telegram import Call, FakeTelegram
from telegram.request import HTTPXRequest

from bot.cli import main as cli_main
from bot.config import Config, StorageConfig
from bot.errors import StorageError
from bot.knowledge import KnowledgeBase
from bot.redact import RedactSecrets, keeps_private
from bot.storage import Exchange, Storage
from bot.storage.lock import DatabaseLock
from bot.telegram.delivery import FIRST_PAUSE, MAX_PAUSE, SEND_RETRY_BUDGET, pause_before_retry
from bot.texts import t

SIGNED = "Who signed the treaty?"


def to_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.ok and c.params.get("chat_id") == chat_id


def db_rows(path: Path | str, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


async def flushed(bot: RunningBot) -> Storage:
    storage = bot.services.storage
    assert storage is not None
    assert await storage.flush(max_wait=10)
    return storage


async def recorded(bot: RunningBot, count: int, seconds: float = 5.0) -> Storage:
    """The storage once ``count`` exchanges are in the database: a handler records its exchange just after
    the send the fake server has already seen, so the last one may reach the queue a moment later."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        storage = await flushed(bot)
        rows = db_rows(storage.path, "SELECT COUNT(*) FROM exchanges")[0][0] if storage.path.exists() else 0
        if isinstance(rows, int) and rows >= count:
            return storage
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {count} exchanges recorded in {seconds} s"
        await asyncio.sleep(0.05)


# --- sends that survive a hiccup ---------------------------------------------------------------------


def test_the_retry_schedule_outlasts_a_30_second_outage() -> None:
    """The pauses between attempts at a 502 (0.5 s doubling to 10 s) keep trying for more than 30 s and
    stop within the budget."""
    from telegram.error import NetworkError

    waited, attempt = 0.0, 0
    while True:
        attempt += 1
        pause = pause_before_retry(NetworkError("Bad Gateway"), attempt)
        assert pause is not None
        if waited + pause > SEND_RETRY_BUDGET:
            break
        waited += pause
    assert waited > 30 and attempt > 6
    assert pause_before_retry(NetworkError("Bad Gateway"), 1) == FIRST_PAUSE
    assert pause_before_retry(NetworkError("Bad Gateway"), 20) == MAX_PAUSE


async def test_a_502_outage_on_send_message_loses_no_reply(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    fake.fail_next("sendMessage", status=502, count=1_000_000)  # every send answers 502 ...
    users = list(range(400, 406))
    for user_id in users:
        fake.add_update(fake.private_message(SIGNED, user_id=user_id))
        await asyncio.sleep(0.3)
    await fake.wait_for("sendMessage", lambda c: c.status == 502 and c.params["chat_id"] == users[-1], 10)
    await asyncio.sleep(1.0)
    fake.clear_faults("sendMessage")  # ... for about three seconds; then Telegram recovers
    for user_id in users:
        call = await fake.wait_for("sendMessage", to_chat(user_id), 15)
        assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    failed = [c for c in fake.calls_to("sendMessage") if c.status == 502]
    assert len(failed) >= len(users)  # every one of them hit the outage at least once
    storage = await recorded(tg_bot, len(users))
    assert db_rows(storage.path, "SELECT COUNT(*), MIN(send_status), MAX(send_status) FROM exchanges") == [
        (len(users), "sent", "sent")
    ]
    delivered = [c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok]
    assert sorted(delivered) == users  # 0 lost, none sent twice


async def test_a_429_beyond_what_the_rate_limiter_retries_is_waited_out(
    telegram_bots: TelegramBots, kb: KnowledgeBase
) -> None:
    config = telegram_bots.config()
    config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, rate_limiter=False))
    bot = await telegram_bots.start(config)
    bot.fake.fail_next("sendMessage", status=429, retry_after=1, count=2)
    call = await bot.feed(bot.fake.private_message(SIGNED, user_id=410), predicate=to_chat(410), wait=15)
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    assert [c.status for c in bot.fake.calls_to("sendMessage")] == [429, 429, 200]


async def test_a_refused_send_is_not_retried_and_is_recorded_as_failed(
    tg_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    fake = tg_bot.fake
    fake.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    update_id = fake.add_update(fake.private_message(SIGNED, user_id=411))
    await fake.wait_for("sendMessage", lambda c: c.status == 403, 10)
    storage = tg_bot.services.storage
    assert storage is not None
    for _ in range(100):
        await storage.flush(max_wait=5)
        if await storage.count("exchanges"):
            break
        await asyncio.sleep(0.05)
    assert db_rows(storage.path, "SELECT update_id, status, send_status, reply_message_id FROM exchanges") == [
        (update_id, "answered", "failed", None)
    ]
    assert len(fake.calls_to("sendMessage")) == 1
    assert any(f"error while handling update {update_id}" in r.getMessage() for r in caplog.records)


async def test_a_send_that_times_out_twice_is_recorded_as_unknown(
    fake_tg: FakeTelegram, telegram_bots: TelegramBots, caplog: pytest.LogCaptureFixture
) -> None:
    request = HTTPXRequest(connection_pool_size=8, read_timeout=0.3, write_timeout=0.3, connect_timeout=0.3)
    bot = await telegram_bots.start(request=request)
    fake_tg.set_delay("sendMessage", 1.0)
    update_id = fake_tg.add_update(fake_tg.private_message(SIGNED, user_id=412))
    storage = bot.services.storage
    assert storage is not None
    rows: list[tuple[object, ...]] = []
    for _ in range(200):
        await storage.flush(max_wait=5)
        rows = db_rows(storage.path, "SELECT update_id, send_status FROM exchanges")
        if rows:
            break
        await asyncio.sleep(0.05)
    assert rows == [(update_id, "unknown")]  # it may have reached the user: recorded as such
    assert len(fake_tg.calls_to("sendMessage")) == 2  # resent once after a timeout, never more
    fake_tg.set_delay("sendMessage", 0)


# --- a database that cannot vanish silently ----------------------------------------------------------


def health_status(tmp_path: Path, database: Path) -> int:
    config = tmp_path / "health.toml"
    config.write_text(f'[storage]\ndatabase = "{database}"\n', encoding="utf-8")
    return cli_main(["health", "--config", str(config)])


async def test_a_deleted_database_is_noticed_restored_and_reported_by_health(
    tg_bot: RunningBot, kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = tg_bot.fake
    for user_id in (420, 421, 422):
        await tg_bot.feed(fake.private_message(SIGNED, user_id=user_id), predicate=to_chat(user_id))
    storage = await recorded(tg_bot, 3)
    path = storage.path
    assert health_status(tmp_path, path) == 0
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)  # someone cleans up the data directory
    assert storage.file_problem() == "deleted"
    assert health_status(tmp_path, path) == 1  # unhealthy while it is gone
    assert "missing while the bot runs" in capsys.readouterr().err
    await tg_bot.feed(fake.private_message(SIGNED, user_id=423), predicate=to_chat(423))
    await recorded(tg_bot, 4)  # the next batch notices it, restores it, writes
    assert storage.file_problem() is None and storage.failed_batches == 0 and storage.dropped == 0
    assert health_status(tmp_path, path) == 0
    users = [r[0] for r in db_rows(path, "SELECT user_id FROM exchanges ORDER BY id")]
    assert users == ["420", "421", "422", "423"]  # the rows written before the deletion are all there
    noticed = [r for r in caplog.records if "was deleted while the bot had it open" in r.getMessage()]
    assert len(noticed) == 1 and noticed[0].levelno == logging.ERROR


async def test_a_replaced_database_is_opened_and_migrated(tg_bot: RunningBot, tmp_path: Path) -> None:
    fake = tg_bot.fake
    await tg_bot.feed(fake.private_message(SIGNED, user_id=430), predicate=to_chat(430))
    storage = await recorded(tg_bot, 1)
    path = storage.path
    path.rename(tmp_path / "old.sqlite3")  # moved aside, and an empty file put in its place
    sqlite3.connect(path).close()
    assert storage.file_problem() == "replaced"
    await tg_bot.feed(fake.private_message(SIGNED, user_id=431), predicate=to_chat(431))
    await recorded(tg_bot, 1)
    assert storage.file_problem() is None
    assert db_rows(path, "SELECT user_id FROM exchanges") == [("431",)]


async def test_a_quiet_bot_restores_a_deleted_database_without_a_record(tmp_path: Path) -> None:
    path = tmp_path / "quiet.sqlite3"
    async with Storage(path, flush_interval=0.01) as storage:
        storage.record_exchange(Exchange(channel="private", status="answered", update_id=1))
        assert await storage.flush(5)
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            name.unlink(missing_ok=True)
        for _ in range(200):  # the idle writer looks at the file every few seconds
            # the file reappears before the repair has reopened it: wait for both
            if path.exists() and storage.file_problem() is None:
                break
            await asyncio.sleep(0.05)
        assert storage.file_problem() is None
        assert await storage.count("exchanges") == 1


# --- a reply never waits on the database -------------------------------------------------------------


async def test_replies_use_the_stored_language_without_reading_the_database(
    telegram_bots: TelegramBots, kb: KnowledgeBase
) -> None:
    config = telegram_bots.config()
    async with Storage(config.storage.database) as before:
        await before.set_user_language(440, "ru")
    bot = await telegram_bots.start(config)
    storage = bot.services.storage
    assert storage is not None
    async with storage._db.lock:  # the database busy for as long as it takes (a writer stuck on a lock)
        russian = await bot.feed(bot.fake.private_message(SIGNED, user_id=440), predicate=to_chat(440))
        assert russian.result["text"].startswith(kb.by_id["signatories"].ru.answer)
        prompt = await bot.feed(bot.fake.private_message("/lang", user_id=441))
        chosen = await bot.feed(bot.fake.callback_query("l:ru", prompt.result, 441), "editMessageText")
        assert chosen.result["text"] == t("lang_set", "ru")
        again = await bot.feed(bot.fake.private_message(SIGNED, user_id=441), predicate=to_chat(441))
        assert again.result["text"].startswith(kb.by_id["signatories"].ru.answer)
    await flushed(bot)  # the choice reaches the database through the queue
    assert db_rows(storage.path, "SELECT lang FROM user_prefs WHERE user_id = '441'") == [("ru",)]


# --- one database, one bot ---------------------------------------------------------------------------


def test_a_database_lock_is_exclusive_and_survives_its_file_being_deleted(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    with DatabaseLock(database) as held:
        assert held.path is not None and held.path.read_text().strip() == str(os.getpid())
        with pytest.raises(StorageError, match=rf"pid {os.getpid()}\) is already running.*read-only commands"):
            DatabaseLock(database).acquire()
        held.path.unlink()
        held.refresh()  # as the writer's file check does
        with pytest.raises(StorageError, match="already running"):
            DatabaseLock(database).acquire()
    with DatabaseLock(database):  # released: the next bot may start
        pass
    assert DatabaseLock(":memory:").acquire().path is None


def write_run_config(tmp_path: Path, fake: FakeTelegram) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\napi_base_url = "{fake.base_url}"\napi_file_url = "{fake.base_file_url}"\n'
        f'[storage]\ndatabase = "{tmp_path / "data" / "bot.sqlite3"}"\nstore_text = false\n'
        '[logging]\nlevel = "DEBUG"\nformat = "text"\n',
        encoding="utf-8",
    )
    return path


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def test_a_second_run_is_refused_and_debug_logs_keep_question_texts_out(
    fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TREATY_BOT_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=TEST_TOKEN, TREATY_BOT_CONFIG=str(write_run_config(tmp_path, fake_tg)))
    first = await run_cli(env, tmp_path, "run")
    try:
        await fake_tg.wait_for("getUpdates", timeout=30)
        calls = len(fake_tg.calls)
        second = await run_cli(env, tmp_path, "run")
        _out, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert err.decode().startswith(f"treaty-bot: another treaty-bot (pid {first.pid}) is already running")
        assert "read-only commands (stats" in err.decode()
        assert all(c.method == "getUpdates" for c in fake_tg.calls[calls:])  # refused before any Bot API call
        question = "Who signed the treaty, tell me please?"
        fake_tg.add_update(fake_tg.private_message(question, user_id=7_654_321))
        await fake_tg.wait_for("sendMessage", to_chat(7_654_321), 15)
        stats = await run_cli(env, tmp_path, "stats")  # a read-only command works alongside the bot
        await asyncio.wait_for(stats.communicate(), 30)
        assert stats.returncode == 0
    finally:
        if first.returncode is None:
            first.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(first.communicate(), 30)
    log = err.decode()
    assert first.returncode == 0, log[-3000:]
    assert " DEBUG " in log and "exchange update=" in log  # it was a DEBUG run, and it answered
    assert question not in log and "tell me please" not in log  # store_text = false: no question text
    assert "7654321" not in log  # nor the asker's id (library lines quote whole updates)


def test_library_debug_lines_are_dropped_when_a_privacy_setting_is_on() -> None:
    def record(name: str, level: int) -> logging.LogRecord:
        msg = "Calling Bot API endpoint `sendMessage` with parameters `%s`"
        return logging.LogRecord(name, level, __file__, 1, msg, ("a question",), None)

    private = RedactSecrets([], private=True)
    assert not private.filter(record("telegram.Bot", logging.DEBUG))
    assert not private.filter(record("aiosqlite", logging.DEBUG))
    assert not private.filter(record("telegram.ext.Application", logging.DEBUG))
    assert private.filter(record("telegram.Bot", logging.INFO))
    assert private.filter(record("bot.telegram.answering", logging.DEBUG))
    assert private.filter(record("telegram.ext", logging.DEBUG))  # PTB's network retry loop: no content
    assert RedactSecrets([]).filter(record("telegram.Bot", logging.DEBUG))  # privacy off: everything
    for storage in (StorageConfig(store_text=False), StorageConfig(pseudonymize=True)):
        assert keeps_private(Config(storage=storage))
    assert not keeps_private(Config())
