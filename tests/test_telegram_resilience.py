"""Faults and transports, end to end: 429 retries, an outage while polling, the webhook and its secret."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from conftest import RunningBot, TelegramBots
from fake_telegram import Call

from bot.knowledge import KnowledgeBase


def answered_to(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.ok and c.params["chat_id"] == chat_id


async def test_a_429_on_send_message_is_retried(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    fake.fail_next("sendMessage", status=429, retry_after=1)
    call = await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=50), predicate=lambda c: c.ok)
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]


async def test_an_outage_loses_no_update(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=51))
    await fake.set_down(1.0)
    for user_id in (52, 53, 54):
        fake.add_update(fake.private_message("What did the EU say?", user_id=user_id))
    await fake.wait_up()
    for user_id in (52, 53, 54):
        await fake.wait_for("sendMessage", answered_to(user_id), 10)
    await asyncio.sleep(0.2)
    answered = [c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok]
    assert sorted(answered) == [51, 52, 53, 54]  # each update answered exactly once


async def test_webhook_mode_answers_and_refuses_a_wrong_secret(telegram_bots: TelegramBots, kb: KnowledgeBase) -> None:
    bot = await telegram_bots.start(webhook=True)
    fake = bot.fake
    assert fake.webhook_url == bot.webhook_url and fake.webhook_secret_token == bot.webhook_secret
    call = await bot.feed(fake.private_message("Who signed the treaty?", user_id=55))
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    sent = len(fake.calls_to("sendMessage"))
    status = await fake.deliver_webhook(bot.webhook_url, fake.private_message("hello", user_id=56), "wrong")
    assert status == 403
    await asyncio.sleep(0.3)
    assert len(fake.calls_to("sendMessage")) == sent


async def test_without_the_rate_limiter(telegram_bots: TelegramBots, kb: KnowledgeBase) -> None:
    config = telegram_bots.config()
    config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, rate_limiter=False))
    bot = await telegram_bots.start(config)
    call = await bot.feed(bot.fake.private_message("Кто подписал договор?", user_id=57))
    assert call.result["text"].startswith(kb.by_id["signatories"].ru.answer)
