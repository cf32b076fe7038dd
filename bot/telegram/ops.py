"""Operations: the heartbeat behind ``treaty-bot health``, ``/healthz`` on the webhook server, body-size cap.

``install`` (from ``build_application``) registers a group -1 handler that notes every update received
(a successful contact with Telegram, polling or webhook); ``on_started`` (from ``post_init``, after
``getMe`` succeeded) writes the heartbeat and schedules a ``getWebhookInfo`` ping every
``PING_INTERVAL`` seconds, so a quiet bot still proves it can reach Telegram; ``on_stopped`` (from
``post_shutdown``) removes the heartbeat file.

python-telegram-bot's webhook server (tornado, inside ``Updater.start_webhook``) has no public way to
add a route. ``attach_to_webhook_server`` reaches the tornado application through the updater's
private ``_httpd`` to add ``GET /healthz`` and cap request bodies at ``MAX_WEBHOOK_BODY``; when a future
PTB release changes those internals it logs a warning and the bot runs without them (use
``treaty-bot health`` then).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import TelegramError
from telegram.ext import TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.config import Config
from bot.health import DEFAULT_MAX_AGE, PING_INTERVAL, Heartbeat, heartbeat_path
from bot.telegram.context import SERVICES_KEY, BotApplication, BotContext, Services

log = logging.getLogger(__name__)

OPS_KEY = "ops"
HEALTHZ_PATH = "/healthz"
MAX_WEBHOOK_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's own limit on a message is 4096 chars


@dataclass
class OpsState:
    heartbeat: Heartbeat
    max_age: float = DEFAULT_MAX_AGE
    webhook_attached: bool = False
    started_monotonic: float = field(default_factory=time.monotonic)

    def status(self, services: Services | None) -> tuple[bool, dict[str, Any]]:
        """What ``/healthz`` answers: healthy when Telegram was reached recently and the chat log is open."""
        age = self.heartbeat.age()
        body: dict[str, Any] = {
            "mode": self.heartbeat.mode,
            "last_contact_seconds_ago": round(age, 1),
            "uptime_seconds": round(time.monotonic() - self.started_monotonic, 1),
        }
        ok = age <= self.max_age and self.heartbeat.last_contact is not None
        storage = services.storage if services is not None else None
        if storage is not None:
            body["database"] = "open" if storage.is_open else "closed"
            body["queued"] = storage.queued
            body["dropped"] = storage.dropped
            ok = ok and storage.is_open
        body["ok"] = ok
        return ok, body


def state(app: BotApplication) -> OpsState:
    ops = app.bot_data.get(OPS_KEY)
    if not isinstance(ops, OpsState):
        raise RuntimeError("the application has no OpsState: build it with build_application()")
    return ops


def install(app: BotApplication, config: Config) -> None:
    """Register the heartbeat state and the handler that notes every update (no I/O here)."""
    heartbeat = Heartbeat(heartbeat_path(config.storage.database), mode=config.telegram.mode)
    app.bot_data[OPS_KEY] = OpsState(heartbeat)
    app.add_handler(TypeHandler(Update, _on_any_update), group=-1)


async def _on_any_update(update: Update, context: BotContext) -> None:
    ops = context.bot_data.get(OPS_KEY)
    if isinstance(ops, OpsState):
        ops.heartbeat.contact()


async def on_started(app: BotApplication) -> None:
    """After initialize (getMe succeeded): heartbeat now, a ping every PING_INTERVAL, /healthz once serving."""
    ops = state(app)
    ops.heartbeat.contact()
    if app.job_queue is not None:
        app.job_queue.run_repeating(ping, interval=PING_INTERVAL, first=PING_INTERVAL, name="heartbeat-ping")
        # Jobs run once the application has started, i.e. after the webhook server is listening.
        app.job_queue.run_once(_attach_job, when=0.0, name="webhook-healthz")


def on_stopped(app: BotApplication) -> None:
    ops = app.bot_data.get(OPS_KEY)
    if isinstance(ops, OpsState):
        ops.heartbeat.stop()


async def ping(context: BotContext) -> None:
    """A cheap Bot API call that proves Telegram is reachable; in webhook mode, report delivery errors."""
    ops = context.bot_data.get(OPS_KEY)
    if not isinstance(ops, OpsState):
        return
    try:
        info = await context.bot.get_webhook_info()
    except TelegramError as exc:
        log.warning("heartbeat: Telegram unreachable: %s", exc)
        return
    ops.heartbeat.contact()
    if info.url and info.last_error_message:
        log.warning(
            "heartbeat: Telegram reports webhook delivery trouble: %s (%d updates pending)",
            info.last_error_message,
            info.pending_update_count,
        )


async def _attach_job(context: BotContext) -> None:
    attach_to_webhook_server(context.application)


class _HealthzHandler(tornado.web.RequestHandler):
    """``GET /healthz``: 200 and a JSON status when healthy, else 503 (never the config, never secrets)."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, app: BotApplication) -> None:
        self.app = app

    def get(self) -> None:
        services = self.app.bot_data.get(SERVICES_KEY)
        ok, body = state(self.app).status(services if isinstance(services, Services) else None)
        self.set_status(200 if ok else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))

    def head(self) -> None:
        services = self.app.bot_data.get(SERVICES_KEY)
        ok, _body = state(self.app).status(services if isinstance(services, Services) else None)
        self.set_status(200 if ok else 503)
        self.finish()


