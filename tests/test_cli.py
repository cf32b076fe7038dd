"""The command line: the ask --json contract, kb check, eval, chat, run without a token."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = Path(__file__).resolve().parent / "data" / "dev.jsonl"


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed entry point in a subprocess, as a user runs it."""
    environment = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "TREATY_BOT_CONFIG")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, timeout=60,
        env=environment, cwd=ROOT, check=False,
    )


def test_ask_json_contract() -> None:
    lines = "who signed the treaty?\nкогда подписали договор?\nWhat did NATO say?\n\nstatements\n"
    result = run_cli("ask", "--json", stdin=lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4  # the blank line is skipped
    keys = {"question", "lang", "status", "entry_id", "score", "answer", "source", "suggestions", "resolved", "parts",
            "uncovered", "explained"}
    for row in rows:
        assert set(row) == keys
        assert row["status"] in ("answered", "clarify", "unknown")
        assert isinstance(row["score"], float | int)
        assert isinstance(row["answer"], str) and row["answer"]
        assert "<" not in row["answer"]  # plain text, no markup
        for s in row["suggestions"]:
            assert set(s) == {"entry_id", "question"}
        if row["status"] != "answered":
            assert row["entry_id"] is None and row["source"] is None
    en, ru, nato = rows[0], rows[1], rows[2]
    assert (en["lang"], en["status"], en["entry_id"]) == ("en", "answered", "signatories")
    assert "Putin" in en["answer"] and "Tibilov" in en["answer"]
    assert en["source"].startswith("Presidents of Russia and South Ossetia")
    assert (ru["lang"], ru["status"]) == ("ru", "answered") and "18 марта" in ru["answer"]
    assert nato["status"] == "unknown" and nato["answer"].startswith("The article does not say")


def test_ask_lang_forces_language() -> None:
    result = run_cli("ask", "--json", "--lang", "ru", stdin="who signed the treaty?\n")
    row = json.loads(result.stdout)
    assert row["lang"] == "ru" and "Путин" in row["answer"]


def test_ask_plain_prints_answer_and_source() -> None:
    result = run_cli("ask", "who", "signed", "the", "treaty?")
    assert result.returncode == 0
    assert "Tibilov" in result.stdout and "Source:" in result.stdout


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [(["ask", "hi"], ""), (["kb", "check"], ""), (["eval", str(DEV_SET)], ""), (["chat"], "hi\nquit\n")],
)
def test_core_commands_do_not_import_telegram(argv: list[str], stdin: str, tmp_path: Path) -> None:
    """Start-up time: neither the Telegram library nor the database driver is loaded by these (when there
    is no database file: with one, ask/chat/eval read the admins' stored edits from it)."""
    code = (
        f"import sys; from bot.cli import main; main({argv!r}); "
        "assert not {'telegram', 'aiosqlite'} & set(sys.modules), sorted(sys.modules)"
    )
    env = {**os.environ, "TREATY_BOT_DATABASE": str(tmp_path / "none.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr


EDITED_ANSWER = "Edited in Telegram: Putin and Tibilov signed it."


async def store_an_edit(database: Path) -> None:
    """An admin's answer replacement, made through the curation store the Telegram admin uses."""
    from bot import curation
    from bot.curation.store import CurationStore
    from bot.knowledge import load_knowledge
    from bot.storage import Storage

    async with Storage(database) as storage:
        store = CurationStore(load_knowledge(), storage)
        await store.load()
        await store.change(lambda kb: [curation.replace_answer(kb, "signatories", "en", EDITED_ANSWER)], 501,
                           "replace_answer")


def config_with_database(tmp_path: Path, database: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"[storage]\ndatabase = {json.dumps(str(database))}\n", encoding="utf-8")
    return config


async def test_ask_and_chat_answer_from_the_stored_edits_while_the_bot_runs(tmp_path: Path) -> None:
    import asyncio

    from bot.storage import Storage
    from bot.storage.lock import DatabaseLock

    database = tmp_path / "data" / "bot.sqlite3"
    await store_an_edit(database)
    config = str(config_with_database(tmp_path, database))
    # The bot is running: it holds the single-bot lock and its database is open for writing.
    with DatabaseLock(database):
        async with Storage(database):
            question = "who signed the treaty?\n"
            live = await asyncio.to_thread(run_cli, "--config", config, "ask", "--json", stdin=question)
            chat = await asyncio.to_thread(run_cli, "--config", config, "chat", stdin=question + "quit\n")
            files = await asyncio.to_thread(run_cli, "--config", config, "ask", "--json", "--files-only",
                                            stdin=question)
    assert live.returncode == 0, live.stderr
    row = json.loads(live.stdout)
    assert row["entry_id"] == "signatories" and row["answer"].startswith(EDITED_ANSWER)
    assert EDITED_ANSWER in chat.stdout
    file_answer = json.loads(files.stdout)["answer"]
    assert files.returncode == 0 and EDITED_ANSWER not in file_answer and "Tibilov" in file_answer


def test_ask_and_eval_in_process_and_files_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    database = tmp_path / "bot.sqlite3"
    asyncio.run(store_an_edit(database))
    config = str(config_with_database(tmp_path, database))
    assert main(["--config", config, "ask", "who signed the treaty?"]) == 0
    assert EDITED_ANSWER in capsys.readouterr().out
    assert main(["--config", config, "ask", "--files-only", "who signed the treaty?"]) == 0
    assert EDITED_ANSWER not in capsys.readouterr().out
    # eval scores the live answer too: only the edited answer says "Edited in Telegram"
    questions = tmp_path / "set.jsonl"
    item = {"id": "q1", "lang": "en", "question": "who signed the treaty?", "expect": "answer",
            "must": [["Edited in Telegram"]], "topic": "signatories", "style": "plain"}
    questions.write_text(json.dumps(item) + "\n", encoding="utf-8")
    assert main(["--config", config, "eval", str(questions), "--min-accuracy", "100"]) == 0
    assert main(["--config", config, "eval", str(questions), "--min-accuracy", "100", "--files-only"]) == 1
    capsys.readouterr()


def test_a_missing_or_broken_database_means_the_files(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "bot.sqlite3"
    result = run_cli("--config", str(config_with_database(tmp_path, missing)), "ask", "--json",
                     stdin="who signed the treaty?\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["entry_id"] == "signatories" and not result.stderr
    assert not missing.parent.exists()  # read-only: nothing created
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database" * 100)
    result = run_cli("--config", str(config_with_database(tmp_path, broken)), "ask", "who signed the treaty?")
    assert result.returncode == 0 and "Tibilov" in result.stdout
    assert "stored edits were not applied" in result.stderr
    assert broken.read_bytes() == b"not a database" * 100


def test_kb_check_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    assert "ok:" in capsys.readouterr().out
    broken = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", broken)
    (broken / "entries" / "zz.toml").write_text("[[entry]]\nid = 'Bad Id'\n", encoding="utf-8")
    assert main(["kb", "check", "--knowledge", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "entries/zz.toml" in err and "id: must match" in err


def test_kb_check_names_curated_questions_the_bot_does_not_answer(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A fact's own question that is all stop words is never answered: kb check says so (a note, exit 0)."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".index-*"))
    path = knowledge / "entries" / "signing.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('questions = [\n', 'questions = [\n  "is it the one that was there",\n', 1),
                    encoding="utf-8")
    assert main(["kb", "check", "--knowledge", str(knowledge)]) == 0
    out = capsys.readouterr().out
    assert "its own question 'is it the one that was there' is declined" in out and "ok:" in out


def test_eval_reports_and_floor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(DEV_SET)]) == 0
    out = capsys.readouterr().out
    assert "In-scope accuracy:" in out and "Refusal accuracy:" in out and "by style" in out
    assert main(["eval", str(DEV_SET), "--min-accuracy", "100.1"]) == 1


def test_eval_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["eval", str(bad)]) == 1
    assert "bad.jsonl:1: not an eval item" in capsys.readouterr().err


def test_ask_json_names_a_json_line_without_a_question() -> None:
    result = run_cli("ask", "--json", stdin='{"question": 5}\n{"question": "who signed the treaty?"}\n')
    assert result.returncode == 0
    assert result.stderr.count('needs "question" as text') == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and rows[1]["entry_id"] == "signatories"


def test_chat_session() -> None:
    result = run_cli("chat", stdin="who signed the treaty?\nwhat did nato say\n1\nquit\n")
    assert result.returncode == 0
    assert "Tibilov" in result.stdout and "The article does not say" in result.stdout


def test_chat_takes_telegram_style_commands() -> None:
    """/topics lists the questions (numbers then pick one), /help says how, /quit ends, as in Telegram."""
    result = run_cli("chat", stdin="/topics\n1\n99\n/nonsense\n/quit\nwho signed the treaty?\n")
    assert result.returncode == 0
    assert "[1]" in result.stdout.split("you> ")[1]  # the topics' questions, numbered
    assert "Pick one of 1-" in result.stdout.split("you> ")[3]  # a number that is no option
    assert "quit (or Ctrl-D) ends" in result.stdout.split("you> ")[4]
    assert "Tibilov" not in result.stdout.split("you> ")[-1]  # ended at /quit: the last line was not asked
    assert "The article does not say" not in result.stdout


def test_run_without_token_is_a_clear_error() -> None:
    result = run_cli("run")
    assert result.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


def test_run_with_malformed_token() -> None:
    result = run_cli("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 1
    assert "malformed" in result.stderr and "not-a-token" not in result.stderr


def test_config_error_names_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[matching]\nanswer_treshold = 0.5\n", encoding="utf-8")
    result = run_cli("--config", str(cfg), "ask", "hi")
    assert result.returncode == 1 and "matching.answer_treshold" in result.stderr


def test_every_subcommand_accepts_config_and_knowledge_after_its_name() -> None:
    import argparse

    from bot.cli import build_parser

    def leaves(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.ArgumentParser]]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found += leaves(sub, f"{path} {name}")
        return found or [(path, parser)]

    missing = [path for path, p in leaves(build_parser(), "treaty-bot")
               if not {"--config", "--knowledge"} <= {o for a in p._actions for o in a.option_strings}]
    assert not missing, missing
