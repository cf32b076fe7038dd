"""Words as the matcher reads them (pure): normalised text, tokens, Snowball stems, the script's language.

Shared by the analysis of questions (``bot.analysis``) and the checks of the lexicon (``bot.lexicon``), which
the knowledge base imports: so this module imports neither.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import Stemmer

from bot.folding import fold

MAX_QUESTION_CHARS = 1000  # longer messages are cut before matching (the reply says nothing of it)

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "`": "'",
                         "–": "-", "—": "-", "‑": "-", "−": "-", "ё": "е", "Ё": "Е"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufff9-\ufffb]")
_COMBINING = re.compile(r"[\u0300-\u0305\u0307-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LEADING_ADDRESS = re.compile(r"^\s*(?:/ask(?:@\w+)?|@\w+)[\s,:;.!?-]*", re.IGNORECASE)
TOKEN = re.compile(r"\d+|[^\W\d_]+(?:'[^\W\d_]+)?")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")
SENTENCE_END = re.compile(r"[.!?…]\s*$")


def normalise(text: str) -> str:
    """Text as the matcher sees it: one line, no invisible characters, no leading address, casefolded."""
    text = text[:MAX_QUESTION_CHARS]
    if not text.isascii():  # NFKC and the invisible characters concern non-ASCII text only
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _CONTROL.sub(" ", text)
    if not text.isascii():
        # Drop combining accents ("café" -> "cafe", "ё" -> "е") but keep the breve of "й".
        text = unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
        text = text.translate(_QUOTES)
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return fold(text)


def strip_address(text: str) -> str:
    """The message without a leading ``@botname`` or ``/ask`` (original case kept)."""
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            return text.strip()
        text = stripped


def detect_language(text: str) -> str | None:
    """``ru`` when the text has Cyrillic letters, ``en`` when it has Latin ones, else None."""
    if CYRILLIC.search(text):
        return "ru"
    if _LATIN.search(text):
        return "en"
    return None


_STEMMERS = {"en": Stemmer.Stemmer("english"), "ru": Stemmer.Stemmer("russian")}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word, in the stemmer its script calls for (interned: a large
    knowledge base holds each stem once)."""
    if word.isdigit():
        return word
    lang = "ru" if CYRILLIC.search(word) else "en"
    return sys.intern(str(_STEMMERS[lang].stemWord(word)))


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)
