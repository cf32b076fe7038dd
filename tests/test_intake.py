"""Lose nothing, answer nothing twice (bot/telegram/intake.py): an update is confirmed to Telegram only once
it is handled and recorded, an update id seen before is a no-op (in memory, and from the chat log after a
restart), polling that Telegram refuses (401/404) stops the process with a non-zero status, and the
heartbeat comes from getUpdates itself. Over the fake Bot API server: ``treaty-bot run`` as a process
(SIGKILL with a backlog, a revoked token) and the Application in-process."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from conftest import RunningBot, TelegramBots
from fake_telegram import FakeTelegram
from test_operations import bot_env, start_bot

from bot.knowledge import KnowledgeBase
from bot.telegram import ops
from bot.telegram.app import CONCURRENT_UPDATES, intake_of

SIGNED = "Who signed the treaty?"
BACKLOG = 500


def answered_chats(fake: FakeTelegram, since: int = 0) -> collections.Counter[int]:
    """Successful replies per chat."""
    return collections.Counter(c.params["chat_id"] for c in fake.calls[since:] if c.method == "sendMessage" and c.ok)


async def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait until ``condition()`` holds (checked every 20 ms), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.02)


def rows(db: Path, sql: str) -> int:
    """A count from the bot's database, read while it runs (WAL: readers do not wait for the writer)."""
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        try:
            return int(conn.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def write_run_config(tmp_path: Path, fake: FakeTelegram) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\napi_base_url = "{fake.base_url}"\napi_file_url = "{fake.base_file_url}"\n'
        "rate_limiter = false\n"  # Telegram's 30 messages/s would make the backlog take 17 s
        '[logging]\nlevel = "INFO"\nformat = "json"\n',
        encoding="utf-8",
    )
    return path


# --- a crash with a backlog: `treaty-bot run`, SIGKILL, restart ------------------------------------------


async def test_sigkill_with_a_backlog_loses_nothing_and_answers_nothing_twice(
    fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_tg
    user_of = {fake.add_update(fake.private_message(SIGNED, user_id=10_000 + i)): 10_000 + i for i in range(BACKLOG)}
    users = set(user_of.values())
    env = bot_env(tmp_path, write_run_config(tmp_path, fake))
    db = tmp_path / "data" / "bot.sqlite3"

    proc = await start_bot(tmp_path, env)
    try:
        await until(lambda: len(answered_chats(fake)) >= 150, 30, "150 answers before the crash")
        # Telegram stalls: the sends and polls made from now on hang. Once every answer sent so far is in the
        # chat log, the process is killed: it holds updates answered and recorded but not yet confirmed, and
        # updates whose reply never went out.
        fake.set_delay("sendMessage", 60)
        fake.set_delay("getUpdates", 60)
        await asyncio.sleep(0.1)
        before = answered_chats(fake)
        await until(lambda: rows(db, "SELECT COUNT(*) FROM exchanges") >= len(before), 10, "answers recorded")
    finally:
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.communicate(), 30)
    assert max(before.values()) == 1
    unconfirmed = {u["update_id"] for u in fake.pending_updates}
    # Nothing unanswered was confirmed: Telegram still holds every update without a reply.
    assert {update_id for update_id, user in user_of.items() if user not in before} <= unconfirmed
    answered_unconfirmed = sum(1 for update_id in unconfirmed if user_of[update_id] in before)

    fake.set_delay("sendMessage", 0)
    fake.set_delay("getUpdates", 0)
    proc = await start_bot(tmp_path, env)
    try:
        await until(lambda: set(answered_chats(fake)) >= users, 60, "every question answered")
        await until(lambda: not fake.pending_updates, 10, "every update confirmed")
        await asyncio.sleep(0.3)  # a second answer to anything would be on its way by now
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-3000:]

    replies = answered_chats(fake)
    twice = [user for user, count in replies.items() if count > 1]
    recorded = rows(db, "SELECT COUNT(DISTINCT update_id) FROM exchanges")
    print(
        f"\nSIGKILL with {BACKLOG} questions queued: {len(before)} answered before the crash; "
        f"{len(unconfirmed)} unconfirmed at the crash, {answered_unconfirmed} of them answered and recorded; "
        f"after the restart {len(set(replies) & users)}/{BACKLOG} answered, {len(twice)} answered twice, "
        f"{recorded} recorded"
    )
    assert set(replies) == users and not twice
    assert recorded == BACKLOG == rows(db, "SELECT COUNT(*) FROM exchanges")


# --- polling that cannot go on -----------------------------------------------------------------------------


