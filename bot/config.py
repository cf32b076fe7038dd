"""Configuration: one frozen dataclass tree read from a TOML file plus environment variables.

Every key has a default, so the bot runs with no file at all. An unknown key or a value of the wrong
type is a ``ConfigError`` that names the key. Secrets come from the environment (``TELEGRAM_BOT_TOKEN``
wins over the file) and are never part of ``repr``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.tomlsafe import TomlError, read_limited

CONFIG_ENV = "TREATY_BOT_CONFIG"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TREATY_BOT_WEBHOOK_SECRET"
SALT_ENV = "TREATY_BOT_PSEUDONYM_SALT"
# Settings a container sets without a config file (they win over the file): variable -> (section, key).
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "TREATY_BOT_DATABASE": ("storage", "database"),
    "TREATY_BOT_LOG_LEVEL": ("logging", "level"),
    "TREATY_BOT_LOG_FORMAT": ("logging", "format"),
}

MAX_CONFIG_BYTES = 64 * 1024  # config.toml.example, every key documented, is about 5 KB

# What a Bot API token looks like: "<bot id>:<35 url-safe characters>".
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")


class ConfigError(ValueError):
    """A configuration problem, worded for the operator."""


@dataclass(frozen=True)
class WebhookConfig:
    """Where the bot's own HTTPS server listens for Telegram's updates (``[telegram.webhook]``)."""

    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str = "telegram"
    public_url: str = ""  # e.g. https://bot.example.org/telegram ; required for webhook mode
    secret_token: str = field(default="", repr=False)  # TREATY_BOT_WEBHOOK_SECRET wins


@dataclass(frozen=True)
class TelegramConfig:
    """How the bot reaches Telegram: token, polling or webhook, API address (``[telegram]``)."""

    token: str = field(default="", repr=False)  # TELEGRAM_BOT_TOKEN wins
    mode: Literal["polling", "webhook"] = "polling"
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    rate_limiter: bool = True
    max_retries: int = 3
    # The HTTP client under python-telegram-bot: "aiohttp" (bot/telegram/request.py; ~4x less CPU per
    # Bot API request) or "httpx" (PTB's own HTTPXRequest, e.g. for SOCKS proxies or HTTP/2).
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"
    webhook: WebhookConfig = WebhookConfig()


@dataclass(frozen=True)
class BotConfig:
    """Who administers the bot and how it speaks by default (``[bot]``)."""

    admins: tuple[int, ...] = ()
    admin_chat_id: int = 0  # 0: none; else the administrators of this group are admins too
    default_language: Literal["en", "ru"] = "en"
    suggestions: int = 3  # related questions shown under an answer (2 or 3 reads best)


@dataclass(frozen=True)
class MatchingConfig:
    """Overrides of the learned decision's thresholds (``[matching]``)."""

    # Probabilities from the learned decision (knowledge/decision.toml); unset: the fitted values there.
    answer_threshold: float | None = None  # the best entry at or above this (clear of rivals) is answered
    clarify_threshold: float | None = None  # close candidates at or above this are offered back
    clarify_margin: float = 0.06  # a runner-up within this of the best makes it a clarify
    max_candidates: int = 3


@dataclass(frozen=True)
class FloodConfig:
    """How much a group chat may ask before the bot goes quiet (``[flood]``)."""

    repeat_window_seconds: int = 300  # same question in the same group chat: link to the earlier answer
    user_window_seconds: int = 60
    user_max_questions: int = 8  # per user per window in a group, then one notice and silence


@dataclass(frozen=True)
class StorageConfig:
    """The chat log and admin database, and what it keeps (``[storage]``)."""

    database: str = "data/treaty-bot.sqlite3"
    retention_days: int = 0  # 0: keep forever
    store_text: bool = True
    pseudonymize: bool = False
    salt: str = field(default="", repr=False)  # TREATY_BOT_PSEUDONYM_SALT wins
    queue_size: int = 10000
    batch_size: int = 500
    flush_interval: float = 0.5


