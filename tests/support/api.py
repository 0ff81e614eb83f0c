"""Calling the API as a registered client does: a client for a school or a trust, with scopes,
and a Django test client that sends its secret as a Bearer token."""

from __future__ import annotations

from typing import Any

from django.test import Client

from api.models import ApiClient
from api.services import api_client_register
from schools.models import School, Trust, User

ALL_SCOPES = ("roll:write", "alerts:write", "figures:read")
TRUST_SCOPES = ("alerts:write", "figures:read")


def register_client(
    registrar: User,
    *,
    school: School | None = None,
    trust: Trust | None = None,
    scopes: list[str] | tuple[str, ...] | None = None,
    name: str = "Test system",
    lifetime_days: int = 90,
) -> tuple[ApiClient, str]:
    """A client registered through the service, by someone who may (a DSL, head or TSO); by
    default with every scope the registrar may give (a trust's: no roll, which no trust role
    keeps)."""
    if scopes is None:
        scopes = TRUST_SCOPES if trust is not None else ALL_SCOPES
    return api_client_register(
        actor=registrar,
        name=name,
        scopes=list(scopes),
        lifetime_days=lifetime_days,
        school=school,
        trust=trust,
    )


def bearer(secret: str) -> Client:
    """A test client that sends `Authorization: Bearer <secret>` with every request."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def problem_of(response: Any) -> dict[str, Any]:
    """The RFC 9457 problem an error answered with (and that it is one)."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    assert body["type"]
    return body
