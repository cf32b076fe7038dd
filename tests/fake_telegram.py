"""A fake Telegram Bot API server for the test-suite.

The real python-telegram-bot ``Bot``/``Application`` talks to it over real HTTP on 127.0.0.1::

    fake = FakeTelegram()
    await fake.start()
    app = (
        ApplicationBuilder()
        .token("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11")
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    ...
    fake.add_update(fake.private_message("/start"))
    call = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 1)
    await fake.stop()

It speaks the Bot API wire format (``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ...,
"description": ...}``), does real long polling for ``getUpdates``, validates what Telegram validates
cheaply (HTML parse mode, text length, callback_data length, inline result count, ...), records every
call, and can inject faults (errors, 429 flood control, delays, a whole-server outage).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

BOT_ID = 100000
DEFAULT_BOT_USERNAME = "TreatyBot"
BOT_FIRST_NAME = "Treaty Bot"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Parameters whose values are plain strings on the wire and must never be JSON-decoded
# ("123" stays "123", "true" stays "true"). Every other string value that looks like JSON is decoded,
# exactly like Telegram treats form-encoded parameters (chat_id=123, reply_markup={...}, ...).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "query",
        "url",
        "secret_token",
        "ip_address",
        "inline_message_id",
        "callback_query_id",
        "inline_query_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "data",
        "title",
        "action",
        "emoji",
        "file_id",
        "message_effect_id",
        "business_connection_id",
        "document",
        "photo",
        "audio",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "question",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "custom_title",
    }
)

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPACES = frozenset(" \t\r\n\v\f")

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@/])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")
_URL_RE = re.compile(r"(?<!\S)https?://[^\s<>\"]+")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


# --------------------------------------------------------------------------------------------------
# data types


@dataclass
class UploadedFile:
    """A file part of a multipart/form-data request (PTB sends InputFile objects like this)."""

    filename: str | None
    content: bytes
    content_type: str | None = None


@dataclass
class Call:
    """One Bot API request received by the fake.

    ``time`` is ``time.monotonic()`` at arrival. ``status``/``response`` are filled in when the
    request has been answered (they stay ``None`` while a delayed call is pending, or when the
    connection was dropped by :meth:`FakeTelegram.set_down`).
    """

    method: str
    params: JSONDict
    time: float
    token: str = ""
    http_method: str = "POST"
    status: int | None = None
    response: JSONDict | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (e.g. the Message dict returned by sendMessage)."""
        return None if self.response is None else self.response.get("result")


class ApiError(Exception):
    """Raised by a method implementation; rendered as a Bot API error response."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes | None
    file_name: str | None
    mime_type: str | None
    file_path: str


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output text
    byte_offset: int
    language: str = ""  # for <pre>, filled from a <code class="language-..."> directly inside it
    entity_types: list[str] = field(default_factory=list)


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------------------------------
# text helpers


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets/lengths)."""
    return len(text.encode("utf-16-le")) // 2


