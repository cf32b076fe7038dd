"""The admin conversations: /kb_add (a new entry step by step), the ➕ question / ✏️ answer / 📄 source
prompt, the 🔎 entry search of /unanswered, /import.

/kb_add asks for the English questions and answer, the Russian ones, the source sentence (checked
against the article) and the topic, then shows the entry, the recent unanswered questions it would
answer, and Confirm / Cancel; a new entry from an unanswered question takes the same steps with the
asked question added. A prompt takes the next message as the text: a question is added at once, an
answer or a source (sentence numbers or text, checked against the article) is previewed with the
regression replay. /import takes a TOML document (sent with the caption /import, or as a reply to the
prompt) and previews it field by field. /cancel ends any of them, and outside them says there is
nothing to cancel.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

import bot.telegram.admin.keyboards as keys
from bot.admin_texts import clip, ht, import_preview_text, new_entry_text, problems_text, t, takeover_text
from bot.curation.diff import entry_diffs
from bot.curation.drafting import new_entry_id, source_in_article, source_lines, split_questions
from bot.curation.importing import MAX_IMPORT_BYTES, decode_document, import_document, too_big
from bot.curation.overlay import add_question, new_entry, replace_answer, replace_source, search_entries
from bot.curation.unanswered import question_key
from bot.knowledge import MAX_ANSWER_CHARS, KnowledgeError
from bot.lexicon import LANGS
from bot.telegram.admin.auth import Handler, admin_only
from bot.telegram.admin.buttons import AdminButton, pressed
from bot.telegram.admin.changes import apply_change, preview, takeover, title
from bot.telegram.admin.replies import send
from bot.telegram.admin.state import AdminCall, Pending, admin_call
from bot.telegram.admin.unanswered import find_question
from bot.telegram.context import BotContext

# Conversation states.
ADD_EN_Q, ADD_EN_A, ADD_RU_Q, ADD_RU_A, ADD_SOURCE, ADD_TOPIC, ADD_CONFIRM, EDIT_TEXT, SEARCH_TEXT = range(9)
END = ConversationHandler.END


# --- one-text prompts: add a question, replace an answer ---------------------------------------------


async def on_edit_prompt(update: Update, context: BotContext) -> int:
    """➕ question / ✏️ answer: ask for the text (the next message)."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    entry = c.edited.get(action.entry_id) if isinstance(action, keys.PromptText) else None
    if entry is None or context.user_data is None or not isinstance(action, keys.PromptText):
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    context.user_data["kb_edit"] = (action.what, action.lang, entry.id)
    block = entry.block(action.lang)
    key, values = ("prompt_question", {}) if action.what == "question" else ("prompt_answer", {"answer": block.answer})
    await send(context, c.chat_id, ht(key, c.lang, language=action.lang, title=entry.title(c.lang), **values))
    return EDIT_TEXT


