"""Every user-facing string, in English and Russian, and the one place that escapes HTML.

Functions take an ``html`` flag: ``True`` gives Telegram HTML (everything user- or data-derived is
escaped here and nowhere else), ``False`` gives plain text for the command line and ``ask --json``.
The admin tools' strings are in ``bot/admin_texts.py``, which escapes through the helpers here
(``fill``, ``esc``). No Telegram imports: the Telegram layer turns these strings and labels into
messages and buttons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Outcome

MAX_MESSAGE_CHARS = 4096  # Telegram's limit for one message's text, after entity parsing
LONG_QUOTE_CHARS = 300  # a longer source quote is shown collapsed (an expandable blockquote)

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
    "explained": {
        "en": "On {part}, the article does not say. {note}",
        "ru": "Про {part} в статье не сказано. {note}",
    },
    "uncovered": {
        "en": "Nothing found in the article on: {parts}. Ask about it on its own to see suggestions.",
        "ru": "В статье не нашлось ответа на: {parts}. Спросите об этом отдельно, чтобы увидеть подсказки.",
    },
    "decline_empty": {
        "en": "Please ask a question about the Russia–South Ossetia treaty, in words.",
        "ru": "Задайте, пожалуйста, вопрос о договоре России и Южной Осетии словами.",
    },
    "source": {"en": "Source", "ru": "Источник (оригинал на английском)"},
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
    "more": {
        "en": "More on this:",
        "ru": "Ещё по этой теме:",
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
        "/ask question: ask in a group\n/settings: a group's answers and language (for its admins)\n"
        "/forgetme: delete what I recorded about you\n/whoami: your user id",
        "ru": "Задайте вопрос своими словами: в личном чате, а в группе командой /ask, упоминанием или "
        "ответом на моё сообщение. В любом чате можно набрать @{username} и вопрос.\n\n"
        "/topics: всё, что я знаю, по темам\n/about: о статье\n/lang: русский или английский\n"
        "/ask вопрос: спросить в группе\n/settings: ответы и язык группы (для её администраторов)\n"
        "/forgetme: удалить то, что я о вас записал\n/whoami: ваш id пользователя",
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
    "inline_miss_button": {
        "en": "The article does not say that. Closest questions:",
        "ru": "В статье этого нет. Ближайшие вопросы:",
    },
    "continue_private": {"en": "Continue in private", "ru": "Продолжить в личном чате"},
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
    "forget_private": {
        "en": "Privacy first: /forgetme works in our private chat. Open it with the button and confirm there.",
        "ru": "Ради вашей приватности /forgetme работает в личном чате. Откройте его кнопкой и подтвердите там.",
    },
    "forget_not_yours": {
        "en": "Only the person who asked can confirm this.",
        "ru": "Подтвердить может только тот, кто спросил.",
    },
    "open_private": {"en": "Open the private chat", "ru": "Открыть личный чат"},
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
    "cmd_whoami": {"en": "Your user id (for admins)", "ru": "Ваш id пользователя (для админов)"},
    "whoami_user": {"en": "Your Telegram user id:", "ru": "Ваш id пользователя в Telegram:"},
    "whoami_chat": {"en": "This chat's id:", "ru": "id этого чата:"},
    "whoami_admin": {
        "en": "You are an admin of this bot: /help lists the admin commands.",
        "ru": "Вы администратор этого бота: команды администратора есть в /help.",
    },
    "whoami_not_admin": {
        "en": "You are not an admin of this bot. To make you one, its operator adds this id to bot.admins in "
        "the bot's config.",
        "ru": "Вы не администратор этого бота. Чтобы назначить вас, оператор бота добавит этот id в bot.admins "
        "в конфигурации.",
    },
    "unknown_command": {
        "en": "I don't know that command. Just type your question, or see /help.",
        "ru": "Я не знаю такой команды. Просто напишите вопрос или посмотрите /help.",
    },
    # --- groups: buttons for the asker only, who asked, /settings (issue 13) ---
    "not_your_buttons": {
        "en": "Only the person who asked can use these buttons — ask me yourself with /ask",
        "ru": "Эти кнопки — только для того, кто спросил. Спросите меня сами: /ask",
    },
    "asked_by": {"en": "{name} asked: {question}", "ru": "{name} спрашивает: {question}"},
    "cmd_settings": {"en": "Group settings (for its admins)", "ru": "Настройки группы (для её админов)"},
    "settings_private": {
        "en": "/settings is for groups: there, the group's admins choose compact answers and the group's "
        "language. For the language of my answers to you, use /lang.",
        "ru": "/settings работает в группах: там администраторы выбирают краткие ответы и язык группы. "
        "Язык моих ответов вам выбирается командой /lang.",
    },
    "settings_not_admin": {
        "en": "Only this group's admins can change its settings.",
        "ru": "Менять настройки группы могут только её администраторы.",
    },
    "settings_title": {"en": "Settings for this group:", "ru": "Настройки этой группы:"},
    "settings_full": {
        "en": "Answers: full (the article's quote and buttons)",
        "ru": "Ответы: полные (с цитатой из статьи и кнопками)",
    },
    "settings_compact": {
        "en": "Answers: compact (no quote, no buttons)",
        "ru": "Ответы: краткие (без цитаты и кнопок)",
    },
    "settings_lang_auto": {
        "en": "Language: the language of each message (English or Russian)",
        "ru": "Язык: язык каждого сообщения (русский или английский)",
    },
    "settings_lang": {"en": "Language: {name}", "ru": "Язык: {name}"},
    "settings_admins": {
        "en": "The group's admins can change them with the buttons.",
        "ru": "Администраторы группы могут изменить их кнопками.",
    },
    "button_full": {"en": "Full answers", "ru": "Полные ответы"},
    "button_compact": {"en": "Compact answers", "ru": "Краткие ответы"},
    "settings_saved": {"en": "Saved.", "ru": "Сохранено."},
    "topic_empty": {"en": "No questions in this topic yet.", "ru": "В этой теме пока нет вопросов."},
}


def strings(key: str) -> Mapping[str, str]:
    """One user-facing string in every language (``KeyError`` for an unknown key)."""
    return _STRINGS[key]


def fill(table: Mapping[str, str], lang: str, html: bool, /, **values: object) -> str:
    """A string of ``table`` in ``lang`` (else English) with ``values`` inserted.

    With ``html`` the template's own text and every value are escaped for Telegram HTML.
    """
    text = table.get(lang) or table["en"]
    if not html:
        return text.format(**values) if values else text
    text = escape(text, quote=False)
    return text.format(**{k: escape(str(v), quote=False) for k, v in values.items()}) if values else text


def t(key: str, lang: str, **values: object) -> str:
    """A plain (unescaped) string; values are inserted as given."""
    return fill(_STRINGS[key], lang, False, **values)


def ht(key: str, lang: str, **values: object) -> str:
    """A string for Telegram HTML: the template's own text and every value escaped."""
    return fill(_STRINGS[key], lang, True, **values)


