"""Webhook mode: the bot's own HTTP server (aiohttp), fed to the Application through its update queue.

python-telegram-bot's built-in webhook server (``Updater.start_webhook``) offers no public way to add a
route or to cap request bodies. So in webhook mode the bot follows PTB's documented pattern for a custom
webhook server (its ``customwebhookbot`` example): the Application is built without an ``Updater``, this
server receives Telegram's POSTs and puts each update on ``application.update_queue``, and ``serve``
runs the Application's life cycle (initialize, post_init, start ... stop, shutdown, post_shutdown) as
``Application.run_webhook`` would, retrying a Telegram that cannot be reached at start with back-off.

The server answers:

* ``POST /<telegram.webhook.url_path>``: 403 without the right ``X-Telegram-Bot-Api-Secret-Token``
  (compared in constant time), 413 for a body over ``MAX_WEBHOOK_BODY``, 400 for a body that is not a
  JSON object, else 200; an update PTB cannot parse is logged by id and skipped (200, so that Telegram
  does not deliver it again), like the polling path does (bot/telegram/updates.py). The 200 confirms the
  update to Telegram, so it is sent once the update is handled and its record written (at most
  ``MAX_HOLD`` seconds, bot/telegram/intake.py); an update id delivered before is a no-op;
* ``GET``/``HEAD /healthz``: 200 and a JSON status when Telegram was reached recently and the chat log
  is open, else 503 (``bot.telegram.ops.health``; never the config, never secrets);
* anything else: 404, or 405 for another method on those paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.config import WebhookConfig
from bot.telegram import ops
from bot.telegram.context import BotApplication
from bot.telegram.intake import Intake, IntakeBot
from bot.telegram.updates import parse_update

log = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
MAX_WEBHOOK_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's own limit on a message is 4096 chars
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram unreachable at start: wait 1 s, then 1.5 times longer each time, at most 30 s (as PTB does).
FIRST_DELAY, BACKOFF, MAX_DELAY = 1.0, 1.5, 30.0


class WebhookServer:
    """The webhook and ``/healthz`` on ``webhook.listen``:``webhook.port`` (see the module)."""

    def __init__(self, app: BotApplication, webhook: WebhookConfig) -> None:
        self.app = app
        self.webhook = webhook
        self.path = "/" + webhook.url_path.strip("/")
        self._secret = webhook.secret_token.encode()
        routes = web.Application(client_max_size=MAX_WEBHOOK_BODY)
        routes.router.add_post(self.path, self._on_update)
        if self.path != "/":
            routes.router.add_post(self.path + "/", self._on_update)  # PTB accepts the trailing slash too
        routes.router.add_get(HEALTHZ_PATH, self._on_healthz)  # and HEAD
        self._runner = web.AppRunner(routes, access_log=None, handle_signals=False)
        self._started = False

    async def start(self) -> None:
        """Listen (returns once the socket is bound)."""
        await self._runner.setup()
        self._started = True
        await web.TCPSite(self._runner, self.webhook.listen, self.webhook.port).start()
        log.info("webhook: listening on %s:%d%s", self.webhook.listen, self.webhook.port, self.path)

    async def stop(self) -> None:
        """Stop listening and close the connections; a no-op when not started."""
        if self._started:
            self._started = False
            await self._runner.cleanup()

    async def _on_update(self, request: web.Request) -> web.Response:
        if self._secret:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, self._secret):
                log.debug("webhook: a request without the right secret token was refused")
                return web.Response(status=403)
        if request.content_length is not None and request.content_length > MAX_WEBHOOK_BODY:
            return web.Response(status=413)
        try:
            data = json.loads(await request.read())  # read() refuses (413) bodies over client_max_size
        except ValueError:  # not JSON, or not UTF-8
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        ops.state(self.app).heartbeat.contact()  # an authentic delivery: Telegram reaches the bot
        bot = self.app.bot
        update = parse_update(data, bot)
        if update is None:
            return web.Response()
        intake = self.intake
        if intake is not None and not intake.accept(update.update_id):
            # Delivered again (Telegram missed our answer, or after a restart): a no-op, answered when the
            # first delivery is done.
            await intake.wait_handled(update.update_id)
            return web.Response()
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)  # as PTB's webhook handler does (a no-op without arbitrary data)
        log.debug("webhook: update %d received", update.update_id)
        await self.app.update_queue.put(update)
        if intake is not None:
            await intake.wait_handled(update.update_id)  # 200 confirms it: only once handled and recorded
        return web.Response()

    @property
    def intake(self) -> Intake | None:
        bot = self.app.bot
        return bot.intake if isinstance(bot, IntakeBot) else None

    async def _on_healthz(self, request: web.Request) -> web.Response:
        ok, body = ops.health(self.app)
        return web.Response(
            status=200 if ok else 503, text=json.dumps(body), content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )


async def bootstrap(action: Callable[[], Awaitable[Any]], what: str, retries: int) -> None:
    """``action`` until it succeeds, retrying Telegram errors with back-off (``retries`` < 0: for ever).

    An invalid token is not retried; a flood wait (429) is waited out.
    """
    delay, attempt = FIRST_DELAY, 0
    while True:
        try:
            await action()
            return
        except InvalidToken:
            raise
        except TelegramError as exc:
            if 0 <= retries <= attempt:
                raise
            if isinstance(exc, RetryAfter):
                wait = _seconds(exc.retry_after) + 0.5
            else:
                wait, delay = delay, min(MAX_DELAY, delay * BACKOFF)
            log.warning("bootstrap: %s failed (%s); retrying in %.1f s", what, exc, wait)
        attempt += 1
        await asyncio.sleep(wait)


def _seconds(value: dt.timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def register(app: BotApplication, webhook: WebhookConfig, *, retries: int = 0) -> None:
    """setWebhook: Telegram posts every kind of update to ``webhook.public_url`` with the secret."""
    await bootstrap(
        lambda: app.bot.set_webhook(
            webhook.public_url, secret_token=webhook.secret_token or None, allowed_updates=Update.ALL_TYPES
        ),
        "setWebhook",
        retries,
    )


async def serve(
    app: BotApplication,
    webhook: WebhookConfig,
    *,
    bootstrap_retries: int = 0,
    stop_signals: Sequence[signal.Signals] = (signal.SIGINT, signal.SIGTERM),
) -> None:
    """Run ``app`` behind a ``WebhookServer`` until one of ``stop_signals``, like ``Application.run_webhook``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stop.set)
    server = WebhookServer(app, webhook)
    try:
        if not await _unless(stop, bootstrap(app.initialize, "initialize", bootstrap_retries)):
            return
        if app.post_init is not None:
            await app.post_init(app)
        await server.start()
        if not await _unless(stop, register(app, webhook, retries=bootstrap_retries)):
            return
        await app.start()
        await stop.wait()
        log.info("stopping")
    finally:
        await server.stop()
        if app.running:
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
        await app.shutdown()
        await app.bot.shutdown()  # its HTTP clients, when initialize failed after opening them (else a no-op)
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        for sig in stop_signals:
            loop.remove_signal_handler(sig)


async def _unless(stop: asyncio.Event, work: Awaitable[None]) -> bool:
    """Await ``work`` unless ``stop`` is set first (then cancel it): whether it finished."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    done, _pending = await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, stopped):
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
    if task in done:
        task.result()  # its exception, if any
        return True
    return False


def run_webhook(app: BotApplication, webhook: WebhookConfig, *, bootstrap_retries: int = 0) -> None:
    """``serve`` in a new event loop, until SIGINT or SIGTERM."""
    asyncio.run(serve(app, webhook, bootstrap_retries=bootstrap_retries))
