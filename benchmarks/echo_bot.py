"""The baseline of benchmarks/bench_bot.py: the barest python-telegram-bot bot, an echo bot.

One ``Application`` with one ``MessageHandler`` that replies each text message's own text, on the same
transport as treaty-bot (``bot.telegram.request.AiohttpRequest``: a pool of 256 for the bot's calls, one
connection for getUpdates), the same ``concurrent_updates`` and no rate limiter, polling like
``treaty-bot run``. Whatever treaty-bot costs beyond this is its own: matching, formatting, the chat log,
the lose-nothing intake.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.telegram.request import AiohttpRequest


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build_echo(token: str, base_url: str, file_url: str, concurrency: int) -> Application[Any, Any, Any, Any, Any, Any]:
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url)
        .request(AiohttpRequest(connection_pool_size=256))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .concurrent_updates(concurrency)
        .build()
    )


def serve_echo(token: str, base_url: str, file_url: str, concurrency: int) -> None:
    """Run the echo bot until SIGTERM (a child process of the benchmark)."""
    app = build_echo(token, base_url, file_url, concurrency)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, close_loop=True)
