"""Every user-facing string, in English and Russian, and the one place that escapes HTML.

Functions take an ``html`` flag: ``True`` gives Telegram HTML (everything user- or data-derived is
escaped here and nowhere else), ``False`` gives plain text for the command line and ``ask --json``.
No Telegram imports: the Telegram layer turns these strings and labels into messages and buttons.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Outcome

MAX_MESSAGE_CHARS = 4096  # Telegram's limit for one message's text, after entity parsing

_STRINGS: dict[str, dict[str, str]] = {
    "decline": {
        "en": "The article does not say that.",
        "ru": "В статье об этом не говорится.",
    },
    "other_language": {
        "en": "I answer in English and Russian only. Please ask again in one of them.\n"
        "Я отвечаю только по-английски и по-русски. Спросите, пожалуйста, на одном из этих языков.",
        "ru": "Я отвечаю только по-английски и по-русски. Спросите, пожалуйста, на одном из этих языков.\n"
        "I answer in English and Russian only. Please ask again in one of them.",
    },
    "content_free": {
        "en": "🙂 Ask me anything about the Russia–South Ossetia treaty whenever you like.",
        "ru": "🙂 Спрашивайте о договоре России и Южной Осетии, когда захотите.",
    },
    "uncovered": {
        "en": "The article does not say: {parts}.",
        "ru": "В статье не сказано: {parts}.",
    },
    "decline_empty": {
        "en": "Please ask a question about the Russia–South Ossetia treaty, in words.",
        "ru": "Задайте, пожалуйста, вопрос о договоре России и Южной Осетии словами.",
    },
    "source": {"en": "Source", "ru": "Источник"},
    "related": {"en": "Related questions", "ru": "Связанные вопросы"},
    "you_could_ask": {"en": "You could ask", "ru": "Можно спросить"},
    "browse_topics": {
        "en": "Browse the topics with /topics.",
        "ru": "Список тем: /topics.",
    },
    "clarify": {
        "en": "Which of these do you mean?",
        "ru": "Что именно вас интересует?",
    },
    "start": {
        "en": "Hello! I answer questions about one news article: “{title}”.\n"
        "Ask me in your own words, in English or Russian. I quote the article as my source, and when "
        "it does not say something, I tell you so.",
        "ru": "Здравствуйте! Я отвечаю на вопросы по одной новости: «{title}».\n"
        "Спрашивайте своими словами, по-русски или по-английски. Я цитирую статью как источник, "
        "а если в ней чего-то нет, так и скажу.",
    },
    "try_asking": {"en": "Try asking:", "ru": "Попробуйте спросить:"},
    "help": {
        "en": "Ask a question in your own words, in a private chat, or in a group with /ask, by mentioning "
        "me, or by replying to me. In any chat you can type @{username} and a question.\n\n"
        "/topics: browse everything I know\n/about: the article\n/lang: English or Russian\n"
        "/ask question: ask in a group\n/forgetme: delete what I recorded about you",
        "ru": "Задайте вопрос своими словами: в личном чате, а в группе командой /ask, упоминанием или "
        "ответом на моё сообщение. В любом чате можно набрать @{username} и вопрос.\n\n"
        "/topics: всё, что я знаю, по темам\n/about: о статье\n/lang: русский или английский\n"
        "/ask вопрос: спросить в группе\n/forgetme: удалить то, что я о вас записал",
    },
    "about": {
        "en": "“{title}”\n\n{summary}\n\nI know {count} facts from it, in {topics} topics: /topics.",
        "ru": "«{title}»\n\n{summary}\n\nЯ знаю из неё {count} фактов по {topics} темам: /topics.",
    },
    "topics": {"en": "Topics", "ru": "Темы"},
    "topic_page": {"en": "{topic} ({page}/{pages})", "ru": "{topic} ({page}/{pages})"},
    "lang_prompt": {"en": "Choose the language of my answers:", "ru": "Выберите язык ответов:"},
    "lang_set": {"en": "I will answer in English.", "ru": "Я буду отвечать по-русски."},
    "lang_set_auto": {
        "en": "I will answer in the language of each message (English or Russian).",
        "ru": "Я буду отвечать на языке каждого сообщения (по-русски или по-английски).",
    },
    "lang_auto": {"en": "Auto", "ru": "Авто"},
    "ask_usage": {
        "en": "Write your question after the command, for example: /ask who signed the treaty?",
        "ru": "Напишите вопрос после команды, например: /ask кто подписал договор?",
    },
    "non_text": {
        "en": "I can only read text. Please type your question about the treaty.",
        "ru": "Я понимаю только текст. Напишите, пожалуйста, вопрос о договоре.",
    },
    "expired": {
        "en": "This button has expired. Please ask again.",
        "ru": "Эта кнопка устарела. Спросите, пожалуйста, ещё раз.",
    },
    "feedback_thanks": {"en": "Thanks for the feedback!", "ru": "Спасибо за оценку!"},
    "group_intro": {
        "en": "Hello! I answer questions about the Russia–South Ossetia Treaty on Alliance and Integration. "
        "Ask with /ask your question, by mentioning @{username}, or by replying to me. I stay quiet "
        "otherwise.",
        "ru": "Здравствуйте! Я отвечаю на вопросы о договоре о союзничестве и интеграции между Россией и "
        "Южной Осетией. Спросите командой /ask вопрос, упоминанием @{username} или ответом на моё "
        "сообщение. В остальное время я молчу.",
    },
    "repeat": {
        "en": "This was answered a moment ago: {link}",
        "ru": "На этот вопрос я только что ответил: {link}",
    },
    "repeat_link": {"en": "see the answer", "ru": "смотрите ответ"},
    "flood": {
        "en": "You are asking faster than I can keep up in this group. Please wait a minute, or ask me "
        "in a private chat.",
        "ru": "Вы задаёте вопросы слишком часто для группы. Подождите минуту или спросите меня в личном "
        "чате.",
    },
    "inline_unknown_title": {"en": "The article does not say", "ru": "В статье этого нет"},
    "inline_unknown_desc": {
        "en": "Try other words, or browse the topics in a chat with the bot.",
        "ru": "Попробуйте другие слова или посмотрите темы в чате с ботом.",
    },
    "forget_confirm": {
        "en": "Delete everything I recorded about you (your questions, ratings and settings)? This cannot "
        "be undone.",
        "ru": "Удалить всё, что я записал о вас (вопросы, оценки и настройки)? Это нельзя отменить.",
    },
    "forget_done": {"en": "Done: I deleted {count} records about you.", "ru": "Готово: удалено записей: {count}."},
    "forget_cancelled": {"en": "Nothing was deleted.", "ru": "Ничего не удалено."},
    "yes_delete": {"en": "Yes, delete", "ru": "Да, удалить"},
    "cancel": {"en": "Cancel", "ru": "Отмена"},
    "previous": {"en": "◀ Back", "ru": "◀ Назад"},
    "next": {"en": "More ▶", "ru": "Ещё ▶"},
    "all_topics": {"en": "All topics", "ru": "Все темы"},
    # --- added for the Telegram layer (bot/telegram/) ---
    "lang_name": {"en": "English", "ru": "Русский"},
    "feedback_up": {"en": "👍", "ru": "👍"},
    "feedback_down": {"en": "👎", "ru": "👎"},
    "bot_description": {
        "en": "I answer questions, in English or Russian, about one news article: the Russia–South Ossetia "
        "Treaty on Alliance and Integration. I quote the article as my source, and when it does not say "
        "something, I tell you so. Press Start and ask in your own words.",
        "ru": "Я отвечаю на вопросы, по-русски или по-английски, об одной новости: Договоре о союзничестве "
        "и интеграции между Россией и Южной Осетией. Я цитирую статью как источник, а если в ней чего-то "
        "нет, так и скажу. Нажмите «Запустить» и спросите своими словами.",
    },
    "bot_short_description": {
        "en": "Questions and answers about the Russia–South Ossetia Treaty on Alliance and Integration.",
        "ru": "Вопросы и ответы о Договоре о союзничестве и интеграции России и Южной Осетии.",
    },
    "cmd_start": {"en": "Start: what I can do", "ru": "Начало: что я умею"},
    "cmd_help": {"en": "How to ask me", "ru": "Как задавать вопросы"},
    "cmd_topics": {"en": "Browse everything I know", "ru": "Всё, что я знаю, по темам"},
    "cmd_about": {"en": "About the article", "ru": "О статье"},
    "cmd_lang": {"en": "English or Russian", "ru": "Русский или английский"},
    "cmd_ask": {"en": "Ask a question (in groups)", "ru": "Задать вопрос (в группах)"},
    "cmd_forgetme": {"en": "Delete what I recorded about you", "ru": "Удалить то, что я о вас записал"},
    "unknown_command": {
        "en": "I don't know that command. Just type your question, or see /help.",
        "ru": "Я не знаю такой команды. Просто напишите вопрос или посмотрите /help.",
    },
    "topic_empty": {"en": "No questions in this topic yet.", "ru": "В этой теме пока нет вопросов."},
}


def t(key: str, lang: str, **values: object) -> str:
    """A plain (unescaped) string; values are inserted as given."""
    table = _STRINGS[key]
    text = table.get(lang) or table["en"]
    return text.format(**values) if values else text


def ht(key: str, lang: str, **values: object) -> str:
    """A string for Telegram HTML: the template's own text and every value escaped."""
    table = _STRINGS[key]
    text = escape(table.get(lang) or table["en"], quote=False)
    return text.format(**{k: escape(str(v), quote=False) for k, v in values.items()}) if values else text


