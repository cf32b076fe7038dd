"""The admin console of issue 13 over the fake Bot API server: /unanswered for an admin with a hundred questions
(pages, identities, every entry reachable, a search), /kb_history with names and entries, the /import diff,
what /kb_add would take over, the source and topic buttons, the replay on a fresh install, /cancel."""

from __future__ import annotations

from typing import Any

from conftest import RunningBot, TelegramBots
from test_telegram_admin import ADMIN, buttons, document, press, say, start, storage_of, to

import bot.telegram.admin.keyboards as keys
from bot import curation
from bot.admin_texts import t
from bot.storage import Exchange


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def unanswered(bot: RunningBot, questions: list[tuple[str, int]]) -> None:
    """Record ``questions`` (text, times asked) as unanswered exchanges of some user."""
    storage = storage_of(bot)
    for n, (question, times) in enumerate(questions):
        for k in range(times):
            storage.record_exchange(Exchange(channel="private", status="unknown", question=question, lang="en",
                                             chat_id=42, user_id=42, update_id=900_000 + 100 * n + k))
    await storage.flush(max_wait=3)


def hundred(bot: RunningBot) -> list[tuple[str, int]]:
    """About a hundred unanswered exchanges, each question near a different entry."""
    return [(f"{e.en.questions[0].rstrip('?')} in 1850?", 2) for e in bot.services.kb.facts()]


