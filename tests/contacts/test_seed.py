"""The seed agencies: loaded for the trust's own local authorities, once, never over an edit."""

from __future__ import annotations

from contacts.models import Agency
from contacts.services import agency_seed_defaults, seed_agencies
from tests.support.factories import SchoolFactory
from tests.support.world import World

from .conftest import Authorities


def test_every_seed_agency_says_where_it_comes_from() -> None:
    rows = seed_agencies()
    assert len({(r["local_authority"], r["name"]) for r in rows}) == len(rows)
    for row in rows:
        assert row["source"], row["name"]
        if row.get("to_confirm"):
            assert "confirm" in row["source"].lower(), row["name"]


def test_seed_names_read_well_beside_their_number() -> None:
    for row in seed_agencies():
        name = row["name"]
        if row.get("phone"):
            assert row["phone"] not in name, name
        assert "(999)" not in name, name
        assert "(101)" not in name, name
        assert name not in row.get("former_names", []), name
    names = {r["name"] for r in seed_agencies()}
    assert {"Police: emergency", "Police: non-emergency"} <= names
    assert "Essex LADO (Children's Workforce Allegations Management Team)" in names


def test_agency_choices_read_name_then_number(authorities: Authorities) -> None:
    from referrals.forms import AgencyChoiceField

    field = AgencyChoiceField(queryset=Agency.objects.filter(trust=authorities.essex.trust))
    label = {a.name: field.label_from_instance(a) for a in field.queryset}
    assert label["Police: emergency"] == "Police: emergency, 999"
    assert label["Police: non-emergency"] == "Police: non-emergency, 101"
    assert label["Essex LADO (Children's Workforce Allegations Management Team)"] == (
        "Essex LADO (Children's Workforce Allegations Management Team), 03330 139 797"
    )


def test_agencies_of_an_earlier_seed_take_the_new_names_once(world: World) -> None:
    trust = world.school.trust
    agency_seed_defaults(trust=trust)
    police = Agency.objects.get(trust=trust, name="Police: non-emergency")
    emergency = Agency.objects.get(trust=trust, name="Police: emergency")
    # As an earlier seed left them, one with the trust's own edit of another detail.
    Agency.objects.filter(pk=police.pk).update(name="Police non-emergency (101)")
    Agency.objects.filter(pk=emergency.pk).update(
        name="Police and ambulance: emergency (999)", guidance="The trust's own words"
    )
    count = Agency.objects.filter(trust=trust).count()
    assert agency_seed_defaults(trust=trust) == 0
    assert agency_seed_defaults(trust=trust) == 0
    assert Agency.objects.filter(trust=trust).count() == count  # renamed, not loaded twice
    police.refresh_from_db()
    emergency.refresh_from_db()
    assert police.name == "Police: non-emergency"
    assert (emergency.name, emergency.guidance) == ("Police: emergency", "The trust's own words")


def test_a_former_name_beside_the_new_one_is_left_alone(world: World) -> None:
    trust = world.school.trust
    agency_seed_defaults(trust=trust)
    # The trust added its own agency under the old name after the new one was loaded.
    kept = Agency.objects.create(trust=trust, kind="police", name="Police non-emergency (101)")
    assert agency_seed_defaults(trust=trust) == 0
    kept.refresh_from_db()
    assert kept.name == "Police non-emergency (101)"
    assert Agency.objects.filter(trust=trust, name="Police: non-emergency").count() == 1


def test_the_seed_numbers_are_the_seed_documents(authorities: Authorities) -> None:
    trust = authorities.essex.trust
    by_name = {a.name: a for a in Agency.objects.filter(trust=trust)}
    spoc = by_name["Southend Children's Single Point of Contact (C-SPOC)"]
    assert (spoc.phone, spoc.email) == ("01702 215007", "C-SPOC@southend.gov.uk")
    assert spoc.out_of_hours.phone == "0345 606 1212"
    assert "same day" in spoc.guidance
    lado = by_name["Leicestershire LADO"]
    assert (lado.phone, lado.email) == ("0116 305 4141", "CFS-LADO@leics.gov.uk")
    assert lado.hours_summary == (
        "Monday to Thursday 08:30 to 17:00; Friday 08:30 to 16:30 (closed on bank holidays)"
    )
    assert lado.out_of_hours.phone == "0116 305 0005"
    officer = by_name["Leicestershire Safeguarding Children in Education Officer (Charlotte Davis)"]
    assert (officer.phone, officer.email) == ("0116 305 6314", "Charlotte.Davis@leics.gov.uk")
    assert by_name["Essex LADO (Children's Workforce Allegations Management Team)"].phone == (
        "03330 139 797"
    )
    assert by_name["NSPCC helpline"].phone == "0808 800 5000"
    assert by_name["NSPCC helpline"].open_all_hours
    whistle = by_name["NSPCC whistleblowing advice line"]
    assert (whistle.phone, whistle.email) == ("0800 028 0285", "help@nspcc.org.uk")
    assert whistle.hours_summary.startswith("Monday to Friday 08:00 to 20:00")
    assert by_name["ECC Missing Co-ordinator (Shane Thomson)"].email == (
        "shane.thomson@essex.gov.uk"
    )
    assert by_name["ECC Missing Chats (Lucy Stovell)"].email == "lucy.stovell@essex.gov.uk"
    # Not in the seeds: marked so the trust confirms it, or left blank.
    assert by_name["Essex Children and Families Hub"].to_confirm
    assert by_name["Southend LADO"].phone == ""
    assert by_name["Southend LADO"].to_confirm is False


def test_only_the_trusts_own_local_authorities(world: World) -> None:
    agency_seed_defaults(trust=world.school.trust)  # school A is in Essex
    authorities = set(
        Agency.objects.filter(trust=world.school.trust).values_list("local_authority", flat=True)
    )
    assert authorities == {"", "Essex"}
    assert not Agency.objects.filter(trust=world.other_school.trust).exists()


def test_idempotent_and_never_overwrites_the_trusts_edits(world: World) -> None:
    trust = world.school.trust
    created = agency_seed_defaults(trust=trust)
    assert created == Agency.objects.filter(trust=trust).count() > 0
    hub = Agency.objects.get(trust=trust, name="Essex Children and Families Hub")
    hub.phone, hub.out_of_hours, hub.to_confirm = "01245 000000", None, False
    hub.save()
    assert agency_seed_defaults(trust=trust) == 0
    hub.refresh_from_db()
    assert (hub.phone, hub.out_of_hours, hub.to_confirm) == ("01245 000000", None, False)
    assert Agency.objects.filter(trust=trust).count() == created


def test_a_new_school_in_another_authority_brings_its_agencies(world: World) -> None:
    trust = world.school.trust
    agency_seed_defaults(trust=trust)
    SchoolFactory(trust=trust, local_authority="Leicestershire")
    assert agency_seed_defaults(trust=trust) == 5
    lado = Agency.objects.get(trust=trust, name="Leicestershire LADO")
    assert lado.out_of_hours.name == "Leicestershire First Response Children's Duty Team"
