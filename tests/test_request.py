"""AiohttpRequest (bot/telegram/request.py): the real Application over it against FakeTelegram."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import gc
import socket
import warnings
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import TEST_TOKEN, RunningBot, TelegramBots
from fake_telegram import FakeTelegram, UploadedFile
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.config import Config, ConfigError, load_config
from bot.knowledge import KnowledgeBase
from bot.telegram.app import build_application
from bot.telegram.context import Services
from bot.telegram.request import AiohttpRequest, _redacted
from bot.telegram.updates import SkipUnparsableUpdates


def requests_of(bot: Bot) -> tuple[object, object]:
    """(the request for every call, the one for getUpdates inside SkipUnparsableUpdates)."""
    updates_request = bot._request[0]
    assert isinstance(updates_request, SkipUnparsableUpdates)
    return bot.request, updates_request.inner


async def started(request: AiohttpRequest) -> AiohttpRequest:
    await request.initialize()
    return request


async def get_me(request: AiohttpRequest, url: str, **timeouts: float) -> dict[str, Any]:
    """The getMe result through ``request`` alone (BaseRequest.post: status codes -> PTB's exceptions)."""
    result = await request.post(url, **timeouts)  # type: ignore[arg-type]
    assert isinstance(result, dict)
    return result


# --- the bot over aiohttp ----------------------------------------------------------------------------


async def test_the_bot_polls_and_answers_over_aiohttp(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    request, updates_request = requests_of(tg_bot.app.bot)
    assert isinstance(request, AiohttpRequest) and isinstance(updates_request, AiohttpRequest)
    assert request.connection_pool_size == 256 and updates_request.connection_pool_size == 1
    call = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=60))
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    assert call.http_method == "POST"
    polls = tg_bot.fake.calls_to("getUpdates")
    assert polls and polls[-1].params.get("timeout") == 10  # long polling, not short


async def test_send_document_uploads_bytes_and_open_files(tg_bot: RunningBot, tmp_path: Path) -> None:
    fake, bot = tg_bot.fake, tg_bot.app.bot
    await tg_bot.feed(fake.private_message("hello", user_id=61))  # the chat exists now
    content = "вопрос;ответ\n".encode() * 1000 + bytes(range(256))
    message = await bot.send_document(61, content, filename="отчёт.csv", caption="<b>Экспорт</b>", parse_mode="HTML")
    call = fake.calls_to("sendDocument")[-1]
    document = call.params["document"]
    assert isinstance(document, UploadedFile)
    assert document.content == content and document.filename == "отчёт.csv"
    assert call.params["chat_id"] == 61 and call.params["caption"] == "<b>Экспорт</b>"
    assert message.document is not None and message.document.file_size == len(content)
    assert message.caption == "Экспорт"

    path = tmp_path / "log.txt"
    path.write_bytes(b"x" * 300_000)
    with path.open("rb") as fh:
        await bot.send_document(61, fh)
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile) and document.content == path.read_bytes()
    assert document.filename == "log.txt"

    # And back: getFile, then the download (a GET on the file URL through the same request).
    file = await bot.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_a_429_is_retried_by_the_rate_limiter(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    fake.fail_next("sendMessage", status=429, retry_after=1)
    call = await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=62), predicate=lambda c: c.ok)
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200]


async def test_server_down_is_a_network_error_and_polling_recovers(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    await fake.set_down(1.0)
    with pytest.raises(NetworkError) as caught:
        await tg_bot.app.bot.get_me()
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp." in caught.value.message and TEST_TOKEN not in caught.value.message
    fake.add_update(fake.private_message("Who signed the treaty?", user_id=63))
    await fake.wait_up()
    call = await fake.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == 63, 10)
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)


async def test_a_slow_method_beyond_the_read_timeout_is_timed_out(tg_bot: RunningBot) -> None:
    fake, bot = tg_bot.fake, tg_bot.app.bot
    fake.set_delay("getChat", 1.0)
    with pytest.raises(TimedOut):
        await bot.get_chat(1, read_timeout=0.2)
    fake.set_delay("getChat", 0)
    assert (await bot.get_me()).username  # the pool is not poisoned


async def test_no_unclosed_session_is_left_behind(telegram_bots: TelegramBots) -> None:
    bot = await telegram_bots.start()
    request, updates_request = requests_of(bot.app.bot)
    assert isinstance(request, AiohttpRequest) and isinstance(updates_request, AiohttpRequest)
    await bot.feed(bot.fake.private_message("hello", user_id=64))
    sessions = [request._session, updates_request._session]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await telegram_bots.stop(bot)
        await asyncio.sleep(0)
        gc.collect()
    assert not request.is_initialized and not updates_request.is_initialized
    assert all(session is not None and session.closed for session in sessions)
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [str(w.message) for w in caught]


