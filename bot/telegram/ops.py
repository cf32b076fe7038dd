"""Operations: the heartbeat behind ``treaty-bot health`` and the status ``/healthz`` answers.

``install`` (from ``build_application``) registers a group -1 handler that notes every update received
(a successful contact with Telegram, polling or webhook); ``on_started`` (from ``post_init``, after
``getMe`` succeeded) writes the heartbeat and schedules a ``getWebhookInfo`` ping every
``PING_INTERVAL`` seconds, so a quiet bot still proves it can reach Telegram; ``on_stopped`` (from
``post_shutdown``) removes the heartbeat file. ``OpsState.status`` is what the webhook server
(bot/telegram/webhook.py) answers on ``GET /healthz``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import TypeHandler

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


def health(app: BotApplication) -> tuple[bool, dict[str, Any]]:
    """``OpsState.status`` of ``app``'s heartbeat and chat log: what ``GET /healthz`` answers."""
    services = app.bot_data.get(SERVICES_KEY)
    return state(app).status(services if isinstance(services, Services) else None)


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
    """After initialize (getMe succeeded): heartbeat now, and a ping every PING_INTERVAL."""
    ops = state(app)
    ops.heartbeat.contact()
    if app.job_queue is not None:
        app.job_queue.run_repeating(ping, interval=PING_INTERVAL, first=PING_INTERVAL, name="heartbeat-ping")


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
