"""/unanswered: the recent unanswered questions by nearest entry, paged, and what an admin does with each.

The listing (``bot.curation.unanswered.group_unanswered``: re-matched against the live knowledge base, gap
declines apart) is kept under a token for the buttons, which name groups by entry id and questions by
their short hash. Views edit the message in place: a page of groups, a page of one group's questions, one
question with its actions (add it to the nearest entry, to another one picked from every entry page by
page, a new entry, ignore). The search for an entry and a new entry from a question are conversations
(``conversations.py``); the router is ``buttons.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Message, Update

import bot.telegram.admin.keyboards as keys
from bot.admin_texts import clip, ht, t, unanswered_group_text, unanswered_page_text, unanswered_question_text
from bot.curation.overlay import add_question
from bot.curation.unanswered import (
    Unanswered,
    UnansweredGroup,
    UnansweredQuestion,
    entry_choices,
    group_unanswered,
    page_of,
    question_key,
)
from bot.telegram.admin.changes import RECENT_QUESTIONS, apply_change, title
from bot.telegram.admin.replies import edit, send
from bot.telegram.admin.state import AdminCall, admin_call, new_token
from bot.telegram.context import BotContext

GROUPS_PER_PAGE = 8
QUESTIONS_PER_PAGE = 8
ENTRIES_PER_PAGE = 8

View = tuple[str, Any]


async def on_unanswered(update: Update, context: BotContext) -> None:
    """/unanswered: recent unanswered questions by nearest entry, a page at a time, with their actions."""
    c = await admin_call(update, context)
    storage = c.services.storage
    if storage is None or not storage.is_open:
        await send(context, c.chat_id, ht("stats_no_db", c.lang))
        return
    rows = [(str(r["question"]), r["lang"]) for r in await storage.recent_unanswered(RECENT_QUESTIONS) if r["question"]]
    ignored = await c.store.ignored_questions()
    listing = await asyncio.to_thread(group_unanswered, rows, c.services.matcher, ignored)
    if not listing.groups:
        await send(context, c.chat_id, ht("unanswered_none", c.lang))
        return
    token = new_token()
    c.state.listings.put(token, listing)
    await send(context, c.chat_id, *page_view(c, token, listing, 0))


def page_view(c: AdminCall, token: str, listing: Unanswered, page: int) -> View:
    """A page of groups: the most asked first, the groups declined on purpose last, under their own heading."""
    shown, page, pages = page_of(listing.groups, page, GROUPS_PER_PAGE)
    text = unanswered_page_text(listing, shown, page, pages, c.lang, html=True)
    return text, keys.unanswered_groups(shown, token, c.lang, page, pages)


def group_view(c: AdminCall, token: str, group: UnansweredGroup, page: int) -> View:
    shown, page, pages = page_of(group.questions, page, QUESTIONS_PER_PAGE)
    text = unanswered_group_text(group, shown, page, pages, c.lang, html=True)
    return text, keys.unanswered_group(group, shown, token, c.lang, page, pages)


def question_view(c: AdminCall, token: str, group: UnansweredGroup, question: UnansweredQuestion) -> View:
    text = unanswered_question_text(group, question, c.lang, html=True)
    return text, keys.unanswered_question(group, question, token, c.lang)


def choose_view(c: AdminCall, token: str, question: UnansweredQuestion, page: int) -> View:
    """Every live entry, the nearest first, a page at a time, to add the question to (or 🔎 search)."""
    choices = entry_choices(c.edited, c.services.matcher, question.question, question.lang)
    shown, page, pages = page_of(choices, page, ENTRIES_PER_PAGE)
    text = ht("unanswered_pick", c.lang, question=clip(question.question),
              page=t("unanswered_page", c.lang, page=page + 1, pages=pages))
    return text, keys.choose_entry(shown, token, question.qid, c.lang, page, pages)


def find_question(c: AdminCall, token: str, qid: str) -> tuple[UnansweredGroup, UnansweredQuestion] | None:
    """The group and question a button names (None once the listing is forgotten or has no such question)."""
    listing = c.state.listings.get(token)
    return listing.find(qid) if listing is not None else None


async def carry_out(context: BotContext, c: AdminCall, message: Message, action: keys.Action) -> bool:
    """An /unanswered button; False when it no longer applies (the router says "expired")."""
    listing = c.state.listings.get(getattr(action, "token", ""))
    if listing is None:
        return False
    view: View | None = None
    match action:
        case keys.UnansweredPage(token, page):
            view = page_view(c, token, listing, page)
        case keys.OpenGroup(token, key, page) if (group := listing.group(key)) is not None:
            view = group_view(c, token, group, page)
        case keys.OnQuestion("open", token, qid) if (found := listing.find(qid)) is not None:
            view = question_view(c, token, *found)
        case keys.OnQuestion("ignore", token, qid) if (found := listing.find(qid)) is not None:
            return await ignore(context, c, found[1])
        case keys.ChooseEntry(token, qid, page) if (found := listing.find(qid)) is not None:
            view = choose_view(c, token, found[1], page)
        case keys.AddToEntry(token, qid, entry_id) if (found := listing.find(qid)) and c.edited.get(entry_id):
            return await add_to(context, c, found[1], entry_id)
    return view is not None and await edit(context, c.chat_id, message.message_id, *view)


async def ignore(context: BotContext, c: AdminCall, question: UnansweredQuestion) -> bool:
    """Ignore a question (every wording of it): /unanswered will not list it again."""
    for wording in question.wordings:
        await c.store.record(c.user_id, "ignore", None, question_key(wording), name=c.name)
    await send(context, c.chat_id, ht("unanswered_ignored", c.lang, question=clip(question.question)))
    return True


async def add_to(context: BotContext, c: AdminCall, question: UnansweredQuestion, entry_id: str) -> bool:
    """Add an unanswered question as an alternate question of an entry (in the question's language)."""
    what = t("what_add_question", c.lang, title=title(c, entry_id))
    build = lambda cur: [add_question(cur, entry_id, question.lang, question.question)]  # noqa: E731
    await apply_change(context, c, build, "add_question", what, entry_id)
    return True
