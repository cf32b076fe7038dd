"""Reading TOML that may be hostile: size and nesting depth checked before ``tomllib`` sees the text.

``tomllib`` parses arrays and inline tables recursively: about 500 nested brackets (a 1.2 KB
``x=[[[...]]]``) raise ``RecursionError``, and a 10,000-part dotted key parses into a structure that
``repr`` or ``json.dumps`` cannot walk. Every TOML reader of the bot (the config, the knowledge files,
``decision.toml``, /import and ``kb import``) goes through :func:`loads_limited` or :func:`read_limited`,
which raise :class:`TomlError`, one line naming the file, for anything too big, too deep, not UTF-8 or
not valid TOML. Pure: no I/O but the one bounded read of :func:`read_limited`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MAX_TOML_BYTES = 512 * 1024  # the largest shipped knowledge file is about 64 KB
MAX_TOML_DEPTH = 32  # brackets, braces and table nesting; the shipped files use at most 4

# Strings and comments, whose brackets do not nest anything (multi-line strings first; an unclosed
# string is left alone, for tomllib to report). Patterns compiled when TOML is first read (``re`` keeps
# them): a start that finds its knowledge base in the cache reads none.
_STRINGS_AND_COMMENTS = (
    r'"""(?:\\.|[^\\])*?"""(?:"{1,2}(?!"))?|\'\'\'.*?\'\'\'(?:\'{1,2}(?!\'))?'
    r'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*'
)
_BRACKETS = r"[\[\]{}\n]"
_NOT_IN_A_KEY = r"[^\w \t.-]+"  # what separates dotted keys (strings already taken out)


class TomlError(ValueError):
    """A TOML document that was refused: ``name`` (the file) and ``reason``, in one line."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _too_big(size: int, limit: int) -> str:
    return f"too big ({size // 1024} KiB; the limit is {limit // 1024} KiB)"


def _keep_newlines(m: re.Match[str]) -> str:
    return "\n" * m.group().count("\n")


def nesting_depth(text: str, limit: int) -> tuple[int, int]:
    """How deeply ``text`` nests, read without parsing it, and the line where: the deepest nesting of ``[``
    and ``{`` outside strings and comments, or the most parts of one dotted key (``a.b.c = 1`` is 3; tomllib
    takes quadratic time over them). Counts stop past ``limit``; a linear scan that never recurses."""
    bare = re.sub(_STRINGS_AND_COMMENTS, _keep_newlines, text, flags=re.DOTALL)
    depth = deepest = 0
    line = deepest_line = 1
    for m in re.finditer(_BRACKETS, bare):
        token = m.group()
        if token == "\n":
            line += 1
        elif token in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, line
                if deepest > limit:
                    return deepest, deepest_line
        else:
            depth = max(depth - 1, 0)
    for number, row in enumerate(bare.split("\n"), 1):
        if "." in row:
            parts = 1 + max(piece.count(".") for piece in re.split(_NOT_IN_A_KEY, row))
            if parts > deepest:
                deepest, deepest_line = parts, number
    return deepest, deepest_line


def _data_depth(data: Any, limit: int) -> int:
    """How deeply ``data`` nests tables and arrays (a top-level value is 1), up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in children if isinstance(v, dict | list))
    return deepest


def loads_limited(
    text: str, name: str, *, max_bytes: int = MAX_TOML_BYTES, max_depth: int = MAX_TOML_DEPTH
) -> dict[str, Any]:
    """``tomllib.loads(text)`` once ``text`` is known to be at most ``max_bytes`` (UTF-8) and nested at
    most ``max_depth`` levels; ``TomlError`` naming ``name`` otherwise, or when it is not valid TOML."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise TomlError(name, _too_big(size, max_bytes))
    deepest, line = nesting_depth(text, max_depth)
    if deepest > max_depth:
        raise TomlError(name, f"nested more than {max_depth} levels deep (line {line})")
    import tomllib  # here: a start that finds its knowledge base in the cache reads no TOML (~10 ms)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError(name, f"not valid TOML: {exc}") from None
    except RecursionError:  # pragma: no cover - the scan above keeps tomllib well inside the stack
        raise TomlError(name, "nested too deeply") from None
    if _data_depth(data, max_depth) > max_depth:
        raise TomlError(name, f"nested more than {max_depth} levels deep (tables within tables)")
    return data


def decode_limited(data: bytes, name: str, *, max_bytes: int = MAX_TOML_BYTES) -> str:
    """Bytes as TOML text: at most ``max_bytes``, UTF-8 (a byte-order mark is dropped); ``TomlError`` otherwise."""
    if len(data) > max_bytes:
        raise TomlError(name, _too_big(len(data), max_bytes))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TomlError(name, "not UTF-8 text") from None


def read_limited(
    path: str | Path, name: str | None = None, *, max_bytes: int = MAX_TOML_BYTES, max_depth: int = MAX_TOML_DEPTH
) -> dict[str, Any]:
    """The TOML file at ``path``, reading at most ``max_bytes + 1`` bytes of it (``OSError`` when it
    cannot be opened); ``TomlError`` naming ``name`` (default: the path) for anything refused."""
    label = str(path) if name is None else name
    with Path(path).open("rb") as fh:
        data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise TomlError(label, _too_big(fh.seek(0, 2), max_bytes))
    return loads_limited(decode_limited(data, label, max_bytes=max_bytes), label, max_bytes=max_bytes,
                         max_depth=max_depth)
