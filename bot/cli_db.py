"""Command-line subcommands for the chat-log database: ``stats``, ``db backup``, ``db export``.

The main CLI calls :func:`add_subcommands` with its subparsers; each leaf parser gets
``func=<handler>``, and every handler takes the parsed ``argparse.Namespace`` and returns the exit
status. The database is ``--database PATH``, else ``storage.database`` from the configuration
(``--config`` of the main CLI, ``$TREATY_BOT_CONFIG`` or ``./config.toml``). A missing database file
is an error (exit 1): these commands never create an empty one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, TextIO

from bot.errors import StorageError

EXPORT_CHOICES = ("exchanges", "feedback", "clicks")


class _CliError(Exception):
    """A problem to print as ``error: ...`` with exit status 1."""


def add_subcommands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: Callable[[argparse.ArgumentParser], None] = lambda _p: None,
) -> None:
    """Register ``stats`` and ``db {backup,export}`` on the main CLI's subparsers (``common`` adds the
    ``--config``/``--knowledge`` options every subcommand accepts after its name)."""
    stats = subparsers.add_parser(
        "stats",
        help="usage statistics from the chat log",
        description="Summarise the chat log: answered/clarify/unknown rates, top questions and entries, "
        "the most frequent unanswered questions, feedback, and a per-day breakdown.",
    )
    stats.add_argument("--days", type=_positive_int, default=None, metavar="N", help="only the last N days")
    stats.add_argument("--top", type=_positive_int, default=10, metavar="N", help="list lengths (default 10)")
    stats.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    _add_database_option(stats)
    common(stats)
    stats.set_defaults(func=run_stats)

    db = subparsers.add_parser("db", help="database maintenance: backup, export")
    db.set_defaults(func=lambda _args: _db_usage(db))
    db_sub = db.add_subparsers(dest="db_command", metavar="{backup,export}")

    backup = db_sub.add_parser(
        "backup",
        help="copy the database safely (also while the bot runs)",
        description="Make a consistent copy with SQLite's online backup API; safe while the bot is running.",
    )
    backup.add_argument("path", metavar="PATH", help="where to write the copy (replaced if it exists)")
    _add_database_option(backup)
    common(backup)
    backup.set_defaults(func=run_backup)

    export = db_sub.add_parser("export", help="export a table as CSV or JSON lines")
    export.add_argument("--format", choices=("csv", "jsonl"), required=True, dest="format")
    export.add_argument("--output", "-o", metavar="FILE", default=None, help="write here (default: stdout)")
    export.add_argument("--table", choices=EXPORT_CHOICES, default="exchanges", help="default: exchanges")
    _add_database_option(export)
    common(export)
    export.set_defaults(func=run_export)


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="PATH",
        default=None,
        help="the SQLite file (default: storage.database from the configuration)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _db_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def database_path(args: argparse.Namespace) -> Path:
    """``--database``, else the configured ``storage.database``; it must exist."""
    explicit = getattr(args, "database", None)
    if explicit:
        path = Path(explicit)
        origin = "--database"
    else:
        from bot.config import ConfigError, find_config_path, load_config

        try:
            config_path = find_config_path(getattr(args, "config", None))
            path = Path(load_config(config_path).storage.database)
        except ConfigError as exc:
            raise _CliError(str(exc)) from None
        origin = f"storage.database in {config_path}" if config_path else "the default storage.database"
    if path.is_dir():
        raise _CliError(f"{path} is a directory, not a database file ({origin})")
    if not path.is_file():
        raise _CliError(
            f"no database at {path} ({origin}); nothing has been recorded there yet, or pass --database PATH"
        )
    return path


def _run(args: argparse.Namespace, action: Callable[[Path], Awaitable[int]]) -> int:
    import asyncio  # here, not at the top: `treaty-bot ask` imports this module and must start fast
    try:
        path = database_path(args)
        return asyncio.run(_call(action, path))
    except (_CliError, StorageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _call(action: Callable[[Path], Awaitable[int]], path: Path) -> int:
    return await action(path)


def run_stats(args: argparse.Namespace) -> int:
    from bot.storage import Storage
    days: int | None = getattr(args, "days", None)
    top: int = getattr(args, "top", 10)
    as_json: bool = getattr(args, "json", False)

    async def action(path: Path) -> int:
        async with Storage(path) as storage:
            stats = await storage.stats(days=days, top=top)
        if as_json:
            print(json.dumps(stats, ensure_ascii=False))
        else:
            print(format_stats(stats, days=days, database=path))
        return 0

    return _run(args, action)


def run_backup(args: argparse.Namespace) -> int:
    from bot.storage import Storage
    dest = Path(args.path)

    async def action(path: Path) -> int:
        async with Storage(path) as storage:
            await storage.backup(dest)
            rows = await storage.count("exchanges")
        print(f"backed up {path} to {dest} ({rows} exchanges)")
        return 0

    return _run(args, action)


def run_export(args: argparse.Namespace) -> int:
    import asyncio

    from bot.storage import Storage
    fmt: Literal["csv", "jsonl"] = args.format
    table: str = getattr(args, "table", "exchanges")
    output: str | None = getattr(args, "output", None)

    async def export(path: Path, out: TextIO) -> int:
        async with Storage(path) as storage:
            return await storage.export(fmt, out, table=table)

    try:
        path = database_path(args)
        if output is None or output == "-":
            asyncio.run(export(path, sys.stdout))
            sys.stdout.flush()
        else:
            with Path(output).open("w", encoding="utf-8", newline="") as fh:
                rows = asyncio.run(export(path, fh))
            print(f"exported {rows} rows of {table} to {output}", file=sys.stderr)
    except (_CliError, StorageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def format_stats(stats: dict[str, Any], *, days: int | None = None, database: Path | None = None) -> str:
    """The human summary that ``stats`` prints."""
    period = f"the last {days} day{'s' if days != 1 else ''}" if days else "all time"
    lines = [f"Chat log statistics, {period}" + (f" ({database})" if database else "")]
    total = stats["exchanges"]
    lines.append(f"Questions: {total}")
    for key in ("answered", "clarify", "unknown"):
        lines.append(f"  {key:<9} {stats[key]:>7}  {stats[key + '_rate'] * 100:5.1f}%")
    lines.append(f"Feedback: {stats['feedback_up']} helpful, {stats['feedback_down']} not helpful")

    def listing(title: str, items: list[dict[str, Any]], key: str) -> None:
        lines.append(f"{title}:")
        if not items:
            lines.append("  (none)")
        for item in items:
            lines.append(f"  {item['count']:>6}  {item[key]}")

    listing("Top questions", stats["top_questions"], "question")
    listing("Top answers (entries)", stats["top_entries"], "entry_id")
    listing("Most rated not helpful (entries, 👎)", stats.get("disliked_entries", []), "entry_id")
    listing("Most frequent unanswered questions", stats["unanswered"], "question")
    lines.append("Per day (answered / clarify / unknown):")
    if not stats["per_day"]:
        lines.append("  (none)")
    for day in stats["per_day"]:
        lines.append(f"  {day['day']}  {day['answered']:>6} {day['clarify']:>6} {day['unknown']:>6}")
    return "\n".join(lines)
