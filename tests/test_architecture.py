"""Guards on the shape of the code: the core imports no adapter, no import circles, modules stay small.

The core (knowledge, matching, the learned decision, conversation, evaluation, curation logic, texts,
flood, config) is pure: it imports neither ``telegram`` nor ``aiosqlite`` nor the command line nor the
Telegram or storage adapters, at the top of a module or inside a function. Imports are read from the
source (AST), so a lazy import counts like any other."""

from __future__ import annotations

import ast
from pathlib import Path

from source_tree import parse

BOT = Path(__file__).resolve().parent.parent / "bot"
ADAPTERS = ("bot.telegram", "bot.storage", "bot.cli", "bot.cli_db", "bot.cli_kb", "bot.health", "bot.curation.store")
FORBIDDEN_IN_CORE = ("telegram", "aiosqlite", *ADAPTERS)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(BOT.rglob("*.py")) if "_knowledge" not in p.parts}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, top-level or inside a function (TYPE_CHECKING blocks excluded)."""
    tree = parse(path)
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_core(name: str) -> bool:
    return not any(name == a or name.startswith(a + ".") for a in ADAPTERS)


def test_the_core_imports_no_adapter() -> None:
    offenders = []
    for name, path in _modules().items():
        if not _is_core(name):
            continue
        for imported in _imports(path):
            if any(imported == f or imported.startswith(f + ".") for f in FORBIDDEN_IN_CORE):
                offenders.append(f"{name} imports {imported}")
    assert not offenders, "\n".join(sorted(offenders))


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # "from bot.x import y" names module bot.x, or bot.x.y when that is a module
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "bot":
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_500_lines() -> None:
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, long


def test_no_function_is_over_60_lines() -> None:
    long = []
    for name, path in _modules().items():
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines}")
    assert not long, long


def test_every_module_opens_with_a_docstring() -> None:
    bare = [name for name, path in _modules().items()
            if not ast.get_docstring(parse(path))]
    assert not bare, bare
