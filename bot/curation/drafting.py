"""Drafting a new entry from what an admin types: questions one per line, a source sentence, a free id.

Pure: the /kb_add conversation (bot/telegram/admin/conversations.py) asks, these check and shape.
"""

from __future__ import annotations

import re
import unicodedata

from bot.curation.overlay import EditedKnowledge
from bot.knowledge import KnowledgeBase
from bot.lexicon import ID_RE


def split_questions(text: str) -> list[str]:
    """Questions typed one per line (blank lines and list bullets ignored)."""
    lines = (re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def source_in_article(kb: KnowledgeBase, sentence: str) -> bool:
    """Whether ``sentence`` appears verbatim (whitespace aside) in the article."""
    return kb.article.quotes(sentence)


def new_entry_id(edited: EditedKnowledge, title: str) -> str:
    """A free id made from the entry's first English question (``[a-z0-9_]``, at most 40 characters)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.casefold())
    base = "_".join(words)[:34].strip("_") or "entry"
    taken = {e.id for e in edited.entries} | set(edited.deleted)
    candidate, n = base, 2
    while candidate in taken or not ID_RE.match(candidate):
        candidate, n = f"{base}_{n}", n + 1
    return candidate