async def on_source_prompt(update: Update, context: BotContext) -> int:
    """📄 source: ask for the article's sentences (numbers or text), showing the article numbered."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    entry = c.edited.get(action.entry_id) if isinstance(action, keys.PromptSource) else None
    if entry is None or context.user_data is None:
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    context.user_data["kb_edit"] = ("source", "", entry.id)
    now = "\n".join(f"[{s.number}] {s.text}" for s in c.services.kb.article.cite(entry.source)) or "—"
    sentences = "\n".join(f"[{s.number}] {clip(s.text, 90)}" for s in c.services.kb.article.sentences)
    await send(context, c.chat_id, ht("prompt_source", c.lang, title=entry.title(c.lang), source=now,
                                      sentences=sentences))
    return EDIT_TEXT


async def on_edit_text(update: Update, context: BotContext) -> int:
    """The text for the prompt: a question is added at once; a new answer or source is previewed first."""
    c, message = await admin_call(update, context), update.effective_message
    what, lang, entry_id = (context.user_data or {}).pop("kb_edit", ("", "", ""))
    text = message.text if message is not None and message.text else ""
    name = title(c, entry_id)
    if what == "question":
        done = t("what_add_question", c.lang, title=name)
        await apply_change(context, c, lambda cur: [add_question(cur, entry_id, lang, text)], "add_question",
                           done, entry_id)
    elif what == "answer":
        head = ht("preview_answer", c.lang, language=lang, title=name, answer=text)
        build = lambda cur: [replace_answer(cur, entry_id, lang, text)]  # noqa: E731
        await preview(context, c, head, Pending("replace_answer", build, t("what_replace_answer", c.lang, title=name)))
    elif what == "source":
        await _preview_source(context, c, entry_id, text)
    return END


async def _preview_source(context: BotContext, c: AdminCall, entry_id: str, text: str) -> None:
    """A new source, checked against the article, previewed with the regression replay."""
    try:
        lines = source_lines(c.services.kb, text, entry_id)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    name = title(c, entry_id)
    head = ht("preview_source", c.lang, title=name, source="\n".join(lines))
    build = lambda cur: [replace_source(cur, entry_id, lines)]  # noqa: E731
    await preview(context, c, head, Pending("replace_source", build, t("what_replace_source", c.lang, title=name)))


# --- /kb_add ----------------------------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault("kb_add", {})
    return draft


async def on_add_start(update: Update, context: BotContext) -> int:
    """/kb_add: a new entry, step by step (English questions first)."""
    c = await admin_call(update, context)
    assert context.user_data is not None
    context.user_data["kb_add"] = {}
    await send(context, c.chat_id, ht("add_en_questions", c.lang))
    return ADD_EN_Q


async def on_add_from_question(update: Update, context: BotContext) -> int:
    """New entry from an unanswered question: the same steps, the asked question added to its language."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    found = find_question(c, action.token, action.qid) if isinstance(action, keys.NewFromQuestion) else None
    if found is None or context.user_data is None:
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    question = found[1]
    context.user_data["kb_add"] = {"seed": (question.question, question.lang)}
    text = ht("add_en_questions", c.lang) + "\n" + ht("add_seed", c.lang, question=clip(question.question))
    await send(context, c.chat_id, text)
    return ADD_EN_Q


async def _questions_step(update: Update, context: BotContext, lang: str, prompt: str, nxt: int) -> int:
    c, message = await admin_call(update, context), update.effective_message
    draft = _draft(context)
    questions = split_questions(message.text or "" if message else "")
    seed, seed_lang = draft.get("seed") or ("", "")
    if seed and seed_lang == lang and question_key(seed) not in map(question_key, questions):
        questions.insert(0, seed)
    if len(questions) < 3:
        await send(context, c.chat_id, ht("add_too_few", c.lang))
        return ADD_EN_Q if lang == "en" else ADD_RU_Q
    draft[lang] = {"questions": questions}
    await send(context, c.chat_id, ht(prompt, c.lang))
    return nxt


async def _answer_step(update: Update, context: BotContext, lang: str, prompt: str, nxt: int) -> int:
    c, message = await admin_call(update, context), update.effective_message
    answer = (message.text or "").strip() if message is not None else ""
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        await send(context, c.chat_id, ht("add_answer_bad", c.lang, limit=MAX_ANSWER_CHARS))
        return ADD_EN_A if lang == "en" else ADD_RU_A
    _draft(context).setdefault(lang, {"questions": []})["answer"] = answer
    markup = keys.topics(c.services.kb, c.lang) if nxt == ADD_TOPIC else None
    await send(context, c.chat_id, ht(prompt, c.lang), markup)
    return nxt


async def on_add_en_q(update: Update, context: BotContext) -> int:
    """The English questions."""
    return await _questions_step(update, context, "en", "add_en_answer", ADD_EN_A)


async def on_add_en_a(update: Update, context: BotContext) -> int:
    """The English answer."""
    return await _answer_step(update, context, "en", "add_ru_questions", ADD_RU_Q)


async def on_add_ru_q(update: Update, context: BotContext) -> int:
    """The Russian questions."""
    return await _questions_step(update, context, "ru", "add_ru_answer", ADD_RU_A)


async def on_add_ru_a(update: Update, context: BotContext) -> int:
    """The Russian answer."""
    return await _answer_step(update, context, "ru", "add_source", ADD_SOURCE)


