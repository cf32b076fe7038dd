"""The admin tools' buttons: typed callback actions, their ``K:`` callback_data, and the keyboards.

Every callback_data starts with ``K:`` and fits in 64 bytes (``encode`` raises otherwise; ``parse``
returns None for anything malformed, which the router answers with "expired"):

* ``K:l:<page>``: the list of entries; ``K:o:<id>``: open an entry
* ``K:q:<lang>:<id>``: add a question (prompts for text); ``K:a:<lang>:<id>``: replace the answer (prompts)
* ``K:r:<lang>:<id>``: pick a question to remove; ``K:x:<lang>:<qid>:<id>``: remove the question whose
  short hash (``bot.curation.overlay.question_id``) is qid: a stale button removes that one or nothing
* ``K:d:<id>``: ask to delete; ``K:D:<id>``: delete (soft); ``K:R:<id>``: restore
* ``K:y:<token>`` / ``K:n:<token>``: apply / cancel a previewed change (answer, import)
* ``K:s:<id>``: replace the source (prompts); ``K:T:<id>``: pick a topic; ``K:m:<topic hash>:<id>``: move it
  to the topic whose ``topic_key`` that is
* /unanswered, a listing kept under ``token``, its items named by identity (an entry id, ``-`` for no entry;
  a question's short hash ``qid``), never by their place in a list: ``K:ul:<token>:<page>`` a page of
  groups; ``K:ug:<token>:<page>:<entry id>`` a page of one group's questions; ``K:uq:<token>:<qid>`` one
  question; ``K:ui:<token>:<qid>`` ignore it; ``K:uc:<token>:<qid>:<page>`` a page of every entry to add
  it to; ``K:us:<token>:<qid>`` search for one (prompts); ``K:U:<token>:<qid>:<id>`` add it to this entry;
  ``K:N:<token>:<qid>`` a new entry from it
* ``K:t:<topic>`` and ``K:c:y`` / ``K:c:n``: /kb_add's topic choice and confirmation
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.admin_texts import t
from bot.curation.overlay import question_id
from bot.curation.unanswered import UnansweredGroup, UnansweredQuestion
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


@dataclass(frozen=True)
class PromptSource:
    """📄 source: ask for the sentences (the next message)."""

    entry_id: str


@dataclass(frozen=True)
class PickTopic:
    entry_id: str


@dataclass(frozen=True)
class MoveTopic:
    """Move the entry to the topic whose short hash (``topic_key``) is ``key``: ids of 40 characters
    each would not fit in 64 bytes together."""

    key: str
    entry_id: str


def topic_key(topic_id: str) -> str:
    """A topic's short identity on a button (8 hex digits of its SHA-256)."""
    return question_id(topic_id)


@dataclass(frozen=True)
class UnansweredPage:
    """A page of the /unanswered listing kept under ``token``."""

    token: str
    page: int = 0


@dataclass(frozen=True)
class OpenGroup:
    """A page of the questions nearest to entry ``key`` (``-``: to none) in the listing."""

    token: str
    key: str
    page: int = 0


QuestionVerb = Literal["open", "ignore"]
_VERB_CODES: dict[QuestionVerb, str] = {"open": "uq", "ignore": "ui"}
_VERBS: dict[str, QuestionVerb] = {code: verb for verb, code in _VERB_CODES.items()}


@dataclass(frozen=True)
class OnQuestion:
    """An unanswered question (its identity ``qid`` in the listing): open it, or ignore it."""

    verb: QuestionVerb
    token: str
    qid: str


@dataclass(frozen=True)
class SearchEntry:
    """Search an entry to add the question ``qid`` to (prompts for a word)."""

    token: str
    qid: str


@dataclass(frozen=True)
class NewFromQuestion:
    """A new entry from the question ``qid`` (/kb_add's steps)."""

    token: str
    qid: str


@dataclass(frozen=True)
class ChooseEntry:
    """A page of every entry, the nearest first, to add the question ``qid`` to."""

    token: str
    qid: str
    page: int = 0


@dataclass(frozen=True)
class AddToEntry:
    token: str
    qid: str
    entry_id: str


@dataclass(frozen=True)
class ChooseTopic:
    topic_id: str


@dataclass(frozen=True)
class ConfirmNew:
    confirm: bool


