"""Small talk (pure): whether a whole message is a greeting, thanks, an acknowledgement, a goodbye...

The small-talk entries of the knowledge base (``kind = "smalltalk"``) list their phrases as curated
questions. A message is small talk when its words are one of those phrases (or within a typo of one,
for a short message), or when each part of a short message (between commas, question or exclamation marks,
sentences) is small talk or says nothing
("ok, got it, thanks"); the last such part's entry answers. A part with anything else in it ("thanks,
who signed it?") makes the message a question, and the matcher reads it as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from bot.analysis import Analysis
from bot.knowledge import Entry

SMALL_TALK_SIMILARITY = 90  # a message this close (0-100) to a small-talk phrase is small talk
SMALL_TALK_MAX_WORDS = 6
MAX_SMALL_TALK_PARTS = 3  # "ok, got it, thanks": a message of up to this many small-talk parts is small talk
_PARTS = re.compile(r"[,;?!]+|\.+\s")  # "hi! are you there?" is two parts, each small talk


class SmallTalk:
    """The small-talk entries with their phrases (normalised terms joined), and how a message reads."""

    def __init__(self, talkers: Sequence[tuple[Entry, frozenset[str]]], analyse: Callable[[str, str | None], Analysis]):
        self.talkers = talkers
        self.analyse = analyse
        self.vocabulary = frozenset(w for _, phrases in talkers for p in phrases for w in p.split())

    def find(self, a: Analysis) -> Entry | None:
        """The small-talk entry ``a`` is, or None (see the module)."""
        found = self._phrase(a)
        parts = [p for p in _PARTS.split(a.text) if p.strip()]
        if found is not None or not 1 < len(parts) <= MAX_SMALL_TALK_PARTS:
            return found
        for part in parts:
            r = self.analyse(part, a.lang)
            talk = self._phrase(r)
            if talk is None and (r.terms or r.unknown or r.qtype):
                return None  # a part with something to ask about ("а когда?" asks when)
            found = talk or found  # a part with no content words ("ok") is neither
        return found

    def _phrase(self, a: Analysis) -> Entry | None:
        key = " ".join(a.all_terms)
        if not key:
            return None
        short = len(a.text.split()) <= SMALL_TALK_MAX_WORDS
        keys = [key]
        # without the words no phrase has, when all it names is small talk's and two words are left: "ты
        # *вообще* кто?" (a filler; not "салют *был*?", fireworks)
        if short and not a.unknown and self.vocabulary.issuperset(a.terms):
            reduced = [t for t in a.all_terms if t in self.vocabulary]
            keys += [" ".join(reduced)] if len(a.all_terms) > len(reduced) >= 2 else []
        for entry, phrases in self.talkers:
            if any(k in phrases or (short and process.extractOne(
                    k, phrases, scorer=fuzz.ratio, score_cutoff=SMALL_TALK_SIMILARITY)) for k in keys):
                return entry
        return None
