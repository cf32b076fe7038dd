"""The /stats chart: every day of the range is a bar (empty days too), in a colour-blind-safe palette."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.chart import COLOURS, MAX_CAPTION, OUTCOMES, day_range, disliked_caption, per_day_figure, per_day_png
from bot.knowledge import KnowledgeBase

END = dt.date(2025, 3, 18)
LABELS = {"answered": "answered", "clarify": "clarified", "unknown": "not answered", "x": "Day (UTC)",
          "y": "Questions"}


def rows(days: int, every: int) -> list[dict[str, object]]:
    """A question log with a row on every ``every``-th day only (the days between had no questions)."""
    return [{"day": (END - dt.timedelta(days=i)).isoformat(), "answered": i % 5 + 1, "clarify": i % 2,
             "unknown": i % 3} for i in range(0, days, every)]


def test_the_range_has_every_day_with_zeros_for_empty_days() -> None:
    series = day_range(rows(14, 3), days=14, end=END)
    assert [d for d, _ in series] == [END - dt.timedelta(days=13 - i) for i in range(14)]
    assert series[-1][1] == {"answered": 1, "clarify": 0, "unknown": 0}
    assert series[-2][1] == dict.fromkeys(OUTCOMES, 0)  # no row that day: zeros, not a missing bar
    # a row older than the range is left out; without days, the rows' own span
    assert len(day_range([{"day": "2020-01-01", "answered": 3}], days=14, end=END)) == 14
    assert [d.isoformat() for d, _ in day_range(rows(3, 2))] == ["2025-03-16", "2025-03-17", "2025-03-18"]


@pytest.mark.parametrize(("days", "every"), [(1, 1), (14, 3), (90, 4)])
def test_a_bar_for_every_day_of_the_range(days: int, every: int) -> None:
    pytest.importorskip("matplotlib")
    fig = per_day_figure(day_range(rows(days, every), days=days, end=END), LABELS, "Questions per day by outcome")
    ax = fig.axes[0]
    assert len(ax.containers) == len(OUTCOMES)
    for outcome, bars in zip(OUTCOMES, ax.containers, strict=True):
        assert len(bars) == days  # empty days included
        assert bars.get_label().startswith(LABELS[outcome] + ": ")  # the outcome written out, with its total
        red, green, blue, _alpha = (round(c * 255) for c in bars.patches[0].get_facecolor())
        assert f"#{red:02X}{green:02X}{blue:02X}" == COLOURS[outcome]
    assert ax.get_xlabel().startswith("Day (UTC)") and ax.get_ylabel() == "Questions"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [b.get_label() for b in ax.containers]
    # one day of data is one bar of a normal width, not a wall across the chart
    left, right = ax.get_xlim()
    assert right - left >= 7 - 0.01
    assert ax.get_xticklabels()[-1].get_text() == END.strftime("%m-%d")  # the last day is always labelled
    # the legend sits above the plot, clear of every bar
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1 - 1
    png = per_day_png(rows(days, every), LABELS, "Questions per day by outcome", days=days, end=END)
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_png_and_an_empty_range() -> None:
    pytest.importorskip("matplotlib")
    png = per_day_png(rows(14, 3), LABELS, "t", days=14, end=END)
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert per_day_png([], LABELS, days=14, end=END) is None  # nothing to draw
    assert per_day_png([{"day": "2020-01-01", "answered": 3}], LABELS, days=7, end=END) is None


def test_the_caption_lists_the_most_disliked_entries(kb: KnowledgeBase) -> None:
    rows = [{"entry_id": "prov_border", "count": 3}, {"entry_id": "signatories", "count": 1},
            {"entry_id": "gone_entry", "count": 1}]
    assert disliked_caption(rows, kb.by_id, "en").splitlines() == [
        f"👎 3 · {kb.by_id['prov_border'].title('en')}",
        f"👎 1 · {kb.by_id['signatories'].title('en')}",
        "👎 1 · gone_entry",  # deleted since: its id
    ]
    assert disliked_caption(rows, kb.by_id, "ru").startswith(f"👎 3 · {kb.by_id['prov_border'].title('ru')}")
    assert disliked_caption([], kb.by_id, "en") == ""
    many = [{"entry_id": f"e{i}_" + "x" * 200, "count": 50 - i} for i in range(40)]
    caption = disliked_caption(many, kb.by_id, "en", limit=40)
    assert len(caption.encode("utf-16-le")) // 2 <= MAX_CAPTION and caption.startswith("👎 50 · e0_xxx")
