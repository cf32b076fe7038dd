"""Guards: the README documents every command, and the example config documents every key."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from bot.cli import build_parser
from bot.config import Config
from bot.telegram import admin
from bot.telegram.app import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "treaty-bot") -> list[str]:
    found: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(_subcommands(sub, f"{prefix} {name}"))
    return found


def test_every_cli_command_is_in_the_readme() -> None:
    commands = _subcommands(build_parser())
    assert "treaty-bot ask" in commands and "treaty-bot kb check" in commands
    missing = [c for c in commands if f"`{c}" not in README]
    # A group such as "treaty-bot kb" or "treaty-bot db" is documented through its subcommands.
    missing = [c for c in missing if not any(other.startswith(c + " ") for other in commands)]
    assert not missing, f"not in README.md: {missing}"


def test_every_telegram_command_is_in_the_readme() -> None:
    missing = [c for c in (*COMMANDS, *admin.COMMANDS) if f"/{c}" not in README]
    assert not missing, f"not in README.md: {missing}"


def _keys(cls: type, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name == "source":
            continue
        if dataclasses.is_dataclass(f.default):
            keys.extend(_keys(type(f.default), f"{prefix}{f.name}."))
        else:
            keys.append(f"{prefix}{f.name}")
    return keys


def test_every_config_key_is_in_the_example() -> None:
    example = (ROOT / "config.toml.example").read_text(encoding="utf-8")
    # A key may be documented commented out ("# answer_threshold = 0.75": unset means a fitted default).
    missing = [k for k in _keys(Config)
               if f"\n{k.rsplit('.', 1)[-1]} = " not in example and f"\n# {k.rsplit('.', 1)[-1]} = " not in example]
    assert not missing, f"not in config.toml.example: {missing}"