async def on_add_source(update: Update, context: BotContext) -> int:
    """The source sentences, each checked word for word against the article."""
    c, message = await admin_call(update, context), update.effective_message
    lines = [line.strip() for line in (message.text or "" if message else "").splitlines() if line.strip()]
    bad = next((s for s in lines if not source_in_article(c.services.kb, s)), None) if lines else ""
    if bad is not None:
        await send(context, c.chat_id, ht("add_source_bad", c.lang, text=(bad or "")[:200]))
        return ADD_SOURCE
    _draft(context)["source"] = lines
    await send(context, c.chat_id, ht("add_topic", c.lang), keys.topics(c.services.kb, c.lang))
    return ADD_TOPIC


async def on_add_topic(update: Update, context: BotContext) -> int:
    """The topic (a button); then the summary with Confirm / Cancel."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    draft = _draft(context)
    topic = action.topic_id if isinstance(action, keys.ChooseTopic) else ""
    if c.services.kb.topic(topic) is None or "en" not in draft or "ru" not in draft:
        await query.answer(t("expired", c.lang))
        return ADD_TOPIC
    await query.answer()
    data = {"id": new_entry_id(c.edited, draft["en"]["questions"][0]), "kind": "fact", "topic": topic,
            "gives": [], "source": draft.get("source", []), "en": draft["en"], "ru": draft["ru"]}
    draft["entry"] = data
    text = new_entry_text(data, c.lang, html=True)
    try:
        taken = await takeover(c.services, c.edited.apply(new_entry(c.edited, data)).kb, data["id"])
        text += "\n\n" + takeover_text(taken, c.lang, html=True)
    except KnowledgeError:
        pass  # Confirm says what is wrong
    await send(context, c.chat_id, text, keys.confirm_new(c.lang))
    return ADD_CONFIRM


async def on_add_confirm(update: Update, context: BotContext) -> int:
    """Confirm: the entry is added (validated, stored, audited); Cancel: nothing changes."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    await query.answer()
    data = (context.user_data or {}).pop("kb_add", {}).get("entry")
    if action != keys.ConfirmNew(True) or data is None:
        await send(context, c.chat_id, ht("admin_cancelled", c.lang))
        return END
    what = t("what_add_entry", c.lang, id=data["id"])
    await apply_change(context, c, lambda cur: [new_entry(cur, data)], "add_entry", what, data["id"])
    return END


async def on_nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel outside any conversation (anyone, admin or not): nothing to cancel."""
    message = update.effective_message
    if message is not None:
        lang = await context.services.fallback_language(update.effective_user)
        await send(context, message.chat_id, ht("nothing_to_cancel", lang))


# --- the entry search for an unanswered question -----------------------------------------------------


async def on_search_prompt(update: Update, context: BotContext) -> int:
    """🔎: ask for a word to find the entry to add the unanswered question to."""
    query, _message, action = pressed(update)
    c = await admin_call(update, context)
    found = find_question(c, action.token, action.qid) if isinstance(action, keys.SearchEntry) else None
    if found is None or context.user_data is None or not isinstance(action, keys.SearchEntry):
        await query.answer(t("expired", c.lang))
        return END
    await query.answer()
    context.user_data["kb_pick"] = (action.token, action.qid)
    await send(context, c.chat_id, ht("unanswered_search_prompt", c.lang, question=clip(found[1].question)))
    return SEARCH_TEXT


async def on_search_text(update: Update, context: BotContext) -> int:
    """The word: the entries it finds, each a button that adds the question to it."""
    c, message = await admin_call(update, context), update.effective_message
    token, qid = (context.user_data or {}).pop("kb_pick", ("", ""))
    found, words = find_question(c, token, qid), (message.text or "").strip() if message is not None else ""
    if found is None:
        await send(context, c.chat_id, ht("expired", c.lang))
        return END
    entries = [e for e in search_entries(c.edited, c.services.matcher, words, limit=16) if c.edited.get(e.id)]
    key = "unanswered_search_found" if entries else "kb_search_none"
    text = ht(key, c.lang, query=clip(words), question=clip(found[1].question))
    await send(context, c.chat_id, text, keys.found_entries(entries, token, qid, c.lang))
    return END


async def on_cancel(update: Update, context: BotContext) -> int:
    """/cancel inside an admin conversation: forget the draft."""
    c = await admin_call(update, context)
    for key in ("kb_add", "kb_edit", "kb_pick"):
        (context.user_data or {}).pop(key, None)
    await send(context, c.chat_id, ht("admin_cancelled", c.lang))
    return END


# --- /import ----------------------------------------------------------------------------------------


def import_prompt(lang: str) -> str:
    return t("import_prompt", lang, kib=MAX_IMPORT_BYTES // 1024)


async def on_import(update: Update, context: BotContext) -> None:
    """/import: ask for the TOML file as a reply (a file sent with the caption /import works directly)."""
    c = await admin_call(update, context)
    await context.bot.send_message(c.chat_id, import_prompt(c.lang), reply_markup=ForceReply())


async def on_import_document(update: Update, context: BotContext) -> None:
    """A TOML file to import: size-capped, parsed only as TOML, validated, previewed with Apply/Cancel."""
    c, message = await admin_call(update, context), update.effective_message
    document = message.document if message is not None else None
    if document is None:
        return
    name = document.file_name or "import.toml"
    try:
        if (document.file_size or 0) > MAX_IMPORT_BYTES:
            raise too_big(document.file_size or 0, name)  # not even downloaded
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
        text = decode_document(data, name)
        edits = import_document(c.edited, text, name)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    if not edits:
        await send(context, c.chat_id, ht("import_nothing", c.lang, name=name))
        return
    try:
        diffs = entry_diffs(c.edited.kb, c.edited.apply(*edits).kb)
    except KnowledgeError as exc:
        await send(context, c.chat_id, problems_text(exc.problems, c.lang, html=True))
        return
    head = import_preview_text(name, diffs, c.lang, html=True)
    what = t("what_import", c.lang, count=len(edits))
    await preview(context, c, head, Pending("import", lambda cur: import_document(cur, text, name), what))


class _ReplyToImportPrompt(filters.MessageFilter):
    """A message that replies to the bot's /import prompt."""

    def filter(self, message: Message) -> bool:
        reply = message.reply_to_message
        return reply is not None and reply.text in {import_prompt(lang) for lang in LANGS}


