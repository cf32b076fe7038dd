"""The index cache (bot/index_cache.py, bot/kb_cache.py): a loaded matcher is the built one, any change to
the knowledge base misses, and a bad, foreign or unwritable cache falls back to building with one warning."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from bot import index_cache, kb_cache
from bot.index_cache import cached_matcher, content_key, index_name
from bot.kb_cache import files_key, open_knowledge
from bot.knowledge import KnowledgeBase, default_knowledge_dir, load_knowledge
from bot.matching import Matcher, Thresholds

DEV_SET = Path(__file__).resolve().parent / "data" / "dev.jsonl"
QUESTIONS = [json.loads(line)["question"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
FRESH = {"_speller", "_words", "_recent"}  # caches that fill as questions are read


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge directory, free to edit."""
    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root, ignore=shutil.ignore_patterns(".index-*"))
    return root


def no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, building an index fails the test: what follows must load it."""
    def fail(*_args: object) -> None:
        raise AssertionError("the index was built, not loaded")

    monkeypatch.setattr(Matcher, "_build_index", fail)


def assert_same_matcher(loaded: Matcher, built: Matcher) -> None:
    """Every attribute of the loaded matcher and of its analyzer equals the built one's."""
    # built on first use by whichever matcher answered a question first
    lazy = {"_lookups", "_talk", "_rank_memo"}
    assert set(vars(loaded)) - lazy == set(vars(built)) - lazy
    for name, value in vars(built).items():
        if name == "analyzer" or name in lazy:
            continue
        assert getattr(loaded, name) == value, name
    assert set(vars(loaded.analyzer)) == set(vars(built.analyzer))
    for name, value in vars(built.analyzer).items():
        if name not in FRESH:
            assert getattr(loaded.analyzer, name) == value, name


def assert_same_outcomes(loaded: Matcher, built: Matcher) -> None:
    for question in QUESTIONS:
        assert loaded.analyzer.analyse(question) == built.analyzer.analyse(question), question
        assert loaded.match(question) == built.match(question), question


