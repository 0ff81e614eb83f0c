"""A person who works in several schools switches between them; every page names the school."""

from __future__ import annotations

from django.urls import reverse

from schools import services
from tests.conftest import World
from tests.factories import member


def test_switching_changes_the_acting_school_and_its_pupils(client, world: World) -> None:  # noqa: ANN001, E501
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="staff")
    client.force_login(person)

    page = client.get(reverse("pupil-list")).content.decode()
    assert "Acting in <strong>Alpha School</strong>" in page
    assert "ALPHASON" in page
    assert "BETASON" not in page

    response = client.post(reverse("school-switch"), {"school": "beta", "next": "/pupils/"})
    assert response.status_code == 302
    page = client.get(reverse("pupil-list")).content.decode()
    assert "Acting in <strong>Beta School</strong>" in page
    assert "BETASON" in page
    assert "ALPHASON" not in page


def test_cannot_switch_to_a_school_you_do_not_work_in(client, world: World) -> None:  # noqa: ANN001
    client.force_login(world.users["dsl"])
    assert client.post(reverse("school-switch"), {"school": "beta"}).status_code == 404
    page = client.get(reverse("home")).content.decode()
    assert "Alpha School" in page


def test_switch_ignores_an_offsite_next(client, world: World) -> None:  # noqa: ANN001
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    client.force_login(person)
    response = client.post(
        reverse("school-switch"), {"school": "beta", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_opening_a_record_of_your_other_school_switches_to_it(client, world: World) -> None:  # noqa: ANN001, E501
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    client.force_login(person)
    page = client.get(reverse("pupil-detail", kwargs={"pk": world.other_pupil.pk})).content.decode()
    assert "You are now acting in Beta School" in page
    assert "Acting in <strong>Beta School</strong>" in page


def test_switcher_shown_only_to_people_in_several_schools(client, world: World) -> None:  # noqa: ANN001, E501
    client.force_login(world.users["staff"])
    assert "Switch school" not in client.get(reverse("home")).content.decode()
    client.force_login(world.users["tso"])  # the TSO's trust has one school here
    assert "Switch school" not in client.get(reverse("home")).content.decode()
