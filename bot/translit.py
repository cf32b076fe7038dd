"""Russian typed in Latin letters (pure): "kto podpisal dogovor s osetiej?" read as "кто подписал договор с осетией?".

People without a Cyrillic keyboard (a phone abroad, a work computer) write Russian in Latin letters, each in
their own spelling: "yuzhnoy" or "juzhnoj", "ratificirovan" or "ratifitsirovan", "skolko" or "skol'ko". A
message is read as such when more of its words are Russian once spelt back in Cyrillic than are English
(``cyrillic_reading``): a word counts as known when it, or its stem, is a common word or one the knowledge
base uses. Names count for neither ("putin" is both), and short words ("na", "to", "on") for neither; at least
half the words counted must be Russian ones (letters typed at random make a few by chance); a letter outside plain
Latin ("é", "ñ", "ł") says it is another language. Only the first ``MAX_QUESTION_CHARS`` are read, as the matcher
reads them. The reply is then in Russian.

Each word is spelt back letter group by letter group (``SPELLINGS``); where a spelling is ambiguous (a first
"e" is "е" or "э", "ts" is "ц" or "тс", a soft sign left out) the variants are tried in order and the first
known one is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import product

from bot.words import MAX_QUESTION_CHARS

# Letter groups, longest first; "y" and "j" before a vowel are a soft vowel ("ya" я, "ju" ю).
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"),
    ("ya", "я"), ("yu", "ю"), ("yo", "е"), ("ye", "е"), ("ja", "я"), ("ju", "ю"), ("jo", "е"), ("je", "е"),
    ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"),
    ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"),
    ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("z", "з"), ("'", "ь"),
)
_VOWELS = frozenset("аеиоуыэюяй")
_SOFTENED = frozenset("лнтсдзрм")  # consonants a left-out soft sign often follows ("skolko", "sem")
MIN_COUNTED = 3  # shorter words ("na", "to", "on") are both languages' and count for neither
MAX_VARIANTS = 8
_WORD = re.compile(r"(?<![@/\w'])[a-z][a-z']*", re.IGNORECASE)
# A letter of neither plain Latin nor Cyrillic ("é", "ñ", "ł"): the message is not Russian typed in Latin
# letters. (Cyrillic words may be among the Latin ones: "dokument uzhe deistvuet? ili ego eshe должны одобрить".)
_NOT_PLAIN_LATIN = re.compile(r"(?![a-zA-Z\u0400-\u04ff])[^\W\d_]")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


@lru_cache(maxsize=4096)
def spellings(word: str) -> tuple[str, ...]:
    """The Cyrillic spellings of a lower-case Latin ``word``, likeliest first (at most ``MAX_VARIANTS``)."""
    choices: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        group, letters = next(((g, c) for g, c in SPELLINGS if word.startswith(g, i)), (word[i], word[i]))
        if group == "y":  # after a vowel "й" ("moy", "rossiyskoy"); after a consonant "ы" ("storony")
            letters = "й" if choices and choices[-1][0][-1:] in _VOWELS else "ы"
        options: tuple[str, ...] = (letters,)
        if group == "e" and i == 0:
            options = ("е", "э")
        elif group == "t" and word.startswith("ts", i):  # "ts": "ц" ("ratifitsirovan"), or "тс" ("prezidentskiy")
            group, options = "ts", ("ц", "тс")
        choices.append(options)
        i += len(group)
    base = ["".join(p) for p in product(*choices)][:MAX_VARIANTS]
    soft = [v[:k] + "ь" + v[k:] for v in base[:1] for k in range(1, len(v) + 1)
            if v[k - 1] in _SOFTENED and (k == len(v) or v[k] not in _VOWELS)]
    return tuple(dict.fromkeys(base + soft))[:MAX_VARIANTS * 2]


def cyrillic_reading(text: str, known: Callable[[str], bool]) -> str | None:
    """``text`` spelt in Cyrillic when it is Russian typed in Latin letters (see the module), else None.
    ``known(word)``: whether a lower-case word (either script) is a common word or the knowledge base's."""
    text = text[:MAX_QUESTION_CHARS]  # as much as the matcher reads
    if _NOT_PLAIN_LATIN.search(text):  # French, Spanish, Polish...
        return None
    words = [w for w in map(str.lower, _WORD.findall(text)) if len(w) >= MIN_COUNTED]
    english_known = [known(w) for w in words]
    if len(words) - sum(english_known) < 2:  # fewer than two words that may be Russian only (most messages)
        return None
    russian = english = both = 0
    for word, is_english in zip(words, english_known, strict=True):
        is_russian = any(known(v) for v in spellings(word))
        russian += is_russian and not is_english
        english += is_english and not is_russian
        both += is_english and is_russian  # a name, "pro", "krym": either language's
    # (half the words of either language only, not letters at random that happen to read as Russian)
    russian += len(_CYRILLIC_WORD.findall(text))  # the words already in Cyrillic are Russian
    if russian < 2 or russian <= english or russian * 2 < len(words) - both:
        return None
    return _WORD.sub(lambda m: _spelt(m.group(), known), text)


def _spelt(word: str, known: Callable[[str], bool]) -> str:
    lower = word.lower()
    variants = spellings(lower)
    chosen = next((v for v in variants if known(v)), variants[0])
    return chosen.capitalize() if word[:1].isupper() else chosen
