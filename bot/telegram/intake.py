"""At-least-once intake of updates: none is confirmed to Telegram before it is handled and recorded.

Telegram forgets an update once the bot confirms it: when polling, by asking getUpdates for a later
``offset``; with a webhook, by answering the POST with 200. python-telegram-bot's ``Updater`` confirms a
batch as soon as it asks for the next one, while the batch still waits in memory, so a crash (SIGKILL,
the OOM killer) lost every update fetched and not yet handled. Here, with PTB's public extension points:

* ``Intake`` knows the update ids the bot accepted (the last ``SEEN_CAPACITY``), which of them are not
  handled yet, and so what may be confirmed. An id accepted before is a no-op, dropped before any
  handler sees it. At start it is seeded with the update ids the chat log holds (``RESTORED`` of each
  kind: exchanges, votes, clicks), so an update handled and recorded just before a crash, but not yet
  confirmed, is not answered again when Telegram delivers it again. A set, not "the highest id": updates
  are handled concurrently, so a later id can be recorded while an earlier one is still in flight.
* ``IntakeBot`` (the application's ``ExtBot``) asks getUpdates for at most ``limit`` updates (as many as
  the bot handles at once). Before each poll it waits until the updates in hand are handled (at most
  ``SETTLE_WAIT``; ``STOP_SETTLE`` for the Updater's last call when it stops) and their records written
  (at most ``FLUSH_WAIT``; hardly at all while the database cannot keep up), and it sends as ``offset``
  the oldest update not yet handled: Telegram keeps everything from there and sends it again after a
  crash. So at most ``limit`` updates are ever fetched and unconfirmed. An update still being handled
  after ``MAX_HOLD`` seconds is confirmed anyway, so one stuck chat cannot stall the bot. Each successful
  getUpdates is a contact with Telegram (the heartbeat behind ``treaty-bot health``); a 401/404
  (``InvalidToken``: the token was revoked) stops the application, and ``run`` exits with status 1 for the
  container's restart policy to take over. Other errors are retried by PTB's polling loop with back-off
  (1 s, x1.5, at most 30 s).
* ``TrackedUpdates`` (the application's update processor) notes when an update's handlers are done.
* The webhook server (bot/telegram/webhook.py) accepts each POSTed update here and answers Telegram
  once it is handled and recorded (at most ``MAX_HOLD``): a crash before that, and Telegram posts it again.

What is left: an update answered in the instant before a crash, before its record reached the database
(the writer commits every ``storage.flush_interval``), is answered again after the restart. At least
once, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import BaseUpdateProcessor, ExtBot
from telegram.request import BaseRequest

from bot.telegram.updates import SkipUnparsableUpdates

if TYPE_CHECKING:
    from bot.storage import Storage

log = logging.getLogger(__name__)

FETCH_LIMIT: Final = 100  # getUpdates' own maximum; the application passes its concurrency (64)
SETTLE_WAIT: Final = 0.5  # s a poll waits for the updates in hand to be handled before asking anyway
STOP_SETTLE: Final = 5.0  # the same for the Updater's last getUpdates when it stops (no long polling)
FLUSH_WAIT: Final = 0.5  # s a confirmation waits for the records to be written (then the log is "behind")
BEHIND_FLUSH_WAIT: Final = 0.05  # the same while the log is behind (a quick look whether it caught up)
MAX_HOLD: Final = 60.0  # s after which an update still being handled is confirmed all the same
SEEN_CAPACITY: Final = 10_000  # update ids remembered, to drop a redelivery
RESTORED: Final = 1_000  # update ids read back from the chat log at start, per table
EXIT_INVALID_TOKEN: Final = 1


class _Pending:
    __slots__ = ("done", "overdue", "since")

    def __init__(self) -> None:
        self.since = time.monotonic()
        self.done = asyncio.Event()
        self.overdue = False


class Intake:
    """The update ids accepted, those not handled yet, and what may be confirmed (see the module)."""

    def __init__(self, limit: int = FETCH_LIMIT, capacity: int = SEEN_CAPACITY) -> None:
        self.limit = max(1, min(limit, FETCH_LIMIT))
        self.storage: Storage | None = None  # set by build_application: records are written before confirming
        self.on_contact: Callable[[], None] = _nothing_to_do  # a successful getUpdates (the heartbeat)
        self.on_fatal: Callable[[], None] = _nothing_to_do  # the token was refused (stop the application)
        self.failure: str | None = None  # why polling stopped for good
        self.skipped = 0  # updates dropped because their id was accepted before (a redelivery, a re-poll)
        self._capacity = capacity
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._unhandled: dict[int, _Pending] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._next: int | None = None  # the offset after the latest batch Telegram sent (as PTB keeps it)
        self._behind = False  # the chat log could not keep up: confirmations stopped waiting for it

    # -- ids ---------------------------------------------------------------------------------------

    def restore(self, update_ids: Iterable[int]) -> None:
        """Remember ids handled before this process started (from the chat log)."""
        for update_id in update_ids:
            self._remember(update_id)

    def accept(self, update_id: int) -> bool:
        """True for an update to handle; False (and counted) for one accepted before."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            self.skipped += 1
            log.debug("intake: update %d was received before; skipped", update_id)
            return False
        self._remember(update_id)
        self._unhandled[update_id] = _Pending()
        self._idle.clear()
        return True

    def handled(self, update_id: int) -> None:
        """The update's handlers are done (a no-op for an id this intake never accepted)."""
        pending = self._unhandled.pop(update_id, None)
        if pending is not None:
            pending.done.set()
        if not self._unhandled:
            self._idle.set()

    @property
    def unhandled(self) -> int:
        return len(self._unhandled)

    def _remember(self, update_id: int) -> None:
        self._seen[update_id] = None
        self._seen.move_to_end(update_id)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    # -- confirming --------------------------------------------------------------------------------

    async def settle(self, max_wait: float) -> None:
        """Wait until every accepted update is handled (at most ``max_wait``), then for their records."""
        if self._unhandled:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), max_wait)
        await self.records_written()

    async def wait_handled(self, update_id: int, max_wait: float = MAX_HOLD) -> None:
        """Wait until ``update_id`` is handled (at most ``max_wait``), then for its record."""
        pending = self._unhandled.get(update_id)
        if pending is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pending.done.wait(), max_wait)
        await self.records_written()

    async def records_written(self) -> None:
        """The records queued so far, written (at most FLUSH_WAIT; BEHIND_FLUSH_WAIT while the log is behind)."""
        storage = self.storage
        if storage is None or not storage.is_open or not storage.queued:
            self._behind = False
            return
        if await storage.flush(max_wait=BEHIND_FLUSH_WAIT if self._behind else FLUSH_WAIT):
            self._behind = False
        elif not self._behind:
            self._behind = True
            log.warning(
                "intake: the chat log is behind (database busy or unwritable): updates are confirmed to "
                "Telegram without waiting for their records until it catches up"
            )

    def offset(self, requested: int | None) -> int | None:
        """The getUpdates offset: the oldest update not handled yet, else the one after the latest batch."""
        now = time.monotonic()
        held = []
        for update_id, pending in self._unhandled.items():
            if now - pending.since < MAX_HOLD:
                held.append(update_id)
            elif not pending.overdue:
                pending.overdue = True
                log.warning(
                    "intake: update %d is still being handled after %.0f s; confirmed to Telegram anyway",
                    update_id, MAX_HOLD,
                )
        if held:
            return min(held)
        return requested if self._next is None else self._next

    def fetched(self, updates: Sequence[Update]) -> tuple[Update, ...]:
        """A getUpdates batch, without the updates accepted before."""
        if updates:
            self._next = updates[-1].update_id + 1
        return tuple(update for update in updates if self.accept(update.update_id))

    # -- polling that cannot go on -------------------------------------------------------------------

    def fail(self, exc: TelegramError) -> None:
        """Telegram refused the token: say so once, and stop the application."""
        if self.failure is not None:
            return
        self.failure = f"{type(exc).__name__}: {exc}"
        log.critical(
            "polling: Telegram refused the bot token on getUpdates (%s): it was revoked or is wrong. "
            "Stopping with exit status %d; set a valid TELEGRAM_BOT_TOKEN and start the bot again",
            self.failure, EXIT_INVALID_TOKEN,
        )
        self.on_fatal()


