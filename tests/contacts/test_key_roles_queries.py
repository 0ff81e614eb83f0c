"""The school's key roles page takes the same queries, exactly, with 1 contact as with 12."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from contacts import services
from tests.support.world import World

pytestmark = pytest.mark.django_db

# Measured: the session, the person and their permissions, the acting school, the page's own
# reads, the header's badges, the session kept alive, and the savepoints around them.
KEY_ROLES_QUERIES = 14


def test_key_roles_page(client: Any, world: World, assert_constant_queries: Any) -> None:
    admin = world.users["admin"]

    def add(n: int) -> None:
        services.key_contact_create(
            actor=admin,
            school=world.school,
            role="other",
            role_other=f"Role {n}",
            name=f"Person {n}",
            phone="01632 960000",
        )

    add(0)
    client.force_login(world.users["staff"])
    assert_constant_queries(
        reverse("school-key-roles"),
        grow=lambda: [add(n) for n in range(1, 12)],
        expected=KEY_ROLES_QUERIES,
        marker="Person 0",
        marker_after="Person 11",
    )
