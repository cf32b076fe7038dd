"""Writing a knowledge base out as TOML: one entries document, or a whole knowledge directory.

The format is that of ``knowledge/entries/*.toml`` (knowledge/README.md); what is written loads again
with ``load_knowledge``. Used by /export, ``treaty-bot kb export`` and the import tests.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from bot.knowledge import Entry, KnowledgeBase
from bot.lexicon import LANGS

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or unicodedata.category(ch) == "Cs":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _inline(values: Iterable[str]) -> str:
    return "[" + ", ".join(toml_string(v) for v in values) + "]"


def _multiline(values: Iterable[str]) -> str:
    return "[\n" + "".join(f"  {toml_string(v)},\n" for v in values) + "]"


def _entry_toml(e: Entry) -> str:
    data = e.to_dict()
    lines = ["[[entry]]", f"id = {toml_string(e.id)}", f"kind = {toml_string(e.kind)}",
             f"topic = {toml_string(e.topic)}"]
    if "tags" in data:
        lines.append(f"tags = {_inline(data['tags'])}")
    if data.get("broad"):
        lines.append("broad = true")
    lines.append(f"gives = {_inline(data['gives'])}")
    if "related" in data:
        lines.append(f"related = {_inline(data['related'])}")
    if "source" in data:
        lines.append(f"source = {_multiline(data['source'])}")
    if "highlight" in data:
        lines.append(f"highlight = {toml_string(data['highlight'])}")
    for lang in LANGS:
        block = data[lang]
        lines += ["", f"[entry.{lang}]", f"questions = {_multiline(block['questions'])}"]
        if "keywords" in block:
            lines.append(f"keywords = {_inline(block['keywords'])}")
        lines.append(f"answer = {toml_string(block['answer'])}")
    return "\n".join(lines) + "\n"


def dump_entries(entries: Iterable[Entry], header: str = "") -> str:
    """Entries as an ``entries/*.toml`` document (the format of knowledge/README.md)."""
    parts: list[str] = [header.rstrip() + "\n"] if header.strip() else []
    parts += [_entry_toml(e) for e in entries]
    return "\n".join(parts)


def _header(path: Path) -> str:
    """The comment lines at the top of an existing entries file (kept on export)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    head: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    return "\n".join(head)


def write_knowledge_dir(kb: KnowledgeBase, dest: str | Path, source: str | Path | None = None) -> list[Path]:
    """Write ``kb`` as a knowledge directory at ``dest`` (loadable by ``load_knowledge``); the files written.

    The article, meta.toml and lexicon.toml are copied from ``source`` (default ``kb.directory``) when
    ``dest`` is another directory. Every entries file of ``source`` is rewritten, so an entry deleted by
    an admin disappears from its file; comment lines at the top of a file are kept.
    """
    dest = Path(dest)
    src = Path(source or kb.directory)
    (dest / "entries").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if src.resolve() != dest.resolve():
        for item in sorted(src.iterdir()):
            if item.is_file() and item.suffix in (".toml", ".txt", ".md"):
                shutil.copyfile(item, dest / item.name)
                written.append(dest / item.name)
    files: dict[str, list[Entry]] = {f"entries/{p.name}": [] for p in sorted((src / "entries").glob("*.toml"))}
    for e in kb.entries:
        files.setdefault(e.file or f"entries/{e.topic}.toml", []).append(e)
    for rel, entries in files.items():
        target = dest / rel
        header = _header(src / rel) or _header(target)
        text = dump_entries(entries, header) if entries else (header or "# (no entries)") + "\n"
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
