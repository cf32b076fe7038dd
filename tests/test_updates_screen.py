"""The getUpdates screen (bot/telegram/updates.py): checks on the JSON, each sound update parsed once (by
PTB), and an update the checks pass but PTB cannot parse skipped when its batch comes again."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import RunningBot
from fake_telegram import Call, FakeTelegram
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.telegram import updates
from bot.telegram.request import TimeoutArg
from bot.telegram.updates import SkipUnparsableUpdates, _fault, parse_update

JSONDict = dict[str, Any]
URL = "https://api.telegram.org/bot1:x/getUpdates"
SECRET = "the 7781st question"  # content that must never reach a log line


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()  # its update builders only: no server


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The update ids given to ``Update.de_json``, in order (PTB's batch parse calls it for each)."""
    ids: list[int] = []
    de_json = Update.de_json

    def counting(data: JSONDict, bot: Any = None) -> Update:
        ids.append(data["update_id"])
        return de_json(data, bot)

    monkeypatch.setattr(Update, "de_json", counting)
    return ids


def unparsable(fake: FakeTelegram, user_id: int) -> JSONDict:
    """A message the JSON checks pass (they do not look into ``game``) that PTB cannot parse."""
    update = fake.private_message(SECRET, user_id=user_id)
    update["message"]["game"] = "not an object"  # PTB: Game.de_json("...") -> AttributeError
    return update


# --- the checks, on the JSON ---------------------------------------------------------------------------


