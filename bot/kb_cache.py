"""The knowledge base and its matcher's index from one cache file, while the knowledge files are unchanged
(pure core: the cache files of ``bot.index_cache``, no Telegram, no database).

Reading ``knowledge/`` parses its TOML and checks every entry (~50 ms for the shipped files, seconds for
10,000 entries); building the index takes as long again. ``open_knowledge`` does both once and keeps the
result in a file named by a key of the knowledge files themselves, so that a start with unchanged files
(``treaty-bot ask``) reads one file instead.

The key is a SHA-256 of every file under the knowledge directory (its path and bytes; the cache files
aside), never of times, plus the fingerprint of the code that reads and indexes them
(``bot.index_cache.code_fingerprint``): a file edited in place, added or removed, or another version of
the code gives another key. The knowledge base is kept as plain values: each of its own dataclasses
(from a fixed list, never a class the file names) as a dict of its fields, rebuilt field by field; a
kb whose entries the admins edited (``bot.cli_kb.live_knowledge``) is another content, whose index
``bot.index_cache.cached_matcher`` keys by that content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.decision import DecisionModel, Linear
from bot.index_cache import (
    INDEX_MODULES,
    PREFIX,
    IndexCacheError,
    cache_dirs,
    code_fingerprint,
    disabled,
    index_state,
    lookup,
    restore_matcher,
    save,
    warn,
)
from bot.knowledge import (
    Article,
    Entry,
    KnowledgeBase,
    LangBlock,
    Problem,
    Topic,
    default_knowledge_dir,
    load_knowledge,
)
from bot.lexicon import Concept, Lexicon
from bot.matching import Matcher, Thresholds
from bot.sentences import Sentence

KB_MODULES = (*INDEX_MODULES, "bot.knowledge", "bot.lexicon", "bot.sentences", "bot.decision", "bot.tomlsafe",
              "bot.kb_cache")
CITED = "cited"  # each entry's cited sentences, by number
_CLASSES: dict[str, type[Any]] = {c.__name__: c for c in (
    KnowledgeBase, Entry, LangBlock, Topic, Article, Sentence, Lexicon, Concept, DecisionModel, Linear, Problem)}
_DERIVED = {("KnowledgeBase", "by_id"), ("KnowledgeBase", "directory")}  # set by KnowledgeBase itself / the caller


def _saved(cls: type[Any]) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.init and f.compare and (cls.__name__, f.name) not in _DERIVED]


def _store_only(cls: type[Any]) -> dict[str, Any] | None:
    """The defaults of the fields not saved when ``cls.__init__`` does nothing but store its fields (no
    ``__post_init__``, no slots, every field not saved with a plain default), else None."""
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or cls is KnowledgeBase:
        return None
    rest = [f for f in dataclasses.fields(cls) if f not in _saved(cls)]
    if any(f.default is dataclasses.MISSING for f in rest):
        return None
    return {f.name: f.default for f in rest}


_SAVED = {name: {f.name for f in _saved(cls)} for name, cls in _CLASSES.items()}
_STORE_ONLY = {name: defaults for name, cls in _CLASSES.items() if (defaults := _store_only(cls)) is not None}


def open_knowledge(directory: str | Path | None = None, thresholds: Thresholds | None = None, *,
                   directories: Sequence[Path] | None = None) -> tuple[KnowledgeBase, Matcher]:
    """``load_knowledge(directory)`` and ``Matcher`` over it, from the cache when the files are those a
    saved one was made of (else loaded, built and saved; a ``KnowledgeError`` as ``load_knowledge``
    raises it). ``directories``: where to look and save (default ``cache_dirs`` of the knowledge
    directory)."""
    root = Path(directory) if directory else default_knowledge_dir()
    try:
        key = "" if disabled() else files_key(root)
    except OSError:  # a directory that cannot be read: load_knowledge says what is wrong
        key = ""
    if not key:
        kb = load_knowledge(root)
        return kb, Matcher(kb, thresholds)
    places = list(directories) if directories is not None else cache_dirs(root)
    found, problem = lookup(key, places, lambda state: _restore(root, state, thresholds), make)
    if found is not None:
        return found
    kb = load_knowledge(root)
    matcher = Matcher(kb, thresholds)
    why = ""
    if _files_key_or_none(root) == key:  # not saved when a file changed while it was being read
        why = save(key, lambda: {"kb": encode_kb(kb), "index": index_state(matcher)}, places, fields_of)
    warn(problem, why)
    return kb, matcher


def files_key(root: Path) -> str:
    """SHA-256 (hex) of the code fingerprint and of every file under ``root`` (path and bytes)."""
    h = hashlib.sha256(code_fingerprint(KB_MODULES).encode())
    for path in _files(root):
        data = path.read_bytes()
        h.update(f"\n{path.relative_to(root).as_posix()}\n{len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


def _files_key_or_none(root: Path) -> str | None:
    try:
        return files_key(root)
    except OSError:
        return None


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(Path(here) / name for name in sorted(names) if not name.startswith(PREFIX))
    if not found:
        raise FileNotFoundError(root)
    return found


def _restore(root: Path, state: Any, thresholds: Thresholds | None) -> tuple[KnowledgeBase, Matcher]:
    if not isinstance(state, dict) or not isinstance(state.get("kb"), dict):
        raise IndexCacheError("not a knowledge-base cache")
    kb = decode_kb(state["kb"], str(root))
    return kb, restore_matcher(kb, state["index"], thresholds)


# --- the knowledge base as plain values --------------------------------------------------------------


def encode_kb(kb: KnowledgeBase) -> dict[str, Any]:
    """``kb``'s fields (and each entry's cited sentences, by number), for ``save`` with ``fields_of``."""
    saved = {name: getattr(kb, name) for name in _SAVED["KnowledgeBase"]}
    return {**saved, CITED: tuple(tuple(s.number for s in e.cited) for e in kb.entries)}


def decode_kb(data: dict[str, Any], directory: str) -> KnowledgeBase:
    """The knowledge base ``encode_kb`` gave (its objects made by ``make``), found in ``directory``.

    What ``KnowledgeBase.__post_init__`` derives (each entry's cited sentences, ``by_id``) is restored,
    not derived again: citing 10,000 entries again would be a third of the load.
    """
    fields = {name: data[name] for name in _SAVED["KnowledgeBase"]}
    if not isinstance(fields["article"], Article) or not all(isinstance(e, Entry) for e in fields["entries"]):
        raise IndexCacheError("not a knowledge base")
    sentences = {s.number: s for s in fields["article"].sentences}
    for entry, numbers in zip(fields["entries"], data[CITED], strict=True):
        object.__setattr__(entry, "cited", tuple(sentences[n] for n in numbers))
    kb = KnowledgeBase.__new__(KnowledgeBase)
    for name, value in {**fields, "directory": directory}.items():
        object.__setattr__(kb, name, value)
    object.__setattr__(kb, "by_id", {e.id: e for e in kb.entries})
    if set(vars(kb)) != {f.name for f in dataclasses.fields(KnowledgeBase)}:
        raise IndexCacheError("saved by another version of the knowledge base")
    return kb


def fields_of(value: Any) -> dict[str, Any] | None:
    """The fields saved of one of the knowledge base's own dataclasses (None for anything else)."""
    kind = type(value)
    if _CLASSES.get(kind.__name__) is not kind or kind is KnowledgeBase:
        return None
    return {name: getattr(value, name) for name in _SAVED[kind.__name__]}


def make(name: str, fields: dict[str, Any]) -> Any:
    """The dataclass ``fields_of`` saved, made again (only the classes of ``_CLASSES``)."""
    cls = _CLASSES[name]
    defaults = _STORE_ONLY.get(name)
    if defaults is None:
        return cls(**fields)
    if fields.keys() != _SAVED[name]:
        raise IndexCacheError(f"a {name} with other fields")
    # What ``__init__`` would do, as ``copy`` and ``pickle`` do it: ~5x faster for 10,000 entries.
    made = object.__new__(cls)
    made.__dict__.update(defaults, **fields)
    return made
