"""The closest curated question (bot/closest.py): one batched rapidfuzz call gives what comparing each
question in turn gave."""

from __future__ import annotations

import random

from rapidfuzz import fuzz

from bot.closest import Asked, closest_question


def _one_by_one(asked: Asked, weights: dict[str, float], qtext: str) -> tuple[float, float]:
    """The reference: each shared question in order, rapidfuzz where it can still change the result."""
    shared: dict[int, float] = {}
    for t, w in weights.items():
        for qi in asked.having.get(t, ()):
            shared[qi] = shared.get(qi, 0.0) + w
    best_cov = best_fuzz = 0.0
    for qi in sorted(shared):
        cov = shared[qi] / asked.weights[qi]
        best_cov = max(best_cov, cov)
        if cov * 2 >= best_cov:
            best_fuzz = max(best_fuzz, fuzz.token_sort_ratio(qtext, asked.texts[qi]) / 100.0)
    return best_cov, best_fuzz


def _asked(questions: list[tuple[str, ...]], idf: dict[str, float]) -> Asked:
    having: dict[str, list[int]] = {}
    for qi, terms in enumerate(questions):
        for t in terms:
            having.setdefault(t, []).append(qi)
    return Asked(tuple(questions), tuple(sum(idf[t] for t in q) for q in questions),
                 {t: tuple(v) for t, v in having.items()}, tuple(" ".join(q) for q in questions))


def test_batched_similarity_equals_the_question_by_question_one() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(30)]
    idf = {w: rng.uniform(0.5, 4.0) for w in vocab}
    for _ in range(300):
        questions = [tuple(sorted(set(rng.sample(vocab, rng.randint(1, 6))))) for _ in range(rng.randint(1, 12))]
        asked = _asked(questions, idf)
        user = sorted(set(rng.sample(vocab, rng.randint(1, 5))))
        weights = {t: idf[t] for t in user}
        qtext = " ".join(user)
        assert closest_question(asked, weights, qtext) == _one_by_one(asked, weights, qtext)


def test_no_shared_term_means_nothing_close() -> None:
    asked = _asked([("a", "b")], {"a": 1.0, "b": 1.0, "c": 1.0})
    assert closest_question(asked, {"c": 1.0}, "c") == (0.0, 0.0)
