"""Inline mode (@bot question in any chat): up to ten articles, each the question, its answer and source.

The chat an inline answer lands in never saw the question, so each message opens with the question it
answers ("❓ Who signed the treaty?") and carries a "Continue in private" button: a deep link
(``https://t.me/<bot>?start=<lang>-<entry id>``) that opens the bot, where ``/start`` answers that entry.
A query of one or two characters gets no results (nothing sensible to offer yet); a query the article
does not answer offers the nearest entries under a "not in the article" header, never a bare decline.
"""

from __future__ import annotations

import re
import time

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.knowledge import Entry, KnowledgeBase
from bot.lexicon import LANGS
from bot.matching import Matcher, Outcome
from bot.telegram.answering import NO_PREVIEW, record_exchange
from bot.telegram.context import BotContext
from bot.texts import ht, inline_answer_text, t, truncate

MAX_RESULTS = 10
CACHE_SECONDS = 30
DESCRIPTION_CHARS = 100
MIN_QUERY_CHARS = 3  # "wh" is not a question yet: no results until the third character
START_PAYLOAD_RE = re.compile(r"^(en|ru)-([a-z0-9_]{1,40})$")  # what a "Continue in private" link carries
MISS_START_PAYLOAD = "inline"  # the "not in the article" header opens the bot with a plain greeting


def start_payload(entry: Entry, lang: str) -> str:
    """The /start parameter that answers ``entry`` in ``lang`` (Telegram allows [A-Za-z0-9_-], 64 chars)."""
    return f"{lang}-{entry.id}"


def entry_of_start(kb: KnowledgeBase, payload: str) -> tuple[Entry, str] | None:
    """The entry and language a /start parameter names, or None (a plain /start, or a stale link)."""
    m = START_PAYLOAD_RE.match(payload)
    entry = kb.get(m.group(2)) if m else None
    return (entry, m.group(1)) if entry is not None and m is not None else None


def private_link(username: str, entry: Entry, lang: str) -> str:
    return f"https://t.me/{username}?start={start_payload(entry, lang)}"


def inline_entries(matcher: Matcher, kb: KnowledgeBase, query: str, lang: str) -> tuple[list[Entry], bool]:
    """The entries to offer for ``query`` (best first), and whether they only come near it (a miss).

    An empty query gives one entry per topic; under three characters, none; a miss, the nearest facts
    (or, when nothing is near, one entry per topic).
    """
    firsts = [facts[0] for facts in (kb.entries_in(topic.id) for topic in kb.topics) if facts][:MAX_RESULTS]
    text = query.strip()
    if not text:
        return firsts, False
    if len(text) < MIN_QUERY_CHARS:
        return [], False
    outcome = matcher.match(text, fallback_lang=lang)
    if outcome.status == "unknown":
        near = [*outcome.suggestions, *nearest(matcher, outcome)]
        return list(dict.fromkeys(near or firsts))[:MAX_RESULTS], True
    found: list[Entry] = [outcome.entry] if outcome.entry is not None else [c.entry for c in outcome.candidates]
    if outcome.analysis is not None:
        floor = matcher.clarify_threshold
        found += [c.entry for c in matcher.rank(outcome.analysis) if c.score >= floor and c.entry.kind == "fact"]
    return list(dict.fromkeys(found))[:MAX_RESULTS], False


def nearest(matcher: Matcher, outcome: Outcome, limit: int = 5) -> list[Entry]:
    """The facts closest to a declined question (what a gap entry points to first)."""
    related = [e for r in outcome.gap.related if (e := matcher.kb.get(r)) is not None] if outcome.gap else []
    ranked = [c.entry for c in matcher.rank(outcome.analysis)] if outcome.analysis is not None else []
    return [e for e in (*related, *ranked) if e.kind == "fact"][:limit]


def article(entry: Entry, lang: str, username: str) -> InlineQueryResultArticle:
    """One result: titled with the entry's question; the message sent is question, answer and source."""
    markup = None
    if username:
        button = InlineKeyboardButton(t("continue_private", lang), url=private_link(username, entry, lang))
        markup = InlineKeyboardMarkup([[button]])
    return InlineQueryResultArticle(
        id=f"{entry.id}:{lang}",
        title=entry.title(lang),
        description=truncate(entry.block(lang).answer, DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            inline_answer_text(entry, lang), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
        reply_markup=markup,
    )


def not_in_article(lang: str) -> InlineQueryResultArticle:
    """The last resort of a miss in a knowledge base without a single fact."""
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
    entries, miss = inline_entries(services.matcher, services.kb, query.query, lang)
    username = context.bot.username or ""
    results = [article(e, lang, username) for e in entries]
    if miss and not results:
        results = [not_in_article(lang)]
    header = InlineQueryResultsButton(t("inline_miss_button", lang), start_parameter=MISS_START_PAYLOAD)
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=True, button=header if miss else None)


async def on_chosen_inline_result(update: Update, context: BotContext) -> None:
    """Record the inline answer a user actually sent (Telegram sends these with inline feedback on)."""
    chosen = update.chosen_inline_result
    if chosen is None:
        return
    services = context.services
    entry_id, _, lang = chosen.result_id.partition(":")
    entry = services.kb.get(entry_id)
    lang = lang if lang in LANGS else services.config.bot.default_language
    outcome = (
        Outcome("answered", lang, 1.0, entry=entry, reason="inline")
        if entry is not None
        else Outcome("unknown", lang, 0.0, reason="inline")
    )
    record_exchange(update, services, chosen.query, outcome, time.perf_counter(), None, channel="inline")
