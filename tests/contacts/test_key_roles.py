"""The school's key safeguarding people, for every member of the school (`003` section 6)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape

from contacts.models import SchoolKeyContact
from contacts.selectors import key_contact_list_for, key_roles_for
from tests.support.world import World


def test_key_roles_page_lists_the_people_staff_need(client, world: World) -> None:
    SchoolKeyContact.objects.create(
        school=world.school, role="chair_of_governors", name="Cyril Chair", phone="01632 960001"
    )
    client.force_login(world.users["staff"])
    response = client.get(reverse("school-key-roles"))
    assert response.status_code == 200
    body = response.content.decode()
    users = world.users
    for role, person in [
        ("Designated Safeguarding Lead", users["dsl"]),
        ("Deputy Designated Safeguarding Lead", users["deputy"]),
        ("Headteacher", users["head"]),
        ("Designated Safeguarding Governor", users["governor"]),
        ("Trust Safeguarding Officer", users["tso"]),
    ]:
        assert role in body
        assert escape(person.full_name) in body  # a name like O'Brien is escaped in HTML
        assert escape(person.email) in body
    assert "Cyril Chair" in body
    assert 'href="tel:01632960001"' in body
    # The order staff need: the DSL first.
    assert body.index(escape(users["dsl"].full_name)) < body.index(escape(users["head"].full_name))
    # Staff cannot change the list.
    assert reverse("key-contact-add") not in body


def test_key_roles_never_show_another_schools_people(world: World) -> None:
    SchoolKeyContact.objects.create(
        school=world.other_school, role="chair_of_governors", name="Other Chair", email="o@x.org"
    )
    people = key_roles_for(actor=world.users["staff"], school=world.school)
    names = {p.name for p in people}
    assert world.users["other_dsl"].full_name not in names
    assert "Other Chair" not in names
    # Asking about a school you do not work in gives nothing.
    assert key_roles_for(actor=world.users["staff"], school=world.other_school) == []
    assert not key_contact_list_for(actor=world.users["admin"], school=world.other_school).exists()
    assert key_contact_list_for(actor=world.users["other_dsl"], school=world.other_school).exists()


def test_admin_adds_a_chair_of_governors_with_errors_by_the_fields(client, world: World) -> None:
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("key-contact-add"), {"role": "other", "name": "Pat Jones", "phone": "call me"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a telephone number using only numbers and spaces" in body
    assert 'value="Pat Jones"' in body
    response = client.post(
        reverse("key-contact-add"), {"role": "other", "name": "Pat Jones", "phone": "01632 960002"}
    )
    assert "Enter the role" in response.content.decode()
    response = client.post(
        reverse("key-contact-add"),
        {"role": "chair_of_governors", "name": "Pat Jones", "phone": "01632 960002"},
    )
    assert response.status_code == 302
    contact = SchoolKeyContact.objects.get(name="Pat Jones")
    assert contact.school == world.school
    response = client.post(
        reverse("key-contact-edit", kwargs={"pk": contact.pk}),
        {"role": "chair_of_governors", "name": "Pat Jones-Smith", "email": "pat@example.org"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.email) == (
        "Pat Jones-Smith",
        "",
        "pat@example.org",
    )
    client.post(reverse("key-contact-remove", kwargs={"pk": contact.pk}))
    assert not SchoolKeyContact.objects.filter(pk=contact.pk).exists()


def test_a_key_contact_needs_a_way_to_reach_them(client, world: World) -> None:
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("key-contact-add"), {"role": "chair_of_governors", "name": "Pat Jones"}
    )
    assert "Enter a telephone number or an email address" in response.content.decode()
