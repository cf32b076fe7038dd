"""The raw send of answers (bot.telegram.delivery.send_html): the same request as Bot.send_message, through
the rate limiter, tried again after passing failures, and only the message id read back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from conftest import TEST_TOKEN
from fake_telegram import FakeTelegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot

from bot.telegram.delivery import Sent, send_html
from bot.telegram.request import AiohttpRequest

MARKUP = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("When was it signed?", callback_data="q:1")],
        [InlineKeyboardButton("👍", callback_data="v:1"), InlineKeyboardButton("👎", callback_data="v:0")],
    ]
)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Recording(BaseRateLimiter[None]):
    """A rate limiter that limits nothing and notes every request it is asked to pass."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        self.seen.append((endpoint, data.get("chat_id")))
        return await callback(*args, **kwargs)


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the application opts in (bot/telegram/app.py): a 429's retry_after as a timedelta, no warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def started_bot(fake: FakeTelegram, rate_limiter: BaseRateLimiter[Any] | None) -> ExtBot[Any]:
    bot: ExtBot[Any] = ExtBot(
        TEST_TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=rate_limiter,
    )
    await bot.initialize()
    return bot


@pytest.fixture
async def recording_bot(fake_tg: FakeTelegram) -> AsyncIterator[tuple[ExtBot[Any], Recording]]:
    limiter = Recording()
    bot = await started_bot(fake_tg, limiter)
    try:
        yield bot, limiter
    finally:
        await bot.shutdown()


async def test_the_raw_send_sends_what_send_message_sends(
    fake_tg: FakeTelegram, recording_bot: tuple[ExtBot[Any], Recording]
) -> None:
    bot, _ = recording_bot
    fake_tg.add_update(fake_tg.group_message("/ask who signed it?", chat_id=-100777, user_id=5))
    asked = fake_tg.messages[max(k for k in fake_tg.messages if k[0] == -100777)]["message_id"]
    reply_to = ReplyParameters(message_id=asked, allow_sending_without_reply=True)
    text = "<b>Putin</b> and Tibilov.\n<blockquote expandable>Presidents … signed &amp; agreed.</blockquote>"

    typed = await bot.send_message(
        -100777, text, parse_mode=ParseMode.HTML, reply_markup=MARKUP, reply_parameters=reply_to,
        link_preview_options=NO_PREVIEW,
    )
    raw = await send_html(
        bot, -100777, text, reply_markup=MARKUP, reply_parameters=reply_to, link_preview_options=NO_PREVIEW
    )

    first, second = fake_tg.calls_to("sendMessage")
    assert first.ok and second.ok
    assert second.params == first.params  # the same parameters, serialised the same way
    assert second.params["reply_markup"] == MARKUP.to_dict()
    assert second.params["parse_mode"] == "HTML" and second.params["link_preview_options"] == {"is_disabled": True}
    assert raw == Sent(-100777, second.result["message_id"])
    assert raw.message_id == typed.message_id + 1
    assert second.result["reply_to_message"]["message_id"] == asked


async def test_the_raw_send_goes_through_the_rate_limiter(
    fake_tg: FakeTelegram, recording_bot: tuple[ExtBot[Any], Recording]
) -> None:
    bot, limiter = recording_bot
    before = len(limiter.seen)  # getMe, when the bot was initialised
    await send_html(bot, 42, "hello")
    assert [(endpoint.lower(), chat) for endpoint, chat in limiter.seen[before:]] == [("sendmessage", 42)]
    assert fake_tg.calls_to("sendMessage")[0].params == {"chat_id": 42, "text": "hello", "parse_mode": "HTML"}


async def test_the_raw_send_is_tried_again_after_a_5xx_and_a_429(fake_tg: FakeTelegram) -> None:
    bot = await started_bot(fake_tg, AIORateLimiter(max_retries=0))  # the 429 is left to with_retries
    try:
        fake_tg.fail_next("sendMessage", status=502)
        fake_tg.fail_next("sendMessage", status=429, retry_after=1)
        sent = await send_html(bot, 43, "<i>again</i>")
    finally:
        await bot.shutdown()
    assert [c.status for c in fake_tg.calls_to("sendMessage")] == [502, 429, 200]
    assert sent == Sent(43, fake_tg.calls_to("sendMessage")[-1].result["message_id"])


async def test_a_refused_raw_send_raises_at_once(
    fake_tg: FakeTelegram, recording_bot: tuple[ExtBot[Any], Recording]
) -> None:
    bot, _ = recording_bot
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await send_html(bot, 44, "<b>unclosed")
    assert len(fake_tg.calls_to("sendMessage")) == 1