def _quote(text: str, lang: str) -> str:
    return f"«{text}»" if lang == "ru" else f"“{text}”"


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Text cut to ``limit`` characters at a line or word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for sep in ("\n", " "):
        pos = cut.rfind(sep)
        if pos > limit // 2:
            cut = cut[:pos]
            break
    return cut.rstrip() + "…"


def answer_text(entry: Entry, lang: str, *, html: bool, with_source: bool = True) -> str:
    """An entry's answer, with the article's sentence as its source when it has one."""
    answer = entry.block(lang).answer
    if not html:
        parts = [answer]
        if with_source and entry.source and entry.kind == "fact":
            parts.append(f"{t('source', lang)}: {_quote(' '.join(entry.source), 'en')}")
        return "\n\n".join(parts)
    parts = [escape(answer, quote=False)]
    if with_source and entry.source and entry.kind == "fact":
        quoted = escape(" ".join(entry.source), quote=False)
        parts.append(f"<i>{ht('source', lang)}:</i>\n<blockquote>{quoted}</blockquote>")
    # Telegram counts the text after parsing: markup does not count, but stay safe on the raw length.
    return "\n\n".join(parts) if len("\n\n".join(parts)) <= MAX_MESSAGE_CHARS else escape(
        truncate(answer), quote=False
    )


