"""The curation core (bot/curation/), the curation store (stored edits, undo), and `kb export` / `kb import`."""

from __future__ import annotations

import dataclasses
import json
import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import admin_texts, curation
from bot.cli import main
from bot.curation import Edit, EditedKnowledge
from bot.curation.history import AuditRecord
from bot.curation.store import CurationStore
from bot.folding import fold
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
    recent = [("who signed the treaty?", "en"), ("what about NATO", None)]
    same = curation.replay_change(matcher, matcher, recent, curated=False)
    assert (same.checked, same.changed) == (2, 0)
    gone = cur.apply(curation.delete_entry(cur, "signatories"))
    questions = [("Who signed the treaty?", "en"), ("кто подписал договор", "ru")]
    result = curation.replay_change(matcher, Matcher(gone.kb), questions, curated=False)
    assert result.changed == 2 and result.examples[0].before_entry == "signatories"
    assert result.examples[0].after_entry != "signatories"
    # By default the knowledge base's own questions are replayed too: a fresh install checks something.
    fresh = curation.replay_change(matcher, Matcher(gone.kb), [])
    assert fresh.checked == len({fold(q) for q, _lang in curation.curated_questions(kb)}) > 100
    assert fresh.changed >= 1


def test_unanswered_questions_are_grouped_by_nearest_entry_with_gap_declines_apart(matcher: Matcher) -> None:
    pen = "What colour was the pen Putin signed the treaty with?"
    rows = ([(pen, "en")] * 3 + [("what colour was the pen putin signed the treaty with", "en"),
            ("What color was the pen Putin signed the treaty with?", "en"), ("what did NATO say?", "en"),
            ("what did NATO say", "en"),
            ("did the presidents shake hands", "en"), ("who signed the treaty?", "en")])
    listing = curation.group_unanswered(rows, matcher)
    # Answered now (an admin fixed it, or it was a clarify the bot now answers): not listed.
    assert all(q.question != "who signed the treaty?" for g in listing.groups for q in g.questions)
    # Typos of one question are one item, with every wording and the total count.
    found = listing.find(curation.question_id(curation.question_key(pen)))
    assert found is not None and found[1].count == 5 and len(found[1].wordings) == 2
    # Grouped by the nearest entry, even though it declined: a different question near it is its own item.
    group, _question = found
    assert group.key == "signatories" and not group.declined and group.count == 6
    assert [q.question for q in group.questions] == [pen, "did the presidents shake hands"]
    # A gap entry's decline is correct: listed apart, after everything there is to fix.
    nato = listing.find(curation.question_id(curation.question_key("what did NATO say?")))
    assert nato is not None and nato[0].declined and nato[0].nearest is not None and nato[0].nearest.kind == "gap"
    assert nato[1].count == 2 and listing.groups.index(nato[0]) >= len(listing.to_fix)
    assert all(g.nearest is None or g.nearest.kind == ("gap" if g.declined else "fact") for g in listing.groups)
    assert listing.group(nato[0].key) == nato[0] and listing.find("00000000") is None
    ignored = {curation.question_key("what did NATO say")}
    assert curation.group_unanswered(rows, matcher, ignored=ignored).find(nato[1].qid) is None


def test_different_questions_near_one_entry_stay_apart(matcher: Matcher) -> None:
    rows = [("what did obama say", "en")] * 5 + [("what did lavrov say", "en"), ("what did nato say", "en")]
    listing = curation.group_unanswered(rows, matcher)
    items = {q.question: q.count for g in listing.groups for q in g.questions}
    assert items == {"what did obama say": 5, "what did lavrov say": 1, "what did nato say": 1}


def test_paging_and_entry_choices_reach_every_entry(kb: KnowledgeBase, matcher: Matcher) -> None:
    items = list(range(20))
    assert curation.page_of(items, 0, 8) == (items[:8], 0, 3)
    assert curation.page_of(items, 9, 8) == (items[16:], 2, 3)  # clamped
    assert curation.page_of([], 0, 8) == ([], 0, 1)
    cur = EditedKnowledge.from_base(kb)
    choices = curation.entry_choices(cur, matcher, "how much money will russia give", "en")
    assert {e.id for e in choices} == {e.id for e in kb.entries if e.kind != "smalltalk"}
    assert len(choices) == len({e.id for e in choices})
    ranked = [c.entry.id for c in matcher.rank(matcher.analyzer.analyse("how much money will russia give", "en"))]
    assert choices[0].id == next(i for i in ranked if kb.by_id[i].kind != "smalltalk")


def test_a_new_entry_takes_over_recent_unanswered_questions(kb: KnowledgeBase, matcher: Matcher) -> None:
    cur = EditedKnowledge.from_base(kb)
    data = {"id": "talks_venue_hall", "kind": "fact", "topic": "signing", "gives": ["where"],
            "source": list(kb.by_id["venue"].source),
            "en": {"questions": ["In which hall of the Kremlin were the talks?", "which kremlin hall hosted talks",
                                 "kremlin hall of the talks"], "answer": "The article does not name the hall."},
            "ru": {"questions": ["В каком зале Кремля прошли переговоры?", "зал переговоров в кремле",
                                 "какой зал кремля"], "answer": "В статье зал не назван."}}
    new = cur.apply(curation.new_entry(cur, data))
    rows = [("In which hall of the Kremlin were the talks?", "en")] * 2 + [("who signed the treaty?", "en")]
    taken = curation.taken_over(matcher, Matcher(new.kb), rows, "talks_venue_hall")
    assert [(q.question, q.count) for q in taken] == [("In which hall of the Kremlin were the talks?", 2)]


