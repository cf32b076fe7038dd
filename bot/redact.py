"""Keeping secrets out of log output (no Telegram imports).

``RedactingFormatter`` wraps the formatter of the bot's log handler and replaces every secret in the
*finished* line, tracebacks included (a logging.Filter only sees the message, not the exception text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.config import Config

REDACTED = "<redacted>"
MIN_SECRET_LENGTH = 6  # shorter values would garble ordinary words in the logs (and are no secret anyway)


def secrets_of(config: Config) -> tuple[str, ...]:
    """The values that must never be logged: the token (and its secret half), webhook secret, salt."""
    token = config.telegram.token
    values = [token, token.partition(":")[2], config.telegram.webhook.secret_token, config.storage.salt]
    unique = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
    return tuple(sorted(unique, key=len, reverse=True))  # longest first: the token before its half


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner``, then removes the secrets from the whole line (message and traceback)."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = tuple(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)
