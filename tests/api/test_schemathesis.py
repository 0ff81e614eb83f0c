"""The API tested by an independent tool (issue 17): Schemathesis reads the live schema from the
application and sends property-based requests to every operation, with a registered client's
secret, checking that nothing answers with a server error and that every answer's status,
content type and body are the ones the schema documents. Another trust's school ids are sent
too: each must give the same 404 as an id that does not exist.

The requests go to the WSGI application in this process, inside the test's transaction, against
the dashboards' hand-counted figures and a school with categories and agencies. Small and
repeatable: a fixed seed, derandomised, 25 random examples an operation (and the coverage
phase's edge cases), no example database: about 20 seconds of requests in all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from contacts.models import Agency
from schools.models import School
from tests.support.api import register_client
from tests.support.figures import make_fixture, seed_school_a
from tests.support.world import World, empty_tables, make_world

# One worker for the module (`--dist loadgroup`), so its world is built once. (pytest-xdist 3.8
# groups by setting a test's `_nodeid`, which pytest 9.2 no longer reads: until that is fixed
# each worker builds its own, which is slower, not wrong.)
pytestmark = pytest.mark.xdist_group("schemathesis")

MISSING = 999_999_999  # an id no school or trust has
SCHEMA_PATH = "/api/v1/schema/"
EXAMPLES = 25
SEED = 17
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@dataclass
class Api:
    world: World
    school_secret: str  # school A's client, every scope
    trust_secret: str  # the trust-wide client of A's trust, every scope
    sibling: School  # Gamma School, of A's trust


# The ids the path parameters are pinned to, by run: set once the world is built.
PINNED: dict[str, dict[str, int]] = {"own": {}, "foreign": {}}


def _build() -> Api:
    world = make_world()
    fx = make_fixture(world)  # A's trust's categories, and Gamma School of A's trust
    seed_school_a(fx)  # concerns, files, referrals, actions and reviews
    Agency.objects.create(trust=world.school.trust, kind="lado", name="Northshire LADO")
    _, school_secret = register_client(world.users["dsl"], school=world.school)
    _, trust_secret = register_client(world.users["tso"], trust=world.school.trust)
    other = world.other_school
    PINNED["own"].update(school_id=world.school.pk, trust_id=world.school.trust_id)
    PINNED["foreign"].update(school_id=other.pk, trust_id=other.trust_id)
    return Api(world, school_secret, trust_secret, fx.gamma)


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Api]:
    """The data the operations need and two clients, committed once for the module (each
    operation's examples run in a transaction of their own, rolled back after)."""
    with django_db_blocker.unblock():
        try:
            data = _build()
        except BaseException:
            empty_tables()
            raise
    yield data
    with django_db_blocker.unblock():
        empty_tables()


@pytest.fixture
def api(built: Api, db: None, settings: Any) -> Iterator[Api]:
    """Django's request signals quiet, as its own test client keeps them: the database
    connection is not closed at the end of a request (it holds the test's transaction)."""
    settings.API_CALLS_PER_MINUTE = 100_000  # the operations are tested here, not the throttle
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield built
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def live_schema() -> dict[str, Any]:
    """The schema as `/api/v1/schema/` serves it, generated from the running code by the same
    generator and renderer (a request to the view would open a transaction: no database while
    the tests are collected). `test_the_schema_tested_is_the_one_served` compares the two."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw, renderer_context={}))


def _schema(pinned: dict[str, int], *, coverage: bool = True) -> Any:
    """The live schema, sent to the application in this process, its path parameters pinned
    to `pinned`; `coverage`: with Schemathesis's coverage phase (each parameter's edge cases,
    valid and not, one at a time) before the random examples."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": coverage}},
        }
    )
    schema = schemathesis.openapi.from_dict(live_schema(), config=config)
    schema.app = get_wsgi_application()  # as `schemathesis.openapi.from_wsgi` sets it
    schema.location = SCHEMA_PATH

    @schema.hook
    def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        if not path_parameters:
            return path_parameters
        return {**path_parameters, **{k: v for k, v in pinned.items() if k in path_parameters}}

    return schema


# Loaded as the module is collected, so each operation is a test of its own. Schemathesis's
# pytest integration is not used: `schemathesis.pytest.from_fixture` does not run on pytest 9.2
# (it sets a test's `_nodeid`, which pytest no longer has), and under pytest-xdist the tests
# `schema.parametrize()` makes ran one operation a test and reported the rest as never collected
# (5 of 17 ran, and passed). Each test here builds the operation's Hypothesis test as that
# integration does (`create_test`): the schema's examples, the coverage phase (each parameter's
# edge cases, valid and not) and random examples, valid and not.
own = _schema(PINNED["own"])  # school A and A's trust
# School B and B's trust (another trust's). The coverage phase's cases are the own run's, with
# other ids and methods than the pinned ones: random examples only.
foreign = _schema(PINNED["foreign"], coverage=False)
OPERATIONS = [result.ok().label for result in own.get_all_operations()]


