"""The demo trust's category requests: one approved, one declined, one waiting, once."""

from __future__ import annotations

import datetime

import pytest

from concerns.services import categories_for
from demo.categories import seed_demo_categories
from demo.people import TSO_EMAIL
from demo.seed import seed_demo
from oversight.models import CategoryChange, CategoryRequest
from safeguard.models import Notification
from schools.models import School, User


@pytest.mark.django_db
def test_the_demo_has_a_request_of_each_outcome_and_seeding_again_adds_none() -> None:
    seed_demo(password="demo-password-123", today=datetime.date(2026, 11, 20), history=False)
    outcomes = dict(CategoryRequest.objects.values_list("school__slug", "status"))
    assert outcomes == {
        "alderbrook": "approved",
        "leicester-road": "declined",
        "southend-bay": "pending",
    }
    school = School.objects.get(slug="southend-bay")
    offered = {c.label for c in categories_for(school=school)}
    assert "Family circumstances > Fabricated or induced illness" in offered
    assert sorted(CategoryChange.objects.values_list("kind", flat=True)) == [
        "added",
        "request_declined",
    ]
    tso = User.objects.get(email=TSO_EMAIL)
    assert Notification.objects.filter(recipient=tso, kind="category_requested").count() == 3
    assert seed_demo_categories(tso=tso) == 0
    assert CategoryRequest.objects.count() == 3
