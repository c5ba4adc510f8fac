"""Server-rendered SVG charts for the console: no JavaScript, no CDN, escaped labels.

    columns(labels, series)        stacked columns (days or weeks on the x axis)
    bars(items)                    horizontal bars (top intents, cases by kind)
    split_bars(items, names)       horizontal bars split in two (helpful / not helpful)
    line(labels, values)           a line of percentages (fallback rate, no-show rate)

Each returns `Markup` holding one `<svg role="img">` with a `<title>`; colours are SVG
presentation attributes (the console's CSP allows no inline styles). Charts show counts and
rates only: what they are given is aggregated before it gets here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#0b6e4f", "#2f6fb0", "#e0a030", "#b0413e", "#6b3fa0", "#5f7c8a", "#2a9d8f", "#9c6644")
INK, MUTED, GRID = "#1d2a33", "#5f6b73", "#dde3e7"
FONT = 'font-family="system-ui, sans-serif"'


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(10 * step)


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 11, fill: str = MUTED
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" {FONT}>{escape(text)}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        'preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every part is escaped above


def _legend(
    names: Sequence[str], x: float, y: float, colours: Sequence[str] = PALETTE
) -> list[str]:
    parts, at = [], x
    for i, name in enumerate(names):
        colour = colours[i % len(colours)]
        parts.append(
            f'<rect x="{at:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(_text(at + 14, y, name, fill=INK))
        at += 22 + 7 * len(name)
    return parts


def _axis(
    left: float, top: float, width: float, height: float, top_value: float, unit: str
) -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = top + height - height * i / 4
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + width:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        label = f"{value:.0f}{unit}" if top_value >= 4 or unit else f"{value:.1f}"
        parts.append(_text(left - 6, y + 4, label, anchor="end", size=10))
    return parts


def _every(count: int, room: int) -> int:
    """Label every n-th x position so that labels do not overlap."""
    return max(1, -(-count // max(1, room)))


def columns(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    title: str,
    *,
    width: int = 640,
    height: int = 260,
) -> Markup:
    """Stacked columns: one per label, one colour per series, with a legend."""
    left, top, right, bottom = 44.0, 28.0, 12.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    body = [*_legend(list(series), left, 14), *_axis(left, top, plot_w, plot_h, top_value, "")]
    slot = plot_w / max(1, len(labels))
    bar = max(2.0, slot * 0.72)
    every = _every(len(labels), int(plot_w // 48))
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar) / 2
        base = top + plot_h
        for s, values in enumerate(series.values()):
            h = plot_h * values[i] / top_value if top_value else 0
            if h > 0:
                colour = PALETTE[s % len(PALETTE)]
                body.append(
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(label)}: {values[i]}</title></rect>'
                )
                base -= h
        if i % every == 0:
            body.append(_text(x + bar / 2, top + plot_h + 16, label, anchor="middle", size=10))
    if not labels or not any(totals):
        body.append(_text(left + plot_w / 2, top + plot_h / 2, "belum ada data", anchor="middle"))
    return _svg(width, height, title, body)


def bars(
    items: Sequence[tuple[str, float]], title: str, *, width: int = 640, unit: str = ""
) -> Markup:
    """Horizontal bars, largest first as given, the value at the end of each bar."""
    row, left, right = 22.0, 190.0, 60.0
    height = int(24 + row * max(1, len(items)))
    top_value = max((v for _, v in items), default=0) or 1
    plot_w = width - left - right
    body: list[str] = []
    for i, (label, value) in enumerate(items):
        y = 12 + i * row
        w = plot_w * value / top_value
        shown = label if len(label) <= 28 else label[:27] + "…"
        body.append(_text(left - 8, y + 13, shown, anchor="end", fill=INK))
        body.append(
            f'<rect x="{left:.1f}" y="{y + 2:.1f}" width="{max(w, 1):.1f}" height="{row - 6:.1f}" '
            f'fill="{PALETTE[0]}" rx="2"><title>{escape(label)}: {value:g}{unit}</title></rect>'
        )
        body.append(_text(left + max(w, 1) + 6, y + 13, f"{value:g}{unit}", fill=INK))
    if not items:
        body.append(_text(width / 2, 28, "belum ada data", anchor="middle"))
    return _svg(width, height, title, body)


def split_bars(
    items: Sequence[tuple[str, int, int]],
    names: tuple[str, str],
    title: str,
    *,
    width: int = 640,
) -> Markup:
    """Horizontal bars in two parts (first, second), e.g. helpful and not helpful."""
    row, left, right = 22.0, 190.0, 70.0
    height = int(40 + row * max(1, len(items)))
    top_value = max((a + b for _, a, b in items), default=0) or 1
    plot_w = width - left - right
    colours = (PALETTE[0], PALETTE[3])
    body = _legend(list(names), left, 14, colours)  # the bars' own colours
    for i, (label, first, second) in enumerate(items):
        y = 26 + i * row
        body.append(
            _text(
                left - 8,
                y + 13,
                label if len(label) <= 28 else label[:27] + "…",
                anchor="end",
                fill=INK,
            )
        )
        x = left
        for value, colour, name in ((first, colours[0], names[0]), (second, colours[1], names[1])):
            w = plot_w * value / top_value
            if w > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 2:.1f}" width="{w:.1f}" height="{row - 6:.1f}" '
                    f'fill="{colour}"><title>{escape(label)}, {escape(name)}: {value}</title>'
                    "</rect>"
                )
                x += w
        body.append(_text(x + 6, y + 13, f"{first} / {second}", fill=INK))
    if not items:
        body.append(_text(width / 2, 44, "belum ada data", anchor="middle"))
    return _svg(width, height, title, body)


def line(
    labels: Sequence[str],
    values: Sequence[float | None],
    title: str,
    *,
    width: int = 640,
    height: int = 220,
    unit: str = "%",
) -> Markup:
    """A line through the values (None: no data that day), on a 0–max axis."""
    left, top, right, bottom = 44.0, 16.0, 12.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    top_value = _nice_max(max(known, default=0))
    body = _axis(left, top, plot_w, plot_h, top_value, unit)
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0
    points: list[tuple[float, float, float, str]] = []
    for i, value in enumerate(values):
        if value is not None:
            x = left + i * step if len(labels) > 1 else left + plot_w / 2
            points.append((x, top + plot_h - plot_h * value / top_value, value, labels[i]))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{PALETTE[1]}" stroke-width="2"/>'
        )
    for x, y, value, label in points:
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[1]}">'
            f"<title>{escape(label)}: {value:.1f}{unit}</title></circle>"
        )
    every = _every(len(labels), int(plot_w // 48))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step if len(labels) > 1 else left + plot_w / 2
            body.append(_text(x, top + plot_h + 16, label, anchor="middle", size=10))
    if not points:
        body.append(_text(left + plot_w / 2, top + plot_h / 2, "belum ada data", anchor="middle"))
    return _svg(width, height, title, body)


def progress(sent: int, waiting: int, failed: int, title: str, *, width: int = 160) -> Markup:
    """A thin bar: sent (green), waiting (amber), failed or skipped (red)."""
    total = sent + waiting + failed
    body = [f'<rect x="0" y="0" width="{width}" height="10" rx="3" fill="{GRID}"/>']
    x = 0.0
    for value, colour in ((sent, PALETTE[0]), (waiting, PALETTE[2]), (failed, PALETTE[3])):
        w = width * value / total if total else 0
        if w > 0:
            body.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="10" fill="{colour}"/>')
            x += w
    return _svg(width, 10, title, body)
