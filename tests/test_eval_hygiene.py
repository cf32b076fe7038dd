"""Guard: no question of an eval set is in the knowledge base, verbatim or nearly (the sets measure
wordings nobody curated; a copied question would measure the copy)."""

from __future__ import annotations

import json
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.knowledge import KnowledgeBase
from bot.matching import normalise

DATA = Path(__file__).resolve().parent / "data"
NEAR_COPY = 95  # rapidfuzz ratio of the normalised texts at or above which a question is a near copy


def _eval_questions() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            turns = item.get("turns") or [item]
            found += [(f"{path.name}:{item['id']}", turn["question"]) for turn in turns]
    return found


def test_no_eval_question_is_curated(kb: KnowledgeBase) -> None:
    # An entry's title ("Who is Jen Psaki?") is the obvious wording of its question, which an eval writer
    # arrives at too; every other curated question must not be an eval question.
    curated = [normalise(q) for e in kb.entries for lang in ("en", "ru") for q in e.block(lang).questions[1:]]
    curated += [normalise(w) for c in kb.lexicon.concepts for w in c.words if len(w.split()) >= 4]
    copies = []
    for where, question in _eval_questions():
        text = normalise(question)
        if len(text.split()) < 4:  # "who signed it?" is everybody's wording, not a copy
            continue
        hit = process.extractOne(text, curated, scorer=fuzz.ratio, score_cutoff=NEAR_COPY)
        if hit is not None:
            copies.append(f"{where}: {question!r} ~ {hit[0]!r}")
    assert not copies, "\n".join(copies)