def test_sound_updates_of_every_kind_pass_and_are_parsed_once(fake: FakeTelegram, parsed: list[int]) -> None:
    user = fake.user(7)
    now = int(time.time())
    member = fake.my_chat_member(-100777, "left", "administrator", user_id=7)
    updates = [
        fake.private_message("who signed? /start @TreatyBot", user_id=7),
        fake.group_message("@TreatyBot hi", chat_id=-100777, reply_to=fake.private_message("x", user_id=8)),
        fake.edited_message(fake.private_message("a", user_id=7), "b"),
        fake.photo_message(caption="/ask who", user_id=7),
        fake.sticker_message(user_id=7),
        fake.callback_query("a:en:x", fake.private_message("q", user_id=7), user_id=7),
        fake.callback_query("a:en:x", None, user_id=7, inline_message_id="AA1"),
        fake.inline_query("who", user_id=7),
        {"chosen_inline_result": {"result_id": "r", "from": user, "query": "q"}},
        member,
        {"chat_member": member["my_chat_member"]},
        {"message_reaction": {"chat": fake.group_chat(), "message_id": 1, "date": now, "user": user,
                              "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}},
        {"chat_join_request": {"chat": fake.group_chat(), "from": user, "user_chat_id": 7, "date": now}},
        {"callback_query": {"id": "1", "from": user, "chat_instance": "1",  # a message too old to show: date 0
                            "message": {"message_id": 3, "date": 0, "chat": fake.private_chat(user)}}},
        {"future_update_kind": {"anything": [1, 2]}},  # PTB keeps what it does not know aside
    ]
    for update_id, update in enumerate(updates, 1):
        update["update_id"] = update_id
        assert _fault(update) is None, update
        assert parse_update(update, None) is not None  # type: ignore[arg-type]  # the webhook's way
    assert parsed == list(range(1, len(updates) + 1))  # once each


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda m: m.update(date="yesterday"), "message.date is not of type unix time"),
        (lambda m: m.update(date=2**70), "message.date is not of type unix time"),
        (lambda m: m.update(text=2009), "message.text is not of type str"),
        (lambda m: m.pop("chat"), "message.chat is missing"),
        (lambda m: m["chat"].update(id={"id": 1}), "message.chat.id is not of type int"),
        (lambda m: m["from"].update(is_bot="no"), "message.from.is_bot is not of type bool"),
        (lambda m: m.update(entities="@TreatyBot"), "message.entities is not a list"),
        (lambda m: m.update(entities=[{"type": "mention", "offset": 0}]), "message.entities[].length is missing"),
        (lambda m: m.update(photo=[{"file_id": "a"}]), "message.photo[].file_unique_id is missing"),
        (lambda m: m.update(sticker="👍"), "message.sticker is not an object"),
        (lambda m: m.update(reply_to_message={"message_id": 1, "chat": m["chat"]}),
         "message.reply_to_message.date is missing"),
        (lambda m: m.update(forward_origin={"type": "user", "date": 1}),
         "message.forward_origin.sender_user is missing"),
    ],
)
def test_a_fault_is_named_by_its_path_never_its_content(
    fake: FakeTelegram, change: Any, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    update = fake.private_message(SECRET, user_id=9)
    update["update_id"] = 90
    change(update["message"])
    assert _fault(update) == fault
    assert parse_update(update, None) is None  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == [f"skipped update 90: malformed ({fault})"]
    assert caplog.records[0].levelno == logging.WARNING and SECRET not in caplog.text


def test_what_ptb_and_the_handlers_need_of_other_kinds(fake: FakeTelegram) -> None:
    member = {**fake.my_chat_member(-100777, "left", "restricted", user_id=7), "update_id": 1}
    del member["my_chat_member"]["new_chat_member"]["can_send_polls"]  # PTB's ChatMemberRestricted requires it
    assert _fault(member) == "my_chat_member.new_chat_member.can_send_polls is missing"
    member["my_chat_member"]["new_chat_member"] = {"status": {"x": 1}, "user": fake.user(1)}
    assert _fault(member) == "my_chat_member.new_chat_member.status is not of type str"
    poll_answer = {"update_id": 2, "poll_answer": {"poll_id": "1", "user": fake.user(7), "option_ids": [0]}}
    assert _fault(poll_answer) == "poll_answer.option_persistent_ids is missing"  # required since Bot API 9.6
    boost = {"update_id": 3, "chat_boost": {"chat": {"id": "-100", "type": "channel"}}}  # a kind without a table
    assert _fault(boost) == "chat_boost.chat.id is not of type int"
    assert _fault({"update_id": "1"}) == "update_id is not of type int"
    assert _fault({"update_id": 1, "message": "text"}) == "message is not an object"
    assert _fault([1]) == "not an object"


# --- the screen, on getUpdates answers -----------------------------------------------------------------


class Answers(BaseRequest):
    """A getUpdates transport answering ``batches`` in turn."""

    def __init__(self, *batches: list[JSONDict]) -> None:
        self.batches = list(batches)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

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
        return 200, json.dumps({"ok": True, "result": self.batches.pop(0)}).encode()


async def answer(screen: SkipUnparsableUpdates) -> list[JSONDict]:
    """The next getUpdates result, as PTB receives it."""
    _status, payload = await screen.do_request(URL, "POST")
    result = screen.parse_json_payload(payload)["result"]
    assert isinstance(result, list)
    return result


async def test_each_sound_update_is_parsed_once_by_ptb_and_one_ptb_cannot_parse_when_it_comes_again(
    fake: FakeTelegram, parsed: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = [{**fake.private_message("who signed?", user_id=10 + n), "update_id": 100 + n} for n in range(3)]
    bad = {**unparsable(fake, 20), "update_id": 103}
    later = {**fake.private_message("and where?", user_id=21), "update_id": 104}
    screen = SkipUnparsableUpdates(Answers([*good, bad], [*good, bad, later], [good[2], bad, later]))

    first = await answer(screen)  # checked on the JSON only: nothing parsed here
    assert first == [*good, bad] and parsed == []
    with pytest.raises(AttributeError):
        Update.de_list(first, None)  # PTB's parse of the batch fails: the batch is not confirmed
    parsed.clear()

    second = await answer(screen)  # the same updates again: each parsed on its own, the bad one skipped
    assert second == [*good, {"update_id": 103}, later]
    assert parsed == [100, 101, 102, 103]  # the new one (104) is not: it was not delivered before
    parsed.clear()
    assert [u.update_id for u in Update.de_list(second, None)] == [100, 101, 102, 103, 104]
    parsed.clear()

    # Again from 102 (the intake holds it): 102 is known to pass, 104 comes again (parsed on its own, once),
    # and 103 is skipped again, before PTB fails on it.
    third = await answer(screen)
    assert third == [good[2], {"update_id": 103}, later] and parsed == [103, 104]
    skipped = [r.getMessage() for r in caplog.records if "skipped update" in r.getMessage()]
    assert skipped == ["skipped update 103: malformed (PTB cannot parse it: AttributeError)"] * 2
    assert {r.levelno for r in caplog.records if r.name == "bot.telegram.updates"} == {logging.WARNING}
    assert SECRET not in caplog.text


async def test_the_screen_remembers_a_bounded_number_of_updates(fake: FakeTelegram, parsed: list[int]) -> None:
    batches = [[{**fake.private_message("x", user_id=1), "update_id": n} for n in range(start, start + 100)]
               for start in range(0, updates.REMEMBERED + 200, 100)]
    screen = SkipUnparsableUpdates(Answers(*batches))
    for _ in batches:
        await answer(screen)
    assert parsed == [] and len(screen._delivered) == updates.REMEMBERED


# --- through the real Application ------------------------------------------------------------------------


async def test_an_update_ptb_cannot_parse_costs_one_round_and_polling_goes_on(
    tg_bot: RunningBot, parsed: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    fake = tg_bot.fake
    polls = len(fake.calls_to("getUpdates"))
    first = fake.add_update(fake.private_message("Who signed the treaty?", user_id=400))
    bad = fake.add_update(unparsable(fake, 401))
    last = fake.add_update(fake.private_message("Who signed the treaty?", user_id=402))
    for user_id in (400, 402):  # the batch's other updates are answered
        await fake.wait_for("sendMessage", to_chat(user_id), 10)
    assert not fake.sent_messages(401)
    assert len(fake.calls_to("getUpdates")) - polls <= 3  # one failed round, one screened, maybe one to confirm
    skipped = [r for r in caplog.records if "skipped update" in r.getMessage()]
    assert [(r.levelno, r.getMessage()) for r in skipped] == [
        (logging.WARNING, f"skipped update {bad}: malformed (PTB cannot parse it: AttributeError)")
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot")]
    assert SECRET not in caplog.text  # PTB's own critical line prints the batch by its ids (and its traceback)
    # PTB's failed parse of the batch (it stopped at the bad update), the screen's, PTB's again.
    assert (parsed.count(first), parsed.count(bad), parsed.count(last)) == (3, 3, 2)
    assert await confirmed(fake)
    parsed.clear()
    after = fake.add_update(fake.private_message("Who signed the treaty?", user_id=403))  # polling goes on
    await fake.wait_for("sendMessage", to_chat(403), 10)
    assert await confirmed(fake)
    assert parsed == [after]  # a sound update: parsed once, by PTB


def to_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.ok and call.params.get("chat_id") == chat_id


async def confirmed(fake: FakeTelegram, wait: float = 5.0) -> bool:
    """Every update confirmed by a getUpdates offset."""
    deadline = time.monotonic() + wait
    while fake.pending_updates:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True