def _bullets(entries: Iterable[Entry], lang: str, html: bool) -> str:
    lines = [f"• {e.title(lang)}" for e in entries]
    return escape("\n".join(lines), quote=False) if html else "\n".join(lines)


def is_content_free(outcome: Outcome) -> bool:
    """A message with nothing to answer ("ok", "hmm", an emoji): a friendly line, never a decline."""
    return outcome.reason in ("empty", "no_content") and (outcome.analysis is None or not outcome.analysis.unknown)


def outcome_text(outcome: Outcome, *, html: bool, list_options: bool = True) -> str:
    """The message for an outcome. ``list_options=False`` when buttons carry the options instead."""
    lang = outcome.lang
    tr = ht if html else t
    if outcome.status == "answered" and outcome.entry is not None:
        answers = [answer_text(p.entry, lang, html=html) for p in outcome.parts if p.entry is not None]
        text = "\n\n".join(answers) if answers else answer_text(outcome.entry, lang, html=html)
        if outcome.uncovered:
            missing = "; ".join(_quote(part, lang) for part in outcome.uncovered)
            text += "\n\n" + tr("uncovered", lang, parts=missing)
        return truncate(text)
    if outcome.reason == "other_language":
        return tr("other_language", lang)
    if outcome.status == "clarify":
        text = tr("clarify", lang)
        if list_options:
            text += "\n" + _bullets((c.entry for c in outcome.candidates), lang, html)
        return text
    if is_content_free(outcome):
        return tr("content_free", lang)
    parts = [tr("decline", lang)]
    if outcome.gap is not None:
        note = outcome.gap.block(lang).answer
        parts.append(escape(note, quote=False) if html else note)
    if list_options and outcome.suggestions:
        parts.append(f"{tr('you_could_ask', lang)}:\n{_bullets(outcome.suggestions, lang, html)}")
    elif not outcome.suggestions:
        parts.append(tr("browse_topics", lang))
    return truncate("\n\n".join(parts))


