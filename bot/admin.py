"""Curating the knowledge base: edits, diffs, export, regression replay, unanswered groups (pure).

No Telegram and no database here: ``bot/curation.py`` stores edits, ``bot/telegram/admin.py`` and
``bot/cli_kb.py`` are the two front ends.

The model: the knowledge base loaded from ``knowledge/`` is the *base*; admins' edits are an overlay,
each one the full new entry (``Edit``) or a soft-deletion marker. ``Curated`` is the base with edits
applied, immutable: ``Curated.apply`` returns a new, validated state (the same checks as
``load_knowledge``) or raises ``KnowledgeError`` naming the entry and field, leaving the old one as it was.
A soft-deleted entry is kept aside (``Curated.deleted``) so that it can be restored; other entries'
``related`` ids pointing at it are hidden while it is deleted and come back when it is restored.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from bot.knowledge import (
    ID_RE,
    LANGS,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    _Collector,
    check_entries,
    parse_entry,
)
from bot.matching import Matcher, normalise, tokens

if TYPE_CHECKING:
    from bot.evaluation import EvalItem

MAX_IMPORT_BYTES = 256 * 1024
MAX_EXAMPLES = 5
GROUP_SIMILARITY = 80  # rapidfuzz token_set_ratio at or above which two unanswered questions are one group


# --- edits -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One stored change: the entry's full new content (``Entry.to_dict`` shape), or its soft deletion."""

    entry_id: str
    payload: Mapping[str, Any]
    deleted: bool = False


def _problem(entry_id: str, field_name: str, message: str, file: str = "edit") -> KnowledgeError:
    return KnowledgeError([Problem(file, entry_id, field_name, message)])


@dataclass(frozen=True)
class Curated:
    """The base knowledge base with edits applied; ``kb`` is what the bot answers from."""

    base: KnowledgeBase
    entries: tuple[Entry, ...]  # live entries as edited (``related`` not yet pruned of deleted ids)
    deleted: Mapping[str, Entry]  # soft-deleted entries, restorable
    kb: KnowledgeBase  # the live knowledge base: ``entries`` validated, deleted ids pruned

    @classmethod
    def from_base(cls, base: KnowledgeBase) -> Curated:
        return cls(base, base.entries, {}, base)

    def get(self, entry_id: str) -> Entry | None:
        """A live entry as edited (its full ``related`` list)."""
        return next((e for e in self.entries if e.id == entry_id), None)

    def state(self, entry_id: str) -> dict[str, Any] | None:
        """The entry's state for the audit log: ``{"deleted": bool, "entry": {...}}``, None when unknown."""
        live = self.get(entry_id)
        if live is not None:
            return {"deleted": False, "entry": live.to_dict()}
        gone = self.deleted.get(entry_id)
        return {"deleted": True, "entry": gone.to_dict()} if gone is not None else None

    def _file_for(self, entry_id: str, topic: str) -> str:
        known = self.get(entry_id) or self.deleted.get(entry_id) or self.base.get(entry_id)
        if known is not None and known.file:
            return known.file
        own = f"entries/{topic or 'admin'}.toml"
        files = [e.file for e in self.entries if e.topic == topic and e.kind == "fact" and e.file]
        return own if own in files or not files else files[0]

    def apply(self, *edits: Edit) -> Curated:
        """A new state with ``edits`` applied (all or none); ``KnowledgeError`` when the result is invalid."""
        entries: dict[str, Entry] = {e.id: e for e in self.entries}
        deleted = dict(self.deleted)
        for edit in edits:
            if edit.deleted:
                gone = entries.pop(edit.entry_id, None)
                if gone is None:
                    raise _problem(edit.entry_id, "id", "no such entry to delete")
                deleted[edit.entry_id] = gone
                continue
            payload = dict(edit.payload)
            if payload.get("id") != edit.entry_id:
                raise _problem(edit.entry_id, "id", f"the entry's id is {payload.get('id')!r}")
            topic = payload.get("topic")
            file = self._file_for(edit.entry_id, topic if isinstance(topic, str) else "")
            c = _Collector()
            entry = parse_entry(payload, file, c, 0)
            if c.problems or entry is None:
                raise KnowledgeError(c.problems or [Problem(file, edit.entry_id, "", "not a valid entry")])
            entries[entry.id] = entry
            deleted.pop(entry.id, None)
        live = prune_related(entries.values(), set(deleted) - set(entries))
        c = _Collector()
        check_entries(live, self.base.topics, self.base.article.text, c)
        if c.problems:
            raise KnowledgeError(c.problems)
        return Curated(self.base, tuple(entries.values()), deleted, self.base.replace_entries(live))


