"""Request middleware: security headers, bodies too large or unreadable, session lifetime and
the school the user is acting in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property

from .access import access_cache
from .security_log import refusal_log

if TYPE_CHECKING:
    from schools.models import School

SIGNED_IN_AT = "safeguard_signed_in_at"
ACTING_SCHOOL = "safeguard_acting_school_id"


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY), with the sources that
    settings.CONTENT_SECURITY_POLICY_PAGE_SOURCES adds on the pages whose path matches: a
    third-party page whose one inline script we cannot move to a file, allowed by its hash, or
    the API documentation's icons, drawn as `data:` images (docs/adr/0029, 0035)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.page_sources = [
            (re.compile(path), sources)
            for path, sources in settings.CONTENT_SECURITY_POLICY_PAGE_SOURCES
        ]

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        added: dict[str, list[str]] = {}
        for pattern, sources in self.page_sources:
            if pattern.match(request.path_info):
                for directive, values in sources.items():
                    added.setdefault(directive, []).extend(values)
        if added:  # django-csp adds these to what each directive already allows
            parts.update = {**(parts.update or {}), **added}
        return parts


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """The `Permissions-Policy` header for {feature: allowed origins}: `camera=()` for none,
    `publickey-credentials-get=(self)` for this site."""
    return ", ".join(
        f"{feature}=({' '.join(origins)})" for feature, origins in sorted(policy.items())
    )


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response: the browser
    features Safeguard never uses stay off even if a script were ever slipped into a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than any form takes (`MAX_REQUEST_BYTES`) before anything
    reads it: Django would otherwise spool an upload of any size to disk (and the CSRF check reads
    a POST body) before a view could say the file is too large."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            limit = -(-settings.MAX_REQUEST_BYTES // (1024 * 1024))  # in MB, rounded up
            return HttpResponse(
                '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                "<title>The file is too large - Safeguard</title></head><body>"
                "<h1>The file is too large</h1>"
                f"<p>Safeguard takes files of up to {limit} MB. Nothing was saved. Go back, "
                "choose a smaller file, and try again.</p></body></html>",
                status=413,
            )
        return self.get_response(request)


class JsonBodyMiddleware:
    """Refuse (400) a JSON body Python cannot read as JSON: not UTF-8, a number longer than
    `int()` reads, arrays nested deeper than the interpreter recurses. The security keys'
    endpoints (django-otp-webauthn) catch only text that is not JSON at all, and answered these
    with a server error. The API (under /api/) answers its own, as problem details."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.content_type == "application/json"
            and not request.path_info.startswith("/api/")
            and not _readable_json(request.body)
        ):
            # The words and code django-otp-webauthn gives a body that is not JSON.
            return JsonResponse(
                {"detail": "Malformed request. JSON not parsable.", "code": "malformed_request"},
                status=400,
            )
        return self.get_response(request)


def _readable_json(body: bytes) -> bool:
    if not body:
        return True
    try:
        json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 or not JSON are ValueErrors too
        return False
    return True


LAST_ACTIVITY = "safeguard_last_activity"
# A request the page makes by itself (an export's progress, polled) says so with this header: it
# is not the person doing anything, so it does not keep an idle session alive.
BACKGROUND_HEADER = "X-Safeguard-Background"


def idle_message() -> str:
    minutes = max(1, round(settings.SESSION_IDLE_TIMEOUT.total_seconds() / 60))
    return (
        f"You were signed out because you had not used Safeguard for {minutes} "
        f"minute{'' if minutes == 1 else 's'}. Sign in "
        "again to carry on: a concern you were writing is kept as a draft."
    )


class SessionLifetimeMiddleware:
    """End a session 12 hours after sign-in however active, and after SESSION_IDLE_TIMEOUT with
    nothing done by the person (requests the page makes by itself do not count); say why on the
    sign-in page, also when the session ended while the browser was away."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended is not None:
                logout(request)
                messages.info(request, ended)
                if request.path_info == resolve_url(settings.LOGIN_URL):
                    return self.get_response(request)  # the page's own count ran out: here
                return redirect_to_login(request.get_full_path())
            if request.headers.get(BACKGROUND_HEADER) != "1":
                request.session[LAST_ACTIVITY] = timezone.now().timestamp()
        elif settings.SESSION_COOKIE_NAME in request.COOKIES and not request.session.session_key:
            # The browser still holds a session the server has ended (idle too long).
            messages.info(request, idle_message())
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest) -> str | None:
        now = timezone.now().timestamp()
        signed_in_at = request.session.get(SIGNED_IN_AT)
        if (
            signed_in_at is None
            or now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        ):
            return (
                "For your security you are signed out 12 hours after signing in. "
                "Sign in again to carry on."
            )
        last = request.session.get(LAST_ACTIVITY, signed_in_at)
        if now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds():
            return idle_message()
        return None


class SchoolContext:
    """The schools a user works in and the one they are acting in now, looked up on first use."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def available(self) -> list[School]:
        from schools.selectors import school_list_for

        if not self._request.user.is_authenticated:
            return []
        return list(school_list_for(actor=self._request.user))

    @cached_property
    def acting(self) -> School | None:
        """The school chosen in the switcher, else the first the user works in."""
        by_id = {s.pk: s for s in self.available}
        chosen = self._request.session.get(ACTING_SCHOOL)
        if chosen in by_id:
            return by_id[chosen]
        return self.available[0] if self.available else None

    def switch_to(self, school: School) -> None:
        self._request.session[ACTING_SCHOOL] = school.pk
        self.__dict__["acting"] = school


class ActingSchoolMiddleware:
    """Attach `request.schools`, a `SchoolContext`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.schools = SchoolContext(request)  # type: ignore[attr-defined]
        with access_cache():
            return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages about children are never stored by a browser or proxy; htmx gets real redirects.

    - `Cache-Control: no-store`: Back re-fetches rather than showing a stored page, and nothing
      lingers on a shared computer.
    - `Vary: HX-Request`: a results fragment and its full page never stand in for each other.
    - A redirect to sign-in answering an htmx request becomes `HX-Redirect`, so the whole page goes
      to sign-in instead of the sign-in form landing inside the results.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        patch_vary_headers(response, ["HX-Request"])
        if request.headers.get("HX-Request") == "true" and response.status_code in (301, 302):
            location = response.get("Location", "")
            if urlsplit(location).path == resolve_url(settings.LOGIN_URL):
                # Come back to the page the person was on, not to the fragment htmx asked for.
                current = urlsplit(request.headers.get("HX-Current-URL", ""))
                page = current.path + (f"?{current.query}" if current.query else "")
                if not page.startswith("/"):
                    page = "/"
                redirect = HttpResponse(status=200)
                redirect["HX-Redirect"] = redirect_to_login(page).url
                redirect["Cache-Control"] = "no-store"
                return redirect
        return response


class RefusalLogMiddleware:
    """Write each refused request (a 404 or 403 raised by a view) to the security log
    (`safeguard.security_log`); the response is Django's, unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        refusal_log(request, exception)
