"""The admin tools' buttons: typed callback actions, their ``K:`` callback_data, and the keyboards.

Every callback_data starts with ``K:`` and fits in 64 bytes (``encode`` raises otherwise; ``parse``
returns None for anything malformed, which the router answers with "expired"):

* ``K:l:<page>``: the list of entries; ``K:o:<id>``: open an entry
* ``K:q:<lang>:<id>``: add a question (prompts for text); ``K:a:<lang>:<id>``: replace the answer (prompts)
* ``K:r:<lang>:<id>``: pick a question to remove; ``K:x:<lang>:<qid>:<id>``: remove the question whose
  short hash (``bot.curation.overlay.question_id``) is qid: a stale button removes that one or nothing
* ``K:d:<id>``: ask to delete; ``K:D:<id>``: delete (soft); ``K:R:<id>``: restore
* ``K:y:<token>`` / ``K:n:<token>``: apply / cancel a previewed change (answer, import)
* ``K:u:<token>:<group>:<a|c|i>``: an unanswered group: add to the suggested entry, choose one, ignore;
  ``K:U:<token>:<group>:<id>``: add to this entry; ``K:N:<token>:<group>``: a new entry from it
* ``K:t:<topic>`` and ``K:c:y`` / ``K:c:n``: /kb_add's topic choice and confirmation
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.admin_texts import t
from bot.curation.overlay import question_id
from bot.curation.unanswered import UnansweredGroup
from bot.knowledge import Entry, KnowledgeBase
from bot.lexicon import LANGS
from bot.telegram.keyboards import MAX_CALLBACK_BYTES
from bot.texts import button_label

PREFIX = "K:"
_QID = re.compile(r"[0-9a-f]{8}")
PAGE_SIZE = 8


@dataclass(frozen=True)
class ListEntries:
    page: int = 0


@dataclass(frozen=True)
class OpenEntry:
    entry_id: str


@dataclass(frozen=True)
class PromptText:
    """➕ question / ✏️ answer: ask for the text in the next message."""

    what: Literal["question", "answer"]
    lang: str
    entry_id: str


@dataclass(frozen=True)
class PickRemoval:
    lang: str
    entry_id: str


@dataclass(frozen=True)
class RemoveQuestion:
    lang: str
    qid: str  # the question's identity (question_id), not its place in the list
    entry_id: str


@dataclass(frozen=True)
class AskDelete:
    entry_id: str


@dataclass(frozen=True)
class Delete:
    entry_id: str


@dataclass(frozen=True)
class Restore:
    entry_id: str


@dataclass(frozen=True)
class Decide:
    """Apply or cancel the previewed change kept under ``token``."""

    token: str
    apply: bool


GroupChoiceKind = Literal["add", "choose", "ignore"]
_CHOICE_CODES: dict[GroupChoiceKind, str] = {"add": "a", "choose": "c", "ignore": "i"}
_CHOICES: dict[str, GroupChoiceKind] = {code: kind for kind, code in _CHOICE_CODES.items()}


@dataclass(frozen=True)
class GroupChoice:
    """An unanswered group (``group`` of the listing kept under ``token``): add, choose an entry, ignore."""

    token: str
    group: int
    choice: GroupChoiceKind


@dataclass(frozen=True)
class AddToEntry:
    token: str
    group: int
    entry_id: str


@dataclass(frozen=True)
class NewFromGroup:
    token: str
    group: int


@dataclass(frozen=True)
class ChooseTopic:
    topic_id: str


@dataclass(frozen=True)
class ConfirmNew:
    confirm: bool


Action = (
    ListEntries | OpenEntry | PromptText | PickRemoval | RemoveQuestion | AskDelete | Delete | Restore | Decide
    | GroupChoice | AddToEntry | NewFromGroup | ChooseTopic | ConfirmNew
)


def _parts(action: Action) -> tuple[object, ...]:
    match action:
        case ListEntries(page):
            return ("l", page)
        case OpenEntry(entry_id):
            return ("o", entry_id)
        case PromptText(what, lang, entry_id):
            return ("q" if what == "question" else "a", lang, entry_id)
        case PickRemoval(lang, entry_id):
            return ("r", lang, entry_id)
        case RemoveQuestion(lang, qid, entry_id):
            return ("x", lang, qid, entry_id)
        case AskDelete(entry_id):
            return ("d", entry_id)
        case Delete(entry_id):
            return ("D", entry_id)
        case Restore(entry_id):
            return ("R", entry_id)
        case Decide(token, apply):
            return ("y" if apply else "n", token)
        case GroupChoice(token, group, choice):
            return ("u", token, group, _CHOICE_CODES[choice])
        case AddToEntry(token, group, entry_id):
            return ("U", token, group, entry_id)
        case NewFromGroup(token, group):
            return ("N", token, group)
        case ChooseTopic(topic_id):
            return ("t", topic_id)
        case ConfirmNew(confirm):
            return ("c", "y" if confirm else "n")


def encode(action: Action) -> str:
    """The callback_data for ``action`` (``K:...``); ValueError when longer than Telegram allows."""
    text = PREFIX + ":".join(str(p) for p in _parts(action))
    if len(text.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data longer than {MAX_CALLBACK_BYTES} bytes: {text[:70]!r}")
    return text


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _parse(parts: list[str]) -> Action | None:
    match parts:
        case ["l", page] if _digits(page):
            return ListEntries(int(page))
        case ["o", entry_id] if entry_id:
            return OpenEntry(entry_id)
        case ["q" | "a" as kind, lang, entry_id] if lang in LANGS and entry_id:
            return PromptText("question" if kind == "q" else "answer", lang, entry_id)
        case ["r", lang, entry_id] if lang in LANGS and entry_id:
            return PickRemoval(lang, entry_id)
        case ["x", lang, qid, entry_id] if lang in LANGS and _QID.fullmatch(qid) and entry_id:
            return RemoveQuestion(lang, qid, entry_id)
        case ["d", entry_id] if entry_id:
            return AskDelete(entry_id)
        case ["D", entry_id] if entry_id:
            return Delete(entry_id)
        case ["R", entry_id] if entry_id:
            return Restore(entry_id)
        case ["y" | "n" as kind, token] if token:
            return Decide(token, apply=kind == "y")
        case ["u", token, group, code] if token and _digits(group) and code in _CHOICES:
            return GroupChoice(token, int(group), _CHOICES[code])
        case ["U", token, group, entry_id] if token and _digits(group) and entry_id:
            return AddToEntry(token, int(group), entry_id)
        case ["N", token, group] if token and _digits(group):
            return NewFromGroup(token, int(group))
        case ["t", topic_id] if topic_id:
            return ChooseTopic(topic_id)
        case ["c", "y" | "n" as answer]:
            return ConfirmNew(answer == "y")
    return None


def parse(callback_data: str | None) -> Action | None:
    """The action an admin button's callback_data stands for; None when it is not one or is malformed."""
    if not callback_data or not callback_data.startswith(PREFIX):
        return None
    if len(callback_data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    return _parse(callback_data[len(PREFIX) :].split(":"))


# --- keyboards ----------------------------------------------------------------------------------------


def _button(label: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(button_label(label), callback_data=encode(action))


def entry_list(entries: Sequence[Entry], deleted: Sequence[Entry], lang: str, page: int) -> InlineKeyboardMarkup:
    """One page of entries (deleted ones last, marked 🗑), with ◀ / ▶."""
    items = [(e, False) for e in entries] + [(e, True) for e in deleted]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = [
        [_button(f"{'🗑 ' if gone else ''}{e.id}: {e.title(lang)}", OpenEntry(e.id))]
        for e, gone in items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    nav = []
    if page > 0:
        nav.append(_button(t("previous", lang), ListEntries(page - 1)))
    if page + 1 < pages:
        nav.append(_button(t("next", lang), ListEntries(page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def search_results(entries: Sequence[Entry], lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(f"{e.id}: {e.title(lang)}", OpenEntry(e.id))] for e in entries])


def entry_actions(entry: Entry, lang: str, *, deleted: bool = False) -> InlineKeyboardMarkup:
    """Add / remove a question and replace the answer per language; delete or restore; back to the list."""
    back = _button(t("btn_entries", lang), ListEntries(0))
    if deleted:
        return InlineKeyboardMarkup([[_button(t("btn_restore", lang), Restore(entry.id)), back]])
    rows = [
        [
            _button(t("btn_add_question", lang, language=q_lang), PromptText("question", q_lang, entry.id)),
            _button(t("btn_remove_question", lang, language=q_lang), PickRemoval(q_lang, entry.id)),
            _button(t("btn_answer", lang, language=q_lang), PromptText("answer", q_lang, entry.id)),
        ]
        for q_lang in LANGS
    ]
    rows.append([_button(t("btn_delete", lang), AskDelete(entry.id)), back])
    return InlineKeyboardMarkup(rows)


def remove_choices(entry: Entry, q_lang: str, lang: str) -> InlineKeyboardMarkup:
    rows = [
        [_button(f"{i + 1}. {q}", RemoveQuestion(q_lang, question_id(q), entry.id))]
        for i, q in enumerate(entry.block(q_lang).questions)
    ]
    rows.append([_button(t("cancel", lang), OpenEntry(entry.id))])
    return InlineKeyboardMarkup(rows)


def confirm_delete(entry: Entry, lang: str) -> InlineKeyboardMarkup:
    yes, no = _button(t("yes_delete", lang), Delete(entry.id)), _button(t("cancel", lang), OpenEntry(entry.id))
    return InlineKeyboardMarkup([[yes, no]])


def apply_or_cancel(token: str, lang: str) -> InlineKeyboardMarkup:
    apply, cancel = _button(t("btn_apply", lang), Decide(token, True)), _button(t("cancel", lang), Decide(token, False))
    return InlineKeyboardMarkup([[apply, cancel]])


def unanswered_actions(groups: Sequence[UnansweredGroup], token: str, lang: str) -> InlineKeyboardMarkup:
    """Per group: add to the suggested entry, another entry, a new entry, ignore."""
    rows: list[list[InlineKeyboardButton]] = []
    for n, g in enumerate(groups):
        row = []
        if g.suggestion is not None:
            label = f"{n + 1}. " + t("btn_add_to", lang, title=g.suggestion.id)
            row.append(_button(label, GroupChoice(token, n, "add")))
        row.append(_button(f"{n + 1}. " + t("btn_other_entry", lang), GroupChoice(token, n, "choose")))
        rows.append(row)
        rows.append([_button(f"{n + 1}. " + t("btn_new_entry", lang), NewFromGroup(token, n)),
                     _button(f"{n + 1}. " + t("btn_ignore", lang), GroupChoice(token, n, "ignore"))])
    return InlineKeyboardMarkup(rows)


def choose_entry(entries: Sequence[Entry], token: str, group: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(f"{e.id}: {e.title(lang)}", AddToEntry(token, group, e.id))] for e in entries]
    )


def topics(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(tp.title(lang), ChooseTopic(tp.id))] for tp in kb.topics])


def confirm_new(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("btn_confirm", lang), ConfirmNew(True)),
                                  _button(t("cancel", lang), ConfirmNew(False))]])
