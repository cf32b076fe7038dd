"""The fake Telegram server speaks the Bot API wire format well enough for the real PTB client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator

import pytest
from fake_telegram import FakeTelegram, UploadedFile, parse_html, utf16_len
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.fixture
async def bot(fake_tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(token=TOKEN, base_url=fake_tg.base_url, base_file_url=fake_tg.base_file_url) as bot:
        yield bot


def _echo_app(fake: FakeTelegram) -> Application:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = ApplicationBuilder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def test_get_me(fake_tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 100000
    assert me.is_bot
    assert me.first_name == "Treaty Bot"
    assert me.username == "TreatyBot"
    assert me.supports_inline_queries
    assert me.can_join_groups
    assert bot.username == "TreatyBot"  # set by initialize()
    call = fake_tg.calls_to("getMe")[-1]
    assert call.token == TOKEN
    assert call.ok


async def test_send_message_with_inline_keyboard(fake_tg: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="yes:1")]])
    first = await bot.send_message(chat_id=7, text="Question?", reply_markup=markup)
    second = await bot.send_message(chat_id=7, text="Again", reply_to_message_id=first.message_id)

    assert first.text == "Question?"
    assert first.reply_markup == markup
    assert first.from_user is not None and first.from_user.id == 100000
    assert first.chat.id == 7 and first.chat.type == "private"
    assert second.message_id == first.message_id + 1
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == first.message_id

    call = fake_tg.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == 7  # decoded from the form value "7"
    assert call.params["text"] == "Question?"
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Да", "callback_data": "yes:1"}]]}
    assert [m["text"] for m in fake_tg.sent_messages(7)] == ["Question?", "Again"]
    assert fake_tg.sent_messages(8) == []


async def test_html_is_parsed_and_validated(fake_tg: FakeTelegram, bot: Bot) -> None:
    ok = await bot.send_message(
        chat_id=1, text="😀 <b>жирный</b> &amp; <a href='https://x.org'>ссылка</a>", parse_mode="HTML"
    )
    assert ok.text == "😀 жирный & ссылка"
    assert [(e.type, e.offset, e.length) for e in ok.entities] == [("bold", 3, 6), ("text_link", 12, 6)]

    with pytest.raises(
        BadRequest, match=r"(?i)can't parse entities: Can't find end tag corresponding to start tag"
    ):
        await bot.send_message(chat_id=1, text="<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "div" at byte offset 0'):
        await bot.send_message(chat_id=1, text="<div>x</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "" at byte offset 2'):
        await bot.send_message(chat_id=1, text="1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Unmatched end tag"):
        await bot.send_message(chat_id=1, text="<b><i>x</b></i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(chat_id=1, text="x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(chat_id=1, text="<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="я" * 33)]])
        await bot.send_message(chat_id=1, text="hi", reply_markup=markup)
    assert [c.status for c in fake_tg.calls_to("sendMessage")] == [200, 400, 400, 400, 400, 400, 400, 400]

    # 4096 characters are fine; entities and the rest of Telegram's HTML subset
    await bot.send_message(chat_id=1, text="x" * 4096)
    text, entities = parse_html(
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span><pre><code class="language-py">c'
        "</code></pre><blockquote expandable>q</blockquote>&#128512;&quot;&lt;&gt;&nbsp;"
    )
    assert text == 'spcq😀"<>&nbsp;'
    assert [e["type"] for e in entities] == ["spoiler", "spoiler", "pre", "expandable_blockquote"]
    assert entities[2]["language"] == "py"


async def test_edit_and_delete(fake_tg: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    sent = await bot.send_message(chat_id=3, text="one", reply_markup=markup)
    edited = await bot.edit_message_text("two", chat_id=3, message_id=sent.message_id, reply_markup=markup)
    assert isinstance(edited, Message)
    assert edited.text == "two" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("two", chat_id=3, message_id=sent.message_id, reply_markup=markup)
    without_keyboard = await bot.edit_message_reply_markup(chat_id=3, message_id=sent.message_id)
    assert isinstance(without_keyboard, Message) and without_keyboard.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=3, message_id=999)
    assert await bot.delete_message(chat_id=3, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(chat_id=3, message_id=sent.message_id)
    assert fake_tg.sent_messages(3) == []


async def test_retry_after_and_other_faults(
    fake_tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no deprecation
    fake_tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat_id=1, text="hi")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    failed = fake_tg.calls_to("sendMessage")[0]
    assert failed.status == 429
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await bot.send_message(chat_id=1, text="hi")  # only the next call failed

    fake_tg.fail_next("sendMessage", status=403, count=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(chat_id=1, text="hi")
    fake_tg.fail_next("sendChatAction", status=502)
    with pytest.raises(NetworkError):
        await bot.send_chat_action(chat_id=1, action="typing")

    fake_tg.set_delay("getMe", 0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3


async def test_long_poll_returns_early_when_an_update_arrives(fake_tg: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=0) == ()
    poll = asyncio.create_task(bot.get_updates(timeout=3))
    await fake_tg.wait_for("getUpdates", since=1)
    await asyncio.sleep(0.1)
    assert not poll.done()
    update_id = fake_tg.add_update(fake_tg.private_message("привет"))
    updates = await asyncio.wait_for(poll, 1)
    assert time.monotonic() - started < 1.5
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "привет"
    assert message.from_user is not None and message.from_user.language_code == "en"

    # an empty long poll waits for its timeout
    started = time.monotonic()
    assert await bot.get_updates(offset=update_id + 1, timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 2


async def test_offset_confirms_updates(fake_tg: FakeTelegram, bot: Bot) -> None:
    ids = [fake_tg.add_update(fake_tg.private_message(f"m{i}")) for i in range(3)]
    assert ids == sorted(ids)
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert fake_tg.pending_updates == []

    # an explicit update_id is kept and later ones continue after it
    assert fake_tg.add_update({"update_id": 500, **fake_tg.private_message("x")}) == 500
    assert fake_tg.add_update(fake_tg.private_message("y")) == 501

    # while a webhook is set, getUpdates is a conflict
    await bot.set_webhook("https://example.invalid/hook", secret_token="s3")
    assert fake_tg.webhook_url == "https://example.invalid/hook"
    assert fake_tg.webhook_secret_token == "s3"
    assert (await bot.get_webhook_info()).pending_update_count == 2
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_send_document_multipart(fake_tg: FakeTelegram, bot: Bot) -> None:
    content = "Договор о союзничестве".encode()
    sent = await bot.send_document(
        chat_id=5, document=content, filename="treaty.txt", caption="<i>текст</i>", parse_mode="HTML"
    )
    call = await fake_tg.wait_for("sendDocument")
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.content == content
    assert upload.filename == "treaty.txt"
    assert call.params["chat_id"] == 5
    assert call.params["caption"] == "<i>текст</i>"
    assert sent.document is not None and sent.document.file_name == "treaty.txt"
    assert sent.caption == "текст"
    assert sent.caption_entities[0].type == "italic"

    # the uploaded file can be downloaded through getFile + base_file_url
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content

    photo = await bot.send_photo(chat_id=5, photo=b"\x89PNG fake", caption="pic")
    assert photo.photo and photo.caption == "pic"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(chat_id=5, document="no-such-file-id")


async def test_inline_query_limits_and_commands(fake_tg: FakeTelegram, bot: Bot) -> None:
    def article(i: int) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(str(i), f"t{i}", InputTextMessageContent(f"text {i}"))

    assert await bot.answer_inline_query("q1", [article(i) for i in range(50)])
    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query("q2", [article(i) for i in range(51)])
    assert len(fake_tg.calls_to("answerInlineQuery")[0].params["results"]) == 50

    from telegram import BotCommand

    assert await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await bot.set_my_description("Описание")
    assert fake_tg.descriptions[""] == "Описание"
    assert await bot.set_my_short_description("Кратко")
    assert await bot.answer_callback_query("123", text="ok")
    assert await bot.do_api_request("someFutureMethod", api_kwargs={"x": 1})
    assert fake_tg.calls_to("someFutureMethod")[0].params == {"x": 1}


async def test_update_builders_are_valid_ptb_objects(fake_tg: FakeTelegram, bot: Bot) -> None:
    bot_message = (await bot.send_message(chat_id=-100123, text="pick")).to_dict()
    builders = [
        fake_tg.private_message("👍 /start@TreatyBot hi @someone see https://example.org."),
        fake_tg.group_message("/help@TreatyBot", reply_to=bot_message),
        fake_tg.edited_message(fake_tg.private_message("old"), "new /cmd"),
        fake_tg.callback_query("yes", bot_message, user_id=2),
        fake_tg.inline_query("договор", user_id=3, language_code="ru"),
        fake_tg.my_chat_member(-100123, "left", "member"),
        fake_tg.my_chat_member(-100123, "member", "administrator"),
        fake_tg.my_chat_member(-100123, "member", "kicked"),
        fake_tg.my_chat_member(-100123, "member", "restricted"),
        fake_tg.sticker_message(),
        fake_tg.photo_message(caption="/start"),
    ]
    for raw in builders:
        update_id = fake_tg.add_update(raw)
        update = Update.de_json({"update_id": update_id, **raw}, bot)
        assert update.update_id == update_id

    message = Update.de_json({"update_id": 1, **builders[0]}, bot).message
    assert message is not None
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bot_command", 3, 16),  # after the emoji, which is two UTF-16 code units
        ("mention", 23, 8),
        ("url", 36, 19),  # without the final full stop
    ]
    assert message.parse_entities()[message.entities[0]] == "/start@TreatyBot"
    assert message.parse_entities()[message.entities[2]] == "https://example.org"
    assert utf16_len("👍") == 2

    group = Update.de_json({"update_id": 1, **builders[1]}, bot).message
    assert group is not None and group.chat.type == "supergroup"
    assert group.reply_to_message is not None and group.reply_to_message.text == "pick"

    # the bot can reply to and edit what the builders produced
    query = builders[3]["callback_query"]
    edited = await bot.edit_message_text(
        "picked", chat_id=query["message"]["chat"]["id"], message_id=query["message"]["message_id"]
    )
    assert isinstance(edited, Message) and edited.text == "picked"
    incoming = builders[0]["message"]
    reply = await bot.send_message(1, "ok", reply_to_message_id=incoming["message_id"])
    assert reply.reply_to_message is not None
    assert reply.message_id > incoming["message_id"]


async def test_application_polling_echo(fake_tg: FakeTelegram) -> None:
    app = _echo_app(fake_tg)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake_tg.add_update(fake_tg.private_message("hello", user_id=42))
        call = await fake_tg.wait_for("sendMessage", timeout=3)
        await app.updater.stop()
        await app.stop()
    assert call.params["chat_id"] == 42
    assert call.params["text"] == "echo: hello"
    assert fake_tg.sent_messages(42)[0]["text"] == "echo: hello"
    assert fake_tg.pending_updates == []  # confirmed by the updater's final getUpdates
    assert fake_tg.calls_to("deleteWebhook")  # PTB's bootstrap


async def test_polling_survives_an_outage(fake_tg: FakeTelegram) -> None:
    app = _echo_app(fake_tg)
    port = fake_tg.port
    # every getUpdates request first sleeps, so the update below cannot be fetched before the outage
    fake_tg.set_delay("getUpdates", 10)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await fake_tg.wait_for("getUpdates", timeout=2)
        fake_tg.add_update(fake_tg.private_message("before the outage", user_id=9))
        await fake_tg.set_down(1)
        assert not fake_tg.is_up
        fake_tg.set_delay("getUpdates", 0)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        await fake_tg.wait_up(timeout=2)
        assert fake_tg.port == port
        call = await fake_tg.wait_for("sendMessage", timeout=4)
        await app.updater.stop()
        await app.stop()
    assert call.params["text"] == "echo: before the outage"
    assert len(fake_tg.calls_to("sendMessage")) == 1
    assert fake_tg.calls_to("getUpdates")[0].status is None  # that connection was dropped


async def test_wait_for_timeout_lists_recent_calls(fake_tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(chat_id=1, text="something else")
    with pytest.raises(TimeoutError, match=r"(?s)no sendMessage call matching the predicate.*something else"):
        await fake_tg.wait_for("sendMessage", lambda c: c.params["text"] == "never", timeout=0.2)


async def test_webhook_delivery(fake_tg: FakeTelegram) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = _echo_app(fake_tg)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret",
        )
        assert fake_tg.webhook_url == f"http://127.0.0.1:{port}/hook"
        assert fake_tg.webhook_secret_token == "s3cret"
        update = fake_tg.private_message("via webhook", user_id=11)
        assert await fake_tg.deliver_webhook(None, update, secret_token="wrong") == 403
        assert await fake_tg.deliver_webhook(f"http://127.0.0.1:{port}/hook", update) == 200
        call = await fake_tg.wait_for("sendMessage", timeout=3)
        await app.updater.stop()
        await app.stop()
    assert call.params["text"] == "echo: via webhook"
