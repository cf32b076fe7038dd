"""The matcher's built index, saved beside the knowledge base and loaded while it is unchanged (pure core).

Building a ``Matcher`` reads every word of every entry (the ``Analyzer``'s vocabulary, stems, sound keys;
the postings, idf, each curated question's terms): about 0.1 s for the shipped knowledge base, seconds
for a large one. ``cached_matcher`` saves what the build made to a file named by a key and loads it
when a later start finds the same key, instead of building again (``bot.kb_cache`` does the same for the
knowledge files themselves, and is what ``treaty-bot ask`` uses).

The key is a SHA-256 of the knowledge base's *content* (every entry as ``Entry.to_dict`` gives it, the
lexicon, the article and topics, the decision model), never of file names or times, plus a fingerprint
of the code that builds the index (its source files, the Python and PyStemmer versions). An admin's edit,
another lexicon or a new version of the matcher gives another key, so a stale index is never loaded.
The bot's admin edits (``bot.curation``) build their matchers directly (``bot.engine``) and never
touch the cache.

A file is JSON of plain values only (strings, numbers, lists, dicts, and tuples, frozensets and bytes
tagged as such, the bytes themselves raw after the JSON; ``bot.kb_cache`` adds its own dataclasses, from a
fixed list) after a header with the key and a SHA-256 of the data, both checked before the data is read:
nothing in it is called or imported (no pickle, no marshal), so a tampered file cannot run code, only fail
the checks. Where: ``.index-<key>.bin`` in the knowledge directory when it is writable, else in
``$XDG_CACHE_HOME/treaty-bot`` (``~/.cache/treaty-bot``); only the newest ``KEEP`` files are kept. A file
that cannot be read, written or trusted costs one WARNING line and a build, never an error.
``TREATY_BOT_INDEX_CACHE=off``: always build.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sys
import time
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.analysis import Analyzer
from bot.decision import DecisionModel
from bot.indexing import Index
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher, Thresholds

FORMAT = 2  # raise when the file's layout changes (the code fingerprint covers the rest)
MAGIC = b"treaty-bot index\n"
KEEP = 3  # index files kept in one directory (e.g. the files' one and the live one with admins' edits)
PREFIX, SUFFIX, TMP_SUFFIX = ".index-", ".bin", ".tmp"
STALE_TMP_SECONDS = 3600  # a half-written file this old was left by a save that was killed
ENV = "TREATY_BOT_INDEX_CACHE"  # "off" (or "0", "no", "false"): always build
# The code that builds the index (its fingerprint is part of the key)
INDEX_MODULES = ("bot.folding", "bot.words", "bot.message_parts", "bot.analysis", "bot.indexing", "bot.matching",
                 "bot.index_cache")
_DIGEST = hashlib.sha256().digest_size
# Set anew on every restore, not saved: caches that fill as questions are read, and what the kb gives.
_ANALYZER_FRESH = ("_speller", "_words", "_recent", "heads")
_FACTORIES: tuple[Callable[[], Any], ...] = (list, dict, set, int, float)
T = TypeVar("T")
TUPLE, FROZENSET, BYTES, CLASS = "\x00tuple", "\x00frozenset", "\x00bytes", "\x00class"  # to_plain's tags
FieldsOf = Callable[[Any], "dict[str, Any] | None"]  # an object's fields to save (None: not one to save)
Make = Callable[[str, dict[str, Any]], Any]  # (class name, fields) -> the object


class IndexCacheError(Exception):
    """A cache file that cannot be used (why, for the one warning line)."""


def disabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() in {"off", "0", "no", "false"}


def cached_matcher(kb: KnowledgeBase, thresholds: Thresholds | None = None, decision: DecisionModel | None = None,
                   *, directories: Sequence[Path] | None = None) -> Matcher:
    """``Matcher(kb, thresholds, decision)``, its index loaded from the cache when one was saved for this
    content (else built and saved). ``directories``: where to look, and where to save (the first that
    takes the file); default ``cache_dirs(kb.directory)``."""
    if disabled():
        return Matcher(kb, thresholds, decision)
    key = content_key(kb)
    places = list(directories) if directories is not None else cache_dirs(kb.directory)
    found, problem = lookup(key, places, lambda state: restore_matcher(kb, state, thresholds, decision))
    if found is not None:
        return found
    matcher = Matcher(kb, thresholds, decision)
    why = save(key, lambda: index_state(matcher), places)
    warn(problem, why)
    return matcher


def cache_dirs(directory: str | Path | None) -> list[Path]:
    """Where a cache file may be: the knowledge directory (when there is one), then the user's cache."""
    found: list[Path] = []
    if directory and Path(directory).is_dir():
        found.append(Path(directory))
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home directory: the knowledge directory or nothing
        return found
    found.append(base / "treaty-bot")
    return found


