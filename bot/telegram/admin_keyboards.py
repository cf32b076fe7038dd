"""The admin tools' buttons. Every callback_data starts with ``K:`` and fits in 64 bytes.

* ``K:l:<page>``: the list of entries; ``K:o:<id>``: open an entry
* ``K:q:<lang>:<id>``: add a question (prompts for text); ``K:a:<lang>:<id>``: replace the answer (prompts)
* ``K:r:<lang>:<id>``: pick a question to remove; ``K:x:<lang>:<n>:<id>``: remove question n
* ``K:d:<id>``: ask to delete; ``K:D:<id>``: delete (soft); ``K:R:<id>``: restore
* ``K:y:<token>`` / ``K:n:<token>``: apply / cancel a previewed change (answer, import)
* ``K:u:<token>:<group>:<a|c|i>``: an unanswered group: add to the suggested entry, choose one, ignore;
  ``K:U:<token>:<group>:<id>``: add to this entry; ``K:N:<token>:<group>``: a new entry from it
* ``K:t:<topic>`` and ``K:c:y`` / ``K:c:n``: /kb_add's topic choice and confirmation
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.admin import UnansweredGroup
from bot.knowledge import LANGS, Entry, KnowledgeBase
from bot.telegram.keyboards import MAX_CALLBACK_BYTES
from bot.texts import button_label, t

PREFIX = "K:"
PAGE_SIZE = 8
PATTERN = r"^K:"
EDIT_PROMPT_PATTERN = r"^K:[qa]:"
NEW_FROM_GROUP_PATTERN = r"^K:N:"
TOPIC_PATTERN = r"^K:t:"
CONFIRM_PATTERN = r"^K:c:"


def data(*parts: object) -> str:
    """``K:part:part...``; ValueError when longer than Telegram allows."""
    text = PREFIX + ":".join(str(p) for p in parts)
    if len(text.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data longer than {MAX_CALLBACK_BYTES} bytes: {text[:70]!r}")
    return text


def parse(callback_data: str | None) -> list[str]:
    """The parts after ``K:`` (empty when the data is not an admin button's)."""
    if not callback_data or not callback_data.startswith(PREFIX):
        return []
    return callback_data[len(PREFIX) :].split(":")


def _button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(button_label(label), callback_data=data(*parts))


def entry_list(entries: Sequence[Entry], deleted: Sequence[Entry], lang: str, page: int) -> InlineKeyboardMarkup:
    """One page of entries (deleted ones last, marked 🗑), with ◀ / ▶."""
    items = [(e, False) for e in entries] + [(e, True) for e in deleted]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [_button(f"{'🗑 ' if gone else ''}{e.id}: {e.title(lang)}", "o", e.id)]
        for e, gone in items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append(_button(t("previous", lang), "l", page - 1))
    if page + 1 < pages:
        nav.append(_button(t("next", lang), "l", page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def search_results(entries: Sequence[Entry], lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(f"{e.id}: {e.title(lang)}", "o", e.id)] for e in entries])


def entry_actions(entry: Entry, lang: str, *, deleted: bool = False) -> InlineKeyboardMarkup:
    """Add / remove a question and replace the answer per language; delete or restore; back to the list."""
    back = _button(t("btn_entries", lang), "l", 0)
    if deleted:
        return InlineKeyboardMarkup([[_button(t("btn_restore", lang), "R", entry.id), back]])
    rows = [
        [
            _button(t("btn_add_question", lang, language=q_lang), "q", q_lang, entry.id),
            _button(t("btn_remove_question", lang, language=q_lang), "r", q_lang, entry.id),
            _button(t("btn_answer", lang, language=q_lang), "a", q_lang, entry.id),
        ]
        for q_lang in LANGS
    ]
    rows.append([_button(t("btn_delete", lang), "d", entry.id), back])
    return InlineKeyboardMarkup(rows)


def remove_choices(entry: Entry, q_lang: str, lang: str) -> InlineKeyboardMarkup:
    rows = [[_button(f"{i + 1}. {q}", "x", q_lang, i, entry.id)] for i, q in enumerate(entry.block(q_lang).questions)]
    rows.append([_button(t("cancel", lang), "o", entry.id)])
    return InlineKeyboardMarkup(rows)


def confirm_delete(entry: Entry, lang: str) -> InlineKeyboardMarkup:
    yes, no = _button(t("yes_delete", lang), "D", entry.id), _button(t("cancel", lang), "o", entry.id)
    return InlineKeyboardMarkup([[yes, no]])


def apply_or_cancel(token: str, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("btn_apply", lang), "y", token), _button(t("cancel", lang), "n", token)]])


def unanswered_actions(groups: Sequence[UnansweredGroup], token: str, lang: str) -> InlineKeyboardMarkup:
    """Per group: add to the suggested entry, another entry, a new entry, ignore."""
    rows: list[list[InlineKeyboardButton]] = []
    for n, g in enumerate(groups):
        row = []
        if g.suggestion is not None:
            row.append(_button(f"{n + 1}. " + t("btn_add_to", lang, title=g.suggestion.id), "u", token, n, "a"))
        row.append(_button(f"{n + 1}. " + t("btn_other_entry", lang), "u", token, n, "c"))
        rows.append(row)
        rows.append([_button(f"{n + 1}. " + t("btn_new_entry", lang), "N", token, n),
                     _button(f"{n + 1}. " + t("btn_ignore", lang), "u", token, n, "i")])
    return InlineKeyboardMarkup(rows)


def choose_entry(entries: Sequence[Entry], token: str, group: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(f"{e.id}: {e.title(lang)}", "U", token, group, e.id)] for e in entries])


def topics(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(tp.title(lang), "t", tp.id)] for tp in kb.topics])


def confirm_new(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("btn_confirm", lang), "c", "y"), _button(t("cancel", lang), "c", "n")]])
