"""The pages where a school's DSL or head, or the trust's TSO, registers the systems that use
the API, gives them a new secret and revokes them (docs/adr/0035)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from safeguard.forms import add_service_errors
from safeguard.http import SafeguardRequest, acting_school_or_403
from safeguard.roles import Perm

from .forms import ApiClientForm, LifetimeForm
from .models import ApiClient
from .scopes import SCOPE_HINTS, SCOPE_LABELS, ApiScope
from .selectors import api_calls_for, api_client_get_for, api_client_list_for
from .services import (
    api_client_new_secret,
    api_client_register,
    api_client_revoke,
    can_manage_clients,
    scopes_withheld,
)


def _scope_labels(client: ApiClient) -> list[str]:
    return [SCOPE_LABELS[ApiScope(s)] for s in client.scopes if s in set(ApiScope)]


def _secret_page(request: SafeguardRequest, client: ApiClient, secret: str) -> HttpResponse:
    """The secret, shown on this one page and never again (the page is not stored: the
    response says no-store, as every page does)."""
    return render(
        request,
        "api/client_secret.html",
        {"client": client, "secret": secret, "scopes": _scope_labels(client)},
    )


@login_required
@require_GET
def api_client_list(request: SafeguardRequest) -> HttpResponse:
    """The systems that reach this school, the trust's included."""
    school = acting_school_or_403(request, Perm.MANAGE_API_CLIENTS)
    clients = list(api_client_list_for(actor=request.user, school=school))
    for client in clients:
        client.scope_labels = _scope_labels(client)  # type: ignore[attr-defined]
        client.may_change = can_manage_clients(  # type: ignore[attr-defined]
            request.user, school=client.school, trust=client.trust
        )
    return render(request, "api/client_list.html", {"school": school, "clients": clients})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_client_add(request: SafeguardRequest) -> HttpResponse:
    """Register a system: its name, what it may do, which schools and how long its secret
    lasts. Written out: the answer is the secret's page, not a redirect (it is shown once)."""
    school = acting_school_or_403(request, Perm.MANAGE_API_CLIENTS)
    trust_wide = can_manage_clients(request.user, trust=school.trust)
    form = ApiClientForm(request.POST or None, trust_wide=trust_wide)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        whole_trust = trust_wide and data.get("reach") == "trust"
        try:
            client, secret = api_client_register(
                actor=request.user,
                name=data["name"],
                scopes=data["scopes"],
                lifetime_days=data["lifetime_days"],
                school=None if whole_trust else school,
                trust=school.trust if whole_trust else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _secret_page(request, client, secret)
    chosen = set(form["scopes"].value() or [])
    # What the person may give a system of this school (a trust-wide one may be given less:
    # the service says so beside the field).
    withheld = set(scopes_withheld(request.user, list(ApiScope), school=school, trust=None))
    scope_options = [
        {"value": s.value, "label": SCOPE_LABELS[s], "hint": SCOPE_HINTS[s], "checked": s in chosen}
        for s in ApiScope
        if s not in withheld
    ]
    return render(
        request,
        "api/client_form.html",
        {"form": form, "school": school, "trust_wide": trust_wide, "scope_options": scope_options},
    )


@login_required
@require_GET
def api_client_detail(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """One system: what it may do, when its secret ends, when it was last used and its calls."""
    client = api_client_get_for(actor=request.user, pk=pk)
    return render(
        request,
        "api/client_detail.html",
        {
            "client": client,
            "scopes": _scope_labels(client),
            "calls": api_calls_for(actor=request.user, client=client),
            "may_change": can_manage_clients(
                request.user, school=client.school, trust=client.trust
            ),
            "form": LifetimeForm(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_client_secret(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """A new secret (the old one stops at once). Written out, as registering is."""
    client = api_client_get_for(actor=request.user, pk=pk)
    if not can_manage_clients(request.user, school=client.school, trust=client.trust):
        raise PermissionDenied
    if client.revoked_at is not None:
        return redirect("api-client-detail", pk=client.pk)
    form = LifetimeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            secret = api_client_new_secret(
                actor=request.user, client=client, lifetime_days=form.cleaned_data["lifetime_days"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _secret_page(request, client, secret)
    return render(request, "api/client_new_secret.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_client_revoke_page(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Revoke a system for good, after a check."""
    client = api_client_get_for(actor=request.user, pk=pk)
    if not can_manage_clients(request.user, school=client.school, trust=client.trust):
        raise PermissionDenied
    if request.method == "POST":
        api_client_revoke(actor=request.user, client=client)
        messages.success(request, f"{client.name} is revoked: its secret no longer works.")
        return redirect("api-client-list")
    return render(request, "api/client_revoke.html", {"client": client})
