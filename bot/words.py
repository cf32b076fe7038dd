"""Words as the matcher reads them (pure): normalised text, tokens, Snowball stems, the script's language
(and whether a message is in a language the bot does not answer in: ``other_language``); ``find_phrase``;
and ``words`` of many texts at once, equal to ``tokens(normalise(text))`` and several times faster for plain
text: a list per text (``words_of_texts``), or one list of them all, each text's ended (``flat_words``: an
index build reads every text of a knowledge base, ``bot.indexing``).

Shared by the analysis of questions (``bot.analysis``) and the checks of the lexicon (``bot.lexicon``), which
the knowledge base imports: so this module imports neither.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Container, Sequence
from functools import cache, lru_cache

import Stemmer

from bot.folding import fold

MAX_QUESTION_CHARS = 1000  # longer messages are cut before matching (the reply says nothing of it)

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'", "`": "'",
                         "–": "-", "—": "-", "‑": "-", "−": "-", "ё": "е", "Ё": "Е"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufff9-\ufffb]")
_COMBINING = re.compile(r"[\u0300-\u0305\u0307-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Money signs as words: "$$" is money in chat ("did he promise more $$?"), one sign its currency ("$5", "₽", "€")
_MONEY_SIGNS = re.compile(r"\${2,}|[$₽€]")
_SIGN_WORDS = {"$": " dollars ", "₽": " rubles ", "€": " euros "}
_BEFORE = re.compile(r"\bb4\b", re.IGNORECASE)  # chat's "b4" is "before" (its "4" is no number)
_MENTION = re.compile(r"(?<![\w.@])@[a-zA-Z]\w{3,31}(?!\w)")  # a Telegram username (5-32 characters)
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
    if "4" in text:
        text = _BEFORE.sub("before", text)
    if ("$" in text or "₽" in text or "€" in text) and any(c.isalpha() for c in text):  # (signs alone ask nothing)
        text = _MONEY_SIGNS.sub(lambda m: _SIGN_WORDS.get(m.group(), " money "), text)
    if not text.isascii():
        # Drop combining accents ("café" -> "cafe", "ё" -> "е") but keep the breve of "й".
        text = unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
        text = text.translate(_QUOTES)
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    if "@" in text:  # a username anywhere ("hey @some_bot, which city?") addresses someone, it asks nothing
        text = _MENTION.sub(" ", text)
    return fold(text)


def strip_address(text: str) -> str:
    """The message without a leading ``@botname`` or ``/ask`` (original case kept)."""
    while True:
        stripped = _LEADING_ADDRESS.sub("", text, count=1)
        if stripped == text:
            return text.strip()
        text = stripped


_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
_LATIN_WORD = re.compile(r"[a-zA-Z]+")


def detect_language(text: str) -> str | None:
    """The language of most of the text's words: ``ru`` for Cyrillic ones (a tie too: "Putin и Тибилов"),
    ``en`` for Latin ones ("tibilov called russia their only... гарант or smth?"); None with neither."""
    if not CYRILLIC.search(text):
        return "en" if _LATIN.search(text) else None
    text = text[:MAX_QUESTION_CHARS]
    return "en" if len(_LATIN_WORD.findall(text)) > len(_CYRILLIC_WORD.findall(text)) else "ru"


# Without PyStemmer's own cache (``stem`` keeps one): keeping its 10,000 words costs more than stemming
# once the words of a large knowledge base overflow it, about 12,000 instructions a word against 5,000.
_STEMMERS = {"en": Stemmer.Stemmer("english", maxCacheSize=0), "ru": Stemmer.Stemmer("russian", maxCacheSize=0)}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word, in the stemmer its script calls for (interned: a large
    knowledge base holds each stem once)."""
    if word.isdigit():
        return word
    lang = "ru" if not word.isascii() and CYRILLIC.search(word) else "en"
    return sys.intern(str(_STEMMERS[lang].stemWord(word)))


# The ending of an ordinal written in figures ("31st", "2nd", "31-й", "31-го"): the number is the word.
_ORDINAL_SUFFIX = r"[-‐‑–—]?(?:st|nd|rd|th|й|я|е|го|му|м|ом|ой|ым|ых|х)(?![^\W\d_])"
_ORDINAL_END = re.compile(rf"(?<=\d){_ORDINAL_SUFFIX}", re.IGNORECASE)
_ORDINAL = re.compile(rf"(\d+)(?={_ORDINAL_SUFFIX})", re.IGNORECASE)  # the number of one
_DIGIT = re.compile(r"\d")  # what both patterns need (one search for it, not a loop over the characters)


