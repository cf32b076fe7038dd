"""Importing an entries document: an uploaded file checked as UTF-8 TOML, and the edits it makes.

Pure: the caller reads the file (/import downloads it, ``treaty-bot kb import`` opens it) and applies
the edits through the curation store. A document is only ever parsed as TOML, never run.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from bot.curation.overlay import Edit, EditedKnowledge, problem
from bot.knowledge import KnowledgeError, _Collector, parse_entry
from bot.tomlsafe import TomlError, decode_limited, loads_limited

MAX_IMPORT_BYTES = 256 * 1024


def too_big(size: int, name: str, limit: int = MAX_IMPORT_BYTES) -> KnowledgeError:
    """The error for a document of ``size`` bytes over ``limit`` (said before it is even read)."""
    return problem("", "", f"the file is {size // 1024} KiB; the limit is {limit // 1024} KiB", name)


def decode_document(data: bytes, name: str, limit: int = MAX_IMPORT_BYTES) -> str:
    """An uploaded file as TOML text: size-capped, UTF-8 only (anything else is refused, never run)."""
    if len(data) > limit:
        raise too_big(len(data), name, limit)
    try:
        return decode_limited(data, name, max_bytes=limit)
    except TomlError:
        raise problem("", "", "not a UTF-8 text file (a TOML document is expected)", name) from None


def import_document(edited: EditedKnowledge, text: str, name: str) -> list[Edit]:
    """The edits an entries document makes: new entries, changed ones, deleted ones it restores.

    Entries the document does not mention are kept. Raises ``KnowledgeError`` listing every problem.
    """
    try:
        data = loads_limited(text, name, max_bytes=MAX_IMPORT_BYTES)
    except TomlError as exc:  # too big, too deeply nested, not valid TOML: checked before parsing
        raise problem("", "", exc.reason, name) from None
    c = _Collector()
    for key in sorted(set(data) - {"entry"}):
        c.add(name, "", key, "unknown top-level key (entries are [[entry]] tables)")
    raw_entries = data.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        c.add(name, "", "entry", "no [[entry]] tables found")
        raise KnowledgeError(c.problems)
    parsed = [e for i, raw in enumerate(raw_entries) if (e := parse_entry(raw, name, c, i)) is not None]
    for entry_id, n in Counter(e.id for e in parsed).items():
        if n > 1:
            c.add(name, entry_id, "id", f"duplicate id ({n} entries in this document)")
    if c.problems:
        raise KnowledgeError(c.problems)
    edits: list[Edit] = []
    for entry in parsed:
        current = edited.get(entry.id)
        if current is None or current.to_dict() != entry.to_dict():
            edits.append(Edit(entry.id, entry.to_dict()))
    try:
        edited.apply(*edits)  # validate the whole result now (unknown topics, related ids, sources)
    except KnowledgeError as exc:  # named after the uploaded document, not the entries/ file it would go to
        raise KnowledgeError([dataclasses.replace(p, file=name) for p in exc.problems]) from None
    return edits
