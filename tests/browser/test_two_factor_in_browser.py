"""Two-factor sign-in in real Chromium (issue 16): setting up an authenticator app from the page's
key, saving the recovery codes and signing in with one; adding a security key and signing in with
it through Chromium's virtual authenticator (the DevTools WebAuthn domain: a real ceremony, with a
software key instead of a USB one)."""

from __future__ import annotations

import base64
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import sign_in
from tests.support.auth import demo_code

EMAIL = "dsl@alderbrook.example"


def _password(page: Page, base: str, email: str = EMAIL) -> None:
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("demo-password-123")
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_set_up_an_app_save_the_codes_then_sign_in_with_a_recovery_code(
    page: Page, live_server, demo
) -> None:
    base = live_server.url
    TOTPDevice.objects.filter(user__email=EMAIL).delete()  # a DSL who has none yet
    _password(page, base)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)  # nothing else yet
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Set up the app").click()
    expect(page.get_by_role("alert")).to_contain_text("The code is not right")

    page.wait_for_timeout(1_100)  # a person takes a second to look again (django-otp's throttle)
    key = page.get_by_test_id("totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(
        demo_code(base64.b32decode(key).hex())
    )
    page.get_by_role("button", name="Set up the app").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_text("Two-factor sign-in is set up.")).to_be_visible()

    _sign_out(page)
    _password(page, base)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_role("link", name="Use a recovery code").click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("codes-left")).to_have_text("9 unused")


def test_add_a_security_key_then_sign_in_with_it(page: Page, live_server, demo) -> None:
    base = live_server.url.replace("127.0.0.1", "localhost")  # a relying party needs a name
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(page, base, EMAIL)  # password and the demo's app
    page.get_by_test_id("account-link").click()
    page.get_by_role("link", name="Add a security key or passkey").click()
    page.get_by_role("button", name="Add a security key or passkey").click()
    # The DSL had no recovery codes: adding a first key makes them, shown once.
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="Sign-in and security")).to_be_visible()
    expect(page.get_by_text(re.compile(r"added \d+ \w+ \d{4}"))).to_be_visible()

    _sign_out(page)
    _password(page, base)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    page.get_by_role("button", name="Use a security key or passkey").click()
    try:
        page.wait_for_url(f"{base}/", timeout=45_000)  # a busy machine: the ceremony is slow
    except PlaywrightTimeoutError:
        status = page.locator("#passkey-verification-status-message").text_content()
        raise AssertionError(f"no sign-in with the key; the page said: {status!r}") from None
    expect(page.get_by_role("navigation", name="Menu")).to_be_visible()
