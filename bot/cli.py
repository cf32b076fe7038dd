"""The ``treaty-bot`` command line.

``ask``, ``chat``, ``eval`` and ``kb`` never import ``telegram`` (they start fast and work without a
token); ``run`` imports the Telegram layer only when it is called.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.config import Config, ConfigError, find_config_path, load_config
from bot.contexts import Context
from bot.conversation import Conversation
from bot.engine import thresholds_from
from bot.errors import StorageError
from bot.index_cache import cached_matcher
from bot.kb_cache import open_knowledge
from bot.knowledge import KnowledgeBase, KnowledgeError, migrate_entries_text
from bot.matching import Matcher, Outcome


def load_engine(args: argparse.Namespace, *, live: bool = True) -> tuple[Config, KnowledgeBase, Matcher]:
    """Config, knowledge base and matcher as the options say (errors reach ``main`` as exceptions).

    ``live``: the knowledge base the bot answers from, the files plus the admins' edits stored in the
    configured database (read-only, no lock: the bot may be running), unless ``--files-only``.
    """
    config = load_config(find_config_path(args.config))
    directory = args.knowledge or config.knowledge.directory or None
    thresholds = thresholds_from(config)
    # The files' knowledge base and index as an earlier start saved them (bot/kb_cache.py), if unchanged.
    kb, matcher = open_knowledge(directory, thresholds)
    if live and not getattr(args, "files_only", False):
        from bot.cli_kb import live_knowledge

        edited = live_knowledge(kb, config.storage.database)
        if edited is not kb:  # the admins' edits: another content, another index (keyed by that content)
            kb, matcher = edited, cached_matcher(edited, thresholds)
    return config, kb, matcher


def outcome_json(question: str, outcome: Outcome) -> dict[str, Any]:
    """The ``ask --json`` contract: one object per question."""
    from bot.texts import outcome_text, source_quote

    entry = outcome.entry if outcome.status == "answered" else None
    options = (outcome.candidates and [c.entry for c in outcome.candidates]) or list(outcome.suggestions)
    return {
        "question": question,
        "lang": outcome.lang,
        "status": outcome.status,
        "entry_id": entry.id if entry else None,
        "score": outcome.score,
        "answer": outcome_text(outcome, html=False),
        "source": source_quote(entry) if entry else None,  # the article's sentences, "…" where some are left out
        "suggestions": [{"entry_id": e.id, "question": e.title(outcome.lang)} for e in options],
        "resolved": outcome.resolved or None,  # a follow-up: the question it was understood as
        "parts": [p.entry.id for p in outcome.parts if p.entry is not None],  # several questions answered
        "uncovered": list(outcome.uncovered),  # ... and the parts the article does not cover
        "explained": [{"part": part, "gap_id": gap.id} for part, gap in outcome.explained],  # ... saying why
    }


def _ask_line(line: str) -> tuple[str, str | None]:
    """(question, context) of one ``ask --json`` input line: plain text, or a JSON object with
    ``question`` and an optional ``context`` (the previous question, or an entry id)."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return line, None
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            context = data.get("context")
            return data["question"], context if isinstance(context, str) and context.strip() else None
        if isinstance(data, dict):
            print('treaty-bot ask: a JSON line needs "question" as text; answering the line as it is',
                  file=sys.stderr)
    return line, None


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer questions: one from the arguments, or one per line on stdin with --json."""
    from bot.texts import outcome_text

    config, _kb, matcher = load_engine(args)
    conversation = Conversation(matcher)
    fallback = config.bot.default_language
    if args.question:
        questions: Iterable[str] = [" ".join(args.question)]
    elif args.json or not sys.stdin.isatty():
        questions = (line.rstrip("\n") for line in sys.stdin)
    else:
        print("treaty-bot ask: give a question, e.g. treaty-bot ask \"who signed the treaty?\"", file=sys.stderr)
        return 2
    for line in questions:
        if args.json and not line.strip() and not args.question:
            continue
        question, earlier = _ask_line(line) if args.json and not args.question else (line, None)
        context = conversation.context_from(earlier, args.lang or fallback) if earlier else None
        outcome = conversation.answer(question, lang=args.lang, fallback_lang=fallback, context=context)
        if args.json:
            print(json.dumps(outcome_json(question, outcome), ensure_ascii=False), flush=True)
        else:
            print(outcome_text(outcome, html=False))
            if outcome.status == "answered" and outcome.suggestions:
                from bot.texts import t

                print(f"\n{t('related', outcome.lang)}:")
                for e in outcome.suggestions[:3]:
                    print(f"  • {e.title(outcome.lang)}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """A conversation in the terminal with the same engine the bot uses (no token needed)."""
    from bot.texts import outcome_text

    config, kb, matcher = load_engine(args)
    conversation = Conversation(matcher)
    context: Context | None = None
    lang = args.lang
    print(f"treaty-bot: {kb.article.title('en')}")
    print("Ask a question (English or Russian); a number picks an option; /topics lists them all; Ctrl-D or "
          "'quit' ends.\n")
    options: list[str] = []
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        command = line.strip().casefold().lstrip("/")
        if command in {"quit", "exit", "q", "выход"}:
            return 0
        if line.strip().startswith("/"):  # Telegram's commands, the terminal's way
            options = _chat_command(command, kb, lang or config.bot.default_language)
            continue
        if line.strip().isdigit() and len(line.strip()) <= 2 and options:  # "2016" is a question
            if not 1 <= int(line.strip()) <= len(options):
                print(f"bot> Pick one of 1-{len(options)}, or ask in words.\n")
                continue
            entry = kb.by_id[options[int(line.strip()) - 1]]
            line = entry.title(lang or "en")
        outcome = conversation.answer(line, lang=lang, fallback_lang=config.bot.default_language, context=context)
        context = conversation.context_after(outcome) or context
        print("bot> " + outcome_text(outcome, html=False, list_options=False).replace("\n", "\n     "))
        shown = [c.entry for c in outcome.candidates] or list(outcome.suggestions)
        options = [e.id for e in shown]
        for i, e in enumerate(shown, 1):
            print(f"     [{i}] {e.title(outcome.lang)}")
        print()


def _chat_command(command: str, kb: KnowledgeBase, lang: str) -> list[str]:
    """``/topics`` (or ``/start``): every topic's questions as numbered options; anything else: the help.
    Returns the entry ids the numbers now pick."""
    if command.split("@")[0] not in {"topics", "start"}:
        print("bot> Ask in your own words. A number picks an option; /topics lists the questions by topic;"
              " quit (or Ctrl-D) ends.\n")
        return []
    shown: list[str] = []
    for topic in kb.topics:
        entries = kb.entries_in(topic.id)
        if entries:
            print(f"     {topic.title(lang)}")
        for e in entries:
            shown.append(e.id)
            print(f"     [{len(shown)}] {e.title(lang)}")
    print()
    return shown


def cmd_kb_check(args: argparse.Namespace) -> int:
    """Validate the knowledge base and say what it holds; ``--migrate`` rewrites old field names."""
    _config, kb, _matcher = load_engine(args, live=False)  # the files, as they will be committed
    if kb.notes and args.migrate:
        for path in sorted({Path(kb.directory) / note.file for note in kb.notes}):
            path.write_text(migrate_entries_text(path.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"migrated {path}")
        _config, kb, _matcher = load_engine(args, live=False)
    for note in kb.notes:
        print(f"note: {note}")
    from bot.curation import unreached_questions  # here, not at the top: `treaty-bot ask` does not need it

    for entry_id, lang, question, instead in unreached_questions(_matcher):
        print(f"note: {entry_id} ({lang}): its own question {question!r} is {instead}")
    kinds: dict[str, int] = defaultdict(int)
    for e in kb.entries:
        kinds[e.kind] += 1
    detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(f"ok: {kb.directory}: {len(kb.entries)} entries ({detail}), {len(kb.topics)} topics")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score a question set in the shared/eval schema (the admins' regression check)."""
    from bot.evaluation import (  # here, not at the top: `treaty-bot ask` does not need it
        evaluate,
        evaluate_dialogues,
        is_dialogue_file,
        print_dialogue_eval,
        print_eval,
        read_dialogues,
        read_eval,
    )

    config, _kb, matcher = load_engine(args)
    path = Path(args.file)
    if is_dialogue_file(path):
        report = evaluate_dialogues(matcher, read_dialogues(path), config.bot.default_language)
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            print_dialogue_eval(report, sys.stdout)
        rate = report["accuracy"].get("turns", {}).get("rate", 1.0)
        if args.min_accuracy is not None and rate < (args.min_accuracy / 100 if args.min_accuracy > 1
                                                     else args.min_accuracy):
            print(f"dialogue turns {100 * rate:.1f}% right is below the floor", file=sys.stderr)
            return 1
        return 0
    items = read_eval(path)
    report = evaluate(matcher, items, config.bot.default_language)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_eval(report, sys.stdout)
    if args.min_accuracy is not None:
        floor = args.min_accuracy / 100 if args.min_accuracy > 1 else args.min_accuracy
        for key in ("in_scope", "refusal"):
            b = report["accuracy"].get(key)
            if b and b["rate"] < floor:
                print(f"{key} accuracy {100 * b['rate']:.1f}% is below {100 * floor:.1f}%", file=sys.stderr)
                return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Telegram bot (polling, or a webhook when configured)."""
    config = load_config(find_config_path(args.config))
    if not config.telegram.token and sys.stdin.isatty() and sys.stdout.isatty():
        # No token, and a person at a terminal: show them the bot locally instead of failing.
        print("No TELEGRAM_BOT_TOKEN is set, so here is the bot in your terminal instead.\n"
              "(Set the token from @BotFather to run it on Telegram.)\n")
        args.lang = None
        return cmd_chat(args)
    config.require_token()
    from bot.storage.lock import DatabaseLock

    lock = DatabaseLock(config.storage.database)
    try:
        lock.acquire()  # one bot per database: a second `run` stops here, before any network call
    except StorageError as exc:
        print(f"treaty-bot: {exc}", file=sys.stderr)
        return 1
    with lock:
        from bot.telegram.app import run

        return run(config, knowledge_dir=args.knowledge)


# --- wiring ------------------------------------------------------------------------------------


def _answering_options(p: argparse.ArgumentParser, *, lang: bool = True) -> None:
    """The options of the commands that answer (``ask``, ``chat``, ``eval``)."""
    if lang:
        p.add_argument("--lang", choices=["en", "ru"], help="answer in this language")
    p.add_argument("--files-only", action="store_true",
                   help="answer from the knowledge files alone, without the admins' edits stored in the database")


def build_parser(*, first: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; ``first``: the first word given, and when it names an answering command
    the parser stops there, leaving the other commands' modules (chat log, health check) unimported."""
    parser = argparse.ArgumentParser(
        prog="treaty-bot",
        description="A Telegram bot that answers questions about the Russia–South Ossetia treaty.",
    )
    parser.add_argument("--config", help="config file (default: $TREATY_BOT_CONFIG, else ./config.toml)")
    parser.add_argument("--knowledge", help="knowledge directory (default: the shipped knowledge/)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        # Accepted after the subcommand too: `treaty-bot ask --knowledge DIR "..."`.
        p.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--knowledge", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    p = sub.add_parser("run", help="run the Telegram bot")
    common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ask", help="answer a question (or one per line on stdin with --json)")
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--json", action="store_true", help="one JSON object per question on stdout")
    _answering_options(p)
    common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="talk to the bot in the terminal (no token needed)")
    _answering_options(p)
    common(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="score a question set (shared/eval schema)")
    p.add_argument("file", help="a .jsonl question set")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--min-accuracy", type=float, help="exit 1 if in-scope or refusal accuracy is below (%% or 0-1)")
    _answering_options(p, lang=False)
    common(p)
    p.set_defaults(func=cmd_eval)
    if first not in {"ask", "chat", "eval"}:  # `treaty-bot ask` starts faster (the same parse, the same errors)
        _other_commands(sub, common)
    return parser


