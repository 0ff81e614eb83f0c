"""A person who works in several schools switches between them; every page names the school."""

from __future__ import annotations

from django.urls import reverse

from schools import services
from tests.support.factories import member
from tests.support.world import World


def test_switching_changes_the_acting_school_and_its_pupils(client, world: World) -> None:
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


def test_cannot_switch_to_a_school_you_do_not_work_in(client, world: World) -> None:
    client.force_login(world.users["dsl"])
    assert client.post(reverse("school-switch"), {"school": "beta"}).status_code == 404
    page = client.get(reverse("home")).content.decode()
    assert "Alpha School" in page


def test_switch_ignores_an_offsite_next(client, world: World) -> None:
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    client.force_login(person)
    response = client.post(
        reverse("school-switch"), {"school": "beta", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_opening_a_record_of_your_other_school_names_it_and_does_not_switch(
    client, world: World
) -> None:
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    client.force_login(person)
    url = reverse("pupil-detail", kwargs={"pk": world.other_pupil.pk})
    page = client.get(url).content.decode()
    assert "This record belongs to Beta School. You are acting in Alpha School." in page
    # Opening the record did not change the school the person acts in.
    assert "Acting in <strong>Alpha School</strong>" in client.get(reverse("home")).content.decode()
    # The banner's button switches and comes back to the record.
    response = client.post(reverse("school-switch"), {"school": "beta", "next": url})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "Acting in <strong>Beta School</strong>" in page
    assert "This record belongs to" not in page


def test_switch_keeps_the_search(client, world: World) -> None:
    person = member(world.school, "dsl")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    client.force_login(person)
    response = client.post(reverse("school-switch"), {"school": "beta", "next": "/pupils/?q=bet"})
    assert response["Location"] == "/pupils/?q=bet"


def test_switcher_shown_only_to_people_in_several_schools(client, world: World) -> None:
    person = member(world.school, "staff")
    services.school_membership_grant(user=person, school=world.other_school, role="staff")
    client.force_login(person)
    page = client.get(reverse("home")).content.decode()
    assert "Switch school" in page
    assert '<option value="beta"' in page
    client.force_login(world.users["staff"])
    assert "Switch school" not in client.get(reverse("home")).content.decode()
    client.force_login(world.users["tso"])  # the TSO's trust has one school here
    assert "Switch school" not in client.get(reverse("home")).content.decode()
