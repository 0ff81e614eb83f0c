"""Invite a DSL, confirm, sign in: the school administrator, the headteacher and the new DSL, in
real Chromium (issue 14)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable

from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.support.auth import demo_code

NEW_DSL = "new.dsl@alderbrook.example"
NEW_PASSWORD = "seven quiet harbours at dawn"


def test_invite_a_dsl_confirm_sign_in(new_page: Callable[..., Page], live_server, demo) -> None:
    base = live_server.url

    # The school administrator invites a new person as DSL.
    admin = new_page()
    sign_in(admin, base, "admin@alderbrook.example")
    admin.get_by_role("navigation", name="Menu").get_by_role("link", name="Staff").click()
    admin.get_by_role("button", name="Invite a person").click()
    admin.get_by_role("button", name="Send the invitation").click()  # nothing filled in
    expect(admin.locator(".govuk-error-summary")).to_contain_text("Enter their full name")
    admin.get_by_label("Full name").fill("Morgan Reyes")
    admin.get_by_label("Email address").fill(NEW_DSL)
    admin.get_by_label("Job title (optional)").fill("Assistant head, pastoral")
    admin.get_by_role("checkbox", name="Designated Safeguarding Lead", exact=True).check()
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_test_id("staff-roles")).to_contain_text(
        "Waiting for the headteacher or the DSL to confirm"
    )
    invitation = [m for m in mail.outbox if m.to == [NEW_DSL]]
    assert len(invitation) == 1
    assert "Designated Safeguarding Lead" in invitation[0].body
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", invitation[0].body)
    assert link

    person_page = admin.url

    # The administrator's pages fit a 320-pixel phone without scrolling sideways.
    phone = new_page(viewport={"width": 320, "height": 640})
    sign_in(phone, base, "admin@alderbrook.example")
    for url in [f"{base}/school/staff/", person_page, f"{base}/school/staff/invite/"]:
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{url} is {width}px wide on a phone"

    # The headteacher confirms it from the home page.
    head = new_page()
    sign_in(head, base, "head@alderbrook.example")
    head.get_by_test_id("home-role-requests").click()
    head.get_by_role("link", name="Morgan Reyes").click()
    head.get_by_test_id("role-request-confirm").click()
    expect(head.locator(".govuk-notification-banner--success")).to_contain_text(
        "Morgan Reyes is now Designated Safeguarding Lead"
    )
    expect(head.get_by_test_id("role-requests")).to_contain_text("No role is waiting for you")

    # The invited person chooses a password from the emailed link, signs in, and is a DSL.
    person = new_page()
    person.goto(f"{base}{link.group(1)}")
    expect(person.get_by_role("heading", name="Choose your password")).to_be_visible()
    # The token left the address bar before the page loaded anything (no Referer carries it).
    token = link.group(1).rstrip("/").rsplit("/", 1)[-1]
    assert person.url.endswith("/choose-password/")
    assert token not in person.url
    person.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Save my password").click()
    expect(person.get_by_role("heading", name="Your password is saved")).to_be_visible()
    person.get_by_test_id("invitation-sign-in").click()
    person.get_by_label("Email address").fill(NEW_DSL)
    person.get_by_label("Password").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Sign in").click()
    # A DSL sets up two-factor sign-in first (docs/adr/0028), with the key the page shows.
    expect(person.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    key = person.get_by_test_id("totp-key").inner_text().replace(" ", "")
    person.get_by_label("Code from your authenticator app").fill(
        demo_code(base64.b32decode(key).hex())
    )
    person.get_by_role("button", name="Set up the app").click()
    person.get_by_role("button", name="I have saved my recovery codes").click()
    person.wait_for_url(f"{base}/")
    nav = person.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name=re.compile(r"^Concerns"))).to_be_visible()
    expect(nav.get_by_role("link", name="Transfers")).to_be_visible()
    expect(nav.get_by_role("link", name="Staff", exact=True)).to_have_count(0)

    # The link worked once.
    again = new_page()
    again.goto(f"{base}{link.group(1)}")
    expect(again.get_by_test_id("invitation-expired")).to_be_visible()
