"""Malformed updates: skipped with one warning line (by id, never by content) and confirmed, never fatal.

PTB parses a getUpdates answer as a whole. When one update fails (a field missing or of an unexpected
type, e.g. from a Bot API newer than this PTB), ``Bot.get_updates`` logs the batch at CRITICAL and raises,
the ``Updater`` logs that again and asks again *without confirming the batch*, so the same answer comes
back forever and the bot stops answering anyone. And PTB checks no types: an update it does parse can
still carry a chat id that is an object or a text that is a number, and fail later, in PTB or a handler.

``SkipUnparsableUpdates`` wraps the getUpdates transport (composition: a ``BaseRequest`` whose
``do_request`` delegates to the real one) and checks each update of the answer on its own, before PTB
parses the batch: PTB's parse (``Update.de_json``), then the Bot API types of the fields that PTB and the
handlers read (``_fault``). An update that fails either is logged once, at WARNING, and handed to PTB as
an empty update with the same id, which PTB confirms (by the next offset) and the handlers ignore; the
rest of the batch goes on in the same round. So PTB's parse of the batch cannot fail, the handlers only
ever see the fields they read with their documented types (and tolerate the optional ones missing), and
nothing about a malformed update is logged as an error.

That parses each sound update twice (here and in PTB), about 0.2 ms of CPU each: small next to handling
it (matching, the Bot API call, the chat log), and the only way, with PTB's public extension points, to
keep one bad update from costing a failed round and PTB's critical log lines. The webhook server
(bot/telegram/webhook.py) checks each update itself, once: ``parse_update``.
"""

from __future__ import annotations

import datetime as dtm
import logging
from typing import Any, TypeAlias

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

from bot.telegram.request import TimeoutArg

log = logging.getLogger(__name__)

JSONDict: TypeAlias = dict[str, Any]

_KINDS = frozenset(Update.ALL_TYPES)  # message, edited_message, callback_query, ...: each is an object


class _Batch(list[JSONDict]):
    """A getUpdates result as PTB receives it; printed (PTB's logs) as its ids, never its content."""

    def __repr__(self) -> str:
        ids = [item.get("update_id") for item in self]
        return f"<{len(ids)} updates: {ids}>"


class SkipUnparsableUpdates(BaseRequest):
    """The getUpdates transport ``inner``, answering PTB with the updates it can parse (see the module)."""

    __slots__ = ("_answer", "inner")

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        self._answer: bytes | None = None  # the last getUpdates answer's body (to know it when decoding)

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        write_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        connect_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
        pool_timeout: TimeoutArg = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts: Any = (read_timeout, write_timeout, connect_timeout, pool_timeout)  # passed on as given
        status, payload = await self.inner.do_request(url, method, request_data, *timeouts)
        if url.endswith("/getUpdates"):
            self._answer = payload
        return status, payload

    # PTB declares this a staticmethod, calls it as ``self.parse_json_payload(payload)`` right after
    # ``do_request`` and documents overriding it: here it needs to know which answer it decodes.
    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """The inner request's JSON decoding (once); a getUpdates result screened (see the module)."""
        data = self.inner.parse_json_payload(payload)
        answer, self._answer = self._answer, None
        if answer is None or answer is not payload:
            return data
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list) and result:
            data["result"] = _Batch(_screened(item) for item in result)
        return data


def _screened(item: Any) -> JSONDict:
    """``item``, or an empty update with its id when it is malformed (see ``_parsed``)."""
    return item if _parsed(item, None) is not None else {"update_id": _update_id(item)}


def _well_formed(item: Any) -> bool:
    if not isinstance(item, dict) or type(item.get("update_id")) is not int:
        return False
    return all(isinstance(value, dict) for key, value in item.items() if key in _KINDS)


def _update_id(item: Any) -> int:
    update_id = item.get("update_id") if isinstance(item, dict) else None
    return update_id if type(update_id) is int else 0


def _parsed(data: Any, bot: Bot | None) -> Update | None:
    """``data`` as an Update, or None (one warning, by id) when PTB cannot parse it or a field PTB or the
    handlers read is missing or not of its Bot API type."""
    reason: str | None = "not a well-formed update"
    if _well_formed(data):
        try:
            update = Update.de_json(data, bot)
            reason = _fault(update)
        except Exception as exc:  # PTB raises TypeError, ValueError, KeyError, AttributeError, ... on bad input
            reason = f"{type(exc).__name__}: {exc}"
        if reason is None:
            return update
    log.warning("skipped update %s: malformed (%s)", _update_id(data), reason)
    return None


