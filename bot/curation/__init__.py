"""Curating the knowledge base: admins' edits over ``knowledge/``, stored, audited, undoable.

* ``overlay``: the edited knowledge base (``EditedKnowledge``) and the ``Edit`` each admin action makes
* ``drafting``: a new entry from what an admin types (questions, source sentence, a free id)
* ``importing``: an uploaded entries document checked and turned into edits
* ``diff``: what changed between two knowledge bases, and which fields of an entry
* ``export``: a knowledge base written out as TOML (one document, or a knowledge directory)
* ``replay``: the regression replay of a change (old vs new answers to real and test questions)
* ``unanswered``: unanswered questions re-matched and grouped by their nearest entry, gap declines apart
* ``history``: audit rows turned into history items
* ``store``: ``CurationStore``, the one owner of the live knowledge base: stored edits, audit, undo

Everything but the store is pure: none of it imports Telegram, aiosqlite, the command line or the store,
and this package re-exports the pure names only (the store is ``from bot.curation.store import
CurationStore``). The front ends are ``bot/telegram/admin/`` and ``bot/cli_kb.py``; the texts are in
``bot/admin_texts.py``.
"""

from bot.curation.diff import FieldChange, KbDiff, changed_fields, diff_knowledge, entry_diffs, field_changes
from bot.curation.drafting import new_entry_id, source_in_article, source_lines, split_questions
from bot.curation.export import dump_entries, toml_string, write_knowledge_dir
from bot.curation.history import CLI_ADMIN_ID, HistoryItem, admin_names, history_item, history_items
from bot.curation.importing import MAX_IMPORT_BYTES, decode_document, import_document
from bot.curation.overlay import (
    Edit,
    EditedKnowledge,
    add_question,
    delete_entry,
    new_entry,
    prune_related,
    question_id,
    remove_question,
    replace_answer,
    replace_source,
    replace_topic,
    restore_entry,
    search_entries,
)
from bot.curation.replay import (
    Replay,
    ReplayExample,
    curated_questions,
    load_regression_items,
    replay_change,
    unreached_questions,
)
from bot.curation.unanswered import (
    Unanswered,
    UnansweredGroup,
    UnansweredQuestion,
    entry_choices,
    group_unanswered,
    page_of,
    question_key,
    taken_over,
)

__all__ = [
    "CLI_ADMIN_ID",
    "MAX_IMPORT_BYTES",
    "Edit",
    "EditedKnowledge",
    "FieldChange",
    "HistoryItem",
    "KbDiff",
    "Replay",
    "ReplayExample",
    "Unanswered",
    "UnansweredGroup",
    "UnansweredQuestion",
    "add_question",
    "admin_names",
    "changed_fields",
    "curated_questions",
    "decode_document",
    "delete_entry",
    "diff_knowledge",
    "dump_entries",
    "entry_choices",
    "entry_diffs",
    "field_changes",
    "group_unanswered",
    "history_item",
    "history_items",
    "import_document",
    "load_regression_items",
    "new_entry",
    "new_entry_id",
    "page_of",
    "prune_related",
    "question_id",
    "question_key",
    "remove_question",
    "replace_answer",
    "replace_source",
    "replace_topic",
    "replay_change",
    "restore_entry",
    "search_entries",
    "source_in_article",
    "source_lines",
    "split_questions",
    "taken_over",
    "toml_string",
    "unreached_questions",
    "write_knowledge_dir",
]
