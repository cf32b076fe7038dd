"""Inline keyboards and the callback_data they carry (every string ≤ 64 bytes, parsed defensively).

Callback data formats (``lang`` is ``en`` or ``ru``, the language of the message the button is under):

* ``a:<lang>:<entry_id>``: ask this question (the answer is a new message)
* ``c:<lang>:<entry_id>``: choose this candidate of a clarification (the answer replaces the message)
* ``f:+:<entry_id>`` / ``f:-:<entry_id>``: 👍 / 👎 on an answer
* ``T:<lang>``: the list of topics; ``t:<lang>:<topic_id>:<page>``: one page of a topic's questions
* ``l:<lang>``: answer in this language from now on
* ``x:forget:<lang>:<user id>`` / ``x:cancel:<lang>:<user id>``: confirm or cancel /forgetme (only that
  user's press counts; the older form without the id only in that user's own private chat)
* ``s:c:1`` / ``s:c:0``: a group's compact / full answers; ``s:l:<auto|en|ru>``: the group's language
  (/settings; only the group's admins' presses count)

Nothing here names the asker: in a group, whose answer a button is under is looked up when it is pressed
(``bot.telegram.group.own_press``), so a keyboard depends only on the entry, the language and the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.knowledge import Entry, KnowledgeBase
from bot.lexicon import LANGS
from bot.matching import Outcome
from bot.texts import button_label, is_content_free, t

log = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64
TOPIC_PAGE_SIZE = 5
START_SAMPLES = 4


@dataclass(frozen=True)
class Ask:
    lang: str
    entry_id: str
    replace: bool = False  # a clarification choice: edit the message instead of sending a new one


@dataclass(frozen=True)
class Vote:
    entry_id: str
    value: int  # +1 or -1


@dataclass(frozen=True)
class Topics:
    lang: str
    topic_id: str = ""  # empty: the list of topics
    page: int = 0


AUTO = "auto"  # the /lang choice "each message in its own language"


@dataclass(frozen=True)
class SetLang:
    lang: str  # "en", "ru" or AUTO


@dataclass(frozen=True)
class Forget:
    lang: str
    confirm: bool
    user_id: int = 0  # whose /forgetme this confirms (0: a button made before the id was carried)


@dataclass(frozen=True)
class GroupSetting:
    compact: bool | None = None  # compact (True) or full (False) answers ...
    lang: str | None = None  # ... or the group's language: "en", "ru" or AUTO


Action = Ask | Vote | Topics | SetLang | Forget | GroupSetting


def encode(action: Action) -> str:
    """The callback_data for ``action``; ValueError when it would not fit in 64 bytes."""
    match action:
        case Ask(lang, entry_id, replace):
            data = f"{'c' if replace else 'a'}:{lang}:{entry_id}"
        case Vote(entry_id, value):
            data = f"f:{'+' if value > 0 else '-'}:{entry_id}"
        case Topics(lang, "", _):
            data = f"T:{lang}"
        case Topics(lang, topic_id, page):
            data = f"t:{lang}:{topic_id}:{page}"
        case SetLang(lang):
            data = f"l:{lang}"
        case Forget(lang, confirm, user_id):
            data = f"x:{'forget' if confirm else 'cancel'}:{lang}" + (f":{user_id}" if user_id else "")
        case GroupSetting(compact, lang):
            data = f"s:c:{int(compact)}" if compact is not None else f"s:l:{lang}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback_data longer than {MAX_CALLBACK_BYTES} bytes: {data[:70]!r}")
    return data


def parse(data: str | None) -> Action | None:
    """The action a button's callback_data stands for, or None when it is malformed."""
    if not data or len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    kind, args = parts[0], parts[1:]
    if kind in ("a", "c") and len(args) == 2 and args[0] in LANGS and args[1]:
        return Ask(args[0], args[1], replace=kind == "c")
    if kind == "f" and len(args) == 2 and args[0] in ("+", "-") and args[1]:
        return Vote(args[1], 1 if args[0] == "+" else -1)
    if kind == "T" and len(args) == 1 and args[0] in LANGS:
        return Topics(args[0])
    if kind == "t" and len(args) == 3 and args[0] in LANGS and args[1] and args[2].isdigit():
        return Topics(args[0], args[1], int(args[2]))
    if kind == "l" and len(args) == 1 and args[0] in (*LANGS, AUTO):
        return SetLang(args[0])
    if kind == "x" and len(args) in (2, 3) and args[0] in ("forget", "cancel") and args[1] in LANGS:
        user_id = args[2] if len(args) == 3 else "0"
        if user_id.isascii() and user_id.isdigit():
            return Forget(args[1], confirm=args[0] == "forget", user_id=int(user_id))
    if kind == "s" and len(args) == 2 and args[0] == "c" and args[1] in ("0", "1"):
        return GroupSetting(compact=args[1] == "1")
    if kind == "s" and len(args) == 2 and args[0] == "l" and args[1] in (*LANGS, AUTO):
        return GroupSetting(lang=args[1])
    return None


