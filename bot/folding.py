"""The one way texts are compared as keys: casefolded, ``ё`` as ``е``, whitespace collapsed (pure)."""

from __future__ import annotations


def fold(text: str) -> str:
    """``"  Кто  подписал ЁЛКУ "`` -> ``"кто подписал елку"``."""
    return " ".join(text.casefold().replace("ё", "е").split())
