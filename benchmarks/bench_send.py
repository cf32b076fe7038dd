"""One answer's send, typed vs raw: ``Bot.send_message`` (a ``telegram.Message`` parsed from the result)
against ``bot.telegram.delivery.send_html`` (the same request; only the message id read back).

    .venv/bin/python benchmarks/bench_send.py [--sends 1000] [--rounds 3]

Both send real answers (HTML text with its source quote, the answer's keyboard, reply parameters as in a
group, no link preview) to the fake Bot API server (tests/fake_telegram.py) on the aiohttp transport,
server and bot in this process, alternating typed and raw round by round. CPU time per send (this
process: the bot's side and the fake server's, the same work for both ways) is the first figure, and
on a busy machine a noisy one; the second is the work the raw send leaves out, timed alone (no I/O):
``Message.de_json`` of the results Telegram (the fake) gave to those sends. Medians of the rounds.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "123456:" + "C" * 35
CHAT = -100555


def answers(n: int) -> list[tuple[str, Any]]:
    """(HTML text, keyboard) of ``n`` real answers, as respond() renders them."""
    from bot.config import Config
    from bot.knowledge import load_knowledge
    from bot.matching import Matcher
    from bot.telegram.keyboards import outcome_keyboard
    from bot.texts import outcome_text

    kb = load_knowledge()
    matcher = Matcher(kb)
    suggestions = Config().bot.suggestions
    out = []
    for entry in kb.facts():
        outcome = matcher.match(entry.title("en"), "en")
        out.append((outcome_text(outcome, html=True, list_options=False), outcome_keyboard(outcome, kb, suggestions)))
    return [out[i % len(out)] for i in range(n)]


async def one_round(bot: Any, way: str, replies: list[tuple[str, Any]], reply_to: Any) -> float:
    """CPU ms per send for ``len(replies)`` sends, 16 in flight at once."""
    from telegram.constants import ParseMode

    from bot.telegram.answering import NO_PREVIEW
    from bot.telegram.delivery import send_html

    async def send(text: str, markup: Any) -> int:
        if way == "raw":
            return (await send_html(bot, CHAT, text, reply_markup=markup, reply_parameters=reply_to,
                                    link_preview_options=NO_PREVIEW)).message_id
        message = await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                         reply_parameters=reply_to, link_preview_options=NO_PREVIEW)
        return int(message.message_id)

    started = time.process_time()
    for i in range(0, len(replies), 16):
        await asyncio.gather(*(send(text, markup) for text, markup in replies[i : i + 16]))
    return 1000 * (time.process_time() - started) / len(replies)


async def main(args: argparse.Namespace) -> None:
    from telegram import ReplyParameters
    from telegram.ext import ExtBot

    from bot.telegram.request import AiohttpRequest

    replies = answers(args.sends)
    async with FakeTelegram() as fake:
        fake.add_update(fake.group_message("/ask who signed it?", chat_id=CHAT))
        asked = max(k for k in fake.messages if k[0] == CHAT)[1]
        reply_to = ReplyParameters(message_id=asked, allow_sending_without_reply=True)
        bot: Any = ExtBot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url,
                          request=AiohttpRequest(), get_updates_request=AiohttpRequest(connection_pool_size=1))
        async with bot:
            await one_round(bot, "raw", replies[:100], reply_to)  # warm-up
            await one_round(bot, "typed", replies[:100], reply_to)
            figures: dict[str, list[float]] = {"typed": [], "raw": []}
            for i in range(args.rounds):
                for way in ("typed", "raw") if i % 2 == 0 else ("raw", "typed"):
                    figures[way].append(await one_round(bot, way, replies, reply_to))
                    results = [c.result for c in fake.calls_to("sendMessage")]
                    fake.clear_calls()
                print(f"round {i + 1}: typed {figures['typed'][-1]:.3f} ms, raw {figures['raw'][-1]:.3f} ms CPU/send")
            parse = [parse_cost(bot, results) for _ in range(args.rounds)]
    typed, raw = statistics.median(figures["typed"]), statistics.median(figures["raw"])
    print(f"--- {args.sends} sends x {args.rounds} rounds, medians: CPU per send (bot + fake server, one process)")
    print(f"Bot.send_message (Message built)  {typed:.3f} ms")
    print(f"send_html (message_id only)       {raw:.3f} ms   saves {typed - raw:.3f} ms/send ({raw / typed:.2f}x)")
    print(f"Message.de_json of one result alone (what send_html skips): {statistics.median(parse):.3f} ms")


def parse_cost(bot: Any, results: list[dict[str, Any]]) -> float:
    """CPU ms to build a ``telegram.Message`` from one sendMessage result (the mean over ``results``)."""
    from telegram import Message

    started = time.process_time()
    for result in results:
        Message.de_json(result, bot)
    return 1000 * (time.process_time() - started) / len(results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