def _button(label: str, action: Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(button_label(label), callback_data=encode(action))


def _question_rows(
    entries: list[Entry] | tuple[Entry, ...], lang: str, replace: bool = False
) -> list[list[InlineKeyboardButton]]:
    return [[_button(e.title(lang), Ask(lang, e.id, replace))] for e in entries]


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_row(entry: Entry) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(t("feedback_up", "en"), callback_data=encode(Vote(entry.id, 1))),
        InlineKeyboardButton(t("feedback_down", "en"), callback_data=encode(Vote(entry.id, -1))),
    ]


def topic_rows(kb: KnowledgeBase, lang: str) -> list[list[InlineKeyboardButton]]:
    """One button per topic that has questions (a topic whose id is too long for callback_data is skipped)."""
    rows: list[list[InlineKeyboardButton]] = []
    for topic in kb.topics:
        if not kb.entries_in(topic.id):
            continue
        try:
            rows.append([_button(topic.title(lang), Topics(lang, topic.id, 0))])
        except ValueError:
            log.warning("topic id %r is too long for a button; the topic is not listed", topic.id)
    return rows


class _Built:
    """Outcome keyboards built once per (entry, language, outcome) and shared: a markup is immutable, and
    the same answer gets the same buttons every time (issue #14). Forgotten when the knowledge base is
    replaced (an edit, a reload) and when full."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self.kb: KnowledgeBase | None = None
        self.items: dict[tuple[object, ...], InlineKeyboardMarkup | None] = {}

    def get(self, kb: KnowledgeBase, key: tuple[object, ...],
            build: Callable[[], InlineKeyboardMarkup | None]) -> InlineKeyboardMarkup | None:
        """The markup kept for ``key``, else ``build()``'s, kept."""
        if kb is not self.kb or len(self.items) >= self.limit:
            self.kb, self.items = kb, {}
        if key not in self.items:
            self.items[key] = build()
        return self.items[key]


_built = _Built()


def outcome_keyboard(
    outcome: Outcome, kb: KnowledgeBase, suggestions: int, *, feedback: bool = True
) -> InlineKeyboardMarkup | None:
    """Buttons under a reply: follow-ups and 👍/👎 (answered), candidates (clarify), facts or topics."""
    key = (outcome.status, outcome.lang, outcome.entry.id if outcome.entry else None,
           tuple(e.id for e in outcome.suggestions[:suggestions]), tuple(c.entry.id for c in outcome.candidates),
           is_content_free(outcome) or outcome.reason == "other_language", feedback)
    return _built.get(kb, key, lambda: _outcome_keyboard(outcome, kb, suggestions, feedback=feedback))