def about_text(kb: KnowledgeBase, lang: str, *, html: bool) -> str:
    tr = ht if html else t
    return tr(
        "about",
        lang,
        title=kb.article.title(lang),
        summary=kb.article.summary(lang),
        count=len(kb.facts()),
        topics=len(kb.topics),
    )


def button_label(text: str, limit: int = 60) -> str:
    """A question shortened to fit on an inline button."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- admin tools (bot/telegram/admin.py, bot/cli_kb.py) ---------------------------------------------

_STRINGS.update({
    "admin_only": {
        "en": "Sorry, this command is for the bot's admins only.",
        "ru": "Извините, эта команда только для администраторов бота.",
    },
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
})


def _esc(text: str, html: bool) -> str:
    return escape(text, quote=False) if html else text


def problems_text(problems: Iterable[object], lang: str, *, html: bool, key: str = "rejected") -> str:
    """A KnowledgeError's problems, one a line (at most 15), under the ``key`` message."""
    items = [f"• {p}" for p in problems]
    if len(items) > 15:
        items = [*items[:15], f"… (+{len(items) - 15})"]
    return truncate((ht if html else t)(key, lang, problems="\n".join(items)))


def admin_entry_text(entry: Entry, lang: str, *, html: bool, topic: str = "", deleted: bool = False) -> str:
    """An entry as admins see it: id, kind, topic, every question and the answer per language."""
    tr = ht if html else t
    head = f"{entry.id} · {entry.kind} · {topic or entry.topic}"
    if deleted:
        head += f" · {t('kb_deleted_mark', lang)}"
    parts = [f"<b>{_esc(head, True)}</b>" if html else head]
    for block_lang in ("en", "ru"):
        block = entry.block(block_lang)
        questions = "\n".join(f"{i}. {q}" for i, q in enumerate(block.questions, 1))
        parts.append(f"{tr('kb_questions', lang, language=block_lang)}:\n{_esc(questions, html)}")
        parts.append(f"{tr('kb_answer', lang, language=block_lang)}:\n{_esc(block.answer, html)}")
    return truncate("\n\n".join(parts))


def replay_text(replay: object, lang: str, *, html: bool) -> str:
    """The regression replay summary (``bot.admin.Replay``) with up to five examples."""
    from bot.admin import Replay

    assert isinstance(replay, Replay)
    tr = ht if html else t
    lines = [tr("replay_summary", lang, changed=replay.changed, checked=replay.checked)]
    for ex in replay.examples:
        before = f"{ex.before_status}{f' {ex.before_entry}' if ex.before_entry else ''}"
        after = f"{ex.after_status}{f' {ex.after_entry}' if ex.after_entry else ''}"
        lines.append(_esc(f"• {button_label(ex.question, 80)}: {before} → {after}", html))
    if replay.regression_total:
        lines.append(tr("replay_regression", lang, before=replay.regression_before, after=replay.regression_after,
                        total=replay.regression_total))
    return "\n".join(lines)


