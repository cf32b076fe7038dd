"""Every admin-facing string, in English and Russian, and the admin tools' formatting.

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
from collections.abc import Iterable, Mapping

from bot.curation.history import HistoryItem
from bot.curation.replay import Replay
from bot.curation.unanswered import UnansweredGroup
from bot.knowledge import Entry, LangBlock
from bot.lexicon import LANGS
from bot.texts import MAX_MESSAGE_CHARS, button_label, esc, fill, strings

_STRINGS: dict[str, dict[str, str]] = {
    "admin_only": {
        "en": "Sorry, this command is for the bot's admins only.",
        "ru": "Извините, эта команда только для администраторов бота.",
    },
    # The admin commands in /help and in each admin's command menu (bot/telegram/admin/menu.py).
    "admin_help_title": {"en": "Admin commands (private chat)", "ru": "Команды администратора (в личном чате)"},
    "acmd_kb": {"en": "List or search the entries", "ru": "Записи базы знаний: список и поиск"},
    "acmd_kb_add": {"en": "Add an entry step by step", "ru": "Добавить запись по шагам"},
    "acmd_kb_undo": {"en": "Undo the latest change", "ru": "Отменить последнее изменение"},
    "acmd_kb_history": {"en": "The latest admin actions", "ru": "Последние действия администраторов"},
    "acmd_unanswered": {"en": "Questions the bot could not answer", "ru": "Вопросы, оставшиеся без ответа"},
    "acmd_stats": {"en": "Chat-log summary and chart", "ru": "Статистика и график"},
    "acmd_export": {"en": "The knowledge base as a TOML file", "ru": "База знаний файлом TOML"},
    "acmd_import": {"en": "Upload entries as TOML", "ru": "Загрузить записи из TOML"},
    "acmd_kb_reload": {"en": "Re-read knowledge/ from disk", "ru": "Перечитать knowledge/ с диска"},
    "kb_list": {
        "en": "Knowledge base: {count} entries, {deleted} deleted. Open one, or search with /kb words.",
        "ru": "База знаний: записей {count}, удалённых {deleted}. Откройте запись или ищите: /kb слова.",
    },
    "kb_search": {"en": "Entries for “{query}”:", "ru": "Записи по запросу «{query}»:"},
    "kb_search_none": {"en": "No entry matches “{query}”.", "ru": "Ничего не найдено по запросу «{query}»."},
    "kb_deleted_mark": {"en": "DELETED", "ru": "УДАЛЕНА"},
    "kb_questions": {"en": "Questions ({language})", "ru": "Вопросы ({language})"},
    "kb_answer": {"en": "Answer ({language})", "ru": "Ответ ({language})"},
    "btn_add_question": {"en": "➕ question {language}", "ru": "➕ вопрос {language}"},
    "btn_remove_question": {"en": "➖ question {language}", "ru": "➖ вопрос {language}"},
    "btn_answer": {"en": "✏️ answer {language}", "ru": "✏️ ответ {language}"},
    "btn_delete": {"en": "🗑 Delete", "ru": "🗑 Удалить"},
    "btn_restore": {"en": "♻️ Restore", "ru": "♻️ Восстановить"},
    "btn_entries": {"en": "◀ Entries", "ru": "◀ Записи"},
    "btn_apply": {"en": "✅ Apply", "ru": "✅ Применить"},
    "btn_confirm": {"en": "✅ Confirm", "ru": "✅ Подтвердить"},
    "btn_add_to": {"en": "➕ to “{title}”", "ru": "➕ к «{title}»"},
    "btn_other_entry": {"en": "Another entry", "ru": "Другая запись"},
    "btn_new_entry": {"en": "New entry", "ru": "Новая запись"},
    "btn_ignore": {"en": "Ignore", "ru": "Скрыть"},
    "prompt_question": {
        "en": "Send the new {language} question for “{title}” (or /cancel).",
        "ru": "Пришлите новый вопрос ({language}) для «{title}» (или /cancel).",
    },
    "prompt_answer": {
        "en": "Send the new {language} answer for “{title}” (or /cancel). Now it is:\n{answer}",
        "ru": "Пришлите новый ответ ({language}) для «{title}» (или /cancel). Сейчас:\n{answer}",
    },
    "pick_remove": {"en": "Which {language} question should go?", "ru": "Какой вопрос ({language}) убрать?"},
    "confirm_delete": {
        "en": "Delete “{title}”? It can be restored later.",
        "ru": "Удалить «{title}»? Её можно будет восстановить.",
    },
    "done_change": {"en": "Done: {what}. /kb_undo reverts it.", "ru": "Готово: {what}. /kb_undo отменит это."},
    "what_add_question": {"en": "question added to “{title}”", "ru": "вопрос добавлен к «{title}»"},
    "what_remove_question": {"en": "question removed from “{title}”", "ru": "вопрос убран из «{title}»"},
    "what_replace_answer": {"en": "answer of “{title}” replaced", "ru": "ответ «{title}» заменён"},
    "what_delete": {"en": "“{title}” deleted", "ru": "«{title}» удалена"},
    "what_restore": {"en": "“{title}” restored", "ru": "«{title}» восстановлена"},
    "what_add_entry": {"en": "new entry {id} added", "ru": "добавлена запись {id}"},
    "what_import": {"en": "{count} entries imported", "ru": "импортировано записей: {count}"},
    "rejected": {
        "en": "Nothing was changed; the change is not valid:\n{problems}",
        "ru": "Ничего не изменено: изменение не проходит проверку:\n{problems}",
    },
    "admin_cancelled": {"en": "Cancelled; nothing changed.", "ru": "Отменено, ничего не изменено."},
    "preview_answer": {
        "en": "New {language} answer for “{title}”:\n{answer}",
        "ru": "Новый ответ ({language}) для «{title}»:\n{answer}",
    },
    "replay_summary": {
        "en": "Regression check: {changed} of {checked} recent and test questions would get a different result.",
        "ru": "Проверка: у {changed} из {checked} недавних и тестовых вопросов изменится результат.",
    },
    "replay_regression": {
        "en": "Regression sets: {before}/{total} correct now, {after}/{total} after the change.",
        "ru": "Тестовые наборы: сейчас верно {before}/{total}, после изменения {after}/{total}.",
    },
    "undo_done": {"en": "Undone: {action} ({entries}).", "ru": "Отменено: {action} ({entries})."},
    "undo_nothing": {"en": "There is nothing to undo.", "ru": "Отменять нечего."},
    "history_title": {"en": "Admin history", "ru": "История правок"},
    "history_empty": {"en": "No admin actions recorded yet.", "ru": "Действий администраторов пока нет."},
    "unanswered_title": {
        "en": "Unanswered questions, grouped (most frequent first):",
        "ru": "Вопросы без ответа, по группам (частые сначала):",
    },
    "unanswered_none": {"en": "No unanswered questions. 🎉", "ru": "Вопросов без ответа нет. 🎉"},
    "unanswered_suggested": {"en": "nearest entry", "ru": "ближайшая запись"},
    "unanswered_choose": {"en": "Add “{question}” to which entry?", "ru": "К какой записи добавить «{question}»?"},
    "unanswered_ignored": {
        "en": "Ignored: “{question}” will not be listed again.",
        "ru": "Скрыто: «{question}» больше не будет в списке.",
    },
    "stats_summary": {
        "en": "Last {days} days: {total} questions. Answered {answered} ({answered_pct}%), clarified "
        "{clarify}, not answered {unknown} ({unknown_pct}%). Feedback: 👍 {up} 👎 {down}.",
        "ru": "За {days} дн.: вопросов {total}. Отвечено {answered} ({answered_pct}%), уточнено {clarify}, "
        "без ответа {unknown} ({unknown_pct}%). Оценки: 👍 {up} 👎 {down}.",
    },
    "stats_top_unanswered": {"en": "Most frequent unanswered", "ru": "Частые вопросы без ответа"},
    "stats_no_db": {"en": "No chat log is configured.", "ru": "Журнал чатов не настроен."},
    "chart_caption": {"en": "Questions per day by outcome", "ru": "Вопросы по дням и результатам"},
    "chart_answered": {"en": "answered", "ru": "отвечено"},
    "chart_clarify": {"en": "clarified", "ru": "уточнено"},
    "chart_unknown": {"en": "not answered", "ru": "без ответа"},
    "chart_x": {"en": "Day (UTC)", "ru": "День (UTC)"},
    "chart_y": {"en": "Questions", "ru": "Вопросы"},
    "export_caption": {
        "en": "The live knowledge base: {count} entries (the entries/*.toml format).",
        "ru": "Текущая база знаний: записей {count} (формат entries/*.toml).",
    },
    "import_prompt": {
        "en": "Send the entries TOML file as a reply to this message (at most {kib} KiB).",
        "ru": "Пришлите TOML-файл с записями ответом на это сообщение (не больше {kib} КиБ).",
    },
    "import_preview": {
        "en": "Import “{name}”: {added} new and {changed} changed entries.",
        "ru": "Импорт «{name}»: новых записей {added}, изменённых {changed}.",
    },
    "import_nothing": {
        "en": "“{name}” changes nothing: every entry in it is already live.",
        "ru": "«{name}» ничего не меняет: все записи уже такие.",
    },
    "reload_done": {
        "en": "Reloaded: {count} entries; {skipped} stored edits no longer apply.",
        "ru": "Перезагружено: записей {count}; неприменимых сохранённых правок: {skipped}.",
    },
    "reload_failed": {
        "en": "The knowledge files have problems, so the previous knowledge base stays live:\n{problems}",
        "ru": "В файлах базы знаний ошибки, поэтому работает прежняя база:\n{problems}",
    },
    "add_en_questions": {
        "en": "New entry. Send the English questions, one per line (at least 3). /cancel stops.",
        "ru": "Новая запись. Пришлите вопросы по-английски, по одному в строке (не меньше 3). /cancel — выход.",
    },
    "add_seed": {"en": "Asked: “{question}”", "ru": "Спросили: «{question}»"},
    "add_en_answer": {"en": "Now the English answer.", "ru": "Теперь ответ по-английски."},
    "add_ru_questions": {
        "en": "Now the Russian questions, one per line (at least 3).",
        "ru": "Теперь вопросы по-русски, по одному в строке (не меньше 3).",
    },
    "add_ru_answer": {"en": "Now the Russian answer.", "ru": "Теперь ответ по-русски."},
    "add_source": {
        "en": "Now the source: the article's sentence(s), copied exactly, one per line.",
        "ru": "Теперь источник: предложение(я) из статьи, скопированные точно, по одному в строке.",
    },
    "add_source_bad": {
        "en": "This is not in the article word for word: “{text}”. Please copy it exactly.",
        "ru": "Этого нет в статье дословно: «{text}». Скопируйте, пожалуйста, точно.",
    },
    "add_topic": {"en": "Choose the topic:", "ru": "Выберите тему:"},
    "add_too_few": {
        "en": "Please send at least 3 different questions, one per line.",
        "ru": "Пришлите, пожалуйста, не меньше 3 разных вопросов, по одному в строке.",
    },
    "add_answer_bad": {
        "en": "Please send a non-empty answer of at most {limit} characters.",
        "ru": "Пришлите непустой ответ не длиннее {limit} символов.",
    },
}


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


def import_preview_text(name: str, added: Iterable[str], changed: Iterable[str], lang: str, *, html: bool) -> str:
    """What an import would do: how many entries are new and changed, and their ids (at most 30)."""
    added, changed = list(added), list(changed)
    text = (ht if html else t)("import_preview", lang, name=name, added=len(added), changed=len(changed))
    ids = [f"+ {i}" for i in added] + [f"~ {i}" for i in changed]
    if len(ids) > 30:
        ids = [*ids[:30], f"… (+{len(ids) - 30})"]
    return text + "\n" + esc("\n".join(ids), html)


def unanswered_text(groups: Iterable[UnansweredGroup], lang: str, *, html: bool) -> str:
    """Grouped unanswered questions: wording, count, the nearest entry."""
    tr = ht if html else t
    lines = [tr("unanswered_title", lang)]
    for n, g in enumerate(groups, 1):
        near = g.suggestion.id if g.suggestion is not None else "—"
        lines.append(esc(f"{n}. {clip(g.question)} ×{g.count}", html))
        others = [clip(q, 100) for q in g.questions[1:4]]
        if others:
            lines.append(esc("   (" + "; ".join(others) + ")", html))
        lines.append(f"   {tr('unanswered_suggested', lang)}: {esc(near, html)}")
    return fit("\n".join(lines), html=html)


def history_text(items: Iterable[HistoryItem], lang: str, *, html: bool) -> str:
    """History items, newest first: when, who, what, which entry, which fields."""
    items = list(items)
    tr = ht if html else t
    if not items:
        return tr("history_empty", lang)
    lines = [f"<b>{tr('history_title', lang)}</b>" if html else t("history_title", lang)]
    for item in items:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.ts))
        what = f"{when} · {item.who} · {item.action}"
        if item.entry_id:
            what += f" · {item.entry_id}"
        if item.fields:
            what += ": " + ", ".join(item.fields)
        lines.append(esc(what, html))
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
