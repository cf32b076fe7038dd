"""An event an answer says is still to come is no answer to a question that takes it as done (bot/pending.py)."""

from __future__ import annotations

import pytest

from bot.matching import Matcher
from bot.pending import pending, taken_as_done
from bot.words import normalise


def _terms(word: str) -> list[str]:
    """A toy concept table: the ratification's forms are #ratify, every other word itself."""
    return ["#ratify"] if word.startswith(("ratif", "vot", "голос", "проголос", "ратиф")) else [word]


@pytest.mark.parametrize(("answer", "expected"), [
    ("Not yet: the agreement is yet to be ratified by the parliaments.", {"#ratify"}),
    ("The vote has not yet taken place.", {"taken"}),
    ("The agreement was concluded for 25 years.", set()),
])
def test_an_answer_names_what_is_still_to_come(answer: str, expected: set[str]) -> None:
    assert pending(answer, _terms) == expected


@pytest.mark.parametrize(("question", "done"), [
    ("Who voted for ratifying it?", True),
    ("How did the Duma vote on the treaty?", True),
    ("which parliament ratified it first", True),
    ("so what was the vote count?", True),
    ("Кто из депутатов голосовал за ратификацию?", True),
    ("Как проголосовали депутаты Госдумы?", True),
    ("Has the treaty been ratified yet?", False),  # asks whether, which the answer says
    ("did any MPs vote against it", False),
    ("парламенты уже ратифицировали договор?", False),
    ("Who has to ratify it?", False),  # not as done
    ("когда его ратифицируют?", False),
])
def test_a_question_asking_more_than_whether_takes_a_past_event_as_done(question: str, done: bool) -> None:
    assert ("#ratify" in taken_as_done(normalise(question), _terms)) is done


@pytest.mark.parametrize("question", [
    "How did the State Duma vote on the agreement?",
    "Which of the two parliaments ratified it first?",
    "what was the vote like in the Ossetian parliament",
    "Кто голосовал против ратификации?",
    "Как проголосовал парламент Южной Осетии?",
])
def test_details_of_a_ratification_still_to_come_are_a_near_miss(matcher: Matcher, question: str) -> None:
    outcome = matcher.match(question)
    assert (outcome.status, outcome.reason) == ("unknown", "gap")
    assert outcome.gap is not None and outcome.gap.topic == "status"


@pytest.mark.parametrize("question", [
    "Has the agreement been ratified?",
    "did the parliaments approve it already?",
    "Госдума уже одобрила договор?",
])
def test_whether_it_happened_is_still_answered_not_yet(matcher: Matcher, question: str) -> None:
    outcome = matcher.match(question)
    assert outcome.status == "answered"
    assert outcome.entry is not None and outcome.entry.id == "ratification"
