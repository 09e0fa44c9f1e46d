"""Charts as inline SVG, generated here: no JavaScript, no external files, no fonts to fetch.

Every text that reaches a chart (labels, province names, titles) is
XML-escaped, so a chart can be embedded in HTML as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape as _escape

#: One colour per model type, the same in every chart and table.
COLOURS: dict[str, str] = {
    "jiaolianti": "#d62728",
    "group_run": "#1f77b4",
    "district_community": "#2ca02c",
    "urban_rural": "#ff7f0e",
    "none": "#7f7f7f",
}
INK = "#222222"
GRID = "#dddddd"
FONT = "font-family=\"'Noto Sans CJK SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif\""


def esc(text: object) -> str:
    """Text for SVG/HTML content or a double-quoted attribute."""
    return _escape(str(text), {'"': "&quot;", "'": "&#x27;"})


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        top = step * 5
        if value <= top:
            return float(top)
    magnitude = 10 ** len(str(int(value)))
    return float(magnitude)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(series: dict[str, Sequence[float]], x_labels: Sequence[str], *, title: str,
               y_title: str, highlight_last: bool = True, names: dict[str, str] | None = None,
               width: int = 820, height: int = 320) -> str:
    """Weekly lines, one per series (coloured by ``COLOURS``), the last x band shaded."""
    names = names or {}
    left, right, top, bottom = 56, 250, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(x_labels), 1)
    y_max = _nice_max(max((v for values in series.values() for v in values), default=0))

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / count)

    def y(v: float) -> float:
        return top + plot_h - plot_h * (v / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" {FONT}>',
        f"<title>{esc(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold" fill="{INK}">{esc(title)}</text>',
    ]
    if highlight_last and x_labels:
        band = plot_w / count
        parts.append(f'<rect x="{left + band * (count - 1):.1f}" y="{top}" width="{band:.1f}"'
                     f' height="{plot_h}" fill="#fff3bf"/>')
    for k in range(6):
        value = y_max * k / 5
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"'
                     f' stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end"'
                     f' fill="{INK}">{_fmt(value)}</text>')
    step = max(1, count // 7)
    for i, label in enumerate(x_labels):
        # Every step-th label, and the last one; a step label too close to the last would overlap it.
        if (i % step == 0 and count - 1 - i > step // 2) or i == count - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle"'
                         f' fill="{INK}">{esc(label)}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="11" fill="{INK}"'
                 f' transform="rotate(-90 14 {top + plot_h / 2:.1f})" text-anchor="middle">{esc(y_title)}</text>')
    for n, (key, values) in enumerate(series.items()):
        colour = COLOURS.get(key, INK)
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for i, v in enumerate(values):
            radius = 4.5 if i == len(values) - 1 else 2.5
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{radius}" fill="{colour}">'
                         f"<title>{esc(names.get(key, key))} {esc(x_labels[i])}: {_fmt(v)}</title></circle>")
        ly = top + 14 + n * 20
        parts.append(f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="14" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 32}" y="{ly}" font-size="11" fill="{INK}">'
                     f"{esc(names.get(key, key))}</text>")
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart(values: dict[str, float], *, title: str, names: dict[str, str] | None = None,
              reference: dict[str, float] | None = None, width: int = 720) -> str:
    """Horizontal bars, one per key, with an optional reference tick (e.g. the trailing mean)."""
    names = names or {}
    left, right, top, row = 230, 60, 36, 34
    height = top + row * len(values) + 16
    plot_w = width - left - right
    top_value = _nice_max(max([*values.values(), *(reference or {}).values(), 0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" {FONT}>',
        f"<title>{esc(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold" fill="{INK}">{esc(title)}</text>',
    ]
    for i, (key, value) in enumerate(values.items()):
        y0 = top + i * row
        bar = plot_w * value / top_value
        colour = COLOURS.get(key, INK)
        parts.append(f'<text x="{left - 8}" y="{y0 + 18}" font-size="12" text-anchor="end" fill="{INK}">'
                     f"{esc(names.get(key, key))}</text>")
        parts.append(f'<rect x="{left}" y="{y0 + 6}" width="{max(bar, 1):.1f}" height="18" fill="{colour}"/>')
        parts.append(f'<text x="{left + bar + 6:.1f}" y="{y0 + 19}" font-size="11" fill="{INK}">{_fmt(value)}</text>')
        if reference and key in reference:
            rx = left + plot_w * reference[key] / top_value
            parts.append(f'<line x1="{rx:.1f}" x2="{rx:.1f}" y1="{y0 + 2}" y2="{y0 + 28}" stroke="{INK}"'
                         f' stroke-width="2" stroke-dasharray="3,2"><title>{esc(names.get(key, key))}'
                         f" reference: {_fmt(reference[key])}</title></line>")
    parts.append("</svg>")
    return "\n".join(parts)


def diffusion_chart(points: Sequence[tuple[datetime | date, str]], *, title: str, colour: str = COLOURS["jiaolianti"],
                    width: int = 760, height: int = 380, until: date | None = None) -> str:
    """Cumulative regions reporting a model over time: a step line with a named dot per region."""
    left, right, top, bottom = 56, 130, 36, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    days = sorted((p if isinstance(p, date) and not isinstance(p, datetime) else p.date(), name)
                  for p, name in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" {FONT}>',
        f"<title>{esc(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="20" font-size="14" font-weight="bold" fill="{INK}">{esc(title)}</text>',
    ]
    if not days:
        parts.append(f'<text x="{left}" y="{top + 40}" font-size="12" fill="{INK}">No region has reported it yet.</text>')
        parts.append("</svg>")
        return "\n".join(parts)
    first, last = days[0][0], max(days[-1][0], until or days[-1][0])
    span = max((last - first).days, 1)
    y_max = _nice_max(len(days))

    def x(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / y_max

    for k in range(6):
        value = y_max * k / 5
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end"'
                     f' fill="{INK}">{_fmt(value)}</text>')
    for year in range(first.year, last.year + 2):
        tick = date(year, 1, 1)
        if first <= tick <= last:
            parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle"'
                         f' fill="{INK}">{year}</text>')
    parts.append(f'<text x="{left}" y="{top + plot_h + 34}" font-size="10" fill="{INK}">{first.isoformat()}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{top + plot_h + 34}" font-size="10" text-anchor="end"'
                 f' fill="{INK}">{last.isoformat()}</text>')
    path = [f"M{x(first):.1f},{y(0):.1f}"]
    for n, (day, _name) in enumerate(days, 1):
        path.append(f"H{x(day):.1f}V{y(n):.1f}")
    path.append(f"H{x(last):.1f}")
    parts.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    for n, (day, name) in enumerate(days, 1):
        parts.append(f'<circle cx="{x(day):.1f}" cy="{y(n):.1f}" r="3.5" fill="{colour}">'
                     f"<title>{esc(name)}: {day.isoformat()}</title></circle>")
        anchor_right = x(day) > left + plot_w * 0.8
        dx = -6 if anchor_right else 6
        parts.append(f'<text x="{x(day) + dx:.1f}" y="{y(n) + 3:.1f}" font-size="9" fill="{INK}"'
                     f' text-anchor="{"end" if anchor_right else "start"}">{esc(name)}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="11" fill="{INK}" text-anchor="middle"'
                 f' transform="rotate(-90 14 {top + plot_h / 2:.1f})">regions reporting</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append("</svg>")
    return "\n".join(parts)
