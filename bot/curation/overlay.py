"""The edited knowledge base: the files' knowledge base with admins' edits applied, and the edits themselves.

The knowledge base loaded from ``knowledge/`` is the *base*; admins' edits are an overlay, each one the
full new entry (``Edit``) or a soft-deletion marker. ``EditedKnowledge`` is the base with edits applied,
immutable: ``EditedKnowledge.apply`` returns a new, validated state (the same checks as
``load_knowledge``) or raises ``KnowledgeError`` naming the entry and field, leaving the old one as it
was. A soft-deleted entry is kept aside (``EditedKnowledge.deleted``) so that it can be restored; other
entries' ``related`` ids pointing at it are hidden while it is deleted and come back when it is restored.

The functions below build the one ``Edit`` an admin action makes (add or remove a question, replace an
answer, a new entry, delete, restore) from the current state. Pure: no Telegram, no database.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.knowledge import (
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    _Collector,
    check_entries,
    parse_entry,
)
from bot.lexicon import LANGS
from bot.matching import Matcher
from bot.sentences import quote_text


@dataclass(frozen=True)
class Edit:
    """One stored change: the entry's full new content (``Entry.to_dict`` shape), or its soft deletion."""

    entry_id: str
    payload: Mapping[str, Any]
    deleted: bool = False


def problem(entry_id: str, field_name: str, message: str, file: str = "edit") -> KnowledgeError:
    """A ``KnowledgeError`` with one problem (an edit or a document that cannot be applied)."""
    return KnowledgeError([Problem(file, entry_id, field_name, message)])


@dataclass(frozen=True)
class EditedKnowledge:
    """The base knowledge base with edits applied; ``kb`` is what the bot answers from."""

    base: KnowledgeBase
    entries: tuple[Entry, ...]  # live entries as edited (``related`` not yet pruned of deleted ids)
    deleted: Mapping[str, Entry]  # soft-deleted entries, restorable
    kb: KnowledgeBase  # the live knowledge base: ``entries`` validated, deleted ids pruned

    @classmethod
    def from_base(cls, base: KnowledgeBase) -> EditedKnowledge:
        return cls(base, base.entries, {}, base)

    def get(self, entry_id: str) -> Entry | None:
        """A live entry as edited (its full ``related`` list)."""
        return next((e for e in self.entries if e.id == entry_id), None)

    def entry_state(self, entry_id: str) -> dict[str, Any] | None:
        """The entry's state for the audit log: ``{"deleted": bool, "entry": {...}}``, None when unknown."""
        live = self.get(entry_id)
        if live is not None:
            return {"deleted": False, "entry": live.to_dict()}
        gone = self.deleted.get(entry_id)
        return {"deleted": True, "entry": gone.to_dict()} if gone is not None else None

    def _file_for(self, entry_id: str, topic: str) -> str:
        known = self.get(entry_id) or self.deleted.get(entry_id) or self.base.get(entry_id)
        if known is not None and known.file:
            return known.file
        own = f"entries/{topic or 'admin'}.toml"
        files = [e.file for e in self.entries if e.topic == topic and e.kind == "fact" and e.file]
        return own if own in files or not files else files[0]

    def _parsed(self, edit: Edit) -> Entry:
        payload = dict(edit.payload)
        if payload.get("id") != edit.entry_id:
            raise problem(edit.entry_id, "id", f"the entry's id is {payload.get('id')!r}")
        topic = payload.get("topic")
        file = self._file_for(edit.entry_id, topic if isinstance(topic, str) else "")
        c = _Collector()
        entry = parse_entry(payload, file, c, 0)
        if c.problems or entry is None:
            raise KnowledgeError(c.problems or [Problem(file, edit.entry_id, "", "not a valid entry")])
        return entry

    def apply(self, *edits: Edit) -> EditedKnowledge:
        """A new state with ``edits`` applied (all or none); ``KnowledgeError`` when the result is invalid."""
        entries: dict[str, Entry] = {e.id: e for e in self.entries}
        deleted = dict(self.deleted)
        for edit in edits:
            if edit.deleted:
                gone = entries.pop(edit.entry_id, None)
                if gone is None:
                    raise problem(edit.entry_id, "id", "no such entry to delete")
                deleted[edit.entry_id] = gone
                continue
            entry = self._parsed(edit)
            entries[entry.id] = entry
            deleted.pop(entry.id, None)
        live = prune_related(entries.values(), set(deleted) - set(entries))
        c = _Collector()
        check_entries(live, self.base.topics, self.base.article, c)
        if c.problems:
            raise KnowledgeError(c.problems)
        return EditedKnowledge(self.base, tuple(entries.values()), deleted, self.base.replace_entries(live))