def ordinals(text: str) -> frozenset[str]:
    """The numbers ``text`` writes as ordinals ("the 30th round", "30-й раунд"): a place in a series, no amount."""
    return frozenset(_ORDINAL.findall(text)) if _DIGIT.search(text) else frozenset()


# A range of years whose second year is written short ("2008-14", "2008–14"): its second year whole.
_DASHES = "-‐‑–—"
_SHORT_RANGE = re.compile(rf"(?<!\d)((19|20)\d\d)([{_DASHES}])(\d\d)(?!\d)")


def _whole_range(m: re.Match[str]) -> str:
    return f"{m[1]}{m[3]}{m[2]}{m[4]}" if m[4] > m[1][2:] else m[0]


# A year written short: "since '08", "since 08" (a leading zero counts nothing), "в 16-м", "08 года".
_SHORT_YEAR = re.compile(
    r"(?<![\w'’‘])['’‘](\d\d)(?![\w'’‘])"
    r"|(?<!\w)((?:since|from|in|until|till|before|after|с|со|в|во|до|после|от|по)\s+)"
    r"(0\d(?![\w.,:/])|[12]\d(?=[-‐‑–—]?(?:м|ом)(?!\w)))"
    r"|(?<![\w.,:/‐‑–—-])([01]\d(?=(?:[-‐‑–—]?(?:м|ом|й|го))?\s+(?:году|года|год|г)(?!\w))"
    r"|2\d(?=[-‐‑–—]?(?:м|ом|й|го)\s+(?:году|года|год|г)(?!\w)))")  # "22 года" is also 22 years


def _whole_year(m: re.Match[str]) -> str:
    if m[1]:
        return f"20{m[1]}"
    return f"{m[2]}20{m[3]}" if m[3] else f"20{m[4]}"


def whole_years(text: str) -> str:
    """``text`` (lower case) with each year written short as the whole year ("since '08": 2008)."""
    return _SHORT_YEAR.sub(_whole_year, text) if _DIGIT.search(text) else text


def tokens(text: str) -> list[str]:
    if any(dash in text for dash in _DASHES):  # the one pass most texts skip
        text = _SHORT_RANGE.sub(_whole_range, text)
    return _tokens_of_read(whole_years(text))


def _tokens_of_read(text: str) -> list[str]:
    """``tokens`` of text whose years and ranges are read already (``_spaced``'s: read again without its
    punctuation, "8.16 года" would be a year)."""
    return TOKEN.findall(_ORDINAL_END.sub("", text))


_WORD_RUN = re.compile(r"\w+")


def find_phrase(text: str, phrases: Container[str], longest: int) -> tuple[int, str] | None:
    """(where it starts, which) the first of ``phrases`` (words joined by one space, at most ``longest``
    words) in ``text`` as whole words apart by white space; of those that start at one word, the longest.
    What the alternation ``(?<!\\w)(?:a|b|...)(?!\\w)`` of the phrases, longest first, finds, without
    compiling one (~7 ms at every start for the lexicon's question phrases)."""
    runs = [(m.start(), m.end(), m.group()) for m in _WORD_RUN.finditer(text)]
    for i, (start, _, word) in enumerate(runs):
        n = 1  # the words from this one on that white space alone keeps apart
        while n < longest and i + n < len(runs) and text[runs[i + n - 1][1]:runs[i + n][0]].isspace():
            n += 1
        for k in range(n, 0, -1):
            phrase = word if k == 1 else " ".join(r[2] for r in runs[i:i + k])
            if phrase in phrases:
                return start, phrase
    return None


# Text of only these characters reads through ``normalise`` as lower-cased, with "ё" as "е" and a
# typographic apostrophe as "'": no NFKC, accent or invisible character to undo. With its punctuation
# as spaces its tokens are its words, but where a digit or an apostrophe asks for the tokens' own rules
# ("19th" is "19" and "th"; "don't" one word, "'hello'" "hello").
_MARKS = "\t\n\r!\"#$%&()*+,-./:;<=>?@[\\]^_{|}~«»“”„–—…"  # ASCII's punctuation but ' and `, typography's
_LETTERS = "A-Za-z\u0410-\u044f\u0401\u0451"
_WORDS_ONLY = re.compile(f"[{_LETTERS} \0{re.escape(_MARKS)}]*")  # NUL: between texts
_PLAIN = re.compile(f"[{_LETTERS}0-9'’‘ \0{re.escape(_MARKS)}]*")
_TOKEN_RULES = re.compile("[0-9']")
_ADDRESSED = re.compile("(?:^|\0)[ \t\n\r]*[/@]")  # a text that opens with "/ask" or "@bot" loses it


