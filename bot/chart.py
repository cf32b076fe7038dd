"""The /stats chart: questions per day by outcome, as a PNG (optional: ``pip install 'treaty-bot[chart]'``).

Every day of the range is a bar, days without questions included (as zero), so 14 days asked are 14
bars. The outcomes are stacked in the Okabe–Ito colour-blind-safe palette and named in the legend (with
their totals), above the plot where it hides no bar; the axes are labelled, the y axis counts whole
questions, and a range of a few days keeps bars of a normal width instead of one bar across the chart
(a range of months draws its thin bars edge to edge).

Under the chart, as its caption, go the answers people rated 👎 most (``disliked_caption``): entry titles
with their counts, plain text.

matplotlib is used through its object-oriented API only (a ``Figure`` with the Agg canvas): no pyplot, no
global backend switch, safe to call from a worker thread.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from bot.knowledge import Entry

OUTCOMES = ("answered", "clarify", "unknown")
# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision deficiency.
COLOURS = {"answered": "#009E73", "clarify": "#E69F00", "unknown": "#D55E00"}  # bluish green, orange, vermillion
MIN_SLOTS = 7  # a shorter range is drawn as wide as a week, so that one day is a bar, not a wall
MAX_TICKS = 16  # day labels on the x axis; longer ranges label every n-th day
DENSE_DAYS = 60  # beyond this many days, bars touch and have no white edge
MAX_CAPTION = 1024  # Telegram's limit for a photo's caption, in UTF-16 units
CAPTION_TITLE_CHARS = 80


def day_range(
    per_day: Sequence[Mapping[str, Any]], days: int | None = None, end: dt.date | None = None
) -> list[tuple[dt.date, dict[str, int]]]:
    """Every day of the range with its counts per outcome (zeros for a day without questions).

    The range is the ``days`` days up to ``end`` (default: today, UTC); without ``days``, from the first
    row's day to the last. Rows outside the range are left out.
    """
    counts = {dt.date.fromisoformat(str(row["day"])): {o: int(row.get(o, 0) or 0) for o in OUTCOMES} for row in per_day}
    if days is None:
        if not counts:
            return []
        first, last = min(counts), max(counts)
    else:
        last = end or dt.datetime.now(dt.UTC).date()
        first = last - dt.timedelta(days=max(days, 1) - 1)
    span = (last - first).days + 1
    dates = [first + dt.timedelta(days=i) for i in range(span)]
    return [(d, counts.get(d, dict.fromkeys(OUTCOMES, 0))) for d in dates]


def per_day_figure(
    series: Sequence[tuple[dt.date, Mapping[str, int]]], labels: Mapping[str, str], title: str = ""
) -> Any:
    """The chart of ``series`` (from ``day_range``) as a matplotlib ``Figure``.

    ``labels`` names the outcomes in the legend and, under ``"x"`` and ``"y"``, the axes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    n = len(series)
    fig = Figure(figsize=(8, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(n))
    bottom = [0] * n
    for outcome in OUTCOMES:
        values = [counts[outcome] for _, counts in series]
        name = f"{labels.get(outcome, outcome)}: {sum(values)}"
        # A long range has bars a pixel or two wide: drawn edge to edge and not antialiased, as gaps (or
        # blended edges) that narrow shimmer.
        dense = n > DENSE_DAYS
        ax.bar(xs, values, width=1.0 if dense else 0.7, bottom=bottom, label=name, color=COLOURS[outcome],
               edgecolor="white", linewidth=0 if dense else 0.5, antialiased=not dense)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    pad = max(MIN_SLOTS - n, 0) / 2
    ax.set_xlim(-0.6 - pad, n - 0.4 + pad)
    step = max(1, math.ceil(n / MAX_TICKS))
    ticks = xs[::-1][::step][::-1]  # counted back from the last day, which is always labelled
    ax.set_xticks(ticks, [series[i][0].strftime("%m-%d") for i in ticks])
    ax.tick_params(axis="x", labelrotation=45 if n > 8 else 0, labelsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(max(bottom, default=0), 1) * 1.08)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    first, last = series[0][0], series[-1][0]
    period = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
    ax.set_xlabel(f"{labels.get('x', 'day (UTC)')}: {period}")
    ax.set_ylabel(labels.get("y", "questions"))
    if title:
        ax.set_title(title, loc="left", fontsize=11, pad=28)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(OUTCOMES), frameon=False, fontsize=9,
              borderaxespad=0.2)
    fig.tight_layout()
    return fig


def per_day_png(
    per_day: Sequence[Mapping[str, Any]],
    labels: Mapping[str, str],
    title: str = "",
    *,
    days: int | None = None,
    end: dt.date | None = None,
) -> bytes | None:
    """A stacked bar chart of ``per_day`` rows (``{"day", "answered", "clarify", "unknown"}``) over every
    day of the range (see ``day_range``).

    None when matplotlib is not installed or there is nothing to draw (no questions in the range).
    """
    series = day_range(per_day, days, end)
    if not any(sum(counts.values()) for _, counts in series):
        return None
    try:
        fig = per_day_figure(series, labels, title)
    except ImportError:
        return None
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def disliked_caption(
    disliked: Sequence[Mapping[str, Any]], entries: Mapping[str, Entry], lang: str, limit: int = 10
) -> str:
    """The chart's caption: the entries with the most 👎, one a line ("👎 3 · Who signed the treaty?"),
    from ``{"entry_id", "count"}`` rows, most first; an entry no longer live shows its id. Plain text
    (sent without a parse mode); "" when nothing was rated 👎."""
    lines: list[str] = []
    for row in list(disliked)[:limit]:
        entry = entries.get(str(row["entry_id"]))
        title = " ".join((entry.title(lang) if entry else str(row["entry_id"])).split())
        if len(title) > CAPTION_TITLE_CHARS:
            title = title[: CAPTION_TITLE_CHARS - 1].rstrip() + "…"
        line = f"👎 {int(row['count'])} · {title}"
        if len("\n".join([*lines, line]).encode("utf-16-le")) // 2 > MAX_CAPTION:
            break
        lines.append(line)
    return "\n".join(lines)
