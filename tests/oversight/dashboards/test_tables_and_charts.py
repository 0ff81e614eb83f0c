"""The dashboards' shared parts: tables that sort and download as CSV, and the SVG charts."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.test import RequestFactory

from oversight.dashboards.charts import LABEL_LINE_CHARACTERS, Bar, bar_chart, trend_chart
from oversight.dashboards.tables import Cell, Column, Table, csv_download, duration, number, text


def _table() -> Table:
    return Table(
        key="schools",
        caption="Concerns per school",
        columns=[Column("School"), Column("Concerns", numeric=True), Column("Wait", numeric=True)],
        rows=[
            [text("Beta"), number(3), duration(datetime.timedelta(hours=26))],
            [text("alpha"), number(10), duration(None)],
            [text("=cmd|' /C calc'!A0"), number(None), duration(datetime.timedelta(minutes=5))],
        ],
    )


def _names(table: Table) -> list[str]:
    return [row[0].text for row in table.rows]


def test_sorting_by_a_number_puts_missing_figures_last_either_way() -> None:
    table = _table()
    assert _names(table.sorted_by("schools.1.desc")) == ["alpha", "Beta", "=cmd|' /C calc'!A0"]
    assert _names(table.sorted_by("schools.1.asc")) == ["Beta", "alpha", "=cmd|' /C calc'!A0"]
    assert _names(table.sorted_by("schools.2.asc")) == ["=cmd|' /C calc'!A0", "Beta", "alpha"]


def test_sorting_by_name_ignores_case_and_bad_parameters_leave_the_order() -> None:
    table = _table()
    assert _names(table.sorted_by("schools.0.asc"))[:2] == ["=cmd|' /C calc'!A0", "alpha"]
    for bad in ["other.1.asc", "schools.9.asc", "schools.1.sideways", "nonsense", ""]:
        assert _names(table.sorted_by(bad)) == _names(table)


def test_a_row_of_the_wrong_length_or_a_bad_key_is_refused() -> None:
    with pytest.raises(ValueError, match="wrong number"):
        Table(key="t", caption="T", columns=[Column("A")], rows=[[text("a"), number(1)]])
    with pytest.raises(ValueError, match="lower-case"):
        Table(key="Bad key", caption="T", columns=[], rows=[])


def test_csv_holds_numbers_hours_and_neutralised_formulas() -> None:
    request = RequestFactory().get("/?csv=schools&sort=schools.1.desc")
    response = csv_download(request, [_table()], "Northgate Trust: dashboard")
    assert response is not None
    assert response["Content-Disposition"] == (
        'attachment; filename="northgate-trust-dashboard-schools.csv"'
    )
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [
        ["School", "Concerns", "Wait (hours)"],
        ["alpha", "10", ""],
        ["Beta", "3", "26.0"],
        ["'=cmd|' /C calc'!A0", "", "0.1"],
    ]


def test_csv_headings_are_neutralised_too() -> None:
    """A school's or category's name heads a column (the weekly and category tables)."""
    table = Table(
        key="weekly",
        caption="Weekly",
        columns=[Column("Week"), Column('=HYPERLINK("http://x","y")', numeric=True)],
        rows=[[text("Week of 2 November 2026"), number(3)]],
    )
    body = table.csv_response("x.csv").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(body))) == ["Week", '\'=HYPERLINK("http://x","y")']


def test_no_csv_parameter_or_an_unknown_table_gives_the_page() -> None:
    factory = RequestFactory()
    assert csv_download(factory.get("/"), [_table()], "x") is None
    assert csv_download(factory.get("/?csv=nope"), [_table()], "x") is None


def test_durations_read_as_words() -> None:
    assert duration(datetime.timedelta(days=2, hours=3, minutes=10)).text == "2 days 3 hours"
    assert duration(datetime.timedelta(hours=1, minutes=1)).text == "1 hour 1 minute"
    assert duration(datetime.timedelta(seconds=20)).text == "0 minutes"
    assert Cell("x", flag="Outlier").csv_value() == "x"  # the flag has a column of its own


def test_flags_have_a_column_of_their_own_and_hours_say_so() -> None:
    table = Table(
        key="t",
        caption="T",
        columns=[Column("School"), Column("Concerns", numeric=True), Column("Wait")],
        rows=[
            [text("Alpha", flag="Above usual"), number(7, flag="Above usual"), duration(None)],
            [text("Beta"), number(2), duration(datetime.timedelta(minutes=90))],
        ],
    )
    body = table.csv_response("t.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [
        ["School", "Concerns", "Wait (hours)", "Flags"],
        ["Alpha", "7", "", "Above usual; Concerns: Above usual"],
        ["Beta", "2", "1.5", ""],
    ]


def test_bar_chart_is_a_labelled_image_with_bars_to_scale() -> None:
    svg = str(
        bar_chart(
            title="Concerns by category",
            bars=[Bar("Neglect", 10, previous=5), Bar("Bullying <online>", 4, flag=True)],
            previous_label="Last term",
        )
    )
    assert 'role="img"' in svg
    assert '<title id="chart-' in svg
    assert "Concerns by category" in svg
    # The description says in words what the colours say (escaped).
    assert "Neglect: 10 (5 in Last term); Bullying &lt;online&gt;: 4, well above usual" in svg
    assert "app-chart__swatch--flag" in svg  # the key explains the red
    assert 'width="86.00%"' in svg  # the longest bar fills the room left of its figure
    assert 'width="34.40%"' in svg  # 4 of 10
    assert 'width="43.00%"' in svg  # last term's 5 of 10
    assert "app-chart__bar--flag" in svg
    assert "Last term" in svg


def test_a_long_bar_label_goes_on_lines_that_fit_a_phone() -> None:
    """SVG text does not wrap: a label longer than a 320-pixel screen's line is drawn on more
    lines (WCAG 1.4.10), and the bar below it moves down to make room."""
    long = "At risk of suspension or exclusion from school, or in alternative provision"
    word = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"
    svg = str(bar_chart(title="Categories", bars=[Bar(long, 3), Bar(word, 1), Bar("Other", 2)]))
    labels = re.findall(r'<text class="app-chart__label"[^>]*>(.*?)</text>', svg)
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", labels[0])
    assert len(lines) == 3
    assert "".join(lines) == long  # read whole; the spaces it broke at kept
    assert all(len(line.strip()) <= LABEL_LINE_CHARACTERS for line in lines)
    assert all(
        len(line) <= LABEL_LINE_CHARACTERS
        for line in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", labels[1])
    )
    assert labels[2] == "Other"  # a short label stays one plain line
    bars = [float(y) for y in re.findall(r'<rect class="app-chart__bar" x="0" y="([0-9.]+)"', svg)]
    assert bars[0] == 3 * 20  # below three lines of label
    assert bars[1] - bars[0] == 14 + 10 + 2 * 20  # the next bar, below its two lines


def test_trend_chart_describes_the_weeks() -> None:
    weeks = [datetime.date(2026, 9, 7) + datetime.timedelta(weeks=n) for n in range(3)]
    svg = str(trend_chart(title="Neglect", weeks=weeks, values=[1, 4, 2]))
    assert "7 concerns in 3 weeks from the week of 7 September 2026" in svg
    assert "the most, 4, in the week of 14 September 2026; 2 in the latest week" in svg
    assert 'points="0,54.00 1,0.00 2,36.00"' in svg
    assert "Most in a week: 4<" in svg
    shared = str(trend_chart(title="Neglect", weeks=weeks, values=[1, 4, 2], scale=9))
    assert "Most in a week: 4 (scale 0 to 9, as every chart here)" in shared
    assert 'points="0,64.00 1,40.00 2,56.00"' in shared
    with pytest.raises(ValueError, match="one value per week"):
        trend_chart(title="x", weeks=weeks, values=[1])


def test_sort_links_keep_the_filters_and_start_at_the_first_page() -> None:
    from django.template import Context, Template

    request = RequestFactory().get("/?start=1%2F9%2F2026&page=3&csv=schools")
    html = Template("{% load dashboard_tags %}{% data_table table %}").render(
        Context({"table": _table().sorted_by("schools.1.desc"), "request": request})
    )
    assert 'aria-sort="descending"' in html
    assert 'href="?start=1%2F9%2F2026&amp;sort=schools.1.asc#table-schools"' in html
    assert 'href="?start=1%2F9%2F2026&amp;page=3&amp;csv=schools"' in html