# --- the handlers -----------------------------------------------------------------------------------


def import_upload_filter() -> filters.BaseFilter:
    """A document sent with the caption /import, or as a reply to the /import prompt."""
    return filters.Document.ALL & (filters.CaptionRegex(r"^/import(@\w+)?(\s|$)") | _ReplyToImportPrompt())


def conversations(private_text: filters.BaseFilter) -> list[ConversationHandler[BotContext]]:
    """The /kb_add, the ➕ question / ✏️ answer / 📄 source and the 🔎 entry search conversations (for private
    text messages)."""
    cancel: list[BaseHandler[Update, BotContext, object]] = [CommandHandler("cancel", admin_only(on_cancel))]
    text = private_text & ~filters.COMMAND

    def on(cb: Handler) -> MessageHandler[BotContext, object]:
        return MessageHandler(text, admin_only(cb))

    with warnings.catch_warnings():
        # Buttons inside these conversations belong to the admin's latest message: per-user tracking is right.
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        add = ConversationHandler(
            entry_points=[
                CommandHandler("kb_add", admin_only(on_add_start), filters=private_text),
                AdminButton(admin_only(on_add_from_question), keys.NewFromQuestion),
            ],
            states={
                ADD_EN_Q: [on(on_add_en_q)], ADD_EN_A: [on(on_add_en_a)], ADD_RU_Q: [on(on_add_ru_q)],
                ADD_RU_A: [on(on_add_ru_a)], ADD_SOURCE: [on(on_add_source)],
                ADD_TOPIC: [AdminButton(admin_only(on_add_topic), keys.ChooseTopic)],
                ADD_CONFIRM: [AdminButton(admin_only(on_add_confirm), keys.ConfirmNew)],
            },
            fallbacks=cancel,
            allow_reentry=True,
            name="kb_add",
        )
        prompt = ConversationHandler(
            entry_points=[AdminButton(admin_only(on_edit_prompt), keys.PromptText),
                          AdminButton(admin_only(on_source_prompt), keys.PromptSource)],
            states={EDIT_TEXT: [on(on_edit_text)]},
            fallbacks=cancel,
            allow_reentry=True,
            name="kb_edit",
        )
        search = ConversationHandler(
            entry_points=[AdminButton(admin_only(on_search_prompt), keys.SearchEntry)],
            states={SEARCH_TEXT: [on(on_search_text)]},
            fallbacks=cancel,
            allow_reentry=True,
            name="kb_pick",
        )
    return [add, prompt, search]