def warn(problem: str, unsaved: str) -> None:
    """The one WARNING line (if any) a start that built its index logs: the cache file it could not use,
    else why the index it built could not be saved."""
    if problem or unsaved:
        import logging  # here: a start that finds its cache never needs it

        message = f"{problem}; the index was built instead" if problem else f"{unsaved}; it is built at every start"
        logging.getLogger(__name__).warning("index cache: %s", message)


# --- keys --------------------------------------------------------------------------------------------


def content_key(kb: KnowledgeBase) -> str:
    """SHA-256 (hex) of everything the index is built from, and of the code that builds it."""
    h = hashlib.sha256(code_fingerprint(INDEX_MODULES).encode())
    dump = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
    rest = {
        "lexicon": plain(kb.lexicon),
        "article": plain(dataclasses.replace(kb.article, sentences=())),
        "topics": plain(kb.topics),
        "decision": plain(kb.decision),
    }
    h.update(dump(rest).encode())
    # Entries as their files say them (``Entry.to_dict``, which admin edits go through too; a generic walk
    # of 10,000 entries takes ~0.7 s, this ~0.1 s), one a line: never all of them as objects at once.
    for e in kb.entries:
        h.update(b"\n" + dump(e.to_dict()).encode())
    return h.hexdigest()


def code_fingerprint(modules: Iterable[str]) -> str:
    """The format, the interpreter and the source of ``modules`` (imported ones), as one string."""
    import Stemmer

    stemmer = Stemmer.version() if callable(getattr(Stemmer, "version", None)) else "?"
    parts = [f"format {FORMAT}", sys.implementation.cache_tag or "", sys.version, sys.byteorder,
             str(array("I").itemsize), str(stemmer)]
    for name in modules:
        module = sys.modules.get(name)
        try:
            parts.append(hashlib.sha256(Path(str(getattr(module, "__file__", ""))).read_bytes()).hexdigest())
        except OSError:  # no source next to the code (a zipped or compiled-only install): the version says it
            parts.append(f"{name}: no source")
    return "\n".join(parts)


def plain(value: Any) -> Any:
    """A JSON-able, order-independent form of knowledge-base data (dataclasses field by field; sets
    sorted; fields that do not take part in equality, such as derived caches, left out)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, Iterable):
        return [plain(v) for v in value]
    raise TypeError(f"cannot key a {type(value).__name__}")


# --- the matcher's state -----------------------------------------------------------------------------


def index_state(matcher: Matcher) -> dict[str, Any]:
    """What building ``matcher`` made, as plain values: its analyzer's attributes (but the caches) and its
    index's fields."""
    analyzer = {name: _pack(value) for name, value in vars(matcher.analyzer).items() if name not in _ANALYZER_FRESH}
    index = {f.name: _pack(getattr(matcher.index, f.name)) for f in dataclasses.fields(Index) if f.init}
    return {"entries": len(matcher.kb.entries), "analyzer": analyzer, "index": index}


def restore_matcher(kb: KnowledgeBase, state: Any, thresholds: Thresholds | None = None,
                    decision: DecisionModel | None = None) -> Matcher:
    """The matcher ``index_state`` described, over ``kb`` (``IndexCacheError`` or another exception
    when the state is not one of ``kb``'s)."""
    if not isinstance(state, dict) or state.get("entries") != len(kb.entries):
        raise IndexCacheError("does not match the knowledge base")
    matcher = Matcher.__new__(Matcher)
    matcher.configure(kb, thresholds, decision)
    analyzer = Analyzer.__new__(Analyzer)
    for name, packed in _attributes(Analyzer, state["analyzer"]):
        setattr(analyzer, name, _unpack(packed))
    analyzer.heads = kb.lexicon.heads
    analyzer._speller = None
    analyzer._words = {}
    analyzer._recent = OrderedDict()
    matcher.analyzer = analyzer
    saved = state["index"]
    if not isinstance(saved, dict) or list(saved) != [f.name for f in dataclasses.fields(Index) if f.init]:
        raise IndexCacheError("saved by another version of the matcher")
    matcher.index = Index(**{name: _unpack(packed) for name, packed in saved.items()})
    if len(matcher.index.entry_starts) != len(kb.entries) + 1:
        raise IndexCacheError("does not match the knowledge base")
    return matcher


