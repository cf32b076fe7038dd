"""The bot's own webhook server and life cycle (bot/telegram/webhook.py), beyond the delivery tests of
test_telegram_resilience.py, test_hardening.py and test_operations.py: HEAD /healthz, the trailing slash,
bodies that are not updates, and the start-up retries (stopped by a signal while Telegram is down)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket

import aiohttp
import pytest
from conftest import TelegramBots
from fake_telegram import FakeTelegram
from telegram.error import InvalidToken, NetworkError

from bot.config import WebhookConfig
from bot.telegram import webhook
from bot.telegram.app import build_application
from bot.telegram.context import Services


async def test_healthz_answers_head_and_the_webhook_its_trailing_slash(telegram_bots: TelegramBots) -> None:
    bot = await telegram_bots.start(webhook=True)
    headers = {webhook.SECRET_HEADER: bot.webhook_secret}
    async with aiohttp.ClientSession() as session:
        async with session.head(bot.webhook_url.replace("/telegram", "/healthz")) as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        async with session.get(bot.webhook_url.replace("/telegram", "/elsewhere")) as response:
            assert response.status == 404
        update = bot.fake.private_message("hello", user_id=80)
        update["update_id"] = 8000
        async with session.post(bot.webhook_url + "/", json=update, headers=headers) as response:
            assert response.status == 200
        await bot.fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == 80, 5)
        for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
            async with session.post(bot.webhook_url, data=body, headers=headers) as response:
                assert response.status == 400
        async with session.post(bot.webhook_url, data=b"{}", headers={}) as response:
            assert response.status == 403  # the secret is checked before anything else


async def test_an_update_ptb_cannot_parse_is_confirmed_and_skipped(
    telegram_bots: TelegramBots, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await telegram_bots.start(webhook=True)
    bad = bot.fake.private_message("who signed?", user_id=81)
    bad["message"]["date"] = "not a date"
    bad["update_id"] = 8100
    assert await bot.fake.deliver_webhook(bot.webhook_url, bad, bot.webhook_secret) == 200
    assert any("skipped update 8100" in r.getMessage() for r in caplog.records)
    await bot.feed(bot.fake.private_message("hello", user_id=82))  # and the next one is answered


async def test_bootstrap_retries_telegram_errors_but_not_an_invalid_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "FIRST_DELAY", 0.01)
    failures = [NetworkError("down"), NetworkError("still down")]

    async def flaky() -> None:
        if failures:
            raise failures.pop(0)

    await webhook.bootstrap(flaky, "flaky", retries=-1)
    assert not failures
    failures[:] = [NetworkError("down")]
    with pytest.raises(NetworkError):
        await webhook.bootstrap(flaky, "flaky", retries=0)

    async def invalid() -> None:
        raise InvalidToken("no")

    with pytest.raises(InvalidToken):
        await webhook.bootstrap(invalid, "invalid", retries=-1)


async def test_a_signal_stops_serve_while_telegram_is_unreachable(
    fake_tg: FakeTelegram, telegram_bots: TelegramBots
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = telegram_bots.config()
    hook = WebhookConfig(listen="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}/telegram",
                         secret_token="s3cret_Token-1")
    config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, mode="webhook", webhook=hook))
    app = build_application(config, Services(config, telegram_bots.kb, telegram_bots.matcher, None))
    assert app.updater is None  # the webhook server feeds the application, not PTB's Updater
    await fake_tg.set_down(30.0)
    task = asyncio.create_task(webhook.serve(app, hook, bootstrap_retries=-1, stop_signals=(signal.SIGUSR1,)))
    await asyncio.sleep(0.3)
    assert not task.done()  # still retrying getMe
    os.kill(os.getpid(), signal.SIGUSR1)
    await asyncio.wait_for(task, 5)
    assert not app.running
