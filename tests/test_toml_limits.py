"""Hostile TOML at every entry point (issue 12): the config, the knowledge files (meta, lexicon, entries,
decision), ``kb import`` and /import, /kb_reload. A 1 MB file and a file nested 10,000 deep each get a
one-line error naming the file (exit 1 on the command line, a reply in Telegram), never a traceback.
Also the config's secrets: a wrongly typed one is named, never printed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import KNOWLEDGE_DIR, TEST_TOKEN, TelegramBots
from fake_telegram import FakeTelegram, JSONDict, text_entities

from bot.cli import main
from bot.config import BotConfig, ConfigError, load_config
from bot.knowledge import load_knowledge
from bot.matching import Matcher
from bot.tomlsafe import MAX_TOML_DEPTH, TomlError, loads_limited, nesting_depth, read_limited

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 501

DEEP = "x = " + "[" * 10_000 + "]" * 10_000 + "\n"  # 20 KB; tomllib alone raises RecursionError at ~500
DEEP_TABLES = "x = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n"
DEEP_KEYS = ".".join(["k"] * 10_000) + " = 1\n"  # parses (iteratively) into 10,000 nested tables
BIG = "".join(f'pad{n} = "{"x" * 1000}"\n' for n in range(1040))  # 1 MB of valid TOML
HOSTILE = {"deep": DEEP, "big": BIG}


def knowledge_copy(tmp_path: Path, file: str = "", content: str = "") -> Path:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, directory)
    if file:
        (directory / file).write_text(content, encoding="utf-8")
    return directory


# --- the limit itself ------------------------------------------------------------------------------------


def test_every_shipped_file_reads_as_tomllib_reads_it() -> None:
    for path in [*KNOWLEDGE_DIR.rglob("*.toml"), ROOT / "config.toml.example"]:
        text = path.read_text(encoding="utf-8")
        assert loads_limited(text, path.name) == tomllib.loads(text), path
        assert nesting_depth(text, MAX_TOML_DEPTH)[0] <= 4, path


@pytest.mark.parametrize("text", [DEEP, DEEP_TABLES, DEEP_KEYS, "[" + ".".join(["t"] * 100) + "]\n", BIG],
                         ids=["arrays", "inline-tables", "dotted-keys", "table-header", "1MB"])
def test_too_deep_or_too_big_is_refused_in_one_line_naming_the_file(text: str) -> None:
    with pytest.raises(TomlError) as exc:
        loads_limited(text, "entries/x.toml")
    assert str(exc.value).startswith("entries/x.toml: ") and "\n" not in str(exc.value)
    assert "nested more than 32 levels" in exc.value.reason or "too big" in exc.value.reason
    assert "line 1" in exc.value.reason or "too big" in exc.value.reason  # refused before parsing


def test_tables_nested_by_headers_are_refused_after_parsing() -> None:
    text = f"[{'.'.join(['t'] * 30)}]\nc.d.e.f = [[[1]]]\n"  # each part within the limit, 37 levels in all
    with pytest.raises(TomlError, match="tables within tables"):
        loads_limited(text, "x.toml")


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    text = ('a = "[[[[" # [[[[[[[[\nb = \'[[[[\'\nc = """\n[[[[\n"""\nd = \'\'\'[[[[\'\'\'\n'
            'e = "\\"[[[[" \nf = [[1], [2]]\n')
    assert nesting_depth(text, MAX_TOML_DEPTH) == (2, 8)  # the first "f = [[": line 8
    assert loads_limited(text, "x.toml", max_depth=2)["f"] == [[1], [2]]
    with pytest.raises(TomlError, match="line 3"):
        loads_limited("a = 1\n# [[[\nb = [[[1]]]\n", "x.toml", max_depth=2)


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    with path.open("wb") as fh:
        fh.truncate(3 * 1024**3)  # 3 GB, sparse: reading it would take the memory
    with pytest.raises(TomlError, match=r"huge.toml: too big \(3145728 KiB; the limit is 512 KiB\)"):
        read_limited(path, "huge.toml")
    (tmp_path / "latin1.toml").write_bytes('name = "Цхинвал"'.encode("cp1251"))
    with pytest.raises(TomlError, match=r"latin1\.toml: not UTF-8"):
        read_limited(tmp_path / "latin1.toml", "latin1.toml")


# --- the command line ----------------------------------------------------------------------------------

TARGETS = ["config", "meta.toml", "lexicon.toml", "entries/signing.toml", "decision.toml"]


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("target", TARGETS)
def test_every_command_reading_a_hostile_file_exits_1_with_one_line(
    tmp_path: Path, target: str, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TREATY_BOT_CONFIG", raising=False)
    monkeypatch.setenv("TREATY_BOT_DATABASE", str(tmp_path / "db.sqlite3"))
    if target == "config":
        (tmp_path / "config.toml").write_text(HOSTILE[kind], encoding="utf-8")
        options = ["--config", str(tmp_path / "config.toml")]
        name = "config.toml"
    else:
        options = ["--knowledge", str(knowledge_copy(tmp_path, target, HOSTILE[kind]))]
        name = target
    for command in (["kb", "check"], ["ask", "who signed?"], ["health"], ["kb", "export", str(tmp_path / "out")]):
        assert main([*options, *command]) == 1, command
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and name in err and "Traceback" not in err, (command, err)
        assert ("too big" if kind == "big" else "nested more than 32 levels") in err


@pytest.mark.parametrize("kind", HOSTILE)
def test_kb_import_of_a_hostile_file_exits_1_with_one_line(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TREATY_BOT_CONFIG", raising=False)
    document = tmp_path / "hostile.toml"
    document.write_text(HOSTILE[kind], encoding="utf-8")
    assert main(["kb", "import", str(document), "--dry-run", "--database", str(tmp_path / "db.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "hostile.toml" in err and "Traceback" not in err, err
    assert ("limit is 256 KiB" if kind == "big" else "nested more than 32 levels") in err


@pytest.mark.parametrize("broken", ["config", "entries/signing.toml"])
def test_run_with_a_hostile_file_exits_1_with_one_line(tmp_path: Path, broken: str) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TEST_TOKEN, "PYTHONPATH": str(ROOT),
           "TREATY_BOT_DATABASE": str(tmp_path / "db.sqlite3")}
    env.pop("TREATY_BOT_CONFIG", None)
    args = [sys.executable, "-m", "bot.cli"]
    if broken == "config":
        (tmp_path / "config.toml").write_text(DEEP, encoding="utf-8")
        args += ["--config", str(tmp_path / "config.toml")]
    else:
        args += ["--knowledge", str(knowledge_copy(tmp_path, broken, DEEP))]
    done = subprocess.run([*args, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "treaty-bot:" in line or "Traceback" in line]
    assert len(errors) == 1 and "nested more than 32 levels" in errors[0], done.stderr


# --- Telegram --------------------------------------------------------------------------------------------


def document(fake: FakeTelegram, content: bytes, name: str) -> JSONDict:
    stored = fake.add_file(content, name, "application/octet-stream")
    sender = fake.user(ADMIN)
    doc = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_name": name,
           "file_size": len(content)}
    message = fake._message(fake.private_chat(sender), sender, document=doc, caption="/import",
                            caption_entities=text_entities("/import"))
    return {"message": message}


def to_admin(call: object) -> bool:
    return getattr(call, "params", {}).get("chat_id") == ADMIN


async def test_import_and_reload_of_hostile_files_get_a_reply(telegram_bots: TelegramBots, tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    telegram_bots.kb = load_knowledge(knowledge)
    telegram_bots.matcher = Matcher(telegram_bots.kb)
    bot = await telegram_bots.start(telegram_bots.config(bot=BotConfig(admins=(ADMIN,))))
    fake, live = bot.fake, bot.services.kb
    deep = await bot.feed(document(fake, DEEP.encode(), "deep.toml"), "sendMessage", to_admin)
    assert deep.ok and deep.params["text"].startswith("Nothing was changed")
    assert "deep.toml: nested more than 32 levels deep (line 1)" in deep.params["text"]
    since = len(fake.calls_to("getFile"))
    big = await bot.feed(document(fake, BIG.encode(), "big.toml"), "sendMessage", to_admin)
    assert f"big.toml: the file is {len(BIG) // 1024} KiB; the limit is 256 KiB" in big.params["text"]
    assert len(fake.calls_to("getFile")) == since  # refused before it was downloaded
    signing = knowledge / "entries" / "signing.toml"
    for kind, content in HOSTILE.items():
        signing.write_text(content, encoding="utf-8")
        failed = await bot.feed(fake.private_message("/kb_reload", user_id=ADMIN), "sendMessage", to_admin)
        text = failed.params["text"]
        assert failed.ok and "previous knowledge base stays live" in text and "entries/signing.toml" in text
        assert ("too big" if kind == "big" else "nested more than 32 levels") in text
        assert text.count("•") == 1  # the one file, not every entry that relates to its entries
    assert bot.services.kb is live


# --- the config's secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("toml", "key"), [
    ("[telegram]\ntoken = 123456789\n", "telegram.token"),
    ('[telegram]\ntoken = ["123456:SECRETSECRET"]\n', "telegram.token"),
    ('[storage]\nsalt = {value = "SECRETSECRET"}\n', "storage.salt"),
    ("[storage]\nsalt = 123456789\n", "storage.salt"),
    ('[telegram.webhook]\nsecret_token = ["SECRETSECRET"]\n', "telegram.webhook.secret_token"),
])
def test_a_wrongly_typed_secret_is_named_never_printed(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    message = str(exc.value)
    assert key in message and "SECRETSECRET" not in message and "123456789" not in message, message


@pytest.mark.parametrize(("toml", "key"), [
    ("[telegram]\nmax_retries = -1\n", "telegram.max_retries"),
    ("[flood]\nuser_max_questions = 0\n", "flood.user_max_questions"),
    ("[storage]\nflush_interval = -0.5\n", "storage.flush_interval"),
    ("[matching]\nmax_candidates = 0\n", "matching.max_candidates"),
])
def test_a_count_below_its_minimum_is_a_config_error(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"config.toml: {key}: must be"):
        load_config(path, env={})
