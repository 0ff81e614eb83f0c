"""Nothing but the two-factor pages until a person who needs a second factor has passed it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from .policy import has_second_factor, session_verified_stamp, two_factor_due

# The pages a signed-in person reaches before their second factor: signing out, the password
# pages, the two-factor pages themselves (and the WebAuthn ceremony's own endpoints, which make
# their own checks), and the health check.
OPEN_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "invitation-accept",
        "healthz",
        "accessibility-statement",
        "two-factor-verify",
        "two-factor-recovery",
        "two-factor-setup",
        "two-factor-setup-key",
        "two-factor-recovery-codes",
    }
)
OPEN_NAMESPACES = frozenset({"otp_webauthn"})
STEP_UP_MESSAGE = (
    "It is a while since you last confirmed it is you. Confirm it again to carry on: this keeps "
    "children's records safe on a computer left signed in."
)


def _is_open(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True  # a 404 shows nothing
    return match.url_name in OPEN_URL_NAMES or bool(set(match.namespaces) & OPEN_NAMESPACES)


def _go(request: HttpRequest, url_name: str) -> HttpResponse:
    url = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: send a signed-in person who must pass a second factor
    (their role needs one, or they set one up) to pass it, or to set one up; ask again once the
    last check is older than TWO_FACTOR_STEP_UP_AFTER. One query for a session not yet verified,
    none after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        stepped_down = False
        if getattr(user, "is_verified", bool)():  # set by django-otp's OTPMiddleware
            if session_verified_stamp(request):
                return self.get_response(request)
            stepped_down = True
        if not two_factor_due(user):
            return self.get_response(request)
        if _is_open(request):
            request.two_factor_pending = True  # type: ignore[attr-defined]  # no menu, no counts
            return self.get_response(request)
        if stepped_down:
            messages.info(request, STEP_UP_MESSAGE)
        if has_second_factor(user):
            return _go(request, "two-factor-verify")
        return _go(request, "two-factor-setup")
