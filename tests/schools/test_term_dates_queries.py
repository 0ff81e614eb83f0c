"""The term dates page takes the same queries, exactly, with 1 closure as with 12."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from schools import services
from tests.support.world import World

pytestmark = pytest.mark.django_db

# Measured: the session, the person and their permissions, the acting school, the page's own
# reads, the header's badges, the session kept alive, and the savepoints around them.
TERM_DATES_QUERIES = 13


def test_term_dates_page(client: Any, world: World, assert_constant_queries: Any) -> None:
    admin = world.users["admin"]
    start = datetime.date(2026, 12, 1)

    def add(n: int) -> None:
        services.school_closure_create(
            actor=admin,
            school=world.school,
            name=f"Closure {n}",
            first_day=start + datetime.timedelta(days=3 * n),
            last_day=start + datetime.timedelta(days=3 * n + 1),
            today=datetime.date(2026, 11, 22),
        )

    add(0)
    client.force_login(admin)
    assert_constant_queries(
        reverse("term-dates"),
        grow=lambda: [add(n) for n in range(1, 12)],
        expected=TERM_DATES_QUERIES,
        marker="Closure 0",
        marker_after="Closure 11",
    )
