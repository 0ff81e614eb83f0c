"""The Content-Security-Policy in real Chromium (issue 16, docs/adr/0029): a DSL's main pages,
their htmx and their scripts run with no violation and no script error, and a violation, were
there one, would be seen. (Every other browser test checks for violations too: conftest.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from concerns.models import Concern, ConcernStatus
from schools.models import Pupil, User
from tests.browser.conftest import sign_in, watch_security_policy
from tests.support.auth import app_for


class Watched:
    """A page, the policy violations in it, and the errors its scripts logged."""

    def __init__(self, page: Page, violations: list[str]) -> None:
        self.page = page
        self.violations = violations
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # The Django admin links no icon, so Chromium asks for /favicon.ico, which is not there.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"{message.text} ({url})")

    def assert_clean(self, where: str) -> None:
        assert not self.violations, (where, self.violations)
        assert not self.errors, (where, self.errors)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    violations = watch_security_policy(context)
    yield Watched(context.new_page(), violations)
    context.close()


def _htmx_ready(page: Page) -> None:
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def test_a_dsls_main_pages_break_no_rule_of_the_policy(watched: Watched, live_server, demo) -> None:
    page, base = watched.page, live_server.url
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    concern = (
        Concern.objects.filter(school__slug="alderbrook", restricted=False)
        .exclude(status=ConcernStatus.DRAFT)
        .order_by("written_at")
        .first()
    )

    # The sign-in page and "Confirm it is you" (django-otp-webauthn's script and settings).
    sign_in(page, base, "dsl@alderbrook.example")
    expect(page.get_by_test_id("acting-school")).to_contain_text("Alderbrook Primary")
    # GOV.UK Frontend's two scripts ran: the page says JavaScript is on, and components started.
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    expect(
        page.locator("[data-module='govuk-skip-link'][data-govuk-skip-link-init]")
    ).to_have_count(1)
    watched.assert_clean("sign-in and home")

    page.goto(f"{base}/triage/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{base}/concerns/{concern.pk}/")
    expect(page.get_by_text(concern.reference).first).to_be_visible()
    watched.assert_clean("triage inbox and a concern")

    # Pupil search: htmx replaces the results as the DSL types.
    page.goto(f"{base}/pupils/")
    _htmx_ready(page)
    page.get_by_label("Search pupils").press_sequentially(pupil.legal_last_name[:4], delay=30)
    expect(page.get_by_test_id("pupil-count")).to_contain_text(
        f"matching “{pupil.legal_last_name[:4]}”"
    )
    watched.assert_clean("pupil search")

    # The concern form: the pupil search answers Enter at once (no eval: js/draft.js triggers
    # it) without sending the form, and the body map places a mark that htmx adds.
    page.goto(f"{base}/concerns/new/")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/concerns/drafts/[0-9a-f-]+/"))
    draft_url = page.url
    _htmx_ready(page)
    search = page.get_by_label("Which pupil is this about?")
    search.fill(pupil.legal_last_name[:5])  # no input event: only Enter can ask
    search.press("Enter")
    add = page.locator("#pupil-results").get_by_role(
        "button", name=f"Add {pupil.legal_first_name} {pupil.legal_last_name}"
    )
    expect(add).to_be_visible()
    assert page.url == draft_url
    add.click()
    expect(page.locator("#pupils h3", has_text=pupil.display_name)).to_be_visible()
    front = page.locator("svg[data-side=front]")
    front.scroll_into_view_if_needed()
    box = front.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.27, box["y"] + box["height"] * 0.23)
    expect(page.locator("#mark-where")).to_contain_text("front, right upper arm")
    page.get_by_label("What did you see?").fill("A bruise on the upper arm")
    page.get_by_role("button", name="Add this mark").click()
    expect(page.get_by_test_id("body-marks")).to_contain_text(
        "front, right upper arm: A bruise on the upper arm"
    )
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    watched.assert_clean("the concern form")

    # Two-factor set-up: the QR code (inline SVG), and the security-key page's scripts.
    page.goto(f"{base}/account/two-factor/set-up/")
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    page.goto(f"{base}/account/two-factor/set-up/security-key/")
    expect(page.get_by_role("button", name="Add a security key or passkey")).to_be_visible()
    watched.assert_clean("two-factor set-up")

    # The watch sees a violation: an inline script added to the page is refused and reported.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }"""
    )
    for _ in range(50):  # the report arrives from the browser while the test waits
        if watched.violations:
            break
        page.wait_for_timeout(100)
    assert any("script-src" in v for v in watched.violations), watched.violations
    assert page.evaluate("() => window.inlineRan") is None
    watched.violations.clear()


def test_the_platform_admin_breaks_no_rule_of_the_policy(
    watched: Watched, live_server, demo
) -> None:
    """The Django admin keeps the same policy (docs/adr/0029): its index, a list with filters and
    actions, a change form with date and many-to-many widgets, and the scheduler's forms."""
    page, base = watched.page, live_server.url
    root = User.objects.create_superuser(
        email="root@platform.example", password="demo-password-123", full_name="Platform Root"
    )
    app_for(root)
    sign_in(page, base, "root@platform.example")
    for path, heading in [
        ("/platform-admin/", "Site administration"),
        ("/platform-admin/schools/school/", "Select school to change"),
        ("/platform-admin/schools/user/", "Select user to change"),
        (f"/platform-admin/schools/user/{root.pk}/change/", "Change user"),
        ("/platform-admin/django_celery_beat/periodictask/", "Select periodic task to change"),
        ("/platform-admin/django_celery_beat/periodictask/add/", "Add periodic task"),
        ("/platform-admin/django_celery_beat/clockedschedule/add/", "Add clocked"),
    ]:
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        watched.assert_clean(path)
