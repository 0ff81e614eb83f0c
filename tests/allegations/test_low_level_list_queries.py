"""The low-level concern list takes the same queries, exactly, with 1 concern as with 12."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.allegations.conftest import low_level
from tests.support.world import World

pytestmark = pytest.mark.django_db

# Measured: the session, the person and their permissions, the acting school, the page's own
# reads, the header's badges, the session kept alive, and the savepoints around them.
LOW_LEVEL_LIST_QUERIES = 13


def test_low_level_concern_list(client: Any, world: World, assert_constant_queries: Any) -> None:
    head = world.users["head"]
    client.force_login(head)
    low_level(head, world.school, subject_name="Person 0")
    assert_constant_queries(
        reverse("low-level-concern-list"),
        grow=lambda: [
            low_level(head, world.school, subject_name=f"Person {n}") for n in range(1, 12)
        ],
        expected=LOW_LEVEL_LIST_QUERIES,
        marker="Person 0",
        marker_after="Person 11",
    )
