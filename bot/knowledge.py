"""The knowledge base: frozen entries loaded from ``knowledge/`` and validated (pure, no Telegram).

``load_knowledge(directory)`` reads every file, collects *every* problem (file, entry id, field, what is
wrong) and raises one ``KnowledgeError`` listing them, so an admin fixes a broken file in one pass.
The schema is documented in ``knowledge/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.decision import DecisionError, DecisionModel, load_decision
from bot.lexicon import ID_RE, LANGS, QTYPES, Lexicon, parse_lexicon
from bot.sentences import GAP, Sentence, cite, quote_text, split_sentences
from bot.tomlsafe import TomlError, read_limited

KINDS: tuple[str, ...] = ("fact", "smalltalk", "gap")
MIN_QUESTIONS = 3
MAX_ANSWER_CHARS = 1500
DECISION_FILE = "decision.toml"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located as precisely as possible."""

    file: str
    entry_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry_id:
            where += f": entry {self.entry_id!r}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class KnowledgeError(ValueError):
    """The knowledge base cannot be used; ``problems`` says why, all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LangBlock:
    """An entry in one language: its curated questions, answer and keywords."""

    questions: tuple[str, ...]
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One fact (or gap, or small talk) of the knowledge base, in both languages."""

    id: str
    kind: str
    topic: str
    en: LangBlock
    ru: LangBlock
    gives: frozenset[str] = frozenset()  # which of who/when/where/quantity the answer really gives
    related: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    file: str = ""
    broad: bool = False  # an overview ("everything the treaty changes"): answers broad questions
    highlight: str = ""  # the clause of the quote that answers (emphasised in it); "" for the whole quote
    # The article's sentences ``source`` names, in article order (set by the KnowledgeBase holding it).
    cited: tuple[Sentence, ...] = field(default=(), compare=False, repr=False)

    def quote(self) -> str:
        """The source quote shown: the cited sentences in article order, "…" where some are left out
        (an entry outside a knowledge base, a draft, shows its source lines as given)."""
        return quote_text(self.cited) if self.cited else GAP.join(self.source)

    def block(self, lang: str) -> LangBlock:
        return self.ru if lang == "ru" else self.en

    def title(self, lang: str) -> str:
        return self.block(lang).questions[0]

    def overview_of(self, detail: Entry) -> bool:
        """Whether this entry is an overview of ``detail``: it lists it among its related entries, or it stands
        on every sentence of the article that the detail stands on."""
        return self.broad and not detail.broad and (
            detail.id in self.related or (bool(detail.source) and all(s in self.source for s in detail.source)))

    def alike(self, other: Entry) -> bool:
        """Whether one of the two is an overview of the other, so that both answer a question about it."""
        return self.overview_of(other) or other.overview_of(self)

    def to_dict(self) -> dict[str, Any]:
        """The entry in the TOML file's shape (for export and admin edits)."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "topic": self.topic}
        if self.tags:
            data["tags"] = list(self.tags)
        if self.broad:
            data["broad"] = True
        data["gives"] = sorted(self.gives)
        if self.related:
            data["related"] = list(self.related)
        if self.source:
            data["source"] = list(self.source)
        if self.highlight:
            data["highlight"] = self.highlight
        for lang in LANGS:
            b = self.block(lang)
            block: dict[str, Any] = {"questions": list(b.questions)}
            if b.keywords:
                block["keywords"] = list(b.keywords)
            block["answer"] = b.answer
            data[lang] = block
        return data


@dataclass(frozen=True)
class Topic:
    """A topic entries belong to, named in both languages."""

    id: str
    en: str
    ru: str

    def title(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True)
class Article:
    """The article the bot answers about: its text, date, titles and sentences."""

    text: str
    date: str
    titles: Mapping[str, str]
    summaries: Mapping[str, str]
    sentences: tuple[Sentence, ...] = ()  # the text split into numbered sentences (at load, see sentences.py)

    def __post_init__(self) -> None:
        if not self.sentences:
            object.__setattr__(self, "sentences", split_sentences(self.text))

    def cite(self, lines: Iterable[str]) -> tuple[Sentence, ...]:
        """The sentences ``lines`` quote, in article order (see ``bot.sentences.cite``)."""
        return cite(self.sentences, lines)

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles["en"]

    def summary(self, lang: str) -> str:
        return self.summaries.get(lang) or self.summaries["en"]

    def quotes(self, sentence: str) -> bool:
        """Whether ``sentence`` occurs verbatim (whitespace aside) in the article."""
        flat = " ".join(sentence.split())
        return bool(flat) and flat in " ".join(self.text.split())


@dataclass(frozen=True)
class KnowledgeBase:
    """Every entry, topic and the lexicon, over one article (``load_knowledge`` makes it)."""

    entries: tuple[Entry, ...]
    topics: tuple[Topic, ...]
    lexicon: Lexicon
    article: Article
    directory: str = ""
    decision: DecisionModel | None = None  # knowledge/decision.toml; None: the shipped one
    notes: tuple[Problem, ...] = ()  # old field names read and what they are called now
    by_id: Mapping[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Each entry's source resolved to the article's sentences once, here, for every way a knowledge
        # base is made (load, admin edits, replace_entries).
        resolved = tuple(replace(e, cited=self.article.cite(e.source)) if e.source else e for e in self.entries)
        object.__setattr__(self, "entries", resolved)
        object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def entries_in(self, topic_id: str) -> list[Entry]:
        return [e for e in self.entries if e.topic == topic_id and e.kind == "fact"]

    def facts(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "fact"]

    def replace_entries(self, entries: Iterable[Entry]) -> KnowledgeBase:
        """A new knowledge base with these entries (validated by the caller)."""
        return KnowledgeBase(tuple(entries), self.topics, self.lexicon, self.article, self.directory, self.decision,
                             self.notes)


def default_knowledge_dir() -> Path:
    """``knowledge/`` next to the package in a clone, else the copy shipped inside the wheel."""
    here = Path(__file__).resolve().parent
    clone = here.parent / "knowledge"
    if (clone / "entries").is_dir():
        return clone
    shipped = here / "_knowledge"
    if (shipped / "entries").is_dir():
        return shipped
    import importlib.resources

    return Path(str(importlib.resources.files("bot._knowledge")))


# --- parsing helpers ---------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []  # not errors: old names still read, with what they are now
        self.unreadable: list[Problem] = []  # files that could not be read: they explain every other problem

    def add(self, file: str, entry_id: str, field_name: str, message: str) -> None:
        self.problems.append(Problem(file, entry_id, field_name, message))

    def note(self, file: str, entry_id: str, field_name: str, message: str) -> None:
        self.notes.append(Problem(file, entry_id, field_name, message))


def _str_list(
    value: Any, c: _Collector, file: str, eid: str, name: str, *, required: bool, minimum: int = 0
) -> tuple[str, ...]:
    if value is None:
        if required:
            c.add(file, eid, name, "missing")
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add(file, eid, name, "must be a list of strings")
        return ()
    items = tuple(v.strip() for v in value)
    if any(not v for v in items):
        c.add(file, eid, name, "contains an empty string")
    if len(items) < minimum:
        c.add(file, eid, name, f"needs at least {minimum} items, has {len(items)}")
    lowered = [v.casefold() for v in items]
    dupes = sorted({v for v in lowered if lowered.count(v) > 1})
    if dupes:
        c.add(file, eid, name, f"duplicate items: {', '.join(dupes)}")
    return tuple(v for v in items if v)


_ENTRY_KEYS = {"id", "kind", "topic", "tags", "broad", "gives", "related", "source", "highlight", "en", "ru"}
# Old names still read (``kb check`` says what they are now; ``kb check --migrate`` rewrites the files).
OLD_GIVES = "answers"  # -> gives
OLD_BROAD_TAG = "overview"  # a tag that silently made an entry broad -> broad = true
_BLOCK_KEYS = {"questions", "keywords", "answer"}


def _parse_block(raw: Any, lang: str, file: str, eid: str, c: _Collector) -> LangBlock | None:
    """One entry's ``[entry.en]`` or ``[entry.ru]`` table (None when unusable; problems go to ``c``)."""
    if not isinstance(raw, dict):
        c.add(file, eid, lang, "missing language table" if raw is None else "must be a table")
        return None
    for key in sorted(set(raw) - _BLOCK_KEYS):
        c.add(file, eid, f"{lang}.{key}", "unknown field")
    questions = _str_list(raw.get("questions"), c, file, eid, f"{lang}.questions", required=True, minimum=MIN_QUESTIONS)
    keywords = _str_list(raw.get("keywords"), c, file, eid, f"{lang}.keywords", required=False)
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        c.add(file, eid, f"{lang}.answer", "missing or empty")
        answer = ""
    elif len(answer) > MAX_ANSWER_CHARS:
        c.add(file, eid, f"{lang}.answer", f"longer than {MAX_ANSWER_CHARS} characters")
    return LangBlock(questions, answer.strip(), keywords) if questions else None


