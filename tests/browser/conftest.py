"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.support.auth import demo_code
from tests.support.demo_snapshot import seed_demo_for_test

# Debian's Chromium; where the distribution has none (Ubuntu 24.04 has only a snap), Playwright's
# own build, which scripts/system-packages.sh installs there (docs/adr/0040).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# This machine has no network but loopback: stop Chromium reaching out at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# (seeding, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The suite runs two workers on two cores beside PostgreSQL and Chromium: give a page time.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per module. Not per session: Playwright's sync API keeps an asyncio loop
    running in the test process while it is started, and code that calls `asyncio.run()` (pyHanko
    signing and checking PDFs) in a later non-browser test of the same process would fail."""
    with sync_playwright() as playwright:
        executable: str | None = CHROMIUM
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            own_build = playwright.chromium.executable_path
            if "CHROMIUM_PATH" in os.environ or not os.path.exists(own_build):
                pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` to install it")
            executable = None
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _picture_if_failed(request: pytest.FixtureRequest, pages: list[Page]) -> None:
    """A failed browser test leaves a picture of each page in test-results/."""
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    from pathlib import Path

    Path("test-results").mkdir(exist_ok=True)
    for n, page in enumerate(pages):
        page.screenshot(path=f"test-results/{request.node.name}-{n}.png", full_page=True)


# Reports each Content-Security-Policy violation to the test (docs/adr/0029). An init script
# comes from the DevTools protocol, not the page, so the policy does not stop it.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportSecurityPolicyViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "(inline)"} in ${event.documentURI}`
    + ` (${event.sourceFile || "the page"}:${event.lineNumber}) ${event.sample}`
  );
}, true);
"""


def watch_security_policy(context: BrowserContext) -> list[str]:
    """Every Content-Security-Policy violation in the context's pages, as it happens (the
    `securitypolicyviolation` events and Chromium's console messages), and any complaint about
    the Permissions-Policy header."""
    violations: list[str] = []
    context.expose_binding(
        "reportSecurityPolicyViolation", lambda source, text: violations.append(text)
    )
    context.add_init_script(_REPORT_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        # Chromium's words for a refused script or style, and for a Permissions-Policy header it
        # cannot read (a feature name it does not know).
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", on_console)
    return violations


def _no_violations(violations: list[str]) -> None:
    """Every browser test also checks its pages broke no rule of either policy."""
    assert not violations, "security policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    violations = watch_security_policy(context)
    page = context.new_page()
    yield page
    _picture_if_failed(request, [page])
    context.close()
    _no_violations(violations)


@pytest.fixture
def demo(transactional_db) -> None:
    """The demo without its history: seeded once per test process, restored after that
    (tests/support/demo_snapshot.py)."""
    seed_demo_for_test(history=False)


@pytest.fixture
def demo_with_history(transactional_db) -> None:
    """The demo as `make run` loads it, with the year of history the dashboards show."""
    seed_demo_for_test(history=True)


def sign_in(page: Page, base_url: str, email: str, password: str = "demo-password-123") -> None:
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/(sign-in/two-factor/.*)?$"))
    if "/sign-in/two-factor/" in page.url:  # a role that needs it: the demo's shared app
        for _ in range(2):
            page.get_by_label("Code from your authenticator app").fill(demo_code())
            with page.expect_navigation():  # the form posts: a new page, right or wrong
                page.get_by_role("button", name="Continue").click()
            if "/sign-in/two-factor/" not in page.url:
                break
            # The same person signed in a moment ago: a code works once (django-otp refuses a
            # replay), so wait, as a person would, for the app's next code.
            page.wait_for_timeout((30 - time.time() % 30 + 1) * 1000)
    page.wait_for_url(f"{base_url}/")


QA_CRITERIA = [
    "Clarity of the account",
    "Child's voice recorded",
    "Decision and reasons recorded",
    "Timeliness",
    "Outcome recorded",
]


def qa_review_fill(page: Page, answers: list[str], rating: str, feedback: str) -> None:
    """Answer the five QA criteria in order, choose the rating and write the feedback."""
    for group, answer in zip(QA_CRITERIA, answers, strict=True):
        page.get_by_role("group", name=group).get_by_role("radio", name=answer, exact=True).check()
    page.get_by_role("group", name="Overall rating").get_by_role(
        "radio", name=rating, exact=True
    ).check()
    page.get_by_label("Feedback for the school").fill(feedback)


@pytest.fixture
def new_page(
    browser: Browser,
    live_server,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., Page]]:
    """Pages in contexts of their own (one per person), closed before the database is flushed."""
    contexts = []
    watched: list[list[str]] = []
    request.node._open_pages = []

    def make(**options: object) -> Page:
        context = browser.new_context(locale="en-GB", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        watched.append(watch_security_policy(context))
        page = context.new_page()
        request.node._open_pages.append(page)
        return page

    yield make
    _picture_if_failed(request, request.node._open_pages)
    for context in contexts:
        context.close()
    _no_violations([violation for violations in watched for violation in violations])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's outcome on the test item, for screenshots on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
