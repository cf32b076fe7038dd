"""The curation core (bot/curation/), the curation store (stored edits, undo), and `kb export` / `kb import`."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import curation
from bot.cli import main
from bot.curation import Edit, EditedKnowledge
from bot.curation.store import CurationStore
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.matching import Matcher
from bot.storage import Storage

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def fields(exc: pytest.ExceptionInfo[KnowledgeError]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_edits_make_a_new_validated_kb_and_leave_the_old_one(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    added = cur.apply(curation.add_question(cur, "signatories", "en", "who autographed the parchment"))
    assert "who autographed the parchment" in added.kb.by_id["signatories"].en.questions
    assert "who autographed the parchment" not in cur.kb.by_id["signatories"].en.questions  # untouched
    answered = added.apply(curation.replace_answer(added, "signatories", "ru", "Путин и Тибилов."))
    assert answered.kb.by_id["signatories"].ru.answer == "Путин и Тибилов."
    first = kb.by_id["signatories"].en.questions[0]
    removed = answered.apply(curation.remove_question(answered, "signatories", "en", curation.question_id(first)))
    assert removed.kb.by_id["signatories"].en.questions[0] == kb.by_id["signatories"].en.questions[1]
    assert curation.diff_knowledge(kb, removed.kb) == curation.KbDiff((), ("signatories",), ())


def test_bad_changes_raise_naming_the_field(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    short = kb.by_id["venue"].to_dict()
    short["ru"]["questions"] = short["ru"]["questions"][:3]
    cur3 = cur.apply(Edit("venue", short))
    with pytest.raises(KnowledgeError) as exc:
        cur3.apply(curation.remove_question(cur3, "venue", "ru", curation.question_id(short["ru"]["questions"][0])))
    assert "ru.questions" in fields(exc)
    with pytest.raises(KnowledgeError) as exc:
        cur.apply(curation.replace_answer(cur, "signatories", "en", "   "))
    assert "en.answer" in fields(exc)
    with pytest.raises(KnowledgeError) as exc:
        cur.apply(curation.add_question(cur, "signatories", "en", "WHO SIGNED THE TREATY?"))
    assert "en.questions" in fields(exc)  # a duplicate (case-insensitive)
    data = kb.by_id["signatories"].to_dict() | {"id": "brand_new", "topic": "nope"}
    with pytest.raises(KnowledgeError) as exc:
        cur.apply(curation.new_entry(cur, data))
    assert "topic" in fields(exc)
    data = kb.by_id["signatories"].to_dict() | {"id": "brand_new", "source": ["Not in the article at all."]}
    with pytest.raises(KnowledgeError) as exc:
        cur.apply(curation.new_entry(cur, data))
    assert "source" in fields(exc)
    with pytest.raises(KnowledgeError):
        curation.new_entry(cur, kb.by_id["signatories"].to_dict())  # the id is taken
    assert cur.kb is kb


def test_soft_delete_hides_related_links_and_restore_brings_them_back(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    linked = [e.id for e in kb.entries if "venue" in e.related]
    assert linked
    gone = cur.apply(curation.delete_entry(cur, "venue"))
    assert "venue" not in gone.kb.by_id and "venue" in gone.deleted
    assert all("venue" not in gone.kb.by_id[i].related for i in linked)
    back = gone.apply(curation.restore_entry(gone, "venue"))
    assert back.kb.by_id["venue"] == kb.by_id["venue"]
    assert all("venue" in back.kb.by_id[i].related for i in linked)
    with pytest.raises(KnowledgeError):
        curation.restore_entry(back, "venue")


def test_import_document_upserts_and_rejects_malformed_files(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    entry = kb.by_id["signatories"]
    changed = entry.to_dict()
    changed["en"]["answer"] = "Putin and Tibilov signed it."
    changed_entry = cur.apply(Edit("signatories", changed)).kb.by_id["signatories"]
    copy = dataclasses.replace(kb.by_id["venue"], id="venue_copy", related=())
    edits = curation.import_document(cur, curation.dump_entries([changed_entry, copy]), "x.toml")
    assert [e.entry_id for e in edits] == ["signatories", "venue_copy"]
    assert curation.diff_knowledge(kb, cur.apply(*edits).kb) == curation.KbDiff(("venue_copy",), ("signatories",), ())
    assert curation.import_document(cur, curation.dump_entries(kb.entries), "same.toml") == []
    bad = {
        "toml": "[[entry]\nid = ",
        "schema": '[[entry]]\nid = "x"\ncolour = "red"\n',
        "dupes": curation.dump_entries([entry, entry]),
        "top": 'title = "x"\n',
    }
    for name, doc in bad.items():
        with pytest.raises(KnowledgeError) as exc:
            curation.import_document(cur, doc, f"{name}.toml")
        assert exc.value.problems, name
    with pytest.raises(KnowledgeError, match="duplicate id"):
        curation.import_document(cur, bad["dupes"], "d.toml")
    with pytest.raises(KnowledgeError, match="limit"):
        curation.decode_document(b"#" * (curation.MAX_IMPORT_BYTES + 1), "big.toml")
    with pytest.raises(KnowledgeError, match="UTF-8"):
        curation.decode_document(PNG, "chart.png")


def test_export_round_trips_through_tomllib(kb: KnowledgeBase) -> None:
    text = curation.dump_entries(kb.entries, "# header")
    data = tomllib.loads(text)
    assert [e for e in data["entry"]] == [e.to_dict() for e in kb.entries]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_toml_strings_round_trip(value: str) -> None:
    value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert tomllib.loads(f"v = {curation.toml_string(value)}")["v"] == value


def test_write_knowledge_dir_loads_and_leaves_deleted_entries_out(kb: KnowledgeBase, tmp_path: Path) -> None:
    cur = EditedKnowledge.from_base(kb)
    cur = cur.apply(curation.delete_entry(cur, "venue"),
                    curation.add_question(cur, "signatories", "ru", "кто это подписал"))
    curation.write_knowledge_dir(cur.kb, tmp_path / "out", kb.directory)
    again = load_knowledge(tmp_path / "out")
    assert [e.to_dict() for e in again.entries] == [e.to_dict() for e in cur.kb.entries]
    assert (tmp_path / "out" / "entries" / "signing.toml").read_text(encoding="utf-8").startswith("#")


def test_replay_counts_changed_answers_with_examples(kb: KnowledgeBase, matcher: Matcher) -> None:
    cur = EditedKnowledge.from_base(kb)
    same = curation.replay_change(matcher, matcher, [("who signed the treaty?", "en"), ("what about NATO", None)])
    assert (same.checked, same.changed) == (2, 0)
    gone = cur.apply(curation.delete_entry(cur, "signatories"))
    questions = [("Who signed the treaty?", "en"), ("кто подписал договор", "ru")]
    result = curation.replay_change(matcher, Matcher(gone.kb), questions)
    assert result.changed == 2 and result.examples[0].before_entry == "signatories"
    assert result.examples[0].after_entry != "signatories"


def test_unanswered_questions_are_grouped_with_a_suggestion(matcher: Matcher) -> None:
    rows = [("How many soldiers will Russia send?", "en")] * 3 + [("how many soldiers will russia send", "en"),
            ("How many soldiers will Russia send there?", "en"), ("what is the weather", "en")]
    groups = curation.group_unanswered(rows, matcher)
    assert groups[0].count == 5 and len(groups[0].questions) == 2
    assert groups[-1].question == "what is the weather" and groups[-1].count == 1
    assert groups[0].suggestion is not None
    ignored = {curation.question_key("what is the weather")}
    assert curation.group_unanswered(rows, matcher, ignored=ignored)[-1].count == 5


async def test_the_store_persists_undoes_and_skips_stale_edits(kb: KnowledgeBase, tmp_path: Path) -> None:
    async with Storage(tmp_path / "db.sqlite3") as storage:
        store = CurationStore(kb, storage)
        await store.load()
        await store.change(
            lambda cur: [curation.add_question(cur, "signatories", "en", "who autographed the parchment")],
            7,
            "add_question",
        )
        await store.change(lambda cur: [curation.delete_entry(cur, "venue")], 8, "delete")
        assert "venue" not in store.kb.by_id
        # A stored edit that no longer validates (its topic is gone) is skipped with a warning.
        stale = kb.by_id["signing_date"].to_dict() | {"topic": "removed_topic"}
        await storage.add_kb_edit(9, "signing_date", stale)
        restarted = CurationStore(kb, storage)
        live = await restarted.load()
        assert "venue" not in live.by_id and "who autographed the parchment" in live.by_id["signatories"].en.questions
        assert len(restarted.skipped) == 1 and "signing_date" in restarted.skipped[0]
        undone = await restarted.undo(7)
        assert undone is not None and undone.action == "delete" and "venue" in restarted.kb.by_id
        undone = await restarted.undo(7)
        assert undone is not None and undone.action == "add_question"
        assert restarted.kb.by_id["signatories"] == kb.by_id["signatories"]
        assert await restarted.undo(7) is None
        actions = [r.action for r in await storage.audit_log()]
        assert actions == ["undo", "undo", "delete", "add_question"]
        assert (await CurationStore(kb, storage).load()).by_id["venue"] == kb.by_id["venue"]


async def test_files_stay_the_source_of_truth(kb: KnowledgeBase, tmp_path: Path) -> None:
    """An edit is replayed only over the file version it was made on: once the file changes (an export
    was committed, or someone edited it by hand), the file wins."""
    async with Storage(tmp_path / "db.sqlite3") as storage:
        store = CurationStore(kb, storage)
        await store.load()
        await store.change(lambda cur: [curation.replace_answer(cur, "term", "en", "Twenty-five years.")], 7, "answer")
        await store.change(lambda cur: [curation.add_question(cur, "venue", "en", "which town hosted it")], 7, "ask")
        assert (await CurationStore(kb, storage).load()).by_id["term"].en.answer == "Twenty-five years."
        # knowledge/ now has a different 'term' (edited by hand after the admin's change): the file wins,
        # while the edit of the untouched 'venue' entry is still replayed.
        term = kb.by_id["term"]
        by_hand = replace(term, en=replace(term.en, answer="Concluded for 25 years (edited in the file)."))
        changed_files = kb.replace_entries(by_hand if e.id == "term" else e for e in kb.entries)
        restarted = CurationStore(changed_files, storage)
        live = await restarted.load()
        assert live.by_id["term"].en.answer == "Concluded for 25 years (edited in the file)."
        assert "which town hosted it" in live.by_id["venue"].en.questions
        assert any("superseded by knowledge/" in note for note in restarted.skipped)


def test_cli_kb_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    db = str(tmp_path / "db.sqlite3")
    kb = load_knowledge(knowledge)
    entry = kb.by_id["signatories"].to_dict()
    entry["en"]["questions"].append("who autographed the parchment")
    doc = tmp_path / "edit.toml"
    cur = EditedKnowledge.from_base(kb).apply(Edit("signatories", entry))
    doc.write_text(curation.dump_entries([cur.kb.by_id["signatories"]]), encoding="utf-8")
    assert main(["--knowledge", str(knowledge), "kb", "import", str(doc), "--database", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "~ signatories" in out and "dry run" in out and not Path(db).exists()
    assert main(["--knowledge", str(knowledge), "kb", "import", str(doc), "--database", db]) == 0
    assert "applied" in capsys.readouterr().out
    assert main(["--knowledge", str(knowledge), "kb", "export", str(tmp_path / "out"), "--database", db]) == 0
    assert "who autographed the parchment" in load_knowledge(tmp_path / "out").by_id["signatories"].en.questions
    assert main(["--knowledge", str(tmp_path / "out"), "kb", "check"]) == 0
    png = tmp_path / "chart.png"
    png.write_bytes(PNG)
    assert main(["--knowledge", str(knowledge), "kb", "import", str(png), "--database", db]) == 1
    assert "UTF-8" in capsys.readouterr().err