def _attributes(cls: type[Any], saved: dict[str, Any]) -> list[tuple[str, Any]]:
    """The saved attributes of a ``cls`` instance: data only, never a name the class itself defines."""
    items = list(saved.items())
    if any(not isinstance(name, str) or name.startswith("__") or hasattr(cls, name) for name, _ in items):
        raise IndexCacheError(f"not the attributes of a {cls.__name__}")
    return items


def _pack(value: Any) -> list[Any]:
    """An attribute's value as [kind, plain value] (``to_plain`` refuses anything else). The large ones
    (sets of words, term -> slice) as JSON's own lists, which load without a tag to undo for each."""
    kind = type(value)
    if isinstance(value, defaultdict):
        return ["defaultdict", [_FACTORIES.index(value.default_factory), dict(value)]]
    if isinstance(value, re.Pattern):
        return ["pattern", [value.pattern, value.flags]]
    if isinstance(value, array):
        return ["array", [value.typecode, value.tobytes()]]
    if kind in (tuple, frozenset) and all(type(v) is str for v in value):
        return [kind.__name__, list(value)]
    if kind is dict and value and all(type(v) is tuple for v in value.values()):
        return ["tuple_values", {k: list(v) for k, v in value.items()}]
    return ["plain", value]


def _unpack(packed: list[Any]) -> Any:
    kind, value = packed
    if kind == "plain":
        return value
    if kind == "tuple" or kind == "frozenset":
        return (tuple if kind == "tuple" else frozenset)(map(sys.intern, value))
    if kind == "tuple_values":
        return {k: tuple(v) for k, v in value.items()}
    if kind == "defaultdict":
        factory, items = value
        restored: defaultdict[Any, Any] = defaultdict(_FACTORIES[factory])
        restored.update(items)
        return restored
    if kind == "pattern":
        return re.compile(value[0], value[1])
    if kind == "array":
        out = array(value[0])
        out.frombytes(value[1])
        return out
    raise IndexCacheError(f"unknown value kind {kind!r}")


# --- files -------------------------------------------------------------------------------------------


def index_name(key: str) -> str:
    return f"{PREFIX}{key}{SUFFIX}"


def encode(key: str, state: Any, fields_of: FieldsOf | None = None) -> bytes:
    """A cache file: magic, key, SHA-256 of the payload, and the payload: JSON of ``to_plain(state)``, then
    a NUL (which JSON text never holds) and the bytes it refers to, as they are (the index's arrays:
    no base64 to grow them by a third and to decode into one more copy)."""
    blobs: list[bytes] = []
    text = json.dumps(to_plain(state, fields_of, blobs), ensure_ascii=False, separators=(",", ":")).encode()
    payload = b"".join((text, b"\0", *blobs))
    return MAGIC + key.encode("ascii") + b"\n" + hashlib.sha256(payload).digest() + payload


def decode(key: str, data: bytes, make: Make | None = None) -> Any:
    """The state in a cache file's ``data``, once its magic, key and checksum are right."""
    head = MAGIC + key.encode("ascii") + b"\n"
    if not data.startswith(MAGIC):
        raise IndexCacheError("not an index file")
    if not data.startswith(head):
        raise IndexCacheError("the index of another knowledge base or version")
    start = len(head) + _DIGEST
    view = memoryview(data)
    if hashlib.sha256(view[start:]).digest() != data[len(head):start]:
        raise IndexCacheError("damaged (checksum mismatch)")
    end = data.find(b"\0", start)
    text, blobs = (data[start:], view[:0]) if end < 0 else (data[start:end], view[end + 1:])
    return json.loads(text, object_hook=_from_plain(make, blobs))


