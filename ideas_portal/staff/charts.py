"""The dashboard's charts, drawn on the server by leather as inline SVG.

leather writes presentation attributes only (fill, stroke, font-size), never a <style> element or a script, so the
charts live under the site's CSP as they are. Each chart gets a viewBox (it scales to the column it sits in) and
a <title> that names it for screen readers; the page prints the same numbers in a table and offers them as CSV.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from xml.etree import ElementTree as ET

import leather
from markupsafe import Markup

WIDTH, HEIGHT = 360, 200  # drawn at about 315 px on a phone, so 13 px ticks stay about 11 px tall
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_ids = itertools.count(1)

# leather keeps its look in module settings: set once, for every chart this process draws.
for _name, _value in {
    "background_color": "#ffffff",
    "margin": 0.04,
    "title_font_family": FONT,
    "legend_font_family": FONT,
    "axis_title_font_family": FONT,
    "tick_font_family": FONT,
    "tick_font_size": 13,
    "tick_font_char_width": 7,
    "label_color": "#475569",
    "tick_color": "#e2e8f0",
    "zero_color": "#94a3b8",
}.items():
    setattr(leather.theme, _name, _value)


def _nice_top(largest: int) -> tuple[int, list[int]]:
    """An axis top at a round number with at most five whole-number ticks, so counts never read 2.5."""
    largest = max(1, largest)
    step = 10 ** max(0, int(math.log10(largest)))
    for factor in (1, 2, 5, 10):
        if math.ceil(largest / (step * factor)) <= 5:
            step *= factor
            break
    top = step * math.ceil(largest / step)
    return top, list(range(0, top + 1, step))


def _svg(chart: leather.Chart, label: str, height: int = HEIGHT) -> Markup:
    chart_id = f"chart-{next(_ids)}"
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "aria-labelledby": chart_id,
            "class": "chart",
            "preserveAspectRatio": "xMidYMid meet",
        },
    )
    title = ET.SubElement(root, "title", id=chart_id)
    title.text = label
    root.append(chart.to_svg_group(WIDTH, height))
    return Markup(ET.tostring(root, encoding="unicode"))  # ElementTree escapes every text and attribute


def columns(label: str, points: list[tuple[date, int]], colour: str) -> Markup:
    """One column per day, about five days named along the axis."""
    top, ticks = _nice_top(max((n for _, n in points), default=0))
    names = [day.strftime("%d %b") for day, _ in points]  # unique: a window is at most 365 days
    chart = leather.Chart()
    chart.add_columns([(name, n) for name, (_, n) in zip(names, points)], fill_color=colour)
    chart.add_x_axis(ticks=names[:: max(1, math.ceil(len(names) / 5))])
    chart.add_y_scale(0, top)
    chart.add_y_axis(ticks=ticks)
    return _svg(chart, label)


def bars(label: str, rows: list[tuple[str, int]], colours: dict[str, str] | None = None) -> Markup:
    """Horizontal bars, one per row label, top to bottom in the given order."""
    top, ticks = _nice_top(max((n for _, n in rows), default=0))
    chart = leather.Chart()
    fill = (lambda d: (colours or {}).get(d.y, "#0f766e")) if colours else "#0f766e"
    chart.add_bars([(n, name) for name, n in rows], fill_color=fill)
    chart.add_x_scale(0, top)
    chart.add_x_axis(ticks=ticks)
    return _svg(chart, label, height=max(120, 40 + 30 * len(rows)))
