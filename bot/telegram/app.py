"""The Telegram application: every handler registered in one place, and ``run`` for the CLI.

Nothing here runs at import time: no config is read, no database opened, no Bot built.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any, cast

from telegram import BotCommand, BotCommandScopeAllChatAdministrators, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Config, ConfigError
from bot.lexicon import LANGS
from bot.redact import RedactSecrets, keeps_private, protect, secrets_of
from bot.telegram import buttons, commands, group, inline, ops, private, settings
from bot.telegram.admin import register_admin_handlers, start_admin, stop_admin
from bot.telegram.admin.menu import publish_admin_menus
from bot.telegram.context import SERVICES_KEY, BotApplication, BotContext, Services
from bot.telegram.intake import EXIT_INVALID_TOKEN, RESTORED, Intake, IntakeBot, TrackedUpdates
from bot.telegram.request import AiohttpRequest
from bot.telegram.updates import SkipUnparsableUpdates
from bot.telegram.webhook import run_webhook
from bot.texts import t

log = logging.getLogger(__name__)

# Updates processed at once. Handlers mostly wait on HTTP; matching is quick and synchronous.
CONCURRENT_UPDATES = 64
COMMANDS: tuple[str, ...] = ("start", "help", "topics", "about", "lang", "ask", "forgetme", "whoami")
# The menu of the groups' admins (in their groups): the everyday commands and /settings.
GROUP_ADMIN_COMMANDS: tuple[str, ...] = (*COMMANDS, "settings")
PURGE_INTERVAL = 24 * 3600.0
# Telegram unreachable at start (getMe, setWebhook/deleteWebhook): PTB retries with back-off (1 s, x1.5,
# at most 30 s apart) until it answers or SIGTERM; an invalid token (401) still stops the bot at once.
BOOTSTRAP_RETRIES = -1


def _builder(
    config: Config,
    concurrent_updates: int | bool,
    request: BaseRequest | None,
    get_updates_request: BaseRequest | None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The configured, built Application (token, URLs, HTTP clients, rate limiter; no handlers yet).

    Its bot (``IntakeBot``) and update processor (``TrackedUpdates``) share one ``Intake``: an update is
    confirmed to Telegram only once handled (bot/telegram/intake.py).
    """
    # Opt in to PTB's timedelta time periods now (RetryAfter.retry_after & co.): without it, every 429
    # emits a PTBDeprecationWarning from inside the library. The bot itself reads none of them.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    token = config.require_token()
    protect_token(token, *secrets_of(config), private=keeps_private(config))
    if config.telegram.http_client == "aiohttp":
        # As PTB builds its httpx ones: a pool of 256 for the bot's calls, one connection for getUpdates
        # (whose read timeout PTB extends by the long-polling timeout on each call).
        request = request or AiohttpRequest(connection_pool_size=256)
        get_updates_request = get_updates_request or AiohttpRequest(connection_pool_size=1)
    concurrency = _concurrency(concurrent_updates)
    intake = Intake(limit=concurrency)
    bot = IntakeBot(
        intake,
        token=token,
        base_url=config.telegram.api_base_url,
        base_file_url=config.telegram.api_file_url,
        request=request or HTTPXRequest(connection_pool_size=256),
        # One update PTB cannot parse would otherwise stall polling for good (see bot/telegram/updates.py).
        get_updates_request=SkipUnparsableUpdates(get_updates_request or HTTPXRequest(connection_pool_size=1)),
        rate_limiter=AIORateLimiter(max_retries=config.telegram.max_retries) if config.telegram.rate_limiter else None,
    )
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(TrackedUpdates(intake, concurrency))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if config.telegram.mode == "webhook":
        builder = builder.updater(None)  # the bot's own webhook server feeds it (bot/telegram/webhook.py)
    return builder.build()


def _concurrency(concurrent_updates: int | bool) -> int:
    """PTB's reading of ``ApplicationBuilder.concurrent_updates``: True is 256, False is one at a time."""
    if concurrent_updates is True:
        return 256
    return max(1, int(concurrent_updates))