def import_preview_text(name: str, added: Iterable[str], changed: Iterable[str], lang: str, *, html: bool) -> str:
    added, changed = list(added), list(changed)
    text = (ht if html else t)("import_preview", lang, name=name, added=len(added), changed=len(changed))
    ids = [f"+ {i}" for i in added] + [f"~ {i}" for i in changed]
    if len(ids) > 30:
        ids = [*ids[:30], f"… (+{len(ids) - 30})"]
    return text + "\n" + _esc("\n".join(ids), html)


def unanswered_text(groups: Iterable[object], lang: str, *, html: bool) -> str:
    """Grouped unanswered questions: wording, count, the nearest entry."""
    from bot.admin import UnansweredGroup

    tr = ht if html else t
    lines = [tr("unanswered_title", lang)]
    for n, g in enumerate(groups, 1):
        assert isinstance(g, UnansweredGroup)
        near = g.suggestion.id if g.suggestion is not None else "—"
        lines.append(_esc(f"{n}. {g.question} ×{g.count}", html))
        others = [q for q in g.questions[1:4]]
        if others:
            lines.append(_esc("   (" + "; ".join(others) + ")", html))
        lines.append(f"   {tr('unanswered_suggested', lang)}: {_esc(near, html)}")
    return truncate("\n".join(lines))


def history_text(rows: Iterable[dict[str, object]], lang: str, *, html: bool) -> str:
    """Audit rows, newest first: when, who, what, which entry, which fields."""
    import json
    import time as _time

    from bot.admin import changed_fields

    rows = list(rows)
    tr = ht if html else t
    if not rows:
        return tr("history_empty", lang)
    lines = [f"<b>{tr('history_title', lang)}</b>" if html else t("history_title", lang)]
    for row in rows:
        when = _time.strftime("%Y-%m-%d %H:%M", _time.gmtime(float(str(row["ts"]))))
        who = "cli" if row["admin_id"] == 0 else str(row["admin_id"])
        what = f"{when} · {who} · {row['action']}"
        if row.get("entry_id"):
            what += f" · {row['entry_id']}"
        fields: list[str] = []
        try:
            before = json.loads(str(row["before"])) if row.get("before") else {}
            after = json.loads(str(row["after"])) if row.get("after") else {}
        except ValueError:
            before, after = {}, {}
        if isinstance(before, dict) and isinstance(after, dict):
            for eid in after:
                b, a = before.get(eid), after.get(eid)
                if isinstance(b, dict) and isinstance(a, dict):
                    fields += changed_fields(b.get("entry"), a.get("entry"))
                    if b.get("deleted") != a.get("deleted"):
                        fields.append("deleted" if a.get("deleted") else "restored")
                elif b is None and a is not None:
                    fields.append(f"+{eid}")
        if fields:
            what += ": " + ", ".join(dict.fromkeys(fields))
        lines.append(_esc(what, html))
    return truncate("\n".join(lines))


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
        lines = [f"{item['count']} × {item['question']}" for item in unanswered[:10]]
        text += f"\n\n{tr('stats_top_unanswered', lang)}:\n" + _esc("\n".join(lines), html)
    return truncate(text)


def new_entry_text(data: dict[str, object], lang: str, *, html: bool) -> str:
    """The /kb_add summary before confirming: the entry as it will be stored."""
    from bot.knowledge import Entry as _Entry
    from bot.knowledge import LangBlock

    def block(key: str) -> LangBlock:
        raw = data[key]
        assert isinstance(raw, dict)
        return LangBlock(tuple(raw["questions"]), str(raw["answer"]))

    source = data.get("source")
    entry = _Entry(str(data["id"]), str(data.get("kind", "fact")), str(data.get("topic", "")), block("en"),
                   block("ru"), source=tuple(source) if isinstance(source, list) else ())
    text = admin_entry_text(entry, lang, html=html)
    if entry.source:
        text += f"\n\n{(ht if html else t)('source', lang)}:\n" + _esc("\n".join(entry.source), html)
    return truncate(text)
