"""The knowledge base: the shipped one loads, and every kind of mistake is reported precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, KnowledgeError, default_knowledge_dir, load_knowledge, migrate_entries_text

SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"

GOOD_ENTRY = """
[[entry]]
id = "{id}"
kind = "fact"
topic = "{topic}"
gives = ["who"]
related = [{related}]
source = ["{source}"]
[entry.en]
questions = ["Who signed it?", "signatories", "who put their names to it"]
answer = "Putin and Tibilov."
[entry.ru]
questions = ["Кто подписал?", "подписанты", "кто поставил подписи"]
answer = "Путин и Тибилов."
"""


def test_shipped_knowledge_loads() -> None:
    kb = load_knowledge(SHIPPED)
    assert len(kb.facts()) >= 30
    assert {e.kind for e in kb.entries} == {"fact", "smalltalk", "gap"}
    # every entry's topic is a real topic and every topic has something in it
    assert {e.topic for e in kb.entries} <= {t.id for t in kb.topics}


def test_every_knowledge_file_loads_on_its_own_terms() -> None:
    """Guard: each entries file parses and contributes entries."""
    kb = load_knowledge(SHIPPED)
    files = {e.file for e in kb.entries}
    assert files == {f"entries/{p.name}" for p in (SHIPPED / "entries").glob("*.toml")}


def test_every_entry_title_reads_as_a_title() -> None:
    """An entry's first question is its title on buttons and in /topics: a question added at the top of the
    list by mistake ("договор уже в силе?") would become the button's text."""
    kb = load_knowledge()
    untitled = [f"{e.id} ({lang}): {e.title(lang)!r}" for e in kb.entries for lang in ("en", "ru")
                if not e.title(lang)[:1].isupper()]
    assert not untitled, untitled


def test_default_dir_is_the_shipped_one() -> None:
    assert default_knowledge_dir().resolve() == SHIPPED.resolve()
    assert load_knowledge().entries == load_knowledge(SHIPPED).entries


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, root)
    for p in (root / "entries").glob("*.toml"):
        p.unlink()
    return root


def _write(root: Path, name: str, text: str) -> None:
    (root / "entries" / name).write_text(text, encoding="utf-8")


def _source() -> str:
    return "Meanwhile, the West has already slammed the agreement calling it “illegal.”"