def _utf8_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at ``text[pos] == "&"`` the way TDLib does.

    Returns ``(character, end_position)`` or ``None`` if it is not a supported entity (then the
    ``&`` is kept literally). Numeric entities are supported; of the named ones only
    ``&lt; &gt; &amp; &quot;``. The trailing ``;`` is optional.
    """
    n = len(text)
    i = pos + 1
    if i < n and text[i] == "#":
        i += 1
        base = 10
        if i < n and text[i] in "xX":
            base = 16
            i += 1
        start = i
        digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
        while i < n and text[i] in digits:
            i += 1
        if i == start:
            return None
        code = int(text[start:i], base)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        start = i
        while i < n and text[i].isascii() and text[i].isalpha():
            i += 1
        decoded = _NAMED_HTML_ENTITIES.get(text[start:i])
        if decoded is None:
            return None
        char = decoded
    if i < n and text[i] == ";":
        i += 1
    return char, i


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML subset like TDLib does; returns ``(plain_text, entities)``.

    Raises :class:`ApiError` (400 "Bad Request: can't parse entities: ...") with TDLib's messages for
    unknown tags, unclosed/unbalanced tags, a bare ``<`` and so on. Entity offsets are UTF-16.
    """

    def fail(message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    n = len(text)
    out: list[str] = []
    out_len = 0  # UTF-16 length of the output so far
    stack: list[_OpenTag] = []
    entities: list[JSONDict] = []
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else ""

    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                out_len += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            out.append(c)
            out_len += utf16_len(c)
            i += 1
            continue

        begin = i
        byte_begin = _utf8_offset(text, begin)
        i += 1
        if at(i) != "/":
            # a start tag
            while i < n and text[i] not in _HTML_SPACES and text[i] != ">":
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {byte_begin}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {byte_begin}')
            argument = ""
            while at(i) != ">":
                while i < n and text[i] in _HTML_SPACES:
                    i += 1
                if at(i) == ">":
                    break
                if i >= n:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_begin}')
                attr_begin = i
                while i < n and text[i] not in _HTML_SPACES and text[i] not in "=>":
                    i += 1
                attr_name = text[attr_begin:i]
                if not attr_name:
                    raise fail(f'Empty attribute name in the tag "{tag}" at byte offset {byte_begin}')
                while i < n and text[i] in _HTML_SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                        continue
                    if i >= n:
                        raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_begin}')
                    raise fail(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {byte_begin}"
                    )
                i += 1
                while i < n and text[i] in _HTML_SPACES:
                    i += 1
                if i >= n:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_begin}')
                if text[i] not in "'\"":
                    token_begin = i
                    while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if i >= n or (text[i] not in _HTML_SPACES and text[i] != ">"):
                        raise fail(
                            f"Unexpected end of name token at byte offset {_utf8_offset(text, token_begin)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(text[i])
                        i += 1
                    value = "".join(chars)
                    if i < n:
                        i += 1
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {byte_begin}")
                if (tag == "a" and attr_name == "href") or (tag == "tg-emoji" and attr_name == "emoji-id"):
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_begin}')
            if tag == "tg-emoji" and not argument.isdigit():
                raise fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {byte_begin}')
            stack.append(_OpenTag(tag, argument, out_len, byte_begin))
            i += 1  # skip ">"
            continue

        # an end tag
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {byte_begin}")
        while i < n and text[i] not in _HTML_SPACES and text[i] != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while i < n and text[i] in _HTML_SPACES:
            i += 1
        if at(i) != ">":
            raise fail(f"Unclosed end tag at byte offset {byte_begin}")
        i += 1
        opened = stack.pop()
        if end_name and end_name != opened.name:
            raise fail(
                f'Unmatched end tag at byte offset {byte_begin}, expected "</{opened.name}>", '
                f'found "</{end_name}>"'
            )
        length = out_len - opened.offset
        if length <= 0:
            continue
        entity: JSONDict = {"offset": opened.offset, "length": length}
        if opened.name == "a":
            if not opened.argument:
                continue
            entity["type"] = "text_link"
            entity["url"] = opened.argument
        elif opened.name == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = opened.argument
        elif opened.name == "code" and opened.argument and stack and stack[-1].name == "pre":
            parent = stack[-1]
            if parent.offset == opened.offset and not parent.language:
                parent.language = opened.argument  # <pre><code class="language-x"> -> pre(language=x)
                continue
            entity["type"] = "code"
        elif opened.name == "pre":
            entity["type"] = "pre"
            if opened.language:
                entity["language"] = opened.language
        elif opened.name == "blockquote":
            entity["type"] = "expandable_blockquote" if opened.argument else "blockquote"
        else:
            entity["type"] = _HTML_ENTITY_TYPES[opened.name]
        entities.append(entity)

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def text_entities(text: str) -> list[JSONDict]:
    """Entities Telegram attaches to an incoming plain-text message: bot_command, mention, url.

    Offsets and lengths are in UTF-16 code units.
    """
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE)):
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in ".,;:!?)'":
                    end -= 1
            spans.append((start, end, kind))
    spans.sort()
    entities: list[JSONDict] = []
    last_end = -1
    for start, end, kind in spans:
        if start < last_end:
            continue  # overlaps an earlier entity (e.g. the "@Bot" part of "/start@Bot")
        last_end = end
        offset = utf16_len(text[:start])
        entities.append({"offset": offset, "length": utf16_len(text[start:end]), "type": kind})
    return entities


def _jsonable(value: Any) -> Any:
    """A deep copy of a JSON-like value (dicts/lists/scalars)."""
    return copy.deepcopy(value)


def _is_inline_keyboard(markup: Any) -> bool:
    return isinstance(markup, dict) and "inline_keyboard" in markup


def _short(value: Any, limit: int = 160) -> str:
    text = f"<file {value.filename!r} {len(value.content)} bytes>" if isinstance(value, UploadedFile) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_call(call: Call) -> str:
    params = ", ".join(f"{key}={_short(value, 80)}" for key, value in call.params.items())
    status = "pending" if call.status is None else str(call.status)
    return f"{call.method}({_short(params, 300)}) -> {status}"


# --------------------------------------------------------------------------------------------------
# the server


Handler = Callable[[JSONDict], Awaitable[Any]]