def esc(text: str, html: bool) -> str:
    """``text`` escaped for Telegram HTML, or as it is for plain text."""
    return escape(text, quote=False) if html else text


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


def source_quote(entry: Entry) -> str | None:
    """The article's words an answer rests on (plain text), or None when it shows no quote."""
    return entry.quote() if entry.source and entry.kind == "fact" else None


def quote_html(quote: str, highlight: str = "") -> str:
    """A source quote as a Telegram blockquote; a long one is expandable (collapsed to a few lines).

    ``highlight``, words of the quote (an entry's clause that answers), is emphasised in it (bold): the
    quote is escaped piece by piece around its first occurrence, so no markup is ever cut in two.
    """
    tag = "blockquote expandable" if len(quote) > LONG_QUOTE_CHARS else "blockquote"
    at = quote.find(highlight) if highlight else -1
    if at < 0:
        return f"<{tag}>{escape(quote, quote=False)}</blockquote>"
    before, after = quote[:at], quote[at + len(highlight):]
    body = f"{escape(before, quote=False)}<b>{escape(highlight, quote=False)}</b>{escape(after, quote=False)}"
    return f"<{tag}>{body}</blockquote>"


def answer_text(entry: Entry, lang: str, *, html: bool, with_source: bool = True) -> str:
    """An entry's answer, with the article's sentences as its source when it has them.

    The quote is the entry's cited sentences in article order ("…" where some are left out), always in
    English: Russian replies say so in the label.
    """
    answer = entry.block(lang).answer
    quote = source_quote(entry) if with_source else None
    if not html:
        parts = [answer]
        if quote:
            parts.append(f"{t('source', lang)}: {_quote(quote, 'en')}")
        return "\n\n".join(parts)
    parts = [escape(answer, quote=False)]
    if quote:
        parts.append(f"<i>{ht('source', lang)}:</i>\n{quote_html(quote, entry.highlight)}")
    # Telegram counts the text after parsing: markup does not count, but stay safe on the raw length.
    return "\n\n".join(parts) if len("\n\n".join(parts)) <= MAX_MESSAGE_CHARS else escape(
        truncate(answer), quote=False
    )


