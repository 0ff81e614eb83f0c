"""The API's tenancy matrix (docs/architecture.md section 4 rule 6, issue 17): every operation of
the `api` URL namespace, called by every kind of client, against school A (the client's own),
school C (a sibling in A's trust) and school B (another trust's).

Each operation (a route and a method) needs a row in ROUTES: one added without one fails
`test_every_api_operation_has_a_row`, so none can slip past. A row says which scope the operation
needs, what it answers on success and, for a POST, a small valid body; the statuses every kind
of client should get follow from those (`expected`):

- no secret, or a revoked client's: 401;
- a client without the scope: 403, whichever school (the refusal depends on the client alone,
  so it tells one school from another no more than the 404 does);
- school A with the scope: the operation's success;
- school C: 404 for a school's client, success for the trust-wide client of A's trust;
- school B: 404 for everyone, the same problem as for a school that does not exist.

The schema and its documentation are public: anyone gets them, secret or not.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from stdnum.gb import upn as stdnum_upn

from api.models import ApiCall
from api.scopes import ApiScope
from api.services import api_client_revoke
from contacts.models import Agency
from schools.models import Pupil
from tests.support.api import TRUST_SCOPES, bearer, problem_of, register_client
from tests.support.world import World, add_sibling, empty_tables, make_world

# One worker runs the whole matrix (`--dist loadgroup`), so its module-scoped world is built once.
pytestmark = pytest.mark.xdist_group("api-matrix")

PUBLIC = {"schema", "docs"}  # the schema and its documentation: anyone's
MISSING = 999_999_999  # an id no school or trust has

# --- The operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One operation: `name` in the `api` namespace and `method`; `scope` it needs (None: any
    client of the school); `ok` its success status; `body(world, which)` a small valid body
    for school `which` ("own", "sibling", "other"), for a POST.

    `target` is what the URL names: "school" (`school_id`), "trust" (`trust_id`, the school's
    trust) or "client" (nothing: the client's own, such as its list of schools). `trust_wide`:
    only a trust-wide client succeeds (a school's client gets 404 even for its own trust)."""

    name: str
    method: str = "get"
    scope: ApiScope | None = None
    ok: int = 200
    body: Callable[[World, str], Any] | None = None
    target: str = "school"
    trust_wide: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.method


def _roll_body(world: World, which: str) -> dict[str, Any]:
    """A new pupil from the MIS, tried (a dry run: the matrix's world stays as it is)."""
    pupil = {
        "upn": "W881000100001",
        "legal_first_name": "Matrix",
        "legal_last_name": "Newcomer",
        "date_of_birth": "2014-03-12",
        "year_group": "7",
        "joined_on": "2025-09-03",
    }
    return {"dry_run": True, "pupils": [pupil]}


def _upn_of(world: World, which: str) -> str:
    """The UPN of the school's pupil, given it in this test's transaction (the world is shared
    and committed without one, as the MIS would have)."""
    pupil = world.pupil_of(which)
    digits = f"88120090{pupil.school_id % 10_000:04d}"
    upn = stdnum_upn.calc_check_digit(digits) + digits
    Pupil.objects.filter(pk=pupil.pk).update(upn=upn)
    return upn


def _leavers_body(world: World, which: str) -> dict[str, Any]:
    """The school's pupil leaving today, tried (a dry run)."""
    leaver = {
        "upn": _upn_of(world, which),
        "left_on": timezone.localdate().isoformat(),
        "leaving_destination": "Hillside Academy",
    }
    return {"dry_run": True, "leavers": [leaver]}


def _alert_body(world: World, which: str) -> dict[str, Any]:
    """A new alert (its own id each time, so each call raises a concern) about the school's
    pupil."""
    return {
        "alert_id": f"matrix-{uuid.uuid4().hex}",
        "pupils": [{"upn": _upn_of(world, which)}],
        "occurred_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "summary": "Searched for something worrying on a school laptop.",
    }


