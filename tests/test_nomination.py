"""Candidate nomination: loops over posting slices and array work give one result (bot/nomination.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.matching import COMMON_SHARE, PRESELECT, Matcher
from bot.nomination import Hits, PostingIndex

DEV = (Path(__file__).parent / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
QUESTIONS = [json.loads(line)["question"] for line in DEV[::4]]


def _index(matcher: Matcher) -> PostingIndex:
    ix = matcher.index
    return PostingIndex(ix.postings, ix.ids, ix.packed, ix.listed)


def _chosen(found: tuple[list[int], Hits]) -> tuple[list[int], dict[int, dict[str, tuple[float, int]]]]:
    """The shortlist and the hits of its entries (the loops also note hits of entries not chosen)."""
    shortlist, hits = found
    return shortlist, {i: hits[i] for i in shortlist}


@pytest.mark.parametrize("question", [*QUESTIONS, "treaty", "zzz qqq", "кто подписал договор"])
def test_loops_and_arrays_nominate_the_same_entries_with_the_same_hits(matcher: Matcher, question: str) -> None:
    a = matcher.analyzer.analyse(question)
    distinctive = [t for t in a.terms if matcher.index.df_share.get(t, 0.0) <= COMMON_SHARE] or list(a.terms)
    common = [t for t in a.terms if t not in distinctive]
    index = _index(matcher)
    loops = _chosen(index._nominate_loops(distinctive, common, matcher._weight, PRESELECT, frozenset(), 1.0))
    assert loops == _chosen(index._nominate_arrays(distinctive, common, matcher._weight, PRESELECT, frozenset(), 1.0))
    if a.qtype:  # the entries that cannot give what is asked are discounted alike both ways
        demoted = matcher.lookups.not_giving(a.qtype)
        loops = _chosen(index._nominate_loops(distinctive, common, matcher._weight, PRESELECT, demoted, 0.75))
        assert loops == _chosen(index._nominate_arrays(distinctive, common, matcher._weight, PRESELECT, demoted, 0.75))


def test_ties_go_to_the_earlier_entry(matcher: Matcher) -> None:
    """A term every candidate has once, weighted alike: the earliest entries win, in both ways."""
    index = _index(matcher)
    start, end = max(index.postings.values(), key=lambda s: s[1] - s[0])
    term = next(t for t, s in index.postings.items() if s == (start, end))
    expected = [i for i in index.ids[start:end] if index.listed[i]]
    scores = {i: p >> 3 for i, p in zip(index.ids[start:end], index.packed[start:end], strict=True)}
    expected.sort(key=lambda i: (-scores[i], i))
    for nominate in (index._nominate_loops, index._nominate_arrays):
        assert nominate([term], [], lambda t: 1.0, 5, frozenset(), 1.0)[0] == expected[:5]


def test_demoted_entries_give_way_in_both_ways(matcher: Matcher) -> None:
    """The same term, the five best demoted to nothing: the next five are chosen, in both ways."""
    index = _index(matcher)
    start, end = max(index.postings.values(), key=lambda s: s[1] - s[0])
    term = next(t for t, s in index.postings.items() if s == (start, end))
    scores = {i: p >> 3 for i, p in zip(index.ids[start:end], index.packed[start:end], strict=True)}
    expected = sorted((i for i in index.ids[start:end] if index.listed[i]), key=lambda i: (-scores[i], i))
    demoted = frozenset(expected[:5])
    for nominate in (index._nominate_loops, index._nominate_arrays):
        assert nominate([term], [], lambda t: 1.0, 5, demoted, 0.0)[0] == expected[5:10]
