"""A joiner's CTF contacts become their family contacts when the import is applied (docs/ctf.md):
read as this product's fields, shown in the preview as they will be written, added once, with
their history, and never to a pupil already on the roll or of another school."""

from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.models import FamilyContact, FamilyContactChange
from roll.imports import services
from schools.models import Pupil
from tests.support.roll_imports import ctf_bytes, ctf_pupil, preview_ctf, upn
from tests.support.world import World

pytestmark = pytest.mark.django_db

ELSEWHERE = {"LEA": "882", "Estab": "4000", "URN": "999999", "SchoolName": "Shoreline Primary"}


def _here(world: World) -> dict[str, str]:
    return {"LEA": "881", "Estab": "2001", "URN": world.school.urn, "SchoolName": "Alpha School"}


def _contact(order: str, relationship: str, *, more: str = "", phones: tuple[str, ...] = ()) -> str:
    numbers = "".join(f"<Phone><PhoneNo>{p}</PhoneNo></Phone>" for p in phones)
    return (
        f"<Contact><Order>{order}</Order><Forename>Sam</Forename><Surname>Rowe{order}</Surname>"
        f"<Relationship>{relationship}</Relationship>{more}<Phones>{numbers}</Phones></Contact>"
    )


PUPIL_ADDRESS = """
      <Address><BS7666Address><PAON>12</PAON><Street>Mill Lane</Street><Town>Maldon</Town>
        <PostTown>Maldon</PostTown><Postcode>CM9 4AB</Postcode></BS7666Address></Address>"""

CONTACTS = f"""{PUPIL_ADDRESS}
      <Contacts>
        {
    _contact(
        "1",
        "PAR",
        more="<Sex>F</Sex><Responsibility>true</Responsibility>"
        "<Email>sam.rowe@example.org</Email><Address><SameAsPupil>true</SameAsPupil>"
        "</Address>",
        phones=("07700 900001", "01621 960002", "01621 960003"),
    )
}
        {
    _contact(
        "2",
        "PAR",
        more="<Responsibility>1</Responsibility><Email>not an email</Email>",
        phones=("call the office", "07700 900004"),
    )
}
        {_contact("2", "SWR", phones=("01245 430000",))}
        {
    _contact(
        "3",
        "GRN",
        more="<Address><AddressLines><AddressLine1>Flat 2</AddressLine1>"
        "<AddressLine2>4 Quay Street</AddressLine2></AddressLines>"
        "<Postcode>CM9 5XY</Postcode></Address>",
    )
}
        <Contact><Relationship></Relationship></Contact>
      </Contacts>"""


def _joiner_file(world: World, *pupils: str) -> bytes:
    return ctf_bytes(*pupils, source=ELSEWHERE, dest=_here(world))


def test_the_preview_reads_contacts_as_they_will_be_written(world: World) -> None:
    data = _joiner_file(world, ctf_pupil(upn(60), "Rowe", "Ada", "2018-04-04", "3", extra=CONTACTS))
    roll_import = preview_ctf(world.users["admin"], world.school, data)
    mother, parent, social_worker, other, unnamed = roll_import.plan["joiners"][0]["extra"][
        "contacts"
    ]
    assert (mother["name"], mother["relationship"], mother["relationship_label"]) == (
        "Sam Rowe1",
        "mother",
        "Mother",
    )
    assert mother["parental_responsibility"] is True
    assert (mother["emergency_priority"], mother["phone"], mother["phone_other"]) == (
        1,
        "07700 900001",
        "01621 960002",
    )
    assert mother["unread"] == ["Another telephone in the file: 01621 960003"]
    assert mother["address"] == "12\nMill Lane\nMaldon\nCM9 4AB"  # the pupil's: the same
    assert mother["email"] == "sam.rowe@example.org"
    # A parent whose sex the file does not give is "Parent", as the file says.
    assert (parent["relationship"], parent["relationship_other"]) == ("other", "Parent")
    assert parent["phone"] == "07700 900004"
    assert parent["email"] == ""
    assert parent["unread"] == [
        "Telephone in the file: call the office",
        "Email address in the file: not an email",
    ]
    assert parent["emergency_priority"] == 2
    # The same order twice: the first keeps it. A code this product does not know is kept as
    # the relationship's words; a contact with no telephone is no emergency contact.
    assert (social_worker["relationship"], social_worker["emergency_priority"]) == (
        "social_worker",
        None,
    )
    assert (other["relationship_other"], other["emergency_priority"]) == ("GRN", None)
    assert other["address"] == "Flat 2\n4 Quay Street\nCM9 5XY"
    assert (unnamed["name"], unnamed["relationship_other"]) == (
        "Name not given in the file",
        "Not given in the file",
    )


