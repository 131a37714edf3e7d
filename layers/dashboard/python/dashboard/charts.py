"""The overview's charts as server-rendered SVG (no JavaScript, no chart library): bars
per hour, and lines for latency. Only numbers and fixed labels go into the markup."""

from __future__ import annotations

import time
from typing import Any

from markupsafe import Markup, escape

W, H = 1080, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * step:
            return m * step
    return 10 * step


def _frame(title: str, top: float, unit: str, hours: list[dict[str, Any]], body: list[str], legend: list[tuple[str, str]]) -> Markup:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):  # grid and y labels
        y = TOP + plot_h - plot_h * i / 4
        value = top * i / 4
        label = f"{value:g}{unit}" if value < 10_000 else f"{value / 1000:g}k{unit}"
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ee"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10" fill="#697386">{escape(label)}</text>')
    n = max(len(hours), 1)
    for i, h in enumerate(hours):  # x labels every 6 hours
        if i % 6 == 0:
            x = LEFT + plot_w * (i + 0.5) / n
            label = time.strftime("%H:00", time.gmtime(h["start"]))
            parts.append(f'<text x="{x:.1f}" y="{H - 8}" text-anchor="middle" font-size="10" fill="#697386">{label}</text>')
    parts += body
    x = LEFT
    for color, name in legend:
        parts.append(f'<rect x="{x}" y="{TOP}" width="9" height="9" fill="{color}"/>')
        parts.append(f'<text x="{x + 12}" y="{TOP + 8}" font-size="10" fill="#3c4257">{escape(name)}</text>')
        x += 16 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, hours: list[dict[str, Any]], series: list[tuple[str, str, str]]) -> Markup:
    """Stacked-over bars: each (field, color, label) drawn over the previous from 0
    (so `errors` over `requests` shows the share that failed)."""
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    top = _nice_max(max([h.get(f) or 0 for h in hours for f, _, _ in series] or [0]))
    n = max(len(hours), 1)
    slot = plot_w / n
    body = []
    for i, h in enumerate(hours):
        for field, color, label in series:
            v = h.get(field) or 0
            if v <= 0:
                continue
            bh = plot_h * v / top
            x = LEFT + slot * i + slot * 0.15
            y = TOP + plot_h - bh
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bh:.1f}" fill="{color}">'
                f"<title>{escape(label)}: {v:g}</title></rect>"
            )
    return _frame(title, top, "", hours, body, [(c, label) for _, c, label in series])


def lines(title: str, hours: list[dict[str, Any]], series: list[tuple[str, str, str]], unit: str = " ms") -> Markup:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    top = _nice_max(max([h.get(f) or 0 for h in hours for f, _, _ in series] or [0]))
    n = max(len(hours), 1)
    body = []
    for field, color, label in series:
        points = []
        for i, h in enumerate(hours):
            v = h.get(field)
            if v is None:
                continue
            x = LEFT + plot_w * (i + 0.5) / n
            y = TOP + plot_h - plot_h * v / top
            points.append((x, y, v))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, v in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"><title>{escape(label)}: {v:g}{unit}</title></circle>')
    return _frame(title, top, "", hours, body, [(c, label) for _, c, label in series])
