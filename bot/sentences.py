"""The article as numbered sentences, and source quotes made of them (pure).

``article.txt`` is split once, when the knowledge base loads: paragraphs at blank lines, sentences at
``.``/``!``/``?`` (a closing quotation mark stays with its sentence) followed by a capital, a digit or an
opening quotation mark; initials such as "U.S." do not end a sentence. A paragraph without a final
stop (the headline) is one sentence. Sentence text has its whitespace collapsed, so the article's own
line breaks and double spaces never matter.

An entry's ``source`` lines name sentences by their exact text; ``cite`` turns them into the sentences
they cover (a line that is part of a sentence cites the whole sentence) and ``quote_text`` writes those
sentences in article order: a space between neighbours in one paragraph, a line break between
neighbours across a paragraph break, and " … " where sentences are left out. Every piece between two
"…" therefore occurs verbatim (whitespace aside) in ``article.txt``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAP = " … "  # between two quoted sentences that are not neighbours in the article

# A sentence ends at . ! or ? (with any closing quotation marks or brackets) before whitespace and a
# capital letter, a digit or an opening quotation mark / bracket. Patterns, not compiled at import: only
# loading the article splits it (a start that finds it in the cache never does), and this one alone takes
# ~3 ms to compile (``re`` keeps it compiled after the first split).
_END = r"[.!?][”\"’»)]*(?=\s+[“\"‘«(]?[A-ZА-ЯЁ0-9])"
# ... unless the word before the stop is an abbreviation: initials ("U.S.", "J.") or a title.
_ABBREVIATION = r"(?:(?<![\w.])(?:[A-Z]\.)+|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Prof|No|vs|etc))\.?$"


@dataclass(frozen=True)
class Sentence:
    """One sentence of the article: its number (1, 2, ... in article order), paragraph and text."""

    number: int
    paragraph: int
    text: str


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """The article's sentences, numbered from 1 in order; blank lines separate paragraphs."""
    found: list[Sentence] = []
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n[ \t\r\f\v]*\n", text))
    for paragraph, flat in enumerate(p for p in paragraphs if p):
        start = 0
        for m in re.finditer(_END, flat):
            if re.search(_ABBREVIATION, flat[start : m.start() + 1]) and flat[m.start()] == ".":
                continue
            found.append(Sentence(len(found) + 1, paragraph, flat[start : m.end()]))
            start = m.end() + 1  # the one space after it (whitespace is collapsed)
        if flat[start:]:
            found.append(Sentence(len(found) + 1, paragraph, flat[start:]))
    return tuple(found)


def cite(sentences: Sequence[Sentence], lines: Iterable[str]) -> tuple[Sentence, ...]:
    """The sentences ``lines`` quote, in article order and each once.

    A line is found in the article with whitespace collapsed; it cites every sentence it overlaps (a part
    of a sentence cites the whole sentence). A line not in the article cites nothing.
    """
    flat = " ".join(s.text for s in sentences)
    starts: list[int] = []
    offset = 0
    for s in sentences:
        starts.append(offset)
        offset += len(s.text) + 1
    cited: set[int] = set()
    for line in lines:
        needle = " ".join(line.split())
        pos = flat.find(needle) if needle else -1
        if pos < 0:
            continue
        first = bisect.bisect_right(starts, pos) - 1
        last = bisect.bisect_right(starts, pos + len(needle) - 1) - 1
        cited.update(range(first, last + 1))
    return tuple(sentences[i] for i in sorted(cited))


def quote_text(cited: Sequence[Sentence]) -> str:
    """``cited`` (in article order) as one quote: neighbours joined, gaps marked with "…"."""
    parts: list[str] = []
    previous: Sentence | None = None
    for s in cited:
        if previous is not None:
            if s.number != previous.number + 1:
                parts.append(GAP)
            else:
                parts.append(" " if s.paragraph == previous.paragraph else "\n")
        parts.append(s.text)
        previous = s
    return "".join(parts)
