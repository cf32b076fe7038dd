"""A seeded stream of questions for the load benchmarks: not only the knowledge base's own wording.

``question_mix(n, seed)`` mixes, in fixed proportions (``MIX``):

* ``kb``: a curated question of the knowledge base (English or Russian), sometimes lower-cased or
  without its question mark;
* ``dropped``: a curated question with one or two words left out;
* ``typo``: a curated question with one to three letters swapped, dropped, doubled or replaced;
* ``shuffled``: a curated question's words in another order;
* ``off_topic``: a sentence made up here from word lists (English and Russian) about anything but the
  treaty, so that most of them are new to the bot's caches;
* ``chatter``: a short follow-up or a bit of small talk ("and where?", "thanks", "ок").

Nothing is taken from the evaluation sets (/work/shared/eval, tests/data): the variants are made from the
knowledge base's curated questions, the rest from the word lists below. The same ``seed`` gives the same
stream, so runs compare like with like; ``describe`` says how many of each kind, and how many distinct.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

MIX: dict[str, float] = {
    "kb": 0.35, "dropped": 0.15, "typo": 0.15, "shuffled": 0.10, "off_topic": 0.20, "chatter": 0.05,
}

_EN_ASK = ("what", "how", "why", "when", "where", "who", "is it true that", "can you tell me if", "do you know why")
_EN_SUBJECT = (
    "the weather", "my cat", "the football match", "the stock market", "this recipe", "the new phone",
    "the train to Berlin", "the museum", "my homework", "the electricity bill", "the concert", "the election in Peru",
    "the moon landing", "the bakery", "the printer", "the marathon", "the library", "the password",
)
_EN_VERB = (
    "works", "costs so much", "opens", "changed", "is broken", "starts", "was cancelled", "tastes like that",
    "moved", "finished", "got updated", "looks different",
)
_EN_TAIL = ("today", "tomorrow", "in March", "this week", "in Paris", "at night", "again", "", "", "")
_RU_ASK = ("что", "как", "почему", "когда", "где", "кто", "правда ли, что", "не знаешь, почему")
_RU_SUBJECT = (
    "погода", "мой кот", "футбольный матч", "биржа", "этот рецепт", "новый телефон", "поезд до Казани",
    "музей", "домашка", "счёт за свет", "концерт", "библиотека", "принтер", "пароль",
)
_RU_VERB = ("работает", "стоит так дорого", "открывается", "изменился", "сломался", "начинается", "отменили")
_RU_TAIL = ("сегодня", "завтра", "в марте", "на этой неделе", "ночью", "опять", "", "")
_CHATTER = (
    "and where?", "and when?", "who said that?", "why?", "what else?", "thanks", "thank you!", "ok", "cool",
    "а где?", "а когда?", "а кто?", "спасибо", "ок", "понятно", "👍", "hi", "привет",
)
_LETTERS = {"en": "abcdefghijklmnopqrstuvwxyz", "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"}


def _curated() -> list[tuple[str, str]]:
    """(question, lang) for every curated question of the knowledge base."""
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    return [(q, lang) for e in kb.facts() for lang in ("en", "ru") for q in e.block(lang).questions]


def _kb(rng: random.Random, q: str, lang: str) -> str:
    roll = rng.random()
    if roll < 0.3:
        return q.lower()
    if roll < 0.6:
        return q.rstrip("?")
    return q


def _dropped(rng: random.Random, q: str, lang: str) -> str:
    words = q.split()
    for _ in range(rng.choice((1, 2))):
        if len(words) > 2:
            del words[rng.randrange(len(words))]
    return " ".join(words)


def _typo(rng: random.Random, q: str, lang: str) -> str:
    chars = list(q)
    for _ in range(rng.choice((1, 1, 2, 3))):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(letters) < 4:
            break
        i = rng.choice(letters[1:-1])
        kind = rng.randrange(4)
        if kind == 0 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]  # swapped
        elif kind == 1:
            del chars[i]  # dropped
        elif kind == 2:
            chars.insert(i, chars[i])  # doubled
        else:
            chars[i] = rng.choice(_LETTERS["ru" if lang == "ru" else "en"])  # replaced
    return "".join(chars)


def _shuffled(rng: random.Random, q: str, lang: str) -> str:
    words = q.rstrip("?").split()
    rng.shuffle(words)
    return " ".join(words) + ("?" if rng.random() < 0.5 else "")


def _off_topic(rng: random.Random) -> str:
    if rng.random() < 0.6:
        parts = (rng.choice(_EN_ASK), rng.choice(_EN_SUBJECT), rng.choice(_EN_VERB), rng.choice(_EN_TAIL))
    else:
        parts = (rng.choice(_RU_ASK), rng.choice(_RU_SUBJECT), rng.choice(_RU_VERB), rng.choice(_RU_TAIL))
    text = " ".join(p for p in parts if p)
    return text[0].upper() + text[1:] + "?"


_VARIANTS: dict[str, Callable[[random.Random, str, str], str]] = {
    "kb": _kb, "dropped": _dropped, "typo": _typo, "shuffled": _shuffled,
}


def question_mix_kinds(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (kind, question) pairs, the kinds in ``MIX``'s proportions, shuffled; the same for a seed."""
    rng = random.Random(seed)
    pool = _curated()
    kinds = [kind for kind, share in MIX.items() for _ in range(round(share * n))]
    kinds = (kinds + ["kb"] * n)[:n]
    rng.shuffle(kinds)
    out: list[tuple[str, str]] = []
    for kind in kinds:
        if kind == "off_topic":
            out.append((kind, _off_topic(rng)))
        elif kind == "chatter":
            out.append((kind, rng.choice(_CHATTER)))
        else:
            q, lang = rng.choice(pool)
            out.append((kind, _VARIANTS[kind](rng, q, lang) or q))
    return out


def question_mix(n: int, seed: int = 7) -> list[str]:
    """``n`` questions (see the module docstring)."""
    return [q for _, q in question_mix_kinds(n, seed)]


def describe(n: int, seed: int = 7) -> str:
    """One line: how many questions of each kind, how many distinct, how many are a curated one verbatim."""
    pairs = question_mix_kinds(n, seed)
    curated = {q for q, _ in _curated()}
    counts = Counter(kind for kind, _ in pairs)
    verbatim = sum(q in curated for _, q in pairs)
    kinds = ", ".join(f"{kind} {counts[kind]}" for kind in MIX)
    return (
        f"{n} questions ({kinds}); {len({q for _, q in pairs})} distinct, "
        f"{verbatim} a curated question verbatim"
    )


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(describe(2000))
    for _, q in question_mix_kinds(40):
        print(" ", q)
