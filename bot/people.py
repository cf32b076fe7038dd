"""Who a follow-up's "he", "she" or "она" means (pure): the people an earlier exchange was about.

The people are the lexicon's person concepts; a person pronoun points back only to a person of its gender
(the concept's ``gender``, the lexicon's ``[female_pronouns]`` and ``[male_pronouns]``), so "what is her
role?" after an answer naming Peskov and Psaki is about her.
"""

from __future__ import annotations

from bot.matching import Matcher
from bot.words import tokens


class People:
    """The person concepts of a knowledge base, and who a pronoun may mean after an exchange."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        lex = matcher.kb.lexicon
        self.ids = frozenset(f"#{c.id}" for c in lex.concepts if c.person)
        self.gender = matcher.analyzer.gender
        self.gendered = (("female", lex.female_pronouns), ("male", lex.male_pronouns))
        # (entry id, gender, several) -> the one person (of that gender) its answer names, or all that fit
        self._of_entry: dict[tuple[str, str | None, bool], list[str]] = {}

    def gender_of(self, text: str) -> str | None:
        """"female" for "she"/"она", "male" for "he"/"он", None for neither or both."""
        words = set(tokens(text))
        found = [gender for gender, pronouns in self.gendered if not pronouns.isdisjoint(words)]
        return found[0] if len(found) == 1 else None

    def fits(self, person: str, gender: str | None) -> bool:
        return gender is None or self.gender.get(person) in (None, gender)

    def of(self, asked: tuple[str, ...], entry_id: str, lang: str, gender: str | None = None,
           several: bool = False) -> list[str]:
        """The people an exchange was about: named in its question (``asked``, its terms), else the one its
        answer names ("Who called it a big step?" -> Putin, so a following "what's his position?" means him);
        of ``gender`` when the pronoun has one. ``several``: all that fit when the answer names more than one
        ("he" after the two signatories)."""
        persons = [p for p in sorted(self.ids.intersection(asked)) if self.fits(p, gender)]
        if persons:
            return persons
        key = (entry_id, gender, several)
        found = self._of_entry.get(key)
        if found is None:
            found = self._of_entry[key] = self._of_entry_answer(entry_id, lang, gender, several)
        if len(found) < 2:
            return found
        # Of several its answer names, the one who speaks for a side the question named ("who signed for South
        # Ossetia?": Tibilov, though the answer names Putin too)
        voices = self.matcher.analyzer.voices
        sides = [p for p in found if not voices.get(p, frozenset()).difference({p}).isdisjoint(asked)]
        return sides if len(sides) == 1 else found

    def named_by(self, entry_id: str, lang: str) -> list[str]:
        """The people an entry's title and answer name, in the order named."""
        entry = self.matcher.kb.by_id[entry_id]
        terms = self.matcher.analyzer.analyse(f"{entry.title(lang)} {entry.block(lang).answer}", lang).terms
        return [t for t in dict.fromkeys(terms) if t in self.ids]

    def _of_entry_answer(self, entry_id: str, lang: str, gender: str | None, several: bool) -> list[str]:
        """The one person (of ``gender``) an entry is about: the only one its title and answer name, else the
        only person among its tags (Peskov's reply names the presidents too; its tags name him)."""
        named = [p for p in sorted(self.named_by(entry_id, lang)) if self.fits(p, gender)]
        if len(named) <= 1:
            return named
        entry = self.matcher.kb.by_id[entry_id]
        tagged = [p for p in sorted(self.ids.intersection(f"#{tag}" for tag in entry.tags)) if self.fits(p, gender)]
        if len(tagged) == 1:
            return tagged
        # "she" after an answer naming two women: either may be meant, not a man
        return named if several and gender is not None else []
