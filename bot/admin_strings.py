"""Every admin-facing string, in English and Russian: the admin commands, buttons and conversations.

Data only: ``bot.admin_texts`` looks keys up here (then among the user strings of ``bot.texts``) and fills
them in, escaping for Telegram HTML through ``bot.texts``' helpers.
"""

from __future__ import annotations

ADMIN_STRINGS: dict[str, dict[str, str]] = {
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
        "en": "Regression check: {changed} of {checked} recent, curated and test questions would get a different "
        "result.",
        "ru": "Проверка: у {changed} из {checked} недавних, курированных и тестовых вопросов изменится результат.",
    },
    "replay_regression": {
        "en": "Regression sets: {before}/{total} correct now, {after}/{total} after the change.",
        "ru": "Тестовые наборы: сейчас верно {before}/{total}, после изменения {after}/{total}.",
    },
    "undo_done": {"en": "Undone: {action} ({entries}).", "ru": "Отменено: {action} ({entries})."},
    "undo_nothing": {"en": "There is nothing to undo.", "ru": "Отменять нечего."},
    "history_title": {"en": "Admin history", "ru": "История правок"},
    "history_empty": {"en": "No admin actions recorded yet.", "ru": "Действий администраторов пока нет."},
    "unanswered_none": {"en": "No unanswered questions. 🎉", "ru": "Вопросов без ответа нет. 🎉"},
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
    # /unanswered: groups by nearest entry, a group's questions, one question's actions, the entry picker.
    "unanswered_page": {"en": "page {page} of {pages}", "ru": "страница {page} из {pages}"},
    "unanswered_head": {
        "en": "Unanswered questions: {questions} different ones, asked {count} times, near {groups} entries. "
        "Questions the bot now answers are left out.",
        "ru": "Вопросы без ответа: {questions} разных, задано {count} раз, рядом с {groups} записями. "
        "Вопросы, на которые бот теперь отвечает, не показаны.",
    },
    "unanswered_declined_head": {
        "en": "Declined on purpose (a gap entry: the article does not say; no fix needed):",
        "ru": "Отклонены намеренно (запись-пробел: в статье этого нет; исправлять не нужно):",
    },
    "unanswered_no_entry": {"en": "no entry came close", "ru": "ни одна запись не подошла"},
    "unanswered_group_line": {
        "en": "{n}. near {entry}: {questions} questions, asked {count}×",
        "ru": "{n}. рядом с {entry}: вопросов {questions}, задано {count}×",
    },
    "unanswered_group_head": {"en": "Questions near {entry}:", "ru": "Вопросы рядом с {entry}:"},
    "unanswered_declined_by": {"en": "Declined on purpose by {entry}:", "ru": "Отклонены намеренно записью {entry}:"},
    "unanswered_question": {
        "en": "“{question}”, asked {count}×. Nearest entry: {entry}.",
        "ru": "«{question}», задано {count}×. Ближайшая запись: {entry}.",
    },
    "unanswered_wordings": {"en": "Also asked as:", "ru": "Ещё спрашивали так:"},
    "btn_group": {"en": "📂 {title} ({count})", "ru": "📂 {title} ({count})"},
    "btn_question": {"en": "“{question}” ×{count}", "ru": "«{question}» ×{count}"},
    "btn_add_q_to": {"en": "➕ “{question}” to “{title}”", "ru": "➕ «{question}» к «{title}»"},
    "btn_other_entry_q": {"en": "🔀 “{question}”: another entry", "ru": "🔀 «{question}»: другая запись"},
    "btn_new_entry_q": {"en": "🆕 New entry from “{question}”", "ru": "🆕 Новая запись из «{question}»"},
    "btn_ignore_q": {"en": "🙈 Ignore “{question}”", "ru": "🙈 Скрыть «{question}»"},
    "btn_back_groups": {"en": "◀ All groups", "ru": "◀ Все группы"},
    "btn_back_group": {"en": "◀ {title}", "ru": "◀ {title}"},
    "btn_search": {"en": "🔎 Search entries", "ru": "🔎 Искать запись"},
    "unanswered_pick": {
        "en": "Add “{question}” to which entry? The nearest first, then every entry by id ({page}). "
        "Or search: 🔎, then send a word.",
        "ru": "К какой записи добавить «{question}»? Сначала ближайшие, затем все по id ({page}). "
        "Или поиск: 🔎, затем пришлите слово.",
    },
    "unanswered_search_prompt": {
        "en": "Send a word of the entry's question or id, to add “{question}” to it (or /cancel).",
        "ru": "Пришлите слово из вопроса или id записи, чтобы добавить к ней «{question}» (или /cancel).",
    },
    "unanswered_search_found": {
        "en": "Entries for “{query}”: tap one to add “{question}” to it.",
        "ru": "Записи по запросу «{query}»: нажмите, чтобы добавить к ней «{question}».",
    },
    "nothing_to_cancel": {"en": "Nothing to cancel.", "ru": "Отменять нечего."},
    # /kb_add: what the new entry would take over.
    "add_takes_over": {
        "en": "It would now answer these recent unanswered questions:",
        "ru": "Она ответит на эти недавние вопросы без ответа:",
    },
    "add_takes_none": {
        "en": "It would answer none of the recent unanswered questions.",
        "ru": "Ни на один из недавних вопросов без ответа она не ответит.",
    },
    # Source and topic of an entry.
    "btn_source": {"en": "📄 Source", "ru": "📄 Источник"},
    "btn_topic": {"en": "🏷 Topic", "ru": "🏷 Тема"},
    "prompt_source": {
        "en": "Send the new source of “{title}”: the article's sentence numbers (e.g. 3 5-6) or the sentences "
        "copied exactly, one per line (or /cancel). Now:\n{source}\n\nThe article's sentences:\n{sentences}",
        "ru": "Пришлите новый источник для «{title}»: номера предложений статьи (например, 3 5-6) или сами "
        "предложения дословно, по одному в строке (или /cancel). Сейчас:\n{source}\n\nПредложения статьи:\n{sentences}",
    },
    "preview_source": {"en": "New source of “{title}”:\n{source}", "ru": "Новый источник для «{title}»:\n{source}"},
    "what_replace_source": {"en": "source of “{title}” replaced", "ru": "источник «{title}» заменён"},
    "pick_topic": {
        "en": "Move “{title}” to which topic? Now: {topic}.",
        "ru": "В какую тему перенести «{title}»? Сейчас: {topic}.",
    },
    "what_replace_topic": {"en": "“{title}” moved to {topic}", "ru": "«{title}» перенесена в тему {topic}"},
}
