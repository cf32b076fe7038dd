"""``treaty-bot health`` and the running bot's heartbeat file (no Telegram imports: it must start fast).

The running bot writes a small JSON file next to the database, ``<storage.database>.heartbeat``::

    {"pid": 12, "mode": "polling", "started": 1700000000.0, "last_contact": 1700000042.5}

``started`` when ``treaty-bot run`` starts, ``last_contact`` after each contact with Telegram that proves
updates reach the bot (a successful getUpdates; in webhook mode a delivery, or a ``getWebhookInfo`` check
every ``PING_INTERVAL`` seconds finding nothing waiting: bot/telegram/ops.py); the file is
removed on a clean shutdown. ``treaty-bot health`` exits 0 when the configuration is valid, the knowledge
base loads, the database opens (or can be created, unless the bot runs: a database missing under a
running bot was deleted), and, when a heartbeat file is present, the last contact with Telegram (or the
start, if there was none yet) is younger than ``--max-age`` seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HEARTBEAT_SUFFIX = ".heartbeat"
PING_INTERVAL = 60.0  # seconds between two getWebhookInfo checks of the running bot (webhook mode)
DEFAULT_MAX_AGE = 180.0  # three missed pings


def heartbeat_path(database: str) -> Path | None:
    """Where the running bot writes its heartbeat: next to the database (None without a database file)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + HEARTBEAT_SUFFIX)


@dataclass
class Heartbeat:
    """The running bot's side: keeps the file current, cheaply (at most one write per ``min_interval``)."""

    path: Path | None
    mode: str = "polling"
    min_interval: float = 5.0
    started: float = field(default_factory=time.time)
    last_contact: float | None = None
    _written: float = field(default=-1e18, repr=False)  # time.monotonic() of the last write

    def start(self) -> None:
        self._write()

    def contact(self) -> None:
        """A successful exchange with Telegram just happened."""
        first = self.last_contact is None
        self.last_contact = time.time()
        if first or time.monotonic() - self._written >= self.min_interval:
            self._write()

    def age(self) -> float:
        """Seconds since the last contact (or the start, before any contact)."""
        return time.time() - (self.last_contact or self.started)

    def stop(self) -> None:
        """A clean shutdown: remove the file (a left-over file means the bot died)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)

    def _write(self) -> None:
        self._written = time.monotonic()
        if self.path is None:
            return
        data = {"pid": os.getpid(), "mode": self.mode, "started": self.started, "last_contact": self.last_contact}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            # A full or read-only disk must not stop the bot; health will notice the stale file.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


# --- the check ------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_knowledge(directory: str | None) -> Check:
    from bot.knowledge import KnowledgeError, load_knowledge

    try:
        kb = load_knowledge(directory or None)
    except KnowledgeError as exc:
        return Check("knowledge", False, f"{len(exc.problems)} problem(s), first: {exc.problems[0]}")
    except OSError as exc:
        return Check("knowledge", False, str(exc))
    return Check("knowledge", True, f"{len(kb.entries)} entries in {kb.directory}")


def check_database(database: str, timeout: float = 2.0, *, running: bool = False) -> Check:
    """The database opens and reads (schema version); a missing file is fine when it can be created,
    unless the bot is ``running`` (it was deleted under the bot, which restores it at its next write)."""
    if not database:
        return Check("database", True, "none configured (chat log off)")
    path = Path(database)
    if not path.exists() and running:
        return Check("database", False, f"{path}: missing while the bot runs (deleted?); the bot restores it "
                                        "from its open connection at its next write, within seconds")
    if not path.exists():
        parent = path.parent if str(path.parent) else Path(".")
        probe = parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
            return Check("database", True, f"{path}: not created yet (the bot creates it at start)")
        return Check("database", False, f"{path}: does not exist and {probe} is not writable")
    from bot.storage import SCHEMA_VERSION, read_schema_version

    try:
        version = read_schema_version(path, timeout)
    except sqlite3.Error as exc:
        return Check("database", False, f"{path}: {exc}")
    if version > SCHEMA_VERSION:
        return Check("database", False, f"{path}: schema version {version} is newer than this bot's {SCHEMA_VERSION}")
    return Check("database", True, f"{path}: schema version {version}")


def check_heartbeat(database: str, max_age: float, now: float | None = None) -> Check:
    path = heartbeat_path(database)
    if path is None:
        return Check("telegram", True, "no database, so no heartbeat to check")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Check("telegram", True, "the bot is not running (no heartbeat file)")
    except (OSError, ValueError) as exc:
        return Check("telegram", False, f"{path}: unreadable heartbeat: {exc}")
    now = time.time() if now is None else now
    last = data.get("last_contact")
    if isinstance(last, int | float):
        age = now - last
        verdict = age <= max_age
        return Check("telegram", verdict, f"last contact with Telegram {age:.0f} s ago (limit {max_age:.0f} s)")
    started = data.get("started")
    if not isinstance(started, int | float):
        return Check("telegram", False, f"{path}: malformed heartbeat")
    age = now - started
    return Check("telegram", age <= max_age, f"no contact with Telegram yet, {age:.0f} s after start")


def run_checks(config_path: str | None, knowledge: str | None, max_age: float) -> list[Check]:
    from bot.config import ConfigError, find_config_path, load_config

    try:
        config = load_config(find_config_path(config_path))
    except ConfigError as exc:
        return [Check("config", False, str(exc))]
    checks = [Check("config", True, config.source or "defaults and environment")]
    checks.append(check_knowledge(knowledge or config.knowledge.directory or None))
    beat = heartbeat_path(config.storage.database)
    checks.append(check_database(config.storage.database, running=beat is not None and beat.exists()))
    checks.append(check_heartbeat(config.storage.database, max_age))
    return checks


def cmd_health(args: argparse.Namespace) -> int:
    checks = run_checks(args.config, args.knowledge, args.max_age)
    healthy = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"healthy": healthy, "checks": [asdict(c) for c in checks]}, ensure_ascii=False))
    else:
        for c in checks:
            print(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}", file=sys.stdout if c.ok else sys.stderr)
    return 0 if healthy else 1


def add_subcommand(subparsers: Any, common: Any = None) -> None:
    """Register ``health`` on the main CLI's subparsers (``common`` adds --config/--knowledge)."""
    p = subparsers.add_parser(
        "health",
        help="exit 0 if the bot is healthy (config, knowledge base, database, recent contact with Telegram)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE,
        metavar="SECONDS",
        help=f"the longest acceptable time since the running bot's last contact with Telegram "
        f"(default {DEFAULT_MAX_AGE:.0f})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    if common is not None:
        common(p)
    p.set_defaults(func=cmd_health)