def _nothing_to_do() -> None:
    return None


class TrackedUpdates(BaseUpdateProcessor):
    """PTB's update processor (at most ``max_concurrent_updates`` at once) telling ``intake`` when an
    update is done."""

    __slots__ = ("intake",)

    def __init__(self, intake: Intake, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.intake = intake

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            if isinstance(update, Update):
                self.intake.handled(update.update_id)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class IntakeBot(ExtBot[Any]):
    """The application's bot: getUpdates confirms only handled updates (see the module)."""

    __slots__ = ("_intake",)

    def __init__(self, intake: Intake, get_updates_request: SkipUnparsableUpdates, **kwargs: Any) -> None:
        # The screen is required: one update PTB cannot parse would fail every poll (bot/telegram/updates.py).
        super().__init__(get_updates_request=get_updates_request, **kwargs)
        self._intake = intake

    @property
    def intake(self) -> Intake:
        return self._intake

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dtm.timedelta | None = None,  # noqa: ASYNC109 (PTB's signature)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        intake = self._intake
        if intake.failure is not None:  # the token was refused: ask nothing more while the bot stops
            return await _empty_poll(timeout)
        await intake.settle(SETTLE_WAIT if timeout else STOP_SETTLE)
        try:
            updates = await super().get_updates(
                offset=intake.offset(offset),
                limit=min(limit or intake.limit, intake.limit),
                timeout=timeout,
                allowed_updates=allowed_updates,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
                api_kwargs=api_kwargs,
            )
        except InvalidToken as exc:
            intake.fail(exc)
            return await _empty_poll(timeout)
        intake.on_contact()
        return intake.fetched(updates)


async def _empty_poll(wait: int | dtm.timedelta | None) -> tuple[Update, ...]:
    """No updates, after ``wait`` (a long poll's timeout) as Telegram would answer."""
    seconds = wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait or 0)
    if seconds > 0:
        await asyncio.sleep(seconds)
    return ()