@dataclass(frozen=True)
class KnowledgeConfig:
    """Where the knowledge base is and which question sets guard admin edits (``[knowledge]``)."""

    directory: str = ""  # empty: the knowledge/ shipped with the bot
    regression_sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoggingConfig:
    """Log level and format (``[logging]``)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


@dataclass(frozen=True)
class Config:
    """The whole configuration, one section each (``load_config`` makes it)."""

    telegram: TelegramConfig = TelegramConfig()
    bot: BotConfig = BotConfig()
    matching: MatchingConfig = MatchingConfig()
    flood: FloodConfig = FloodConfig()
    storage: StorageConfig = StorageConfig()
    knowledge: KnowledgeConfig = KnowledgeConfig()
    logging: LoggingConfig = LoggingConfig()
    source: str = ""  # the file it was read from, or "" for defaults

    def require_token(self) -> str:
        """The token, checked for shape before any network call."""
        token = self.telegram.token
        if not token:
            raise ConfigError(
                f"no Telegram bot token: set the {TOKEN_ENV} environment variable "
                "(or telegram.token in the config file). Without one, try `treaty-bot chat`."
            )
        if not TOKEN_RE.match(token):
            raise ConfigError(
                f"the Telegram bot token is malformed (expected '<digits>:<35 characters>' as BotFather "
                f"gives it); check {TOKEN_ENV}"
            )
        return token


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(key: str, value: Any, tp: Any, *, secret: bool = False) -> Any:
    """Check ``value`` against the annotation ``tp``; return it in the dataclass's shape.

    A ``secret`` (a field kept out of ``repr``: the token, the salt, the webhook secret) is named in
    the error, never printed.
    """
    if secret and not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {type(value).__name__} (the value is a secret, not shown)")
    origin = typing.get_origin(tp)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ConfigError(f"{key}: {value!r} is not one of {choices}")
        return value
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {type(value).__name__}")
        return tuple(_coerce(f"{key}[{i}]", v, item_tp) for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        # ``X | None``: TOML has no null, so a value given is always an X (None is only the default).
        (inner,) = (arg for arg in typing.get_args(tp) if arg is not type(None))
        return _coerce(key, value, inner)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {type(value).__name__}")
        return _build(tp, value, key)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if not isinstance(value, tp):
        raise ConfigError(f"{key}: expected {_type_name(tp)}, got {type(value).__name__} {value!r}")
    return value


def _build(cls: Any, data: dict[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    for key in data:
        if key not in names:
            where = f"{prefix}.{key}" if prefix else key
            known = ", ".join(sorted(names))
            raise ConfigError(f"unknown key {where!r} (known keys here: {known})")
    secrets = {f.name for f in dataclasses.fields(cls) if not f.repr}
    kwargs = {k: _coerce(f"{prefix}.{k}" if prefix else k, v, hints[k], secret=k in secrets) for k, v in data.items()}
    return cls(**kwargs)


def _validate(config: Config) -> None:
    m = config.matching
    for name in ("answer_threshold", "clarify_threshold"):
        value = getattr(m, name)
        if value is not None and not 0 < value < 1:
            raise ConfigError(f"matching.{name}: must be a probability between 0 and 1")
    if m.answer_threshold is not None and m.clarify_threshold is not None and m.clarify_threshold > m.answer_threshold:
        raise ConfigError("matching: need clarify_threshold <= answer_threshold")
    if not 1 <= config.bot.suggestions <= 5:
        raise ConfigError("bot.suggestions: must be between 1 and 5")
    if not 1 <= config.telegram.webhook.port <= 65535:
        raise ConfigError("telegram.webhook.port: must be between 1 and 65535")
    for name in ("queue_size", "batch_size"):
        if getattr(config.storage, name) < 1:
            raise ConfigError(f"storage.{name}: must be at least 1")
    if config.storage.retention_days < 0:
        raise ConfigError("storage.retention_days: must be 0 (keep forever) or more")
    _validate_counts(config)


def _validate_counts(config: Config) -> None:
    """Counts and durations that only make sense from a minimum up (a negative one would fail later,
    far from the config, as a TypeError or ValueError)."""
    minimums = {
        "telegram.max_retries": (config.telegram.max_retries, 0),
        "matching.max_candidates": (config.matching.max_candidates, 1),
        "matching.clarify_margin": (config.matching.clarify_margin, 0),
        "flood.repeat_window_seconds": (config.flood.repeat_window_seconds, 0),
        "flood.user_window_seconds": (config.flood.user_window_seconds, 0),
        "flood.user_max_questions": (config.flood.user_max_questions, 1),
        "storage.flush_interval": (config.storage.flush_interval, 0),
    }
    for name, (value, least) in minimums.items():
        if value < least:
            raise ConfigError(f"{name}: must be {least} or more, not {value}")


def find_config_path(explicit: str | None) -> Path | None:
    """``--config``, else ``$TREATY_BOT_CONFIG``, else ``./config.toml`` when present, else none."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    default = Path("config.toml")
    return default if default.is_file() else None


def load_config(path: str | Path | None = None, env: typing.Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (None: defaults only) and apply the environment's secrets."""
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = read_limited(p, max_bytes=MAX_CONFIG_BYTES)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {p}") from None
        except TomlError as exc:  # too big, too deeply nested, not UTF-8 or not valid TOML
            raise ConfigError(str(exc)) from None
        except OSError as exc:
            raise ConfigError(f"{p}: cannot be read: {exc.strerror}") from None
    try:
        config: Config = _build(Config, data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}" if path else str(exc)) from None
    telegram = config.telegram
    if environ.get(TOKEN_ENV):
        telegram = dataclasses.replace(telegram, token=environ[TOKEN_ENV].strip())
    if environ.get(WEBHOOK_SECRET_ENV):
        webhook = dataclasses.replace(telegram.webhook, secret_token=environ[WEBHOOK_SECRET_ENV])
        telegram = dataclasses.replace(telegram, webhook=webhook)
    for var, (section, key) in ENV_OVERRIDES.items():
        if environ.get(var):
            part = getattr(config, section)
            value = _coerce(f"{var} ({section}.{key})", environ[var].strip(), typing.get_type_hints(type(part))[key])
            config = dataclasses.replace(config, **{section: dataclasses.replace(part, **{key: value})})
    storage = config.storage
    if environ.get(SALT_ENV):
        storage = dataclasses.replace(storage, salt=environ[SALT_ENV])
    config = dataclasses.replace(
        config, telegram=telegram, storage=storage, source=str(path) if path is not None else ""
    )
    try:
        _validate(config)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}" if path else str(exc)) from None
    return config
