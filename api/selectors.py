"""Reading API clients and their calls, scoped to who manages them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import School

from .models import ApiCall, ApiClient


def api_client_list_for(*, actor: Any, school: School) -> QuerySet[ApiClient]:
    """The clients that reach `school`: its own, and its trust's (which only the TSO changes),
    for who manages the school's clients."""
    if not access_for(actor).has(Perm.MANAGE_API_CLIENTS, school):
        return ApiClient.objects.none()
    return (
        ApiClient.objects.filter(Q(school=school) | Q(trust_id=school.trust_id))
        .select_related("school", "trust", "created_by", "revoked_by")
        .order_by("revoked_at", "name", "pk")
    )


def api_client_get_for(*, actor: Any, pk: Any) -> ApiClient:
    """One client the actor may see (one of a school where they manage clients, or of its
    trust); any other, or none, is the same 404."""
    access = access_for(actor)
    schools = access.schools_with(Perm.MANAGE_API_CLIENTS)
    trusts = set(
        School.objects.filter(pk__in=schools).values_list("trust_id", flat=True).distinct()
    )
    try:
        client = ApiClient.objects.select_related("school", "trust").get(
            Q(school_id__in=schools) | Q(trust_id__in=trusts), pk=int(str(pk))
        )
    except (ApiClient.DoesNotExist, ValueError, OverflowError):
        raise Http404("No such record.") from None
    return client


def api_calls_for(*, actor: Any, client: ApiClient, limit: int = 50) -> list[ApiCall]:
    """The client's latest calls the actor may see, newest first: all of them for who manages
    the client; for a school's DSL or head looking at a trust-wide client, only its calls to
    their own schools (a call to a sibling school would say what happened there)."""
    calls = ApiCall.objects.filter(client=client)
    if client.trust_id is not None and client.trust_id not in access_for(actor).trust_ids_with(
        Perm.MANAGE_API_CLIENTS
    ):
        calls = calls.filter(school_id__in=access_for(actor).schools_with(Perm.MANAGE_API_CLIENTS))
    return list(calls.order_by("-at", "-pk")[:limit])
