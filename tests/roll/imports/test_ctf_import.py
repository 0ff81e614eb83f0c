"""Importing from a Common Transfer File: the header's school, versions, namespaces, and the XML
that is refused (bombs, external entities, DTDs, malformed files)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from roll.imports import services
from schools.models import Pupil, RollImport
from tests.support.roll_imports import ctf_bytes, ctf_pupil, preview_ctf, upn
from tests.support.world import World

pytestmark = pytest.mark.django_db

JOINER_EXTRA = """
      <LookedAfter><InCare>true</InCare><CareAuthority>881</CareAuthority></LookedAfter>
      <FSMhistory>
        <FSMinstance><FSMstartDate>2024-01-08</FSMstartDate><UKcountry>ENG</UKcountry></FSMinstance>
      </FSMhistory>
      <SENhistory>
        <SEN><StartDate>2022-09-01</StartDate><SENprovision>K</SENprovision></SEN>
        <SEN><StartDate>2025-01-10</StartDate><SENprovision>E</SENprovision></SEN>
      </SENhistory>
      <Contacts>
        <Contact><Order>1</Order><Title>Ms</Title><Surname>Quinn</Surname><Forename>Ruth</Forename>
          <Relationship>PAR</Relationship><Responsibility>true</Responsibility>
          <Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900123</PhoneNo></Phone></Phones>
        </Contact>
      </Contacts>
      <SchoolHistory>
        <School><LEA>882</LEA><Estab>4000</Estab><SchoolName>Shoreline Primary</SchoolName>
          <EntryDate>2021-09-01</EntryDate><LeavingDate>2026-11-27</LeavingDate></School>
      </SchoolHistory>"""


def _here(world: World) -> dict[str, str]:
    return {"LEA": "881", "Estab": "2001", "URN": world.school.urn, "SchoolName": "Alpha School"}


ELSEWHERE = {"LEA": "882", "Estab": "4000", "URN": "999999", "SchoolName": "Shoreline Primary"}


def test_a_joiners_ctf_adds_the_pupil_with_their_characteristics(world: World) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(40), "Quinn", "Isla", "2018-04-04", "3", extra=JOINER_EXTRA),
        source=ELSEWHERE,
        dest=_here(world),
    )
    roll_import = preview_ctf(world.users["admin"], world.school, data)
    assert roll_import.problems == []
    (joiner,) = roll_import.plan["joiners"]
    assert joiner["where"] == f"Pupil 1 (UPN {upn(40)})"
    assert joiner["extra"]["contacts"][0]["name"] == "Ms Ruth Quinn"
    assert joiner["extra"]["contacts"][0]["relationship_label"] == "Parent"
    assert joiner["extra"]["schools"][0]["name"] == "Shoreline Primary"

    services.roll_import_apply(actor=world.users["admin"], roll_import=roll_import)
    isla = Pupil.objects.get(school=world.school, upn=upn(40))
    assert (isla.legal_middle_names, isla.year_group, isla.gender, isla.ethnicity) == (
        "Rose",
        "3",
        "F",
        "WBRI",
    )
    assert (isla.sen_provision, isla.fsm_eligible, isla.looked_after) == ("E", True, True)
    assert isla.pupil_premium is None  # not in a CTF: not recorded


def test_a_ctf_naming_another_school_is_refused(world: World) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(41), "Else", "Where", "2018-04-04", "3"),
        source=ELSEWHERE,
        dest={"LEA": "855", "Estab": "4100", "URN": "888888", "SchoolName": "Far Away School"},
    )
    with pytest.raises(ValidationError) as refused:
        preview_ctf(world.users["admin"], world.school, data)
    message = refused.value.message_dict["file"][0]
    assert "Shoreline Primary" in message
    assert "Far Away School" in message
    assert "not for Alpha School" in message
    assert not RollImport.objects.exists()
    assert not Pupil.objects.filter(upn=upn(41)).exists()


def test_a_joiners_file_is_not_taken_as_the_whole_roll(world: World) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(42), "Solo", "Sam", "2018-04-04", "3"), source=ELSEWHERE, dest=_here(world)
    )
    with pytest.raises(ValidationError, match="Joiners only"):
        preview_ctf(world.users["admin"], world.school, data, whole_roll=True)


def test_the_dfe_number_identifies_the_school_when_the_urn_is_missing(world: World) -> None:
    world.school.dfe_number = "8812001"
    world.school.save()
    source = {"LEA": "881", "Estab": "2001", "SchoolName": "Alpha School"}
    data = ctf_bytes(ctf_pupil(upn(43), "Alphason", "Aaliyah", "2015-03-14", "5"), source=source)
    roll_import = preview_ctf(world.users["admin"], world.school, data, whole_roll=True)
    assert roll_import.problems == []
    assert roll_import.changes == 1  # Aaliyah gains her UPN, middle name, gender and ethnicity
    assert roll_import.leavers == 0
    assert roll_import.plan["file_date"] == "2026-11-30"


@pytest.mark.parametrize(
    ("namespace", "version", "sex_tag", "year", "year_group"),
    [
        (None, "15.0", "Gender", "N2", "N"),
        ("http://www.govtalk.gov.uk/Education/CTF", "24.0", "Sex", "R", "R"),
        ("urn:example:ctf26", "26.0", "Sex", "Year 1", "1"),
    ],
)
def test_namespaces_and_versions_read_alike(
    world: World, namespace: str | None, version: str, sex_tag: str, year: str, year_group: str
) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(44), "Nye", "Nia", "2022-10-10", year, sex_tag=sex_tag, sex="M"),
        source=ELSEWHERE,
        dest=_here(world),
        namespace=namespace,
        version=version,
    )
    roll_import = preview_ctf(world.users["admin"], world.school, data)
    assert roll_import.problems == []
    values = roll_import.plan["joiners"][0]["values"]
    assert (values["legal_last_name"], values["gender"]) == ("Nye", "M")
    assert values["year_group"] == year_group
    assert roll_import.header["version"] == version


def test_bad_pupils_are_problems_named_by_pupil_and_upn(world: World) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(45), "", "Blank", "2018-04-04", "3"),
        ctf_pupil(upn(45), "Again", "Amy", "2018-13-40", "X"),
        source=ELSEWHERE,
        dest=_here(world),
    )
    roll_import = preview_ctf(world.users["admin"], world.school, data)
    found = {(p["where"], p["field"]) for p in roll_import.problems}
    assert (f"Pupil 1 (UPN {upn(45)})", "Legal surname") in found
    assert (f"Pupil 2 (UPN {upn(45)})", "Date of birth") in found
    assert (f"Pupil 2 (UPN {upn(45)})", "Year group") in found
    assert any("also in pupil 1" in p["message"] for p in roll_import.problems)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>&xxe;</DocumentName></Header></CTfile>"""
DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">
<CTfile><Header/></CTfile>"""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "contains a section (a DOCTYPE)"),
        (XXE, "contains a section (a DOCTYPE)"),
        (DTD_ONLY, "contains a section (a DOCTYPE)"),
        (b"<?xml version='1.0'?>\n<CTfile>\n<Header>\n</CTfile>", "not well-formed XML"),
        (b"<Roll><Pupil/></Roll>", "not a Common Transfer File"),
        (b"   ", "empty"),
    ],
)
def test_hostile_and_broken_xml_is_refused_with_a_reason(
    world: World, data: bytes, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        preview_ctf(world.users["admin"], world.school, data)
    message = refused.value.message_dict["file"][0]
    assert reason in message
    assert "root:" not in message  # /etc/passwd never reaches a message
    # A business manager's words: what to do, not how an attack works.
    assert "XML bomb" not in message
    assert "server" not in message
    assert not RollImport.objects.exists()


def test_malformed_xml_names_its_line(world: World) -> None:
    data = b"<?xml version='1.0'?>\n<CTfile>\n<Header>\n</CTfile>"
    with pytest.raises(ValidationError, match="at line 4"):
        preview_ctf(world.users["admin"], world.school, data)


def test_the_entity_defences_hold_without_the_dtd_check() -> None:
    """defusedxml's other refusals, in case a DTD were ever allowed: an entity declaration and an
    external entity are refused on their own."""
    from defusedxml import EntitiesForbidden
    from defusedxml.ElementTree import fromstring

    with pytest.raises(EntitiesForbidden):
        fromstring(BILLION_LAUGHS, forbid_dtd=False)
    with pytest.raises(EntitiesForbidden):
        fromstring(XXE, forbid_dtd=False)
