"""Admin tools end to end: the real Application over HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import KNOWLEDGE_DIR, RunningBot, TelegramBots
from fake_telegram import Call, FakeTelegram, JSONDict, UploadedFile, _chat_member, text_entities

import bot.telegram.admin.keyboards as keys
from bot import curation
from bot.admin_texts import t
from bot.config import BotConfig, Config
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matching import Matcher
from bot.storage import Storage
from bot.telegram.context import Services

ADMIN, ADMIN2, STRANGER = 501, 502, 999


def buttons(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b.get("callback_data", "") for row in rows for b in row]


def to(chat_id: int) -> Any:
    return lambda c: c.params.get("chat_id", chat_id) == chat_id


def storage_of(bot: RunningBot) -> Storage:
    assert bot.services.storage is not None
    return bot.services.storage


async def start(bots: TelegramBots, **bot_config: Any) -> RunningBot:
    return await bots.start(bots.config(bot=BotConfig(admins=(ADMIN, ADMIN2), **bot_config)))


async def say(bot: RunningBot, text: str, user: int = ADMIN, method: str = "sendMessage") -> Call:
    return await bot.feed(bot.fake.private_message(text, user_id=user), method, to(user))


async def press(bot: RunningBot, data: str, message: JSONDict, user: int = ADMIN, method: str = "sendMessage") -> Call:
    # Only notices carry text (a plain answer of an earlier press may still arrive).
    predicate = (lambda c: "text" in c.params) if method == "answerCallbackQuery" else to(user)
    return await bot.feed(bot.fake.callback_query(data, message, user_id=user), method, predicate)


def document(fake: FakeTelegram, content: bytes, name: str, user: int = ADMIN, caption: str | None = "/import",
             reply_to: JSONDict | None = None, size: int | None = None) -> JSONDict:
    """An update with a document message (the fake has no builder for one)."""
    stored = fake.add_file(content, name, "application/octet-stream")
    sender = fake.user(user)
    doc = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": name,
           "file_size": size if size is not None else len(content)}
    fields: JSONDict = {"document": doc}
    if caption:
        fields["caption"] = caption
        fields["caption_entities"] = text_entities(caption)
    message = fake._message(fake.private_chat(sender), sender, **fields)
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"message": message}


async def test_non_admins_are_refused_and_recorded(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    before = bot.services.kb
    for command in ("/kb", "/kb_add", "/kb_undo", "/export", "/stats", "/kb_reload", "/unanswered"):
        call = await say(bot, command, STRANGER)
        assert call.params["text"] == t("admin_only", "en"), command
    denied = await press(bot, "K:D:venue", (await say(bot, "/kb", STRANGER)).result, STRANGER, "answerCallbackQuery")
    assert denied.params["text"] == t("admin_only", "en") and denied.params["show_alert"] is True
    doc = document(bot.fake, b"[[entry]]\n", "x.toml", STRANGER)
    assert (await bot.feed(doc, "sendMessage", to(STRANGER))).params["text"] == t("admin_only", "en")
    assert bot.services.kb is before and not bot.fake.calls_to("sendDocument")
    rows = await storage_of(bot).audit_log(limit=50)  # one row per user per minute, counting the attempts
    assert [(r.action, r.admin_id, r.count) for r in rows] == [("denied", STRANGER, 10)]
    # In a group, admin commands do nothing at all (private chats only).
    assert await bot.quiet(bot.fake.group_message("/kb", user_id=ADMIN)) == []


async def test_browse_search_and_edit_an_entry_with_buttons(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    listing = await say(bot, "/kb")
    assert listing.result["text"].startswith(f"Knowledge base: {len(bot.services.kb.entries)} entries")
    assert all(d.startswith("K:") and len(d.encode()) <= 64 for d in buttons(listing.result))
    found = await say(bot, "/kb who signed")
    assert "K:o:signatories" in buttons(found.result)
    card = await press(bot, "K:o:signatories", found.result, method="editMessageText")
    assert "Who signed the treaty?" in card.result["text"] and "K:q:en:signatories" in buttons(card.result)
    prompt = await press(bot, "K:q:en:signatories", card.result)
    assert "Send the new en question" in prompt.params["text"]
    done = await say(bot, "who autographed the parchment for Russia")
    assert done.params["text"].startswith("Done: question added")
    assert "who autographed the parchment for Russia" in bot.services.kb.by_id["signatories"].en.questions
    answer = await say(bot, "who autographed the parchment for Russia", 42)
    assert answer.params["text"].startswith(bot.services.kb.by_id["signatories"].en.answer)
    # Remove it again with the ➖ button.
    pick = await press(bot, "K:r:en:signatories", done.result, method="editMessageText")
    remove = f"K:x:en:{curation.question_id('who autographed the parchment for Russia')}:signatories"
    assert remove in buttons(pick.result)
    await press(bot, remove, pick.result)
    assert "who autographed the parchment for Russia" not in bot.services.kb.by_id["signatories"].en.questions
    # Replace the Russian answer: previewed with the regression replay, applied with the button.
    await press(bot, "K:a:ru:signatories", card.result)
    preview = await say(bot, "Подписали Путин и Тибилов.")
    assert "Regression check:" in preview.params["text"]
    token = buttons(preview.result)[0]
    assert token.startswith("K:y:") and bot.services.kb.by_id["signatories"].ru.answer != "Подписали Путин и Тибилов."
    await press(bot, token, preview.result)
    assert bot.services.kb.by_id["signatories"].ru.answer == "Подписали Путин и Тибилов."
    stale = await press(bot, token, preview.result, method="answerCallbackQuery")
    assert stale.params["text"] == t("expired", "en")
    # Delete (confirmed, soft) and restore.
    confirm = await press(bot, "K:d:venue", card.result, method="editMessageText")
    deleted = await press(bot, buttons(confirm.result)[0], confirm.result)
    assert "venue" not in bot.services.kb.by_id and "K:R:venue" in buttons(deleted.result)
    await press(bot, "K:R:venue", deleted.result)
    assert "venue" in bot.services.kb.by_id
    # A change that breaks validation is refused and changes nothing.
    short = await press(bot, "K:r:ru:greeting", card.result, method="editMessageText")
    for data in buttons(short.result)[:-1]:
        reply = await press(bot, data, short.result)
        if reply.params["text"].startswith("Nothing was changed"):
            assert "ru.questions" in reply.params["text"]
            break
    actions = [r.action for r in await storage_of(bot).audit_log(limit=50)]
    assert {"add_question", "remove_question", "replace_answer", "delete", "restore"} <= set(actions)


async def test_kb_add_conversation_adds_an_entry(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    sentence = bot.services.kb.by_id["venue"].source[0]
    assert (await say(bot, "/kb_add")).params["text"].startswith("New entry.")
    assert (await say(bot, "/cancel")).params["text"] == t("admin_cancelled", "en")
    await say(bot, "/kb_add")
    assert (await say(bot, "only one\nquestion")).params["text"] == t("add_too_few", "en")
    await say(bot, "Where were the talks held?\nvenue of the talks\nwhich city hosted the talks")
    await say(bot, "The talks were held in Moscow.")
    await say(bot, "Где прошли переговоры?\nместо переговоров\nв каком городе переговоры")
    topics = await say(bot, "Переговоры прошли в Москве.")
    bad = await say(bot, "This sentence is not in the article.")
    assert bad.params["text"].startswith("This is not in the article")
    topics = await say(bot, sentence)
    assert "K:t:signing" in buttons(topics.result)
    summary = await press(bot, "K:t:signing", topics.result)
    assert "where_were_the_talks_held" in summary.params["text"] and buttons(summary.result)[0] == "K:c:y"
    await press(bot, "K:c:y", summary.result)
    entry = bot.services.kb.by_id["where_were_the_talks_held"]
    assert entry.source == (sentence,) and entry.ru.answer == "Переговоры прошли в Москве."
    assert entry.file == "entries/signing.toml"


async def test_undo_history_and_edits_survive_a_restart(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    card = await say(bot, "/kb signatories")
    await press(bot, "K:q:en:signatories", card.result)
    await say(bot, "who autographed the parchment")
    history = await say(bot, "/kb_history signatories")
    assert "add_question · signatories: en.questions" in history.params["text"]
    await telegram_bots.stop(bot)

    again = await start(telegram_bots)
    assert "who autographed the parchment" in again.services.kb.by_id["signatories"].en.questions
    undone = await say(again, "/kb_undo", ADMIN2)
    assert undone.params["text"] == "Undone: add_question (signatories)."
    assert (await say(again, "/kb_undo")).params["text"] == t("undo_nothing", "en")
    await telegram_bots.stop(again)

    third = await start(telegram_bots)
    assert third.services.kb.by_id["signatories"] == telegram_bots.kb.by_id["signatories"]
    assert "undo" in (await say(third, "/kb_history")).params["text"]


async def test_two_admins_editing_one_entry_both_land_and_are_audited(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    cards = [await say(bot, "/kb signatories", user) for user in (ADMIN, ADMIN2)]
    for user, card in zip((ADMIN, ADMIN2), cards, strict=True):
        await press(bot, "K:q:en:signatories", card.result, user)
    since = len(bot.fake.calls)
    for user, text in ((ADMIN, "first admin's question"), (ADMIN2, "second admin's question")):
        bot.fake.add_update(bot.fake.private_message(text, user_id=user))
    for user in (ADMIN, ADMIN2):
        await bot.fake.wait_for("sendMessage", to(user), since=since)
    questions = bot.services.kb.by_id["signatories"].en.questions
    assert "first admin's question" in questions and "second admin's question" in questions
    # Both replace the same answer: the one applied last wins, both are audited.
    previews = []
    for user, card, text in ((ADMIN, cards[0], "Answer from the first admin."),
                             (ADMIN2, cards[1], "Answer from the second admin.")):
        await press(bot, "K:a:en:signatories", card.result, user)
        previews.append(await say(bot, text, user))
    await press(bot, buttons(previews[1].result)[0], previews[1].result, ADMIN2)
    await press(bot, buttons(previews[0].result)[0], previews[0].result, ADMIN)
    assert bot.services.kb.by_id["signatories"].en.answer == "Answer from the first admin."
    rows = await storage_of(bot).audit_log("signatories", limit=10)
    assert [(r.action, r.admin_id) for r in rows][:2] == [("replace_answer", ADMIN), ("replace_answer", ADMIN2)]
    assert len([r for r in rows if r.action == "add_question"]) == 2


async def test_unanswered_groups_and_one_tap_actions(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    pen, hands = "What colour was the pen Putin signed the treaty with?", "did the presidents shake hands"
    for text in [pen] * 3 + [hands] * 2:
        await say(bot, text, 42)
    storage = storage_of(bot)
    async with asyncio.timeout(3):
        while await storage.count("exchanges") < 5:
            await storage.flush(max_wait=1)
    listing = await say(bot, "/unanswered")
    text = listing.result["text"]
    assert f"{pen} ×3" in text and f"{hands} ×2" in text and "signatories" in text
    [group] = buttons(listing.result)  # both near one entry: one group, named by its entry
    token = group.split(":")[2]
    assert group == f"K:ug:{token}:0:signatories"
    opened = await press(bot, group, listing.result, method="editMessageText")
    pen_id = curation.question_id(curation.question_key(pen))
    hands_id = curation.question_id(curation.question_key(hands))
    assert buttons(opened.result)[:2] == [f"K:uq:{token}:{pen_id}", f"K:uq:{token}:{hands_id}"]
    labels = [b["text"] for row in opened.result["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0].startswith("“What colour was the pen") and labels[0].endswith("×3")
    card = await press(bot, f"K:uq:{token}:{pen_id}", opened.result, method="editMessageText")
    assert buttons(card.result)[0] == f"K:U:{token}:{pen_id}:signatories"
    assert all("What colour was" in b["text"] for row in card.result["reply_markup"]["inline_keyboard"][:4]
               for b in row)
    await press(bot, f"K:U:{token}:{pen_id}:signatories", card.result)
    assert pen in bot.services.kb.by_id["signatories"].en.questions
    hands_card = await press(bot, f"K:uq:{token}:{hands_id}", opened.result, method="editMessageText")
    new = await press(bot, f"K:N:{token}:{hands_id}", hands_card.result)
    assert hands in new.params["text"]
    await say(bot, "/cancel")
    await press(bot, f"K:ui:{token}:{hands_id}", hands_card.result)
    again = await say(bot, "/unanswered")
    assert again.params["text"] == t("unanswered_none", "en")  # one answered now, the other ignored


async def test_export_and_import_round_trip_and_malformed_files(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    exported = await say(bot, "/export", method="sendDocument")
    upload = exported.params["document"]
    assert isinstance(upload, UploadedFile) and upload.filename == "treaty-bot-entries.toml"
    data = tomllib.loads(upload.content.decode())
    assert data["entry"] == [e.to_dict() for e in bot.services.kb.entries]
    same = await bot.feed(document(bot.fake, upload.content, "same.toml"), "sendMessage", to(ADMIN))
    assert "changes nothing" in same.params["text"]
    edited = upload.content.decode().replace(bot.services.kb.by_id["venue"].en.answer, "In Moscow, at the Kremlin.")
    preview = await bot.feed(document(bot.fake, edited.encode(), "edit.toml"), "sendMessage", to(ADMIN))
    assert "0 new and 1 changed" in preview.params["text"] and "~ venue" in preview.params["text"]
    old_answer = bot.services.kb.by_id["venue"].en.answer
    assert f"en.answer: “{old_answer}” → “In Moscow, at the Kremlin.”" in preview.result["text"]
    assert "Regression check:" in preview.params["text"]
    await press(bot, buttons(preview.result)[0], preview.result)
    assert bot.services.kb.by_id["venue"].en.answer == "In Moscow, at the Kremlin."
    # As a reply to the /import prompt.
    prompt = await say(bot, "/import")
    doc = document(bot.fake, upload.content, "back.toml", caption=None, reply_to=prompt.result)
    back = await bot.feed(doc, "sendMessage", to(ADMIN))
    cancelled = await press(bot, buttons(back.result)[1], back.result, method="editMessageText")
    assert cancelled.params["text"] == t("admin_cancelled", "en")
    live = bot.services.kb
    entry = curation.dump_entries([live.by_id["venue"]])
    bad = {
        "bad.toml": (b"[[entry]\nid=", "not valid TOML"),
        "schema.toml": (b'[[entry]]\nid = "venue"\ncolour = 1\n', "unknown field"),
        "dupes.toml": ((entry + "\n" + entry).encode(), "duplicate id"),
        "chart.png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "UTF-8"),
    }
    for name, (content, problem) in bad.items():
        reply = await bot.feed(document(bot.fake, content, name), "sendMessage", to(ADMIN))
        assert reply.params["text"].startswith("Nothing was changed") and problem in reply.params["text"], name
    since = len(bot.fake.calls_to("getFile"))
    big = document(bot.fake, b"#", "big.toml", size=curation.MAX_IMPORT_BYTES + 1)
    assert "limit is 256 KiB" in (await bot.feed(big, "sendMessage", to(ADMIN))).params["text"]
    assert len(bot.fake.calls_to("getFile")) == since  # never downloaded
    assert bot.services.kb is live


async def test_stats_summary_text(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    await say(bot, "who signed the treaty?", 42)
    await storage_of(bot).flush(max_wait=2)
    stats = await say(bot, "/stats")
    assert stats.params["text"].startswith("Last 30 days: 1 questions. Answered 1 (100%)")


async def test_stats_chart_is_a_png(telegram_bots: TelegramBots) -> None:
    pytest.importorskip("matplotlib")
    bot = await start(telegram_bots)
    await say(bot, "who signed the treaty?", 42)
    await say(bot, "what is the weather", 42)
    await storage_of(bot).flush(max_wait=2)
    photo = await say(bot, "/stats", method="sendPhoto")
    assert photo.params["photo"].content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "caption" not in photo.params  # no 👎 yet, and the title is in the picture


async def test_stats_chart_caption_lists_the_most_disliked_answers(telegram_bots: TelegramBots) -> None:
    pytest.importorskip("matplotlib")
    from bot.storage import Feedback

    bot = await start(telegram_bots)
    await say(bot, "who signed the treaty?", 42)
    for update_id, entry_id in ((9001, "venue"), (9002, "venue"), (9003, "signatories")):
        storage_of(bot).record_feedback(Feedback(value=-1, update_id=update_id, user_id=update_id, entry_id=entry_id))
    await storage_of(bot).flush(max_wait=2)
    photo = await say(bot, "/stats", method="sendPhoto")
    kb = bot.services.kb
    assert photo.params["caption"].splitlines() == [f"👎 2 · {kb.by_id['venue'].title('en')}",
                                                    f"👎 1 · {kb.by_id['signatories'].title('en')}"]


async def test_reload_of_a_broken_file_keeps_the_kb_and_sighup_reloads(
    telegram_bots: TelegramBots, tmp_path: Path
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    telegram_bots.kb = load_knowledge(knowledge)
    telegram_bots.matcher = Matcher(telegram_bots.kb)
    bot = await start(telegram_bots)
    live = bot.services.kb
    signing = knowledge / "entries" / "signing.toml"
    good = signing.read_text(encoding="utf-8")
    signing.write_text(good + "\n[[entry]\n", encoding="utf-8")
    failed = await say(bot, "/kb_reload")
    assert "previous knowledge base stays live" in failed.params["text"] and "signing.toml" in failed.params["text"]
    assert bot.services.kb is live
    if hasattr(signal, "SIGHUP"):
        since = len(bot.fake.calls)
        os.kill(os.getpid(), signal.SIGHUP)
        notice = await bot.fake.wait_for("sendMessage", to(ADMIN), since=since)
        assert "previous knowledge base stays live" in notice.params["text"]
        assert bot.services.kb is live
    signing.write_text(good.replace(live.by_id["venue"].en.answer, "Moscow, after talks."), encoding="utf-8")
    done = await say(bot, "/kb_reload")
    count = len(telegram_bots.kb.entries)
    assert done.params["text"] == f"Reloaded: {count} entries; 0 stored edits no longer apply."
    assert bot.services.kb.by_id["venue"].en.answer == "Moscow, after talks."


async def test_administrators_of_the_admin_chat_are_admins(telegram_bots: TelegramBots) -> None:
    fake = telegram_bots.fake

    async def get_chat_administrators(params: JSONDict) -> Any:
        return [_chat_member(fake.user(77), "administrator"), _chat_member(fake.user(78), "creator")]

    fake._methods["getchatadministrators"] = ("getChatAdministrators", get_chat_administrators)
    bot = await start(telegram_bots, admin_chat_id=-100500)
    assert (await say(bot, "/kb", 77)).params["text"].startswith("Knowledge base:")
    assert (await say(bot, "/kb", 78)).params["text"].startswith("Knowledge base:")
    assert (await say(bot, "/kb", 79)).params["text"] == t("admin_only", "en")
    assert len(fake.calls_to("getChatAdministrators")) == 1  # cached


def test_admin_button_actions_round_trip_and_malformed_data_is_none() -> None:
    qid = "0a1b2c3d"
    actions: list[keys.Action] = [
        keys.ListEntries(2), keys.OpenEntry("venue"), keys.PromptText("question", "en", "venue"),
        keys.PromptText("answer", "ru", "venue"), keys.PickRemoval("ru", "venue"),
        keys.RemoveQuestion("en", "0a1b2c3d", "venue"), keys.AskDelete("venue"), keys.Delete("venue"),
        keys.Restore("venue"), keys.Decide("tok_-1", True),
        keys.Decide("tok_-1", False), keys.UnansweredPage("tok", 3), keys.OpenGroup("tok", "venue", 2),
        keys.OpenGroup("tok", "-"), keys.OnQuestion("open", "tok", qid), keys.OnQuestion("ignore", "tok", qid),
        keys.SearchEntry("tok", qid), keys.NewFromQuestion("tok", qid), keys.ChooseEntry("tok", qid, 9),
        keys.AddToEntry("tok", qid, "venue"), keys.PromptSource("venue"), keys.PickTopic("venue"),
        keys.MoveTopic(keys.topic_key("signing"), "venue"), keys.ChooseTopic("signing"),
        keys.ConfirmNew(True), keys.ConfirmNew(False),
    ]
    for action in actions:
        data = keys.encode(action)
        assert data.startswith("K:") and len(data.encode()) <= 64 and keys.parse(data) == action, data
    # The wire format the buttons carry (and the tests above press); a remove button names its question.
    assert keys.encode(keys.RemoveQuestion("en", "0a1b2c3d", "venue")) == "K:x:en:0a1b2c3d:venue"
    assert keys.encode(keys.OnQuestion("ignore", "tok", "0a1b2c3d")) == "K:ui:tok:0a1b2c3d"
    # The longest: a 40-character entry id with a question's identity and a listing's token still fits.
    for longest in (keys.AddToEntry("A" * 8, "0a1b2c3d", "e" * 40), keys.MoveTopic(keys.topic_key("t" * 40), "e" * 40),
                    keys.OpenGroup("A" * 8, "e" * 40, 999)):
        assert len(keys.encode(longest).encode()) <= 64
    for bad in ("", "x:o:venue", "K:", "K:o:", "K:l:x", "K:l:²", "K:q:de:venue", "K:x:en:one:venue", "K:x:en:3:venue",
                "K:u:tok:1:a", "K:ui:tok:1", "K:U:tok:1:venue", "K:c:maybe", "K:o:venue:extra", "K:N:tok",
                "K:ug:tok:x:venue", "K:uc:tok:0a1b2c3d:x", "K:?:venue", "K:o:" + "a" * 70):
        assert keys.parse(bad) is None, bad
    with pytest.raises(ValueError):
        keys.encode(keys.OpenEntry("a" * 70))


async def test_services_answer_from_the_curation_stores_knowledge_base(kb: KnowledgeBase, matcher: Matcher) -> None:
    services = Services(Config(), kb, matcher)
    assert services.kb is services.curation.kb is kb and services.matcher is matcher
    await services.curation.change(lambda cur: [curation.delete_entry(cur, "venue")], ADMIN, "delete")
    assert "venue" not in services.kb.by_id and services.kb is services.curation.kb
    assert services.matcher.kb is services.kb and services.conversation.matcher is services.matcher
    services.replace_knowledge(kb)  # the old way in still works, through the store
    assert services.curation.kb is kb and services.matcher.kb is kb
