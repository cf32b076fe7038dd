"""``treaty-bot kb export DIR`` and ``treaty-bot kb import FILE``: the admin tools on the command line.

The live knowledge base is ``knowledge/`` plus the admins' edits stored in the database
(``--database PATH``, else ``storage.database`` from the configuration; used when the file exists),
as the bot's curation store (``bot.curation.store.CurationStore``) owns it; :func:`live_knowledge` is
that knowledge base for ``ask``, ``chat`` and ``eval`` too. No Telegram imports.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config
    from bot.curation.store import CurationStore
    from bot.knowledge import KnowledgeBase
    from bot.storage import Storage


def add_kb_subcommands(
    kb_sub: argparse._SubParsersAction[argparse.ArgumentParser], common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Register ``kb export`` and ``kb import`` under ``treaty-bot kb``."""
    p = kb_sub.add_parser("export", help="write the live knowledge base (files + stored edits) as TOML files")
    p.add_argument("dir", help="the knowledge directory to write (may be knowledge/ itself)")
    _database_option(p)
    common(p)
    p.set_defaults(func=cmd_kb_export)

    p = kb_sub.add_parser("import", help="validate an entries TOML file and apply it as an audited edit")
    p.add_argument("file", help="an entries document ([[entry]] tables, the entries/*.toml format)")
    p.add_argument("--dry-run", action="store_true", help="show the diff and the regression replay only")
    _database_option(p)
    common(p)
    p.set_defaults(func=cmd_kb_import)

    p = kb_sub.add_parser("fit", help="fit the answer decision on labelled question sets (eval schema)")
    p.add_argument("files", nargs="+", help=".jsonl question sets to fit on (never the sets you report)")
    p.add_argument("--out", help="where to write the model (default: decision.toml in the knowledge directory)")
    p.add_argument("--dry-run", action="store_true", help="report the fit, write nothing")
    common(p)
    p.set_defaults(func=cmd_kb_fit)


def cmd_kb_fit(args: argparse.Namespace) -> int:
    """Fit the learned answer decision (bot/fitting.py) and write it as ``decision.toml``."""
    from bot.config import find_config_path, load_config
    from bot.decision import decision_toml
    from bot.evaluation import read_eval
    from bot.fitting import fit_decision
    from bot.knowledge import load_knowledge

    config = load_config(find_config_path(args.config))
    kb = load_knowledge(args.knowledge or config.knowledge.directory or None, decision=False)
    items = [item for name in args.files for item in read_eval(Path(name))]
    names = [Path(name).name for name in args.files]
    report = fit_decision(kb, items, names)
    print(f"fitted on {report.items} questions ({', '.join(names)}): {report.rows} candidate rows, "
          f"{report.positives} right answers among them")
    print(f"thresholds: answer {report.model.answer:.2f}, clarify {report.model.clarify:.2f}")
    print(f"on the fitting questions themselves (not a measure of new wordings): in-scope "
          f"{100 * report.train_in_scope:.1f}%, refusal {100 * report.train_refusal:.1f}%")
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    out = Path(args.out) if args.out else Path(kb.directory) / "decision.toml"
    comment = f"fitted on {report.items} labelled questions: {', '.join(names)}"
    out.write_text(decision_toml(report.model, comment), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="PATH", default=None,
                        help="the SQLite file with the stored edits (default: storage.database)")


def _database(args: argparse.Namespace, configured: str) -> Path | None:
    name = getattr(args, "database", None) or configured
    return Path(name) if name else None


def _load(args: argparse.Namespace) -> tuple[Config, KnowledgeBase]:
    """The configuration and the files' knowledge base as the options say."""
    from bot.config import find_config_path, load_config
    from bot.knowledge import load_knowledge

    config = load_config(find_config_path(args.config))
    return config, load_knowledge(args.knowledge or config.knowledge.directory or None)


