"""docs/architecture.md section 4 rule 6: every route, every role, against objects of the
person's own school, of a school of another trust and of a sibling school of the same trust.

Each named route needs a row in ROUTES (tests/support/routes.py). A route added without one fails
`test_every_route_has_sample_arguments`, so no page can slip past the matrix. Routes that only
accept POST are called with POST (and sample data), so their permissions are tested too.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.support import routes
from tests.support.headers import (
    ATTACHMENT_POLICY,
    CONTENT_SECURITY_POLICY,
    DOWNLOAD_POLICY,
    assert_security_headers,
)
from tests.support.routes import ANON, ROLES, ROUTES, Route, expected_status
from tests.support.world import World

# One worker runs the whole matrix (`--dist loadgroup`), so its module-scoped world is built once.
pytestmark = pytest.mark.xdist_group("tenancy-matrix")

# The matrix's world, built once for the module (its records committed, each case rolled back).
matrix_data = routes.matrix_data
world = routes.world
records = routes.records


# Namespaces tested elsewhere: the platform's Django admin (tests/safeguard/test_admin.py), and
# the API, called with a client's secret, not a person's session (tests/api/test_api_matrix.py).
EXCLUDED_NAMESPACES = {"admin", "api"}


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


# Routes that answer with a file, under the stricter policy files are served with.
FILE_POLICIES = {
    "attachment-download": ATTACHMENT_POLICY,
    "transfer-file": DOWNLOAD_POLICY,
    "incoming-file": DOWNLOAD_POLICY,
}


def _relative(role: str, which: str) -> str:
    """School B's DSL works in B: their own-school record is B's, their other-school one is A's."""
    if role != "other_dsl":
        return which
    return "other" if which == "own" else "own"


# two widest roles, who must not: the other roles reach less than these, and C changes nothing
# for them that school B does not already try.
SIBLING_ROLES = {"tso", "dsl", "head"}


def _schools_tried(route: Route, role: str) -> list[str]:
    if not route.record:
        return ["own"]
    return ["own", "other", *(["sibling"] if route.sibling and role in SIBLING_ROLES else [])]


CASES = [
    pytest.param(name, role, which, id=f"{name}-{role}-{which}")
    for name, route in ROUTES.items()
    for role in ROLES
    for which in _schools_tried(route, role)
]


@pytest.mark.parametrize(("name", "role", "which"), CASES)
def test_route_status_for_role(
    client, world: World, records, name: str, role: str, which: str
) -> None:
    route = ROUTES[name]
    if role != ANON:
        client.force_login(world.users[role])
    target = _relative(role, which)
    url = reverse(name, kwargs=route.kwargs(world, records, target) if route.kwargs else None)
    data = route.data(world, target) if route.data else {}
    response = getattr(client, route.method)(url, data)
    assert response.status_code == expected_status(route, role, which), response.content[:500]
    # Whatever the answer, it carries the Content-Security-Policy and Permissions-Policy.
    file_policy = FILE_POLICIES.get(name) if response.status_code == 200 else None
    assert_security_headers(response, policy=file_policy or CONTENT_SECURITY_POLICY)
    if response.status_code == 200 and role != ANON:
        # No page shows a record of a school the person does not work in.
        foreign = world.school if role == "other_dsl" else world.other_school
        foreign_pupil = world.pupil if role == "other_dsl" else world.other_pupil
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert foreign.name.encode() not in body
        assert foreign_pupil.legal_last_name.encode() not in body
        foreign_records = records["own" if role == "other_dsl" else "other"]
        assert foreign_records.concern.reference.encode() not in body
