"""The pages where a DSL, head or TSO registers, renews and revokes API clients."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from api.models import ApiCall, ApiClient
from tests.support.api import bearer, register_client
from tests.support.pages import error_beside, page_text
from tests.support.world import World, add_sibling

ADD = "/api-clients/new/"


def _secret_in(body: str) -> str:
    found = re.search(r'data-testid="api-secret">(sgd_[^<]+)<', body)
    assert found, "no secret on the page"
    return found.group(1)


def test_a_dsl_registers_a_system_and_sees_its_secret_once(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    form = client.get(ADD)
    assert form.status_code == 200
    assert "Every school of the trust" not in page_text(form)  # the TSO's choice only
    response = client.post(
        ADD, {"name": "Wonde roll sync", "scopes": ["roll:write"], "lifetime_days": "90"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = _secret_in(response.content.decode())
    assert bearer(secret).get("/api/v1/schools/").status_code == 200
    registered = ApiClient.objects.get(name="Wonde roll sync")
    assert (registered.school, registered.trust, registered.scopes) == (
        world.school,
        None,
        ["roll:write"],
    )
    # The client's own page and the list never show it again.
    detail = client.get(reverse("api-client-detail", kwargs={"pk": registered.pk}))
    listing = client.get("/api-clients/")
    for page in (detail, listing):
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert "Wonde roll sync" in page_text(page)
    assert "1 GET /api/v1/schools/" not in page_text(detail)
    assert "<code>GET /api/v1/schools/</code>" in page_text(detail)  # the call, recorded


def test_a_wrong_form_says_so_beside_each_field_and_keeps_what_was_typed(
    client: Any, world: World
) -> None:
    client.force_login(world.users["head"])
    typed = "Smoothwall Monitor alerts"
    response = client.post(ADD, {"name": typed, "lifetime_days": "7"})
    assert response.status_code == 200
    body = page_text(response)
    assert "There is a problem" in body
    error_beside(body, "scopes", "Select what the system may do")
    error_beside(body, "lifetime_days", "Select a valid choice")
    assert f'value="{typed}"' in body
    assert not ApiClient.objects.exists()
    response = client.post(ADD, {"name": "x" * 101, "scopes": ["cp:read"], "lifetime_days": "90"})
    body = page_text(response)
    error_beside(body, "name", "Name must be 100 characters or fewer")
    error_beside(body, "scopes", "Select only what the list offers")


def test_the_tso_may_register_a_client_for_the_whole_trust(client: Any, world: World) -> None:
    client.force_login(world.users["tso"])
    assert "Every school of the trust" in page_text(client.get(ADD))
    response = client.post(
        ADD,
        {"name": "Trust BI", "scopes": ["figures:read"], "reach": "trust", "lifetime_days": "365"},
    )
    assert response.status_code == 200
    registered = ApiClient.objects.get(name="Trust BI")
    assert (registered.school, registered.trust) == (None, world.school.trust)
    # The school's DSL sees the trust's client but may not change it.
    client.force_login(world.users["dsl"])
    assert "Trust BI" in page_text(client.get("/api-clients/"))
    detail = client.get(reverse("api-client-detail", kwargs={"pk": registered.pk}))
    assert detail.status_code == 200
    assert "Revoke" not in page_text(detail)
    assert client.get(reverse("api-client-revoke", kwargs={"pk": registered.pk})).status_code == 403


def test_a_new_secret_then_revoking(client: Any, world: World) -> None:
    registered, old = register_client(world.users["dsl"], school=world.school)
    client.force_login(world.users["head"])
    url = reverse("api-client-secret", kwargs={"pk": registered.pk})
    assert client.get(url).status_code == 200
    new = _secret_in(client.post(url, {"lifetime_days": "30"}).content.decode())
    assert bearer(old).get("/api/v1/schools/").status_code == 401
    assert bearer(new).get("/api/v1/schools/").status_code == 200
    revoke = reverse("api-client-revoke", kwargs={"pk": registered.pk})
    assert "cannot be brought back" in page_text(client.get(revoke))
    response = client.post(revoke, follow=True)
    assert "is revoked: its secret no longer works" in page_text(response)
    assert bearer(new).get("/api/v1/schools/").status_code == 401
    # The one call it made is kept; a call with a secret that no longer works names no client.
    assert ApiCall.objects.filter(client=registered).count() == 1


@pytest.mark.parametrize("role", ["staff", "deputy", "admin", "governor"])
def test_other_roles_are_refused(client: Any, world: World, role: str) -> None:
    client.force_login(world.users[role])
    assert client.get("/api-clients/").status_code == 403
    assert client.post(ADD, {"name": "x", "scopes": ["roll:write"]}).status_code == 403
    assert not ApiClient.objects.exists()


def test_the_list_takes_the_same_queries_however_many_clients(
    client: Any, world: World, assert_constant_queries
) -> None:
    register_client(world.users["dsl"], school=world.school, name="First system")
    client.force_login(world.users["dsl"])

    def grow() -> None:
        for n in range(5):
            register_client(world.users["dsl"], school=world.school, name=f"Later system {n}")

    # Session, user, second factor 3; savepoints 4; permissions 1, acting school 1, the clients
    # (with their schools, trusts and people, one join) 1; the header's restricted concerns 1
    # and badges 1; the session's last activity written 1.
    assert_constant_queries(
        "/api-clients/",
        grow=grow,
        expected=13,
        marker="First system",
        marker_after="Later system 4",
    )


def test_the_form_offers_only_what_the_person_may_give(client: Any, world: World) -> None:
    client.force_login(world.users["head"])  # the head keeps no roll
    form = page_text(client.get(ADD))
    assert "Raise alerts that become concerns" in form
    assert "Keep the pupil roll in step" not in form
    response = client.post(ADD, {"name": "Sync", "scopes": ["roll:write"], "lifetime_days": "90"})
    error_beside(page_text(response), "scopes", "only what you may do yourself")
    assert not ApiClient.objects.exists()


def test_a_schools_dsl_sees_a_trust_clients_calls_to_their_school_only(
    client: Any, world: World
) -> None:
    add_sibling(world)
    trust_client, secret = register_client(world.users["tso"], trust=world.school.trust)
    api = bearer(secret)
    api.get(f"/api/v1/schools/{world.school.pk}/categories/")
    api.get(f"/api/v1/schools/{world.sibling_school.pk}/agencies/")  # type: ignore[union-attr]
    url = reverse("api-client-detail", kwargs={"pk": trust_client.pk})
    client.force_login(world.users["dsl"])
    page = page_text(client.get(url))
    assert "/categories/" in page
    assert "/agencies/" not in page  # what happened at the sibling school is not theirs
    client.force_login(world.users["tso"])
    page = page_text(client.get(url))
    assert "/categories/" in page
    assert "/agencies/" in page
