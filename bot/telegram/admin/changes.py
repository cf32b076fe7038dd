"""Making a change live, or previewing it first: the last step every admin edit shares.

``apply_change`` asks the curation store to build, validate, store and audit the change (every user
answers from the new knowledge base at once) and tells the admin; ``preview`` shows a change's
regression replay with Apply / Cancel and keeps it until one is pressed. Also the entry card an admin
sees after a change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bot.telegram.admin.keyboards as keys
from bot.admin_texts import admin_entry_text, ht, problems_text, replay_text
from bot.curation.overlay import Edit, EditedKnowledge
from bot.curation.replay import Replay, load_regression_items, replay_change
from bot.curation.unanswered import UnansweredQuestion, taken_over
from bot.knowledge import KnowledgeBase, KnowledgeError
from bot.telegram.admin.replies import send
from bot.telegram.admin.state import AdminCall, Pending, new_token
from bot.telegram.context import BotContext, Services

RECENT_QUESTIONS = 500


def card(c: AdminCall, entry_id: str) -> tuple[str, Any] | None:
    """An entry's text and buttons (live or deleted), or None when there is no such entry."""
    entry, deleted = c.edited.get(entry_id), False
    if entry is None:
        entry, deleted = c.edited.deleted.get(entry_id), True
    if entry is None:
        return None
    topic = c.services.kb.topic(entry.topic)
    title = topic.title(c.lang) if topic is not None else entry.topic
    text = admin_entry_text(entry, c.lang, html=True, topic=title, deleted=deleted)
    return text, keys.entry_actions(entry, c.lang, deleted=deleted)


def title(c: AdminCall, entry_id: str) -> str:
    """An entry's title in the admin's language (live or deleted), or its id."""
    entry = c.edited.get(entry_id) or c.edited.deleted.get(entry_id)
    return entry.title(c.lang) if entry is not None else entry_id


async def apply_change(
    context: BotContext, c: AdminCall, build: Callable[[EditedKnowledge], Sequence[Edit]], action: str, what: str,
    entry_id: str | None = None,
) -> bool:
    """Make a change live for everyone (stored and audited), and tell the admin; False when invalid."""
    try:
        await c.store.change(build, c.user_id, action, c.name)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return False
    text = ht("done_change", c.lang, what=what)
    shown = card(c, entry_id) if entry_id else None
    await send(context, c.chat_id, f"{text}\n\n{shown[0]}" if shown else text, shown[1] if shown else None)
    return True


async def compute_replay(services: Services, new_kb: KnowledgeBase) -> Replay:
    """The regression replay of a change: recent real questions, the curated ones and the configured sets."""
    from bot.engine import build_matcher

    questions: list[tuple[str, str | None]] = []
    if services.storage is not None and services.storage.is_open:
        questions = await services.storage.recent_questions(RECENT_QUESTIONS)
    config = services.config
    base_dir = Path(config.source).parent if config.source else None
    items = load_regression_items(config.knowledge.regression_sets, base_dir)
    old = services.matcher

    def run() -> Replay:
        return replay_change(old, build_matcher(new_kb, config), questions, items, config.bot.default_language)

    return await asyncio.to_thread(run)


async def takeover(services: Services, new_kb: KnowledgeBase, entry_id: str) -> list[UnansweredQuestion]:
    """The recent unanswered questions that ``new_kb`` would answer with ``entry_id`` (and the live one does not)."""
    from bot.engine import build_matcher

    storage = services.storage
    if storage is None or not storage.is_open:
        return []
    rows = [(str(r["question"]), r["lang"]) for r in await storage.recent_unanswered(RECENT_QUESTIONS) if r["question"]]
    old = services.matcher
    return await asyncio.to_thread(lambda: taken_over(old, build_matcher(new_kb, services.config), rows, entry_id))


async def preview(context: BotContext, c: AdminCall, head: str, pending: Pending) -> None:
    """Show a change's regression replay with Apply / Cancel (nothing changes until Apply)."""
    try:
        new = c.edited.apply(*pending.build(c.edited))
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    summary = replay_text(await compute_replay(c.services, new.kb), c.lang, html=True)
    token = new_token()
    c.state.pending.put(token, pending)
    await send(context, c.chat_id, f"{head}\n\n{summary}", keys.apply_or_cancel(token, c.lang))
