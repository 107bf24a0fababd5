"""Charts as small inline SVG (2-4 KB each) for the dashboard: grouped columns with reference lines, and
stacked horizontal bars with an optional band (a caseload ambition). No plotting library: what a board
pack needs is a few rectangles, and the page stays one self-contained file with no JavaScript.

Every chart is `role="img"` with a <title> and <desc> (screen readers read them; the page puts the data
table beside it). Colours come from CSS classes (`s0`, `s1`… for series, `ref0`, `ref1` for reference
lines) that the page defines once, so a chart carries geometry only. All text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT_PX = 11


@dataclass(frozen=True, slots=True)
class Series:
    """One series: its name (the legend), a value per category (None: nothing counted), its CSS class."""

    name: str
    values: Sequence[float | None]
    css: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A horizontal reference line across a column chart (a published figure)."""

    label: str
    value: float
    css: str


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate with at most one decimal place, no trailing zeros (keeps the SVG small)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_top(value: float) -> tuple[float, float]:
    """An axis top at or above `value` and its whole-number tick step (1, 2 or 5 times a power of ten)
    giving at most 5 ticks: counts never get a tick at 0.5."""
    if value <= 0:
        return 1.0, 1.0
    for exponent in range(max(int(math.floor(math.log10(value))) - 1, 0), 16):
        for base in (1, 2, 5):
            step = base * 10.0 ** exponent
            ticks = math.ceil(value / step)
            if ticks <= 5:
                return ticks * step, step
    return value, value  # pragma: no cover - unreachable for finite values


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
            f'id="{chart_id}">',
            f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>']


def _legend(series: Sequence[Series | Reference], x: float, y: float,
            width: float) -> tuple[list[str], float]:
    """Legend entries left to right, wrapping at `width`; and the y below the last line."""
    out: list[str] = []
    cx, cy = x, y
    for item in series:
        size = 9 + 4 + len(item.name if isinstance(item, Series) else item.label) * 5.6 + 14
        if cx + size > x + width and cx > x:
            cx, cy = x, cy + 14
        if isinstance(item, Series):
            out.append(f'<rect class="{item.css}" x="{_n(cx)}" y="{_n(cy - 8)}" width="9" height="9"/>')
            label = item.name
        else:
            out.append(f'<line class="{item.css}" x1="{_n(cx)}" x2="{_n(cx + 9)}" y1="{_n(cy - 3.5)}" '
                       f'y2="{_n(cy - 3.5)}"/>')
            label = item.label
        out.append(f'<text x="{_n(cx + 13)}" y="{_n(cy)}">{_e(label)}</text>')
        cx += size
    return out, (cy + 12 if series else y - 6)


def columns(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
            *, percent: bool = False, references: Sequence[Reference] = (), width: int = 560,
            height: int = 230) -> str:
    """Grouped columns, one group per category; a percentage axis (0-100) or a count axis."""
    left, right, bottom = 34, 8, 22
    plot_w = width - left - right
    values = [v for s in series for v in s.values if v is not None]
    if percent:
        y_top, step = 100.0, 25.0
    else:
        y_top, step = nice_top(max(values, default=0))
    out = _open(chart_id, title, desc, width, height)
    legend, top = _legend([*series, *references], left, 12, plot_w)
    out += legend
    top += 6
    plot_h = height - top - bottom

    def y(value: float) -> float:
        return top + plot_h - value / y_top * plot_h

    ticks = int(round(y_top / step))
    for i in range(ticks + 1):
        value = i * step
        out.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_n(y(value))}" '
                   f'y2="{_n(y(value))}"/>')
        label = f"{value:g}%" if percent else f"{value:g}"
        out.append(f'<text class="ax" x="{left - 4}" y="{_n(y(value) + 3.5)}" '
                   f'text-anchor="end">{label}</text>')
    group = plot_w / max(len(categories), 1)
    bar = min(group * 0.8 / max(len(series), 1), 28)
    for index, category in enumerate(categories):
        x0 = left + index * group + (group - bar * len(series)) / 2
        for number, one in enumerate(series):
            given = one.values[index]
            if given is None:
                continue
            value = given
            shown = f"{value:g}%" if percent else f"{value:g}"
            out.append(f'<rect class="{one.css}" x="{_n(x0 + number * bar)}" y="{_n(y(value))}" '
                       f'width="{_n(bar - 1)}" height="{_n(top + plot_h - y(value))}">'
                       f'<title>{_e(category)}, {_e(one.name)}: {shown}</title></rect>')
            if bar >= 14:  # the value above its column, where it fits
                out.append(f'<text class="v" x="{_n(x0 + number * bar + (bar - 1) / 2)}" '
                           f'y="{_n(y(value) - 2)}" text-anchor="middle">{value:.0f}</text>')
        out.append(f'<text class="ax" x="{_n(left + index * group + group / 2)}" y="{top + plot_h + 13}" '
                   f'text-anchor="middle">{_e(category)}</text>')
    for ref in references:
        out.append(f'<line class="{ref.css}" x1="{left}" x2="{left + plot_w}" y1="{_n(y(ref.value))}" '
                   f'y2="{_n(y(ref.value))}"><title>{_e(ref.label)}</title></line>')
    out.append(f'<line class="axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
               f'y2="{top + plot_h}"/>')
    if not values:
        out.append(f'<text class="ax" x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h / 2)}" '
                   'text-anchor="middle">nothing counted yet</text>')
    out.append("</svg>")
    return "".join(out)


