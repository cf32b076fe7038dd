"""``bot.words``: ``find_phrase`` (what a regular-expression alternation of whole-word phrases finds, without
one) and ``tokens``."""

from __future__ import annotations

import re

import pytest

from bot.words import find_phrase, normalise, ordinals, tokens, words

PHRASES = ("how long", "how long ago", "how", "who", "when", "how many", "what", "в каком году", "когда", "кто")


def alternation(text: str) -> tuple[int, str] | None:
    """The reference: the alternation, longest phrases first, words apart by any white space."""
    pattern = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(PHRASES, key=len, reverse=True))
    m = re.search(rf"(?<!\w)(?:{pattern})(?!\w)", text)
    return None if m is None else (m.start(), " ".join(m.group().split()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how long is the treaty valid?", (0, "how long")),
        ("so how long ago was it", (3, "how long ago")),
        ("how   long\tis it", (0, "how long")),  # any white space between the words
        ("how-long is it", (0, "how")),  # a hyphen is not white space: "how" alone
        ("(who signed it?", (1, "who")),  # punctuation before and after a word
        ("whoever signed it", None),  # a phrase is whole words only
        ("somehow when", (8, "when")),
        ("and how many?", (4, "how many")),
        ("what's that", (0, "what")),  # the apostrophe ends the word, as \w does
        ("в каком году подписали", (0, "в каком году")),
        ("а в каком-то году", None),
        ("signed_when", None),  # "_" is a word character
        ("", None),
        ("how long", (0, "how long")),
    ],
)
def test_find_phrase(text: str, expected: tuple[int, str] | None) -> None:
    assert find_phrase(text, frozenset(PHRASES), 3) == expected
    assert alternation(text) == expected


def test_find_phrase_longest_is_a_limit() -> None:
    """``longest`` caps the words tried: a longer phrase is not found, a shorter one at its start is."""
    assert find_phrase("how long ago", frozenset(PHRASES), 2) == (0, "how long")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("the 31st round", ["the", "31", "round"]), ("2nd, 3rd and 4th", ["2", "3", "and", "4"]),
     ("31-й раунд", ["31", "раунд"]), ("в 31-м раунде", ["в", "31", "раунде"]), ("с 2008-го", ["с", "2008"]),
     ("в 2008-2014 годах", ["в", "2008", "2014", "годах"]), ("st petersburg", ["st", "petersburg"]),
     ("the 1 billion", ["the", "1", "billion"]),
     # a range of years with its second year short is the range in full
     ("total cash 2008-14?", ["total", "cash", "2008", "2014"]), ("2008–14", ["2008", "2014"]),
     ("2008\u201014", ["2008", "2014"]), ("2014-08-01", ["2014", "08", "01"])],
)
def test_an_ordinal_in_figures_is_its_number(text: str, expected: list[str]) -> None:
    """"31st", "31-й", "2008-го": the number, as the article writes it, not a word "st" or "го" beside it;
    "2008-14": the years 2008 and 2014."""
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("since '08?", ["since", "2008"]), ("since ’08", ["since", "2008"]), ("since 08", ["since", "2008"]),
     ("в 16м", ["в", "2016"]), ("в 16-м году", ["в", "2016", "году"]),
     ("после войны 08 года", ["после", "войны", "2008", "года"]), ("в 22-м году", ["в", "2022", "году"]),
     # not years: a round, a day, a time, a count, an age or a duration
     ("в 31-м раунде", ["в", "31", "раунде"]), ("18-го марта", ["18", "марта"]), ("at 08:00", ["at", "08", "00"]),
     ("на 22 года", ["на", "22", "года"]), ("в 16 лет", ["в", "16", "лет"]), ("05.03", ["05", "03"])],
)
def test_a_year_written_short_is_the_whole_year(text: str, expected: list[str]) -> None:
    """"since '08", "в 16-м": the year 2008, 2016 the article writes in full; two digits that count are kept."""
    assert tokens(normalise(text)) == expected
    assert words(text) == expected  # the fast reading of a knowledge base agrees


@pytest.mark.parametrize(("text", "found"), [
    ("the 30th round", {"30"}), ("30-й раунд", {"30"}), ("в 31-м раунде", {"31"}), ("2nd and 3rd", {"2", "3"}),
    ("for 25 years", set()), ("1 billion", set()), ("", set()),
])
def test_ordinals_are_the_numbers_written_as_places(text: str, found: set[str]) -> None:
    assert ordinals(text) == found