async def test_a_401_on_get_updates_stops_the_process_with_a_non_zero_status(
    fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_tg
    env = bot_env(tmp_path, write_run_config(tmp_path, fake))
    proc = await start_bot(tmp_path, env)
    try:
        await fake.wait_for("getUpdates", timeout=30)
        fake.fail_next("getUpdates", status=401)  # the token was revoked in @BotFather
        fake.add_update(fake.private_message(SIGNED, user_id=20_001))  # ends the long poll in progress
        refused = await fake.wait_for("getUpdates", lambda c: c.status == 401, timeout=15)
        await asyncio.wait_for(proc.wait(), 10)  # the target: exit within 10 s of the 401
    finally:
        if proc.returncode is None:
            proc.kill()
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    stderr = err.decode()
    assert proc.returncode == 1, stderr[-3000:]
    assert "Telegram refused the bot token on getUpdates" in stderr
    assert not [c for c in fake.calls_to("getUpdates") if c.time > refused.time]  # it asked nothing more
    assert answered_chats(fake)[20_001] == 1  # what was in hand was handled first
    assert not (tmp_path / "data" / "bot.sqlite3.heartbeat").exists()  # it stopped cleanly, just early


async def test_a_404_on_get_updates_is_fatal_in_process_too(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    intake = intake_of(tg_bot.app)
    stopped: list[bool] = []
    intake.on_fatal = lambda: stopped.append(True)  # not the test's event loop
    fake.fail_next("getUpdates", status=404)
    fake.add_update(fake.private_message(SIGNED, user_id=20_002))
    refused = await fake.wait_for("getUpdates", lambda c: c.status == 404, timeout=10)
    await until(lambda: bool(stopped), 5, "the application told to stop")
    assert intake.failure is not None and "InvalidToken" in intake.failure
    await asyncio.sleep(0.3)
    assert not [c for c in fake.calls_to("getUpdates") if c.time > refused.time]


async def test_other_get_updates_errors_are_retried_and_only_a_success_is_a_heartbeat(
    tg_bot: RunningBot, kb: KnowledgeBase
) -> None:
    fake, app = tg_bot.fake, tg_bot.app
    intake = intake_of(app)
    assert intake.on_contact == ops.state(app).heartbeat.contact
    assert app.job_queue is not None and not app.job_queue.get_jobs_by_name("heartbeat-ping")  # no side call
    contacts: list[float] = []
    heartbeat = intake.on_contact

    def counted() -> None:
        contacts.append(time.monotonic())
        heartbeat()

    intake.on_contact = counted
    in_progress = await fake.wait_for("getUpdates", lambda c: c.status is None, timeout=10)
    since = fake.calls.index(in_progress)
    fake.fail_next("getUpdates", status=502)
    fake.fail_next("getUpdates", status=500)
    fake.add_update(fake.private_message(SIGNED, user_id=20_003))  # ends the long poll in progress
    await fake.wait_for("getUpdates", lambda c: c.status == 500, timeout=10)
    call = await tg_bot.feed(fake.private_message(SIGNED, user_id=20_004), wait=15)  # PTB's back-off: 1 s, 1.5 s
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    polls = [c for c in fake.calls[since:] if c.method == "getUpdates"]
    assert [c.status for c in polls if c.status not in (200, None)] == [502, 500]
    # Each getUpdates the bot saw succeed was a contact (the last one is still waiting); a failed one was not.
    assert len(contacts) == len([c for c in polls if c.status == 200]) >= 2


# --- confirmed only once handled; a redelivery is a no-op --------------------------------------------------


async def test_an_update_is_confirmed_only_once_it_is_answered(telegram_bots: TelegramBots) -> None:
    config = telegram_bots.config()
    config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, rate_limiter=False))
    fake = (await telegram_bots.start(config)).fake
    fake.set_delay("sendMessage", 0.05)  # handlers take a while: many updates in flight at once
    user_of = {fake.add_update(fake.private_message(SIGNED, user_id=30_000 + i)): 30_000 + i for i in range(200)}
    await until(lambda: set(answered_chats(fake)) >= set(user_of.values()), 30, "200 questions answered")
    await until(lambda: not fake.pending_updates, 5, "every update confirmed")
    assert max(answered_chats(fake).values()) == 1

    asked: set[int] = set()  # chats whose reply had been sent before each getUpdates arrived
    for call in fake.calls:
        if call.method == "sendMessage":
            asked.add(call.params["chat_id"])
        elif call.method == "getUpdates":
            assert call.params["limit"] == CONCURRENT_UPDATES  # at most this many fetched and unconfirmed
            offset = call.params.get("offset", 0)
            confirmed = [update_id for update_id in user_of if update_id < offset]
            assert all(user_of[update_id] in asked for update_id in confirmed), offset


async def test_an_update_id_seen_before_is_not_answered_again_even_after_a_restart(
    telegram_bots: TelegramBots, kb: KnowledgeBase
) -> None:
    first = await telegram_bots.start()
    fake = first.fake
    update = fake.private_message(SIGNED, user_id=40_001)
    update["update_id"] = fake.add_update(update)
    await fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == 40_001, 10)
    fake.add_update(update)  # delivered again while the bot runs
    await tg_bot_answers(first, 40_002, kb)
    assert answered_chats(fake)[40_001] == 1
    await telegram_bots.stop(first)  # its chat log now knows the update

    since = len(fake.calls)
    fake.add_update(update)  # Telegram delivers it again (as after a crash before the confirmation)
    second = await telegram_bots.start()
    await tg_bot_answers(second, 40_003, kb)
    assert 40_001 not in answered_chats(fake, since)
    assert intake_of(second.app).skipped == 1


async def tg_bot_answers(bot: RunningBot, user_id: int, kb: KnowledgeBase) -> None:
    call = await bot.feed(
        bot.fake.private_message(SIGNED, user_id=user_id), predicate=lambda c: c.ok and c.params["chat_id"] == user_id
    )
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)


async def test_the_same_update_posted_twice_at_once_to_the_webhook_is_answered_once(
    telegram_bots: TelegramBots,
) -> None:
    bot = await telegram_bots.start(webhook=True)
    fake = bot.fake
    update = fake.private_message(SIGNED, user_id=50_001)
    update["update_id"] = 777_001
    statuses = await asyncio.gather(
        *(fake.deliver_webhook(bot.webhook_url, update, bot.webhook_secret) for _ in range(3))
    )
    assert statuses == [200, 200, 200]  # each answered once the update was handled: nothing left to wait for
    assert answered_chats(fake)[50_001] == 1
    assert bot.services.storage is not None and await bot.services.storage.flush(max_wait=5)
    assert await bot.services.storage.count("exchanges") == 1
    assert intake_of(bot.app).skipped == 2
