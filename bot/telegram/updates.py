"""Malformed updates: skipped with one warning line (by id, never by content) and confirmed, never fatal.

PTB parses a getUpdates answer as a whole. When one update fails (a field missing or of an unexpected
type, e.g. from a Bot API newer than this PTB), ``Bot.get_updates`` logs the batch at CRITICAL and raises,
the ``Updater`` logs that again and asks again *without confirming the batch*, so the same answer comes
back forever and the bot stops answering anyone. And PTB checks no types: an update it does parse can
still carry a chat id that is an object or a text that is a number, and fail later, in PTB or a handler.

``SkipUnparsableUpdates`` wraps the getUpdates transport (composition: a ``BaseRequest`` whose
``do_request`` delegates to the real one) and checks each update of the answer on its own, on the JSON,
before PTB parses the batch (``_fault``: dict look-ups and type checks, no object built, a few
microseconds an update): in the parts the tables below name, each object is an object with the fields its
PTB class requires, each time a unix time, each list a list, and the fields PTB and the handlers read are
of their Bot API types. An update that fails is logged once, at WARNING, and handed to PTB as an empty update with
the same id, which PTB confirms (by the next offset) and the handlers ignore; the rest of the batch goes
on in the same round. PTB then parses the batch, once: each sound update is parsed once, by PTB.

What the checks do not foresee (a part they do not look into, a requirement of a newer PTB) still fails
PTB's parse of the batch: PTB logs it at CRITICAL (the batch by its ids) and, the batch not confirmed,
Telegram sends it again. So an update that comes again, and was not parsed on its own yet, is parsed on its
own first (``Update.de_json``, in a try) and, when PTB cannot parse it, skipped like the others: one failed
round, and polling goes on. Updates also come again while an earlier one is still being handled (the
intake asks from there, bot/telegram/intake.py): each is parsed on its own then too, once; and once the
screen knows it passes, never again.

The webhook server (bot/telegram/webhook.py) gets one update per request: ``parse_update`` checks it the
same way and parses it once, catching what PTB cannot parse.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias

from telegram import (
    Animation,
    Audio,
    Bot,
    CallbackQuery,
    Chat,
    ChatInviteLink,
    ChatJoinRequest,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatMemberUpdated,
    ChosenInlineResult,
    Contact,
    Dice,
    Document,
    InlineQuery,
    Location,
    Message,
    MessageEntity,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    MessageReactionUpdated,
    PhotoSize,
    Poll,
    PollAnswer,
    PollOption,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    ReactionTypePaid,
    Sticker,
    TelegramObject,
    Update,
    User,
    Venue,
    Video,
    VideoNote,
    Voice,
)
from telegram.request import BaseRequest, RequestData

from bot.telegram.request import TimeoutArg

log = logging.getLogger(__name__)

JSONDict: TypeAlias = dict[str, Any]

REMEMBERED = 1_000  # update ids of the latest answers: one delivered again is parsed on its own first


class _Batch(list[JSONDict]):
    """A getUpdates result as PTB receives it; printed (PTB's logs) as its ids, never its content."""

    def __repr__(self) -> str:
        ids = [item.get("update_id") for item in self]
        return f"<{len(ids)} updates: {ids}>"


class SkipUnparsableUpdates(BaseRequest):
    """The getUpdates transport ``inner``, answering PTB with the updates it can parse (see the module)."""

    __slots__ = ("_answer", "_delivered", "inner")

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        self._answer: bytes | None = None  # the last getUpdates answer's body (to know it when decoding)
        # The ids of the latest updates screened, oldest first: whether each was parsed on its own (and passed).
        self._delivered: dict[int, bool] = {}

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
            data["result"] = _Batch(self._screened(item) for item in result)
        return data

    def _screened(self, item: Any) -> JSONDict:
        """``item``, or an empty update with its id when it is malformed (one warning)."""
        update_id = _update_id(item)
        fault = _fault(item)
        if fault is None:
            fault = self._unparsable_again(update_id, item)
        if fault is not None:
            log.warning("skipped update %s: malformed (%s)", update_id, fault)
            return {"update_id": update_id}
        return item

    def _unparsable_again(self, update_id: int, item: JSONDict) -> str | None:
        """Why PTB cannot parse ``item``, when it comes again and was not parsed on its own yet (else None)."""
        delivered = self._delivered
        parsed_alone = delivered.pop(update_id, None)  # None: it is new
        fault = _unparsable(item) if parsed_alone is False else None
        delivered[update_id] = parsed_alone is not None and fault is None  # one that fails: again next time
        if len(delivered) > REMEMBERED:
            del delivered[next(iter(delivered))]
        return fault


def parse_update(data: Any, bot: Bot) -> Update | None:
    """``data`` as an Update (parsed once), or None (one warning, by id) when it is malformed."""
    fault = _fault(data)
    if fault is None:
        try:
            return Update.de_json(data, bot)
        except Exception as exc:  # PTB raises TypeError, ValueError, KeyError, AttributeError, ... on bad input
            fault = _unparsable_because(exc)
    log.warning("skipped update %s: malformed (%s)", _update_id(data), fault)
    return None


def _update_id(item: Any) -> int:
    update_id = item.get("update_id") if isinstance(item, dict) else None
    return update_id if type(update_id) is int else 0


def _unparsable(item: JSONDict) -> str | None:
    """Why PTB cannot parse ``item`` on its own (None: it can)."""
    try:
        Update.de_json(item, None)
    except Exception as exc:  # as in parse_update
        return _unparsable_because(exc)
    return None


def _unparsable_because(exc: Exception) -> str:
    # The exception's type only: its message may quote the update's content.
    return f"PTB cannot parse it: {type(exc).__name__}"


def _fault(item: Any) -> str | None:
    """The first part of ``item`` that is missing or not of its type (see the tables below; None: sound)."""
    if not isinstance(item, dict):
        return "not an object"
    fault = _UPDATE.fault(item)
    return None if fault is None else fault.lstrip(".")


# --- the checks, on the JSON -----------------------------------------------------------------------------
#
# PTB builds its objects without checking types: an object given as a number or a string, a list given as
# anything else, or a unix time given as text fails its parse; a required field missing fails it too (the
# class's constructor requires it); a string where an integer belongs stays a string, and a handler (or PTB
# itself: a chat id must be hashable) fails much later on it. So each update is checked against the tables
# below, once, at the door: for each object, its fields' kinds (by JSON name) and the fields its PTB class
# requires. An update that fails is no update Telegram sends; it is skipped like one PTB cannot parse.
# Optional fields (a message's sender, a button's message) may be missing: the handlers take that. Fields
# the tables do not name are not looked at (PTB parses most of those without failing, or see the module).


class _Kind(Protocol):
    def fault(self, value: Any) -> str | None:
        """What is wrong with ``value`` (" is not ...", or a field's path and fault), or None."""


class _Type:
    """A JSON scalar: str, int, bool, or a unix time."""

    __slots__ = ("_ok", "_wrong")

    def __init__(self, name: str, ok: Callable[[Any], bool]) -> None:
        self._ok = ok
        self._wrong = f" is not of type {name}"

    def fault(self, value: Any) -> str | None:
        return None if self._ok(value) else self._wrong


_TIME_LIMIT = 2**35  # year 3058: a unix time PTB turns into a datetime in any time zone

_STR = _Type("str", lambda value: type(value) is str)
_INT = _Type("int", lambda value: type(value) is int)  # not a bool
_BOOL = _Type("bool", lambda value: type(value) is bool)
_TIME = _Type("unix time", lambda value: type(value) is int and 0 <= value < _TIME_LIMIT)


class _List:
    """A JSON array of ``item``."""

    __slots__ = ("item",)

    def __init__(self, item: _Kind) -> None:
        self.item = item

    def fault(self, value: Any) -> str | None:
        if type(value) is not list:
            return " is not a list"
        for element in value:
            fault = self.item.fault(element)
            if fault is not None:
                return "[]" + fault
        return None


class _Object:
    """A JSON object: the fields PTB's ``cls`` requires and ``required``; ``fields``' kinds by JSON name."""

    __slots__ = ("fields", "required")

    def __init__(
        self,
        cls: type[TelegramObject] | None,
        fields: Mapping[str, _Kind] | None = None,
        required: tuple[str, ...] = (),
    ) -> None:
        self.fields = dict(fields or {})
        self.required = (_required(cls) if cls is not None else ()) + required

    def fault(self, value: Any) -> str | None:
        if type(value) is not dict:
            return " is not an object"
        for name in self.required:
            if value.get(name) is None:
                return f".{name} is missing"
        fields = self.fields
        for name, field in value.items():
            kind = fields.get(name)
            if kind is not None and field is not None:  # null: missing (PTB's reading too)
                fault = kind.fault(field)
                if fault is not None:
                    return f".{name}{fault}"
        return None


class _OneOf:
    """A JSON object whose ``tag`` field (a string) picks its table; ``other`` for any other tag."""

    __slots__ = ("_other", "_tables", "_tag")

    def __init__(self, tag: str, tables: Mapping[str, _Object], other: _Object) -> None:
        self._tag, self._tables, self._other = tag, dict(tables), other
        for table in (*self._tables.values(), other):
            table.fields.setdefault(tag, _STR)

    def fault(self, value: Any) -> str | None:
        tag = value.get(self._tag) if type(value) is dict else None
        table = self._tables.get(tag, self._other) if type(tag) is str else self._other
        return table.fault(value)


def _required(cls: type[TelegramObject]) -> tuple[str, ...]:
    """The JSON names of the fields PTB's ``cls`` requires: its constructor's parameters without default.

    Not those a newer Bot API made required: PTB gives them a default of None (for its callers' sake) and
    raises when they are None; each table names those of its class (``required``).
    """
    parameters = inspect.signature(cls).parameters.values()
    names = [p.name for p in parameters if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return tuple("from" if name == "from_user" else name for name in names)  # PTB's one renamed field


_USER = _Object(User, {
    "id": _INT, "is_bot": _BOOL, "first_name": _STR, "last_name": _STR, "username": _STR, "language_code": _STR,
})
_CHAT = _Object(Chat, {
    "id": _INT, "type": _STR, "title": _STR, "username": _STR, "first_name": _STR, "last_name": _STR,
})
_ENTITY = _Object(MessageEntity, {
    "type": _STR, "offset": _INT, "length": _INT, "url": _STR, "user": _USER, "language": _STR,
    "custom_emoji_id": _STR,
})
_ENTITIES = _List(_ENTITY)
_PHOTO = _Object(PhotoSize)
_THUMBNAIL: dict[str, _Kind] = {"thumbnail": _PHOTO}
_LOCATION = _Object(Location)
_ORIGIN = _OneOf("type", {
    MessageOrigin.USER: _Object(MessageOriginUser, {"sender_user": _USER, "date": _TIME}),
    MessageOrigin.HIDDEN_USER: _Object(MessageOriginHiddenUser, {"date": _TIME}),
    MessageOrigin.CHAT: _Object(MessageOriginChat, {"sender_chat": _CHAT, "date": _TIME}),
    MessageOrigin.CHANNEL: _Object(MessageOriginChannel, {"chat": _CHAT, "date": _TIME}),
}, _Object(MessageOrigin, {"date": _TIME}))
_POLL = _Object(Poll, {
    "id": _STR, "question": _STR, "type": _STR, "close_date": _TIME,
    "options": _List(_Object(PollOption, {
        "text": _STR, "text_entities": _ENTITIES, "added_by_user": _USER, "added_by_chat": _CHAT,
        "addition_date": _TIME,
    }, required=("persistent_id",))),
    "question_entities": _ENTITIES, "explanation_entities": _ENTITIES, "description_entities": _ENTITIES,
}, required=("allows_revoting", "members_only"))
_MESSAGE = _Object(Message, {
    "message_id": _INT, "message_thread_id": _INT, "date": _TIME, "edit_date": _TIME, "chat": _CHAT,
    "sender_chat": _CHAT, "from": _USER, "via_bot": _USER, "sender_business_bot": _USER, "text": _STR,
    "caption": _STR, "entities": _ENTITIES, "caption_entities": _ENTITIES, "forward_origin": _ORIGIN,
    "photo": _List(_PHOTO), "sticker": _Object(Sticker, _THUMBNAIL), "animation": _Object(Animation, _THUMBNAIL),
    "audio": _Object(Audio, _THUMBNAIL), "document": _Object(Document, _THUMBNAIL),
    "video": _Object(Video, _THUMBNAIL), "video_note": _Object(VideoNote, _THUMBNAIL), "voice": _Object(Voice),
    "contact": _Object(Contact), "dice": _Object(Dice), "location": _LOCATION,
    "venue": _Object(Venue, {"location": _LOCATION}), "poll": _POLL, "new_chat_members": _List(_USER),
    "left_chat_member": _USER, "new_chat_photo": _List(_PHOTO), "quote": _Object(None, {"entities": _ENTITIES}),
    "reply_markup": _Object(None), "link_preview_options": _Object(None), "external_reply": _Object(None),
})
_MESSAGE.fields.update(reply_to_message=_MESSAGE, pinned_message=_MESSAGE)  # a date of 0: inaccessible
_INVITE_LINK = _Object(ChatInviteLink, {"creator": _USER, "expire_date": _TIME})
_MEMBER_FIELDS: dict[str, _Kind] = {"user": _USER, "until_date": _TIME}
_MEMBER = _OneOf("status", {
    ChatMember.OWNER: _Object(ChatMemberOwner, _MEMBER_FIELDS),
    ChatMember.ADMINISTRATOR: _Object(ChatMemberAdministrator, _MEMBER_FIELDS),
    ChatMember.MEMBER: _Object(ChatMemberMember, _MEMBER_FIELDS),
    ChatMember.RESTRICTED: _Object(ChatMemberRestricted, _MEMBER_FIELDS, required=("can_react_to_messages",)),
    ChatMember.LEFT: _Object(ChatMemberLeft, _MEMBER_FIELDS),
    ChatMember.BANNED: _Object(ChatMemberBanned, _MEMBER_FIELDS),
}, _Object(ChatMember, _MEMBER_FIELDS))
_MEMBER_UPDATED = _Object(ChatMemberUpdated, {
    "chat": _CHAT, "from": _USER, "date": _TIME, "old_chat_member": _MEMBER, "new_chat_member": _MEMBER,
    "invite_link": _INVITE_LINK,
})
_REACTION = _OneOf("type", {
    ReactionType.EMOJI: _Object(ReactionTypeEmoji, {"emoji": _STR}),
    ReactionType.CUSTOM_EMOJI: _Object(ReactionTypeCustomEmoji, {"custom_emoji_id": _STR}),
    ReactionType.PAID: _Object(ReactionTypePaid),
}, _Object(ReactionType))
# Any other kind: what PTB itself reads of any update (the Application: the chat's and the user's ids).
_OTHER_KIND = _Object(None, {"chat": _CHAT, "from": _USER, "user": _USER})

_KINDS: dict[str, _Kind] = {
    **{kind: _MESSAGE for kind in ("message", "edited_message", "channel_post", "edited_channel_post",
                                   "business_message", "edited_business_message", "guest_message")},
    "callback_query": _Object(CallbackQuery, {
        "id": _STR, "from": _USER, "chat_instance": _STR, "data": _STR, "inline_message_id": _STR,
        "message": _MESSAGE,
    }),
    "inline_query": _Object(InlineQuery, {
        "id": _STR, "from": _USER, "query": _STR, "offset": _STR, "chat_type": _STR, "location": _LOCATION,
    }),
    "chosen_inline_result": _Object(ChosenInlineResult, {
        "result_id": _STR, "from": _USER, "query": _STR, "inline_message_id": _STR, "location": _LOCATION,
    }),
    "my_chat_member": _MEMBER_UPDATED,
    "chat_member": _MEMBER_UPDATED,
    "chat_join_request": _Object(ChatJoinRequest, {
        "chat": _CHAT, "from": _USER, "date": _TIME, "user_chat_id": _INT, "bio": _STR, "invite_link": _INVITE_LINK,
    }),
    "poll": _POLL,
    "poll_answer": _Object(PollAnswer, {
        "poll_id": _STR, "user": _USER, "voter_chat": _CHAT, "option_ids": _List(_INT),
        "option_persistent_ids": _List(_STR),
    }, required=("option_persistent_ids",)),
    "message_reaction": _Object(MessageReactionUpdated, {
        "chat": _CHAT, "message_id": _INT, "date": _TIME, "user": _USER, "actor_chat": _CHAT,
        "old_reaction": _List(_REACTION), "new_reaction": _List(_REACTION),
    }),
}
_UPDATE = _Object(Update, {
    "update_id": _INT, **{str(kind): _KINDS.get(kind, _OTHER_KIND) for kind in Update.ALL_TYPES},
})
