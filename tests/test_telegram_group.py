"""Groups, end to end: only /ask, mentions and replies are answered; intro on joining; flood control."""

from __future__ import annotations

from conftest import RunningBot, TelegramBots

from bot.config import FloodConfig
from bot.knowledge import KnowledgeBase
from bot.texts import t

SUPERGROUP = -1001234567
GROUP = -4242


async def test_plain_group_messages_are_ignored(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    for text in ("Who signed the treaty?", "hello everyone", "@SomeoneElse who signed the treaty?"):
        assert await tg_bot.quiet(fake.group_message(text, chat_id=SUPERGROUP), 0.2) == []
    assert await tg_bot.quiet(fake.sticker_message(chat_id=SUPERGROUP), 0.2) == []


async def test_mention_anywhere_any_case_is_answered_as_a_reply(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    entry = kb.by_id["signatories"]
    texts = ("@treatybot who signed the treaty?", "So, @TreatyBot, who signed the treaty?")
    for chat_id, text in zip((SUPERGROUP, GROUP), texts, strict=True):  # two chats: no repeat notice
        update = fake.group_message(text, chat_id=chat_id, user_id=30)
        call = await tg_bot.feed(update)
        assert call.result["text"].startswith(entry.en.answer)
        assert call.params["reply_parameters"]["message_id"] == update["message"]["message_id"]


async def test_ask_command_with_and_without_bot_name(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    call = await tg_bot.feed(fake.group_message("/ask@TreatyBot who signed the treaty?", chat_id=GROUP, user_id=31))
    assert call.result["text"].startswith(kb.by_id["signatories"].en.answer)
    russian = await tg_bot.feed(fake.group_message("/ask что сказал ЕС?", chat_id=GROUP, user_id=31))
    assert russian.result["text"].startswith(kb.by_id["eu_position"].ru.answer)
    usage = await tg_bot.feed(fake.group_message("/ask@TreatyBot", chat_id=GROUP, user_id=31))
    assert usage.result["text"] == t("ask_usage", "en")
    assert await tg_bot.quiet(fake.group_message("/ask@OtherBot who signed?", chat_id=GROUP), 0.2) == []


async def test_reply_to_the_bot_is_answered(tg_bot: RunningBot, kb: KnowledgeBase) -> None:
    fake = tg_bot.fake
    first = await tg_bot.feed(fake.group_message("/ask who signed the treaty?", chat_id=SUPERGROUP, user_id=32))
    follow_up = fake.group_message("and what did the EU say?", chat_id=SUPERGROUP, user_id=33, reply_to=first.result)
    call = await tg_bot.feed(follow_up)
    assert call.result["text"].startswith(kb.by_id["eu_position"].en.answer)
    # A reply to someone else's message is not addressed to the bot.
    other = fake.group_message("what did the EU say?", chat_id=SUPERGROUP, user_id=34, reply_to=follow_up)
    assert await tg_bot.quiet(other, 0.2) == []


async def test_bot_added_to_a_group_introduces_itself_once(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    call = await tg_bot.feed(fake.my_chat_member(SUPERGROUP, "left", "member"))
    assert call.params["chat_id"] == SUPERGROUP and "@TreatyBot" in call.result["text"]
    assert await tg_bot.quiet(fake.my_chat_member(SUPERGROUP, "member", "administrator"), 0.2) == []
    assert await tg_bot.quiet(fake.my_chat_member(SUPERGROUP, "member", "kicked"), 0.2) == []
    again = await tg_bot.feed(fake.my_chat_member(GROUP, "kicked", "administrator"))
    assert again.params["chat_id"] == GROUP


async def test_repeated_question_links_to_the_earlier_answer(tg_bot: RunningBot) -> None:
    fake = tg_bot.fake
    first = await tg_bot.feed(fake.group_message("/ask Who signed the treaty?", chat_id=SUPERGROUP, user_id=35))
    repeat = await tg_bot.feed(fake.group_message("@TreatyBot who signed the treaty", chat_id=SUPERGROUP, user_id=36))
    link = f"https://t.me/c/1234567/{first.result['message_id']}"
    assert repeat.result["text"] == t("repeat", "en", link=link)
    # A basic group has no message links: the notice replies to the earlier answer instead.
    basic = await tg_bot.feed(fake.group_message("/ask who signed the treaty?", chat_id=GROUP, user_id=35))
    again = await tg_bot.feed(fake.group_message("/ask who signed the treaty?", chat_id=GROUP, user_id=37))
    assert again.params["reply_parameters"]["message_id"] == basic.result["message_id"]
    assert again.result["text"] == t("repeat", "en", link=t("repeat_link", "en"))


async def test_a_user_over_the_limit_gets_one_notice_then_silence(telegram_bots: TelegramBots) -> None:
    config = telegram_bots.config(flood=FloodConfig(user_window_seconds=60, user_max_questions=3))
    bot = await telegram_bots.start(config)
    now = [1000.0]
    bot.services.flood.clock = lambda: now[0]
    fake = bot.fake
    questions = ("who signed the treaty?", "what did the EU say?", "how much money?", "when was it signed?")
    replies = [await bot.feed(fake.group_message(f"/ask {q}", chat_id=SUPERGROUP, user_id=38)) for q in questions]
    assert replies[-1].result["text"] == t("flood", "en")
    assert all(r.result["text"] != t("flood", "en") for r in replies[:-1])
    assert await bot.quiet(fake.group_message("/ask what about pensions?", chat_id=SUPERGROUP, user_id=38), 0.2) == []
    other = await bot.feed(fake.group_message("/ask what about pensions?", chat_id=SUPERGROUP, user_id=39))
    assert other.result["text"] != t("flood", "en")
    now[0] += 61  # the window has passed
    back = await bot.feed(fake.group_message("/ask what did the US say?", chat_id=SUPERGROUP, user_id=38))
    assert back.result["text"] != t("flood", "en")