def bars(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series], *,
         bands: Sequence[tuple[float, float] | None] = (), band_label: str = "", width: int = 560,
         label_width: int = 150, row: int = 18) -> str:
    """Horizontal bars, one per category, the series stacked; a shaded band per category (e.g. the
    team's caseload ambition, low to high) when `bands` is given; the total at the end of each bar."""
    left, right = label_width, 36
    plot_w = width - left - right
    totals = [sum(v or 0 for v in values) for values in zip(*(s.values for s in series), strict=True)] \
        if series else []
    highest = max([*totals, *(b[1] for b in bands if b is not None)], default=0)
    x_top, step = nice_top(highest)
    keys: list[Series | Reference] = list(series) if len(series) > 1 else []
    if band_label:
        keys.append(Series(band_label, (), "band"))
    legend, top = _legend(keys, 8, 12, width - 16)
    top += 4
    height = int(top + row * max(len(categories), 1) + 18)
    out = _open(chart_id, title, desc, width, height)
    out += legend

    def x(value: float) -> float:
        return left + value / x_top * plot_w

    bottom = top + row * len(categories)
    ticks = int(round(x_top / step))
    for i in range(ticks + 1):
        value = i * step
        out.append(f'<line class="grid" x1="{_n(x(value))}" x2="{_n(x(value))}" y1="{top}" y2="{bottom}"/>')
        out.append(f'<text class="ax" x="{_n(x(value))}" y="{bottom + 12}" '
                   f'text-anchor="middle">{value:g}</text>')
    for index, category in enumerate(categories):
        y0 = top + index * row
        band = bands[index] if index < len(bands) else None
        if band is not None:
            low, high = band
            out.append(f'<rect class="band" x="{_n(x(low))}" y="{y0 + 1}" '
                       f'width="{_n(max(x(high) - x(low), 3))}" height="{row - 2}">'
                       f'<title>{_e(band_label)}: {low:g} to {high:g}</title></rect>')
        start = 0.0
        for one in series:
            value = one.values[index] or 0
            if value:
                out.append(f'<rect class="{one.css}" x="{_n(x(start))}" y="{y0 + 4}" '
                           f'width="{_n(x(start + value) - x(start))}" height="{row - 8}">'
                           f'<title>{_e(category)}, {_e(one.name)}: {value:g}</title></rect>')
            start += value
        name = category if len(category) <= label_width // 6 else category[:label_width // 6 - 1] + "…"
        out.append(f'<text x="{left - 4}" y="{y0 + row / 2 + 4:g}" text-anchor="end">{_e(name)}</text>')
        out.append(f'<text class="ax" x="{_n(x(start) + 3)}" y="{y0 + row / 2 + 4:g}">{start:g}</text>')
    out.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/>')
    out.append("</svg>")
    return "".join(out)
