"""API clients: registered with scopes by who may, a secret kept as a hash and shown once,
expiring, renewable and revocable, every call recorded (issue 17, docs/adr/0035)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from knox.models import AuthToken

from api.models import ApiCall, ApiClient
from api.services import api_client_new_secret, api_client_revoke
from safeguard.access import access_for
from safeguard.roles import Perm
from tests.support.api import bearer, problem_of, register_client
from tests.support.world import World, add_sibling

SCHOOLS = "/api/v1/schools/"


def test_a_dsl_registers_a_client_whose_secret_is_kept_only_as_a_hash(world: World) -> None:
    client, secret = register_client(world.users["dsl"], school=world.school)
    assert secret.startswith("sgd_")
    assert len(secret) > 60
    token = AuthToken.objects.get(user=client.user)
    assert secret not in (token.digest, token.token_key)  # only a prefix and a hash are kept
    assert client.user.has_usable_password() is False
    assert client.user.school_memberships.count() == 0  # no person's list takes it for one
    response = bearer(secret).get(SCHOOLS)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.school.pk,
            "name": world.school.name,
            "urn": world.school.urn,
            "trust": world.school.trust.name,
            "trust_id": world.school.trust_id,
        }
    ]


def test_scopes_become_the_permissions_the_pages_check(world: World) -> None:
    client, _ = register_client(world.users["head"], school=world.school, scopes=["alerts:write"])
    access = access_for(client.user)
    assert access.has(Perm.LOG_CONCERN, world.school)
    assert not access.has(Perm.MANAGE_PUPIL_ROLL, world.school)
    assert not access.has(Perm.READ_CP_RECORDS, world.school)
    assert not access.has(Perm.LOG_CONCERN, world.other_school)


def test_a_trust_client_reaches_every_school_of_its_trust_and_no_other(world: World) -> None:
    add_sibling(world)
    _, secret = register_client(world.users["tso"], trust=world.school.trust)
    ids = {s["id"] for s in bearer(secret).get(SCHOOLS).json()}
    assert ids == {world.school.pk, world.sibling_school.pk}  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["staff", "deputy", "admin", "governor", "other_dsl"])
def test_only_the_dsl_head_or_tso_registers_for_a_school(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        register_client(world.users[role], school=world.school)


@pytest.mark.parametrize(
    ("role", "scope", "trust_wide"),
    [
        ("head", "roll:write", False),  # the head keeps no roll
        ("tso", "roll:write", False),  # nor does the trust's officer, at a school
        ("tso", "roll:write", True),  # or across the trust
    ],
)
def test_nobody_gives_a_system_what_they_may_not_do_themselves(
    world: World, role: str, scope: str, trust_wide: bool
) -> None:
    target = {"trust": world.school.trust} if trust_wide else {"school": world.school}
    with pytest.raises(ValidationError) as refused:
        register_client(world.users[role], scopes=[scope, "figures:read"], **target)
    assert "only what you may do yourself" in refused.value.message_dict["scopes"][0]
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("role", "scopes", "trust_wide"),
    [
        ("dsl", ["roll:write", "alerts:write", "figures:read"], False),
        ("head", ["alerts:write", "figures:read"], False),
        ("tso", ["alerts:write", "figures:read"], False),
        ("tso", ["alerts:write", "figures:read"], True),  # trust-wide monitoring and reports
    ],
)
def test_what_each_registrar_may_give(
    world: World, role: str, scopes: list[str], trust_wide: bool
) -> None:
    target = {"trust": world.school.trust} if trust_wide else {"school": world.school}
    client, _ = register_client(world.users[role], scopes=scopes, **target)
    assert sorted(client.scopes) == sorted(scopes)


def test_only_the_tso_registers_for_the_whole_trust(world: World) -> None:
    with pytest.raises(PermissionDenied):
        register_client(world.users["dsl"], trust=world.school.trust)


def test_a_client_asked_for_wrongly_is_refused_field_by_field(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        register_client(world.users["dsl"], school=world.school, name=" ", scopes=["cp:read"])
    assert set(refused.value.message_dict) == {"name", "scopes"}
    with pytest.raises(ValidationError) as refused:
        register_client(world.users["dsl"], school=world.school, lifetime_days=10_000)
    assert set(refused.value.message_dict) == {"lifetime_days"}
    assert not ApiClient.objects.exists()


def test_no_secret_a_wrong_secret_and_a_persons_own_are_refused_alike(world: World) -> None:
    register_client(world.users["dsl"], school=world.school)
    for client in (bearer("sgd_" + "x" * 64), bearer(""), bearer("not-a-token")):
        response = client.get(SCHOOLS)
        assert response.status_code == 401
        assert problem_of(response)["type"].endswith("not-authenticated")
        assert response["WWW-Authenticate"] == "Bearer"
    # A knox token of a person (not a client) opens nothing.
    _, persons = AuthToken.objects.create(user=world.users["dsl"])
    assert bearer(persons).get(SCHOOLS).status_code == 401


def test_a_secret_expires(world: World) -> None:
    client, secret = register_client(world.users["dsl"], school=world.school, lifetime_days=30)
    assert client.secret_expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert bearer(secret).get(SCHOOLS).status_code == 401


def test_a_new_secret_stops_the_old_one_at_once(world: World) -> None:
    client, old = register_client(world.users["dsl"], school=world.school)
    new = api_client_new_secret(actor=world.users["head"], client=client, lifetime_days=365)
    assert bearer(old).get(SCHOOLS).status_code == 401
    assert bearer(new).get(SCHOOLS).status_code == 200


def test_revoking_stops_the_client_and_keeps_its_calls(world: World) -> None:
    client, secret = register_client(world.users["dsl"], school=world.school)
    assert bearer(secret).get(SCHOOLS).status_code == 200
    with pytest.raises(PermissionDenied):
        api_client_revoke(actor=world.users["staff"], client=client)
    api_client_revoke(actor=world.users["dsl"], client=client)
    assert bearer(secret).get(SCHOOLS).status_code == 401
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert client.revoked_by == world.users["dsl"]
    assert access_for(client.user).school_ids() == []
    assert ApiCall.objects.filter(client=client).count() == 1
    with pytest.raises(ValidationError):
        api_client_new_secret(actor=world.users["dsl"], client=client, lifetime_days=90)


def test_every_call_is_recorded_with_its_route_scope_school_and_status(world: World) -> None:
    client, secret = register_client(world.users["dsl"], school=world.school)
    api = bearer(secret)
    api.get(f"/api/v1/schools/{world.school.pk}/categories/?q=Aaliyah")
    api.get(f"/api/v1/schools/{world.other_school.pk}/categories/")
    calls = list(ApiCall.objects.filter(client=client).order_by("pk"))
    assert [(c.method, c.route, c.school_id, c.status) for c in calls] == [
        ("GET", "/api/v1/schools/<int:school_id>/categories/", world.school.pk, 200),
        ("GET", "/api/v1/schools/<int:school_id>/categories/", world.other_school.pk, 404),
    ]
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_another_schools_ids_and_ids_that_do_not_exist_give_the_same_404(world: World) -> None:
    _, secret = register_client(world.users["dsl"], school=world.school)
    api = bearer(secret)
    other = api.get(f"/api/v1/schools/{world.other_school.pk}/agencies/")
    missing = api.get("/api/v1/schools/999999999/agencies/")
    assert other.status_code == missing.status_code == 404
    assert problem_of(other) == problem_of(missing)


@pytest.mark.parametrize(
    "path", ["/api/v1/schools/abc/agencies/", "/api/v1/schools/-1/figures/", "/api/v1/nothing/"]
)
def test_an_api_address_that_names_nothing_answers_a_problem(world: World, path: str) -> None:
    # Found by Schemathesis: Django's HTML page answered an id that is not a number.
    _, secret = register_client(world.users["dsl"], school=world.school)
    for client in (bearer(secret), bearer("")):
        response = client.get(path)
        assert response.status_code == 404
        assert problem_of(response)["type"].endswith("not-found")
    page = bearer(secret).get("/pupils/abc/")  # elsewhere, the page as before
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_client_without_the_scope_is_refused(world: World) -> None:
    # A view that needs a scope the client lacks: 403 as a problem (checked on every scoped
    # operation in test_api_matrix.py); here the schema's own refusal of a method.
    _, secret = register_client(world.users["dsl"], school=world.school, scopes=["figures:read"])
    response = bearer(secret).post(SCHOOLS, {}, content_type="application/json")
    assert response.status_code == 405
    assert problem_of(response)["type"].endswith("method-not-allowed")


def test_calls_beyond_the_clients_allowance_are_throttled(world: World, settings) -> None:
    settings.API_CALLS_PER_MINUTE = 3
    _, secret = register_client(world.users["dsl"], school=world.school)
    _, other_secret = register_client(
        world.users["head"], school=world.school, name="Other", scopes=["figures:read"]
    )
    api = bearer(secret)
    assert [api.get(SCHOOLS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert problem_of(api.get(SCHOOLS))["type"].endswith("throttled")
    assert bearer(other_secret).get(SCHOOLS).status_code == 200  # per client, not per address


def test_a_path_that_is_no_operation_answers_as_a_problem_like_a_missing_school(
    world: World,
) -> None:
    _, secret = register_client(world.users["dsl"], school=world.school)
    api = bearer(secret)
    nothing = api.get("/api/v1/schools/not-a-number/categories/")
    missing = api.get("/api/v1/schools/999999999/categories/")
    assert nothing.status_code == missing.status_code == 404
    assert problem_of(nothing) == problem_of(missing)


@pytest.mark.parametrize(
    "body",
    [b"\x00", b"\xff\xfe{", b"{", b"[" * 100_000 + b"]" * 100_000, b'{"n": ' + b"9" * 5000 + b"}"],
    ids=["nul", "not-utf8", "cut-short", "nested-deep", "long-number"],
)
def test_a_body_that_is_not_json_is_a_problem(world: World, body: bytes) -> None:
    _, secret = register_client(world.users["dsl"], school=world.school)
    response = bearer(secret).post(
        f"/api/v1/schools/{world.school.pk}/alerts/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert problem_of(response)["type"].endswith("invalid-request")


def test_a_server_error_answers_as_a_problem_and_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, secret = register_client(world.users["dsl"], school=world.school)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("a fault on our side")

    monkeypatch.setattr("api.views.schools.categories_for", broken)
    api = bearer(secret)
    api.raise_request_exception = False
    response = api.get(f"/api/v1/schools/{world.school.pk}/categories/")
    assert response.status_code == 500
    assert "a fault on our side" not in response.content.decode()  # never a trace
    assert problem_of(response)["type"].endswith("server-error")
    call = ApiCall.objects.get(client=client)
    assert (call.status, call.school_id) == (500, world.school.pk)


def test_a_trusts_operation_records_the_trust(world: World) -> None:
    client, secret = register_client(world.users["tso"], trust=world.school.trust)
    trust_id = world.school.trust_id
    assert bearer(secret).get(f"/api/v1/trusts/{trust_id}/figures/").status_code == 200
    call = ApiCall.objects.get(client=client)
    assert (call.trust_id, call.school_id, call.status) == (trust_id, None, 200)
