"""The admin tools' formatting, over the admin strings of ``bot.admin_strings`` (English and Russian).

The admin tools (``bot/telegram/admin/``, ``bot/cli_kb.py``) speak through these: the strings of the
admin commands, buttons and conversations, and the texts of an entry card, a regression replay, an
import preview, unanswered groups, the history and the statistics. ``t``/``ht`` look a key up here
first and then among the user strings of ``bot.texts`` (shared words such as "Cancel"). Escaping for
Telegram HTML goes through ``bot.texts``' helpers (``fill``, ``esc``): no HTML escaping of its own here.
No Telegram imports, and formatting only: the history's JSON parsing and entry diffing are in
``bot.curation.history``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence

from bot.admin_strings import ADMIN_STRINGS as _STRINGS
from bot.curation.diff import FieldChange
from bot.curation.history import HistoryItem
from bot.curation.replay import Replay
from bot.curation.unanswered import Unanswered, UnansweredGroup, UnansweredQuestion
from bot.knowledge import Entry, LangBlock
from bot.lexicon import LANGS
from bot.texts import MAX_MESSAGE_CHARS, button_label, esc, fill, strings

HISTORY_ENTRIES = 12  # entries named per history line (an import may touch many)
QUOTED_CHARS = 300  # a user's question quoted in an admin message (the whole of it is in the chat log)
_OPEN_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip(text: str, limit: int = QUOTED_CHARS) -> str:
    """User text quoted inside an admin message: whitespace collapsed, at most ``limit`` characters."""
    return button_label(" ".join(text.split()), limit)


def fit(text: str, *, html: bool = True, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to fit one Telegram message (``limit`` UTF-16 units, markup counted too, so it is on
    the safe side) at a line or word boundary, with "…"; for HTML no tag or entity is cut in two and
    the tags left open are closed."""
    if _utf16(text) <= limit:
        return text
    end = limit - 1
    while (over := _utf16(text[:end]) - (limit - 1)) > 0:
        end -= over
    cut = text[:end]
    for sep in ("\n", " "):
        pos = cut.rfind(sep)
        if pos > limit // 2:
            cut = cut[:pos]
            break
    if html:
        cut = re.sub(r"&#?\w*$", "", re.sub(r"<[^>]*$", "", cut))
    cut = cut.rstrip() + "…"
    if html:
        still_open: list[str] = []
        for m in _OPEN_TAG.finditer(cut):
            if not m.group(1):
                still_open.append(m.group(2))
            elif still_open and still_open[-1] == m.group(2):
                still_open.pop()
        cut += "".join(f"</{name}>" for name in reversed(still_open))
    return cut


def _table(key: str) -> Mapping[str, str]:
    return _STRINGS.get(key) or strings(key)


def t(key: str, lang: str, **values: object) -> str:
    """A plain (unescaped) admin string (or a user string of ``bot.texts``); values are inserted as given."""
    return fill(_table(key), lang, False, **values)


def ht(key: str, lang: str, **values: object) -> str:
    """An admin string (or a user string) for Telegram HTML: the template's own text and every value escaped."""
    return fill(_table(key), lang, True, **values)


def problems_text(problems: Iterable[object], lang: str, *, html: bool, key: str = "rejected") -> str:
    """A KnowledgeError's problems, one a line (at most 15), under the ``key`` message."""
    items = [f"• {p}" for p in problems]
    if len(items) > 15:
        items = [*items[:15], f"… (+{len(items) - 15})"]
    return fit((ht if html else t)(key, lang, problems="\n".join(items)), html=html)


def admin_entry_text(entry: Entry, lang: str, *, html: bool, topic: str = "", deleted: bool = False) -> str:
    """An entry as admins see it: id, kind, topic, every question and the answer per language."""
    tr = ht if html else t
    head = f"{entry.id} · {entry.kind} · {topic or entry.topic}"
    if deleted:
        head += f" · {t('kb_deleted_mark', lang)}"
    parts = [f"<b>{esc(head, True)}</b>" if html else head]
    for block_lang in LANGS:
        block = entry.block(block_lang)
        questions = "\n".join(f"{i}. {q}" for i, q in enumerate(block.questions, 1))
        parts.append(f"{tr('kb_questions', lang, language=block_lang)}:\n{esc(questions, html)}")
        parts.append(f"{tr('kb_answer', lang, language=block_lang)}:\n{esc(block.answer, html)}")
    return fit("\n\n".join(parts), html=html)