def build_application(
    config: Config,
    services: Services,
    *,
    concurrent_updates: int | bool = CONCURRENT_UPDATES,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> BotApplication:
    """The Application with every handler; ``services`` go into ``bot_data``. No network calls.

    Bot API requests go through ``AiohttpRequest`` (bot/telegram/request.py) unless
    ``telegram.http_client`` is "httpx"; ``request``/``get_updates_request`` replace either.
    """
    app = cast(BotApplication, _builder(config, concurrent_updates, request, get_updates_request))
    app.bot_data[SERVICES_KEY] = services

    message = filters.UpdateType.MESSAGE
    private_chat, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    # The order matters: in one group the first handler whose filters match an update handles it.
    # 0. Admin tools: commands, conversations and K: buttons (private chats only; see bot/telegram/admin/).
    register_admin_handlers(app)
    # 1. Commands, in any chat (edited commands fall through to 5).
    app.add_handler(CommandHandler("start", commands.on_start, filters=message))
    app.add_handler(CommandHandler("help", commands.on_help, filters=message))
    app.add_handler(CommandHandler("topics", commands.on_topics, filters=message))
    app.add_handler(CommandHandler("about", commands.on_about, filters=message))
    app.add_handler(CommandHandler("lang", commands.on_lang, filters=message))
    app.add_handler(CommandHandler("ask", commands.on_ask, filters=message))
    app.add_handler(CommandHandler("forgetme", commands.on_forgetme, filters=message))
    app.add_handler(CommandHandler("whoami", commands.on_whoami, filters=message))
    app.add_handler(CommandHandler("settings", settings.on_settings, filters=message))
    # 2. Button presses (callback_data parsed and validated there; bad or stale data -> "expired").
    app.add_handler(CallbackQueryHandler(buttons.on_callback))
    # 3. Inline mode.
    app.add_handler(InlineQueryHandler(inline.on_inline_query))
    # Each keystroke is an inline query, so the chat log records the result the user chose instead.
    app.add_handler(ChosenInlineResultHandler(inline.on_chosen_inline_result))
    # 4. The bot's own membership: added to a group -> one introduction.
    app.add_handler(ChatMemberHandler(group.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # 5. Edited questions: edit the earlier answer.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, private.on_edited))
    # 6. Private chats: text is a question; other commands get a hint; non-text gets a hint.
    private_text = private_chat & message & filters.TEXT & ~filters.VIA_BOT
    app.add_handler(MessageHandler(private_text & ~filters.COMMAND, private.on_private_text))
    app.add_handler(MessageHandler(private_text & filters.COMMAND, private.on_unknown_command))
    app.add_handler(
        MessageHandler(private_chat & message & ~filters.TEXT & ~filters.StatusUpdate.ALL, private.on_non_text)
    )
    # 7. Groups: text that mentions or replies to the bot (checked in the handler); the rest is ignored.
    group_text = groups & message & filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT
    app.add_handler(MessageHandler(group_text, group.on_group_text))
    # 8. One error handler for everything.
    app.add_error_handler(on_error)
    ops.install(app, config)  # the heartbeat behind `treaty-bot health` and /healthz
    intake = intake_of(app)
    intake.storage = services.storage  # an update is confirmed once its record is written too
    intake.on_contact = ops.state(app).heartbeat.contact  # each successful getUpdates
    intake.on_fatal = app.stop_running  # a refused token: run_polling stops, run() exits 1
    return app


def intake_of(app: BotApplication) -> Intake:
    """The application's ``Intake`` (bot/telegram/intake.py)."""
    bot = app.bot
    if not isinstance(bot, IntakeBot):
        raise RuntimeError("the application's bot is no IntakeBot: build it with build_application()")
    return bot.intake


async def on_error(update: object, context: BotContext) -> None:
    """Log any exception a handler raised (the update's id, never its content)."""
    if update is None and isinstance(context.error, TelegramError):
        # run_polling's report of a failed getUpdates, which PTB retries with back-off: one line each time.
        log.warning("polling: getUpdates failed (%s); retrying with back-off", _described(context.error))
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


async def post_init(app: BotApplication) -> None:
    """Open the chat log, publish the commands and descriptions (en default, ru), schedule purges, and
    start the admin tools (the stored edits replayed over knowledge/, SIGHUP)."""
    services: Services = app.bot_data[SERVICES_KEY]
    if services.storage is not None and not services.storage.is_open:
        # A database that cannot be opened at start is a configuration error (StorageError names the
        # path): stop with it rather than run for weeks recording nothing. Faults after start are
        # absorbed by the storage writer instead.
        await services.storage.open()
    if services.storage is not None:
        # Updates handled before a crash (or a restart) and delivered again are not answered twice.
        intake_of(app).restore(await services.storage.recent_update_ids(RESTORED))
    await services.load_languages()  # the users' /lang choices, in memory: replies never read the database
    await services.load_group_settings()  # and the groups' /settings
    await publish_profile(app)
    days = services.config.storage.retention_days
    if days > 0 and services.storage is not None and app.job_queue is not None:
        app.job_queue.run_repeating(purge_old_records, interval=PURGE_INTERVAL, first=60.0, name="purge")
    await ops.on_started(app)
    await start_admin(app)


async def publish_profile(app: BotApplication) -> None:
    """setMyCommands (everyone's, and the groups' admins' with /settings) / setMyDescription /
    setMyShortDescription for the default language (en) and ru."""
    bot = app.bot
    calls = []
    for lang in LANGS:
        code = None if lang == "en" else lang
        cmds = [BotCommand(name, t(f"cmd_{name}", lang)) for name in COMMANDS]
        admins = [BotCommand(name, t(f"cmd_{name}", lang)) for name in GROUP_ADMIN_COMMANDS]
        calls += [
            bot.set_my_commands(cmds, language_code=code),
            bot.set_my_commands(admins, scope=BotCommandScopeAllChatAdministrators(), language_code=code),
            bot.set_my_description(t("bot_description", lang), language_code=code),
            bot.set_my_short_description(t("bot_short_description", lang), language_code=code),
        ]
    for result in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(result, TelegramError):
            log.warning("could not publish the bot's commands or descriptions: %s", result)
        elif isinstance(result, BaseException):
            raise result
    # After the default menu: each configured admin's own menu, the admin commands included.
    await publish_admin_menus(app, COMMANDS)


async def purge_old_records(context: BotContext) -> None:
    """The retention policy: delete chat-log records older than storage.retention_days."""
    services = context.services
    if services.storage is not None and services.storage.is_open:
        deleted = await services.storage.purge_older_than(services.config.storage.retention_days)
        log.info("retention: %d old records deleted", deleted)


async def post_shutdown(app: BotApplication) -> None:
    """Stop the admin tools (SIGHUP), close the chat log (writing what is still queued)."""
    stop_admin(app)
    services: Services = app.bot_data[SERVICES_KEY]
    if services.storage is not None and services.storage.is_open:
        await services.storage.close()
    ops.on_stopped(app)


# --- running ------------------------------------------------------------------------------------


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)  # log.info(..., extra={"fields": {...}})
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info and not record.exc_text:  # cached like logging.Formatter does (RedactSecrets
            record.exc_text = self.formatException(record.exc_info)  # may have set it, redacted)
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def setup_logging(config: Config, token: str) -> None:
    """Log to stderr at the configured level; never the token (httpx logs URLs at INFO)."""
    handler = logging.StreamHandler()
    formatter = (
        _JsonFormatter()
        if config.logging.format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(formatter)
    # Every line it writes, from any logger: the token, webhook secret and salt, tracebacks too; and, when
    # the privacy settings are on, no library DEBUG line (they quote questions and user ids).
    private = keeps_private(config)
    handler.addFilter(RedactSecrets((token, *secrets_of(config)), private=private))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.logging.level)
    protect_token(token, *secrets_of(config), private=private)


# Loggers that put request URLs (which hold the token) in their messages: PTB's bot at DEBUG, httpx.
TOKEN_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Updater", "httpx", "httpcore")


def protect_token(token: str, *secrets: str, private: bool = False) -> None:
    """Keep the token out of every log line: redact it at the loggers that know it, quiet httpx;
    ``private``: those loggers drop their DEBUG lines too (``bot.redact``)."""
    protect(TOKEN_LOGGERS, (token, *secrets), private=private)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL at INFO
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def check_webhook(config: Config) -> None:
    """Webhook mode needs a public https URL and a secret token; say which is missing."""
    webhook = config.telegram.webhook
    if not webhook.public_url:
        raise ConfigError(
            "telegram.mode is 'webhook' but telegram.webhook.public_url is empty: set it to the https URL "
            "Telegram should post updates to (e.g. https://bot.example.org/telegram)"
        )
    if not webhook.secret_token:
        raise ConfigError(
            "telegram.mode is 'webhook' but no secret token is set: set TREATY_BOT_WEBHOOK_SECRET "
            "(or telegram.webhook.secret_token) to 1-256 characters A-Z a-z 0-9 _ -"
        )


def make_services(config: Config, knowledge_dir: str | None = None) -> Services:
    """Load the knowledge base and the matcher, and prepare (not open) the chat log."""
    from bot.engine import thresholds_from
    from bot.knowledge import load_knowledge
    from bot.matching import Matcher
    from bot.storage import Storage

    kb = load_knowledge(knowledge_dir or config.knowledge.directory or None)
    storage = Storage.from_config(config.storage) if config.storage.database else None
    return Services(config, kb, Matcher(kb, thresholds_from(config)), storage)


def run(config: Config, knowledge_dir: str | None = None) -> int:
    """Run the bot until SIGINT/SIGTERM (polling, or a webhook when configured); the exit status."""
    token = config.require_token()  # before anything touches the network
    if config.telegram.mode == "webhook":
        check_webhook(config)
    setup_logging(config, token)
    services = make_services(config, knowledge_dir)
    app = build_application(config, services)
    log.info("starting (%s mode): %d entries", config.telegram.mode, len(services.kb.entries))
    ops.state(app).heartbeat.start()  # `treaty-bot health` fails if no getUpdates succeeds from now on
    if config.telegram.mode == "webhook":
        run_webhook(app, config.telegram.webhook, bootstrap_retries=BOOTSTRAP_RETRIES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES)
        if intake_of(app).failure is not None:  # the token was refused while polling (logged then)
            return EXIT_INVALID_TOKEN
    return 0