def prune_related(entries: Iterable[Entry], gone: set[str]) -> list[Entry]:
    """Entries with ids of soft-deleted entries taken out of their ``related`` lists."""
    if not gone:
        return list(entries)
    return [
        dataclasses.replace(e, related=tuple(r for r in e.related if r not in gone))
        if not gone.isdisjoint(e.related)
        else e
        for e in entries
    ]


def _live(cur: Curated, entry_id: str) -> Entry:
    entry = cur.get(entry_id)
    if entry is None:
        raise _problem(entry_id, "id", "no such entry")
    return entry


def _with_block(entry: Entry, lang: str, **changes: Any) -> Edit:
    if lang not in LANGS:
        raise _problem(entry.id, "lang", f"must be one of {', '.join(LANGS)}")
    data = entry.to_dict()
    data[lang] = {**data[lang], **changes}
    return Edit(entry.id, data)


def add_question(cur: Curated, entry_id: str, lang: str, question: str) -> Edit:
    """The entry with one more alternate question in ``lang`` (a duplicate is an error)."""
    entry = _live(cur, entry_id)
    return _with_block(entry, lang, questions=[*entry.block(lang).questions, " ".join(question.split())])


def remove_question(cur: Curated, entry_id: str, lang: str, index: int) -> Edit:
    """The entry without its ``index``-th question in ``lang`` (at least 3 must remain)."""
    entry = _live(cur, entry_id)
    questions = list(entry.block(lang).questions)
    if not 0 <= index < len(questions):
        raise _problem(entry_id, f"{lang}.questions", f"there is no question #{index + 1}")
    del questions[index]
    return _with_block(entry, lang, questions=questions)


def replace_answer(cur: Curated, entry_id: str, lang: str, answer: str) -> Edit:
    return _with_block(_live(cur, entry_id), lang, answer=answer.strip())


def new_entry(cur: Curated, data: Mapping[str, Any]) -> Edit:
    """A new entry; its id must not be in use (also not by a deleted entry: restore that instead)."""
    entry_id = str(data.get("id", ""))
    if cur.get(entry_id) is not None or entry_id in cur.deleted:
        raise _problem(entry_id, "id", "an entry with this id already exists")
    return Edit(entry_id, dict(data))


def delete_entry(cur: Curated, entry_id: str) -> Edit:
    return Edit(entry_id, _live(cur, entry_id).to_dict(), deleted=True)


def restore_entry(cur: Curated, entry_id: str) -> Edit:
    gone = cur.deleted.get(entry_id)
    if gone is None:
        raise _problem(entry_id, "id", "no deleted entry with this id")
    return Edit(entry_id, gone.to_dict())


