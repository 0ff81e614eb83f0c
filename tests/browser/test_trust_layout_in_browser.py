"""Issue 20 in real Chromium, on the demo trust with its year of history: the trust dashboard's
main table is usable at 1366 px and at 320 px (the page never scrolls sideways; every column can
be reached, by the table's own scroll bar or the keyboard), the weekly trends' captions neither
overlap nor run off the screen at 320 px and at 200% zoom; and the trust safeguarding officer's
notification badge counts every school of the trust."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from safeguard.notifications import notify
from schools.models import School, User
from tests.browser.conftest import sign_in

TSO = "tso@northgate.example"

# (viewport width, zoom): 200% zoom of a 1366 px window is a 683 px CSS viewport at scale 2.
LAYOUTS = [(1366, 1), (320, 1), (683, 2)]


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def _every_column_reachable(page: Page) -> None:
    region = page.get_by_test_id("schools-table").get_by_role("region")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.get_attribute("aria-label")
    headers = region.locator("thead th")
    count = headers.count()
    assert count >= 10
    region.focus()
    if region.evaluate("e => e.scrollWidth > e.clientWidth"):
        for _ in range(5):  # the keyboard scrolls the region
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        assert region.evaluate("e => e.scrollLeft") > 0
        region.evaluate("e => { e.scrollLeft = e.scrollWidth; }")  # to its end
        page.wait_for_timeout(300)
    box = region.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 0.5  # type: ignore[index]
    last = headers.nth(count - 1).bounding_box()
    assert last is not None
    # The last column is in view inside the region once scrolled to the end.
    assert last["x"] + last["width"] <= box["x"] + box["width"] + 1, (last, box)
    first = headers.nth(0).bounding_box()
    assert first is not None
    assert first["x"] >= box["x"] - 1
    # The page says so above the table (headless Chromium draws no scroll bars to measure).
    expect(page.get_by_test_id("schools-table-hint")).to_contain_text(f"{count} columns")
    if page.viewport_size["width"] >= 1366:  # type: ignore[index]
        assert box["width"] > 1200  # wider than the 960 px column of the rest of the page


def _captions_clear(page: Page) -> None:
    boxes = page.eval_on_selector_all(
        ".app-trends__item .app-trend__caption, .app-trends__item .app-trend__weeks span",
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return [r.left, r.top, r.right, r.bottom, e.textContent]; })",
    )
    assert boxes
    width = page.viewport_size["width"]  # type: ignore[index]
    for left, _top, right, _bottom, words in boxes:
        assert left >= -0.5, words
        assert right <= width + 0.5, (words, right, width)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, (a[4], b[4])


@pytest.mark.parametrize(("width", "zoom"), LAYOUTS)
def test_the_trust_dashboard_at_1366_320_and_200_percent(
    live_server, demo_with_history, new_page: Callable[..., Page], width: int, zoom: int
) -> None:
    page = new_page(viewport={"width": width, "height": 900}, device_scale_factor=zoom)
    sign_in(page, live_server.url, TSO)
    page.goto(live_server.url + reverse("trust-dashboard"))
    expect(page.get_by_test_id("trends")).to_be_visible()
    _no_sideways_scroll(page)
    _every_column_reachable(page)
    _captions_clear(page)


def test_the_tsos_badge_counts_every_school_of_the_trust(
    live_server, demo, new_page: Callable[..., Page]
) -> None:
    tso = User.objects.get(email=TSO)
    schools = list(School.objects.filter(trust__memberships__user=tso).order_by("name"))
    assert len(schools) > 1
    before = {s.pk: 0 for s in schools}
    for n, school in enumerate(schools):
        for _ in range(n + 2):
            notify(school=school, recipients=[tso], kind="qa_response", title="Test", link="/")
        before[school.pk] = n + 2
    page = new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, live_server.url, TSO)
    from safeguard.models import Notification

    unread = Notification.objects.filter(recipient=tso, read_at__isnull=True).count()
    expect(page.get_by_test_id("unread-badge")).to_contain_text(str(unread))
    page.get_by_test_id("notifications-link").click()
    names = page.get_by_test_id("notification-school").all_text_contents()
    assert {s.name for s in schools} <= set(names)
    _no_sideways_scroll(page)