def prune_related(entries: Iterable[Entry], gone: set[str]) -> list[Entry]:
    """Entries with ids of soft-deleted entries taken out of their ``related`` lists."""
    if not gone:
        return list(entries)
    return [
        dataclasses.replace(e, related=tuple(r for r in e.related if r not in gone))
        if not gone.isdisjoint(e.related)
        else e
        for e in entries
    ]


# --- the edit each admin action makes ----------------------------------------------------------------


def _live(edited: EditedKnowledge, entry_id: str) -> Entry:
    entry = edited.get(entry_id)
    if entry is None:
        raise problem(entry_id, "id", "no such entry")
    return entry


def _with_block(entry: Entry, lang: str, **changes: Any) -> Edit:
    if lang not in LANGS:
        raise problem(entry.id, "lang", f"must be one of {', '.join(LANGS)}")
    data = entry.to_dict()
    data[lang] = {**data[lang], **changes}
    return Edit(entry.id, data)


def add_question(edited: EditedKnowledge, entry_id: str, lang: str, question: str) -> Edit:
    """The entry with one more alternate question in ``lang`` (a duplicate is an error)."""
    entry = _live(edited, entry_id)
    return _with_block(entry, lang, questions=[*entry.block(lang).questions, " ".join(question.split())])


def question_id(question: str) -> str:
    """A question's short identity (8 hex digits of its SHA-256): what a "remove this question" button
    carries, so that a stale button removes that question or nothing, never the one now in its place."""
    return hashlib.sha256(question.encode("utf-8")).hexdigest()[:8]


def remove_question(edited: EditedKnowledge, entry_id: str, lang: str, qid: str) -> Edit:
    """The entry without its question in ``lang`` whose :func:`question_id` is ``qid`` (at least 3 must
    remain); an error when it has no such question (any more)."""
    entry = _live(edited, entry_id)
    questions = list(entry.block(lang).questions)
    kept = [q for q in questions if question_id(q) != qid]
    if len(kept) == len(questions):
        raise problem(entry_id, f"{lang}.questions", "that question is not there (any more)")
    return _with_block(entry, lang, questions=kept)


def replace_answer(edited: EditedKnowledge, entry_id: str, lang: str, answer: str) -> Edit:
    return _with_block(_live(edited, entry_id), lang, answer=answer.strip())


def replace_source(edited: EditedKnowledge, entry_id: str, lines: Iterable[str]) -> Edit:
    """The entry with a new source: the article's sentences as given (checked when the edit is applied)."""
    data = _live(edited, entry_id).to_dict()
    data["source"] = [" ".join(line.split()) for line in lines if line.strip()]
    quote = quote_text(edited.kb.article.cite(data["source"]))
    if data.get("highlight") and data["highlight"] not in quote:
        del data["highlight"]  # the emphasised clause is not in the new quote: the whole quote answers
    return Edit(entry_id, data)


def replace_topic(edited: EditedKnowledge, entry_id: str, topic: str) -> Edit:
    """The entry under another topic (an unknown topic is refused when the edit is applied)."""
    return Edit(entry_id, {**_live(edited, entry_id).to_dict(), "topic": topic})


def new_entry(edited: EditedKnowledge, data: Mapping[str, Any]) -> Edit:
    """A new entry; its id must not be in use (also not by a deleted entry: restore that instead)."""
    entry_id = str(data.get("id", ""))
    if edited.get(entry_id) is not None or entry_id in edited.deleted:
        raise problem(entry_id, "id", "an entry with this id already exists")
    return Edit(entry_id, dict(data))


def delete_entry(edited: EditedKnowledge, entry_id: str) -> Edit:
    return Edit(entry_id, _live(edited, entry_id).to_dict(), deleted=True)


def restore_entry(edited: EditedKnowledge, entry_id: str) -> Edit:
    gone = edited.deleted.get(entry_id)
    if gone is None:
        raise problem(entry_id, "id", "no deleted entry with this id")
    return Edit(entry_id, gone.to_dict())


def search_entries(edited: EditedKnowledge, matcher: Matcher, query: str, limit: int = 10) -> list[Entry]:
    """Entries (live or deleted) whose id or a question contains ``query``, then the matcher's best matches."""
    needle = query.casefold().strip()
    if not needle:
        return []
    found = [
        e for e in (*edited.entries, *edited.deleted.values())
        if needle in e.id or any(needle in q.casefold() for lang in LANGS for q in e.block(lang).questions)
    ]
    ranked = [c.entry for c in matcher.rank(matcher.analyzer.analyse(query))]
    live = {e.id for e in edited.entries}
    result = list(dict.fromkeys([*found, *(e for e in ranked if e.id in live)]))
    return result[:limit]
