"""The parts of a message the matcher reads apart (pure): its sentences, the one that asks (a long message
is often background and then the question), and what follows a preface ("Quick question: who signed it?")."""

from __future__ import annotations

import re

from bot.words import tokens

# A letter standing for a word ("S. Ossetia", "U.S. officials", "Ю. Осетия") ends no sentence: a single letter
# that is no word of its own ("a", "I", "я", ...), its dot, and a word after it.
_LETTER_FOR_WORD = r"(?<![^\W\d_])(?<!['’])[b-hj-zB-HJ-ZюЮ]"
SENTENCES = re.compile(rf"(?:{_LETTER_FOR_WORD}\.(?=\s*[^\W\d_])|[^.!?…])+[.!?…]*")


def _sentences(text: str) -> list[str]:
    """The sentences of a message that have two words or more."""
    return [m.group().strip() for m in SENTENCES.finditer(text) if len(tokens(m.group())) >= 2]


def focus_sentence(text: str) -> str | None:
    """The last sentence that asks something (else the last sentence) of a message of several."""
    sentences = _sentences(text)
    if len(sentences) < 2:
        return None
    questions = [x for x in sentences if x.endswith("?")]
    return (questions or sentences)[-1]


def asking_sentences(text: str) -> list[str]:
    """The sentences of a message that ask with "?", when others do not; else all of them: "I'm a trader
    who moves goods. ... What does the treaty do about customs?" asks in its last, no who-question."""
    sentences = [m.group() for m in SENTENCES.finditer(text)]
    asked = [s for s in sentences if s.rstrip().endswith("?")]
    return asked if asked and len(asked) < len(sentences) else sentences


def with_sentence_before(text: str, focus: str) -> str | None:
    """``focus`` (a sentence of ``text``) with the sentence before it, when there is one."""
    sentences = _sentences(text)
    if focus not in sentences:
        return None
    k = len(sentences) - 1 - sentences[::-1].index(focus)
    return f"{sentences[k - 1]} {focus}" if k > 0 else None


_PREFACE_END = re.compile(r":|\s[—–-]+\s")  # a colon, or a dash between spaces ("Russia–South Ossetia" has none)


def prefaced(text: str) -> str | None:
    """What follows a preface ending in a colon or a dash ("Quick question: who signed it?", "Switching
    topics — what did Peskov say?"), when both the preface and the rest have words; None otherwise."""
    ends = list(_PREFACE_END.finditer(text))
    if not ends:
        return None
    head, rest = text[: ends[-1].start()], text[ends[-1].end():]
    if len(tokens(rest)) < 2 or not tokens(head) or rest.startswith("//"):
        return None
    return rest.strip()


def lead(text: str) -> str | None:
    """What a message says before the part that asks: the sentences before its question sentence, else a
    preface ("Anyway, the deal. Who signed it?", "а по самому договору: на сколько лет он?"); None if
    nothing comes before."""
    focus = focus_sentence(text)
    if focus is not None:
        head = text[: text.rfind(focus)].strip()
        if head:
            return head
    ends = list(_PREFACE_END.finditer(text))
    if ends and tokens(text[ends[-1].end():]):
        return text[: ends[-1].start()].strip() or None
    return None


# Where a message of several questions divides: question marks, sentence ends, commas, "and", a slash between
# spaces ("когда подписали / на сколько лет?"), the numbers of a list ("1) how long ... 2) has it ...") and
# their words where a sentence or a clause starts ("First, who is he? Second, ...", "Во-первых, ...").
_LIST_WORD = r"(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|lastly|во-первых|во-вторых|в-третьих|наконец)"
PART_SPLIT = re.compile(rf"\?+|(?:^|(?<=\s))\(?\d{{1,2}}[).]\s+|(?<!{_LETTER_FOR_WORD})[.!;]+\s|"
                        r"(?:^|(?<=[.?!;,])|(?<=[.?!;,]\s))\s*" + _LIST_WORD
                        + r"\s*,\s*|,\s*|\s+[/+&]\s+|\s+(?:and|и|а также|plus|плюс)\s+", re.IGNORECASE)


_ALSO = re.compile(r"(?<=\band)\s+also\b|(?<=,)\s*also\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(?:between|между|from|с)\s+\d+\S*\s+(?:and|и)\s+\d+", re.IGNORECASE)
# a Russian clause its correlative opens ("недовольны тем, когда его подписали", "о том, сколько"): one question
_CORRELATIVE = re.compile(r"\b(?:тем|том|того|то)\s*,\s*(?=(?:когда|что|как|сколько|где|почему|зачем)\b)",
                          re.IGNORECASE)
_KEPT = "\u2063"  # an invisible separator: the spaces of a name that has "and" in it, while the text is split
_KEPT_COMMA = "\u2064"  # (and the commas of a list before an "or" that only asks)
# "is it health insurance, car insurance, or what?": one question offering a choice, not three parts
_OPEN_LIST = re.compile(r"[^,.;:!?]+(?:,\s*[^,.;:!?]+)+,?\s+(?:or|или)\s+(?:what|which|какое|какой|какая|какие|что)\b",
                        re.IGNORECASE)