async def test_a_hundred_unanswered_questions_page_by_page_every_entry_reachable(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    await unanswered(bot, [*hundred(bot), ("what did NATO say?", 3)])
    listing = await say(bot, "/unanswered")
    data = buttons(listing.result)
    assert all(len(d.encode()) <= 64 for d in data)
    token = data[0].split(":")[2]
    # Page by page (8 groups each), every group is reachable, and each button names its entry.
    seen: list[str] = []
    page = listing.result
    while True:
        groups = [d for d in buttons(page) if d.startswith(f"K:ug:{token}:")]
        assert len(groups) <= 8 and all(label.startswith("📂 ") for label in labels(page)[: len(groups)])
        seen += [d.rsplit(":", 1)[1] for d in groups]
        forward = [d for d in buttons(page) if d.startswith(f"K:ul:{token}:")][-1:]
        if not forward or int(forward[0].rsplit(":", 1)[1]) * 8 < len(seen):
            break
        page = (await press(bot, forward[0], page, method="editMessageText")).result
    rows = [(q, "en") for q, _n in hundred(bot)]
    near = {g.key for g in curation.group_unanswered(rows, bot.services.matcher).groups}
    assert len(seen) == len(set(seen)) > 8 and near <= set(seen)
    # The gap decline is listed apart, on the last page, under its own heading.
    assert "Declined on purpose" in page["text"] and seen[-1].startswith("gap_")
    # A question's "another entry" picker pages through every live entry.
    group = await press(bot, f"K:ug:{token}:0:{seen[0]}", page, method="editMessageText")
    question = buttons(group.result)[0]
    qid = question.rsplit(":", 1)[1]
    card = await press(bot, question, group.result, method="editMessageText")
    picker = await press(bot, f"K:uc:{token}:{qid}:0", card.result, method="editMessageText")
    offered: list[str] = []
    while True:
        offered += [d.rsplit(":", 1)[1] for d in buttons(picker.result) if d.startswith(f"K:U:{token}:{qid}:")]
        more = [d for d in buttons(picker.result) if d.startswith(f"K:uc:{token}:{qid}:")]
        nxt = [d for d in more if int(d.rsplit(":", 1)[1]) * 8 >= len(offered)]
        if not nxt:
            break
        picker = await press(bot, nxt[0], picker.result, method="editMessageText")
    wanted = {e.id for e in bot.services.kb.entries if e.kind != "smalltalk"}
    assert set(offered) == wanted and len(offered) == len(wanted)
    # Add it to the very last one offered.
    last = offered[-1]
    await press(bot, f"K:U:{token}:{qid}:{last}", picker.result)
    assert any("in 1850" in q for q in bot.services.kb.by_id[last].en.questions)


async def test_search_an_entry_for_an_unanswered_question(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    await unanswered(bot, [("did the presidents shake hands", 2)])
    listing = await say(bot, "/unanswered")
    token = buttons(listing.result)[0].split(":")[2]
    qid = curation.question_id(curation.question_key("did the presidents shake hands"))
    prompt = await press(bot, f"K:us:{token}:{qid}", listing.result)
    assert "did the presidents shake hands" in prompt.params["text"]
    found = await say(bot, "venue")
    assert f"K:U:{token}:{qid}:venue" in buttons(found.result)
    await press(bot, f"K:U:{token}:{qid}:venue", found.result)
    assert "did the presidents shake hands" in bot.services.kb.by_id["venue"].en.questions
    # A stale listing (unknown token) is "expired", never another question.
    stale = await press(bot, f"K:uq:nosuchtk:{qid}", listing.result, method="answerCallbackQuery")
    assert stale.params["text"] == t("expired", "en")


async def test_history_names_the_admin_and_the_entries_of_an_import(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    exported = await say(bot, "/export", method="sendDocument")
    kb = bot.services.kb
    edited = exported.params["document"].content.decode()
    for entry_id, text in (("venue", "In Moscow, at the Kremlin."), ("term", "For 25 years.")):
        edited = edited.replace(kb.by_id[entry_id].en.answer, text)
    preview = await bot.feed(document(bot.fake, edited.encode(), "two.toml"), "sendMessage", to(ADMIN))
    assert "→ “For 25 years.”" in preview.result["text"] and "→ “In Moscow, at the Kremlin.”" in preview.result["text"]
    await press(bot, buttons(preview.result)[0], preview.result)
    history = (await say(bot, "/kb_history")).result["text"]
    assert "Test (@user501) (501) · import · " in history
    line = next(line for line in history.splitlines() if "· import ·" in line)
    assert "venue: en.answer" in line and "term: en.answer" in line
    assert "admin_name" not in history


async def test_a_bad_upload_is_reported_under_its_own_name(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    entry = bot.services.kb.by_id["ratification"]
    bad = curation.dump_entries([entry]).replace(f'topic = "{entry.topic}"', 'topic = "no_such_topic"')
    reply = await bot.feed(document(bot.fake, bad.encode(), "bad2.toml"), "sendMessage", to(ADMIN))
    assert reply.params["text"].startswith("Nothing was changed") and "bad2.toml" in reply.params["text"]
    assert "entries/" not in reply.params["text"]


async def test_kb_add_shows_the_questions_it_would_take_over(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    hall = "In which hall of the Kremlin were the talks?"
    await unanswered(bot, [(hall, 3)])
    await say(bot, "/kb_add")
    await say(bot, f"{hall}\nwhich kremlin hall hosted talks\nkremlin hall of the talks")
    await say(bot, "The article does not name the hall.")
    await say(bot, "В каком зале Кремля прошли переговоры?\nзал переговоров в кремле\nкакой зал кремля")
    await say(bot, "В статье зал не назван.")
    topics = await say(bot, bot.services.kb.by_id["venue"].source[0])
    summary = await press(bot, "K:t:signing", topics.result)
    assert t("add_takes_over", "en") in summary.result["text"] and f"{hall} ×3" in summary.result["text"]


async def test_edit_an_entrys_source_and_topic_with_buttons(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    card = await say(bot, "/kb venue")
    opened = await press(bot, "K:o:venue", card.result, method="editMessageText")
    assert "K:s:venue" in buttons(opened.result) and "K:T:venue" in buttons(opened.result)
    prompt = await press(bot, "K:s:venue", opened.result)
    assert "[1] " in prompt.params["text"]  # the article, numbered
    sentences = bot.services.kb.article.sentences
    bad = await say(bot, f"{len(sentences) + 5}")
    assert bad.params["text"].startswith("Nothing was changed") and "source" in bad.params["text"]
    await press(bot, "K:s:venue", opened.result)
    preview = await say(bot, "1 2")
    assert "Regression check:" in preview.params["text"]
    await press(bot, buttons(preview.result)[0], preview.result)
    assert bot.services.kb.by_id["venue"].source == (sentences[0].text, sentences[1].text)
    topics = await press(bot, "K:T:venue", opened.result, method="editMessageText")
    other = next(tp.id for tp in bot.services.kb.topics if tp.id != bot.services.kb.by_id["venue"].topic)
    move = f"K:m:{keys.topic_key(other)}:venue"
    assert move in buttons(topics.result) and any(label.startswith("✓ ") for label in labels(topics.result))
    await press(bot, move, topics.result)
    assert bot.services.kb.by_id["venue"].topic == other
    undone = await say(bot, "/kb_undo")
    assert undone.params["text"] == "Undone: replace_topic (venue)."


async def test_the_replay_checks_the_curated_questions_on_a_fresh_install(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    assert await storage_of(bot).count("exchanges") == 0
    card = await say(bot, "/kb signatories")
    await press(bot, "K:a:en:signatories", card.result)
    preview = await say(bot, "Putin and Tibilov signed it.")
    text = preview.result["text"]
    checked = int(text.split("Regression check: ")[1].split(" of ")[1].split(" ")[0])
    assert checked > 100 and "0 of 0" not in text


async def test_cancel_outside_a_flow_says_there_is_nothing_to_cancel(telegram_bots: TelegramBots) -> None:
    bot = await start(telegram_bots)
    for user in (ADMIN, 4242):
        reply = await say(bot, "/cancel", user)
        assert reply.params["text"] == t("nothing_to_cancel", "en")
    await say(bot, "/kb_add")
    assert (await say(bot, "/cancel")).params["text"] == t("admin_cancelled", "en")
    assert (await say(bot, "/cancel")).params["text"] == t("nothing_to_cancel", "en")
