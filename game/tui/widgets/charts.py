"""Trends in text: a sparkline for table cells, a block plot, and a line chart of several series."""

from __future__ import annotations

from typing import Mapping, Sequence

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
    if v == 0:
        return f"0{unit}"
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


# One colour per series, in order; distinct on dark and light themes alike.
PALETTE = ("bright_cyan", "bright_magenta", "bright_yellow", "bright_green", "bright_red", "bright_blue", "white", "orange1")
_BRAILLE = 0x2800
# dot bit of (column 0..1, row 0..3) inside one braille cell
_DOT = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    width: int,
    height: int,
    unit: str = "",
    labels: tuple[str, str] = ("", ""),
    from_zero: bool = True,
) -> Text:
    """Every series on one scale: a braille line each, a legend, a labelled axis.

    The axis runs from zero when the quantity is a stock (from_zero), so a rise from 562k to
    565k is not drawn as a doubling; a series with a single point is drawn as a point.
    """
    out = Text()
    named = {k: [v for v in vals] for k, vals in series.items()}
    values = [v for vals in named.values() for v in vals if v is not None]
    if not values or width < 16 or height < 2:
        out.append("(no data yet)", style="dim")
        return out
    lo, hi = min(values), max(values)
    if from_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12:
        hi = lo + (abs(lo) or 1.0)
    axis = max(len(_fmt(hi, unit)), len(_fmt(lo, unit))) + 1
    cols = width - axis - 1
    n = max(len(vals) for vals in named.values())
    px_w, px_h = cols * 2, height * 4
    cells = [[0] * cols for _ in range(height)]
    owner: list[list[int | None]] = [[None] * cols for _ in range(height)]

    def dot(x: int, y: int, k: int) -> None:
        col, row = x // 2, (px_h - 1 - y) // 4
        if 0 <= col < cols and 0 <= row < height:
            cells[row][col] |= _DOT[x % 2][(px_h - 1 - y) % 4]
            owner[row][col] = k

    def point(i: int, v: float) -> tuple[int, int]:
        x = round(i * (px_w - 1) / (n - 1)) if n > 1 else px_w // 2
        y = round((v - lo) / (hi - lo) * (px_h - 1))
        return x, y

    for k, vals in enumerate(named.values()):
        prev = None
        for i, v in enumerate(vals):
            if v is None:
                prev = None
                continue
            x, y = point(i, v)
            if prev is None:
                dot(x, y, k)
            else:  # a straight segment from the last point, one dot per pixel step
                x0, y0 = prev
                steps = max(abs(x - x0), abs(y - y0), 1)
                for t in range(steps + 1):
                    dot(round(x0 + (x - x0) * t / steps), round(y0 + (y - y0) * t / steps), k)
            prev = (x, y)
    for row in range(height):
        label = _fmt(hi, unit) if row == 0 else (_fmt(lo, unit) if row == height - 1 else "")
        out.append(label.rjust(axis), style="dim")
        out.append("│", style="dim")
        for col in range(cols):
            bits, k = cells[row][col], owner[row][col]
            out.append(chr(_BRAILLE + bits) if bits else " ", style=PALETTE[k % len(PALETTE)] if k is not None else "")
        out.append("\n")
    out.append(" " * axis + "└" + "─" * cols + "\n", style="dim")
    first, last = labels
    if first or last:
        out.append(" " * (axis + 1) + first + last.rjust(max(0, cols - len(first))) + "\n", style="dim")
    if len(named) > 1:
        for k, name in enumerate(named):
            out.append("● ", style=PALETTE[k % len(PALETTE)])
            out.append(name + "  ")
    return out


class LineChart(Static):
    """A titled line chart of one or more series on one scale, redrawn to its size."""

    DEFAULT_CSS = "LineChart { height: auto; margin-bottom: 1; }"

    def __init__(self, title: str, unit: str = "", rows: int = 6, from_zero: bool = True, **kw):
        super().__init__(**kw)
        self.title, self.unit, self.rows, self.from_zero = title, unit, rows, from_zero
        self.series: dict[str, list[float | None]] = {}
        self.labels: tuple[str, str] = ("", "")

    def plot(self, series: Mapping[str, Sequence[float | None]], labels: tuple[str, str] = ("", "")) -> None:
        self.series, self.labels = {k: list(v) for k, v in series.items()}, labels
        self.refresh(layout=True)

    def render(self) -> Text:
        t = Text(self.title + "\n", style="bold")
        t.append_text(line_chart(self.series, max(20, self.size.width - 1), self.rows, self.unit, self.labels, self.from_zero))
        return t