def test_applying_adds_the_joiners_contacts_with_their_history(world: World) -> None:
    admin = world.users["admin"]
    data = _joiner_file(world, ctf_pupil(upn(61), "Rowe", "Ada", "2018-04-04", "3", extra=CONTACTS))
    services.roll_import_apply(actor=admin, roll_import=preview_ctf(admin, world.school, data))

    ada = Pupil.objects.get(school=world.school, upn=upn(61))
    contacts = list(FamilyContact.objects.filter(pupil=ada))
    assert len(contacts) == 5
    assert {c.school_id for c in contacts} == {world.school.pk}
    mother = next(c for c in contacts if c.relationship == "mother")
    assert (mother.emergency_priority, mother.phone, mother.parental_responsibility) == (
        1,
        "07700 900001",
        True,
    )
    assert mother.notes.startswith(
        "From the Common Transfer File of Shoreline Primary (DfE number 8824000, URN 999999) "
        "made on 30 November 2026, imported on "
    )
    assert mother.notes.endswith(
        ": check these details with the family.\nAnother telephone in the file: 01621 960003"
    )
    history = FamilyContactChange.objects.filter(pupil=ada)
    assert history.count() == 5
    assert {(h.kind, h.changed_by_id) for h in history} == {("added", admin.pk)}
    assert history.get(contact_id=mother.pk).values == [
        {"field": "Has parental responsibility", "old": "", "new": "Yes"}
    ]


def test_a_pupil_already_on_the_roll_gets_no_contacts_and_a_reimport_adds_none(
    world: World,
) -> None:
    admin = world.users["admin"]
    data = _joiner_file(world, ctf_pupil(upn(62), "Rowe", "Ada", "2018-04-04", "3", extra=CONTACTS))
    services.roll_import_apply(actor=admin, roll_import=preview_ctf(admin, world.school, data))
    again = preview_ctf(admin, world.school, data)
    assert again.joiners == 0
    services.roll_import_apply(actor=admin, roll_import=again)
    assert FamilyContact.objects.filter(pupil__upn=upn(62)).count() == 5

    on_roll = world.pupil
    on_roll.upn = upn(63)
    on_roll.save()
    matched = _joiner_file(
        world,
        ctf_pupil(
            upn(63),
            on_roll.legal_last_name,
            on_roll.legal_first_name,
            on_roll.date_of_birth.isoformat(),
            on_roll.year_group,
            extra=CONTACTS,
        ),
    )
    services.roll_import_apply(actor=admin, roll_import=preview_ctf(admin, world.school, matched))
    assert not FamilyContact.objects.filter(pupil=on_roll).exists()
    assert not FamilyContact.objects.filter(school=world.other_school).exists()


def test_the_preview_page_lists_the_contacts_to_be_added(world: World, client) -> None:
    admin = world.users["admin"]
    data = _joiner_file(world, ctf_pupil(upn(64), "Rowe", "Ada", "2018-04-04", "3", extra=CONTACTS))
    roll_import = preview_ctf(admin, world.school, data)
    client.force_login(admin)
    url = reverse("roll-import-detail", args=[roll_import.pk])
    page = client.get(url).content.decode()
    assert "To be added to the pupil's family contacts" in page
    assert (
        "Sam Rowe1, mother, parental responsibility, emergency contact 1, 07700 900001, "
        "01621 960002, sam.rowe@example.org"
    ) in page
    assert "Kept in the notes: Email address in the file: not an email" in page

    services.roll_import_apply(actor=admin, roll_import=roll_import)
    assert "Added to the pupil's family contacts" in client.get(url).content.decode()