def decode_document(data: bytes, name: str, limit: int = MAX_IMPORT_BYTES) -> str:
    """An uploaded file as TOML text: size-capped, UTF-8 only (anything else is refused, never run)."""
    if len(data) > limit:
        raise _problem("", "", f"the file is {len(data) // 1024} KiB; the limit is {limit // 1024} KiB", name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problem("", "", "not a UTF-8 text file (a TOML document is expected)", name) from None


def import_document(cur: Curated, text: str, name: str) -> list[Edit]:
    """The edits an entries document makes: new entries, changed ones, deleted ones it restores.

    Entries the document does not mention are kept. Raises ``KnowledgeError`` listing every problem.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _problem("", "", f"not valid TOML: {exc}", name) from None
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
        current = cur.get(entry.id)
        if current is None or current.to_dict() != entry.to_dict():
            edits.append(Edit(entry.id, entry.to_dict()))
    cur.apply(*edits)  # validate the whole result now (unknown topics, related ids, sources)
    return edits


# --- diffs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KbDiff:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def diff(old: KnowledgeBase, new: KnowledgeBase) -> KbDiff:
    """Entry ids added, changed (any field) and removed from ``old`` to ``new``."""
    before = {e.id: e.to_dict() for e in old.entries}
    after = {e.id: e.to_dict() for e in new.entries}
    return KbDiff(
        tuple(i for i in after if i not in before),
        tuple(i for i in after if i in before and before[i] != after[i]),
        tuple(i for i in before if i not in after),
    )


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """Which fields of an entry differ (``en.answer``, ``ru.questions``, ...), for the history."""
    if before is None or after is None:
        return []
    names: list[str] = []
    for key in dict.fromkeys([*before, *after]):
        b, a = before.get(key), after.get(key)
        if isinstance(b, Mapping) and isinstance(a, Mapping):
            names += [f"{key}.{k}" for k in dict.fromkeys([*b, *a]) if b.get(k) != a.get(k)]
        elif b != a:
            names.append(key)
    return names


# --- TOML export -----------------------------------------------------------------------------------

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


def dump_entries(entries: Iterable[Entry], header: str = "") -> str:
    """Entries as an ``entries/*.toml`` document (the format of knowledge/README.md)."""
    parts: list[str] = [header.rstrip() + "\n"] if header.strip() else []
    for e in entries:
        data = e.to_dict()
        lines = ["[[entry]]", f"id = {toml_string(e.id)}", f"kind = {toml_string(e.kind)}",
                 f"topic = {toml_string(e.topic)}"]
        if "tags" in data:
            lines.append(f"tags = {_inline(data['tags'])}")
        lines.append(f"answers = {_inline(data['answers'])}")
        if "related" in data:
            lines.append(f"related = {_inline(data['related'])}")
        if "source" in data:
            lines.append(f"source = {_multiline(data['source'])}")
        for lang in LANGS:
            block = data[lang]
            lines += ["", f"[entry.{lang}]", f"questions = {_multiline(block['questions'])}"]
            if "keywords" in block:
                lines.append(f"keywords = {_inline(block['keywords'])}")
            lines.append(f"answer = {toml_string(block['answer'])}")
        parts.append("\n".join(lines) + "\n")
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


# --- regression replay -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayExample:
    question: str
    before_status: str
    before_entry: str | None
    after_status: str
    after_entry: str | None


@dataclass(frozen=True)
class Replay:
    """What a change would do to real answers: how many of ``checked`` questions change, examples."""

    checked: int
    changed: int
    examples: tuple[ReplayExample, ...] = ()
    regression_total: int = 0  # items in the configured regression sets
    regression_before: int = 0  # of those, correct now
    regression_after: int = 0  # correct after the change


def _verdict(matcher: Matcher, question: str, lang: str | None, fallback: str) -> tuple[str, str | None]:
    outcome = matcher.match(question, lang=lang if lang in LANGS else None, fallback_lang=fallback)
    return outcome.status, outcome.entry.id if outcome.entry is not None else None


def replay(
    old: Matcher,
    new: Matcher,
    questions: Iterable[tuple[str, str | None]],
    regression: Sequence[EvalItem] = (),
    fallback: str = "en",
) -> Replay:
    """Replay real questions and the regression sets through both knowledge bases and compare."""
    from bot.evaluation import evaluate

    seen: dict[str, tuple[str, str | None]] = {}
    for question, lang in [*questions, *((item.question, None) for item in regression)]:
        key = " ".join(question.casefold().split())
        if key and key not in seen:
            seen[key] = (question, lang)
    examples: list[ReplayExample] = []
    changed = 0
    for question, lang in seen.values():
        before, after = _verdict(old, question, lang, fallback), _verdict(new, question, lang, fallback)
        if before != after:
            changed += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append(ReplayExample(question, *before, *after))
    total = before_ok = after_ok = 0
    if regression:
        for matcher in (old, new):
            report = evaluate(matcher, regression, fallback)
            ok = sum(v["correct"] for k, v in report["accuracy"].items() if k in ("in_scope", "refusal"))
            if matcher is old:
                before_ok = ok
            else:
                after_ok = ok
        total = len(regression)
    return Replay(len(seen), changed, tuple(examples), total, before_ok, after_ok)


# --- unanswered questions --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnansweredGroup:
    question: str  # the most frequent wording
    lang: str
    count: int  # exchanges in the group
    questions: tuple[str, ...]  # the distinct wordings, most frequent first
    suggestion: Entry | None  # the matcher's nearest entry (not small talk)


def question_key(text: str) -> str:
    """How unanswered questions are compared and ignored: normalised, whitespace collapsed."""
    return " ".join(tokens(normalise(text)))


def group_unanswered(
    rows: Iterable[tuple[str, str | None]],
    matcher: Matcher,
    ignored: Iterable[str] = (),
    similarity: float = GROUP_SIMILARITY,
) -> list[UnansweredGroup]:
    """Group questions by rapidfuzz similarity; biggest groups first, each with a suggested entry."""
    skip = set(ignored)
    counts: Counter[str] = Counter()
    wording: dict[str, str] = {}
    langs: dict[str, str] = {}
    for question, lang in rows:
        key = question_key(question or "")
        if not key or key in skip:
            continue
        counts[key] += 1
        wording.setdefault(key, " ".join(question.split()))
        langs.setdefault(key, lang if lang in LANGS else "en")
    groups: list[list[str]] = []
    heads: list[str] = []
    for key, _n in counts.most_common():
        best = process.extractOne(key, heads, scorer=fuzz.token_set_ratio, score_cutoff=similarity) if heads else None
        if best is None:
            heads.append(key)
            groups.append([key])
        else:
            groups[best[2]].append(key)
    result = []
    for keys in groups:
        head = keys[0]
        ranked = matcher.rank(matcher.analyzer.analyse(wording[head], langs[head]))
        suggestion = next((c.entry for c in ranked if c.entry.kind != "smalltalk"), None)
        result.append(
            UnansweredGroup(wording[head], langs[head], sum(counts[k] for k in keys),
                            tuple(wording[k] for k in keys), suggestion)
        )
    result.sort(key=lambda g: -g.count)
    return result


# --- new entries -----------------------------------------------------------------------------------


def split_questions(text: str) -> list[str]:
    """Questions typed one per line (blank lines and list bullets ignored)."""
    lines = (re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line))


def source_in_article(kb: KnowledgeBase, sentence: str) -> bool:
    """Whether ``sentence`` appears verbatim (whitespace aside) in the article."""
    flat = " ".join(sentence.split())
    return bool(flat) and flat in " ".join(kb.article.text.split())


def new_entry_id(cur: Curated, title: str) -> str:
    """A free id made from the entry's first English question (``[a-z0-9_]``, at most 40 characters)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.casefold())
    base = "_".join(words)[:34].strip("_") or "entry"
    taken = {e.id for e in cur.entries} | set(cur.deleted)
    candidate, n = base, 2
    while candidate in taken or not ID_RE.match(candidate):
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def search_entries(cur: Curated, matcher: Matcher, query: str, limit: int = 10) -> list[Entry]:
    """Entries whose id or a question contains ``query``, then the matcher's best matches for it."""
    needle = query.casefold().strip()
    if not needle:
        return []
    found = [
        e for e in (*cur.entries, *cur.deleted.values())
        if needle in e.id or any(needle in q.casefold() for lang in LANGS for q in e.block(lang).questions)
    ]
    ranked = [c.entry for c in matcher.rank(matcher.analyzer.analyse(query))]
    live = {e.id for e in cur.entries}
    result = list(dict.fromkeys([*found, *(e for e in ranked if e.id in live)]))
    return result[:limit]
