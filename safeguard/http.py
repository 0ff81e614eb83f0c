"""The request as the product's views see it, and the one way a view runs a service.

Views are "access, then act" (house style): the school comes from the record or from the acting
school, never from the request's data; a write goes through one service; a service's refusal
(a `ValidationError`) is put beside the fields it is about, with nothing typed lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from .access import access_for
from .forms import add_service_errors
from .roles import Perm

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from schools.models import School, User

    from .middleware import SchoolContext


class SafeguardRequest(HttpRequest):
    """An `HttpRequest` after the product's middleware: `schools` is set on every request
    (`ActingSchoolMiddleware`), `htmx` too (django-htmx's `HtmxMiddleware`), and behind
    `login_required` the user is a signed-in `User`."""

    user: User  # narrower than Django's User | AnonymousUser
    schools: SchoolContext
    htmx: HtmxDetails


def as_safeguard(request: HttpRequest) -> SafeguardRequest:
    """The same request, typed as the middleware made it (no check is made: a cast)."""
    return cast(SafeguardRequest, request)


def acting_school(request: HttpRequest) -> School | None:
    """The school the person is acting in now, if they work in any."""
    return as_safeguard(request).schools.acting


def acting_school_or_403(request: HttpRequest, perm: Perm | None = None) -> School:
    """The acting school, when the person holds `perm` there (or works there, without one);
    otherwise 403: the page exists, and the person may not use it here."""
    school = acting_school(request)
    if school is None:
        raise PermissionDenied
    access = access_for(request.user)
    allowed = access.has(perm, school) if perm is not None else bool(access.perms_in(school))
    if not allowed:
        raise PermissionDenied
    return school


def record_school_context(request: HttpRequest, school: School) -> dict[str, Any]:
    """For a record's page: its school, and whether it is not the acting one (the page then
    names it and offers to switch; opening a record never changes the acting school)."""
    acting = acting_school(request)
    return {"record_school": school, "record_school_differs": acting is None or acting != school}


def page_to_return_to(request: HttpRequest, target: object, default: str) -> str:
    """`target` (a posted `next`, say) if it is a page of this site, else `default`: a path on
    this host that names one of its pages. Anything else, another site or a word `redirect()`
    would take for a view's name, goes to `default`."""
    if not isinstance(target, str) or not target.startswith("/"):
        return default
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    try:
        resolve(urlsplit(target).path)
    except Resolver404:
        return default
    return target


def run_service(
    request: HttpRequest,
    form: Any,
    service: Callable[..., Any],
    *,
    done: str | Callable[[Any], str],
    to: str | Callable[[Any], str],
    data: Callable[[Any], dict[str, Any]] | None = None,
    check: Callable[..., Mapping[str, Any]] | None = None,
    **arguments: Any,
) -> HttpResponse | None:
    """A POSTed, valid form: call `service(actor=..., **arguments, **the form's data)`; its
    refusal goes beside the fields (returns None: render the form again), else the message
    `done` and a redirect to `to` (a URL or a URL name; either may be worked out from the
    service's result). A GET, an unbound form (`request.POST or None`, posted empty) or an
    invalid form returns None too.

    `check`, the service's own rules (`check(**arguments, **the form's data)` gives
    {key: message}), is asked even when a field is wrong, so every problem shows at once."""
    if request.method != "POST" or not form.is_bound:
        return None
    valid = form.is_valid()
    if check is not None:
        add_service_errors(form, dict(check(**arguments, **_values(form, data))))
        valid = not form.errors
    if not valid:
        return None
    try:
        result = service(actor=request.user, **arguments, **_values(form, data))
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, done(result) if callable(done) else done)
    return redirect(to(result) if callable(to) else to)


def _values(form: Any, data: Callable[[Any], dict[str, Any]] | None) -> dict[str, Any]:
    return data(form) if data is not None else form.cleaned_data
