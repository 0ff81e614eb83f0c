"""DESIGN.md section 4 rule 6: every route, every role, own-school and other-school objects.

Each named route needs a row in ROUTES. A route added without one fails
`test_every_route_has_sample_arguments`, so no page can slip past the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ALL_ROLES, World

ANON = "anonymous"
ROLES = [ANON, *ALL_ROLES]
VIEW_PUPILS = {"staff", "dsl", "deputy", "head", "admin", "tso"}
EVERYONE = set(ALL_ROLES)

# Namespaces tested elsewhere: the platform's Django admin (tests/safeguard/test_admin.py).
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Route:
    """How to call a route and what each role should get.

    `kwargs(world, which)` builds the URL arguments from school A's record ("own") or school B's
    ("other"); the test flips them for B's DSL, so "own" is always the actor's own school.
    `allowed` roles get `ok`; other signed-in roles get `denied` (403 for a page of the acting
    school, 404 for a record); anonymous gets `anon`. For records of the other school every
    signed-in role gets 404, whatever its role.
    """

    kwargs: Callable[[World, Any], dict[str, Any]] | None = None
    allowed: set[str] = field(default_factory=set)
    ok: int = 200
    denied: int = 403
    anon: int = 302
    method: str = "get"
    record: bool = False
    public: int | None = None  # the same status for everyone, signed in or not


def _pupil(world: World, which: str) -> Any:
    return world.pupil if which == "own" else world.other_pupil


def _relative(role: str, which: str) -> str:
    """School B's DSL works in B: their own-school record is B's, their other-school one is A's."""
    if role != "other_dsl":
        return which
    return "other" if which == "own" else "own"


ROUTES: dict[str, Route] = {
    "home": Route(allowed=EVERYONE),
    "healthz": Route(public=200),
    "school-switch": Route(public=405),  # POST only; POST is tested in test_school_switch.py
    "login": Route(allowed=set(), denied=302, anon=200),  # signed-in people go home
    "logout": Route(public=405),  # POST only
    "password_reset": Route(public=200),
    "password_reset_done": Route(public=200),
    "password_reset_confirm": Route(
        kwargs=lambda w, obj: {"uidb64": "MQ", "token": "not-a-token"}, public=200
    ),
    "password_reset_complete": Route(public=200),
    "pupil-list": Route(allowed=VIEW_PUPILS),
    "pupil-detail": Route(
        kwargs=lambda w, which: {"pk": _pupil(w, which).pk},
        allowed=VIEW_PUPILS,
        denied=404,
        record=True,
    ),
}


def _named_patterns(resolver: URLResolver, namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXCLUDED_NAMESPACES:
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            names.extend(_named_patterns(pattern, prefix))
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern}>")
    return names


def test_every_route_has_sample_arguments() -> None:
    missing = sorted(set(_named_patterns(get_resolver())) - set(ROUTES))
    assert not missing, f"routes without a row in the tenancy matrix: {missing}"


def test_matrix_has_no_stale_rows() -> None:
    assert not set(ROUTES) - set(_named_patterns(get_resolver()))


def _expected(route: Route, role: str, which: str) -> int:
    if route.public is not None:
        return route.public
    if role == ANON:
        return route.anon
    if route.record and which == "other":
        return 404
    if role == "other_dsl":
        role = "dsl"  # B's DSL, acting in B, is like any DSL
    return route.ok if role in route.allowed else route.denied


CASES = [
    pytest.param(name, role, which, id=f"{name}-{role}-{which}")
    for name, route in ROUTES.items()
    for role in ROLES
    for which in (["own", "other"] if route.record else ["own"])
]


@pytest.mark.parametrize(("name", "role", "which"), CASES)
def test_route_status_for_role(client, world: World, name: str, role: str, which: str) -> None:  # noqa: ANN001
    route = ROUTES[name]
    if role != ANON:
        client.force_login(world.users[role])
    args = route.kwargs(world, _relative(role, which)) if route.kwargs else None
    url = reverse(name, kwargs=args)
    response = getattr(client, route.method)(url)
    assert response.status_code == _expected(route, role, which), response.content[:500]
    if response.status_code == 200 and role != ANON:
        # No page shows a record of a school the person does not work in.
        foreign = world.school if role == "other_dsl" else world.other_school
        foreign_pupil = world.pupil if role == "other_dsl" else world.other_pupil
        assert foreign.name.encode() not in response.content
        assert foreign_pupil.legal_last_name.encode() not in response.content
