"""Who must sign in with a second factor, and what a session has proved (docs/adr/0028)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from safeguard.roles import TWO_FACTOR_ROLES
from schools.models import (
    RecoveryCodeDevice,
    SchoolMembership,
    SignedInSession,
    TrustMembership,
    User,
)

# When this session last passed a second-factor check, and with which device.
VERIFIED_AT = "safeguard_two_factor_at"


def two_factor_due(user: Any) -> bool:
    """Whether this person must pass a second factor to go on: their role needs one, or they
    set one up themselves (so it protects them too). One query."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    mine = {"user": OuterRef("pk")}
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Exists(SchoolMembership.objects.filter(**mine, role__in=TWO_FACTOR_ROLES))
            | Exists(TrustMembership.objects.filter(**mine, role__in=TWO_FACTOR_ROLES))
            | Exists(TOTPDevice.objects.filter(**mine, confirmed=True))
            | Exists(WebAuthnCredential.objects.filter(**mine, confirmed=True))
        )
        .exists()
    )


def two_factor_required(user: Any) -> bool:
    """Whether this person's roles need a second factor (whatever they set up)."""
    if user.is_staff or user.is_superuser:
        return True
    return (
        SchoolMembership.objects.filter(user=user, role__in=TWO_FACTOR_ROLES).exists()
        or TrustMembership.objects.filter(user=user, role__in=TWO_FACTOR_ROLES).exists()
    )


def has_second_factor(user: Any) -> bool:
    """An authenticator app or a security key (recovery codes alone are not a second factor)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def session_verified_stamp(request: HttpRequest) -> bool:
    """Note when this session passed its second factor (first seen with a new device id), and
    say whether that is still recent enough; an old check is forgotten, so it is asked again."""
    device_id = request.session.get(DEVICE_ID_SESSION_KEY)
    stamp = request.session.get(VERIFIED_AT)
    now = timezone.now().timestamp()
    if not stamp or stamp.get("device") != device_id:
        # Passing the second factor completes signing in: a new session key, as a password
        # sign-in gets one (ASVS 5.0 7.2.4), so a key seen before cannot ride on the check.
        before = request.session.session_key
        request.session.cycle_key()
        SignedInSession.objects.filter(session_key=before).update(
            session_key=request.session.session_key
        )
        request.session[VERIFIED_AT] = {"device": device_id, "at": now}
        return True
    limit: timedelta = settings.TWO_FACTOR_STEP_UP_AFTER
    if now - stamp["at"] <= limit.total_seconds():
        return True
    session_verification_forget(request)
    return False


def session_verification_forget(request: HttpRequest) -> None:
    """This session has to pass its second factor again."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(VERIFIED_AT, None)
    request.user.otp_device = None  # type: ignore[union-attr]


def recovery_device(user: Any) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: Any) -> int:
    device = recovery_device(user)
    return 0 if device is None else device.codes.filter(used_at__isnull=True).count()