# --- what PTB does not check ------------------------------------------------------------------------------
#
# PTB builds its objects without checking types: an object that is missing (or given as [] or 0) becomes
# None, a string where an integer belongs stays a string, and a handler (or PTB itself: a chat id must be
# hashable) fails much later on it. So, for the parts of an update that PTB and the handlers read, each
# field is checked against its Bot API type here, once, at the door: (type, required) by attribute name.
# An update that fails is no update Telegram sends; it is skipped like one PTB cannot parse. Optional fields
# (a message's sender, a button's message) may be missing: the handlers take that.

_Fields: TypeAlias = dict[str, tuple[Any, bool]]

_USER: _Fields = {
    "id": (int, True), "is_bot": (bool, True), "first_name": (str, True), "last_name": (str, False),
    "username": (str, False), "language_code": (str, False),
}
_CHAT: _Fields = {
    "id": (int, True), "type": (str, True), "title": (str, False), "username": (str, False),
    "first_name": (str, False), "last_name": (str, False),
}
_ENTITY: _Fields = {
    "type": (str, True), "offset": (int, True), "length": (int, True), "url": (str, False), "user": (_USER, False),
    "language": (str, False), "custom_emoji_id": (str, False),
}
_REPLIED: _Fields = {  # a message replied to (one level: its own reply_to_message is not read)
    "message_id": (int, True), "date": (dtm.datetime, True), "chat": (_CHAT, True), "from_user": (_USER, False),
    "sender_chat": (_CHAT, False), "text": (str, False), "caption": (str, False), "via_bot": (_USER, False),
    "entities": ([_ENTITY], False), "caption_entities": ([_ENTITY], False),
}
_MESSAGE: _Fields = {**_REPLIED, "reply_to_message": (_REPLIED, False), "message_thread_id": (int, False)}
_MEMBER: _Fields = {"status": (str, True), "user": (_USER, True)}
_KIND_FIELDS: dict[str, _Fields] = {
    **{kind: _MESSAGE for kind in ("message", "edited_message", "channel_post", "edited_channel_post",
                                   "business_message", "edited_business_message")},
    "callback_query": {
        "id": (str, True), "from_user": (_USER, True), "chat_instance": (str, True), "data": (str, False),
        "inline_message_id": (str, False), "message": (_REPLIED, False),
    },
    "inline_query": {
        "id": (str, True), "from_user": (_USER, True), "query": (str, True), "offset": (str, True),
        "chat_type": (str, False),
    },
    "chosen_inline_result": {
        "result_id": (str, True), "from_user": (_USER, True), "query": (str, True), "inline_message_id": (str, False),
    },
    **{kind: {"chat": (_CHAT, True), "from_user": (_USER, True), "date": (dtm.datetime, True),
              "old_chat_member": (_MEMBER, True), "new_chat_member": (_MEMBER, True)}
       for kind in ("my_chat_member", "chat_member")},
}


def _fault(update: Update) -> str | None:
    """The first field PTB or the handlers read that is missing or not of its Bot API type (None: sound)."""
    for kind, fields in _KIND_FIELDS.items():
        value = getattr(update, kind)
        if value is not None:
            return _object_fault(value, fields, kind)
    # Every other kind: what PTB itself reads of any update (Application: the chat's and the user's ids).
    return _field_fault(update.effective_chat, _CHAT, False, "chat") or _field_fault(
        update.effective_user, _USER, False, "user"
    )


def _object_fault(obj: object, fields: _Fields, path: str) -> str | None:
    for name, (kind, required) in fields.items():
        fault = _field_fault(getattr(obj, name, None), kind, required, f"{path}.{name}")
        if fault is not None:
            return fault
    return None


def _field_fault(value: Any, kind: Any, required: bool, path: str) -> str | None:
    if value is None:
        return f"{path} is missing" if required else None
    if isinstance(kind, dict):
        return _object_fault(value, kind, path)
    if isinstance(kind, list):
        items = value if isinstance(value, tuple) else (value,)
        return next((f for item in items if (f := _field_fault(item, kind[0], True, f"{path}[]"))), None)
    if type(value) is bool and kind is not bool:
        return f"{path} is not of type {kind.__name__}"
    return None if isinstance(value, kind) else f"{path} is not of type {kind.__name__}"


def parse_update(data: Any, bot: Bot) -> Update | None:
    """``data`` as an Update, or None (one warning, by id) when it is malformed."""
    return _parsed(data, bot)
