"""Server-rendered SVG charts for the dashboards: no JavaScript, no chart library, readable on a
phone. Every chart is an image with a title and a one-sentence description; the figures behind it
are in a data table beside it on the page (`oversight.dashboards.tables`), which screen readers
and the CSV download use.

Bars are laid out in percentages of the chart's width with text at a fixed size, so labels stay
legible on a 320-pixel screen instead of shrinking with a scaled viewBox. The weekly trend is drawn
in an inner SVG that stretches to the width (its lines keep their thickness).
"""

from __future__ import annotations

import datetime
import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)

BAR_LABEL_HEIGHT = 20  # a line of label text above each bar
BAR_HEIGHT = 14
BAR_PREVIOUS_HEIGHT = 6
BAR_GAP = 10
VALUE_ROOM = 14  # per cent of the width kept right of the longest bar for its figure
# SVG text never wraps: a label longer than this many characters goes on more lines, so it is
# whole on a 320-pixel screen and at 400% zoom (WCAG 1.4.10), not cut off at the chart's edge.
LABEL_LINE_CHARACTERS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # a count, or a rate
    previous: int | None = None  # drawn as a thin grey bar under it, when comparing periods
    flag: bool = False  # drawn red (an outlier)
    shown: str = ""  # the figure as written at the bar's end (default: the value, "1,234")

    @property
    def figure(self) -> str:
        return self.shown or f"{self.value:,}"


def _chart_id() -> str:
    return f"chart-{next(_ids)}"


def _label_lines(label: str) -> list[str]:
    """A bar's label in lines short enough for the narrowest screen (a long word is split)."""
    return textwrap.wrap(label, LABEL_LINE_CHARACTERS, break_on_hyphens=True) or [label]


def _label(label: str, top: int) -> SafeString:
    """The label above a bar: one `<text>`, with a `<tspan>` a line when it needs more than one."""
    lines = _label_lines(label)
    if len(lines) == 1:
        return format_html('<text class="app-chart__label" x="0" y="{}">{}</text>', top + 15, label)
    spans = []
    at = 0
    for n, line in enumerate(lines):
        at = label.index(line, at) + len(line)
        # The space the line ended at stays in the text (the label reads whole to a test or a
        # copy), and is not drawn.
        space = " " if label[at : at + 1] == " " else ""
        spans.append(
            format_html(
                '<tspan x="0" dy="{}">{}{}</tspan>', 0 if n == 0 else BAR_LABEL_HEIGHT, line, space
            )
        )
    spans_html = mark_safe("".join(spans))  # noqa: S308 - each line is built with format_html
    return format_html(
        '<text class="app-chart__label" x="0" y="{}">{}</text>', top + 15, spans_html
    )


def _percent(value: float, scale: float) -> str:
    return f"{(value / scale) * (100 - VALUE_ROOM):.2f}%" if scale else "0%"


def bar_chart(
    *,
    title: str,
    bars: Sequence[Bar],
    description: str = "",
    previous_label: str = "",
    current_label: str = "This period",
    flag_label: str = "Well above usual",
) -> SafeString:
    """Horizontal bars, a label above each and the figure at its end; with `previous_label`,
    a thin grey bar under each shows the period before. The key names the periods, and the
    red of a flagged bar when there is one (the description says which, in words)."""
    cid = _chart_id()
    comparing = bool(previous_label) and any(b.previous is not None for b in bars)
    scale = max([b.value for b in bars] + [b.previous or 0 for b in bars] + [1])
    bar_room = BAR_HEIGHT + (BAR_PREVIOUS_HEIGHT + 2 if comparing else 0) + BAR_GAP
    if not description:
        before = comparing and previous_label
        description = "; ".join(
            f"{b.label}: {b.value}"
            + (f" ({b.previous} in {previous_label})" if before and b.previous is not None else "")
            + (f", {flag_label.lower()}" if b.flag else "")
            for b in bars
        )
        description = description or "No figures."
    rows = []
    top = 0
    for bar in bars:
        bar_top = top + BAR_LABEL_HEIGHT * len(_label_lines(bar.label))
        width = _percent(bar.value, scale)
        rows.append(
            format_html(
                '{}<rect class="app-chart__bar{}" x="0" y="{}" width="{}" height="{}"></rect>'
                '<text class="app-chart__value" x="{}" dx="6" y="{}">{}</text>',
                _label(bar.label, top),
                " app-chart__bar--flag" if bar.flag else "",
                bar_top,
                width,
                BAR_HEIGHT,
                width,
                bar_top + BAR_HEIGHT - 2,
                bar.figure,
            )
        )
        if comparing and bar.previous is not None:
            rows.append(
                format_html(
                    '<rect class="app-chart__bar app-chart__bar--previous" x="0" y="{}" '
                    'width="{}" height="{}"></rect>',
                    bar_top + BAR_HEIGHT + 2,
                    _percent(bar.previous, scale),
                    BAR_PREVIOUS_HEIGHT,
                )
            )
        top = bar_top + bar_room
    height = max(top, BAR_LABEL_HEIGHT)
    flagged = any(b.flag for b in bars)
    key = (
        format_html(
            '<p class="govuk-body-s app-chart__key" aria-hidden="true">'
            '<span class="app-chart__swatch"></span> {}{}{}</p>',
            current_label,
            format_html(
                ' <span class="app-chart__swatch app-chart__swatch--previous"></span> {}',
                previous_label,
            )
            if comparing
            else "",
            format_html(
                ' <span class="app-chart__swatch app-chart__swatch--flag"></span> {}', flag_label
            )
            if flagged
            else "",
        )
        if comparing or flagged
        else ""
    )
    return format_html(
        '<figure class="app-chart">{}<svg class="app-chart__svg" width="100%" height="{}" '
        'role="img" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg></figure>',
        key,
        height,
        cid,
        cid,
        cid,
        title,
        cid,
        description,
        mark_safe("".join(rows)),  # noqa: S308 - each row is built with format_html
    )


