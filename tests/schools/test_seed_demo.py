"""`seed_demo` keeps the contract of DESIGN.md section 10, and running it twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from guardian.models import UserObjectPermission

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import (
    Pupil,
    School,
    SchoolClosure,
    SchoolMembership,
    Trust,
    TrustMembership,
    User,
)

CONTRACT_EMAILS = {
    f"{role}@{slug}.example"
    for slug in ["alderbrook", "southend-bay", "leicester-road"]
    for role in ["staff", "dsl", "deputy", "head", "admin", "governor"]
} | {"tso@northgate.example"}


def _counts() -> tuple[int, ...]:
    return (
        Trust.objects.count(),
        School.objects.count(),
        User.objects.count(),
        Pupil.objects.count(),
        SchoolMembership.objects.count(),
        TrustMembership.objects.count(),
        UserObjectPermission.objects.count(),
        SchoolClosure.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_creates_the_contract_and_is_idempotent() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first

    assert set(User.objects.values_list("email", flat=True)) == CONTRACT_EMAILS
    trust = Trust.objects.get()
    assert trust.name == "Northgate Learning Trust"
    schools = {s.slug: s for s in School.objects.all()}
    assert {(s.name, s.local_authority) for s in schools.values()} == {
        ("Alderbrook Primary", "Essex"),
        ("Southend Bay Academy", "Southend-on-Sea"),
        ("Leicester Road School", "Leicestershire"),
    }
    for school in schools.values():
        assert 50 <= Pupil.objects.filter(school=school).count() <= 70
        assert school.trust == trust
    for email in CONTRACT_EMAILS:
        assert User.objects.get(email=email).check_password("demo-password-123")
    assert "dsl@alderbrook.example" in out.getvalue()

    tso = User.objects.get(email="tso@northgate.example")
    assert len(access_for(tso).schools_with(Perm.READ_CP_RECORDS)) == 3
    dsl = User.objects.get(email="dsl@alderbrook.example")
    assert access_for(dsl).schools_with(Perm.READ_CP_RECORDS) == [schools["alderbrook"].pk]


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    call_command("seed_demo", stdout=StringIO())
    assert User.objects.get(email="staff@alderbrook.example").check_password(
        "another-demo-password"
    )


@pytest.mark.django_db
def test_alderbrook_dsl_sees_alderbrook_pupils_only(client) -> None:  # noqa: ANN001
    call_command("seed_demo", stdout=StringIO())
    client.post(
        reverse("login"),
        {"username": "dsl@alderbrook.example", "password": "demo-password-123"},
    )
    page = client.get(reverse("pupil-list"), {"include_left": "on"}).content.decode()
    alderbrook = Pupil.objects.filter(school__slug="alderbrook")
    assert f"{alderbrook.count()} pupils" in page
    for other in Pupil.objects.exclude(school__slug="alderbrook"):
        assert str(other.pk) not in page


@pytest.mark.django_db
def test_seed_demo_is_idempotent_across_the_new_school_year() -> None:
    import datetime

    from schools.demo import seed_demo

    seed_demo(password="demo-password-123", today=datetime.date(2026, 8, 31))
    first = _counts()
    seed_demo(password="demo-password-123", today=datetime.date(2026, 9, 1))
    assert _counts() == first
