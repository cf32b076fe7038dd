"""Events an answer says are still to come, and questions that take them as done (pure).

"Not yet: the agreement is yet to be ratified" answers whether it has been ratified ("has the Duma voted on
it?"), not who voted for it, how a parliament voted or which one ratified it first: those questions take the
ratification as done, and all the article says is that it is still to come. The events an entry's answer
calls pending are read from its English answer ("yet to be ratified", "not yet signed"); a question takes
an event as done when it asks who/what/how/which... and names it in a past form ("voted", "did ... ratify",
"голосовала", "ратифицировали").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.words import tokens

PENDING = re.compile(r"\b(?:yet to be|not yet)\s+(\w+)")
# Words that open a question asking for something other than yes or no.
WH = frozenset({
    "who", "whom", "whose", "what", "whats", "wat", "which", "wich", "how", "when", "whens", "where",
    "кто", "кого", "кем", "кому", "что", "как", "какой", "какая", "какое", "какие", "каким", "какого", "который",
    "которая", "которые", "когда", "где", "сколько", "чем"})
LEADS = frozenset({"and", "so", "but", "then", "ok", "okay", "а", "и", "ну", "так"})  # before the question word
OPENING = 3
DID = frozenset({"did", "didn't", "didnt", "was", "were"})  # "how did they vote", "what was the vote"
RU_PAST = re.compile(r"[^\W\d_]{3,}(?:л|ла|ло|ли|лся|лась|лось|лись)$")


def pending(answer: str, terms_of: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """The terms of the events ``answer`` (English) says are still to come ("yet to be ratified": #ratify)."""
    return frozenset(t for m in PENDING.finditer(answer.lower()) for t in terms_of(m.group(1)))


def taken_as_done(text: str, terms_of: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """The terms ``text`` (normalised) names as having happened when it opens by asking for more than yes or
    no: "who voted for it?", "how did the Duma vote?", "как голосовала Госдума?"; none for "has it been
    ratified?" (``OPENING``: where the question word may stand, "кто из депутатов ...", "so which one ...")."""
    words = tokens(text)
    if WH.isdisjoint([w for w in words if w not in LEADS][:OPENING]):
        return frozenset()
    after_did = False
    done: set[str] = set()
    for w in words:
        if after_did or (w.endswith("ed") and len(w) > 4) or RU_PAST.match(w):
            done.update(terms_of(w))
        after_did = after_did or w in DID
    return frozenset(done)
