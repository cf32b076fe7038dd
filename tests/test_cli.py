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
            "uncovered"}
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
def test_core_commands_do_not_import_telegram(argv: list[str], stdin: str) -> None:
    """Start-up time: neither the Telegram library nor the database driver is loaded by these."""
    code = (
        f"import sys; from bot.cli import main; main({argv!r}); "
        "assert not {'telegram', 'aiosqlite'} & set(sys.modules), sorted(sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


def test_kb_check_ok_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    assert "ok:" in capsys.readouterr().out
    broken = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", broken)
    (broken / "entries" / "zz.toml").write_text("[[entry]]\nid = 'Bad Id'\n", encoding="utf-8")
    assert main(["kb", "check", "--knowledge", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "entries/zz.toml" in err and "id: must match" in err


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


def test_chat_session() -> None:
    result = run_cli("chat", stdin="who signed the treaty?\nwhat did nato say\n1\nquit\n")
    assert result.returncode == 0
    assert "Tibilov" in result.stdout and "The article does not say" in result.stdout


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