def words(text: str) -> list[str]:
    """``tokens(normalise(text))``, several times faster for plain text (most of a knowledge base's)."""
    return words_of_texts((text,))[0]


def words_of_texts(texts: Sequence[str]) -> list[list[str]]:
    """``words`` of each text, plain ones read as one string (building an index reads every text of a
    knowledge base: a million words for 10,000 entries)."""
    found = _spaced(texts)
    if found is not None:
        spaced, rules = found
        if not rules:
            return [t.split() for t in spaced.split("\0")]
        return [_tokens_of_read(t) if _TOKEN_RULES.search(t) else t.split() for t in spaced.split("\0")]
    if len(texts) <= 1:
        return [tokens(normalise(t)) for t in texts]
    half = len(texts) // 2
    return [*words_of_texts(texts[:half]), *words_of_texts(texts[half:])]


END = "\0"  # ends each text's words in ``flat_words``


def flat_words(texts: Sequence[str]) -> list[str]:
    """The ``words`` of each text one after another, each text's followed by ``END``: ``words_of_texts``
    without a list for each text (an index build reads a million and a half words)."""
    found = _spaced(texts)
    if found is not None:
        spaced, rules = found
        return ((_by_rules(spaced) if rules else spaced) + END).replace(END, " \0 ").split()
    if len(texts) <= 1:
        return [w for t in texts for w in (*tokens(normalise(t)), END)]
    half = len(texts) // 2
    return [*flat_words(texts[:half]), *flat_words(texts[half:])]


def _by_rules(spaced: str) -> str:
    """``spaced`` with each word that has a digit or an apostrophe (a few in a thousand) as its tokens:
    the tokens' regex over every word would take most of the time of a build."""
    pieces: list[str] = []
    done = 0
    for at in sorted(_places(spaced, "'0123456789")):  # str.find per character: a regex scan is slower
        if at < done:  # in a word already read
            continue
        start = max(spaced.rfind(" ", done, at), spaced.rfind("\0", done, at)) + 1
        ends = [end for end in (spaced.find(" ", at), spaced.find("\0", at)) if end >= 0]
        end = min(ends, default=len(spaced))
        pieces += [spaced[done:start], " ".join(_tokens_of_read(spaced[start:end]))]
        done = end
    pieces.append(spaced[done:])
    return "".join(pieces)


def _places(text: str, characters: str) -> list[int]:
    """Where each of ``characters`` occurs in ``text``."""
    found: list[int] = []
    for c in characters:
        at = text.find(c)
        while at >= 0:
            found.append(at)
            at = text.find(c, at + 1)
    return found


def _spaced(texts: Sequence[str]) -> tuple[str, bool] | None:
    """Plain ``texts`` lower-cased with their punctuation as spaces, joined by NUL, and whether they have a
    digit or an apostrophe (None: not all plain)."""
    joined = "\0".join(texts)
    rules = not _WORDS_ONLY.fullmatch(joined)
    if ((rules and not _PLAIN.fullmatch(joined)) or joined.count("\0") != len(texts) - 1
            or max(map(len, texts), default=0) > MAX_QUESTION_CHARS
            or "@" in joined or ("/" in joined and _ADDRESSED.search(joined))):
        return None
    joined = joined.lower().replace("ё", "е")
    if rules:  # before the marks become spaces: "31-й" is 31, "2008-14" 2008-2014 (``tokens``)
        joined = _ORDINAL_END.sub("", whole_years(_SHORT_RANGE.sub(_whole_range, joined)))
    if rules and ("’" in joined or "‘" in joined):
        joined = joined.replace("’", "'").replace("‘", "'")
    for mark in _MARKS:  # one replace a mark (most are absent) is several times faster than a regex's sub
        if mark in joined:
            joined = joined.replace(mark, " ")
    return joined, rules