def test_field_level_diff_says_old_and_new_text(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    changed = cur.apply(curation.replace_answer(cur, "venue", "en", "In Moscow, at the Kremlin."),
                        curation.add_question(cur, "term", "en", "for how many years is it valid"))
    diffs = {i: (mark, changes) for i, mark, changes in curation.entry_diffs(kb, changed.kb)}
    assert diffs["venue"][0] == "~"
    [answer] = diffs["venue"][1]
    assert (answer.field, answer.old, answer.new) == ("en.answer", (kb.by_id["venue"].en.answer,),
                                                      ("In Moscow, at the Kremlin.",))
    [questions] = diffs["term"][1]
    assert questions.is_list and questions.old == () and questions.new == ("for how many years is it valid",)
    text = admin_texts.import_preview_text("edit.toml", curation.entry_diffs(kb, changed.kb), "en", html=False)
    assert "~ venue" in text and "→ “In Moscow, at the Kremlin.”" in text and kb.by_id["venue"].en.answer in text
    assert "+ “for how many years is it valid”" in text
    huge = [(f"e{i}", "~", [curation.FieldChange("en.answer", ("x" * 1500,), ("y" * 1500,))]) for i in range(40)]
    assert len(admin_texts.import_preview_text("big.toml", huge, "en", html=True)) <= 4096


def test_an_import_problem_names_the_uploaded_file(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    bad = kb.by_id["term"].to_dict() | {"topic": "no_such_topic"}
    with pytest.raises(KnowledgeError) as exc:
        curation.import_document(cur, curation.dump_entries([dataclasses.replace(kb.by_id["term"])]).replace(
            f'topic = "{kb.by_id["term"].topic}"', f'topic = "{bad["topic"]}"'), "bad2.toml")
    assert {p.file for p in exc.value.problems} == {"bad2.toml"}


def test_source_and_topic_edits(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    sentences = kb.article.sentences
    assert curation.source_lines(kb, "3, 5-6") == [sentences[2].text, sentences[4].text, sentences[5].text]
    assert curation.source_lines(kb, sentences[0].text) == [sentences[0].text]
    for bad in (f"{len(sentences) + 1}", "Not a sentence of the article.", "  "):
        with pytest.raises(KnowledgeError) as exc:
            curation.source_lines(kb, bad, "venue")
        assert fields(exc) == {"source"}
    moved = cur.apply(curation.replace_source(cur, "venue", [sentences[0].text]))
    assert moved.kb.by_id["venue"].source == (sentences[0].text,)
    other = next(tp.id for tp in kb.topics if tp.id != kb.by_id["venue"].topic)
    assert cur.apply(curation.replace_topic(cur, "venue", other)).kb.by_id["venue"].topic == other
    with pytest.raises(KnowledgeError):
        cur.apply(curation.replace_topic(cur, "venue", "no_such_topic"))


def test_a_new_source_keeps_the_emphasis_only_where_it_still_quotes(kb: KnowledgeBase) -> None:
    cur = EditedKnowledge.from_base(kb)
    entry = next(e for e in kb.entries if e.highlight)
    kept = cur.apply(curation.replace_source(cur, entry.id, entry.source)).kb.by_id[entry.id]
    assert kept.highlight == entry.highlight
    other = next(s.text for s in kb.article.sentences if entry.highlight not in s.text)
    moved = cur.apply(curation.replace_source(cur, entry.id, [other])).kb.by_id[entry.id]
    assert moved.source == (other,) and moved.highlight == ""


def test_history_names_admins_and_every_entry_touched() -> None:
    state = {"deleted": False, "entry": {"id": "a", "en": {"answer": "x"}}}
    changed = {"deleted": False, "entry": {"id": "a", "en": {"answer": "y"}}}
    rows = [
        AuditRecord(3, 0.0, 7, "import", None, json.dumps({"a": state, "b": None}),
                    json.dumps({"a": changed, "b": state})),
        AuditRecord(2, 0.0, 8, "delete", "a", json.dumps({"a": state}), json.dumps({"a": {**state, "deleted": True}})),
        AuditRecord(1, 0.0, 7, curation.history.NAME_ACTION, None, None, "Anna (@anna)"),
    ]
    names = curation.admin_names(rows)
    assert names == {7: "Anna (@anna)"}
    items = curation.history_items(rows, names)
    assert len(items) == 2 and items[0].who == "Anna (@anna) (7)" and items[1].who == "8"
    assert items[0].entry_ids == ("a", "b") and items[0].changes == (("a", ("en.answer",)), ("b", ("+b",)))
    text = admin_texts.history_text(items, "en", html=False)
    assert "Anna (@anna) (7) · import · a: en.answer; +b" in text and "8 · delete · a: deleted" in text


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
