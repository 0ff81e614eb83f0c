"""The two-factor pages: pass a second factor, set one up, keep them, reset a colleague's.

Sign-in pages redirect to `next` rather than to a fixed page, and show no "done" banner, so they
are written out rather than through `run_service`; each still has one error transport
(`add_service_errors`)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from safeguard.forms import add_service_errors
from safeguard.http import acting_school, page_to_return_to, run_service
from schools.staff.selectors import staff_two_factor_person_for
from schools.staff.services import staff_two_factor_reset

from . import services
from .forms import AppCodeForm, RecoveryCodeForm, TwoFactorResetForm
from .policy import has_second_factor, recovery_codes_left, two_factor_required

SETUP_DEVICE = "safeguard_two_factor_setup_device"
NEW_CODES = "safeguard_two_factor_new_codes"
FEW_CODES = 3


def _next(request: HttpRequest) -> str:
    """Where to go once this step is done: a page of this site, else home."""
    target = request.POST.get("next") or request.GET.get("next")
    return page_to_return_to(request, target, reverse("home"))


def _with_next(url_name: str, request: HttpRequest) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': _next(request)})}"


def _methods(user: Any) -> dict[str, Any]:
    return {
        "has_app": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_keys": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
        "codes_left": recovery_codes_left(user),
    }


def _verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", bool)())  # set by django-otp's middleware


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the app, or a security key, or a recovery code."""
    if not has_second_factor(request.user):
        return redirect(_with_next("two-factor-setup", request))
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_verify_app(request=request, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_next(request))
    context = {"form": form, "next": _next(request), **_methods(request.user)}
    return render(request, "schools/twofactor/verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """Pass the second factor with a recovery code (the phone or key is lost or left at home)."""
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_verify_recovery(request=request, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            left = recovery_codes_left(request.user)
            if left < FEW_CODES:
                messages.warning(
                    request,
                    f"You have {left} recovery code{'' if left == 1 else 's'} left. Make new "
                    "ones on your Sign-in and security page.",
                )
            return redirect(_next(request))
    return render(
        request, "schools/twofactor/recovery.html", {"form": form, "next": _next(request)}
    )


def _setup_device(request: HttpRequest) -> TOTPDevice:
    """The half-set-up app of this session (the QR code stays the same on a reload)."""
    pk = request.session.get(SETUP_DEVICE)
    device = TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()
    if device is None:
        device = services.totp_setup_start(actor=request.user)
        request.session[SETUP_DEVICE] = device.pk
    return device


def _may_set_up(request: HttpRequest) -> bool:
    """Someone with a second factor adds or replaces one only once they have passed it (a stolen
    password must not be enough to add the thief's phone)."""
    return _verified(request) or not has_second_factor(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then enter a code."""
    if not _may_set_up(request):
        return redirect(_with_next("two-factor-verify", request))
    device = _setup_device(request)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_setup_confirm(
                actor=request.user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.pop(SETUP_DEVICE, None)
            services.two_factor_passed(request=request, device=device)
            return _after_setup(request, codes, "Your authenticator app is set up.")
    key = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(
            scale=5, title="QR code for your authenticator app", border=2
        ),
        "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
        "required": two_factor_required(request.user),
        **_methods(request.user),
    }
    return render(request, "schools/twofactor/setup.html", context)


def _after_setup(request: HttpRequest, codes: list[str], done: str) -> HttpResponse:
    if codes:
        request.session[NEW_CODES] = codes
        return redirect(_with_next("two-factor-recovery-codes", request))
    messages.success(request, done)
    return redirect(_next(request))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup_key(request: HttpRequest) -> HttpResponse:
    """Add a security key or passkey (the browser's own WebAuthn prompt does the work); a POST
    once it is added makes the recovery codes a first second factor needs."""
    if not _may_set_up(request):
        return redirect(_with_next("two-factor-verify", request))
    if request.method == "POST":
        try:
            codes = services.security_key_added(actor=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            return _after_setup(request, codes, "Your security key is set up.")
    context = {"next": _next(request), **_methods(request.user)}
    return render(request, "schools/twofactor/setup_key.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: they are gone from the session when this is left."""
    codes = request.session.get(NEW_CODES)
    if request.method == "POST":
        request.session.pop(NEW_CODES, None)
        messages.success(request, "Two-factor sign-in is set up.")
        return redirect(_next(request))
    if not codes:
        return redirect(_next(request))
    return render(
        request, "schools/twofactor/recovery_codes.html", {"codes": codes, "next": _next(request)}
    )


@login_required
@require_http_methods(["GET"])
def account_security(request: HttpRequest) -> HttpResponse:
    """Sign-in and security: the person's second factors, recovery codes and how to change them."""
    user = request.user
    keys = WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")
    context = {
        "required": two_factor_required(user),
        "keys": list(keys),
        **_methods(user),
    }
    return render(request, "schools/twofactor/security.html", context)


@login_required
@require_http_methods(["POST"])
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not _verified(request):
        raise PermissionDenied
    request.session[NEW_CODES] = services.recovery_codes_make(actor=request.user)
    return redirect(f"{reverse('two-factor-recovery-codes')}?next={reverse('account-security')}")


@login_required
@require_http_methods(["POST"])
def security_key_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of the person's own security keys."""
    if not _verified(request):
        raise PermissionDenied
    try:
        services.security_key_remove(actor=request.user, pk=pk)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The security key is removed.")
    return redirect("account-security")


@login_required
@require_http_methods(["GET", "POST"])
def staff_two_factor_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The DSL or headteacher resets a colleague's two-factor sign-in (a lost phone)."""
    school = acting_school(request)
    if school is None:
        raise Http404("No such record.")
    # Missing, another school's and not allowed are the same 404 (the selector checks).
    person = staff_two_factor_person_for(actor=request.user, school=school, pk=pk).person
    form = TwoFactorResetForm(request.POST or None)
    done = run_service(
        request,
        form,
        staff_two_factor_reset,
        done=f"{person.full_name} sets up two-factor sign-in again when they next sign in.",
        to=reverse("staff-list"),
        school=school,
        person=person,
    )
    if done is not None:
        return done
    return render(
        request,
        "schools/twofactor/reset.html",
        {"form": form, "person": person, "school": school},
    )
