"""Inline mode, end to end: empty, short, known and unknown queries, and the way back to a private chat."""

from __future__ import annotations

from typing import Any

from conftest import RunningBot
from fake_telegram import DEFAULT_BOT_USERNAME, parse_html

from bot.knowledge import KnowledgeBase
from bot.texts import t


def _sent_text(result: dict[str, Any]) -> str:
    """What the chat shows when the user picks ``result`` (Telegram's parse of its HTML)."""
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML"
    return parse_html(content["message_text"])[0]


async def test_empty_query_offers_the_main_topics(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.inline_query("", user_id=40), "answerInlineQuery")
    assert call.ok and call.params["is_personal"] is True and call.params["cache_time"] <= 60
    results = call.params["results"]
    firsts = [kb.entries_in(tp.id)[0] for tp in kb.topics if kb.entries_in(tp.id)]
    assert [r["title"] for r in results] == [e.en.questions[0] for e in firsts][:10]


async def test_under_three_characters_offers_nothing(tg_bot: RunningBot) -> None:
    for query in ("w", "wh", " к "):
        call = await tg_bot.feed(tg_bot.fake.inline_query(query, user_id=44), "answerInlineQuery")
        assert call.ok and call.params["results"] == [] and "button" not in call.params


async def test_a_result_names_its_question_then_answers_and_quotes(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.inline_query("who signed the treaty", user_id=41), "answerInlineQuery")
    results = call.params["results"]
    assert 1 <= len(results) <= 10 and "button" not in call.params
    best = results[0]
    entry = kb.by_id["signatories"]
    assert best["title"] == entry.en.questions[0]
    assert best["description"] and len(best["description"]) <= 100
    assert "<blockquote" in best["input_message_content"]["message_text"]
    shown = _sent_text(best)
    assert shown.startswith(f"❓ {entry.en.questions[0]}\n\n{entry.en.answer}")
    assert "Source:" in shown and entry.quote() in shown
    for result in results:  # every result, not only the best, says what it answers
        assert _sent_text(result).startswith(f"❓ {result['title']}\n\n")
    [[button]] = best["reply_markup"]["inline_keyboard"]
    assert button["text"] == t("continue_private", "en")
    assert button["url"] == f"https://t.me/{DEFAULT_BOT_USERNAME}?start=en-signatories"


async def test_russian_query_is_answered_in_russian(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    update = tg_bot.fake.inline_query("кто подписал договор", user_id=42, language_code="en")
    call = await tg_bot.feed(update, "answerInlineQuery")
    best = call.params["results"][0]
    assert best["title"] == kb.by_id["signatories"].ru.questions[0]
    assert _sent_text(best).startswith(f"❓ {kb.by_id['signatories'].ru.questions[0]}")
    assert "Источник (оригинал на английском):" in _sent_text(best)
    assert best["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=ru-signatories")


async def test_a_miss_offers_the_nearest_entries_not_a_bare_decline(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    for query, near in (("When will parliament ratify it?", "ratification"), ("what is the weather in Paris", None)):
        call = await tg_bot.feed(tg_bot.fake.inline_query(query, user_id=43), "answerInlineQuery")
        results = call.params["results"]
        assert results and all(kb.by_id[r["id"].split(":")[0]].kind == "fact" for r in results)
        assert all(_sent_text(r).startswith(f"❓ {r['title']}") for r in results)
        header = call.params["button"]
        assert header["text"] == t("inline_miss_button", "en") and header["start_parameter"]
        if near is not None:
            assert near in [r["id"].split(":")[0] for r in results]


async def test_start_with_a_continue_link_answers_that_entry(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    entry = kb.by_id["venue"]
    call = await tg_bot.feed(tg_bot.fake.private_message("/start ru-venue", user_id=45))
    assert call.result["text"].startswith(entry.ru.answer)
    # the answer is the conversation's context: a follow-up reads on from it
    follow = await tg_bot.feed(tg_bot.fake.private_message("а когда?", user_id=45))
    assert follow.result["text"].startswith(kb.by_id["signing_date"].ru.answer)
    # a stale or foreign payload is a plain /start
    plain = await tg_bot.feed(tg_bot.fake.private_message("/start en-no_such_entry", user_id=46))
    assert plain.result["text"].startswith(t("start", "en", title=kb.article.title("en")).split("“")[0])
