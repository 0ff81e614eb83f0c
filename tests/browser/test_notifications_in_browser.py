"""A deputy DSL in real Chromium sees the unread count in the header, opens the notification
centre, opens an urgent notification (which lands on the concern and counts as read), and marks
the rest as read."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from safeguard.models import Notification
from tests.browser.conftest import sign_in


def test_deputy_reads_notifications_from_the_header(page: Page, live_server, demo) -> None:
    base = live_server.url
    deputy = Notification.objects.filter(
        recipient__email="deputy@alderbrook.example", school__slug="alderbrook"
    )
    unread = deputy.filter(read_at__isnull=True).count()
    assert unread > 1
    urgent = deputy.filter(urgent=True, link__startswith="/concerns/").first()
    assert urgent is not None
    sign_in(page, base, "deputy@alderbrook.example")
    expect(page.get_by_test_id("unread-badge")).to_have_text(f"{unread} unread")

    page.get_by_test_id("notifications-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notifications")
    expect(page.get_by_test_id("unread-summary")).to_contain_text(f"You have {unread} unread")
    item = page.get_by_test_id("notification").filter(has_text=urgent.title).first
    expect(item.get_by_test_id("notification-urgent")).to_be_visible()
    item.get_by_test_id("notification-open").click()
    page.wait_for_url(f"{base}{urgent.link}")
    expect(page.get_by_test_id("unread-badge")).to_have_text(f"{unread - 1} unread")

    page.get_by_test_id("notifications-link").click()
    page.get_by_test_id("mark-all-read").click()
    expect(page.get_by_text(f"{unread - 1} notifications marked as read.")).to_be_visible()
    expect(page.get_by_test_id("unread-badge")).to_have_count(0)
    expect(page.get_by_test_id("notification-unread")).to_have_count(0)
    assert not deputy.filter(read_at__isnull=True).exists()
