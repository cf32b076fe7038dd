"""Shared pytest fixtures."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import Call, FakeTelegram
from telegram import Update
from telegram.request import BaseRequest

from bot.config import Config, StorageConfig, TelegramConfig, WebhookConfig
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.storage import Storage
from bot.telegram.app import build_application
from bot.telegram.context import BotApplication, Services
from bot.telegram.webhook import WebhookServer, register

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
# Started first: the suite runs on every core (addopts "-n auto"), and a test of a minute collected near the
# end (tests/test_update_fuzz.py, alphabetically) ran alone after the others were done, ~30 s of a budget
# of 5 minutes.
LONGEST_FIRST = ("test_update_fuzz.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first, the rest in their order."""
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    """A running fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram.py)."""
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded once."""
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def matcher(kb: KnowledgeBase) -> Matcher:
    """A matcher over the shipped knowledge base with the default thresholds."""
    return Matcher(kb)


# --- the Telegram layer: the real Application against FakeTelegram (tests/test_telegram_*.py) ---------

TEST_TOKEN = "123456:" + "A" * 35  # the shape BotFather gives (bot.config.TOKEN_RE)


@dataclass
class RunningBot:
    """A started Application talking to ``fake`` (polling, or a webhook on ``webhook_url``)."""

    app: BotApplication
    services: Services
    fake: FakeTelegram
    webhook_url: str = ""
    webhook_secret: str = ""
    server: WebhookServer | None = None

    async def feed(
        self,
        update: dict[str, Any],
        method: str = "sendMessage",
        predicate: Callable[[Call], bool] | None = None,
        wait: float = 5.0,
    ) -> Call:
        """Deliver ``update`` (getUpdates or the webhook) and wait for the bot's ``method`` call."""
        since = len(self.fake.calls)
        if self.webhook_url:
            status = await self.fake.deliver_webhook(self.webhook_url, update, self.webhook_secret)
            assert status == 200, status
        else:
            self.fake.add_update(update)
        return await self.fake.wait_for(method, predicate, wait, since=since)

    async def quiet(self, update: dict[str, Any], seconds: float = 0.4) -> list[Call]:
        """Deliver ``update`` and return the calls the bot made in ``seconds`` (expected: none)."""
        since = len(self.fake.calls)
        self.fake.add_update(update)
        await asyncio.sleep(seconds)
        return [c for c in self.fake.calls[since:] if c.method != "getUpdates"]


class TelegramBots:
    """Builds the bot as ``bot.telegram.app`` does and runs it like ``run_polling``/``run_webhook``
    (``bot.telegram.webhook.serve``)."""

    def __init__(self, fake: FakeTelegram, kb: KnowledgeBase, matcher: Matcher, tmp_path: Path) -> None:
        self.fake, self.kb, self.matcher, self.tmp_path = fake, kb, matcher, tmp_path
        self.running: list[RunningBot] = []

    def config(self, **sections: Any) -> Config:
        """A Config pointing at the fake server, with a database in tmp_path; ``sections`` replace parts."""
        telegram = TelegramConfig(
            token=TEST_TOKEN, api_base_url=self.fake.base_url, api_file_url=self.fake.base_file_url
        )
        storage = StorageConfig(database=str(self.tmp_path / "chat.sqlite3"), flush_interval=0.02)
        return Config(**{"telegram": telegram, "storage": storage, **sections})

    async def start(
        self,
        config: Config | None = None,
        *,
        webhook: bool = False,
        storage: Storage | None = None,
        request: BaseRequest | None = None,
    ) -> RunningBot:
        """Start a bot; ``storage`` replaces the one the config describes, ``request`` PTB's HTTP client.

        ``webhook``: in webhook mode on a free port (the bot's own server, bot/telegram/webhook.py).
        """
        config = config or self.config()
        if webhook:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            hook = WebhookConfig(
                listen="127.0.0.1", port=port, url_path="telegram",
                public_url=f"http://127.0.0.1:{port}/telegram", secret_token="s3cret_Token-1",
            )
            config = dataclasses.replace(config, telegram=dataclasses.replace(config.telegram, mode="webhook",
                                                                              webhook=hook))
        if storage is None and config.storage.database:
            storage = Storage.from_config(config.storage)
        services = Services(config, self.kb, self.matcher, storage)
        app = build_application(config, services, request=request)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        bot = RunningBot(app, services, self.fake)
        if webhook:
            hook = config.telegram.webhook
            bot.webhook_url, bot.webhook_secret = hook.public_url, hook.secret_token
            bot.server = WebhookServer(app, hook)
            await bot.server.start()
            await register(app, hook)
        else:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)
        await app.start()
        self.running.append(bot)
        return bot

    async def stop(self, bot: RunningBot) -> None:
        """Stop like run_polling does on SIGINT: updater (or webhook server), application, shutdown
        (closes the database)."""
        self.running.remove(bot)
        app = bot.app
        if bot.server is not None:
            await bot.server.stop()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def stop_all(self) -> None:
        for bot in list(reversed(self.running)):
            await self.stop(bot)


@pytest.fixture
async def telegram_bots(
    fake_tg: FakeTelegram, kb: KnowledgeBase, matcher: Matcher, tmp_path: Path
) -> AsyncIterator[TelegramBots]:
    """Start/stop the real Application against the fake server; everything started is stopped."""
    bots = TelegramBots(fake_tg, kb, matcher, tmp_path)
    try:
        yield bots
    finally:
        await asyncio.wait_for(bots.stop_all(), 15)


@pytest.fixture
async def tg_bot(telegram_bots: TelegramBots) -> RunningBot:
    """The bot, polling, with the default configuration and a database in tmp_path."""
    return await telegram_bots.start()