def parts(text: str, names: re.Pattern[str] | None = None) -> list[tuple[str, bool]]:
    """The parts of a message of several questions (``PART_SPLIT``), each with whether its sentence tells
    rather than asks: one that ends in "." or "!" in a message that asks with "?" elsewhere ("The US
    commented, the EU commented. But what did Georgia say?"). A message without "?" tells nothing apart.
    ``names``: names with "and" in them ("the Alliance and Integration treaty"; ``joined_names``), never split."""
    def kept(m: re.Match[str]) -> str:
        return re.sub(r"\s+", _KEPT, m.group())

    if names is not None:
        text = names.sub(kept, text)
    # "also" joins a part only after "and" or a comma ("pensions, and also the insurance?"); inside a clause it
    # is no joint ("is the Abkhazia treaty also for 25 years?")
    text = _ALSO.sub(" ", text)
    # "between 2008 and 2014", "между 2008 и 2014": a range, not two questions
    text = _BETWEEN.sub(kept, text)
    text = _OPEN_LIST.sub(lambda m: kept(m).replace(",", _KEPT_COMMA), text)
    text = _CORRELATIVE.sub(lambda m: m.group().replace(",", _KEPT_COMMA), text)
    return [(p.replace(_KEPT, " ").replace(_KEPT_COMMA, ","), tells) for p, tells in _split(text)]


def _split(text: str) -> list[tuple[str, bool]]:
    """``parts`` of a text whose names are kept whole."""
    found: list[tuple[str, bool]] = []
    sentence: list[str] = []
    asking = "?" in text

    def close(tells: bool) -> None:
        found.extend((p, tells) for p in sentence)
        sentence.clear()

    start = 0
    for m in PART_SPLIT.finditer(text):
        sentence.append(text[start:m.start()].strip())
        start = m.end()
        delimiter = m.group()
        if "?" in delimiter:
            close(False)
        elif ("." in delimiter or "!" in delimiter) and not delimiter.strip()[:-1].strip().isdigit():
            close(asking)  # a sentence that ends so says something (";" and the numbers of a list go on)
    sentence.append(text[start:].strip())
    close(False)
    return [(p, tells) for p, tells in found if tokens(p)]


def closes_question(text: str, piece: str) -> bool:
    """Whether ``piece`` (a part of ``text``) is the one a "?" closes: "кто его подписывал и *он уже действует
    или нет*?" asks in its last part though no question word opens it (a Russian yes-no question)."""
    return any(_CLOSED.match(text, at + len(piece)) for at in _starts(text, piece))


def later_clause(text: str, piece: str) -> bool:
    """Whether ``piece`` (a part of ``text``) goes on a sentence rather than opening one: "Я слышал, *что
    американцы его раскритиковали*." tells what was heard, its "что" is no question word."""
    return not any(_opens(text, at, "?.!…:;") for at in _starts(text, piece))


_LIST_NUMBER = re.compile(r"(?:^|\s)\(?\d{1,2}[).]\s*$")
_LIST_OPENS = re.compile(r"\s*\(?1[).]\s")


def listed(text: str, piece: str) -> bool:
    """Whether ``piece`` of ``text`` is an item of a numbered list ("Need (1) the treaty's title and (2) ...")."""
    at = text.find(piece)
    return at > 0 and _LIST_NUMBER.search(text, max(0, at - 8), at) is not None


def opens_list(text: str, piece: str) -> bool:
    """Whether ``piece`` of ``text`` comes right before the first item of a numbered list ("Мне нужно 1) ..."):
    it introduces the questions, as "Two questions:" does, and asks nothing of its own."""
    at = text.find(piece)
    return at >= 0 and _LIST_OPENS.match(text, at + len(piece)) is not None


def own_sentence(text: str, piece: str) -> bool:
    """Whether ``piece`` (a part of ``text``) is a sentence of its own, closed by a "?": "Who is the president
    of South Ossetia? And the Russian one?", not the end of one ("signed by Russia and Abkhazia?")."""
    low, low_piece = text.lower(), piece.lower()
    if len(low) != len(text) or len(low_piece) != len(piece):  # a letter whose lower case is longer: rare
        joined = r"(?:(?:and|и|also|plus|а также)\s+)?"
        return re.search(r"(?:^|[?.!]\s*)" + joined + re.escape(piece) + r"\s*\?", text, re.IGNORECASE) is not None
    return any(_CLOSED.match(text, at + len(piece)) and (_opens(low, at, "?.!") or _after_joint(low, at))
               for at in _starts(low, low_piece))


# These read a message's parts with plain string search: a pattern made of each part cost ~0.5 ms to compile,
# as much as matching the part (issue #14).
_CLOSED = re.compile(r"\s*\?")  # what closes a question: a "?", after spaces or none
_JOINTS = ("and", "и", "also", "plus", "а также")  # how a question of its own may open ("And the Russian one?")


def _starts(text: str, piece: str) -> list[int]:
    """Every position at which ``piece`` occurs in ``text``, overlapping ones too."""
    if not piece:
        return list(range(len(text) + 1))
    found: list[int] = []
    at = text.find(piece)
    while at >= 0:
        found.append(at)
        at = text.find(piece, at + 1)
    return found


def _opens(text: str, at: int, ends: str) -> bool:
    """Whether position ``at`` of ``text`` opens it, or follows one of the sentence ``ends`` (spaces between)."""
    if at == 0:
        return True
    before = text[:at].rstrip()
    return before != "" and before[-1] in ends


def _after_joint(text: str, at: int) -> bool:
    """Whether a joint ("and", "also") and a space come right before position ``at``, and the joint opens
    ``text`` or a sentence of it."""
    before = text[:at]
    trimmed = before.rstrip()
    if trimmed == before:
        return False  # no space between
    return any(trimmed.endswith(joint) and _opens(text, len(trimmed) - len(joint), "?.!") for joint in _JOINTS)


def joined_names(phrases: list[str]) -> re.Pattern[str] | None:
    """One pattern of the ``phrases`` (a lexicon's words) that have "and"/"и" between their words, as
    ``parts`` keeps them whole; None when none has."""
    joined = sorted((p for p in phrases if re.search(r"\s(?:and|и)\s", p)), key=len, reverse=True)
    if not joined:
        return None
    return re.compile("|".join(r"\b" + r"\s+".join(map(re.escape, p.split())) + r"\b" for p in joined), re.IGNORECASE)
