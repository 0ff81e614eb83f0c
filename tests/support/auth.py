"""Signing in in tests the way people do: the password, then the second factor.

`client.force_login(user)` (Django's, patched for every test in conftest.py) also passes the
second factor with the user's authenticator app, which it sets up with the demo's documented key
when they have none: the session is the one a person who typed the app's code has. Tests of
two-factor sign-in itself use `force_login_password_only`, or sign in through the pages with
`demo_code()`."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.people import DEMO_TOTP_KEY_HEX
from schools.twofactor.policy import VERIFIED_AT

_django_force_login = Client.force_login


def demo_code(key_hex: str = DEMO_TOTP_KEY_HEX, *, offset: int = 0) -> str:
    """The code an authenticator app shows now for this key (the demo's by default)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=offset)
    return f"{totp.token():06d}"


def app_for(user: Any) -> TOTPDevice:
    """The user's authenticator app, set up with the demo key if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=DEMO_TOTP_KEY_HEX, confirmed=True
        )
    return device


def pass_second_factor(client: Client, user: Any) -> None:
    """Mark the client's session as having passed the second factor with the user's app."""
    session = client.session
    device_id = app_for(user).persistent_id
    session[DEVICE_ID_SESSION_KEY] = device_id
    # As after the first page that follows the code (policy.session_verified_stamp): the new
    # session key already given, so a test's first request counts the same queries as its next.
    session[VERIFIED_AT] = {"device": device_id, "at": timezone.now().timestamp()}
    session.save()


def force_login_with_second_factor(self: Client, user: Any, backend: str | None = None) -> None:
    _django_force_login(self, user, backend)
    pass_second_factor(self, user)


def force_login_password_only(client: Client, user: Any) -> None:
    """Signed in with the password and nothing more (what a stolen password gives)."""
    _django_force_login(client, user)
