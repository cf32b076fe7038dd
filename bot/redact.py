"""Keeping secrets out of log output and error texts: one placeholder, one log filter (no Telegram imports).

``RedactSecrets`` is the bot's only redaction mechanism for logs. ``bot.telegram.app`` installs it on
the bot's log handler (every line it writes, from any logger) and on the loggers that know request URLs
(so that other handlers, e.g. pytest's, see the redacted record too). It rewrites the record itself:
the message with its arguments, the traceback and the stack, so every formatter prints the clean text.
The transport (``bot.telegram.request``) uses ``redact`` and the same placeholder for the texts of the
errors it raises.

The same filter keeps the privacy settings: with ``storage.store_text = false`` or ``storage.pseudonymize
= true`` (``private``), the DEBUG lines of the libraries are dropped, because they carry what the chat log
is told not to keep (python-telegram-bot logs every Bot API call's parameters and result, so question
texts and user ids; aiosqlite every statement's parameters). The bot's own lines (``bot.*``, which never
hold a question's text) and python-telegram-bot's network retry loop (``telegram.ext``: no content) stay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.config import Config

REDACTED = "<redacted>"
MIN_SECRET_LENGTH = 6  # shorter values would garble ordinary words in the logs (and are no secret anyway)

_TRACEBACKS = logging.Formatter()  # formats exc_info exactly as every stdlib formatter would
# Loggers outside ``bot`` whose DEBUG lines carry no user content (kept when the privacy settings are on).
CONTENT_FREE_LOGGERS = frozenset({"telegram.ext"})


def keeps_private(config: Config) -> bool:
    """Whether the privacy settings ask for the libraries' DEBUG lines to be dropped."""
    return not config.storage.store_text or config.storage.pseudonymize


def _may_hold_user_content(record: logging.LogRecord) -> bool:
    """A library's DEBUG (or lower) line: it may quote a question or a user id."""
    name = record.name
    own = name == "bot" or name.startswith("bot.") or name in CONTENT_FREE_LOGGERS
    return record.levelno < logging.INFO and not own


def secrets_of(config: Config) -> tuple[str, ...]:
    """The values that must never be logged: the token (and its secret half), webhook secret, salt."""
    token = config.telegram.token
    return usable([token, token.partition(":")[2], config.telegram.webhook.secret_token, config.storage.salt])


def usable(secrets: Iterable[str]) -> tuple[str, ...]:
    """The secrets worth replacing (long enough), each once, longest first (the token before its half)."""
    unique = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
    return tuple(sorted(unique, key=len, reverse=True))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``REDACTED``."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Replaces the secrets in a log record: its message (with the arguments merged), traceback, stack;
    ``private``: drops the libraries' DEBUG lines (see the module docstring)."""

    def __init__(self, secrets: Iterable[str], *, private: bool = False) -> None:
        super().__init__()
        self.secrets = usable(secrets)
        self.private = private

    def filter(self, record: logging.LogRecord) -> bool:
        if self.private and _may_hold_user_content(record):
            return False
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: let the handler report it as usual
            return True
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so they all print this redacted traceback.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def protect(loggers: Iterable[str], secrets: Iterable[str], *, private: bool = False) -> None:
    """Install a ``RedactSecrets`` for ``secrets`` on each named logger (replacing an earlier one)."""
    for name in loggers:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
            logger.removeFilter(old)
        logger.addFilter(RedactSecrets(secrets, private=private))