class FakeTelegram:
    """A fake Bot API server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, *, bot_username: str = DEFAULT_BOT_USERNAME) -> None:
        self.bot_username = bot_username
        self.calls: list[Call] = []

        # webhook state
        self.webhook_url: str = ""
        self.webhook_secret_token: str | None = None
        self.webhook_params: JSONDict = {}

        # bot settings
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.menu_buttons: dict[int | str | None, JSONDict] = {}
        self.allowed_updates: list[str] | None = None

        # chats and messages known to the fake
        self.chats: dict[int, JSONDict] = {}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.files: dict[str, _StoredFile] = {}
        # (chat id, user id) -> status ("creator", "administrator", "member", ...): what getChatMember says
        # (see set_chat_member; anyone not set is a "member").
        self.chat_members: dict[tuple[int, int], str] = {}
        self._sent: list[tuple[int, int]] = []
        self._message_ids: dict[int, int] = {}

        self._pending: list[JSONDict] = []
        self._next_update_id = 1
        self._ids = itertools.count(1)

        self._faults: dict[str, list[_Fault]] = {}
        self._delays: dict[str, float] = {}

        self._updates_event = asyncio.Event()
        self._calls_event = asyncio.Event()
        self._poll_generation = 0

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._closing = False
        self._up_task: asyncio.Task[None] | None = None

        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("sendChatAction", self._send_chat_action),
            ("answerCallbackQuery", self._return_true),
            ("answerInlineQuery", self._answer_inline_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setMyDescription", self._set_my_description),
            ("getMyDescription", self._get_my_description),
            ("setMyShortDescription", self._set_my_short_description),
            ("getMyShortDescription", self._get_my_short_description),
            ("setMyName", self._set_my_name),
            ("getMyName", self._get_my_name),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("getChatMenuButton", self._get_chat_menu_button),
            ("getFile", self._get_file),
            ("getChatMember", self._get_chat_member),
            ("close", self._return_true),
            ("logOut", self._return_true),
        ):
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._closing = False
        await self._open()

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered (empty) first, other requests are cut."""
        self._closing = True
        if self._up_task is not None:
            self._up_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._up_task
            self._up_task = None
        self._wake_pollers()
        await asyncio.sleep(0)
        await self._close()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeTelegram has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)`` (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def is_up(self) -> bool:
        return self._runner is not None

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def _open(self) -> None:
        runner = web.AppRunner(
            self._make_app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.1
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._port = int(runner.addresses[0][1])
        self._runner = runner

    async def _close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with ``status``.

        429 responses carry ``"parameters": {"retry_after": retry_after}`` (PTB raises RetryAfter);
        400 -> BadRequest, 403 -> Forbidden, 409 -> Conflict, 502 -> NetworkError, ...
        """
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        fault = _Fault(status, description, retry_after if status == 429 else None, count)
        self._faults.setdefault(self._canonical(method), []).append(fault)

    def clear_faults(self, method: str | None = None) -> None:
        """Forget the faults still due for ``method`` (every method when None): the outage is over."""
        if method is None:
            self._faults.clear()
        else:
            self._faults.pop(self._canonical(method), None)

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every answer to ``method`` by ``seconds`` (0 removes the delay)."""
        name = self._canonical(method)
        if seconds > 0:
            self._delays[name] = seconds
        else:
            self._delays.pop(name, None)

    async def set_down(self, seconds: float, *, wait: bool = False) -> None:
        """Simulate an outage: close the listening socket and drop every open connection
        (in-flight requests get no response), then listen again on the same port after ``seconds``.

        Returns once the server is down (or, with ``wait=True``, once it is back up).
        """
        if self._runner is None:
            raise RuntimeError("FakeTelegram is not running")
        await self._close()
        self._up_task = asyncio.create_task(self._come_back(seconds), name="FakeTelegram.come_back")
        if wait:
            await self.wait_up()

    async def wait_up(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the server listens again after :meth:`set_down`."""
        task = self._up_task
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout)

    async def _come_back(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._open()

    def _take_fault(self, method: str) -> _Fault | None:
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.pop(0)
        return fault

    # ------------------------------------------------------------------ recording

    def calls_to(self, method: str) -> list[Call]:
        name = self._canonical(method)
        return [call for call in self.calls if call.method == name]

    def clear_calls(self) -> None:
        self.calls.clear()

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> Call:
        """Wait for a call of ``method`` (matching ``predicate``) among ``calls[since:]``.

        Calls that already happened count, so use ``since=len(fake.calls)`` to wait for a new one.
        Raises TimeoutError listing the most recent calls.
        """
        name = self._canonical(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.calls[since:]:
                if call.method == name and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n".join(f"  {_describe_call(call)}" for call in self.calls[-15:]) or "  (none)"
                what = f"{name} call matching the predicate" if predicate is not None else f"{name} call"
                raise TimeoutError(
                    f"no {what} within {timeout}s ({len(self.calls)} calls in total); recent calls:\n{recent}"
                )
            event = self._calls_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent (sendMessage/sendDocument/sendPhoto), oldest first, in their current
        state (edits applied, deleted ones left out)."""
        result = []
        for key in self._sent:
            message = self.messages.get(key)
            if message is not None and (chat_id is None or key[0] == chat_id):
                result.append(_jsonable(message))
        return result

    def _notify_calls(self) -> None:
        self._calls_event.set()
        self._calls_event = asyncio.Event()

    # ------------------------------------------------------------------ updates

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return _jsonable(self._pending)

    def add_update(self, update: JSONDict, *, register: bool = True) -> int:
        """Queue an update for getUpdates (assigning ``update_id`` if missing); returns its id.

        ``register=False``: its chats and messages are not noted (a malformed update: its chat would become
        the one this server answers with)."""
        update = _jsonable(update)
        update_id = self._assign_update_id(update)
        if register:
            self._register_update(update)
        self._pending.append(update)
        self._wake_pollers()
        return update_id

    def _assign_update_id(self, update: JSONDict) -> int:
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        return update_id

    def _wake_pollers(self) -> None:
        self._updates_event.set()
        self._updates_event = asyncio.Event()

    def _register_update(self, update: JSONDict) -> None:
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                self._register_message(message, overwrite=True)
        callback = update.get("callback_query")
        if isinstance(callback, dict) and isinstance(callback.get("message"), dict):
            self._register_message(callback["message"], overwrite=False)
        member = update.get("my_chat_member")
        if isinstance(member, dict) and isinstance(member.get("chat"), dict):
            self.chats[member["chat"]["id"]] = _jsonable(member["chat"])

    def _register_message(self, message: JSONDict, *, overwrite: bool) -> None:
        chat = message.get("chat")
        if not isinstance(chat, dict) or "message_id" not in message:
            return
        chat_id = int(chat["id"])
        self.chats.setdefault(chat_id, _jsonable(chat))
        key = (chat_id, int(message["message_id"]))
        if overwrite or key not in self.messages:
            self.messages[key] = _jsonable(message)
        self._message_ids[chat_id] = max(self._message_ids.get(chat_id, 0), key[1])
        reply = message.get("reply_to_message")
        if isinstance(reply, dict):
            self._register_message(reply, overwrite=False)

    # ------------------------------------------------------------------ update builders

    @property
    def bot_user(self) -> JSONDict:
        return {"id": BOT_ID, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": self.bot_username}

    def set_chat_member(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """Make user ``user_id`` a ``status`` ("creator", "administrator", "member", "restricted", "left",
        "kicked") of ``chat_id``, as getChatMember reports it."""
        self.chat_members[(chat_id, user_id)] = status

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    @staticmethod
    def user(
        user_id: int = 1,
        *,
        first_name: str = "Test",
        username: str | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """A User dict; ``username=None`` gives ``user{id}``, ``username=""`` leaves it out."""
        result: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        name = f"user{user_id}" if username is None else username
        if name:
            result["username"] = name
        if language_code:
            result["language_code"] = language_code
        return result

    @staticmethod
    def private_chat(user: JSONDict) -> JSONDict:
        chat: JSONDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    @staticmethod
    def group_chat(chat_id: int = -100123, title: str = "Test Group") -> JSONDict:
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": chat_type, "title": title}

    def _message(self, chat: JSONDict, sender: JSONDict | None, **content: Any) -> JSONDict:
        message: JSONDict = {"message_id": self._next_message_id(int(chat["id"]))}
        if sender is not None:
            message["from"] = sender
        message["chat"] = chat
        message["date"] = int(time.time())
        message.update({key: value for key, value in content.items() if value is not None})
        return message

    def _incoming_text(self, text: str) -> JSONDict:
        content: JSONDict = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return content

    def _chat_for_builder(self, chat_id: int | None, sender: JSONDict) -> JSONDict:
        if chat_id is None or chat_id == sender["id"]:
            return self.private_chat(sender)
        known = self.chats.get(chat_id)
        return _jsonable(known) if known is not None else self.group_chat(chat_id)

    def private_message(
        self,
        text: str,
        user_id: int = 1,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        *,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """An update with a text message from user ``user_id`` in their private chat with the bot.

        bot_command/mention/url entities are computed like Telegram does (UTF-16 offsets).
        """
        sender = self.user(user_id, first_name=first_name, username=username, language_code=language_code)
        message = self._message(self.private_chat(sender), sender, **self._incoming_text(text))
        if reply_to is not None:
            message["reply_to_message"] = _strip_reply(reply_to)
        return {"message": message}

    def group_message(
        self,
        text: str,
        chat_id: int = -100123,
        user_id: int = 1,
        *,
        reply_to: JSONDict | None = None,
        chat_title: str = "Test Group",
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        """An update with a text message in a group (``-100...`` ids are supergroups).

        ``reply_to`` is a message dict (e.g. one of :meth:`sent_messages`) the message replies to.
        """
        sender = self.user(user_id, first_name=first_name, username=username, language_code=language_code)
        chat = self.chats.get(chat_id) or self.group_chat(chat_id, chat_title)
        message = self._message(_jsonable(chat), sender, **self._incoming_text(text))
        if reply_to is not None:
            message["reply_to_message"] = _strip_reply(reply_to)
        return {"message": message}

    def edited_message(self, message: JSONDict, text: str) -> JSONDict:
        """An ``edited_message`` update: ``message`` (a message dict or an update containing one)
        with its text replaced by ``text``."""
        original = message.get("message", message)
        edited = _jsonable(original)
        edited.pop("entities", None)
        edited.update(self._incoming_text(text))
        edited["edit_date"] = max(int(time.time()), int(edited.get("date", 0)) + 1)
        return {"edited_message": edited}

    def callback_query(
        self,
        data: str,
        message: JSONDict | None = None,
        user_id: int = 1,
        *,
        inline_message_id: str | None = None,
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        """A ``callback_query`` update for a press on a button with ``callback_data == data`` under
        ``message`` (the bot's message dict, e.g. ``call.result`` of a sendMessage)."""
        sender = self.user(user_id, first_name=first_name, username=username, language_code=language_code)
        query: JSONDict = {"id": str(4_000_000_000 + next(self._ids)), "from": sender}
        if message is not None:
            message = message.get("message", message)
            query["message"] = _jsonable(message)
            query["chat_instance"] = str(abs(hash(("chat", message["chat"]["id"]))) % 10**18)
        else:
            query["chat_instance"] = str(abs(hash(("user", user_id))) % 10**18)
        if inline_message_id is not None:
            query["inline_message_id"] = inline_message_id
        query["data"] = data
        return {"callback_query": query}

    def inline_query(
        self,
        query: str,
        user_id: int = 1,
        language_code: str | None = "en",
        *,
        offset: str = "",
        chat_type: str | None = "sender",
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        sender = self.user(user_id, first_name=first_name, username=username, language_code=language_code)
        inline: JSONDict = {
            "id": str(5_000_000_000 + next(self._ids)),
            "from": sender,
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return {"inline_query": inline}

    def my_chat_member(
        self,
        chat: JSONDict | int = -100123,
        old_status: str = "left",
        new_status: str = "member",
        user_id: int = 1,
        *,
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        """A ``my_chat_member`` update: user ``user_id`` changed the bot's status in ``chat``
        (default: the bot was added to a group, left -> member)."""
        chat_dict = self.group_chat(chat) if isinstance(chat, int) else _jsonable(chat)
        sender = self.user(user_id, first_name=first_name, username=username)
        return {
            "my_chat_member": {
                "chat": chat_dict,
                "from": sender,
                "date": int(time.time()),
                "old_chat_member": _chat_member(self.bot_user, old_status),
                "new_chat_member": _chat_member(self.bot_user, new_status),
            }
        }

    def sticker_message(
        self,
        emoji: str = "👍",
        user_id: int = 1,
        chat_id: int | None = None,
        *,
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        sender = self.user(user_id, first_name=first_name, username=username)
        n = next(self._ids)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{n:08d}",
            "file_unique_id": f"AgAD{n:08d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TestStickers",
            "file_size": 12345,
        }
        return {"message": self._message(self._chat_for_builder(chat_id, sender), sender, sticker=sticker)}

    def photo_message(
        self,
        caption: str | None = None,
        user_id: int = 1,
        chat_id: int | None = None,
        *,
        first_name: str = "Test",
        username: str | None = None,
    ) -> JSONDict:
        sender = self.user(user_id, first_name=first_name, username=username)
        n = next(self._ids)
        photo = [
            {
                "file_id": f"AgACAgIAAxkBAAI{n:08d}{size}",
                "file_unique_id": f"AQAD{n:08d}{size}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 40,
            }
            for size in (90, 320, 800)
        ]
        content: JSONDict = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
            entities = text_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return {"message": self._message(self._chat_for_builder(chat_id, sender), sender, **content)}

    # ------------------------------------------------------------------ webhook side

    async def deliver_webhook(
        self,
        url: str | None,
        update: JSONDict,
        secret_token: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> int:
        """POST ``update`` to the bot's webhook like Telegram does; returns the HTTP status.

        ``url=None`` uses the URL registered with setWebhook; ``secret_token=None`` uses the one
        registered with setWebhook (sent as X-Telegram-Bot-Api-Secret-Token when set).
        """
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook URL given and none was set with setWebhook")
        token = secret_token if secret_token is not None else self.webhook_secret_token
        payload = _jsonable(update)
        self._assign_update_id(payload)
        self._register_update(payload)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(target, data=json.dumps(payload), headers=headers) as response,
        ):
            await response.read()
            return response.status

    # ------------------------------------------------------------------ HTTP plumbing

    def _canonical(self, method: str) -> str:
        entry = self._methods.get(method.lower())
        return entry[0] if entry is not None else method

    async def _parse_params(self, request: web.Request) -> JSONDict:
        raw: JSONDict = dict(request.query)
        content_type = request.content_type
        if request.can_read_body:
            if content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise bad_request("JSON object expected")
                raw.update(body)
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        content = bytes(await part.read(decode=True))
                        raw[part.name] = UploadedFile(
                            part.filename, content, part.headers.get("Content-Type")
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, str):
                        raw[key] = value
        return {key: _decode_param(key, value) for key, value in raw.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name, handler = self._methods.get(
            request.match_info["method"].lower(), (request.match_info["method"], self._return_true)
        )
        call = Call(name, {}, time.monotonic(), token=token, http_method=request.method)
        try:
            try:
                call.params = await self._parse_params(request)
            except (ValueError, aiohttp.ContentTypeError) as exc:
                raise bad_request(f"can't parse request: {exc}") from exc
            finally:
                self.calls.append(call)
                self._notify_calls()
            delay = self._delays.get(name)
            if delay:
                await asyncio.sleep(delay)
            fault = self._take_fault(name)
            if fault is not None:
                raise ApiError(
                    fault.status,
                    fault.description,
                    {"retry_after": fault.retry_after} if fault.retry_after is not None else None,
                )
            status, body = 200, {"ok": True, "result": await handler(call.params)}
        except ApiError as exc:
            status = exc.status
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
        call.status, call.response = status, body
        self._notify_calls()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path and stored.content is not None:
                content_type = stored.mime_type or "application/octet-stream"
                return web.Response(body=stored.content, content_type=content_type)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    # ------------------------------------------------------------------ helpers for methods

    def _chat(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            for chat in self.chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == chat_id.lower():
                    return _jsonable(chat)
            raise bad_request("chat not found")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        known = self.chats.get(chat_id)
        if known is not None:
            return _jsonable(known)
        if chat_id > 0:
            new_chat: JSONDict = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        else:
            new_chat = self.group_chat(chat_id)
        self.chats[chat_id] = new_chat
        return _jsonable(new_chat)

    def _message_key(self, params: JSONDict) -> tuple[int, int]:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        return int(chat["id"]), message_id

    @staticmethod
    def _formatted(
        params: JSONDict,
        text_key: str,
        entities_key: str,
        *,
        max_length: int,
        required: bool,
    ) -> tuple[str, list[JSONDict] | None]:
        value = params.get(text_key)
        text = "" if value is None else str(value)
        entities = params.get(entities_key)
        parse_mode = params.get("parse_mode")
        if isinstance(entities, list):
            result_entities: list[JSONDict] | None = entities
        elif parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                text, result_entities = parse_html(text)
            elif mode in ("markdown", "markdownv2"):
                result_entities = None  # not validated by the fake
            else:
                raise bad_request("unsupported parse_mode")
        else:
            result_entities = None
        if required and not text.strip():
            raise bad_request("message text is empty")
        if len(text) > max_length:
            raise bad_request("message is too long" if text_key == "text" else "message caption is too long")
        return text, result_entities or None

    @staticmethod
    def _validate_markup(markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise bad_request(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                elif "url" in button:
                    url = button["url"]
                    if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url, re.IGNORECASE):
                        raise bad_request("BUTTON_URL_INVALID")
                elif not (set(button) - {"text", "style", "icon_custom_emoji_id"}):
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )

    def _reply_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters")
        allow_without = bool(params.get("allow_sending_without_reply"))
        message_id: Any = None
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_without = allow_without or bool(reply.get("allow_sending_without_reply"))
            if isinstance(reply.get("chat_id"), int):
                chat_id = reply["chat_id"]
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        original = self.messages.get((chat_id, int(message_id)))
        if original is None:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return _strip_reply(original)

    def _bot_message(self, chat: JSONDict, params: JSONDict) -> JSONDict:
        chat_id = int(chat["id"])
        reply_to = self._reply_to(chat_id, params)
        message: JSONDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
        }
        if isinstance(params.get("message_thread_id"), int):
            message["message_thread_id"] = params["message_thread_id"]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def _store_sent(self, message: JSONDict, params: JSONDict) -> JSONDict:
        markup = params.get("reply_markup")
        if _is_inline_keyboard(markup):
            message["reply_markup"] = markup  # Telegram only echoes inline keyboards
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        self.messages[key] = _jsonable(message)
        self._sent.append(key)
        return message

    def _file(self, params: JSONDict, key: str, kind: str) -> _StoredFile:
        value = params.get(key)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            return self.add_file(value.content, value.filename, value.content_type, kind=kind)
        if isinstance(value, str):
            if value.startswith("attach://"):
                part = params.get(value[len("attach://") :])
                if isinstance(part, UploadedFile):
                    return self._file({key: part}, key, kind)
            elif value in self.files:
                return self.files[value]
            elif re.match(r"https?://", value):
                return self.add_file(None, value.rsplit("/", 1)[-1] or None, None, kind=kind)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def add_file(
        self,
        content: bytes | None,
        file_name: str | None = None,
        mime_type: str | None = None,
        *,
        kind: str = "document",
    ) -> _StoredFile:
        """Register a file (downloadable through getFile + base_file_url when ``content`` is set)."""
        n = next(self._ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[-1]
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{n:08d}{kind[:3]}",
            file_unique_id=f"AgAD{n:08d}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{n}{suffix}",
        )
        self.files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------------ methods

    async def _return_true(self, params: JSONDict) -> Any:
        return True

    async def _get_me(self, params: JSONDict) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout")
        timeout = float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 0.0
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = params["allowed_updates"]
        if isinstance(offset, int) and offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._pending = self._pending[offset:]

        # a new getUpdates request terminates one that is still waiting
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
            if self._pending or self._closing:
                return _jsonable(self._pending[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _set_webhook(self, params: JSONDict) -> Any:
        url = params.get("url") or ""
        if url and not isinstance(url, str):
            raise bad_request("bad webhook: Failed to resolve host")
        self.webhook_url = url
        self.webhook_secret_token = params.get("secret_token") if url else None
        self.webhook_params = dict(params) if url else {}
        if isinstance(params.get("allowed_updates"), list):
            self.allowed_updates = params["allowed_updates"]
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if url:
            self._wake_pollers()  # a waiting getUpdates ends with 409 like on Telegram
            self._poll_generation += 1
        return True

    async def _delete_webhook(self, params: JSONDict) -> Any:
        self.webhook_url = ""
        self.webhook_secret_token = None
        self.webhook_params = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> Any:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_params.get("max_connections", 40)
            if self.webhook_params.get("ip_address"):
                info["ip_address"] = self.webhook_params["ip_address"]
            if self.allowed_updates is not None:
                info["allowed_updates"] = self.allowed_updates
        return info

    async def _send_message(self, params: JSONDict) -> Any:
        chat = self._chat(params)
        text, entities = self._formatted(
            params, "text", "entities", max_length=MAX_TEXT_LENGTH, required=True
        )
        self._validate_markup(params.get("reply_markup"))
        message = self._bot_message(chat, params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = params["link_preview_options"]
        return self._store_sent(message, params)

    async def _send_document(self, params: JSONDict) -> Any:
        chat = self._chat(params)
        caption, entities = self._formatted(
            params, "caption", "caption_entities", max_length=MAX_CAPTION_LENGTH, required=False
        )
        self._validate_markup(params.get("reply_markup"))
        stored = self._file(params, "document", "document")
        message = self._bot_message(chat, params)
        document: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        if stored.content is not None:
            document["file_size"] = len(stored.content)
        message["document"] = document
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        return self._store_sent(message, params)

    async def _send_photo(self, params: JSONDict) -> Any:
        chat = self._chat(params)
        caption, entities = self._formatted(
            params, "caption", "caption_entities", max_length=MAX_CAPTION_LENGTH, required=False
        )
        self._validate_markup(params.get("reply_markup"))
        stored = self._file(params, "photo", "photo")
        message = self._bot_message(chat, params)
        size = len(stored.content) if stored.content is not None else 0
        message["photo"] = [
            {
                "file_id": f"{stored.file_id}{width}",
                "file_unique_id": f"{stored.file_unique_id}{width}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": max(1, size * width // 800),
            }
            for width in (90, 320, 800)
        ]
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        return self._store_sent(message, params)

    def _editable(self, params: JSONDict) -> tuple[tuple[int, int], JSONDict]:
        key = self._message_key(params)
        stored = self.messages.get(key)
        if stored is None:
            raise bad_request("message to edit not found")
        if stored.get("from", {}).get("id") != BOT_ID:
            raise bad_request("message can't be edited")
        return key, stored

    async def _edit_message_text(self, params: JSONDict) -> Any:
        text, entities = self._formatted(
            params, "text", "entities", max_length=MAX_TEXT_LENGTH, required=True
        )
        markup = params.get("reply_markup")
        self._validate_markup(markup)
        if params.get("inline_message_id"):
            return True
        key, stored = self._editable(params)
        if "text" not in stored:
            raise bad_request("there is no text in the message to edit")
        edited = _jsonable(stored)
        edited["text"] = text
        edited.pop("entities", None)
        if entities:
            edited["entities"] = entities
        edited.pop("reply_markup", None)
        if _is_inline_keyboard(markup):
            edited["reply_markup"] = markup
        return self._apply_edit(key, stored, edited)

    async def _edit_message_reply_markup(self, params: JSONDict) -> Any:
        markup = params.get("reply_markup")
        self._validate_markup(markup)
        if params.get("inline_message_id"):
            return True
        key, stored = self._editable(params)
        edited = _jsonable(stored)
        edited.pop("reply_markup", None)
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            edited["reply_markup"] = markup
        return self._apply_edit(key, stored, edited)

    def _apply_edit(self, key: tuple[int, int], stored: JSONDict, edited: JSONDict) -> JSONDict:
        fields = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(stored.get(name) == edited.get(name) for name in fields):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = max(int(time.time()), int(stored.get("date", 0)))
        self.messages[key] = _jsonable(edited)
        return edited

    async def _delete_message(self, params: JSONDict) -> Any:
        key = self._message_key(params)
        if self.messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _send_chat_action(self, params: JSONDict) -> Any:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _answer_inline_query(self, params: JSONDict) -> Any:
        if not params.get("inline_query_id"):
            raise bad_request("QUERY_ID_INVALID")
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request('field "results" must be an Array')
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise bad_request("can't parse InlineQueryResult: Object expected")
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            self._validate_markup(result.get("reply_markup"))
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._formatted(
                    content, "message_text", "entities", max_length=MAX_TEXT_LENGTH, required=True
                )
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME_RE.fullmatch(
                str(command.get("command"))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = _jsonable(commands)
        return True

    async def _get_my_commands(self, params: JSONDict) -> Any:
        return _jsonable(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _set_my_description(self, params: JSONDict) -> Any:
        description = str(params.get("description") or "")
        if len(description) > 512:
            raise bad_request("description is too long")
        self.descriptions[str(params.get("language_code") or "")] = description
        return True

    async def _get_my_description(self, params: JSONDict) -> Any:
        return {"description": self.descriptions.get(str(params.get("language_code") or ""), "")}

    async def _set_my_short_description(self, params: JSONDict) -> Any:
        description = str(params.get("short_description") or "")
        if len(description) > 120:
            raise bad_request("short description is too long")
        self.short_descriptions[str(params.get("language_code") or "")] = description
        return True

    async def _get_my_short_description(self, params: JSONDict) -> Any:
        language = str(params.get("language_code") or "")
        return {"short_description": self.short_descriptions.get(language, "")}

    async def _set_my_name(self, params: JSONDict) -> Any:
        name = str(params.get("name") or "")
        if len(name) > 64:
            raise bad_request("name is too long")
        self.names[str(params.get("language_code") or "")] = name
        return True

    async def _get_my_name(self, params: JSONDict) -> Any:
        return {"name": self.names.get(str(params.get("language_code") or ""), BOT_FIRST_NAME)}

    async def _set_chat_menu_button(self, params: JSONDict) -> Any:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button")
        self.menu_buttons[params.get("chat_id")] = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> Any:
        return _jsonable(self.menu_buttons.get(params.get("chat_id"), {"type": "default"}))

    async def _get_chat_member(self, params: JSONDict) -> Any:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        if not isinstance(chat_id, int) or not isinstance(user_id, int):
            raise bad_request("chat not found" if not isinstance(chat_id, int) else "invalid user_id specified")
        user = self.bot_user if user_id == BOT_ID else self.user(user_id)
        return _chat_member(user, self.chat_members.get((chat_id, user_id), "member"))

    async def _get_file(self, params: JSONDict) -> Any:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        result: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.content is not None:
            result["file_size"] = len(stored.content)
            result["file_path"] = stored.file_path
        return result


def _decode_param(name: str, value: Any) -> Any:
    """Decode a form value the way Telegram does: JSON for everything but plain string parameters."""
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped and (stripped[0] in '{[-0123456789"' or stripped in ("true", "false", "null")):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _strip_reply(message: JSONDict) -> JSONDict:
    """``reply_to_message`` never contains a further ``reply_to_message``."""
    message = _jsonable(message.get("message", message) if "message_id" not in message else message)
    message.pop("reply_to_message", None)
    return message


def _chat_member(user: JSONDict, status: str) -> JSONDict:
    member: JSONDict = {"user": user, "status": status}
    if status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=False,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "restricted":
        member.update(
            is_member=True,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_send_messages=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_manage_topics=False,
            until_date=0,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_edit_tag=False,
            can_react_to_messages=False,
        )
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "creator":
        member["is_anonymous"] = False
    return member
