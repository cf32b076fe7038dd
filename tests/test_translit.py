"""Russian typed in Latin letters (bot/translit.py): spelt back in Cyrillic, and answered in Russian."""

from __future__ import annotations

import pytest

from bot.conversation import Conversation
from bot.matching import Matcher
from bot.translit import cyrillic_reading, spellings
from bot.words import MAX_QUESTION_CHARS

# A small vocabulary of both scripts, as ``known`` sees the knowledge base's words and the common ones.
KNOWN = frozenset({
    "кто", "подписал", "договор", "южной", "осетией", "сколько", "лет", "это", "президентский", "уже",
    "who", "signed", "the", "treaty", "putin", "путин", "what", "did", "say", "sud", "суд",
})


@pytest.mark.parametrize(("latin", "cyrillic"), [
    ("yuzhnoy", "южной"),  # "yu" is one letter; "y" after a vowel is "й"
    ("juzhnoj", "южной"),  # the other spelling of both
    ("rossiyskoy", "российской"),
    ("storony", "стороны"),  # "y" after a consonant is "ы"
    ("podpisyval", "подписывал"),
    ("ratificirovan", "ратифицирован"),  # "c" is "ц"
    ("ratifitsirovan", "ратифицирован"),  # ... and so is "ts"
    ("prezidentskiy", "президентский"),  # ... unless it is "т" and "с"
    ("skolko", "сколько"),  # a soft sign left out
    ("skol'ko", "сколько"),  # ... or written as an apostrophe
    ("eto", "это"),  # a first "e" may be "э"
    ("shchas", "щас"),
    ("khorosho", "хорошо"),
])
def test_a_latin_spelling_has_its_cyrillic_word_among_its_variants(latin: str, cyrillic: str) -> None:
    assert cyrillic in spellings(latin)


def test_the_plain_spelling_comes_first() -> None:
    assert spellings("dogovor")[0] == "договор"
    assert spellings("kto")[0] == "кто"


@pytest.mark.parametrize(("text", "expected"), [
    ("kto podpisal dogovor?", "кто подписал договор?"),
    ("Kto podpisal dogovor s yuzhnoy osetiej?", "Кто подписал договор с южной осетией?"),
    ("@TreatyBot skolko let?", "@TreatyBot сколько лет?"),  # the address stays as written
    ("Putin eto podpisal?", "Путин это подписал?"),  # a name is spelt back too; capitals kept
    ("kto podpisal: putin, sud, putin?", "кто подписал: путин, суд, путин?"),  # words of both scripts: neither side
])
def test_russian_in_latin_letters_is_spelt_back(text: str, expected: str) -> None:
    assert cyrillic_reading(text, KNOWN.__contains__) == expected


@pytest.mark.parametrize("text", [
    "who signed the treaty?",  # English
    "what did putin say",
    "kto?",  # one word is not enough to tell
    "кто подписал договор?",  # already Cyrillic
    "Qui a signé le traité du sud ?",  # accented letters: another language
    "sud sud treaty",  # Russian words no more than English ones... "sud" is both
    "kto dogovor qwz xkcd plmb trvw",  # letters at random: two Russian words by chance among many of neither
    "",
    "🙂🙂",
])
def test_other_messages_are_left_as_written(text: str) -> None:
    assert cyrillic_reading(text, KNOWN.__contains__) is None


@pytest.mark.parametrize(("message", "entry_id"), [
    ("kto podpisal dogovor s osetiej?", "signatories"),
    ("dogovor s osetiei na skolko let?", "term"),
    ("dogovor uzhe ratificirovan?", "ratification"),
    ("dogovor uzhe deistvuet? ili ego eshe должны одобрить депутаты", "ratification"),  # some words in Cyrillic
])
def test_russian_in_latin_letters_is_answered_in_russian(matcher: Matcher, message: str, entry_id: str) -> None:
    outcome = Conversation(matcher).answer(message, fallback_lang="en")
    assert outcome.status == "answered"
    assert outcome.entry is not None and outcome.entry.id == entry_id
    assert outcome.lang == "ru"


def test_a_message_in_another_latin_language_still_gets_the_language_note(matcher: Matcher) -> None:
    outcome = Conversation(matcher).answer("¿Por cuántos años es válido el acuerdo entre Rusia y Osetia?")
    assert outcome.reason == "other_language"


def test_only_as_much_as_the_matcher_reads_is_spelt_back() -> None:
    reading = cyrillic_reading("kto podpisal dogovor " * 5000, KNOWN.__contains__)
    assert reading is not None and len(reading) <= MAX_QUESTION_CHARS