@cache
def common_words() -> frozenset[str]:
    """English and Russian words common enough that they are never typos of another word
    (bot/common_words/README.md); read once, the first time a word needs correcting."""
    from importlib import resources  # here: ~10 ms of imports a start answering plain words never needs

    found: set[str] = set()
    for lang in ("en", "ru"):
        text = resources.files("bot").joinpath("common_words", f"{lang}.txt").read_text(encoding="utf-8")
        found.update(line for line in text.splitlines() if line and not line.startswith("#"))
    return frozenset(found)


@cache
def common_stems() -> frozenset[str]:
    """The stems of ``common_words``: a word with one of them is a form of a common word ("shelled" of
    "shell"), a real word even when the form itself is too rare to be listed."""
    return frozenset(map(stem, common_words()))


_COUNTRY_US = re.compile(r"\b(?:US|Us)\b|U\.\s?S\.")  # the country as people write it in capitals
_LOWER_US = re.compile(r"(?<![\w.'])us(?![\w.'])")
_TAKES_US = frozenset({
    "tell", "tells", "told", "ask", "asks", "asked", "give", "gives", "gave", "let", "lets", "make", "makes",
    "making", "made", "help", "helps", "helped", "show", "shows", "showed", "want", "wants", "wanted", "keep",
    "keeps", "kept", "remind", "reminds", "teach", "teaches", "taught", "to", "for", "with", "like", "among",
    "of"})


def pronoun_us(original: str, names_something: Callable[[str], bool]) -> bool:
    """Whether every "us" in ``original`` is the pronoun ("tell us who signed it", "for people like us",
    "which of us is right"), not the United States. The country is written "US" or "U.S.", or in lower case
    after "the" ("what did the us say"), first ("us reaction?"), or before a word that names something
    (``names_something``: "peskov reaction us criticism")."""
    if _COUNTRY_US.search(original):
        return False
    found = False
    for m in _LOWER_US.finditer(original):
        before = original[:m.start()].split()[-1:]
        rest = original[m.end():m.end() + 40].lstrip()
        after = TOKEN.findall(rest.lower())[:1] if rest[:1] not in tuple(",.!?:;") else []  # "for us: who ..."
        # (after a verb or preposition it is the object: "making us follow the news", "for us")
        if not before or before[0].lower() == "the" or (
                after and names_something(after[0]) and not _takes_us(before[0].lower())):
            return False
        found = True
    return found


def _takes_us(word: str) -> bool:
    """Whether ``word`` before "us" makes it the pronoun, its object: a verb or preposition that takes one
    ("tell us", "for us"), or any verb in -ing or -ed ("protecting us together", "helped us"); not the
    prepositions in -ing ("regarding us criticism", "following US pressure")."""
    return word in _TAKES_US or (word.endswith(("ing", "ed")) and word not in _NOT_TAKING_US)


_NOT_TAKING_US = frozenset({"regarding", "concerning", "following", "including", "according", "during",
                            "considering", "excluding"})


_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")


def other_language(text: str, foreign: frozenset[str], known: Callable[[str], bool]) -> bool:
    """True when ``text`` is written in a language other than English or Russian.

    Ukrainian letters decide at once, and so does a message whose letters are mostly of another script
    (Georgian, Chinese, Arabic...); otherwise a Latin-script message counts as foreign when words typical
    of another language outnumber the words the knowledge base knows.
    """
    if _UKRAINIAN.search(text):
        return True
    folded = normalise(text)  # NFKC: full-width Latin is Latin
    letters = [c for c in folded if c.isalpha()]
    ours = sum(c.isascii() or "\u0400" <= c <= "\u04ff" for c in letters)
    if letters and ours * 2 < len(letters):
        return True
    words = tokens(folded)
    if not words or (not text.isascii() and not _LATIN.search(text)):
        return False
    alien = sum(w in foreign for w in words)
    familiar = sum(known(w) for w in words if w not in foreign)
    return (alien >= 2 and alien > familiar) or (alien >= 1 and familiar == 0 and len(words) >= 2)


def capitalised_words(text: str) -> set[str]:
    """Casefolded words written with a capital (or in capitals) anywhere but a sentence's start."""
    names: set[str] = set()
    for m in TOKEN.finditer(text):
        word = m.group()
        if not word[:1].isupper():
            continue
        before = text[: m.start()]
        at_start = not before.strip() or bool(SENTENCE_END.search(before)) or before.rstrip().endswith(
            ("\n", ":", '"', "«", "(")
        )
        if not at_start or (len(word) > 1 and word.isupper()):
            names.add(normalise(word))
    return names
