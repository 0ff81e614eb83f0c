"""API clients in real Chromium (issue 17): the DSL registers a monitoring system, copies its
secret from a page a phone shows whole, the system calls the API with it, the call shows on the
client's page, and revoking it stops it. The API's documentation runs under the
Content-Security-Policy (every browser test fails on a violation: conftest.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in


def _call(base: str, secret: str) -> int:
    url = f"{base}/api/v1/schools/"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own server)
            json.loads(response.read())
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_dsl_registers_a_system_which_calls_the_api_then_revokes_it(
    page: Page, live_server, demo
) -> None:
    base = live_server.url
    sign_in(page, base, "dsl@alderbrook.example")
    page.get_by_test_id("home-api-clients").click()
    expect(page.get_by_role("heading", name="API clients")).to_be_visible()
    page.get_by_role("button", name="Register a system").click()

    page.get_by_label("Name of the system").fill("Smoothwall Monitor")
    page.get_by_role("button", name="Register and show the secret").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_scopes-error")).to_contain_text("Select what the system may do")
    expect(page.get_by_label("Name of the system")).to_have_value("Smoothwall Monitor")
    page.get_by_role("link", name="Select what the system may do").click()
    expect(page.locator("#id_scopes_0")).to_be_focused()

    page.get_by_label("Raise alerts that become concerns").check()
    page.get_by_role("button", name="Register and show the secret").click()
    expect(page.get_by_role("heading", name="The secret for Smoothwall Monitor")).to_be_visible()
    secret = page.get_by_test_id("api-secret").inner_text()
    assert secret.startswith("sgd_")
    # At 320 px wide (WCAG reflow) the secret is shown whole, never scrolled sideways.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    assert _call(base, secret) == 200
    page.get_by_role("button", name="I have copied the secret").click()
    page.reload()
    expect(page.get_by_test_id("api-calls")).to_contain_text("GET /api/v1/schools/")
    assert secret not in page.content()

    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Smoothwall Monitor is revoked")).to_be_visible()
    assert _call(base, secret) == 401


def test_the_api_documentation_shows_under_the_content_security_policy(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_role("heading", name="Safeguard API")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/schools/{school_id}/categories/").first).to_be_visible()
