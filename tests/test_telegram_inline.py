"""Inline mode, end to end: empty, known and unknown queries."""

from __future__ import annotations

from conftest import RunningBot

from bot.knowledge import KnowledgeBase
from bot.texts import t


async def test_empty_query_offers_the_main_topics(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.inline_query("", user_id=40), "answerInlineQuery")
    assert call.ok and call.params["is_personal"] is True and call.params["cache_time"] <= 60
    results = call.params["results"]
    firsts = [kb.entries_in(tp.id)[0] for tp in kb.topics if kb.entries_in(tp.id)]
    assert [r["title"] for r in results] == [e.en.questions[0] for e in firsts][:10]


async def test_known_query_gives_answers_with_source(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.inline_query("who signed the treaty", user_id=41), "answerInlineQuery")
    results = call.params["results"]
    assert 1 <= len(results) <= 10
    best = results[0]
    entry = kb.by_id["signatories"]
    assert best["title"] == entry.en.questions[0]
    assert best["description"] and len(best["description"]) <= 100
    content = best["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<blockquote>" in content["message_text"]
    assert entry.en.answer[:30] in content["message_text"]


async def test_russian_query_is_answered_in_russian(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    update = tg_bot.fake.inline_query("кто подписал договор", user_id=42, language_code="en")
    call = await tg_bot.feed(update, "answerInlineQuery")
    assert call.params["results"][0]["title"] == kb.by_id["signatories"].ru.questions[0]


async def test_unknown_query_says_the_article_does_not_say(tg_bot: RunningBot) -> None:
    update = tg_bot.fake.inline_query("what is the weather in Paris", user_id=43)
    call = await tg_bot.feed(update, "answerInlineQuery")
    results = call.params["results"]
    assert len(results) == 1 and results[0]["title"] == t("inline_unknown_title", "en")
    assert results[0]["input_message_content"]["message_text"] == t("decline", "en")
