"""The /stats chart: questions per day by outcome, as a PNG (optional: ``pip install 'treaty-bot[chart]'``).

matplotlib is used through its object-oriented API only (a ``Figure`` with the Agg canvas): no pyplot, no
global backend switch, safe to call from a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

OUTCOMES = ("answered", "clarify", "unknown")
COLOURS = {"answered": "#2e7d32", "clarify": "#f9a825", "unknown": "#c62828"}


def per_day_png(per_day: Sequence[Mapping[str, Any]], labels: Mapping[str, str], title: str = "") -> bytes | None:
    """A stacked bar chart of ``per_day`` rows (``{"day", "answered", "clarify", "unknown"}``).

    None when matplotlib is not installed or there is nothing to draw.
    """
    if not per_day:
        return None
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    days = [str(row["day"]) for row in per_day]
    fig = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    bottom = [0] * len(days)
    for outcome in OUTCOMES:
        values = [int(row.get(outcome, 0) or 0) for row in per_day]
        ax.bar(days, values, bottom=bottom, label=labels.get(outcome, outcome), color=COLOURS[outcome])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if title:
        ax.set_title(title)
    ax.legend()
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
