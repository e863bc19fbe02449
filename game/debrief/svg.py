"""A small SVG writer for the debrief's charts: plain text out, byte-stable, no dependencies.

Every number is written with a fixed number of decimals and every element in a fixed order,
so the same figures always give the same bytes (matplotlib's SVG carries dates and ids)."""

from __future__ import annotations

import math
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

# Colour-blind-safe (Okabe-Ito, then Tol's muted), distinct in print as well as on screen.
PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288", "#999933",
    "#882255", "#44aa99", "#117733", "#aa4499",
)
DASHES = ("", "6 3", "2 2", "8 3 2 3")  # a second cue beside colour, for grey-scale prints
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _n(x: float) -> str:
    """A coordinate: one decimal, no negative zero."""
    s = f"{x:.1f}"
    return "0.0" if s == "-0.0" else s


def _attr(text: str) -> str:
    return quoteattr(str(text))


def label(v: float) -> str:
    """A tick label: short and readable (1.2k, 3.4M, 0.25)."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.1f}G"
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    if a >= 1e3:
        return f"{v / 1e3:.1f}k"
    if a >= 10 or a == 0:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.1f}"
    return f"{v:.2f}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


class Svg:
    """An SVG document built element by element."""

    def __init__(self, width: int, height: int, title: str):
        self.width, self.height = width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" {FONT} font-size="11">',
            f"<title>{escape(title)}</title>",
        ]

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, s: str, anchor: str = "start", size: int | None = None, weight: str = "", fill: str = "#222", rotate: bool = False) -> None:
        extra = f' font-size="{size}"' if size else ""
        extra += f' font-weight="{weight}"' if weight else ""
        extra += f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(str(s))}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#888", width: float = 1, dash: str = "") -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" stroke-width="{width}"{d}/>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str, title: str = "", stroke: str = "") -> None:
        s = f' stroke="{stroke}"' if stroke else ""
        body = f"<title>{escape(title)}</title>" if title else ""
        end = f">{body}</rect>" if body else "/>"
        self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(0.0, w))}" height="{_n(max(0.0, h))}" fill="{fill}"{s}{end}')

    def polyline(self, points: Sequence[tuple[float, float]], stroke: str, width: float = 2, dash: str = "") -> None:
        if not points:
            return
        d = f' stroke-dasharray="{dash}"' if dash else ""
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.add(f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{width}" stroke-linejoin="round"{d}/>')

    def circle(self, x: float, y: float, r: float, fill: str, title: str = "") -> None:
        body = f"<title>{escape(title)}</title></circle>" if title else ""
        self.add(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"' + (f">{body}" if body else "/>"))

    def render(self) -> str:
        return "\n".join(self.parts + ["</svg>"])


def _legend(svg: Svg, names: Sequence[str], x0: float, y: float, width: float) -> None:
    """One row (or more) of coloured keys under the plot."""
    x = x0
    for i, name in enumerate(names):
        w = 34 + 6.2 * len(name)
        if x + w > x0 + width and x > x0:
            x, y = x0, y + 16
        svg.line(x, y - 4, x + 22, y - 4, colour(i), 3, DASHES[i % len(DASHES)])
        svg.text(x + 26, y, name)
        x += w


def legend_rows(names: Sequence[str], width: float) -> int:
    rows, x = 1, 0.0
    for name in names:
        w = 34 + 6.2 * len(name)
        if x + w > width and x > 0:
            rows, x = rows + 1, 0.0
        x += w
    return rows


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_label: str = "",
    markers: Sequence[tuple[int, str]] = (),
    width: int = 760,
    height: int = 300,
    invert: bool = False,
    y_min: float | None = None,
    integer_ticks: bool = False,
) -> str:
    """Lines over quarters; None leaves a gap. Markers are dashed verticals at a quarter index,
    numbered on the chart (their text goes in each marker's tooltip and the table beside it)."""
    names = [n for n, _ in series]
    legend_h = 16 * legend_rows(names, width - 70) + 6
    svg = Svg(width, height + legend_h, title)
    left, right, top, bottom = 62, 30, 26, 44  # room on the right for the last quarter's label
    pw, ph = width - left - right, height - top - bottom
    svg.text(left, 16, title, size=13, weight="bold")
    values = [v for _, ys in series for v in ys if v is not None and math.isfinite(v)]
    lo = min(values) if values else 0.0
    hi = max(values) if values else 1.0
    if y_min is not None:
        lo = min(lo, y_min)
    if integer_ticks:
        ticks = [float(t) for t in range(int(math.floor(lo)), int(math.ceil(hi)) + 1)]
        if len(ticks) == 1:
            ticks.append(ticks[0] + 1)
    else:
        ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    span = (hi - lo) or 1.0
    n = max(1, len(x_labels) - 1)

    def X(i: float) -> float:
        return left + pw * i / n

    def Y(v: float) -> float:
        f = (v - lo) / span
        return top + (f if invert else 1 - f) * ph

    for t in ticks:
        svg.line(left, Y(t), left + pw, Y(t), "#e4e4e4")
        svg.text(left - 6, Y(t) + 4, f"{t:.0f}" if integer_ticks else label(t), "end", fill="#555")
    svg.line(left, top, left, top + ph, "#777")
    svg.line(left, top + ph, left + pw, top + ph, "#777")
    every = max(1, math.ceil(len(x_labels) / 12))
    last = len(x_labels) - 1
    for i, lab in enumerate(x_labels):
        # every few quarters, and the last one unless it would overprint its neighbour
        if i % every == 0 and (i == last or last - i >= every) or i == last and last % every >= every / 2 or i == last == 0:
            svg.line(X(i), top + ph, X(i), top + ph + 4, "#777")
            svg.text(X(i), top + ph + 16, lab, "middle", size=10, fill="#555")
    if y_label:
        svg.text(14, top + ph / 2, y_label, "middle", size=10, fill="#555", rotate=True)
    stacked: dict[int, int] = {}
    for k, (i, text) in enumerate(markers, 1):
        x = X(i)
        level = stacked[i] = stacked.get(i, -1) + 1  # several in one quarter: numbers one under another
        svg.add(f'<g class="marker"><title>{escape(text)}</title>')
        if level == 0:
            svg.line(x, top, x, top + ph, "#b00", 1, "3 3")
        svg.text(x + 2, top + 10 + 10 * level, str(k), size=9, fill="#b00", weight="bold")
        svg.add("</g>")
    for s, (name, ys) in enumerate(series):
        segment: list[tuple[float, float]] = []
        for i, v in enumerate([*ys, None]):
            if v is not None and math.isfinite(v):
                segment.append((X(i), Y(v)))
                continue
            if len(segment) == 1:  # a quarter alone between gaps: a dot, or it would not show
                svg.circle(*segment[0], 3, colour(s))
            else:
                svg.polyline(segment, colour(s), 2, DASHES[s % len(DASHES)])
            segment = []
    _legend(svg, names, left, height + 8, width - left - right)
    return svg.render()


def range_chart(title: str, rows: Sequence[dict], *, width: int = 760, unit: str = "×", actual_label: str = "actual", range_label: str = "reseeded futures: p10–p90, with the median marked", as_percent: bool = False) -> str:
    """One row per comparison: a bar from p10 to p90 with a tick at the median, a dot for each
    named alternative and a diamond for the actual score. rows: {label, actual, low, mid, high,
    points: [(name, value)]} (any of low/mid/high/points may be missing)."""
    row_h, left, right, top = 30, 190, 20, 40
    height = top + row_h * max(1, len(rows)) + 54
    svg = Svg(width, height, title)
    svg.text(8, 16, title, size=13, weight="bold")
    values = []
    for r in rows:
        values += [v for v in (r.get("actual"), r.get("low"), r.get("high")) if v is not None]
        values += [v for _, v in r.get("points", ()) if v is not None]
    ticks = nice_ticks(min(values or [0.0]), max(values or [1.0]))
    lo, hi = ticks[0], ticks[-1]
    pw = width - left - right

    def X(v: float) -> float:
        return left + pw * (v - lo) / ((hi - lo) or 1.0)

    bottom = top + row_h * max(1, len(rows))
    for t in ticks:
        svg.line(X(t), top - 6, X(t), bottom, "#e4e4e4")
        svg.text(X(t), bottom + 14, f"{100 * t:.0f}%" if as_percent else label(t) + unit, "middle", size=10, fill="#555")
    for k, r in enumerate(rows):
        y = top + row_h * k + row_h / 2
        svg.text(left - 8, y + 4, r["label"], "end")
        if r.get("low") is not None and r.get("high") is not None:
            svg.rect(X(r["low"]), y - 5, X(r["high"]) - X(r["low"]), 10, "#cfe3f3", f"{r['low']:.2f}–{r['high']:.2f}")
        if r.get("mid") is not None:
            svg.line(X(r["mid"]), y - 8, X(r["mid"]), y + 8, "#0072b2", 2)
        for j, (name, v) in enumerate(r.get("points", ())):
            if v is not None:
                svg.circle(X(v), y, 4, colour(j + 1), f"{name}: {v:.2f}")
        if r.get("actual") is not None:
            x = X(r["actual"])
            svg.add(f'<path d="M{_n(x)} {_n(y - 7)} L{_n(x + 6)} {_n(y)} L{_n(x)} {_n(y + 7)} L{_n(x - 6)} {_n(y)} Z" fill="#222"><title>{escape(actual_label)}: {r["actual"]:.2f}</title></path>')
    # key
    ky = bottom + 28
    svg.add(f'<path d="M{left} {ky - 8} L{left + 6} {ky - 4} L{left} {ky} L{left - 6} {ky - 4} Z" fill="#222"/>')
    svg.text(left + 10, ky, actual_label)
    x = left + 70
    names = []
    for r in rows:
        for name, _ in r.get("points", ()):
            if name not in names:
                names.append(name)
    for j, name in enumerate(names):
        svg.circle(x, ky - 4, 4, colour(j + 1))
        svg.text(x + 8, ky, name)
        x += 20 + 6.2 * len(name)
    if any(r.get("low") is not None for r in rows):  # on a line of its own: it is the longest
        ky += 18
        svg.rect(left - 10, ky - 9, 20, 10, "#cfe3f3")
        svg.line(left, ky - 12, left, ky + 2, "#0072b2", 2)
        svg.text(left + 16, ky, range_label)
    return svg.render()


def histogram(title: str, groups: Sequence[tuple[str, Sequence[float]]], *, bins: int = 20, width: int = 760, height: int = 90) -> str:
    """Small multiples: one histogram strip per group over a shared x axis."""
    allv = [v for _, vs in groups for v in vs if math.isfinite(v)]
    ticks = nice_ticks(min(allv + [0.0]), max(allv + [1.0]))
    lo, hi = ticks[0], ticks[-1]
    left, right, top = 170, 16, 30
    pw = width - left - right
    total_h = top + height * max(1, len(groups)) + 26
    svg = Svg(width, total_h, title)
    svg.text(8, 18, title, size=13, weight="bold")
    bw = (hi - lo) / bins or 1.0
    for k, (name, vs) in enumerate(groups):
        y0 = top + height * k
        counts = [0] * bins
        for v in vs:
            if math.isfinite(v):
                counts[min(bins - 1, max(0, int((v - lo) / bw)))] += 1
        peak = max(counts) or 1
        svg.text(left - 8, y0 + height / 2 + 4, name, "end")
        svg.line(left, y0 + height - 6, left + pw, y0 + height - 6, "#bbb")
        for b, c in enumerate(counts):
            if c:
                h = (height - 14) * c / peak
                svg.rect(left + pw * b / bins + 0.5, y0 + height - 6 - h, pw / bins - 1, h, colour(k), f"{lo + b * bw:.2f}–{lo + (b + 1) * bw:.2f}: {c} games")
        if vs:
            mean = sum(vs) / len(vs)
            x = left + pw * (mean - lo) / ((hi - lo) or 1.0)
            svg.line(x, y0 + 4, x, y0 + height - 6, "#222", 1.5, "3 2")
    bottom = top + height * max(1, len(groups))
    for t in ticks:
        x = left + pw * (t - lo) / ((hi - lo) or 1.0)
        svg.line(x, bottom - 6, x, bottom - 2, "#777")
        svg.text(x, bottom + 10, label(t), "middle", size=10, fill="#555")
    return svg.render()


def heatmap(title: str, rows: Sequence[str], cols: Sequence[str], values: dict[tuple[str, str], float | None], *, width: int = 760) -> str:
    """A grid of shares in [0, 1]: blue above one half, orange below, white at one half."""
    left = 8 + 7 * max([len(r) for r in rows] + [4])
    top = 40 + 6 * max([len(c) for c in cols] + [4])
    cell = max(18, min(60, (width - left - 10) / max(1, len(cols))))
    height = int(top + cell * len(rows) + 12)
    svg = Svg(int(left + cell * len(cols) + 12 + 5 * max([len(c) for c in cols] + [4])), height, title)  # room for the last slanted head
    svg.text(8, 16, title, size=13, weight="bold")
    for j, c in enumerate(cols):
        x = left + cell * j + cell / 2
        svg.add(f'<text x="{_n(x)}" y="{_n(top - 6)}" text-anchor="start" fill="#333" font-size="10" transform="rotate(-50 {_n(x)} {_n(top - 6)})">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = top + cell * i
        svg.text(left - 6, y + cell / 2 + 4, r, "end")
        for j, c in enumerate(cols):
            v = values.get((r, c))
            x = left + cell * j
            if v is None:
                svg.rect(x, y, cell - 1, cell - 1, "#f4f4f4")
                continue
            svg.rect(x, y, cell - 1, cell - 1, _diverging(v), f"{r} above {c}: {v:.0%}")
            svg.text(x + cell / 2, y + cell / 2 + 4, f"{100 * v:.0f}", "middle", size=10, fill="#fff" if abs(v - 0.5) > 0.3 else "#222")
    return svg.render()


def _diverging(v: float) -> str:
    v = min(1.0, max(0.0, v))
    if v >= 0.5:
        a, b = (255, 255, 255), (0, 90, 160)
        f = (v - 0.5) * 2
    else:
        a, b = (255, 255, 255), (200, 100, 0)
        f = (0.5 - v) * 2
    r, g, bl = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"