def live_knowledge(base: KnowledgeBase, database: str | Path | None) -> KnowledgeBase:
    """The live knowledge base as the running bot has it: ``base`` plus the admins' edits stored in
    ``database``, replayed by the bot's own curation store (``CurationStore.load``).

    The database is opened read-only, without the single-bot lock, so this works while the bot runs and
    never creates, migrates or writes the file. No database file (or none configured): ``base`` as it
    is, without importing the database driver (``treaty-bot ask`` starts as fast as before). A file that
    cannot be read: a warning on stderr and ``base``.
    """
    path = Path(database) if database and str(database) != ":memory:" else None
    if path is None or not path.is_file():
        return base
    import asyncio  # here, not at the top: `treaty-bot ask` imports this module and must start fast

    from bot.errors import StorageError
    from bot.storage import Storage

    async def replayed() -> CurationStore:
        async with Storage(path, read_only=True) as storage:
            return await _open_store(base, storage)

    try:
        return asyncio.run(replayed()).kb
    except StorageError as exc:
        print(f"treaty-bot: warning: the admins' stored edits were not applied ({exc}); answering from "
              f"the knowledge files alone", file=sys.stderr)
        return base


async def _open_store(base: KnowledgeBase, storage: Storage | None) -> CurationStore:
    """The curation store over ``base`` with the stored edits of ``storage`` (when there is one) replayed."""
    from bot.curation.store import CurationStore

    store = CurationStore(base, storage)
    await store.load()
    return store


def cmd_kb_export(args: argparse.Namespace) -> int:
    """Write files + stored edits as a knowledge directory that ``kb check`` accepts."""
    import asyncio  # here, not at the top: `treaty-bot ask` imports this module and must start fast

    from bot.curation.export import write_knowledge_dir
    from bot.knowledge import load_knowledge
    from bot.storage import Storage

    config, base = _load(args)
    path = _database(args, config.storage.database)

    async def live() -> CurationStore:
        if path is None or not path.is_file():
            return await _open_store(base, None)
        async with Storage(path) as storage:
            return await _open_store(base, storage)

    store = asyncio.run(live())
    for note in store.skipped:
        print(f"warning: {note}", file=sys.stderr)
    write_knowledge_dir(store.kb, args.dir, base.directory)
    kb = load_knowledge(args.dir)  # what was written loads and validates
    print(f"wrote {len(kb.entries)} entries to {args.dir} ({len(store.edited.deleted)} deleted entries left out)")
    return 0


def cmd_kb_import(args: argparse.Namespace) -> int:
    """Validate a document, print the diff and the regression replay, apply it (audited, admin "cli")."""
    import asyncio  # here, not at the top: `treaty-bot ask` imports this module and must start fast

    from bot.admin_texts import replay_text
    from bot.curation import diff_knowledge, import_document, load_regression_items, replay_change
    from bot.curation.importing import MAX_IMPORT_BYTES, decode_document, too_big
    from bot.curation.store import CLI_ADMIN_ID
    from bot.engine import build_matcher
    from bot.storage import Storage

    config, base = _load(args)
    source = Path(args.file)
    with source.open("rb") as fh:  # a file over the limit is refused unread
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_IMPORT_BYTES:
            raise too_big(size, source.name)
        text = decode_document(fh.read(MAX_IMPORT_BYTES + 1), source.name)
    path = _database(args, config.storage.database)
    regression = load_regression_items(config.knowledge.regression_sets,
                                       Path(config.source).parent if config.source else None)

    async def run(storage: Storage | None) -> int:
        store = await _open_store(base, storage)
        edits = import_document(store.edited, text, source.name)
        if not edits:
            print(f"{source.name} changes nothing")
            return 0
        new = store.edited.apply(*edits)
        d = diff_knowledge(store.kb, new.kb)
        print(f"{source.name}: {len(d.added)} new, {len(d.changed)} changed entries")
        for entry_id in d.added:
            print(f"  + {entry_id}")
        for entry_id in d.changed:
            print(f"  ~ {entry_id}")
        questions = await storage.recent_questions(500) if storage is not None else []
        result = replay_change(build_matcher(store.kb, config), build_matcher(new.kb, config), questions, regression,
                               config.bot.default_language)
        print(replay_text(result, "en", html=False))
        if args.dry_run or storage is None:
            print("dry run: nothing was changed")
            return 0
        await store.change(lambda cur: import_document(cur, text, source.name), CLI_ADMIN_ID, "import")
        print(f"applied to {path}; a running bot picks it up with /kb_reload, SIGHUP or a restart")
        return 0

    async def main() -> int:
        if path is None or (args.dry_run and not path.is_file()):
            return await run(None)
        async with Storage(path) as storage:
            return await run(storage)

    return asyncio.run(main())
