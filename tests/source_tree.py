"""Reading the project's own source as syntax trees, for the guard tests (architecture, hardening)."""

from __future__ import annotations

import ast
from pathlib import Path


def parse(path: Path) -> ast.Module:
    """``path`` parsed. CPython 3.11 before 3.11.8 can raise a spurious ``SystemError: AST constructor
    recursion depth mismatch`` from ``ast.parse`` in a process that has run threads (python/cpython#106905,
    fixed upstream): seen once in CI after the Telegram tests. The same source parses on a second try; a
    real syntax error is a ``SyntaxError`` and still fails."""
    source = path.read_text(encoding="utf-8")
    for _ in range(2):
        try:
            return ast.parse(source, str(path))
        except SystemError:
            continue
    return ast.parse(source, str(path))