def replay_text(replay: Replay, lang: str, *, html: bool) -> str:
    """The regression replay summary with up to five examples."""
    tr = ht if html else t
    lines = [tr("replay_summary", lang, changed=replay.changed, checked=replay.checked)]
    for ex in replay.examples:
        before = f"{ex.before_status}{f' {ex.before_entry}' if ex.before_entry else ''}"
        after = f"{ex.after_status}{f' {ex.after_entry}' if ex.after_entry else ''}"
        lines.append(esc(f"• {button_label(ex.question, 80)}: {before} → {after}", html))
    if replay.regression_total:
        lines.append(tr("replay_regression", lang, before=replay.regression_before, after=replay.regression_after,
                        total=replay.regression_total))
    return "\n".join(lines)


DIFF_TEXT_CHARS = 200  # an old or new text of a field in the import diff
DIFF_ENTRIES = 30  # entries shown in the import diff


def _field_lines(change: FieldChange) -> list[str]:
    if change.is_list:
        parts = [f"− “{clip(x, DIFF_TEXT_CHARS)}”" for x in change.old] + [f"+ “{clip(x, DIFF_TEXT_CHARS)}”"
                                                                         for x in change.new]
        return [f"  {change.field}: " + "; ".join(parts)]
    old = f"“{clip(change.old[0], DIFF_TEXT_CHARS)}”" if change.old else "—"
    new = f"“{clip(change.new[0], DIFF_TEXT_CHARS)}”" if change.new else "—"
    return [f"  {change.field}: {old} → {new}"]


def import_preview_text(
    name: str, diffs: Sequence[tuple[str, str, Sequence[FieldChange]]], lang: str, *, html: bool
) -> str:
    """What an import would do: how many entries are new and changed, and per entry, field by field, the old
    and the new text (a new entry by its first question); cut to fit one message."""
    added = sum(1 for _i, mark, _c in diffs if mark == "+")
    changed = sum(1 for _i, mark, _c in diffs if mark == "~")
    text = (ht if html else t)("import_preview", lang, name=name, added=added, changed=changed)
    lines: list[str] = []
    for entry_id, mark, changes in diffs[:DIFF_ENTRIES]:
        lines.append(f"{mark} {entry_id}")
        if mark == "+":
            title = next((c.new[0] for c in changes if c.field == "en.questions" and c.new), "")
            lines.append(f"  “{clip(title, DIFF_TEXT_CHARS)}”")
        elif mark == "~":
            for change in changes:
                lines += _field_lines(change)
    if len(diffs) > DIFF_ENTRIES:
        lines.append(f"… (+{len(diffs) - DIFF_ENTRIES})")
    return fit(text + "\n" + esc("\n".join(lines), html), html=html, limit=MAX_MESSAGE_CHARS - 1000)


def _entry_name(entry: Entry | None, lang: str, limit: int = 80) -> str:
    return f"“{clip(entry.title(lang), limit)}” ({entry.id})" if entry is not None else t("unanswered_no_entry", lang)


def unanswered_page_text(
    listing: Unanswered, shown: Sequence[UnansweredGroup], page: int, pages: int, lang: str, *, html: bool
) -> str:
    """One page of /unanswered: the totals, then each group (its nearest entry, how many questions, the most
    asked ones); the groups declined on purpose under a heading of their own."""
    tr = ht if html else t
    questions = [q for g in listing.to_fix for q in g.questions]
    lines = [tr("unanswered_head", lang, questions=len(questions), count=sum(q.count for q in questions),
                groups=len(listing.to_fix)) + f" ({tr('unanswered_page', lang, page=page + 1, pages=pages)})"]
    first = page * len(shown) if shown else 0
    numbered = {g.key: n for n, g in enumerate(listing.groups, 1)}
    declined_shown = False
    for g in shown:
        if g.declined and not declined_shown:
            lines += ["", f"<b>{tr('unanswered_declined_head', lang)}</b>" if html else tr("unanswered_declined_head",
                                                                                       lang)]
            declined_shown = True
        n = numbered.get(g.key, first)
        lines.append(tr("unanswered_group_line", lang, n=n, entry=_entry_name(g.nearest, lang),
                        questions=len(g.questions), count=g.count))
        for q in g.questions[:3]:
            lines.append(esc(f"   • {clip(q.question, 100)} ×{q.count}", html))
        if len(g.questions) > 3:
            lines.append(esc(f"   … (+{len(g.questions) - 3})", html))
    return fit("\n".join(lines), html=html)