def _operation(schema: Any, label: str) -> Any:
    method, path = label.split(" ", 1)
    return schema[path][method]


def run(schema: Any, label: str, test: Callable[[Any], None]) -> None:
    """`test(case)` on the operation's cases, every phase the schema's config enables."""
    operation = _operation(schema, label)
    config = schema.config
    modes = [HypothesisTestMode.EXAMPLES, HypothesisTestMode.FUZZING]
    if config.phases.coverage.enabled:
        modes.append(HypothesisTestMode.COVERAGE)
    hypothesis_test = create_test(
        operation=operation,
        test_func=test,
        config=HypothesisTestConfig(
            project=config,
            modes=modes,
            settings=config.get_hypothesis_settings(operation=operation, phase="fuzzing"),
            explicit_settings=SETTINGS,
            seed=SEED,
        ),
    )
    try:
        hypothesis_test()
    except FailureGroup as failures:  # Schemathesis's report: what failed and how to repeat it
        pytest.fail(str(failures), pytrace=False)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_the_schema_tested_is_the_one_served(db: None) -> None:
    response = Client().get(SCHEMA_PATH, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json() == live_schema()
    assert set(OPERATIONS) == {
        f"{method.upper()} {path}"
        for path, item in response.json()["paths"].items()
        for method in item
    }


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_as_a_schools_client(api: Api, label: str) -> None:
    run(own, label, _checked(api.school_secret))


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_as_a_trusts_client(api: Api, label: str) -> None:
    run(own, label, _checked(api.trust_secret))


def _check(case: Any, secret: str) -> Any:
    """The case sent with the client's secret, its answer checked (and returned)."""
    return case.call_and_validate(headers=_bearer(secret), checks=CHECKS)


def _checked(secret: str) -> Callable[[Any], None]:
    def test(case: Any) -> None:
        _check(case, secret)

    return test


def _names(case: Any, pinned: dict[str, int]) -> bool:
    """The case calls its operation with the pinned ids (the coverage phase also tries other
    methods and ids that are no numbers, which answer as any address naming nothing does)."""
    path = case.path_parameters or {}
    return (
        bool(path)
        and case.method.lower() == case.operation.method.lower()
        and all(path.get(k) == v for k, v in pinned.items() if k in path)
    )


def _same_404_as_missing(case: Any, secret: str, response: Any) -> None:
    """Another school's or trust's ids answer as missing ones do: 404, the same problem. A
    client without the operation's scope (a trust's keeps no roll) is refused 403 before any
    school is looked at, the same for every id (tests/api/test_api_matrix.py pins which)."""
    forbidden = response.status_code == 403 and response.json()["type"].endswith("forbidden")
    assert response.status_code == 404 or forbidden, response.text[:300]
    missing = case.operation.Case(
        path_parameters={k: MISSING for k in case.path_parameters},
        query=case.query,
        headers=case.headers,
        body=case.body,
        media_type=case.media_type,
    )
    answer = missing.call(headers=_bearer(secret))
    assert (answer.status_code, answer.json()) == (response.status_code, response.json())


@pytest.mark.parametrize("label", OPERATIONS)
def test_another_trusts_ids_are_the_same_404_as_missing_ones(api: Api, label: str) -> None:
    def test(case: Any) -> None:
        for secret in (api.school_secret, api.trust_secret):
            response = _check(case, secret)
            if _names(case, PINNED["foreign"]):
                _same_404_as_missing(case, secret, response)

    run(foreign, label, test)


def test_every_operation_with_an_id_answers_another_schools_as_a_missing_one(api: Api) -> None:
    """The same, case by case, whatever the generator drew: B's ids for both clients, and school
    C's (A's sibling) for school A's client."""
    tried = 0
    for label in OPERATIONS:
        operation = _operation(own, label)
        names = [p.name for p in operation.path_parameters]
        if not names:
            continue
        tries = [(api.school_secret, PINNED["foreign"]), (api.trust_secret, PINNED["foreign"])]
        if "school_id" in names:
            tries.append((api.school_secret, {"school_id": api.sibling.pk}))
        for secret, ids in tries:
            case = operation.Case(path_parameters={k: ids.get(k, MISSING) for k in names})
            response = _check(case, secret)
            _same_404_as_missing(case, secret, response)
            tried += 1
    assert tried >= 8