TREND_HEIGHT = 72  # the plot area of one weekly trend, in pixels


def trend_chart(
    *,
    title: str,
    weeks: Sequence[datetime.date],
    values: Sequence[int],
    scale: int | None = None,
    flag: bool = False,
) -> SafeString:
    """A weekly trend as a filled line (oldest week on the left), with the highest week and the
    first and last weeks labelled. Give several trends the same `scale` to compare them."""
    if len(weeks) != len(values):
        raise ValueError("A trend needs one value per week.")
    cid = _chart_id()
    top = max(scale or 0, max(values, default=0), 1)
    n = len(values)
    width = max(n - 1, 1)
    points = " ".join(
        f"{x},{TREND_HEIGHT - (v / top) * TREND_HEIGHT:.2f}" for x, v in enumerate(values)
    )
    area = f"0,{TREND_HEIGHT} {points} {width},{TREND_HEIGHT}" if n else ""
    total = sum(values)
    peak = max(range(n), key=lambda i: values[i]) if n else None
    if peak is None:
        description = "No weeks."
    else:
        description = (
            f"{total:,} concern{'s' if total != 1 else ''} in {n} weeks from the week of "
            f"{weeks[0]:%-d %B %Y} to the week of {weeks[-1]:%-d %B %Y}; the most, "
            f"{values[peak]:,}, in the week of {weeks[peak]:%-d %B %Y}; "
            f"{values[-1]:,} in the latest week."
        )
    first = f"{weeks[0]:%b %Y}" if n else ""
    last = f"{weeks[-1]:%b %Y}" if n else ""
    # The captions are HTML beside the drawing, not SVG text: they wrap on a phone and at 200%
    # zoom instead of running into the next chart or off the screen (issue 20).
    return format_html(
        '<p class="app-trend__caption">{}</p>'
        '<svg class="app-trend{}" width="100%" height="{}" role="img" '
        'aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        '<svg x="0" y="0" width="100%" height="{}" viewBox="0 0 {} {}" '
        'preserveAspectRatio="none">'
        '<line class="app-trend__base" x1="0" y1="{}" x2="{}" y2="{}" '
        'vector-effect="non-scaling-stroke"></line>'
        '<polygon class="app-trend__area" points="{}"></polygon>'
        '<polyline class="app-trend__line" points="{}" vector-effect="non-scaling-stroke">'
        "</polyline></svg></svg>"
        '<p class="app-trend__weeks" aria-hidden="true"><span>{}</span> <span>{}</span></p>',
        f"Most in a week: {max(values, default=0):,}"
        + (f" (scale 0 to {top:,}, as every chart here)" if scale else ""),
        " app-trend--flag" if flag else "",
        TREND_HEIGHT,
        cid,
        cid,
        cid,
        title,
        cid,
        description,
        TREND_HEIGHT,
        width,
        TREND_HEIGHT,
        TREND_HEIGHT,
        width,
        TREND_HEIGHT,
        area,
        points,
        first,
        last,
    )