def _problems(root: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    return [str(p) for p in info.value.problems]


def _topic(root: Path) -> str:
    kb_topics = (root / "meta.toml").read_text(encoding="utf-8")
    return kb_topics.split('id = "', 2)[1].split('"')[0]


def test_a_minimal_valid_file(kb_copy: Path) -> None:
    _write(kb_copy, "a.toml", GOOD_ENTRY.format(id="one", topic=_topic(kb_copy), related="", source=_source()))
    kb = load_knowledge(kb_copy)
    assert [e.id for e in kb.entries] == ["one"]


def test_bad_toml_names_the_file(kb_copy: Path) -> None:
    _write(kb_copy, "broken.toml", "[[entry]\nid = ")
    (problem,) = _problems(kb_copy)
    assert problem.startswith("entries/broken.toml: not valid TOML")


def test_duplicate_ids_across_files(kb_copy: Path) -> None:
    entry = GOOD_ENTRY.format(id="same", topic=_topic(kb_copy), related="", source=_source())
    _write(kb_copy, "a.toml", entry)
    _write(kb_copy, "b.toml", entry)
    assert any("entry 'same': id: duplicate id (also in entries/a.toml)" in p for p in _problems(kb_copy))


def test_missing_language_empty_answer_unknown_related_and_bad_source(kb_copy: Path) -> None:
    text = GOOD_ENTRY.format(id="x", topic=_topic(kb_copy), related='"nowhere"', source="Not in the article.")
    text = text.replace('answer = "Putin and Tibilov."', 'answer = "  "')
    text += GOOD_ENTRY.format(id="y", topic="no_such_topic", related="", source=_source()).split("[entry.ru]")[0]
    _write(kb_copy, "a.toml", text)
    problems = _problems(kb_copy)
    expected = [
        "entries/a.toml: entry 'x': en.answer: missing or empty",
        "entries/a.toml: entry 'x': related: unknown entry id 'nowhere'",
        "entries/a.toml: entry 'x': source: not found verbatim in article.txt",
        "entries/a.toml: entry 'y': ru: missing language table",
    ]
    for e in expected:
        assert any(p.startswith(e) for p in problems), (e, problems)


def test_unknown_fields_and_bad_types(kb_copy: Path) -> None:
    text = GOOD_ENTRY.format(id="x", topic=_topic(kb_copy), related="", source=_source())
    text = text.replace('gives = ["who"]', 'gives = ["why"]\ncolour = "red"')
    text = text.replace('questions = ["Кто подписал?", "подписанты", "кто поставил подписи"]', "questions = 3")
    _write(kb_copy, "a.toml", text)
    problems = _problems(kb_copy)
    assert any("entry 'x': colour: unknown field" in p for p in problems)
    assert any("entry 'x': gives: 'why' is not one of" in p for p in problems)
    assert any("entry 'x': ru.questions: must be a list of strings" in p for p in problems)


def test_a_highlight_must_be_words_of_the_quote_and_survives_export(kb_copy: Path) -> None:
    from bot.curation import dump_entries

    entry = GOOD_ENTRY.format(id="x", topic=_topic(kb_copy), related="", source=_source())
    good = entry.replace('gives = ["who"]', 'gives = ["who"]\nhighlight = "slammed the agreement"')
    _write(kb_copy, "a.toml", good)
    kb = load_knowledge(kb_copy)
    assert kb.by_id["x"].highlight == "slammed the agreement"
    _write(kb_copy, "a.toml", dump_entries(kb.entries))  # export keeps it
    assert load_knowledge(kb_copy).by_id["x"].highlight == "slammed the agreement"
    _write(kb_copy, "a.toml", entry.replace('gives = ["who"]', 'gives = ["who"]\nhighlight = "praised the agreement"')
           + entry.replace('id = "x"', 'id = "y"').replace('gives = ["who"]', 'gives = ["who"]\nhighlight = 3'))
    problems = _problems(kb_copy)
    assert any(p.startswith("entries/a.toml: entry 'x': highlight: not found verbatim in the entry's source quote")
               for p in problems), problems
    assert any(p.startswith("entries/a.toml: entry 'y': highlight: must be a non-empty string") for p in problems)


def test_missing_directory() -> None:
    with pytest.raises(KnowledgeError, match="knowledge directory not found"):
        load_knowledge("/nonexistent/knowledge")


def test_old_field_names_are_read_explained_and_migrated(kb_copy: Path) -> None:
    text = GOOD_ENTRY.format(id="x", topic=_topic(kb_copy), related="", source=_source())
    text = text.replace('gives = ["who"]', '# a comment that stays\ntags = ["people", "overview"]\nanswers = ["who"]')
    _write(kb_copy, "a.toml", text)
    kb = load_knowledge(kb_copy)
    entry = kb.by_id["x"]
    assert entry.gives == frozenset({"who"}) and entry.broad and entry.tags == ("people",)
    assert sorted(n.field for n in kb.notes) == ["answers", "tags"]
    migrated = migrate_entries_text(text)
    assert 'gives = ["who"]' in migrated and 'tags = ["people"]\nbroad = true' in migrated
    assert "# a comment that stays" in migrated and "answers" not in migrated
    _write(kb_copy, "a.toml", migrated)
    again = load_knowledge(kb_copy)
    assert again.by_id["x"] == entry and not again.notes


def test_kb_check_migrate_rewrites_the_files(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    text = GOOD_ENTRY.format(id="x", topic=_topic(kb_copy), related="", source=_source())
    _write(kb_copy, "a.toml", text.replace("gives =", "answers ="))
    assert main(["--knowledge", str(kb_copy), "kb", "check"]) == 0
    assert "is now called 'gives'" in capsys.readouterr().out
    assert main(["kb", "check", "--migrate", "--knowledge", str(kb_copy)]) == 0
    assert "migrated" in capsys.readouterr().out
    assert "gives = " in (kb_copy / "entries" / "a.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("stands_for", "message"),
    [('["no_such_concept"]', "stands_for: names no concept: no_such_concept"),
     ('"russia"', "stands_for: must be a list of concept ids")],
)
def test_a_concept_stands_for_known_concepts_only(kb_copy: Path, stands_for: str, message: str) -> None:
    problems = _lexicon_problems(kb_copy, 'stands_for = ["russia"]', f"stands_for = {stands_for}")
    assert any(message in p for p in problems), problems


def test_a_concept_includes_known_concepts_only(kb_copy: Path) -> None:
    problems = _lexicon_problems(kb_copy, 'includes = ["usa", "eu"]', 'includes = ["nowhere_land"]')
    assert any("includes: names no concept: nowhere_land" in p for p in problems), problems


def test_a_person_speaks_for_known_concepts_only(kb_copy: Path) -> None:
    problems = _lexicon_problems(kb_copy, 'speaks_for = ["usa"]', 'speaks_for = ["nobody_here"]')
    assert any("speaks_for: names no concept: nobody_here" in p for p in problems), problems


def test_a_concept_asks_for_a_known_kind_of_answer(kb_copy: Path) -> None:
    problems = _lexicon_problems(kb_copy, 'asks = "when"', 'asks = "soon"')
    assert any("asks: must be one of who, when, where, quantity, time" in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new"),
    [('gender = "female"', 'gender = "she"'),  # not a gender the pronoun lists know
     ('stands_for = ["russia"]', 'stands_for = ["russia"]\ngender = "male"')],  # a gender for a thing
)
def test_a_gender_is_female_or_male_and_only_for_a_person(kb_copy: Path, old: str, new: str) -> None:
    problems = _lexicon_problems(kb_copy, old, new)
    assert any("gender: must be one of female, male, and only for a person" in p for p in problems), problems


def _lexicon_problems(kb_copy: Path, old: str, new: str) -> list[str]:
    """What ``kb check`` finds after ``old`` is replaced by ``new`` (once) in the copy's lexicon."""
    lexicon = kb_copy / "lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return _problems(kb_copy)


@pytest.mark.parametrize(
    ("word", "message"),
    [("zebra", "shares its stem with no concept's word"),  # listing it would change nothing
     ("treaty", "is itself a concept's word"),  # it would hide the concept
     ("according to", "must be a single word")],
)
def test_a_distinct_word_must_only_look_like_a_concept_word(kb_copy: Path, word: str, message: str) -> None:
    problems = _lexicon_problems(kb_copy, '[distinct]\nen = [', f'[distinct]\nen = ["{word}", ')
    assert any(message in p for p in problems), problems


def test_every_pronoun_is_a_stop_word(kb: KnowledgeBase) -> None:
    """A pronoun points back; it is never a content word the knowledge base lacks ("а срок у него какой?"
    once counted "него" as an unknown word, which made the follow-up a new subject)."""
    lex = kb.lexicon
    stop = frozenset().union(*lex.stopwords.values())
    pronouns = lex.pronouns | lex.person_pronouns | lex.female_pronouns | lex.male_pronouns
    assert sorted(w for w in pronouns if " " not in w and w not in stop) == []
