"""Lists added with issue 5 and 6 whose query counts were not yet pinned: the low-level concerns,
the school's key roles and its term dates cost the same with 1 row as with 12."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from contacts import services as contact_services
from schools import services as school_services
from tests.allegations.conftest import low_level
from tests.support.world import World

pytestmark = pytest.mark.django_db


def _pinned(
    client: Any, url: str, add: Callable[[int], None], assert_max: Any, ceiling: int = 25
) -> None:
    add(0)
    client.get(url)  # warm the per-process caches (content types, badges)
    with assert_max(ceiling) as few:
        assert client.get(url).status_code == 200
    for n in range(1, 12):
        add(n)
    with assert_max(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_low_level_concern_list(
    client: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    head = world.users["head"]
    client.force_login(head)
    _pinned(
        client,
        reverse("low-level-concern-list"),
        lambda n: low_level(head, world.school, subject_name=f"Person {n % 4}"),
        django_assert_max_num_queries,
    )


def test_key_roles_page(client: Any, world: World, django_assert_max_num_queries: Any) -> None:
    admin = world.users["admin"]
    client.force_login(world.users["staff"])
    _pinned(
        client,
        reverse("school-key-roles"),
        lambda n: contact_services.key_contact_create(
            actor=admin,
            school=world.school,
            role="other",
            role_other=f"Role {n}",
            name=f"Person {n}",
            phone="01632 960000",
        ),
        django_assert_max_num_queries,
    )


def test_term_dates_page(client: Any, world: World, django_assert_max_num_queries: Any) -> None:
    admin = world.users["admin"]
    client.force_login(admin)
    start = datetime.date(2026, 12, 1)
    _pinned(
        client,
        reverse("term-dates"),
        lambda n: school_services.school_closure_create(
            actor=admin,
            school=world.school,
            name=f"Closure {n}",
            first_day=start + datetime.timedelta(days=3 * n),
            last_day=start + datetime.timedelta(days=3 * n + 1),
            today=datetime.date(2026, 11, 22),
        ),
        django_assert_max_num_queries,
    )