ROUTES = [
    Route("schools", target="client"),
    Route("categories"),
    Route("agencies"),
    Route("school-figures", scope=ApiScope.FIGURES_READ),
    Route("trust-figures", scope=ApiScope.FIGURES_READ, target="trust", trust_wide=True),
    Route("roll-pupils", scope=ApiScope.ROLL_WRITE),
    Route("roll-pupils", "post", ApiScope.ROLL_WRITE, body=_roll_body),
    Route("roll-leavers", "post", ApiScope.ROLL_WRITE, body=_leavers_body),
    Route("alerts", "post", ApiScope.ALERTS_WRITE, ok=201, body=_alert_body),
]

# --- The clients ------------------------------------------------------------------------------

ALL_SCOPES = tuple(s.value for s in ApiScope)


@dataclass(frozen=True)
class Kind:
    """A kind of client: of school A or of A's whole trust, with these scopes; `revoked`: its
    secret was good until the client was revoked; `secret=False`: no secret at all."""

    trust: bool = False
    scopes: tuple[str, ...] = ALL_SCOPES
    revoked: bool = False
    secret: bool = True


KINDS = {
    **{f"school-{s.value}": Kind(scopes=(s.value,)) for s in ApiScope},
    "school-all": Kind(),
    # Every scope a trust-wide client may hold (no roll: no trust role keeps one to give).
    "trust-all": Kind(trust=True, scopes=TRUST_SCOPES),
    "trust-without-figures": Kind(trust=True, scopes=(ApiScope.ALERTS_WRITE.value,)),
    "revoked": Kind(revoked=True),
    "no-secret": Kind(secret=False),
}


def expected(route: Route, kind: Kind, which: str) -> int:
    """The status `kind` should get calling `route` against school `which`."""
    if kind.revoked or not kind.secret:
        return 401
    if route.scope is not None and route.scope.value not in kind.scopes:
        return 403
    if route.target == "client":
        return route.ok
    if which in {"other", "missing"}:
        return 404
    if route.trust_wide and not kind.trust:
        return 404
    if which == "sibling" and not kind.trust:
        return 404
    return route.ok


# --- Every operation has a row ----------------------------------------------------------------


def _api_resolver() -> URLResolver:
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            return pattern
    raise AssertionError("no `api` URL namespace")


def api_operations() -> dict[tuple[str, str], URLPattern]:
    """Every (URL name, method) of the `api` namespace, with its pattern."""
    out: dict[tuple[str, str], URLPattern] = {}
    for pattern in _api_resolver().url_patterns:
        assert isinstance(pattern, URLPattern), f"a nested URLconf in the API: {pattern}"
        assert pattern.name, f"an API route without a name: {pattern}"
        view = getattr(pattern.callback, "view_class", None)
        assert view is not None, f"an API route that is no class-based view: {pattern.name}"
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                out[(pattern.name, method)] = pattern
    return out


def test_every_api_operation_has_a_row() -> None:
    rows = {r.key for r in ROUTES}
    assert len(rows) == len(ROUTES), "two rows for one operation"
    operations = {k for k in api_operations() if k[0] not in PUBLIC}
    assert not operations - rows, f"API operations without a row in the matrix: {operations - rows}"
    assert not rows - operations, f"rows for operations the API does not have: {rows - operations}"


def test_the_public_routes_are_the_schema_and_its_documentation() -> None:
    assert {name for name, _ in api_operations() if name in PUBLIC} == PUBLIC


# --- The world --------------------------------------------------------------------------------


@dataclass
class Matrix:
    world: World
    secrets: dict[str, str]  # by kind ("" for no secret)


def _make_matrix() -> Matrix:
    from concerns.services import category_seed_defaults

    world = make_world()
    add_sibling(world)
    for trust in (world.school.trust, world.other_school.trust):
        category_seed_defaults(trust=trust)
        Agency.objects.create(trust=trust, kind="social_care", name=f"{trust.name} front door")
    secrets = {}
    for name, kind in KINDS.items():
        if not kind.secret:
            secrets[name] = ""
            continue
        if kind.trust:
            client, secret = register_client(
                world.users["tso"], trust=world.school.trust, scopes=kind.scopes, name=name
            )
        else:
            client, secret = register_client(
                world.users["dsl"], school=world.school, scopes=kind.scopes, name=name
            )
        if kind.revoked:
            api_client_revoke(actor=world.users["dsl"], client=client)
        secrets[name] = secret
    return Matrix(world, secrets)


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Matrix]:
    """One world and its clients for the whole matrix, committed once; each case runs in its
    own transaction, rolled back after it, so a POST in one case never reaches the next."""
    with django_db_blocker.unblock():
        built = _make_matrix()
    yield built
    with django_db_blocker.unblock():
        empty_tables()


