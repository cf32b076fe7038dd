"""The application wiring, ``run``'s checks, and the pure helpers (flood control, callback data)."""

from __future__ import annotations

import dataclasses
import logging
import sys

import pytest
from conftest import TEST_TOKEN, RunningBot, TelegramBots

from bot.config import Config, ConfigError, FloodConfig, TelegramConfig, WebhookConfig
from bot.flood import FloodControl, Verdict
from bot.knowledge import KnowledgeBase
from bot.telegram import keyboards
from bot.telegram.app import COMMANDS, run
from bot.telegram.keyboards import Ask, Forget, SetLang, Topics, Vote, encode, parse
from bot.texts import t

# Nothing listens on port 9 (discard): a network call would fail with a NetworkError, not a ConfigError.
NOWHERE = TelegramConfig(api_base_url="http://127.0.0.1:9/bot", api_file_url="http://127.0.0.1:9/file/bot")


@pytest.mark.parametrize("token", ["", "not-a-token", "123:short", "123456:" + "A" * 35 + " x"])
def test_run_without_a_valid_token_fails_before_any_network_call(token: str) -> None:
    config = Config(telegram=dataclasses.replace(NOWHERE, token=token))
    with pytest.raises(ConfigError, match="token"):
        run(config, knowledge_dir="/nonexistent")  # the token is checked before the knowledge base too


@pytest.mark.parametrize(
    ("webhook", "match"),
    [(WebhookConfig(secret_token="s"), "public_url"), (WebhookConfig(public_url="https://x.org/t"), "secret")],
)
def test_run_in_webhook_mode_needs_a_public_url_and_a_secret(webhook: WebhookConfig, match: str) -> None:
    telegram = dataclasses.replace(NOWHERE, token=TEST_TOKEN, mode="webhook", webhook=webhook)
    with pytest.raises(ConfigError, match=match):
        run(Config(telegram=telegram), knowledge_dir="/nonexistent")


async def test_post_init_publishes_commands_and_descriptions(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    default = fake.commands[('{"type": "default"}', "")]
    russian = fake.commands[('{"type": "default"}', "ru")]
    assert [c["command"] for c in default] == list(COMMANDS) == [c["command"] for c in russian]
    assert default[0]["description"] == t("cmd_start", "en") and russian[0]["description"] == t("cmd_start", "ru")
    assert fake.descriptions == {"": t("bot_description", "en"), "ru": t("bot_description", "ru")}
    assert fake.short_descriptions[""] == t("bot_short_description", "en")
    assert fake.short_descriptions["ru"] == t("bot_short_description", "ru")


async def test_the_token_is_never_logged(telegram_bots: TelegramBots, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await telegram_bots.start()
    await bot.feed(bot.fake.private_message("Who signed the treaty?", user_id=60))
    await telegram_bots.stop(bot)
    assert caplog.records and TEST_TOKEN not in caplog.text
    assert TEST_TOKEN.split(":")[1] not in caplog.text


def test_one_filter_redacts_message_arguments_tracebacks_and_stacks() -> None:
    from bot.redact import REDACTED, RedactSecrets
    from bot.telegram.app import _JsonFormatter

    secret = "s3cret_Value-42"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling %s", (f"/bot{secret}/getMe",), None)
    try:
        raise RuntimeError(f"failed: {secret}")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    record.stack_info = f"Stack (most recent call last): {secret}"
    assert RedactSecrets([secret, "short"]).filter(record)  # never drops a record
    assert record.getMessage() == f"calling /bot{REDACTED}/getMe"
    for formatter in (logging.Formatter(), _JsonFormatter()):
        line = formatter.format(record)
        assert secret not in line and f"failed: {REDACTED}" in line


async def test_replace_knowledge_swaps_the_matcher(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    smaller = kb.replace_entries(e for e in kb.entries if e.id != "signatories")
    tg_bot.services.replace_knowledge(smaller)
    assert tg_bot.services.kb is smaller and tg_bot.services.matcher.kb is smaller
    call = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=61))
    assert not call.result["text"].startswith(kb.by_id["signatories"].en.answer)


# --- flood control (pure, with a fake clock) --------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_flood_user_limit_notice_once_then_silence_until_the_window_passes() -> None:
    clock = Clock()
    flood = FloodControl(FloodConfig(user_window_seconds=60, user_max_questions=2), clock)
    assert [flood.admit(1, 7) for _ in range(2)] == [Verdict.ANSWER, Verdict.ANSWER]
    assert flood.admit(1, 7) is Verdict.NOTICE
    assert flood.admit(1, 7) is Verdict.SILENT
    assert flood.admit(1, 8) is Verdict.ANSWER  # another user
    assert flood.admit(2, 7) is Verdict.ANSWER  # another chat
    clock.now += 59
    assert flood.admit(1, 7) is Verdict.SILENT
    clock.now += 2
    assert flood.admit(1, 7) is Verdict.ANSWER
    assert flood.admit(1, 7) is Verdict.ANSWER
    assert flood.admit(1, 7) is Verdict.NOTICE  # a new window: one new notice


def test_flood_repeat_window_and_bounded_memory() -> None:
    clock = Clock()
    flood = FloodControl(FloodConfig(repeat_window_seconds=300), clock, max_keys=3)
    assert flood.earlier_answer(1, "who signed") is None
    flood.remember_answer(1, "who signed", 42)
    found = flood.earlier_answer(1, "who signed")
    assert found is not None and found.message_id == 42
    assert flood.earlier_answer(2, "who signed") is None
    clock.now += 301
    assert flood.earlier_answer(1, "who signed") is None
    for i in range(10):
        flood.remember_answer(1, f"q{i}", i)
        flood.admit(i, i)
    assert len(flood) <= 6


# --- callback data ------------------------------------------------------------------------------------


def test_callback_data_round_trips_and_fits_64_bytes(kb: KnowledgeBase) -> None:
    actions: list[keyboards.Action] = [SetLang("en"), SetLang("ru"), Forget("ru", True), Forget("en", False)]
    for e in kb.entries:
        actions += [Ask("ru", e.id), Ask("en", e.id, replace=True), Vote(e.id, 1), Vote(e.id, -1)]
    for topic in kb.topics:
        actions += [Topics("en"), Topics("ru", topic.id, 12)]
    for action in actions:
        data = encode(action)
        assert len(data.encode()) <= 64
        assert parse(data) == action


MALFORMED = [None, "", "a", "a:en", "a:de:x", "f:0:x", "t:en:x:-1", "t:en:x", "x:nuke:en", "q" * 65]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_callback_data_parses_to_none(data: str | None) -> None:
    assert parse(data) is None


def test_too_long_callback_data_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode(Topics("en", "t" * 70, 0))


def test_an_outcome_keyboard_is_built_once_per_entry_language_and_outcome(kb: KnowledgeBase) -> None:
    from bot.matching import Matcher

    matcher = Matcher(kb)
    first = keyboards.outcome_keyboard(matcher.match("who signed the treaty?"), kb, 3)
    again = keyboards.outcome_keyboard(matcher.match("who put their names to the treaty?"), kb, 3)
    russian = keyboards.outcome_keyboard(matcher.match("кто подписал договор?"), kb, 3)
    assert first is not None and again is first  # the same answer: the same (immutable) markup
    assert russian is not first and russian != first
    assert keyboards.outcome_keyboard(matcher.match("who signed the treaty?"), kb, 2) != first
    edited = dataclasses.replace(kb)  # a new knowledge base (an edit or a reload): built anew
    assert keyboards.outcome_keyboard(matcher.match("who signed the treaty?"), edited, 3) is not first
