"""Sends that survive a hiccup: a Bot API call that failed for a passing reason is tried again.

``with_retries`` runs a send (``sendMessage``, ``editMessageText``, ...) and, when Telegram answers 5xx,
cannot be reached, times out or says 429, tries again after a short pause (0.5 s, doubling to 10 s;
a 429's ``retry_after`` is honoured) while ``SEND_RETRY_BUDGET`` seconds have not passed, so a 30 s
outage of the Bot API loses no reply. Other errors (400 Bad Request, 403 Forbidden: the user blocked
the bot) are final at once. With ``telegram.rate_limiter`` on, PTB's ``AIORateLimiter`` retries a 429
itself first (``telegram.max_retries`` times); what it gives up on is retried here.

The rule about the rare double send: a send that timed out may have reached Telegram all the same (only
the answer was lost), so resending it can show the user the same message twice. A lost answer is worse
than a repeated one, so a timed-out send is resent, but once only: two timeouts end the attempts, and
the exchange is recorded with ``send_status`` "unknown". A pool timeout (the request never left this
process) counts as a plain failure, never as a possible delivery.

While the application stops, no new pause starts: the send is given up on at once, so SIGTERM is never
held up by an outage.

``send_html`` is the send of an answer, whose result the bot needs only the ``message_id`` of: it asks
for the raw result (``Bot.do_api_request`` without a ``return_type``, PTB's public API) instead of
``Bot.send_message``, which parses the whole sent message back (text, entities, every button of the
keyboard, the chat, the bot's user) into a ``telegram.Message`` on every reply. The request itself is the
same: it goes through ``ExtBot`` and so through the rate limiter when one is on, the markup, reply
parameters and link preview options are serialised by PTB as ``send_message`` does, and it is tried again
by ``with_retries`` like any send.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)

T = TypeVar("T")

SEND_RETRY_BUDGET: Final = 60.0  # seconds from the first attempt after which no new attempt starts
FIRST_PAUSE: Final = 0.5  # seconds before the second attempt, doubling each time ...
MAX_PAUSE: Final = 10.0  # ... up to this
MAX_TIMEOUTS: Final = 2  # timed-out attempts (each may have been delivered) before giving up
RETRY_AFTER_SLACK: Final = 0.5  # seconds added to a 429's retry_after
# The Bot API's sendMessage, spelled as Telegram allows ("All methods in the Bot API are case-insensitive")
# but not as a Bot attribute: Bot.do_api_request warns on a name it has a method for ("sendMessage",
# "send_message"), telling the caller to use that method, which is what the raw send is here to avoid.
SEND_MESSAGE: Final = "sendmessage"


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the bot sent, as far as the bot needs it: where, and its id."""

    chat_id: int
    message_id: int


def is_pool_timeout(exc: BaseException) -> bool:
    """A timeout waiting for a free connection: the request was never sent."""
    return isinstance(exc, TimedOut) and "pool timeout" in str(exc).lower()


def send_status_of(exc: BaseException) -> str:
    """The chat log's ``send_status`` of a send that raised ``exc``: "unknown" when it timed out (it may
    have been delivered), "failed" otherwise."""
    return "unknown" if isinstance(exc, TimedOut) and not is_pool_timeout(exc) else "failed"


def pause_before_retry(exc: TelegramError, attempt: int) -> float | None:
    """Seconds to wait before trying again after ``exc`` on attempt ``attempt`` (1-based); None: give up."""
    if isinstance(exc, RetryAfter):
        after = exc.retry_after
        seconds = after.total_seconds() if isinstance(after, dtm.timedelta) else float(after)
        return seconds + RETRY_AFTER_SLACK
    if isinstance(exc, BadRequest) or not isinstance(exc, NetworkError):
        return None  # 400, 403, 404, 409 ...: trying again changes nothing
    return min(FIRST_PAUSE * 2 ** (attempt - 1), MAX_PAUSE)  # 5xx, unreachable, timed out


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    what: str = "send",
    running: Callable[[], bool] = lambda: True,
) -> T:
    """``await call()``, tried again after passing failures (see the module docstring); raises the last
    error when the attempts end. ``running``: False once the application stops (no new pause then)."""
    started = time.monotonic()
    attempt = timeouts = 0
    while True:
        attempt += 1
        try:
            return await call()
        except TelegramError as exc:
            if isinstance(exc, TimedOut) and not is_pool_timeout(exc):
                timeouts += 1
            pause = pause_before_retry(exc, attempt)
            spent = time.monotonic() - started
            if pause is None or timeouts >= MAX_TIMEOUTS or spent + pause > SEND_RETRY_BUDGET or not running():
                if pause is not None:
                    log.warning("%s: giving up after %d attempts in %.1f s: %s", what, attempt, spent, exc)
                raise
            log.info("%s: attempt %d failed (%s); trying again in %.1f s", what, attempt, exc, pause)
        await _sleep_while(running, pause)


async def _sleep_while(running: Callable[[], bool], seconds: float, step: float = 0.25) -> None:
    """Sleep ``seconds``, cut short when ``running()`` turns False."""
    deadline = time.monotonic() + seconds
    while running():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(step, left))


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_parameters: ReplyParameters | None = None,
    link_preview_options: LinkPreviewOptions | None = None,
    running: Callable[[], bool] = lambda: True,
) -> Sent:
    """sendMessage with HTML ``text``, tried again through passing failures (``with_retries``); only the
    new message's id is read from Telegram's answer (see the module docstring)."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if reply_markup is not None:
        params["reply_markup"] = reply_markup
    if reply_parameters is not None:
        params["reply_parameters"] = reply_parameters
    if link_preview_options is not None:
        params["link_preview_options"] = link_preview_options
    result = await with_retries(
        lambda: bot.do_api_request(SEND_MESSAGE, api_kwargs=dict(params)), what="sendMessage", running=running
    )
    return Sent(chat_id, int(result["message_id"]))
