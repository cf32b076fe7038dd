"""Conversation over the real bot and the fake Bot API: follow-ups, several questions, languages.

The dialogue set (tests/data/dialogues.jsonl, 70 dialogues written from the article alone by someone who
did not see the matcher) is played turn by turn through Telegram, each dialogue as its own user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import RunningBot, TelegramBots

from bot.evaluation import Turn, read_dialogues
from bot.knowledge import KnowledgeBase
from bot.matching import Outcome
from bot.texts import t

DIALOGUES = Path(__file__).resolve().parent / "data" / "dialogues.jsonl"
GROUP = -100777


def _reply_right(turn: Turn, text: str) -> bool:
    """The dialogue rule on a Telegram reply (the decline marker is the standard decline sentence)."""
    # A question in another language is declined with the note that the bot answers in English and Russian.
    declined = text.startswith((t("decline", "en"), t("decline", "ru"), t("other_language", "en"),
                                t("other_language", "ru")))
    if turn.expect == "small_talk":
        return not declined and "Source" not in text and "Источник" not in text
    if turn.expect == "language_note":
        return "English and Russian" in text
    if turn.expect == "unknown":
        return declined
    folded = text.casefold()
    return not declined and all(any(alt.casefold() in folded for alt in group) for group in turn.must)


async def test_follow_up_in_a_private_chat(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    await tg_bot.feed(fake.private_message("When was the treaty signed?", user_id=501))
    where = await tg_bot.feed(fake.private_message("and where?", user_id=501))
    assert where.result["text"].startswith(kb.by_id["venue"].en.answer)
    russian = await tg_bot.feed(fake.private_message("а кто подписал?", user_id=501))
    assert russian.result["text"].startswith(kb.by_id["signatories"].ru.answer)


async def test_asking_for_the_answer_in_the_other_language(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    """"In Russian, please" after an answer: the same answer in Russian, its buttons too; "а по-английски?"
    back: in English."""
    fake = tg_bot.fake
    await tg_bot.feed(fake.private_message("Who signed the treaty?", user_id=510))
    russian = await tg_bot.feed(fake.private_message("in Russian, please", user_id=510))
    assert russian.result["text"].startswith(kb.by_id["signatories"].ru.answer)
    english = await tg_bot.feed(fake.private_message("а по-английски?", user_id=510))
    assert english.result["text"].startswith(kb.by_id["signatories"].en.answer)


async def test_group_context_is_per_user(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    await tg_bot.feed(fake.group_message("/ask when was the treaty signed?", chat_id=GROUP, user_id=502))
    mine = await tg_bot.feed(fake.group_message("/ask and where?", chat_id=GROUP, user_id=502))
    assert mine.result["text"].startswith(kb.by_id["venue"].en.answer)
    # Another member's "and where?" has nothing of theirs to lean on.
    theirs = await tg_bot.feed(fake.group_message("/ask and where?", chat_id=GROUP, user_id=503))
    assert not theirs.result["text"].startswith(kb.by_id["venue"].en.answer)


async def test_content_free_messages(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    private = await tg_bot.feed(fake.private_message("ok", user_id=504))
    assert private.result["text"] == t("content_free", "en") and "reply_markup" not in private.params
    for text in ("/ask ok", "@TreatyBot 👍", "@TreatyBot thanks"):
        assert await tg_bot.quiet(fake.group_message(text, chat_id=GROUP, user_id=505), 0.3) == []


async def test_two_questions_in_one_message(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    call = await tg_bot.feed(tg_bot.fake.private_message("Who signed it and when?", user_id=506))
    text = call.result["text"]
    assert text.startswith(kb.by_id["signatories"].en.answer) and kb.by_id["signing_date"].en.answer in text


async def test_another_language_gets_a_note_in_both(tg_bot: RunningBot) -> None:
    call = await tg_bot.feed(tg_bot.fake.private_message("Wer hat den Vertrag unterschrieben?", user_id=507))
    assert call.result["text"] == t("other_language", "en")


async def test_forgetme_forgets_the_context_and_the_log_keeps_what_was_resolved(
    telegram_bots: TelegramBots, kb: KnowledgeBase, tmp_path: Path
) -> None:
    bot = await telegram_bots.start()
    fake = bot.fake
    await bot.feed(fake.private_message("When was the treaty signed?", user_id=508))
    await bot.feed(fake.private_message("and where?", user_id=508))
    await bot.feed(fake.private_message("When was the treaty signed?", user_id=509))
    assert bot.services.contexts.get((509, 509)) is not None
    await bot.services.forget(509)
    after = await bot.feed(fake.private_message("and where?", user_id=509))
    assert not after.result["text"].startswith(kb.by_id["venue"].en.answer)
    await telegram_bots.stop(bot)
    with sqlite3.connect(tmp_path / "chat.sqlite3") as conn:
        rows = conn.execute("SELECT question, resolved FROM exchanges WHERE user_id = '508' ORDER BY id").fetchall()
    assert rows == [("When was the treaty signed?", None), ("and where?", kb.by_id["venue"].en.questions[0])]


async def test_a_context_entry_deleted_since_is_harmless(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    await tg_bot.feed(fake.private_message("When was the treaty signed?", user_id=510))
    tg_bot.services.replace_knowledge(kb.replace_entries(e for e in kb.entries if e.id != "signing_date"))
    call = await tg_bot.feed(fake.private_message("and where?", user_id=510))
    assert call.result["text"]  # a reply, no exception
    tg_bot.services.replace_knowledge(kb)


@pytest.mark.parametrize(
    ("name", "floor"),
    # dialogues.jsonl: the first set (measured 90%+); dialogues-6: blind set 6, first scored at 92% of turns
    # through `treaty-bot eval` (the same conversation code; Telegram adds the transport and the texts).
    [("dialogues.jsonl", 0.82), ("dialogues-6.jsonl", 0.90)],
)
async def test_the_dialogue_sets_through_telegram(tg_bot: RunningBot, name: str, floor: float) -> None:
    """Every turn of every dialogue as a private chat, each dialogue its own user."""
    right = total = 0
    wrong: list[str] = []
    for n, dialogue in enumerate(read_dialogues(DIALOGUES.parent / name)):
        user = 10_000 + n
        for turn in dialogue.turns:
            call = await tg_bot.feed(tg_bot.fake.private_message(turn.question, user_id=user))
            ok = _reply_right(turn, call.result["text"])
            right += ok
            total += 1
            if not ok:
                wrong.append(f"{dialogue.id}: {turn.question} -> {call.result['text'][:80]}")
    print(f"{name}: {right}/{total} turns right through Telegram ({right / total:.1%})")
    assert right / total >= floor, "\n".join(wrong)


def test_outcome_parts_default_to_a_single_answer() -> None:
    assert Outcome("answered", "en", 1.0).parts == ()