def unanswered_group_text(
    group: UnansweredGroup, shown: Sequence[UnansweredQuestion], page: int, pages: int, lang: str, *, html: bool
) -> str:
    """One group: its entry, and one page of its questions (each with how often it was asked)."""
    tr = ht if html else t
    key = "unanswered_declined_by" if group.declined else "unanswered_group_head"
    lines = [tr(key, lang, entry=_entry_name(group.nearest, lang)) +
             f" ({tr('unanswered_page', lang, page=page + 1, pages=pages)})"]
    start = page * len(shown) if shown else 0
    for n, q in enumerate(shown, start + 1):
        lines.append(esc(f"{n}. {clip(q.question, 200)} ×{q.count}", html))
    return fit("\n".join(lines), html=html)


def unanswered_question_text(group: UnansweredGroup, question: UnansweredQuestion, lang: str, *, html: bool) -> str:
    """One unanswered question: its words, how often, the nearest entry, the other wordings."""
    tr = ht if html else t
    text = tr("unanswered_question", lang, question=clip(question.question), count=question.count,
              entry=_entry_name(group.nearest, lang))
    others = [f"• {clip(w, 200)}" for w in question.wordings[1:10]]
    if others:
        text += f"\n{tr('unanswered_wordings', lang)}\n" + esc("\n".join(others), html)
    return fit(text, html=html)


def takeover_text(questions: Sequence[UnansweredQuestion], lang: str, *, html: bool) -> str:
    """The recent unanswered questions a new entry would answer (at most 10 shown)."""
    tr = ht if html else t
    if not questions:
        return tr("add_takes_none", lang)
    lines = [f"• {clip(q.question, 150)} ×{q.count}" for q in questions[:10]]
    if len(questions) > 10:
        lines.append(f"… (+{len(questions) - 10})")
    return tr("add_takes_over", lang) + "\n" + esc("\n".join(lines), html)


def _history_line(item: HistoryItem) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.ts))
    what = f"{when} · {item.who} · {item.action}"
    parts = []
    for entry_id, fields in item.changes[:HISTORY_ENTRIES]:
        if fields == (f"+{entry_id}",):
            parts.append(f"+{entry_id}")
        else:
            parts.append(f"{entry_id}: {', '.join(fields)}" if fields else entry_id)
    if len(item.changes) > HISTORY_ENTRIES:
        parts.append(f"… (+{len(item.changes) - HISTORY_ENTRIES})")
    if not parts and item.entry_id:
        parts.append(item.entry_id)
    return what + (" · " + "; ".join(parts) if parts else "")


def history_text(items: Iterable[HistoryItem], lang: str, *, html: bool) -> str:
    """History items, newest first: when, who (name and id), what, each entry touched and its fields."""
    items = list(items)
    tr = ht if html else t
    if not items:
        return tr("history_empty", lang)
    lines = [f"<b>{tr('history_title', lang)}</b>" if html else t("history_title", lang)]
    lines += [esc(_history_line(item), html) for item in items]
    return fit("\n".join(lines), html=html)


def admin_stats_text(stats: dict[str, object], days: int, lang: str, *, html: bool) -> str:
    """The /stats summary: counts, rates, feedback, the most frequent unanswered questions."""
    tr = ht if html else t

    def pct(key: str) -> str:
        return f"{100 * float(str(stats[key])):.0f}"

    text = tr("stats_summary", lang, days=days, total=stats["exchanges"], answered=stats["answered"],
              answered_pct=pct("answered_rate"), clarify=stats["clarify"], unknown=stats["unknown"],
              unknown_pct=pct("unknown_rate"), up=stats["feedback_up"], down=stats["feedback_down"])
    unanswered = stats.get("unanswered")
    if isinstance(unanswered, list) and unanswered:
        lines = [f"{item['count']} × {clip(str(item['question']), 200)}" for item in unanswered[:10]]
        text += f"\n\n{tr('stats_top_unanswered', lang)}:\n" + esc("\n".join(lines), html)
    return fit(text, html=html)


def new_entry_text(data: dict[str, object], lang: str, *, html: bool) -> str:
    """The /kb_add summary before confirming: the entry as it will be stored."""

    def block(key: str) -> LangBlock:
        raw = data[key]
        assert isinstance(raw, dict)
        return LangBlock(tuple(raw["questions"]), str(raw["answer"]))

    source = data.get("source")
    entry = Entry(str(data["id"]), str(data.get("kind", "fact")), str(data.get("topic", "")), block("en"),
                  block("ru"), source=tuple(source) if isinstance(source, list) else ())
    text = admin_entry_text(entry, lang, html=html)
    if entry.source:
        text += f"\n\n{(ht if html else t)('source', lang)}:\n" + esc("\n".join(entry.source), html)
    return fit(text, html=html)
