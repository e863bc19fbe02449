"""Trends in text: a one-line sparkline for table cells and a block-character plot over the campaign."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import Static

BARS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▁▂▃▄▅▆▇█"


def spark(values: Sequence[float], width: int = 8) -> str:
    """The last `width` values as bar heights between their own minimum and maximum."""
    vals = [v for v in values if v is not None][-width:]
    if not vals or not any(vals):
        return ""
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-12:
        return BARS[3] * len(vals)
    return "".join(BARS[min(7, int((v - lo) / (hi - lo) * 7.999))] for v in vals)


def block_plot(values: Sequence[float], width: int, height: int, unit: str = "", labels: tuple[str, str] = ("", "")) -> Text:
    """A column chart of the series stretched to `width` columns, `height` rows, axis labels left."""
    vals = list(values)
    out = Text()
    if not vals or width < 12 or height < 2:
        out.append("(no data yet)", style="dim")
        return out
    lo, hi = min(vals), max(vals)
    # the axis starts a little below the lowest value, so changes show; flat series sit mid-height
    lo = lo - 0.15 * (hi - lo) if hi > lo else lo - (abs(lo) or 1.0)
    span = hi - lo
    axis = max(len(_fmt(hi, unit)), len(_fmt(lo, unit))) + 1
    cols = width - axis - 1
    # each quarter gets an equal slice of the width
    series = [vals[min(len(vals) - 1, i * len(vals) // cols)] for i in range(cols)]
    heights = [(v - lo) / span * height * 8 for v in series]
    for row in range(height, 0, -1):
        label = _fmt(hi, unit) if row == height else (_fmt(lo, unit) if row == 1 else "")
        out.append(label.rjust(axis), style="dim")
        out.append("│", style="dim")
        for h in heights:
            cell = h - (row - 1) * 8
            out.append(EIGHTHS[max(0, min(8, int(cell)))], style="bold")
        out.append("\n")
    out.append(" " * axis + "└" + "─" * cols + "\n", style="dim")
    first, last = labels
    if first or last:
        out.append(" " * (axis + 1) + first + last.rjust(max(0, cols - len(first))), style="dim")
    return out


def _fmt(v: float, unit: str) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.1f}M{unit}"
    if abs(v) >= 1e4:
        return f"{v / 1e3:,.0f}k{unit}"
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:,.2f}{unit}"


class BlockPlot(Static):
    """A titled block-character chart that redraws to its size."""

    DEFAULT_CSS = "BlockPlot { height: auto; }"

    def __init__(self, title: str, values: Sequence[float] = (), unit: str = "", labels: tuple[str, str] = ("", ""), rows: int = 6, **kw):
        super().__init__(**kw)
        self.title, self.values, self.unit, self.labels, self.rows = title, list(values), unit, labels, rows

    def plot(self, values: Sequence[float], labels: tuple[str, str] = ("", "")) -> None:
        self.values, self.labels = list(values), labels
        self.refresh(layout=True)

    def render(self) -> Text:
        t = Text(self.title + "\n", style="bold")
        t.append_text(block_plot(self.values, max(20, self.size.width - 1), self.rows, self.unit, self.labels))
        return t
