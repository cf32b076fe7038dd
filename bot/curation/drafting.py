"""Drafting a new entry from what an admin types: questions one per line, a source sentence, a free id.

Pure: the /kb_add conversation (bot/telegram/admin/conversations.py) asks, these check and shape.
"""

from __future__ import annotations

import re
import unicodedata

from bot.curation.overlay import EditedKnowledge, problem
from bot.knowledge import KnowledgeBase
from bot.lexicon import ID_RE


def split_questions(text: str) -> list[str]:
    """Questions typed one per line (blank lines and list bullets ignored)."""
    lines = (re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def source_in_article(kb: KnowledgeBase, sentence: str) -> bool:
    """Whether ``sentence`` appears verbatim (whitespace aside) in the article."""
    return kb.article.quotes(sentence)


def source_lines(kb: KnowledgeBase, text: str, entry_id: str = "") -> list[str]:
    """An entry's new source as an admin types it: the article's sentence numbers ("3 5", "3, 5-6") or
    its sentences copied exactly, one a line; each checked against the article (``KnowledgeError``)."""
    sentences = kb.article.sentences
    numbers = re.fullmatch(r"\s*\d+(\s*-\s*\d+)?(\s*[,;\s]\s*\d+(\s*-\s*\d+)?)*\s*", text)
    if numbers is not None:
        wanted: list[int] = []
        for first, last in re.findall(r"(\d+)(?:\s*-\s*(\d+))?", text):
            wanted += range(int(first), int(last or first) + 1)
        bad = [n for n in wanted if not 1 <= n <= len(sentences)]
        if bad or not wanted:
            raise problem(entry_id, "source", f"the article has sentences 1 to {len(sentences)}, not {bad[0]}"
                          if bad else "no sentence number given")
        return [sentences[n - 1].text for n in dict.fromkeys(sorted(wanted))]
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines:
        raise problem(entry_id, "source", "no sentence given")
    for line in lines:
        if not source_in_article(kb, line):
            raise problem(entry_id, "source", f"not in the article word for word: {line[:200]!r}")
    return lines


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
