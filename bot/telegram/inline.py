"""Inline mode (@bot question in any chat): up to ten articles, each an answer with its source."""

from __future__ import annotations

import time

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Matcher, Outcome
from bot.telegram.answering import NO_PREVIEW, record_exchange
from bot.telegram.context import BotContext
from bot.texts import answer_text, ht, t, truncate

MAX_RESULTS = 10
CACHE_SECONDS = 30
DESCRIPTION_CHARS = 100


def inline_entries(matcher: Matcher, kb: KnowledgeBase, query: str, lang: str) -> list[Entry]:
    """The entries to offer for ``query`` (best first); an empty query gives one per topic, [] none."""
    if not query.strip():
        firsts = (kb.entries_in(topic.id) for topic in kb.topics)
        return [facts[0] for facts in firsts if facts][:MAX_RESULTS]
    outcome = matcher.match(query, fallback_lang=lang)
    if outcome.status == "unknown":
        return []
    found: list[Entry] = [outcome.entry] if outcome.entry is not None else [c.entry for c in outcome.candidates]
    if outcome.analysis is not None:
        floor = matcher.clarify_threshold
        found += [c.entry for c in matcher.rank(outcome.analysis) if c.score >= floor and c.entry.kind == "fact"]
    return list(dict.fromkeys(found))[:MAX_RESULTS]


def article(entry: Entry, lang: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=f"{entry.id}:{lang}",
        title=entry.title(lang),
        description=truncate(entry.block(lang).answer, DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            answer_text(entry, lang, html=True), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
    )


def not_in_article(lang: str) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=f"unknown:{lang}",
        title=t("inline_unknown_title", lang),
        description=t("inline_unknown_desc", lang),
        input_message_content=InputTextMessageContent(ht("decline", lang), parse_mode=ParseMode.HTML),
    )


async def on_inline_query(update: Update, context: BotContext) -> None:
    """Answer an inline query in the user's fixed /lang choice, else the query's language, else theirs."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    lang = await services.reply_language(query.query, query.from_user)
    entries = inline_entries(services.matcher, services.kb, query.query, lang)
    results = [article(e, lang) for e in entries] or [not_in_article(lang)]
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True)


async def on_chosen_inline_result(update: Update, context: BotContext) -> None:
    """Record the inline answer a user actually sent (Telegram sends these with inline feedback on)."""
    chosen = update.chosen_inline_result
    if chosen is None:
        return
    services = context.services
    entry_id, _, lang = chosen.result_id.partition(":")
    entry = services.kb.get(entry_id)
    lang = lang if lang in ("en", "ru") else services.config.bot.default_language
    outcome = (
        Outcome("answered", lang, 1.0, entry=entry, reason="inline")
        if entry is not None
        else Outcome("unknown", lang, 0.0, reason="inline")
    )
    record_exchange(update, services, chosen.query, outcome, time.perf_counter(), None, channel="inline")
