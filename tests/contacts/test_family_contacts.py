"""A pupil's family contacts: seen only by those who may, kept by the admin and the DSLs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from contacts import services
from contacts.models import FamilyContact, FamilyContactChange
from contacts.selectors import (
    family_contact_history_for,
    family_contact_list_for,
    family_contacts_for,
)
from tests.support.world import World


def _contact(world: World, pupil=None, **values) -> FamilyContact:
    defaults = {
        "name": "Dana Parentson",
        "relationship": "mother",
        "parental_responsibility": True,
        "emergency_priority": 1,
        "phone": "07700 900001",
    }
    return services.family_contact_create(
        actor=world.users["admin"], pupil=pupil or world.pupil, **(defaults | values)
    )


def test_warning_when_fewer_than_two_emergency_contacts(client, world: World) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("family-contacts", kwargs={"pk": world.pupil.pk})
    body = client.get(url).content.decode()
    assert "No emergency contact is recorded" in body
    _contact(world)
    body = client.get(url).content.decode()
    assert "Only 1 emergency contact is recorded" in body
    assert "at least 2 emergency contact numbers" in body
    _contact(world, name="Granny Parentson", relationship="grandparent", emergency_priority=2)
    body = client.get(url).content.decode()
    assert 'data-testid="too-few-emergency-contacts"' not in body
    assert "Emergency contact 1" in body
    assert "Parental responsibility" in body
    assert body.index("Dana Parentson") < body.index("Granny Parentson")


def test_restrictions_stand_out(client, world: World) -> None:
    _contact(
        world,
        name="Rob Parentson",
        relationship="father",
        emergency_priority=None,
        restrictions="Court order: must not collect",
    )
    client.force_login(world.users["head"])
    body = client.get(reverse("family-contacts", kwargs={"pk": world.pupil.pk})).content.decode()
    assert 'data-testid="restriction"' in body
    assert "Court order: must not collect" in body
    assert reverse("family-contact-add", kwargs={"pk": world.pupil.pk}) not in body  # head reads


@pytest.mark.parametrize(
    ("role", "status"),
    [
        # They may see the pupil's page, so the pupil is no secret: plainly forbidden.
        ("staff", 403),
        ("tso", 403),
        # They may not see the pupil at all: the same 404 as for a pupil that does not exist.
        ("governor", 404),
        ("other_dsl", 404),
    ],
)
def test_not_visible_without_the_permission(client, world: World, role: str, status: int) -> None:
    _contact(world)
    client.force_login(world.users[role])
    for name in ("family-contacts", "family-contact-add"):
        response = client.get(reverse(name, kwargs={"pk": world.pupil.pk}))
        assert response.status_code == status, name
        assert b"Dana Parentson" not in response.content
    assert not family_contacts_for(actor=world.users[role], pupil=world.pupil).exists()


def test_the_headteacher_reads_but_may_not_change_or_remove(client, world: World) -> None:
    contact = _contact(world)
    client.force_login(world.users["head"])
    for name in ("family-contact-edit", "family-contact-remove"):
        assert client.get(reverse(name, kwargs={"pk": contact.pk})).status_code == 403
    assert client.post(reverse("family-contact-remove", kwargs={"pk": contact.pk})).status_code == (
        403
    )
    assert FamilyContact.objects.filter(pk=contact.pk).exists()


def test_pupil_page_links_family_contacts_for_those_who_may_see_them(client, world: World) -> None:
    url = reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
    client.force_login(world.users["admin"])
    assert b'data-testid="family-contacts-link"' in client.get(url).content
    client.force_login(world.users["staff"])
    assert b'data-testid="family-contacts-link"' not in client.get(url).content


def test_lists_never_return_another_schools_contacts(world: World) -> None:
    _contact(world)
    theirs = services.family_contact_create(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        name="Other Parent",
        relationship="father",
        emergency_priority=1,
        phone="07700 900002",
    )
    for role in ["dsl", "deputy", "head", "admin"]:
        actor = world.users[role]
        mine = family_contact_list_for(actor=actor, school=world.school)
        assert list(mine.values_list("name", flat=True)) == ["Dana Parentson"]
        assert not family_contact_list_for(actor=actor, school=world.other_school).exists()
        assert not family_contacts_for(actor=actor, pupil=world.other_pupil).exists()
    assert list(family_contact_list_for(actor=world.users["other_dsl"], school=world.school)) == []
    assert theirs.school == world.other_school


def test_a_contact_always_belongs_to_its_pupils_school(world: World) -> None:
    contact = _contact(world)
    assert contact.school_id == world.pupil.school_id
    with pytest.raises(Http404):
        services.family_contact_create(
            actor=world.users["admin"], pupil=world.other_pupil, name="X", relationship="mother"
        )
    with pytest.raises(Http404):  # the head reads, but does not keep, family contacts
        services.family_contact_update(actor=world.users["head"], contact=contact, name="Y")


def test_two_contacts_cannot_share_an_emergency_order(world: World) -> None:
    _contact(world)
    with pytest.raises(ValidationError) as error:
        _contact(world, name="Second", relationship="father")
    assert "Dana Parentson is already emergency contact 1" in str(error.value)


def test_a_taken_emergency_order_is_explained_by_the_field_in_plain_english(
    client, world: World
) -> None:
    _contact(world)
    client.force_login(world.users["dsl"])
    response = client.post(
        reverse("family-contact-add", kwargs={"pk": world.pupil.pk}),
        {
            "name": "Second Parent",
            "relationship": "father",
            "emergency_priority": "1",
            "phone": "07700 900002",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Constraint" not in body
    assert "is violated" not in body
    assert "family_contact_priority_unique_per_pupil" not in body
    message = "Dana Parentson is already emergency contact 1: choose another number"
    assert body.count(message) == 2  # in the summary, linked to the field, and by the field
    field = body[body.index('id="id_emergency_priority-error"') :]
    assert field[: field.index("</p>")].endswith(message)
    assert 'href="#id_emergency_priority"' in body


def test_the_constraint_itself_speaks_plain_english(world: World) -> None:
    _contact(world)
    duplicate = FamilyContact(
        school=world.school,
        pupil=world.pupil,
        name="Second",
        relationship="father",
        emergency_priority=1,
        phone="07700 900002",
    )
    with pytest.raises(ValidationError) as error:
        duplicate.validate_constraints()
    [message] = error.value.messages
    assert message == (
        "Another contact of this pupil already has this emergency contact order: "
        "choose another number"
    )


def test_remove_asks_first_and_sits_away_from_save(client, world: World) -> None:
    contact = _contact(world, restrictions="Court order: must not collect")
    client.force_login(world.users["admin"])
    edit = client.get(reverse("family-contact-edit", kwargs={"pk": contact.pk})).content.decode()
    remove_url = reverse("family-contact-remove", kwargs={"pk": contact.pk})
    # No button that removes at once: a link to a question, after the form and a section break.
    assert f'action="{remove_url}"' not in edit
    assert edit.index("Save</button>") < edit.index("govuk-section-break") < edit.index(remove_url)
    page = client.get(reverse("family-contacts", kwargs={"pk": world.pupil.pk})).content.decode()
    assert f'href="{remove_url}"' in page
    question = client.get(remove_url)
    assert question.status_code == 200
    body = question.content.decode()
    assert (
        "Are you sure you want to remove Dana Parentson as a contact for "
        f"{world.pupil.display_name}?" in body
    )
    assert "Court order: must not collect" in body
    assert FamilyContact.objects.filter(pk=contact.pk).exists()  # asking removes nothing
    response = client.post(remove_url)
    assert response.status_code == 302
    assert not FamilyContact.objects.filter(pk=contact.pk).exists()


def test_history_keeps_restrictions_parental_responsibility_and_removals(
    client, world: World
) -> None:
    admin, dsl = world.users["admin"], world.users["dsl"]
    contact = _contact(world, name="Rob Parentson", relationship="father", emergency_priority=None)
    services.family_contact_update(
        actor=dsl, contact=contact, restrictions="Court order: must not collect"
    )
    services.family_contact_update(actor=dsl, contact=contact, parental_responsibility=False)
    services.family_contact_update(actor=admin, contact=contact, phone="07700 900009")
    services.family_contact_update(actor=admin, contact=contact, phone="07700 900009")  # no-op
    services.family_contact_update(actor=dsl, contact=contact, restrictions="")
    contact_id = contact.pk
    services.family_contact_remove(actor=admin, contact=contact)
    rows = list(FamilyContactChange.objects.filter(pupil=world.pupil).order_by("created_at"))
    assert [r.kind for r in rows] == [
        "added",
        "changed",
        "changed",
        "changed",
        "changed",
        "removed",
    ]
    added, restricted, pr, phone, lifted, removed = rows
    assert added.values == [{"field": "Has parental responsibility", "old": "", "new": "Yes"}]
    assert added.changed_by == admin
    assert restricted.values == [
        {"field": "Restrictions", "old": "", "new": "Court order: must not collect"}
    ]
    assert restricted.changed_by_name == dsl.full_name
    assert pr.values == [{"field": "Has parental responsibility", "old": "Yes", "new": "No"}]
    assert (phone.values, phone.also_changed) == ([], ["Main telephone"])
    assert lifted.values == [
        {"field": "Restrictions", "old": "Court order: must not collect", "new": ""}
    ]
    assert removed.contact_name == "Rob Parentson"
    assert removed.contact_id == contact_id
    assert removed.values == [{"field": "Has parental responsibility", "old": "No", "new": ""}]

    client.force_login(world.users["head"])  # a reader, not a keeper, sees the history
    body = client.get(reverse("family-contacts", kwargs={"pk": world.pupil.pk})).content.decode()
    history = body[body.index('data-testid="family-contact-history"') :]
    assert history.count('data-testid="history-entry"') == 6
    assert "Removed: Rob Parentson" in history
    assert "Restrictions: was “Court order: must not collect”, now “none”" in history
    assert "Has parental responsibility: was “Yes”, now “No”" in history
    assert f"by {dsl.full_name}" in history
    # The other school never sees it.
    assert not family_contact_history_for(
        actor=world.users["other_dsl"], pupil=world.pupil
    ).exists()


def test_history_cannot_be_changed_or_removed_even_in_sql(world: World) -> None:
    from django.db import IntegrityError, transaction

    _contact(world)
    rows = FamilyContactChange.objects.filter(pupil=world.pupil)
    assert rows.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(contact_name="Someone else")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.delete()


def test_add_and_edit_keep_what_was_typed_on_error(client, world: World) -> None:
    client.force_login(world.users["deputy"])
    add = reverse("family-contact-add", kwargs={"pk": world.pupil.pk})
    response = client.post(
        add,
        {
            "name": "Sam Carer",
            "relationship": "other",
            "emergency_priority": "1",
            "phone": "07700 9OO123",
            "address": "1 High Street",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter the relationship to the pupil" in body
    assert "Enter a telephone number using only numbers and spaces" in body
    assert 'value="07700 9OO123"' in body
    assert "1 High Street</textarea>" in body
    response = client.post(
        add,
        {
            "name": "Sam Carer",
            "relationship": "other",
            "relationship_other": "Childminder",
            "emergency_priority": "1",
            "phone": "07700 900123",
            "lives_with_pupil": "on",
        },
    )
    assert response.status_code == 302
    contact = FamilyContact.objects.get(name="Sam Carer")
    assert contact.relationship_label == "Childminder"
    assert contact.lives_with_pupil
    assert not contact.parental_responsibility
    edit = reverse("family-contact-edit", kwargs={"pk": contact.pk})
    response = client.post(edit, {"name": "Sam Carer", "relationship": "mother", "phone": ""})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.emergency_priority is None
    response = client.post(
        edit, {"name": "Sam Carer", "relationship": "mother", "emergency_priority": "2"}
    )
    assert "An emergency contact needs a main telephone number" in response.content.decode()
    client.post(reverse("family-contact-remove", kwargs={"pk": contact.pk}))
    assert not FamilyContact.objects.filter(pk=contact.pk).exists()


def test_family_contacts_page_query_count_does_not_grow(
    client, world: World, django_assert_max_num_queries
) -> None:
    _contact(world)
    client.force_login(world.users["dsl"])
    url = reverse("family-contacts", kwargs={"pk": world.pupil.pk})
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(2, 8):
        _contact(world, name=f"Contact {n}", relationship="grandparent", emergency_priority=n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert "Contact 7" in body


def test_a_browsers_line_endings_are_not_a_change_of_address(client, world: World) -> None:
    # Seeded (and imported) addresses end their lines with "\n"; a browser sends a textarea's
    # lines back with "\r\n".
    contact = _contact(world, address="12 Mill Lane\nColchester\nCO1 1AA", notes="Works days")
    client.force_login(world.users["admin"])
    edit = reverse("family-contact-edit", kwargs={"pk": contact.pk})
    form = client.get(edit).context["form"]
    response = client.post(
        edit,
        {
            **{k: v for k, v in form.initial.items() if v not in (None, False)},
            "parental_responsibility": "on",
            "address": "12 Mill Lane\r\nColchester\r\nCO1 1AA",
            "notes": "Works nights\r\nCall after 4pm",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.address == "12 Mill Lane\nColchester\nCO1 1AA"
    assert contact.notes == "Works nights\nCall after 4pm"
    change = FamilyContactChange.objects.filter(kind="changed").get()
    assert change.also_changed == ["Notes"]
    assert change.values == []
    # Sent again exactly as before: nothing changed, nothing written.
    client.post(
        edit,
        {
            **{k: v for k, v in form.initial.items() if v not in (None, False)},
            "parental_responsibility": "on",
            "address": "12 Mill Lane\r\nColchester\r\nCO1 1AA",
            "notes": "Works nights\r\nCall after 4pm",
        },
    )
    assert FamilyContactChange.objects.filter(kind="changed").count() == 1
    page = client.get(reverse("family-contacts", kwargs={"pk": world.pupil.pk})).content.decode()
    assert "Also changed: Notes</p>" in page
    assert "Address" not in page.split('data-testid="family-contact-history"')[1]


def test_a_contact_added_with_a_browsers_line_endings_is_kept_with_one_kind(world: World) -> None:
    contact = _contact(world, address="1 High Street\r\nTown\rAB1 2CD")
    assert contact.address == "1 High Street\nTown\nAB1 2CD"
    # An address stored before line endings were made one is no change when only they differ.
    FamilyContact.objects.filter(pk=contact.pk).update(address="1 High Street\r\nTown\r\nAB1 2CD")
    contact.refresh_from_db()
    services.family_contact_update(
        actor=world.users["admin"], contact=contact, address="1 High Street\nTown\nAB1 2CD"
    )
    assert not FamilyContactChange.objects.filter(kind="changed").exists()
