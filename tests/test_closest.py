"""The closest curated question (bot/closest.py): read from the index's flat arrays, batched and kept, it
gives what comparing each question in turn gives."""

from __future__ import annotations

import random

from rapidfuzz import fuzz

from bot.closest import Closest, CuratedQuestions


def _one_by_one(questions: list[tuple[str, ...]], idf: dict[str, float], weights: dict[str, float],
                qtext: str, about: frozenset[str] = frozenset()) -> Closest:
    """The reference: each question that shares a term, in order, rapidfuzz's token-sorted similarity where
    it can still change the result; the people the entry is about (``about``) that the user names are in
    every question, weighing what they weigh in the user's question."""
    best_cov = best_fuzz = 0.0
    named = {t for t in about if t in weights}
    for q in questions:
        unique = set(q)
        added = named - unique
        shared = sum(w for t, w in weights.items() if t in unique or t in added)
        if not shared:
            continue
        cov = shared / ((sum(idf[t] for t in unique) or 1.0) + sum(weights[t] for t in added))
        best_cov = max(best_cov, cov)
        if cov * 2 >= best_cov:
            best_fuzz = max(best_fuzz, fuzz.token_sort_ratio(qtext, " ".join(sorted(unique))) / 100.0)
    has_all = any(all(t in q or t in named for t in weights) for q in questions)
    return Closest(best_cov, best_fuzz, has_all)


def _flat(entries: list[list[tuple[str, ...]]], terms: list[str]) -> tuple[list[int], list[int], list[int]]:
    """Questions as term numbers one after another, where each question starts, where each entry's do."""
    number = {t: k for k, t in enumerate(terms)}
    question_terms: list[int] = []
    question_starts = [0]
    entry_starts = [0]
    for questions in entries:
        for q in questions:
            question_terms.extend(number[t] for t in q)
            question_starts.append(len(question_terms))
        entry_starts.append(len(question_starts) - 1)
    return question_terms, question_starts, entry_starts


def test_closest_question_equals_the_question_by_question_one() -> None:
    rng = random.Random(3)
    vocab = [f"w{i:02d}" for i in range(30)]
    idf = {w: rng.uniform(0.5, 4.0) for w in vocab}
    entries = [[tuple(rng.choices(vocab, k=rng.randint(1, 6))) for _ in range(rng.randint(1, 12))]
               for _ in range(60)]  # a term may repeat within a question: it counts once
    curated = CuratedQuestions(vocab, *_flat(entries, vocab), idf)
    for _ in range(600):  # entries met again read from what was kept
        i = rng.randrange(len(entries))
        user = sorted(set(rng.sample(vocab, rng.randint(1, 5))))
        weights = {t: idf[t] * rng.choice((1.0, 0.5)) for t in user}  # a corrected word weighs less
        qtext = " ".join(user)
        about = frozenset(rng.sample(vocab, rng.choice((0, 0, 1, 2))))  # the people the entry is about
        found = curated.closest(i, weights, qtext, about)
        expected = _one_by_one(entries[i], idf, weights, qtext, about)
        assert found.coverage == expected.coverage or abs(found.coverage - expected.coverage) < 1e-12
        assert (found.similarity, found.has_all) == (expected.similarity, expected.has_all)


def test_no_shared_term_means_nothing_close() -> None:
    terms = ["a", "b", "c"]
    curated = CuratedQuestions(terms, *_flat([[("a", "b")]], terms), dict.fromkeys(terms, 1.0))
    assert curated.closest(0, {"c": 1.0}, "c") == Closest(0.0, 0.0, False)
    assert curated.closest(0, {"a": 1.0, "b": 1.0}, "a b") == Closest(1.0, 1.0, True)


def test_the_people_an_entry_is_about_are_in_each_of_its_questions() -> None:
    """"What anniversary did Tibilov mention?" and an entry about his words whose questions name the
    anniversary or him, never both: one question has both, as it is asked of him."""
    terms = ["anniversary", "coincide", "tibilov", "crimea"]
    curated = CuratedQuestions(terms, *_flat([[("anniversary", "coincide"), ("tibilov", "crimea")]], terms),
                               dict.fromkeys(terms, 1.0))
    weights = {"anniversary": 1.0, "tibilov": 1.0}
    assert curated.closest(0, weights, "anniversary tibilov").coverage == 0.5
    about = curated.closest(0, weights, "anniversary tibilov", frozenset({"tibilov"}))
    assert about.coverage == 2 / 3 and about.has_all
