"""The time-out warning in real Chromium (issue 16, WCAG 2.2.1): before an idle session ends the
page says so in a dialog, and "Stay signed in" keeps the session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in


def test_the_page_warns_before_signing_out_and_stay_keeps_the_session(
    page: Page, live_server, demo, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=40)
    settings.SESSION_IDLE_WARNING = timedelta(seconds=36)  # so the warning opens after 4 seconds
    base = live_server.url
    sign_in(page, base, "staff@alderbrook.example")
    dialog = page.get_by_test_id("session-timeout")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=10_000)
    expect(page.get_by_role("dialog", name="You will be signed out soon")).to_be_visible()
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    # Nothing else done: the warning comes back, and then the page goes to sign in, saying why.
    expect(dialog).to_be_visible(timeout=10_000)
    page.wait_for_url(f"{base}/sign-in/?next=%2F", timeout=60_000)
    expect(page.get_by_text("had not used Safeguard for 1 minute.")).to_be_visible()