def attach_to_webhook_server(app: Any) -> bool:
    """Add /healthz and the body-size cap to PTB's running webhook server; False when there is none."""
    ops = app.bot_data.get(OPS_KEY)
    if not isinstance(ops, OpsState) or ops.webhook_attached:
        return False
    updater = getattr(app, "updater", None)
    httpd = getattr(updater, "_httpd", None)  # PTB internals: WebhookServer, only in webhook mode
    if httpd is None:
        return False
    server = getattr(httpd, "_http_server", None)
    tornado_app = getattr(server, "request_callback", None)
    params = getattr(server, "conn_params", None)
    if not isinstance(tornado_app, tornado.web.Application) or params is None:
        log.warning("webhook: this python-telegram-bot version's server cannot be extended; no %s", HEALTHZ_PATH)
        return False
    tornado_app.add_handlers(r".*", [(HEALTHZ_PATH, _HealthzHandler, {"app": app})])
    params.max_body_size = MAX_WEBHOOK_BODY
    ops.webhook_attached = True
    log.info("webhook: %s answers health checks; request bodies are capped at %d bytes", HEALTHZ_PATH, MAX_WEBHOOK_BODY)
    return True



class SkipUnparsableUpdates(BaseRequest):
    """Mixed into the getUpdates transport's class: drops the updates python-telegram-bot cannot parse.

    PTB parses a getUpdates answer as a whole; when one update fails (a field of an unexpected type, e.g.
    from a Bot API newer than this PTB), it logs and asks again *without confirming the batch*, so the
    same answer comes back forever and the bot stops answering anyone. Here each such update is logged
    (its id, never its content) and replaced by an empty update with the same id: it is confirmed and
    ignored, and the rest of the batch goes on. ``skip_unparsable_updates`` mixes this class into a
    request object's own class, so that it stays an ``HTTPXRequest``/``AiohttpRequest`` for everyone else.
    """

    __slots__ = ()

    async def post(  # type: ignore[misc]  # final in PTB's BaseRequest; extended on purpose (see above)
        self,
        url: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> JSONDict | list[JSONDict] | bool:
        result = await super().post(url, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout)
        if isinstance(result, list) and url.rsplit("/", 1)[-1].lower() == "getupdates":
            return [_parsable(item) for item in result]
        return result


def _parsable(item: Any) -> JSONDict:
    try:
        Update.de_json(item, None)
    except Exception as exc:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        log.error("skipped update %s: python-telegram-bot cannot parse it (%s: %s)", update_id, type(exc).__name__, exc)
        return {"update_id": update_id if isinstance(update_id, int) else 0}
    return item


_SKIPPING: dict[type[BaseRequest], type[BaseRequest]] = {}


def skip_unparsable_updates(request: BaseRequest) -> BaseRequest:
    """``request``, its class extended with ``SkipUnparsableUpdates`` (the same object, same type checks)."""
    cls = type(request)
    if not issubclass(cls, SkipUnparsableUpdates):
        if cls not in _SKIPPING:
            _SKIPPING[cls] = type(f"Skipping{cls.__name__}", (SkipUnparsableUpdates, cls), {"__slots__": ()})
        request.__class__ = _SKIPPING[cls]
    return request
