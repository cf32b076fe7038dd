"""Private chats, end to end: the real Application over real HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from conftest import RunningBot, TelegramBots
from fake_telegram import Call

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.storage import Storage
from bot.texts import t


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button under a message, row by row."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def in_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda c: c.params.get("chat_id") == chat_id


def stored(bot: RunningBot) -> Storage:
    storage = bot.services.storage
    assert storage is not None and storage.is_open
    return storage


async def rows(storage: Storage, table: str, expected: int) -> int:
    """The row count of ``table`` once it reaches ``expected`` (records are queued after sending)."""
    async with asyncio.timeout(3):
        while True:
            await storage.flush(max_wait=1)
            count = await storage.count(table)
            if count == expected:
                return count
            await asyncio.sleep(0.02)


async def test_english_question_gets_answer_source_and_buttons(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=11))
    entry = kb.by_id["signatories"]
    text = call.result["text"]
    assert text.startswith(entry.en.answer)
    assert "Source:" in text and entry.source[0] in text
    assert any(e["type"] == "blockquote" for e in call.result["entities"])
    assert call.params["parse_mode"] == "HTML" and "reply_parameters" not in call.params
    data = [d for _, d in buttons(call.result)]
    assert data[-2:] == ["f:+:signatories", "f:-:signatories"]
    related = [d for d in data if d.startswith("a:en:")]
    assert 1 <= len(related) <= 3 and all(d.split(":")[2] in entry.related for d in related)
    assert await rows(stored(tg_bot), "exchanges", 1) == 1


async def test_russian_question_gets_russian_answer(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    update = tg_bot.fake.private_message("Кто подписал договор?", user_id=12, language_code="en")
    call = await tg_bot.feed(update)
    entry = kb.by_id["signatories"]
    assert call.result["text"].startswith(entry.ru.answer)
    assert "Источник (оригинал на английском):" in call.result["text"]
    assert any(label == entry.ru.questions[0] or d.startswith("a:ru:") for label, d in buttons(call.result))


async def test_clarify_round_trip_edits_the_question_into_the_answer(
    tg_bot: RunningBot, kb: KnowledgeBase, matcher: Matcher
) -> None:
    question = "treaty"
    expected = matcher.match(question)
    assert expected.status == "clarify"
    call = await tg_bot.feed(tg_bot.fake.private_message(question, user_id=13))
    assert call.result["text"] == t("clarify", "en")
    options = buttons(call.result)
    assert [d for _, d in options] == [f"c:en:{c.entry.id}" for c in expected.candidates]
    label, data = options[0]
    entry = kb.by_id[data.split(":")[2]]
    assert label == entry.en.questions[0]
    press = tg_bot.fake.callback_query(data, call.result, user_id=13)
    edited = await tg_bot.feed(press, "editMessageText")
    assert edited.params["message_id"] == call.result["message_id"]
    assert edited.result["text"].startswith(entry.en.answer)
    await tg_bot.fake.wait_for("answerCallbackQuery", since=len(tg_bot.fake.calls) - 3)


async def test_feedback_is_thanked_recorded_and_the_vote_buttons_go(tg_bot: RunningBot) -> None:
    answer = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=14))
    press = tg_bot.fake.callback_query("f:+:signatories", answer.result, user_id=14)
    thanks = await tg_bot.feed(press, "answerCallbackQuery")
    assert thanks.params["text"] == t("feedback_thanks", "en")
    markup = await tg_bot.fake.wait_for("editMessageReplyMarkup")
    assert markup.params["message_id"] == answer.result["message_id"]
    left = [d for _, d in buttons(markup.result)]
    assert left and not any(d.startswith("f:") for d in left)
    assert await rows(stored(tg_bot), "feedback", 1) == 1
    assert await rows(stored(tg_bot), "clicks", 1) == 1


async def test_start_greets_with_sample_question_buttons(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.private_message("/start", user_id=15))
    assert kb.article.title("en") in call.result["text"]
    samples = buttons(call.result)
    assert len(samples) >= 3 and all(d.startswith("a:en:") for _, d in samples)
    press = tg_bot.fake.callback_query(samples[0][1], call.result, user_id=15)
    answer = await tg_bot.feed(press)  # a sample question is answered as a new message
    assert answer.result["text"].startswith(kb.by_id[samples[0][1].split(":")[2]].en.answer)


async def test_help_about_and_unknown_command(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    help_call = await tg_bot.feed(tg_bot.fake.private_message("/help", user_id=16))
    assert "@TreatyBot" in help_call.result["text"]
    about = await tg_bot.feed(tg_bot.fake.private_message("/about", user_id=16))
    assert kb.article.summary("en")[:40] in about.result["text"]
    other = await tg_bot.feed(tg_bot.fake.private_message("/frobnicate", user_id=16))
    assert other.result["text"] == t("unknown_command", "en")
    usage = await tg_bot.feed(tg_bot.fake.private_message("/ask", user_id=16))
    assert usage.result["text"] == t("ask_usage", "en")
    asked = await tg_bot.feed(tg_bot.fake.private_message("/ask who signed the treaty", user_id=16))
    assert asked.result["text"].startswith(kb.by_id["signatories"].en.answer)


async def test_topics_pages_back_and_forth(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    topics = await tg_bot.feed(tg_bot.fake.private_message("/topics", user_id=17))
    listed = [d for _, d in buttons(topics.result)]
    assert listed == [f"t:en:{tp.id}:0" for tp in kb.topics if kb.entries_in(tp.id)]
    big = max(kb.topics, key=lambda tp: len(kb.entries_in(tp.id)))
    facts = kb.entries_in(big.id)
    assert len(facts) > 5, "the paging test needs a topic with more than one page"
    page1 = await tg_bot.feed(tg_bot.fake.callback_query(f"t:en:{big.id}:0", topics.result, 17), "editMessageText")
    pages = -(-len(facts) // 5)
    assert page1.result["text"] == f"{big.en} (1/{pages})"
    data1 = [d for _, d in buttons(page1.result)]
    assert data1[:5] == [f"a:en:{e.id}" for e in facts[:5]]
    assert f"t:en:{big.id}:1" in data1 and "T:en" in data1
    page2 = await tg_bot.feed(tg_bot.fake.callback_query(f"t:en:{big.id}:1", page1.result, 17), "editMessageText")
    assert page2.result["text"] == f"{big.en} (2/{pages})"
    data2 = [d for _, d in buttons(page2.result)]
    assert data2[0] == f"a:en:{facts[5].id}" and f"t:en:{big.id}:0" in data2
    back = await tg_bot.feed(tg_bot.fake.callback_query("T:en", page2.result, 17), "editMessageText")
    assert [d for _, d in buttons(back.result)] == listed
    stale = await tg_bot.feed(tg_bot.fake.callback_query(f"t:en:{big.id}:99", back.result, 17), "answerCallbackQuery")
    assert stale.params["text"] == t("expired", "en")


async def test_lang_choice_is_remembered_across_restarts(telegram_bots: TelegramBots, kb: KnowledgeBase) -> None:
    bot = await telegram_bots.start()
    prompt = await bot.feed(bot.fake.private_message("/lang", user_id=18))
    assert buttons(prompt.result) == [("✓ Auto", "l:auto"), ("English", "l:en"), ("Русский", "l:ru")]
    chosen = await bot.feed(bot.fake.callback_query("l:ru", prompt.result, 18), "editMessageText")
    assert chosen.result["text"] == t("lang_set", "ru")
    await telegram_bots.stop(bot)

    again = await telegram_bots.start()
    start = await again.feed(again.fake.private_message("/start", user_id=18, language_code="en"))
    assert start.result["text"].startswith("Здравствуйте")
    prompt = await again.feed(again.fake.private_message("/lang", user_id=18))
    assert ("✓ Русский", "l:ru") in buttons(prompt.result)
    # A fixed choice holds for every answer, even to a question written in the other language.
    english = await again.feed(again.fake.private_message("Who signed the treaty?", user_id=18))
    assert english.result["text"].startswith(kb.by_id["signatories"].ru.answer)
    # Auto: each message in its own language again.
    await again.feed(again.fake.callback_query("l:auto", prompt.result, 18), "editMessageText")
    english = await again.feed(again.fake.private_message("Who signed the treaty?", user_id=18))
    assert english.result["text"].startswith(kb.by_id["signatories"].en.answer)
    russian = await again.feed(again.fake.private_message("кто подписал договор?", user_id=18))
    assert russian.result["text"].startswith(kb.by_id["signatories"].ru.answer)


async def test_telegram_language_code_is_the_fallback(tg_bot: RunningBot) -> None:
    call = await tg_bot.feed(tg_bot.fake.private_message("/start", user_id=19, language_code="ru-RU"))
    assert call.result["text"].startswith("Здравствуйте")
    other = await tg_bot.feed(tg_bot.fake.private_message("/start", user_id=20, language_code="de"))
    assert other.result["text"].startswith("Hello")


async def test_unknown_question_declines_with_buttons(tg_bot: RunningBot, matcher: Matcher) -> None:
    question = "how many soldiers will Russia send"
    expected = matcher.match(question)
    assert expected.status == "unknown" and expected.suggestions
    call = await tg_bot.feed(tg_bot.fake.private_message(question, user_id=21))
    assert call.result["text"].startswith(t("decline", "en"))
    assert [d for _, d in buttons(call.result)] == [f"a:en:{e.id}" for e in expected.suggestions[:3]]
    off_topic = await tg_bot.feed(tg_bot.fake.private_message("what is the weather", user_id=21))
    assert all(d.startswith("t:en:") for _, d in buttons(off_topic.result)) and buttons(off_topic.result)


async def test_sticker_and_photo_get_a_one_line_hint(tg_bot: RunningBot) -> None:
    call = await tg_bot.feed(tg_bot.fake.sticker_message(user_id=22))
    assert call.result["text"] == t("non_text", "en")
    photo = await tg_bot.feed(tg_bot.fake.photo_message("who signed?", user_id=22))
    assert photo.result["text"] == t("non_text", "en")


async def test_edited_question_edits_the_earlier_answer(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    update = tg_bot.fake.private_message("Who signed the treaty?", user_id=23)
    answer = await tg_bot.feed(update)
    edited = await tg_bot.feed(tg_bot.fake.edited_message(update, "What did the EU say?"), "editMessageText")
    assert edited.params["message_id"] == answer.result["message_id"]
    assert edited.result["text"].startswith(kb.by_id["eu_position"].en.answer)
    assert len(tg_bot.fake.calls_to("sendMessage")) == 1


async def test_malformed_and_stale_buttons_say_expired(tg_bot: RunningBot) -> None:
    answer = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=24))
    for data in ("zzz", "a:xx:signatories", "a:en:no_such_entry", "f:*:signatories", "t:en:nope:0", ""):
        press = tg_bot.fake.callback_query(data, answer.result, user_id=24)
        call = await tg_bot.feed(press, "answerCallbackQuery")
        assert call.params["text"] == t("expired", "en"), data


async def test_forgetme_deletes_after_confirmation(tg_bot: RunningBot) -> None:
    await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=25))
    prompt = await tg_bot.feed(tg_bot.fake.private_message("/forgetme", user_id=25))
    assert [d for _, d in buttons(prompt.result)] == ["x:forget:en:25", "x:cancel:en:25"]
    await rows(stored(tg_bot), "exchanges", 1)
    done = await tg_bot.feed(tg_bot.fake.callback_query("x:forget:en", prompt.result, 25), "editMessageText")
    assert done.result["text"].startswith("Done: I deleted") and " 0 " not in done.result["text"]
    assert await stored(tg_bot).count("exchanges") == 0


async def test_every_reply_fits_telegram_limits(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    long_question = " ".join(e.en.questions[0] for e in kb.facts())  # many topics at once, very long
    await tg_bot.feed(tg_bot.fake.private_message(long_question[:4000], user_id=26))
    for e in kb.facts()[:12]:
        await tg_bot.feed(tg_bot.fake.private_message(e.ru.questions[0], user_id=26))
    for call in tg_bot.fake.calls_to("sendMessage"):
        assert call.ok, call.response  # the fake validates HTML, 4096 characters and 64-byte callback_data
        assert len(call.params["text"]) <= 4096


async def test_a_large_knowledge_base_is_matched_off_the_event_loop(
    tg_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``OFFLOAD_ENTRIES`` the match runs in a worker thread; the answer is the same."""
    import threading

    from bot.telegram import answering

    monkeypatch.setattr(answering, "OFFLOAD_ENTRIES", 0)
    conversation = tg_bot.services.conversation
    threads: list[str] = []
    real_answer = conversation.answer

    def answer_and_note_thread(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(conversation, "answer", answer_and_note_thread)
    call = await tg_bot.feed(tg_bot.fake.private_message("Who signed the treaty?", user_id=12))
    assert "Putin" in call.result["text"]
    assert threads and threads[0] != threading.main_thread().name