def inline_answer_text(entry: Entry, lang: str) -> str:
    """An answer sent from inline mode (HTML): the chat never saw the question, so it comes first."""
    question = f"❓ <b>{escape(entry.title(lang), quote=False)}</b>\n\n"
    text = question + answer_text(entry, lang, html=True)
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return question + escape(truncate(entry.block(lang).answer, MAX_MESSAGE_CHARS // 2), quote=False)


def whoami_text(user_id: int, chat_id: int | None, admin: bool, lang: str) -> str:
    """/whoami (HTML): the user's id (and a group's), easy to copy, and whether they are an admin."""
    lines = [f"{ht('whoami_user', lang)} <code>{user_id}</code>"]
    if chat_id is not None and chat_id != user_id:
        lines.append(f"{ht('whoami_chat', lang)} <code>{chat_id}</code>")
    lines.append(ht("whoami_admin" if admin else "whoami_not_admin", lang))
    return "\n".join(lines)


def asked_by(question: str, lang: str, *, user_id: int, first_name: str, username: str | None) -> str:
    """The line over an answer to a button pressed in a group (HTML): who asked, and what. "@name" when
    the asker has a username, else their first name as a mention."""
    if username:
        name = escape(f"@{username}", quote=False)
    else:
        name = f'<a href="tg://user?id={int(user_id)}">{escape(first_name or str(user_id), quote=False)}</a>'
    template = escape(_STRINGS["asked_by"].get(lang) or _STRINGS["asked_by"]["en"], quote=False)
    return template.format(name=name, question=f"<b>{escape(question, quote=False)}</b>")


def settings_text(compact: bool, group_lang: str, lang: str) -> str:
    """A group's /settings (HTML): how answers look and in which language, and who can change that."""
    answers = ht("settings_compact" if compact else "settings_full", lang)
    language = ht("settings_lang_auto", lang) if group_lang not in _STRINGS["lang_name"] else (
        ht("settings_lang", lang, name=t("lang_name", group_lang))
    )
    return "\n".join((ht("settings_title", lang), f"• {answers}", f"• {language}", "", ht("settings_admins", lang)))


def _bullets(entries: Iterable[Entry], lang: str, html: bool) -> str:
    lines = [f"• {e.title(lang)}" for e in entries]
    return escape("\n".join(lines), quote=False) if html else "\n".join(lines)


def is_content_free(outcome: Outcome) -> bool:
    """A message with nothing to answer ("ok", "hmm", an emoji): a friendly line, never a decline."""
    return outcome.reason in ("empty", "no_content") and (outcome.analysis is None or not outcome.analysis.unknown)


def outcome_text(outcome: Outcome, *, html: bool, list_options: bool = True, with_source: bool = True) -> str:
    """The message for an outcome. ``list_options=False`` when buttons carry the options instead;
    ``with_source=False`` leaves the article's quote out (a group's compact answers)."""
    lang = outcome.lang
    tr = ht if html else t
    if outcome.status == "answered" and outcome.entry is not None:
        entries = [p.entry for p in outcome.parts if p.entry is not None] or [outcome.entry]
        # Parts resting on one sentence ("how long is it, and has it been ratified?") quote it once, after
        # the last of them.
        quotes = [source_quote(entry) for entry in entries]
        text = "\n\n".join(answer_text(entry, lang, html=html,
                                       with_source=with_source and (q is None or q not in quotes[i + 1:]))
                           for i, (entry, q) in enumerate(zip(entries, quotes, strict=True)))
        for part, gap in outcome.explained:  # a part the article does not answer, and what it does say
            text += "\n\n" + tr("explained", lang, part=_quote(part, lang), note=gap.block(lang).answer)
        if outcome.uncovered:
            missing = "; ".join(_quote(part, lang) for part in outcome.uncovered)
            text += "\n\n" + tr("uncovered", lang, parts=missing)
        return truncate(text)
    if outcome.reason == "other_language":
        return tr("other_language", lang)
    if outcome.status == "clarify":
        text = tr("more" if outcome.reason == "more" else "clarify", lang)
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
