"""Typo correction towards the knowledge base's own words (pure core).

``Speller.correct`` guesses the word a misspelt one meant: rapidfuzz OSA distance over the vocabulary
words with the same first letter, the commoner of a tie, and Russian spelled by ear (``sound_key``). Its
tables are made from the vocabulary when it is made; ``bot.analysis.Analyzer`` makes one the first time
a question has a word to correct, so neither an index build nor a start that reads no slip pays for them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.words import CYRILLIC, common_stems, common_words, stem

SHORTHAND = 4  # up to this many letters, a misspelt word is read first as one with letters left out ("whn")
JOINED = 5  # letters at least in two neighbours read as one word (``joined_halves``)
MAX_REMEMBERED = 100_000  # corrections remembered (a word asked again is not looked up again)


class Speller:
    """Corrections towards ``vocab`` (``frequency``: how often the knowledge base uses each word; ``openers``:
    the words that open questions, the only guesses for a three-letter word; ``stopwords``: words that
    are rarely what a longer slip meant)."""

    def __init__(self, vocab: Iterable[str], frequency: Mapping[str, int], openers: Iterable[str],
                 stopwords: frozenset[str]) -> None:
        vocab = sorted(vocab)
        self.frequency, self.stopwords = frequency, stopwords
        self._vocab_by_initial = _by_initial(w for w in vocab if len(w) >= 3)
        # Russian spelled by ear: unstressed о/а and е/и/я sound alike, so "аборона", "дагавор" and
        # "безопастность" are the same words as "оборона", "договор", "безопасность" (see ``sound_key``).
        sounds: dict[str, list[str]] = defaultdict(list)
        for w in vocab:
            if len(w) >= 4 and CYRILLIC.match(w):
                sounds[sound_key(w)].append(w)
        self._sounds = {k: min(v, key=len) for k, v in sounds.items()}
        self._sounds_by_initial = _by_initial(self._sounds)
        self._openers = frozenset(openers)
        self._stop_by_initial = _by_initial(w for w in openers if len(w) >= 3)
        self._remembered: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The knowledge-base word a misspelt ``word`` most likely meant, or None.

        One edit (a swap of neighbours counts as one: "abuot") for words up to six letters, two for longer
        ones ("дагавор"), and the first letter must agree: people rarely mistype it, and requiring it
        keeps "recipe" from becoming "recap". A common English or Russian word is never made another word, but
        for two of its letters swapped ("sing" for "sign", "dose" for "does")."""
        if word in self._remembered:
            return self._remembered[word]
        n = len(word)
        result: str | None = None
        if n == 3 and not word.isdigit():
            # Three letters are too few to guess a content word from, but "wen" is "when".
            pool = self._stop_by_initial.get(word[0], ())
            match = self._nearest(word, pool, 1)
            if match is not None:
                result = match[0]
        elif n >= 4 and not word.isdigit():
            max_d = 1 if n <= 6 else 2
            pool = self._vocab_by_initial.get(word[0], ())
            match = self._nearest(word, pool, max_d)
            # A word two edits from a stop word is more likely another word ("weather", not "whether"),
            # and so is a form of a common word two edits from anything ("shelled", not "sealed"; one edit
            # from a known word, such a form is as often a slip: "singed" for "signed", "путен" for "путин").
            # A four-letter word one letter away from a known one is as likely a real word the knowledge
            # base lacks ("tall", not "talk"); two letters swapped ("sgin") or one missing ("whos") is a slip.
            # Not so towards a word that opens questions: "meny" is no word of its own but "many" mistyped; nor
            # for a word that is no common word of the language ("sigm": "sign").
            short_guess = match is not None and n == len(match[0]) == 4 and sorted(match[0]) != sorted(word) \
                and match[0] not in self._openers and stem(word) in common_stems()
            # A form of a common word one letter from a word of the knowledge base's own (a name, a term of
            # art, slang: "копов") is that common word ("котов"), not a slip for it; a form one letter from
            # another common word, or with two letters swapped, is as often a slip ("singed" for "signed").
            own_word = match is not None and match[1] == 1 and sorted(match[0]) != sorted(word) \
                and stem(word) in common_stems() and match[0] not in common_words()
            if match is not None and not short_guess and not own_word and (
                    match[1] <= 1 or (match[0] not in self.stopwords and stem(word) not in common_stems())):
                result = match[0]
            elif CYRILLIC.match(word):  # a common word's form only as it sounds, no letter more changed
                result = self._sound_alike(word, exact=own_word)
        if result is not None and stem(result) != stem(word) and word in common_words() \
                and sorted(result) != sorted(word):
            # A common word of the language is that word, not a slip for another ("companies" is not
            # "compares", "глаза" not "глава"); another form of the same word ("ministers") is kept.
            result = None
        if len(self._remembered) < MAX_REMEMBERED:
            self._remembered[word] = result
        return result

    def _nearest(self, word: str, pool: Sequence[str], max_d: int) -> tuple[str, int] | None:
        """The word of ``pool`` fewest edits from ``word`` (at most ``max_d``), the commonest of a tie; but
        a short word is shorthand before it is a slip: of a tie, one that only lacks letters it left out
        ("whn" is "when", not "who"; "wher" is "where"). A longer one has a doubled letter as often as a
        missing one ("Puttin" is Putin, not "putting")."""
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=max_d, limit=None)
        if not found:
            return None
        short = len(word) <= SHORTHAND
        best = min(found, key=lambda m: (m[1], short and not _left_out(word, m[0]), -self.frequency.get(m[0], 0),
                                         m[0]))
        return best[0], int(best[1])

    def _sound_alike(self, word: str, exact: bool = False) -> str | None:
        """The vocabulary word a Russian ``word`` sounds like (at most one more edit on the sound keys, none
        when ``exact``)."""
        key = sound_key(word)
        found = self._sounds.get(key)
        if found is None and len(key) >= 5 and not exact:
            pool = self._sounds_by_initial.get(key[0], ())
            match = process.extractOne(key, pool, scorer=OSA.distance, score_cutoff=1)
            found = self._sounds[match[0]] if match is not None else None
        return found


_SOUNDS = str.maketrans({"о": "а", "е": "и", "я": "и", "э": "и", "ы": "и", "ь": None, "ъ": None})
_DOUBLED = re.compile(r"(.)\1+")


def sound_key(word: str) -> str:
    """A Russian word as it sounds unstressed: о→а, е/я/э/ы→и, no soft or hard sign, no doubled letters
    ("таможенными" and "томожеными" share "тамажиними")."""
    return _DOUBLED.sub(r"\1", word.translate(_SOUNDS))


def _left_out(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with some letters left out (its letters in order, fewer of them)."""
    if len(typed) >= len(word):
        return False
    letters = iter(word)
    return all(c in letters for c in typed)


def _by_initial(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Words grouped by their first letter, sorted (typo correction keeps the first letter)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for w in sorted(words):
        groups[w[0]].append(w)
    return {k: tuple(v) for k, v in groups.items()}


def joined_halves(words: Sequence[str], known: Callable[[str], bool]) -> list[str]:
    """``words`` with two neighbours written as one where one of them is no word the knowledge base knows and
    the two together are: a name split by a voice keyboard or a stray space ("тиби лов", "пса ки")."""
    knows = [known(w) for w in words]
    if all(knows):  # (most messages: nothing to join, and no pair looked up)
        return list(words)
    joined: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and not (knows[i] and knows[i + 1]):
            whole = words[i] + words[i + 1]
            if len(whole) >= JOINED and whole.isalpha() and known(whole):
                joined.append(whole)
                i += 2
                continue
        joined.append(words[i])
        i += 1
    return joined