def _other_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                    common: Callable[[argparse.ArgumentParser], None]) -> None:
    """``kb``, ``health`` and the chat-log commands (their modules are imported for them only)."""
    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    p = kb_sub.add_parser("check", help="validate the knowledge base")
    p.add_argument("--migrate", action="store_true", help="rewrite old field names in the entry files")
    common(p)
    p.set_defaults(func=cmd_kb_check)
    from bot.cli_kb import add_kb_subcommands  # kb export / kb import (no telegram import)

    add_kb_subcommands(kb_sub, common)

    from bot import health

    health.add_subcommand(sub, common)

    try:
        from bot import cli_db
    except ImportError:  # pragma: no cover - the chat-log commands are optional pieces
        pass
    else:
        cli_db.add_subcommands(sub, common)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line's options (``SystemExit`` with argparse's message when they are wrong)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(first=argv[0] if argv else None).parse_args(argv)
    for name in ("config", "knowledge"):
        if not hasattr(args, name):
            setattr(args, name, None)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(parse(argv))


def run_command(args: argparse.Namespace) -> int:
    """Run the command ``args`` names; its exit status (errors as one clear message on stderr)."""
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"treaty-bot: configuration error: {exc}", file=sys.stderr)
    except KnowledgeError as exc:
        if len(exc.problems) == 1:  # one file that cannot be read, one bad value: one line
            print(f"treaty-bot: knowledge base: {exc.problems[0]}", file=sys.stderr)
        else:
            print(f"treaty-bot: the knowledge base has {len(exc.problems)} problem(s):", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
    except StorageError as exc:
        print(f"treaty-bot: chat log: {exc}", file=sys.stderr)
    except BrokenPipeError:
        # The reader went away (`treaty-bot eval ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (OSError, ValueError) as exc:
        print(f"treaty-bot: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 1


def console() -> int:
    """The ``treaty-bot`` console script: ``main``; after a command that reads and prints (ask, chat, eval:
    no thread, no open file but stdout and stderr; an index cache they save is closed and renamed before
    they go on), the process ends without tearing the interpreter down object by object (the knowledge
    base and its index are some hundred thousand objects, ~30 ms of a 0.3 s ``treaty-bot ask``), its
    output flushed first."""
    args = parse()
    status = run_command(args)
    if args.func in (cmd_ask, cmd_chat, cmd_eval):
        if "logging" in sys.modules:
            sys.modules["logging"].shutdown()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:  # the reader went away: as main does, stop quietly
            status = status or 1
        os._exit(status)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())