def _school_id(world: World, which: str) -> int:
    return MISSING if which == "missing" else world.school_of(which).pk


def _url(route: Route, world: World, which: str) -> str:
    if route.target == "client":
        kwargs = {}
    elif route.target == "trust":
        trust_id = MISSING if which == "missing" else world.school_of(which).trust_id
        kwargs = {"trust_id": trust_id}
    else:
        kwargs = {"school_id": _school_id(world, which)}
    return reverse(f"api:{route.name}", kwargs=kwargs)


def _call(client: Client, route: Route, world: World, which: str) -> Any:
    url = _url(route, world, which)
    if route.method == "get":
        return client.get(url)
    body = route.body(world, "own" if which == "missing" else which) if route.body else {}
    return getattr(client, route.method)(url, json.dumps(body), content_type="application/json")


def _client(matrix: Matrix, kind: str) -> Client:
    secret = matrix.secrets[kind]
    return bearer(secret) if secret else Client()


# --- The matrix -------------------------------------------------------------------------------


def _targets(route: Route) -> list[str]:
    return ["own"] if route.target == "client" else ["own", "sibling", "other"]


CASES = [
    pytest.param(route, kind, which, id=f"{route.method}-{route.name}-{kind}-{which}")
    for route in ROUTES
    for kind in KINDS
    for which in _targets(route)
]


@pytest.mark.parametrize(("route", "kind", "which"), CASES)
def test_operation_status_for_client(
    matrix: Matrix, db: None, route: Route, kind: str, which: str
) -> None:
    world, client = matrix.world, _client(matrix, kind)
    calls = ApiCall.objects.count()
    response = _call(client, route, world, which)
    want = expected(route, KINDS[kind], which)
    assert response.status_code == want, response.content[:500]
    # Every call of a client is recorded, refused or not (a call with no good secret has none).
    assert ApiCall.objects.count() == calls + (0 if want == 401 else 1)
    if want >= 400:
        problem = problem_of(response)
        assert problem["status"] == want
        if want == 404:
            # Another school's (or trust's) id answers as one that does not exist.
            assert problem == problem_of(_call(client, route, world, "missing"))
        return
    # No answer holds another trust's school, nor for a school's client its sibling.
    reach = {world.school.pk}
    if KINDS[kind].trust:
        reach.add(world.school_of("sibling").pk)
    assert _values(response.json(), "school_id") <= reach
    body = response.content.decode()
    for school in (world.other_school, world.school_of("sibling")):
        if school.pk not in reach:
            assert school.name not in body
    assert world.other_school.trust.name not in body


def _values(data: Any, key: str) -> set[Any]:
    """Every value of `key` anywhere in a JSON document."""
    if isinstance(data, dict):
        found = {data[key]} if key in data else set()
        return found.union(*(_values(v, key) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_values(v, key) for v in data))
    return set()


def test_the_school_list_is_the_clients_reach(matrix: Matrix, db: None) -> None:
    world = matrix.world
    for kind, want in [
        ("school-all", {world.school.pk}),
        ("school-roll:write", {world.school.pk}),
        ("trust-all", {world.school.pk, world.school_of("sibling").pk}),
    ]:
        response = _client(matrix, kind).get(reverse("api:schools"))
        assert response.status_code == 200
        assert {s["id"] for s in response.json()} == want, kind


@pytest.mark.parametrize("kind", ["no-secret", "revoked", "school-all", "trust-all"])
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_schema_and_docs_answer_anyone(matrix: Matrix, db: None, name: str, kind: str) -> None:
    response = _client(matrix, kind).get(reverse(f"api:{name}"))
    assert response.status_code == 200
    assert bearer("sgd_" + "x" * 64).get(reverse(f"api:{name}")).status_code == 200