def _outcome_keyboard(
    outcome: Outcome, kb: KnowledgeBase, suggestions: int, *, feedback: bool = True
) -> InlineKeyboardMarkup | None:
    lang = outcome.lang
    if outcome.status == "answered" and outcome.entry is not None:
        rows = _question_rows(outcome.suggestions[:suggestions], lang)
        if feedback and outcome.entry.kind == "fact":
            rows.append(feedback_row(outcome.entry))
        return _markup(rows)
    if outcome.status == "clarify":
        return _markup(_question_rows([c.entry for c in outcome.candidates], lang, replace=True))
    if outcome.suggestions:
        return _markup(_question_rows(outcome.suggestions[:suggestions], lang))
    if is_content_free(outcome) or outcome.reason == "other_language":
        return None  # "ok", "hmm", another language: a line of text, no menu
    return _markup(topic_rows(kb, lang))


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard without its 👍/👎 row (after a vote)."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(isinstance(b.callback_data, str) and b.callback_data.startswith("f:") for b in row)
    ]
    return _markup(rows)


def start_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup | None:
    """Sample questions: the first fact of each of the first few topics."""
    samples: list[Entry] = []
    for topic in kb.topics:
        facts = kb.entries_in(topic.id)
        if facts:
            samples.append(facts[0])
        if len(samples) >= START_SAMPLES:
            break
    return _markup(_question_rows(samples, lang))


def topics_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup | None:
    return _markup(topic_rows(kb, lang))


def page_count(kb: KnowledgeBase, topic_id: str) -> int:
    return max(1, -(-len(kb.entries_in(topic_id)) // TOPIC_PAGE_SIZE))


def topic_page_keyboard(kb: KnowledgeBase, lang: str, topic_id: str, page: int) -> InlineKeyboardMarkup:
    """One page of a topic's questions, with ◀ / ▶ and a way back to all topics."""
    entries = kb.entries_in(topic_id)
    pages = page_count(kb, topic_id)
    rows = _question_rows(entries[page * TOPIC_PAGE_SIZE : (page + 1) * TOPIC_PAGE_SIZE], lang)
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(_button(t("previous", lang), Topics(lang, topic_id, page - 1)))
    if page + 1 < pages:
        nav.append(_button(t("next", lang), Topics(lang, topic_id, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([_button(t("all_topics", lang), Topics(lang))])
    return InlineKeyboardMarkup(rows)


def lang_keyboard(current: str, lang: str) -> InlineKeyboardMarkup:
    """Auto, English, Русский; the current choice marked with ✓ (labels in ``lang``)."""
    options = [(AUTO, t("lang_auto", lang)), *((code, t("lang_name", code)) for code in LANGS)]
    return InlineKeyboardMarkup(
        [[_button(("✓ " if code == current else "") + label, SetLang(code)) for code, label in options]]
    )


def settings_keyboard(compact: bool, group_lang: str, lang: str) -> InlineKeyboardMarkup:
    """A group's /settings: full or compact answers, then Auto / English / Русский; current ones marked ✓."""

    def mark(on: bool, label: str) -> str:
        return ("✓ " if on else "") + label

    langs = [(AUTO, t("lang_auto", lang)), *((code, t("lang_name", code)) for code in LANGS)]
    return InlineKeyboardMarkup(
        [
            [
                _button(mark(not compact, t("button_full", lang)), GroupSetting(compact=False)),
                _button(mark(compact, t("button_compact", lang)), GroupSetting(compact=True)),
            ],
            [_button(mark(code == group_lang, label), GroupSetting(lang=code)) for code, label in langs],
        ]
    )


def forget_keyboard(lang: str, user_id: int) -> InlineKeyboardMarkup:
    """Yes, delete / Cancel for ``user_id``'s /forgetme (nobody else's press counts)."""
    return InlineKeyboardMarkup(
        [
            [
                _button(t("yes_delete", lang), Forget(lang, True, user_id)),
                _button(t("cancel", lang), Forget(lang, False, user_id)),
            ]
        ]
    )


def private_chat_keyboard(lang: str, username: str, payload: str) -> InlineKeyboardMarkup | None:
    """One button that opens the private chat with the bot on ``/start <payload>``."""
    if not username:
        return None
    url = f"https://t.me/{username}?start={payload}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t("open_private", lang), url=url)]])