def test_a_loaded_index_gives_the_built_ones_outcomes(kb: KnowledgeBase, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    built = Matcher(kb, Thresholds(answer=0.6))
    cached_matcher(kb, Thresholds(answer=0.6), directories=[tmp_path])  # a miss: built and saved
    assert (tmp_path / index_name(content_key(kb))).is_file()
    no_build(monkeypatch)
    loaded = cached_matcher(kb, Thresholds(answer=0.6), directories=[tmp_path])
    assert loaded.answer_threshold == 0.6
    assert_same_matcher(loaded, built)
    assert_same_outcomes(loaded, built)


def test_the_knowledge_base_and_index_load_from_the_files_cache(knowledge: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first_kb, _ = open_knowledge(knowledge, directories=[cache])
    assert (cache / index_name(files_key(knowledge))).is_file()
    built = Matcher(load_knowledge(knowledge))
    no_build(monkeypatch)
    monkeypatch.setattr(kb_cache, "load_knowledge", lambda *_: pytest.fail("the knowledge files were read"))
    loaded_kb, loaded = open_knowledge(knowledge, directories=[cache])
    assert loaded_kb == first_kb == built.kb
    assert loaded_kb.directory == str(knowledge)
    assert vars(loaded_kb) == vars(built.kb)  # what KnowledgeBase derives (by_id, cited) too
    assert [e.cited for e in loaded_kb.entries] == [e.cited for e in built.kb.entries]
    assert [e.quote() for e in loaded_kb.entries] == [e.quote() for e in built.kb.entries]
    assert_same_matcher(loaded, built)
    assert_same_outcomes(loaded, built)


def test_a_changed_knowledge_base_misses_the_cache(knowledge: Path, tmp_path: Path) -> None:
    """One entry's curated question edited in its file: the files' key changes, and the new word answers."""
    cache = tmp_path / "cache"
    before, _ = open_knowledge(knowledge, directories=[cache])
    entry = before.get("signatories")
    assert entry is not None
    path = knowledge / entry.file
    old = entry.en.questions[0]
    text = path.read_text(encoding="utf-8")
    assert text.count(f'"{old}"') >= 1
    path.write_text(text.replace(f'"{old}"', '"Which zanzibarian dignitaries signed it?"', 1), encoding="utf-8")
    after, matcher = open_knowledge(knowledge, directories=[cache])
    assert after != before
    assert len(list(cache.glob(".index-*.bin"))) == 2
    outcome = matcher.match("which zanzibarian dignitaries signed it")
    assert outcome.entry is not None and outcome.entry.id == "signatories"
    assert matcher.match("which zanzibarian dignitaries signed it") == Matcher(after).match(
        "which zanzibarian dignitaries signed it")


def test_an_edited_knowledge_base_keys_by_its_content(kb: KnowledgeBase, tmp_path: Path) -> None:
    """The admins' edits make a knowledge base with the same directory and files: its key is another."""
    from dataclasses import replace

    entry = kb.get("signatories")
    assert entry is not None
    edited_entry = replace(entry, en=replace(entry.en, questions=(*entry.en.questions, "zanzibarian dignitaries")))
    edited = kb.replace_entries(edited_entry if e.id == entry.id else e for e in kb.entries)
    assert content_key(edited) != content_key(kb)
    assert content_key(kb.replace_entries(kb.entries)) == content_key(kb)
    cached_matcher(kb, directories=[tmp_path])
    matcher = cached_matcher(edited, directories=[tmp_path])
    outcome = matcher.match("zanzibarian dignitaries")
    assert outcome.entry is not None and outcome.entry.id == "signatories"
    assert_same_matcher(matcher, Matcher(edited))


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    head = data.index(b"\n", len(index_cache.MAGIC)) + 1
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:])
    elif how == "garbage":
        path.write_bytes(b"\x00\x01 not an index at all")
    elif how == "empty":
        path.write_bytes(b"")
    else:  # "foreign": a well-formed file (right key, right checksum) naming a class that is not the kb's own
        payload = json.dumps({"kb": {"\u0000class": "Popen", "args": ["touch", "pwned"]}, "index": {}}).encode()
        path.write_bytes(data[:head] + hashlib.sha256(payload).digest() + payload)


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "empty", "foreign"])
def test_a_damaged_cache_file_falls_back_to_building_with_one_warning(
        how: str, knowledge: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    _, built = open_knowledge(knowledge, directories=[cache])
    path = cache / index_name(files_key(knowledge))
    damage(path, how)
    with caplog.at_level(logging.WARNING):
        kb, matcher = open_knowledge(knowledge, directories=[cache])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "index cache" in warnings[0].getMessage(), warnings
    assert kb == built.kb
    assert_same_outcomes(matcher, built)
    caplog.clear()
    open_knowledge(knowledge, directories=[cache])  # saved again, whole: no warning now
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_damaged_content_keyed_file_falls_back_too(kb: KnowledgeBase, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    built = cached_matcher(kb, directories=[tmp_path])
    damage(tmp_path / index_name(content_key(kb)), "flipped")
    with caplog.at_level(logging.WARNING):
        matcher = cached_matcher(kb, directories=[tmp_path])
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert_same_outcomes(matcher, built)


def test_a_read_only_knowledge_directory_uses_the_user_cache(knowledge: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    """As an installed wheel's package directory may be: the index goes to $XDG_CACHE_HOME/treaty-bot."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    original = index_cache.write_file

    def read_only(directory: Path, key: str, data: bytes) -> Path:
        if directory == knowledge:  # root may write anywhere: a read-only mount refuses even root
            raise PermissionError(13, "Permission denied")
        return original(directory, key, data)

    monkeypatch.setattr(index_cache, "write_file", read_only)
    with caplog.at_level(logging.WARNING):
        open_knowledge(knowledge)
        _, matcher = open_knowledge(knowledge)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not list(knowledge.glob(".index-*"))
    assert (tmp_path / "xdg" / "treaty-bot" / index_name(files_key(knowledge))).is_file()
    assert_same_outcomes(matcher, Matcher(load_knowledge(knowledge)))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only directories")
def test_really_read_only_directories_build_with_one_warning(knowledge: Path, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for directory in (knowledge, cache):
        directory.chmod(0o555)
    try:
        with caplog.at_level(logging.WARNING):
            kb, _ = open_knowledge(knowledge, directories=[knowledge, cache])
    finally:
        for directory in (knowledge, cache):
            directory.chmod(0o755)
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    assert kb == load_knowledge(knowledge)


def test_nowhere_to_save_builds_with_one_warning(kb: KnowledgeBase, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "a file, not a directory"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING):
        matcher = cached_matcher(kb, directories=[blocked])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot save" in warnings[0].getMessage()
    assert matcher.match("who signed the treaty?").entry == kb.get("signatories")


def test_old_index_files_do_not_pile_up(kb: KnowledgeBase, tmp_path: Path) -> None:
    for i in range(6):
        old = tmp_path / index_name(f"{i:064x}")
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    (tmp_path / ".index-left-by-a-killed-save.tmp").write_bytes(b"half")
    os.utime(tmp_path / ".index-left-by-a-killed-save.tmp", (1_000_000, 1_000_000))
    cached_matcher(kb, directories=[tmp_path])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == index_cache.KEEP
    assert index_name(content_key(kb)) in left
    assert index_name(f"{5:064x}") in left  # the newest of the old ones stays


def test_the_cache_can_be_turned_off(kb: KnowledgeBase, knowledge: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(index_cache.ENV, "off")
    cache = tmp_path / "cache"
    cached_matcher(kb, directories=[cache])
    open_knowledge(knowledge, directories=[cache])
    assert not cache.exists()


def test_the_key_covers_every_knowledge_file_and_the_code(knowledge: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = files_key(knowledge)
    assert files_key(knowledge) == key
    (knowledge / index_name("0" * 64)).write_bytes(b"a cache file is not knowledge")
    assert files_key(knowledge) == key
    for name in ("article.txt", "meta.toml", "lexicon.toml", "decision.toml"):
        path = knowledge / name
        text = path.read_bytes()
        path.write_bytes(text + b"\n")
        assert files_key(knowledge) != key, name
        path.write_bytes(text)
    (knowledge / "entries" / "new.toml").write_text("")
    assert files_key(knowledge) != key
    (knowledge / "entries" / "new.toml").unlink()
    monkeypatch.setattr(index_cache, "FORMAT", index_cache.FORMAT + 1)
    assert files_key(knowledge) != key
