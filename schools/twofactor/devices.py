"""A person's second factors as rows: the ones that count, and taking them all away."""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from schools.models import RecoveryCodeDevice

SECOND_FACTOR_MODELS = (TOTPDevice, WebAuthnCredential, RecoveryCodeDevice)


def second_factors_remove(*, user: Any) -> int:
    """Delete every second factor of `user` (app, security keys, recovery codes); how many set-up
    ones there were. A session verified with one of them is no longer verified: django-otp
    finds no device for its id on the next request."""
    confirmed = sum(
        model.objects.filter(user=user, confirmed=True).count() for model in SECOND_FACTOR_MODELS
    )
    for model in SECOND_FACTOR_MODELS:
        model.objects.filter(user=user).delete()
    return confirmed