def to_plain(value: Any, fields_of: FieldsOf | None = None, blobs: list[bytes] | None = None) -> Any:
    """``value`` as JSON values: a tuple or frozenset as a one-key dict saying which, bytes as such a dict
    with their place among ``blobs`` (where they are appended; None: bytes cannot be saved); an object
    as its class name and the fields ``fields_of`` gives (None: it cannot be saved, ``TypeError``)."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is tuple or kind is frozenset or kind is list:
        items = list(value) if all(type(v) is str for v in value) else [to_plain(v, fields_of, blobs) for v in value]
        return items if kind is list else {TUPLE if kind is tuple else FROZENSET: items}
    if kind is bytes and blobs is not None:
        blobs.append(value)
        return {BYTES: [sum(map(len, blobs)) - len(value), len(value)]}
    if kind is dict:
        if not all(type(k) is str and not k.startswith("\x00") for k in value):
            raise TypeError("a dict whose keys are not plain strings")
        return {k: to_plain(v, fields_of, blobs) for k, v in value.items()}
    fields = fields_of(value) if fields_of is not None else None
    if fields is None:
        raise TypeError(f"cannot save a {kind.__name__}")
    out: dict[str, Any] = {CLASS: kind.__name__}
    lists: dict[str, list[str]] = {TUPLE: [], FROZENSET: []}  # fields of strings, as lists (no tag each)
    for name, v in fields.items():
        if type(v) in (tuple, frozenset) and all(type(x) is str for x in v):
            out[name] = list(v)
            lists[TUPLE if type(v) is tuple else FROZENSET].append(name)
        else:
            out[name] = to_plain(v, fields_of, blobs)
    return out | {tag: names for tag, names in lists.items() if names}


def _from_plain(make: Make | None, blobs: memoryview) -> Callable[[dict[str, Any]], Any]:
    """The ``object_hook`` that undoes ``to_plain`` (strings in tuples and sets interned, as built; bytes
    as a view of the file's, not a copy)."""
    def hook(d: dict[str, Any]) -> Any:
        if len(d) == 1:
            tag, items = next(iter(d.items()))
            if tag in (TUPLE, FROZENSET):
                kind = tuple if tag == TUPLE else frozenset
                try:
                    return kind(map(sys.intern, items))
                except TypeError:  # not all strings
                    return kind(items)
            if tag == BYTES:
                if (not isinstance(items, list) or len(items) != 2 or not all(type(n) is int and n >= 0 for n in items)
                        or items[0] + items[1] > len(blobs)):
                    raise IndexCacheError("bytes that are not in the file")
                return blobs[items[0]:items[0] + items[1]]
        name = d.pop(CLASS, None)
        if name is None:
            return d
        if make is None or not isinstance(name, str):
            raise IndexCacheError("an object where none belongs")
        for field_name in d.pop(TUPLE, ()):
            d[field_name] = tuple(d[field_name])
        for field_name in d.pop(FROZENSET, ()):
            d[field_name] = frozenset(d[field_name])
        return make(name, d)

    return hook


def lookup(key: str, places: Iterable[Path], restore: Callable[[Any], T],
           make: Make | None = None) -> tuple[T | None, str]:
    """(what ``restore`` makes of the first usable file of ``key`` in ``places``, or None; the problem
    met on the way, "" when none)."""
    problem = ""
    for directory in places:
        path = directory / index_name(key)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            problem = problem or f"{path}: cannot be read ({exc.strerror or exc})"
            continue
        try:
            return restore(decode(key, data, make)), ""
        except Exception as exc:  # a broken or foreign file of any kind: the caller builds instead
            problem = problem or f"{path}: {exc or type(exc).__name__}"
    return None, problem


def save(key: str, state: Callable[[], Any], places: Sequence[Path], fields_of: FieldsOf | None = None) -> str:
    """Save ``state()`` as the file of ``key`` in the first directory that takes it: "" when saved, else
    why not."""
    try:
        data = encode(key, state(), fields_of)
    except (ValueError, TypeError) as exc:  # an attribute to_plain cannot hold: the code needs a look
        return f"cannot save the index ({exc})"
    why = "nowhere to save the index"
    for directory in places:
        try:
            write_file(directory, key, data)
            return ""
        except OSError as exc:
            why = f"cannot save the index in {directory} ({exc.strerror or exc})"
    return why


def write_file(directory: Path, key: str, data: bytes) -> Path:
    """Write ``data`` as the file of ``key`` (atomically: a reader sees the old file or the whole new one)
    and remove all but the newest ``KEEP`` index files there."""
    import tempfile  # here: a start that finds its cache never needs it

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / index_name(key)
    fd, tmp = tempfile.mkstemp(prefix=PREFIX, suffix=TMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600: the bot may run as another user than `kb` or `ask`
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(directory, keep=path)
    return path


def _prune(directory: Path, keep: Path) -> None:
    """Remove the older index files (and leftovers of interrupted saves) beyond the newest ``KEEP``."""
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    files = sorted((p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p != keep), key=mtime, reverse=True)
    now = time.time()
    stale = [p for p in directory.glob(f"{PREFIX}*{TMP_SUFFIX}") if now - mtime(p) > STALE_TMP_SECONDS]
    for old in [*files[KEEP - 1:], *stale]:
        with contextlib.suppress(OSError):
            old.unlink(missing_ok=True)
