"""Configuration: defaults, the example file, environment secrets, precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, find_config_path, load_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.toml.example"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def test_defaults() -> None:
    config = load_config(None, env={})
    assert config == Config()
    assert config.telegram.mode == "polling"


def test_example_parses_and_documents_every_key() -> None:
    config = load_config(EXAMPLE, env={})
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in ("telegram", "telegram.webhook", "bot", "matching", "flood", "storage", "knowledge", "logging"):
        assert f"[{section}]" in text
    assert config.telegram.api_base_url.startswith("https://")


def test_env_token_wins_and_is_not_in_repr(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[telegram]\ntoken = "111:file"\n', encoding="utf-8")
    config = load_config(cfg, env={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert config.require_token() == TOKEN
    assert TOKEN not in repr(config) and "111:file" not in repr(load_config(cfg, env={}))


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[telegram]\nmode = 'pigeon'\n", "telegram.mode: 'pigeon' is not one of"),
        ("[bot]\nadmins = ['me']\n", "bot.admins[0]: expected an integer"),
        ("[bot]\nadmins = 5\n", "bot.admins: expected a list"),
        ("[storage]\nretention_days = -1\n", "storage.retention_days"),
        ("[storage]\nstore_text = 'yes'\n", "storage.store_text: expected bool"),
        ("[nonsense]\n", "unknown key 'nonsense'"),
        ("[telegram.webhook]\nprot = 8443\n", "unknown key 'telegram.webhook.prot'"),
        ("[matching]\nanswer_threshold = 0.2\nclarify_threshold = 0.5\n", "clarify_threshold <= answer_threshold"),
        ("[matching]\nanswer_threshold = 1.5\n", "between 0 and 1"),
        ("not toml at all", "not valid TOML"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(cfg, env={})


@pytest.mark.parametrize("token", ["", "abc", "123:short", "12345:" + "x" * 34 + "!"])
def test_malformed_token(token: str) -> None:
    config = load_config(None, env={"TELEGRAM_BOT_TOKEN": token} if token else {})
    with pytest.raises(ConfigError):
        config.require_token()


def test_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TREATY_BOT_CONFIG", raising=False)
    assert find_config_path(None) is None
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert find_config_path(None) == Path("config.toml")
    monkeypatch.setenv("TREATY_BOT_CONFIG", "/etc/x.toml")
    assert find_config_path(None) == Path("/etc/x.toml")
    assert find_config_path("given.toml") == Path("given.toml")
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml", env={})
