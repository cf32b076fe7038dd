"""Operations: the heartbeat behind ``treaty-bot health`` and the status ``/healthz`` answers.

The heartbeat is a contact with Telegram that proves updates reach the bot: each successful getUpdates
(``bot.telegram.intake.IntakeBot``: a long poll returns at least every 10 s, so an idle bot still
beats) and, in webhook mode, each authentic POST to the webhook (bot/telegram/webhook.py). A side call
proves nothing about updates, so in polling mode there is none: polling that stops, stops the heartbeat.
In webhook mode a quiet bot receives nothing, so ``on_started`` (from ``post_init``) schedules a
``getWebhookInfo`` check every ``PING_INTERVAL`` seconds, which counts as a contact only when Telegram
has the bot's webhook and nothing waiting to be delivered to it; it also logs the delivery errors
Telegram reports. ``on_stopped`` (from ``post_shutdown``) removes the heartbeat file. ``OpsState.status``
is what the webhook server answers on ``GET /healthz``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TelegramError

from bot.config import Config
from bot.health import DEFAULT_MAX_AGE, PING_INTERVAL, Heartbeat, heartbeat_path
from bot.telegram.context import SERVICES_KEY, BotApplication, BotContext, Services

log = logging.getLogger(__name__)

OPS_KEY = "ops"


@dataclass
class OpsState:
    heartbeat: Heartbeat
    max_age: float = DEFAULT_MAX_AGE
    started_monotonic: float = field(default_factory=time.monotonic)

    def status(self, services: Services | None) -> tuple[bool, dict[str, Any]]:
        """What ``/healthz`` answers: healthy when Telegram was reached recently and the chat log is open."""
        age = self.heartbeat.age()
        body: dict[str, Any] = {
            "mode": self.heartbeat.mode,
            "last_contact_seconds_ago": round(age, 1),
            "uptime_seconds": round(time.monotonic() - self.started_monotonic, 1),
        }
        ok = age <= self.max_age  # before the first contact: the age of the start, as `treaty-bot health`
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


def health(app: BotApplication) -> tuple[bool, dict[str, Any]]:
    """``OpsState.status`` of ``app``'s heartbeat and chat log: what ``GET /healthz`` answers."""
    services = app.bot_data.get(SERVICES_KEY)
    return state(app).status(services if isinstance(services, Services) else None)


def install(app: BotApplication, config: Config) -> None:
    """Register the heartbeat state (no I/O here); the bot and the webhook server call ``contact``."""
    heartbeat = Heartbeat(heartbeat_path(config.storage.database), mode=config.telegram.mode)
    app.bot_data[OPS_KEY] = OpsState(heartbeat)


async def on_started(app: BotApplication) -> None:
    """After initialize (getMe succeeded): in webhook mode, a webhook check every PING_INTERVAL."""
    ops = state(app)
    if ops.heartbeat.mode == "webhook" and app.job_queue is not None:
        app.job_queue.run_repeating(ping, interval=PING_INTERVAL, first=PING_INTERVAL, name="heartbeat-ping")


def on_stopped(app: BotApplication) -> None:
    ops = app.bot_data.get(OPS_KEY)
    if isinstance(ops, OpsState):
        ops.heartbeat.stop()


async def ping(context: BotContext) -> None:
    """Webhook mode: a contact when Telegram has our webhook and nothing waiting for it; report its errors."""
    ops = context.bot_data.get(OPS_KEY)
    if not isinstance(ops, OpsState):
        return
    try:
        info = await context.bot.get_webhook_info()
    except TelegramError as exc:
        log.warning("heartbeat: Telegram unreachable: %s", exc)
        return
    if not info.url:
        log.warning("heartbeat: Telegram has no webhook for the bot (deleted, or another process polls)")
    elif not info.pending_update_count:
        ops.heartbeat.contact()  # nothing undelivered: a quiet bot, not a deaf one
    if info.url and info.last_error_message:
        log.warning(
            "heartbeat: Telegram reports webhook delivery trouble: %s (%d updates pending)",
            info.last_error_message,
            info.pending_update_count,
        )