def parse_entry(data: Any, file: str, c: _Collector, index: int) -> Entry | None:
    """One ``[[entry]]`` table -> Entry, recording problems in ``c`` (None when unusable)."""
    if not isinstance(data, dict):
        c.add(file, f"#{index + 1}", "", "an entry must be a table")
        return None
    eid = data.get("id")
    if not isinstance(eid, str) or not ID_RE.match(eid):
        c.add(file, f"#{index + 1}", "id", f"must match {ID_RE.pattern}, got {eid!r}")
        return None
    for key in sorted(set(data) - _ENTRY_KEYS - {OLD_GIVES}):
        c.add(file, eid, key, "unknown field")
    kind = data.get("kind", "fact")
    if kind not in KINDS:
        c.add(file, eid, "kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    topic = data.get("topic")
    if not isinstance(topic, str) or not topic:
        c.add(file, eid, "topic", "missing")
        topic = ""
    gives_key = "gives"
    if OLD_GIVES in data and "gives" not in data:
        gives_key = OLD_GIVES
        c.note(file, eid, OLD_GIVES, "is now called 'gives' (treaty-bot kb check --migrate renames it)")
    gives = _str_list(data.get(gives_key, []), c, file, eid, gives_key, required=False)
    for a in gives:
        if a not in QTYPES:
            c.add(file, eid, gives_key, f"{a!r} is not one of {', '.join(QTYPES)}")
    tags = _str_list(data.get("tags", []), c, file, eid, "tags", required=False)
    broad = data.get("broad", False)
    if not isinstance(broad, bool):
        c.add(file, eid, "broad", "must be true or false")
        broad = False
    if OLD_BROAD_TAG in tags and "broad" not in data:
        broad = True
        c.note(file, eid, "tags", f"the {OLD_BROAD_TAG!r} tag is now 'broad = true' (kb check --migrate)")
    blocks = {lang: b for lang in LANGS if (b := _parse_block(data.get(lang), lang, file, eid, c)) is not None}
    source = _str_list(data.get("source", []), c, file, eid, "source", required=False)
    if kind == "fact" and not source:
        c.add(file, eid, "source", "a fact needs at least one source sentence from the article")
    highlight = data.get("highlight", "")
    if not isinstance(highlight, str) or (highlight and not highlight.strip()):
        c.add(file, eid, "highlight", "must be a non-empty string: words of the source quote")
        highlight = ""
    if len(blocks) != len(LANGS):
        return None
    return Entry(
        id=eid,
        kind=kind if kind in KINDS else "fact",
        topic=topic,
        en=blocks["en"],
        ru=blocks["ru"],
        gives=frozenset(gives),
        related=_str_list(data.get("related", []), c, file, eid, "related", required=False),
        source=source,
        tags=tuple(t for t in tags if t != OLD_BROAD_TAG),
        file=file,
        broad=broad,
        highlight=" ".join(highlight.split()),
    )


def check_entries(entries: Iterable[Entry], topics: Iterable[Topic], article: Article, c: _Collector) -> None:
    """Cross-entry checks: unique ids, known topics and related ids, sources quoted verbatim."""
    seen: dict[str, str] = {}
    entries = list(entries)
    topic_ids = {t.id for t in topics}
    for e in entries:
        if e.id in seen:
            c.add(e.file, e.id, "id", f"duplicate id (also in {seen[e.id]})")
        else:
            seen[e.id] = e.file
    for e in entries:
        if e.topic and e.topic not in topic_ids:
            c.add(e.file, e.id, "topic", f"unknown topic {e.topic!r} (see meta.toml)")
        for rid in e.related:
            if rid not in seen:
                c.add(e.file, e.id, "related", f"unknown entry id {rid!r}")
            elif rid == e.id:
                c.add(e.file, e.id, "related", "an entry cannot be related to itself")
        for s in e.source:
            if not article.quotes(s):
                c.add(e.file, e.id, "source", f"not found verbatim in article.txt: {s[:60]!r}")
        if e.highlight and e.highlight not in (quote_text(article.cite(e.source)) if e.source else ""):
            c.add(e.file, e.id, "highlight", f"not found verbatim in the entry's source quote: {e.highlight[:60]!r}")


def _load_toml(path: Path, c: _Collector, rel: str) -> dict[str, Any] | None:
    """A knowledge file's TOML (size and nesting checked before parsing), or None with the problem noted."""
    try:
        return read_limited(path, rel)
    except TomlError as exc:  # too big, too deeply nested, not UTF-8, not valid TOML
        c.unreadable.append(Problem(rel, "", "", exc.reason))
    except OSError as exc:
        c.unreadable.append(Problem(rel, "", "", f"cannot be read: {exc.strerror}"))
    return None


def _parse_meta(data: dict[str, Any], article_text: str, c: _Collector) -> tuple[Article, list[Topic]]:
    art = data.get("article")
    titles: dict[str, str] = {}
    summaries: dict[str, str] = {}
    date = ""
    if not isinstance(art, dict):
        c.add("meta.toml", "", "article", "missing table")
    else:
        date = str(art.get("date", ""))
        for lang in LANGS:
            block = art.get(lang)
            if not isinstance(block, dict):
                c.add("meta.toml", "", f"article.{lang}", "missing table")
                continue
            for key, target in (("title", titles), ("summary", summaries)):
                value = block.get(key)
                if not isinstance(value, str) or not value.strip():
                    c.add("meta.toml", "", f"article.{lang}.{key}", "missing or empty")
                else:
                    target[lang] = value.strip()
    topics: list[Topic] = []
    raw_topics = data.get("topic", [])
    if not isinstance(raw_topics, list) or not raw_topics:
        c.add("meta.toml", "", "topic", "at least one [[topic]] is needed")
        raw_topics = []
    for i, t in enumerate(raw_topics):
        if not isinstance(t, dict) or not all(isinstance(t.get(k), str) and t.get(k) for k in ("id", "en", "ru")):
            c.add("meta.toml", "", f"topic #{i + 1}", "needs id, en and ru")
            continue
        topics.append(Topic(t["id"], t["en"], t["ru"]))
    titles.setdefault("en", "")
    summaries.setdefault("en", "")
    return Article(article_text, date, titles, summaries), topics


def load_knowledge(directory: str | Path | None = None, *, decision: bool = True) -> KnowledgeBase:
    """Load and validate a knowledge directory; raise ``KnowledgeError`` listing every problem.

    ``decision=False`` leaves ``decision.toml`` unread (``kb fit`` replaces it, stale or not).
    """
    root = Path(directory) if directory else default_knowledge_dir()
    c = _Collector()
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), "", "", "knowledge directory not found")])
    try:
        article_text = (root / "article.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        c.add("article.txt", "", "", f"cannot be read: {exc}")
        article_text = ""
    meta = _load_toml(root / "meta.toml", c, "meta.toml") or {}
    article, topics = _parse_meta(meta, article_text, c)
    lexicon = parse_lexicon(_load_toml(root / "lexicon.toml", c, "lexicon.toml") or {},
                            lambda name, message: c.add("lexicon.toml", "", name, message))
    entries: list[Entry] = []
    files = sorted((root / "entries").glob("*.toml"))
    if not files:
        c.add("entries/", "", "", "no *.toml entry files")
    for path in files:
        rel = f"entries/{path.name}"
        data = _load_toml(path, c, rel)
        if data is None:
            continue
        for key in sorted(set(data) - {"entry"}):
            c.add(rel, "", key, "unknown top-level key (entries are [[entry]] tables)")
        raw_entries = data.get("entry", [])
        if not isinstance(raw_entries, list):
            c.add(rel, "", "entry", "must be an array of tables ([[entry]])")
            continue
        for i, raw in enumerate(raw_entries):
            entry = parse_entry(raw, rel, c, i)
            if entry is not None:
                entries.append(entry)
    check_entries(entries, topics, article, c)
    model: DecisionModel | None = None
    if decision and (root / DECISION_FILE).is_file():
        try:
            model = load_decision(root / DECISION_FILE)
        except DecisionError as exc:
            c.add(DECISION_FILE, "", "", str(exc).removeprefix(f"{root / DECISION_FILE}: "))
    if c.unreadable or c.problems:
        raise KnowledgeError(c.unreadable or c.problems)
    return KnowledgeBase(tuple(entries), tuple(topics), lexicon, article, str(root), model, tuple(c.notes))


def migrate_entries_text(text: str) -> str:
    """An entries file with the old names rewritten: ``answers =`` -> ``gives =``, and an ``"overview"``
    tag -> ``broad = true`` (a textual rewrite: comments and layout stay)."""
    text = re.sub(r"(?m)^answers(\s*)=", r"gives\1=", text)

    def tags(m: re.Match[str]) -> str:
        items = [x for x in re.findall(r'"([^"]*)"', m.group(2)) if x != OLD_BROAD_TAG]
        kept = f'{m.group(1)}[{", ".join(f"{chr(34)}{x}{chr(34)}" for x in items)}]' if items else ""
        return (kept + "\n" if kept else "") + "broad = true"

    return re.sub(rf'(?m)^(tags\s*=\s*)\[([^\]]*"{OLD_BROAD_TAG}"[^\]]*)\]', tags, text)
