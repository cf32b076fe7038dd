"""Updates python-telegram-bot cannot parse: skipped (logged by id, never by content), not fatal.

PTB parses a getUpdates answer as a whole. When one update fails (a field of an unexpected type, e.g.
from a Bot API newer than this PTB), ``Bot.get_updates`` raises, the ``Updater`` logs it and asks again
*without confirming the batch*, so the same answer comes back forever and the bot stops answering
anyone. ``SkipUnparsableUpdates`` wraps the getUpdates transport (composition: a ``BaseRequest`` whose
``do_request`` delegates to the real one) and hands PTB each such update as an empty update with the
same id instead, which PTB confirms and the handlers ignore; the rest of the batch goes on.

Parsing an update costs about as much CPU as the Bot API request it came in (0.5 ms for a message), so each
update is parsed once, by PTB, and checked cheaply here:

* every update, always: an object with an integer ``update_id`` whose known kinds (``message``,
  ``callback_query``, ...) are objects: what fails that certainly fails in PTB, and is skipped at once;
* every update parsed in full here too (``Update.de_json``), only when PTB gets no second chance: when it
  asks again for a batch whose parse failed (the bot, ``bot.telegram.intake.IntakeBot``, says so through
  ``check_next_fully``), and for a call without long polling (``timeout`` 0: the ``Updater``'s last call
  when it stops, where a parse error is not caught and would cut the shutdown short).

So a malformed update that passes the cheap check costs one extra getUpdates round and PTB's own
critical log lines (which print the batch through ``repr``: only ids, see ``_Batch``) before it is
skipped. The webhook server (bot/telegram/webhook.py) parses each update itself, once: ``parse_update``.
"""

from __future__ import annotations

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

    __slots__ = ("_answer", "_check_fully", "inner")

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        # The last getUpdates answer's body, and whether to parse its updates here (PTB has no second chance).
        self._answer: tuple[bytes, bool] | None = None
        self._check_fully = False  # PTB could not parse the last batch: parse the next one here first

    def check_next_fully(self) -> None:
        """PTB failed to parse the last batch and will ask for it again: parse that one here first."""
        self._check_fully = True

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
            parameters = request_data.parameters if request_data is not None else {}
            self._answer = (payload, self._check_fully or not parameters.get("timeout"))
            if status == 200:
                self._check_fully = False
        return status, payload

    # PTB declares this a staticmethod, calls it as ``self.parse_json_payload(payload)`` right after
    # ``do_request`` and documents overriding it: here it needs to know which answer it decodes.
    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        """The inner request's JSON decoding (once); a getUpdates result screened (see the module)."""
        data = self.inner.parse_json_payload(payload)
        answer, self._answer = self._answer, None
        if answer is None or answer[0] is not payload:
            return data
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list) and result:
            check_fully = answer[1]
            data["result"] = _Batch(_screened(item, check_fully) for item in result)
        return data


def _screened(item: Any, check_fully: bool) -> JSONDict:
    """``item``, or an empty update with its id when it fails the cheap check (or, if asked, PTB's parse)."""
    if not _well_formed(item):
        return _skipped(item, "not a well-formed update")
    if check_fully:
        try:
            Update.de_json(item, None)
        except Exception as exc:
            return _skipped(item, f"{type(exc).__name__}: {exc}")
    return item


def _well_formed(item: Any) -> bool:
    if not isinstance(item, dict) or type(item.get("update_id")) is not int:
        return False
    return all(isinstance(value, dict) for key, value in item.items() if key in _KINDS)


def _skipped(item: Any, reason: str) -> JSONDict:
    """An empty update with ``item``'s id: PTB confirms it, the handlers ignore it."""
    update_id = item.get("update_id") if isinstance(item, dict) else None
    log.error("skipped update %s: python-telegram-bot cannot parse it (%s)", update_id, reason)
    return {"update_id": update_id if type(update_id) is int else 0}


def parse_update(data: Any, bot: Bot) -> Update | None:
    """``data`` as an Update, or None (logged by id) when PTB cannot parse it."""
    if not _well_formed(data):
        _skipped(data, "not a well-formed update")
        return None
    try:
        return Update.de_json(data, bot)
    except Exception as exc:
        _skipped(data, f"{type(exc).__name__}: {exc}")
        return None
