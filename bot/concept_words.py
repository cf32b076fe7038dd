"""The lexicon's concept words as the analyzer looks them up (pure): by form, by stem, as phrases.

A stem stands for every word that shares it, which is right for the forms of one word ("treaties",
"signed") and wrong when the stemmer cuts a derived word down to another word: "nationality" (of
citizenship) to "nation", "important" to "import", "effective" to "effect". So when a listed English
word is its stem, itself a common word that the concept does not list, plus a suffix that derives a new
word (not "s", "ed", "ing"), the stem stands for the concept only in words that keep that suffix:
"nationalities" is citizenship, "the two nations" is not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import NamedTuple

from bot.lexicon import Lexicon
from bot.words import CYRILLIC, common_words, normalise, stem, tokens

INFLECTIONS = frozenset({"s", "es", "d", "ed", "ing"})  # endings that make a form of the same word


class ConceptWords(NamedTuple):
    single: dict[str, str]  # stem -> concept
    forms: dict[str, str]  # a listed form whose stem two concepts share -> the concept that lists it
    phrases: dict[str, list[tuple[tuple[str, ...], str]]]  # a phrase's first stem -> (its stems, concept or "")
    derived: dict[str, tuple[str, ...]]  # a stem that stands for its concept only in words with these openings


def concept_words(lex: Lexicon) -> ConceptWords:
    """The lexicon's concept words as the analyzer looks them up: stem -> concept; the listed forms whose stem
    two concepts share ("продлится", will last, of #term; "продлен", extended, of #renewal: the form as listed
    decides, and the stem's other forms go to the concept listing most of them); a phrase's first stem ->
    (its stems, concept), longest first; and the stems of derived words (see the module docstring)."""
    listed: defaultdict[str, Counter[str]] = defaultdict(Counter)  # stem -> concepts listing a form of it
    forms: dict[str, str] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    openings: defaultdict[str, set[str]] = defaultdict(set)  # stem -> how its derived listed words open
    inflected: set[str] = set()  # stems some listed word is, or is a form of
    common = common_words()
    for concept in lex.concepts:
        cid = f"#{concept.id}"
        for word in concept.words:
            stems = tuple(stem(t) for t in tokens(normalise(word)))
            if len(stems) == 1:
                # A contraction ("who's") is read as written: its stem ("who") is another word.
                (only,) = tokens(normalise(word))
                key = only if "'" in only else stems[0]
                listed[key][cid] += 1
                forms.setdefault(only, cid)
                suffix = only[len(key):] if only.startswith(key) else ""
                if suffix and suffix not in INFLECTIONS and key in common and not CYRILLIC.search(only):
                    openings[key].add(only[: len(key) + 1])
                else:
                    inflected.add(key)
            elif stems:
                phrases[stems[0]].append((stems, cid))
    # A stop word of several words ("in terms of", "в плане") frames what follows: a phrase of no concept,
    # so that its words are not read as concepts ("term", "plan") or content.
    for word in sorted(w for words in lex.stopwords.values() for w in words if " " in w):
        stems = tuple(stem(t) for t in tokens(normalise(word)))
        if len(stems) > 1:
            phrases[stems[0]].append((stems, ""))
    for items in phrases.values():
        items.sort(key=lambda p: -len(p[0]))
    single = {key: by_concept.most_common(1)[0][0] for key, by_concept in listed.items()}
    shared = {w: cid for w, cid in forms.items() if len(listed[stem(w)]) > 1}
    derived = {key: tuple(sorted(found)) for key, found in openings.items() if key not in inflected}
    return ConceptWords(single, shared, phrases, derived)
