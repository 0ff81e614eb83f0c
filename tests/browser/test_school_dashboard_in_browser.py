"""The school dashboard in real Chromium: the demo school's DSL opens it from the menu (which fits
one row on a desk), reads the category chart and its table, sorts a table from the keyboard and
downloads it as CSV; on a phone the page never scrolls sideways."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from oversight.dashboards.figures import previous_period, term_of
from tests.browser.conftest import sign_in


def _menu_rows(page: Page) -> int:
    """How many rows the service navigation's items take."""
    return page.evaluate(
        """() => new Set([...document.querySelectorAll('.govuk-service-navigation__item')]
                   .map(item => Math.round(item.getBoundingClientRect().top))).size"""
    )


def test_dsl_reads_sorts_and_downloads_the_school_dashboard(
    new_page: Callable[..., Page],
    live_server,
    demo,
) -> None:
    base = live_server.url
    term = term_of(timezone.localdate())
    before = previous_period(term)

    page = new_page(viewport={"width": 1020, "height": 900}, accept_downloads=True)
    sign_in(page, base, "dsl@alderbrook.example")
    assert _menu_rows(page) == 1, "the DSL's menu wraps at 1020 pixels"

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert _menu_rows(page) == 1
    expect(
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard")
    ).to_have_attribute("aria-current", "page")

    # The category chart, and its figures in the table beside it.
    chart = page.get_by_role("img", name="Concerns by category")
    expect(chart).to_be_visible()
    table = page.get_by_role("region", name="Concerns by category")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name=term.label)).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 1
    bars = page.locator('[data-testid="chart-categories"] text.app-chart__label')
    assert bars.all_text_contents() == table.locator("tbody th").all_inner_texts()

    # Sort by this term's figure from the keyboard: Tab from the table's region to its
    # headers' links, Enter on the second (the term's figures, most first).
    table.focus()
    page.keyboard.press("Tab")
    expect(table.get_by_role("link", name="Category")).to_be_focused()
    page.keyboard.press("Tab")
    expect(table.get_by_role("link", name=term.label)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=categories.1.desc**")
    table = page.get_by_role("region", name="Concerns by category")
    expect(table.locator("thead th").nth(1)).to_have_attribute("aria-sort", "descending")
    counts = [
        int(text.replace(",", ""))
        for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True)

    # The CSV has the table's header row and its rows in the order shown.
    with page.expect_download() as info:
        page.get_by_test_id("csv-categories").click()
    download = info.value
    assert download.suggested_filename.endswith("-categories.csv")
    path = download.path()
    assert path is not None
    body = Path(path).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["Category", term.label, before.label]
    assert [int(row[1]) for row in lines[1:]] == counts

    # On a phone the page never scrolls sideways; the tables scroll inside themselves.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways at 390 pixels: {widths}"
