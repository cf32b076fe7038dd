"""Schema v6: a group's /settings, one row per chat (issue 13), and the asker of an answer from the chat log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import MIGRATIONS, SCHEMA_VERSION, Exchange, GroupSettings, Storage


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_a_version_5_database_gains_the_group_settings_table(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript("BEGIN; " + " ".join(MIGRATIONS[:5]) + " PRAGMA user_version = 5; COMMIT;")
        conn.execute("INSERT INTO user_prefs (user_id, lang, updated) VALUES ('7', 'ru', 1.0)")
    assert SCHEMA_VERSION >= 6
    async with Storage(path) as storage:
        assert await storage.group_settings() == {}
        assert await storage.user_languages() == {"7": "ru"}  # the rows before it stay
    assert query(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    columns = [row[1] for row in query(path, "PRAGMA table_info(group_settings)")]
    assert columns == ["chat_id", "compact", "lang", "updated"]
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO group_settings (chat_id, compact, lang, updated) VALUES (-1, 0, 'de', 1.0)")


async def test_group_settings_are_written_through_the_queue_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "chat.sqlite3"
    async with Storage(path, flush_interval=0.01) as storage:
        storage.record_group_settings(GroupSettings(chat_id=-100, compact=True, ts=1.0))
        storage.record_group_settings(GroupSettings(chat_id=-100, compact=True, lang="ru", ts=2.0))
        storage.record_group_settings(GroupSettings(chat_id=-200, lang="en", ts=3.0))
        assert await storage.flush(2)
        stored = await storage.group_settings()
    assert stored == {
        -100: GroupSettings(chat_id=-100, compact=True, lang="ru", ts=2.0),
        -200: GroupSettings(chat_id=-200, compact=False, lang="en", ts=3.0),
    }
    assert stored[-100].fixed_lang == "ru" and GroupSettings(chat_id=-1).fixed_lang is None
    with pytest.raises(ValueError, match="lang"):
        GroupSettings(chat_id=-1, lang="de")


@pytest.mark.parametrize("pseudonymize", [False, True])
async def test_the_asker_of_an_answer_as_the_chat_log_stores_it(tmp_path: Path, pseudonymize: bool) -> None:
    async with Storage(tmp_path / "chat.sqlite3", pseudonymize=pseudonymize, salt="s") as storage:
        storage.record_exchange(
            Exchange(channel="supergroup", status="answered", update_id=1, chat_id=-100, user_id=42, reply_message_id=9)
        )
        assert await storage.asker_of_reply(-100, 9) == storage.user_key(42)
        assert await storage.asker_of_reply(-100, 10) is None
        assert await storage.asker_of_reply(-101, 9) is None