# --- the request on its own ----------------------------------------------------------------------------


async def test_the_session_lives_from_initialize_to_shutdown(fake_tg: FakeTelegram) -> None:
    request = AiohttpRequest()
    assert not request.is_initialized  # nothing opened at construction
    url = f"{fake_tg.base_url}{TEST_TOKEN}/getMe"
    with pytest.raises(NetworkError, match="not initialized"):  # BaseRequest wraps the RuntimeError
        await request.post(url)
    async with request:  # initialize ... shutdown
        assert request.is_initialized
        assert (await get_me(request, url))["is_bot"] is True
    assert not request.is_initialized
    await request.shutdown()  # twice is fine
    await request.initialize()  # and it can start again
    try:
        assert (await get_me(request, url))["is_bot"] is True
    finally:
        await request.shutdown()


async def test_timeouts_and_a_full_pool_are_timed_out(fake_tg: FakeTelegram) -> None:
    url = f"{fake_tg.base_url}{TEST_TOKEN}/getMe"
    fake_tg.set_delay("getMe", 0.6)
    request = await started(AiohttpRequest(connection_pool_size=1, read_timeout=0.2, pool_timeout=0.1))
    try:
        with pytest.raises(TimedOut):
            await get_me(request, url)
        first = asyncio.create_task(get_me(request, url, read_timeout=2.0))
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await get_me(request, url, read_timeout=2.0)
        assert (await first)["is_bot"] is True
    finally:
        await request.shutdown()


async def test_a_429_without_the_rate_limiter_is_retry_after(
    fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as build_application does (no deprecation warning)
    fake_tg.fail_next("getMe", status=429, retry_after=3)
    async with AiohttpRequest() as request:
        with pytest.raises(RetryAfter) as caught:
            await request.post(f"{fake_tg.base_url}{TEST_TOKEN}/getMe")
    assert caught.value.retry_after == dt.timedelta(seconds=3)


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AiohttpRequest(connect_timeout=1.0) as request:
        with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError") as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{TEST_TOKEN}/getMe")
    assert TEST_TOKEN not in str(caught.value)


def test_errors_that_quote_the_url_hide_the_token_and_are_not_chained() -> None:
    url = f"https://api.telegram.org/bot{TEST_TOKEN}/getUpdates"
    error, cause = _redacted(TimedOut, aiohttp.ConnectionTimeoutError(f"Connection timeout to host {url}"), url)
    assert isinstance(error, TimedOut) and cause is None
    assert TEST_TOKEN not in error.message and "/bot<redacted>/getUpdates" in error.message
    plain = aiohttp.ServerDisconnectedError()
    error, cause = _redacted(NetworkError, plain, url)
    assert cause is plain and error.message.startswith("aiohttp.ServerDisconnectedError")


def test_the_proxy_comes_from_the_argument_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    request = AiohttpRequest()
    assert request._proxy_for("https://api.telegram.org/botX/getMe") == "http://proxy.example:3128"
    assert request._proxy_for("http://127.0.0.1:8081/botX/getMe") is None  # NO_PROXY
    assert AiohttpRequest(trust_env=False)._proxy_for("https://api.telegram.org/botX/getMe") is None
    explicit = AiohttpRequest(proxy="http://other:8080")
    assert explicit._proxy_for("https://api.telegram.org/botX/getMe") == "http://other:8080"
    with pytest.raises(ValueError, match="http:// and https://"):
        AiohttpRequest(proxy="socks5://127.0.0.1:1080")


# --- configuration -------------------------------------------------------------------------------------


def test_http_client_is_configurable(tmp_path: Path, telegram_bots: TelegramBots) -> None:
    assert Config().telegram.http_client == "aiohttp"
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\nhttp_client = "httpx"\n')
    assert load_config(str(path)).telegram.http_client == "httpx"
    path.write_text('[telegram]\nhttp_client = "requests"\n')
    with pytest.raises(ConfigError, match=r"telegram\.http_client"):
        load_config(str(path))

    config = telegram_bots.config()
    services = Services(config, telegram_bots.kb, telegram_bots.matcher, None)
    httpx_config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, http_client="httpx"))
    request, updates_request = requests_of(build_application(httpx_config, services).bot)
    assert isinstance(request, HTTPXRequest) and isinstance(updates_request, HTTPXRequest)
    mine = AiohttpRequest(connection_pool_size=8)
    request, updates_request = requests_of(build_application(config, services, request=mine).bot)
    assert request is mine and isinstance(updates_request, AiohttpRequest)