Action = (
    ListEntries | OpenEntry | PromptText | PickRemoval | RemoveQuestion | AskDelete | Delete | Restore | Decide
    | PromptSource | PickTopic | MoveTopic | UnansweredPage | OpenGroup | OnQuestion | SearchEntry | NewFromQuestion
    | ChooseEntry | AddToEntry
    | ChooseTopic | ConfirmNew
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
        case PromptSource(entry_id):
            return ("s", entry_id)
        case PickTopic(entry_id):
            return ("T", entry_id)
        case MoveTopic(key, entry_id):
            return ("m", key, entry_id)
        case UnansweredPage(token, page):
            return ("ul", token, page)
        case OpenGroup(token, key, page):
            return ("ug", token, page, key)
        case OnQuestion(verb, token, qid):
            return (_VERB_CODES[verb], token, qid)
        case SearchEntry(token, qid):
            return ("us", token, qid)
        case NewFromQuestion(token, qid):
            return ("N", token, qid)
        case ChooseEntry(token, qid, page):
            return ("uc", token, qid, page)
        case AddToEntry(token, qid, entry_id):
            return ("U", token, qid, entry_id)
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
        case ["s", entry_id] if entry_id:
            return PromptSource(entry_id)
        case ["T", entry_id] if entry_id:
            return PickTopic(entry_id)
        case ["m", key, entry_id] if _QID.fullmatch(key) and entry_id:
            return MoveTopic(key, entry_id)
        case ["ul", token, page] if token and _digits(page):
            return UnansweredPage(token, int(page))
        case ["ug", token, page, key] if token and _digits(page) and key:
            return OpenGroup(token, key, int(page))
        case [code, token, qid] if code in _VERBS and token and _QID.fullmatch(qid):
            return OnQuestion(_VERBS[code], token, qid)
        case ["us", token, qid] if token and _QID.fullmatch(qid):
            return SearchEntry(token, qid)
        case ["N", token, qid] if token and _QID.fullmatch(qid):
            return NewFromQuestion(token, qid)
        case ["uc", token, qid, page] if token and _QID.fullmatch(qid) and _digits(page):
            return ChooseEntry(token, qid, int(page))
        case ["U", token, qid, entry_id] if token and _QID.fullmatch(qid) and entry_id:
            return AddToEntry(token, qid, entry_id)
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
    rows.append([_button(t("btn_source", lang), PromptSource(entry.id)),
                 _button(t("btn_topic", lang), PickTopic(entry.id))])
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


def _nav(lang: str, page: int, pages: int, at: Callable[[int], Action]) -> list[InlineKeyboardButton]:
    """◀ / ▶ between pages (none when there is one page)."""
    nav = [_button(t("previous", lang), at(page - 1))] if page > 0 else []
    if page + 1 < pages:
        nav.append(_button(t("next", lang), at(page + 1)))
    return nav


def _quoted(question: str) -> str:
    return button_label(" ".join(question.split()), 24)


def unanswered_groups(
    groups: Sequence[UnansweredGroup], token: str, lang: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """One button per group of the page, named by its entry and how many questions it holds; ◀ / ▶."""
    rows = [
        [_button(t("btn_group", lang, count=len(g.questions),
                   title=button_label(g.nearest.title(lang), 40) if g.nearest else t("unanswered_no_entry", lang)),
                 OpenGroup(token, g.key))]
        for g in groups
    ]
    nav = _nav(lang, page, pages, lambda p: UnansweredPage(token, p))
    return InlineKeyboardMarkup([*rows, nav] if nav else rows)


def unanswered_group(
    group: UnansweredGroup, questions: Sequence[UnansweredQuestion], token: str, lang: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """One button per question of the page, named by its words; ◀ / ▶; back to the groups."""
    rows = [[_button(t("btn_question", lang, question=_quoted(q.question), count=q.count),
                     OnQuestion("open", token, q.qid))] for q in questions]
    nav = _nav(lang, page, pages, lambda p: OpenGroup(token, group.key, p))
    if nav:
        rows.append(nav)
    rows.append([_button(t("btn_back_groups", lang), UnansweredPage(token))])
    return InlineKeyboardMarkup(rows)


def unanswered_question(
    group: UnansweredGroup, question: UnansweredQuestion, token: str, lang: str
) -> InlineKeyboardMarkup:
    """What to do with one question; every button names it."""
    q = _quoted(question.question)
    rows = []
    if group.nearest is not None:
        title = button_label(group.nearest.title(lang), 24)
        rows.append([_button(t("btn_add_q_to", lang, question=q, title=title),
                             AddToEntry(token, question.qid, group.nearest.id))])
    rows += [
        [_button(t("btn_other_entry_q", lang, question=q), ChooseEntry(token, question.qid))],
        [_button(t("btn_new_entry_q", lang, question=q), NewFromQuestion(token, question.qid))],
        [_button(t("btn_ignore_q", lang, question=q), OnQuestion("ignore", token, question.qid))],
        [_button(t("btn_back_group", lang, title=button_label(group.nearest.title(lang), 40) if group.nearest
                   else t("unanswered_no_entry", lang)), OpenGroup(token, group.key))],
    ]
    return InlineKeyboardMarkup(rows)


def choose_entry(
    entries: Sequence[Entry], token: str, qid: str, lang: str, page: int, pages: int
) -> InlineKeyboardMarkup:
    """A page of entries to add the question to; ◀ / ▶; search; back to the question."""
    rows = [[_button(f"{e.id}: {e.title(lang)}", AddToEntry(token, qid, e.id))] for e in entries]
    nav = _nav(lang, page, pages, lambda p: ChooseEntry(token, qid, p))
    if nav:
        rows.append(nav)
    rows.append([_button(t("btn_search", lang), SearchEntry(token, qid)),
                 _button(t("previous", lang), OnQuestion("open", token, qid))])
    return InlineKeyboardMarkup(rows)


def found_entries(entries: Sequence[Entry], token: str, qid: str, lang: str) -> InlineKeyboardMarkup:
    """Search results: add the question to one of them; search again; back to the question."""
    rows = [[_button(f"{e.id}: {e.title(lang)}", AddToEntry(token, qid, e.id))] for e in entries]
    rows.append([_button(t("btn_search", lang), SearchEntry(token, qid)),
                 _button(t("previous", lang), OnQuestion("open", token, qid))])
    return InlineKeyboardMarkup(rows)


def move_topics(entry: Entry, kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    """The topics to move an entry to (its own marked ✓); back to the entry."""
    rows = [[_button(("✓ " if tp.id == entry.topic else "") + tp.title(lang), MoveTopic(topic_key(tp.id), entry.id))]
            for tp in kb.topics]
    rows.append([_button(t("cancel", lang), OpenEntry(entry.id))])
    return InlineKeyboardMarkup(rows)


def topics(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(tp.title(lang), ChooseTopic(tp.id))] for tp in kb.topics])


def confirm_new(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("btn_confirm", lang), ConfirmNew(True)),
                                  _button(t("cancel", lang), ConfirmNew(False))]])
