"""Charts drawn on the server as inline SVG: nothing to load, nothing to run.

Values are exact decimals (Fraction); only the pixel positions are rounded."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from markupsafe import Markup, escape

WIDTH = 640
LABEL = 150
BAR = 22
GAP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: Fraction | None
    text: str  # the value as shown beside the bar
    target: Fraction | None = None
    ok: bool | None = None
    href: str | None = None


def _x(value: Fraction, top: Fraction, room: int) -> int:
    return int(value * room / top) if top else 0


def bars(items: list[Bar], title: str) -> Markup:
    """One horizontal bar per item (actual), with the target as a dark tick."""
    room = WIDTH - LABEL - 90
    top = max(
        [i.value for i in items if i.value is not None]
        + [i.target for i in items if i.target is not None]
        + [Fraction(0)]
    )
    top = top * Fraction(11, 10) if top else Fraction(1)
    height = len(items) * (BAR + GAP) + GAP
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    ]
    for n, item in enumerate(items):
        y = GAP + n * (BAR + GAP)
        cls = "ok" if item.ok else ("short" if item.ok is False else "plain")
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + BAR - 6}" text-anchor="end">{escape(item.label)}</text>'
        )
        width = _x(item.value, top, room) if item.value is not None else 0
        bar = f'<rect class="{cls}" x="{LABEL}" y="{y}" width="{width}" height="{BAR}"/>'
        if item.href:
            bar = f'<a href="{escape(item.href)}">{bar}</a>'
        parts.append(bar)
        parts.append(f'<text x="{LABEL + width + 4}" y="{y + BAR - 6}">{escape(item.text)}</text>')
        if item.target is not None:
            tx = LABEL + _x(item.target, top, room)
            parts.append(
                f'<line class="target" x1="{tx}" x2="{tx}" y1="{y - 3}" y2="{y + BAR + 3}"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it is escaped)


def stacked(parts: list[tuple[str, int, str]], total: int) -> Markup:
    """One bar split into parts (name, amount, css class), e.g. paid / failed /
    outstanding of a payment run."""
    room = WIDTH - 2
    x = 0
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} 26" width="{WIDTH}" height="26" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for name, amount, cls in parts:
        if amount <= 0 or total <= 0:
            continue
        width = max(int(Fraction(amount * room, total)), 1)
        out.append(
            f'<rect class="{cls}" x="{x}" y="2" width="{width}" height="22">'
            f"<title>{escape(name)}</title></rect>"
        )
        x += width
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 (every text in it is escaped)


def gauge(paid: int, cap: int) -> Markup:
    """Paid against a cap: a bar filled to paid / cap (full and red at or over the cap)."""
    room = 240
    width = room if cap <= 0 or paid >= cap else int(Fraction(paid * room, cap))
    cls = "short" if cap > 0 and paid >= cap else "ok"
    return Markup(  # noqa: S704 (numbers and fixed names only)
        f'<svg class="gauge" viewBox="0 0 {room} 16" width="{room}" height="16" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<rect class="track" x="0" y="0" width="{room}" height="16"/>'
        f'<rect class="{cls}" x="0" y="0" width="{width}" height="16"/></svg>'
    )
