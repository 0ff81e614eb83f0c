"""Setting up and passing a second factor (every write of two-factor sign-in)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from schools.models import RecoveryCode, RecoveryCodeDevice
from schools.staff.services import TWO_FACTOR_ADDED, account_email_queue

from .codes import recovery_code_hash, recovery_code_make
from .policy import recovery_device, two_factor_required

APP_NAME = "Authenticator app"
CODES_NAME = "Recovery codes"
WRONG_CODE = "The code is not right: enter the 6 numbers your authenticator app shows now"
WAIT = "Too many wrong codes in a row: wait {seconds}, then enter the code your app shows then"


def _digits(code: Any) -> str:
    """A code as typed: spaces and dashes dropped (apps show `123 456`); ASCII digits only, so
    `١٢٣` or `²` is a wrong code, not a crash."""
    kept = "".join(ch for ch in str(code or "") if ch not in " -\u00a0")
    return kept if kept.isascii() and kept.isdigit() else ""


@transaction.atomic
def totp_setup_start(*, actor: Any) -> TOTPDevice:
    """A new, unconfirmed authenticator-app secret for `actor` (one left half-done is replaced)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name=APP_NAME, confirmed=False)


def totp_setup_confirm(*, actor: Any, device: TOTPDevice, code: Any) -> list[str]:
    """Confirm the app with a code it shows; it replaces any app set up before. Returns new
    recovery codes when the person has none yet (shown once), else an empty list."""
    device = TOTPDevice.objects.get(pk=device.pk, user=actor, confirmed=False)
    _check(device, _digits(code), wait=WAIT, wrong=WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        account_email_queue(TWO_FACTOR_ADDED, actor, "")
        return [] if recovery_device(actor) is not None else recovery_codes_make(actor=actor)


@transaction.atomic
def recovery_codes_make(*, actor: Any) -> list[str]:
    """A new set of single-use recovery codes; the old set stops working. Returned once, to
    show; only their hashes are kept."""
    RecoveryCodeDevice.objects.filter(user=actor).delete()
    device = RecoveryCodeDevice.objects.create(user=actor, name=CODES_NAME, confirmed=True)
    codes = [recovery_code_make() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes
    )
    return codes


def two_factor_passed(*, request: HttpRequest, device: Device) -> None:
    """This session has passed its second factor with `device` (TwoFactorMiddleware notes when)."""
    otp_login(request, device)


@transaction.atomic
def security_key_added(*, actor: Any) -> list[str]:
    """After the browser added a security key (django-otp-webauthn's own endpoint saved it):
    tell the person by email, and make recovery codes if they have none (returned, shown once)."""
    if not WebAuthnCredential.objects.filter(user=actor, confirmed=True).exists():
        raise ValidationError("No security key was added: try again, or use an authenticator app")
    account_email_queue(TWO_FACTOR_ADDED, actor, "")
    return [] if recovery_device(actor) is not None else recovery_codes_make(actor=actor)


@transaction.atomic
def security_key_remove(*, actor: Any, pk: Any) -> None:
    """Remove one of the person's own security keys; the last second factor of someone whose
    role needs one stays (they would be asked to set one up again at once)."""
    key = WebAuthnCredential.objects.filter(user=actor, pk=pk).first()
    if key is None:
        raise ValidationError("That security key is not one of yours")
    others = (
        WebAuthnCredential.objects.filter(user=actor, confirmed=True).exclude(pk=key.pk).exists()
        or TOTPDevice.objects.filter(user=actor, confirmed=True).exists()
    )
    if not others and two_factor_required(actor):
        raise ValidationError(
            "This is your only way to confirm it is you: add another before removing it"
        )
    key.delete()


def _check(device: Any, typed: str, *, wait: str, wrong: str) -> None:
    """Check a code against a device, keeping what the check wrote (the failure count that
    makes the next attempt wait, the step a code was used in) even when the code is wrong: the
    refusal is raised only after the check's own transaction has committed."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        passed = allowed and bool(typed) and device.verify_token(typed)
    if not allowed:
        left = (why or {}).get("locked_until", timezone.now()) - timezone.now()
        seconds = max(1, math.ceil(left.total_seconds()))
        raise ValidationError(
            {"code": wait.format(seconds=f"{seconds} second{'' if seconds == 1 else 's'}")}
        )
    if not passed:
        raise ValidationError({"code": wrong})


def two_factor_verify_app(*, request: HttpRequest, code: Any) -> Device:
    """Pass the second factor with the authenticator app's code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        raise ValidationError({"code": "You have no authenticator app set up: use another way"})
    _check(device, _digits(code), wait=WAIT, wrong=WRONG_CODE)
    two_factor_passed(request=request, device=device)
    return device


def two_factor_verify_recovery(*, request: HttpRequest, code: Any) -> Device:
    """Pass the second factor with one recovery code, which is then used up."""
    device = RecoveryCodeDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        raise ValidationError({"code": "You have no recovery codes: ask your DSL or headteacher"})
    _check(
        device,
        str(code or "")[:100],
        wait="Too many wrong codes in a row: wait {seconds}, then try again",
        wrong="The recovery code is not right, or it has been used: check it and try again",
    )
    two_factor_passed(request=request, device=device)
    return device
