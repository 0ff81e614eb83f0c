"""Files as schools really send them (Excel's "sep=" line, a stray byte, UTF-16, dates with a
time), files that would damage the roll (a leaver's CTF, an admission number of another child,
a leaving date before joining, a part of the roll as the whole), and imports raced by other
requests (a second tab, a double click, a hand edit)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from roll.imports import plan, services
from roll.imports.csv_reader import read_csv
from roll.imports.fields import ValueProblemError, parse_date
from safeguard.models import Notification
from safeguard.notifications import NotificationKind
from schools.models import Pupil, RollImport
from tests.support.factories import PupilFactory
from tests.support.roll_imports import (
    csv_bytes,
    ctf_bytes,
    ctf_pupil,
    preview_csv,
    preview_ctf,
    upn,
)
from tests.support.world import World

pytestmark = pytest.mark.django_db

HERE_HEADING = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Gender"


def _admin(world: World) -> Any:
    return world.users["admin"]


@pytest.fixture
def admin_client(client: Any, world: World) -> Any:
    client.force_login(world.users["admin"])
    return client


def _aaliyah(world: World) -> str:
    """World's pupil as a CSV row (UPN, surname, forename, DOB, year, reg, gender)."""
    p = world.pupil
    return (
        f"{p.upn},{p.legal_last_name},{p.legal_first_name},{p.date_of_birth:%d/%m/%Y},"
        f"{p.year_group},{p.registration_group},{p.gender}"
    )


# --- Reading real exports ------------------------------------------------------------------------


def test_excels_sep_line_is_not_taken_as_the_headings() -> None:
    data = b"sep=;\r\n" + csv_bytes(
        f"{upn(1)};Smith;Jo;01/02/2015;6", heading="UPN;Legal Surname;Legal Forename;DOB;Year"
    )
    table = read_csv(data)
    assert table.headings == ["UPN", "Legal Surname", "Legal Forename", "DOB", "Year"]
    assert table.delimiter == ";"
    # Excel hides the sep= line: the heading is row 1 there, so the first pupil is row 2.
    assert table.rows == [[2, [upn(1), "Smith", "Jo", "01/02/2015", "6"]]]


def test_a_utf8_file_with_one_bad_byte_keeps_its_accents_and_names_the_row(world: World) -> None:
    data = (
        csv_bytes(
            f"{upn(2)},Brontë,Zoë,01/02/2016,4,4A,F",
            f"{upn(3)},O'Brien-Núñez,Siân,01/02/2016,4,4A,F",
        )
        + f"{upn(4)},Bad".encode()
        + b"\xff"
        + b",Byte,01/02/2016,4,4A,M\r\n"
    )
    table = read_csv(data)
    assert table.encoding == "UTF-8"
    roll_import = preview_csv(_admin(world), world.school, data)
    names = {j["values"].get("legal_last_name") for j in roll_import.plan["joiners"]}
    assert {"Brontë", "O'Brien-Núñez"} <= names  # never "BrontÃ«"
    assert [(p["row"], p["field"]) for p in roll_import.problems] == [(4, "Legal surname")]


def test_a_windows_1252_file_is_still_read_as_one() -> None:
    table = read_csv(csv_bytes(f"{upn(5)},Brontë,Zoë,01/02/2016,4,4A,F", encoding="cp1252"))
    assert (table.encoding, table.rows[0][1][1]) == ("Windows-1252", "Brontë")


def test_utf16_without_a_byte_order_mark() -> None:
    data = csv_bytes(
        f"{upn(6)}\tRenée\tJo\t01/02/2016\t4", heading="UPN\tSurname\tForename\tDOB\tYear"
    )
    table = read_csv(data.decode().encode("utf-16-le"))
    assert table.encoding == "UTF-16"
    assert table.headings == ["UPN", "Surname", "Forename", "DOB", "Year"]
    assert table.rows[0][1][1] == "Renée"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("14/03/2015 00:00", datetime.date(2015, 3, 14)),
        ("14/03/2015 00:00:00", datetime.date(2015, 3, 14)),
        ("2015-03-14 00:00:00", datetime.date(2015, 3, 14)),
    ],
)
def test_a_date_with_a_midnight_time_is_read(text: str, day: datetime.date) -> None:
    assert parse_date(text) == day


def test_an_excel_serial_date_is_explained() -> None:
    with pytest.raises(ValueProblemError, match="format the column as a date"):
        parse_date("42078")
    with pytest.raises(ValueProblemError):
        parse_date("14/03/2015 09:30")  # a time that is not midnight is not a date of birth


# --- Files that would damage the roll -------------------------------------------------------------


def test_a_leaving_date_before_the_pupil_joined_is_a_problem_not_a_failed_apply(
    world: World,
) -> None:
    data = csv_bytes(_aaliyah(world) + ",01/01/2001", heading=HERE_HEADING + ",Leaving date")
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [(p["row"], p["field"]) for p in roll_import.problems] == [(2, "Leaving date")]
    assert "on or after the date they joined" in roll_import.problems[0]["message"]
    with pytest.raises(ValidationError, match="The file has problems"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    world.pupil.refresh_from_db()
    assert world.pupil.left_on is None


def test_a_date_of_admission_no_one_could_type_is_a_problem(world: World) -> None:
    data = csv_bytes(
        f"{upn(7)},Smith,Jo,01/02/2016,5,5A,F,01/01/1950",
        f"{upn(8)},Smith,Kit,01/02/2016,5,5A,F,01/09/2026",
        heading=HERE_HEADING + ",Date of admission",
    )
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [(p["row"], p["field"]) for p in roll_import.problems] == [(2, "Date of admission")]


def test_a_date_of_admission_after_the_leaving_date_is_a_problem(world: World) -> None:
    world.pupil.left_on = datetime.date(2026, 10, 1)
    world.pupil.save()
    data = csv_bytes(
        _aaliyah(world) + ",01/11/2026,01/10/2026",
        heading=HERE_HEADING + ",Date of admission,Leaving date",
    )
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [p["field"] for p in roll_import.problems] == ["Date of admission"]


def test_an_admission_number_of_another_child_never_renames_that_child(world: World) -> None:
    world.pupil.admission_number = "001234"
    world.pupil.save()
    heading = "Adno,Legal Surname,Legal Forename,DOB,Year"
    other_child = csv_bytes("001234,Newchild,Zed,01/02/2016,5", heading=heading)
    roll_import = preview_csv(_admin(world), world.school, other_child)
    assert roll_import.changes == 0
    ((problem),) = roll_import.problems
    assert (problem["row"], problem["field"]) == (2, "Admission number")
    assert "check the admission number" in problem["message"]

    # The same child, under a new surname, is still matched and changed.
    renamed = csv_bytes("001234,Newname,Aaliyah,14/03/2015,5", heading=heading)
    roll_import = preview_csv(_admin(world), world.school, renamed)
    assert roll_import.problems == []
    assert [list(c["fields"]) for c in roll_import.plan["changes"]] == [["legal_last_name"]]


@pytest.mark.parametrize("whole_roll", [True, False])
def test_a_leavers_ctf_made_for_another_school_is_refused(world: World, whole_roll: bool) -> None:
    here = {"LEA": "881", "Estab": "2001", "URN": world.school.urn, "SchoolName": "Alpha School"}
    there = {"LEA": "882", "Estab": "4000", "URN": "999999", "SchoolName": "Shoreline Primary"}
    PupilFactory(school=world.school, upn=upn(9))
    data = ctf_bytes(
        ctf_pupil(upn(10), "Leaving", "Lou", "2018-04-04", "3"), source=here, dest=there
    )
    with pytest.raises(ValidationError) as refused:
        preview_ctf(_admin(world), world.school, data, whole_roll=whole_roll)
    assert "for Shoreline Primary" in refused.value.message_dict["file"][0]
    assert not RollImport.objects.exists()
    assert not Pupil.objects.filter(left_on__isnull=False).exists()


def test_a_whole_school_export_to_an_unknown_destination_is_still_read(world: World) -> None:
    here = {"LEA": "881", "Estab": "2001", "URN": world.school.urn, "SchoolName": "Alpha School"}
    unknown = {"LEA": "XXX", "Estab": "XXXX"}
    data = ctf_bytes(
        ctf_pupil(upn(11), "Alphason", "Aaliyah", "2015-03-14", "5"), source=here, dest=unknown
    )
    roll_import = preview_ctf(_admin(world), world.school, data, whole_roll=True)
    assert (roll_import.problems, roll_import.leavers) == ([], 0)


def _roll_of(world: World, size: int) -> None:
    for n in range(size):
        PupilFactory(
            school=world.school,
            upn=upn(100 + n),
            legal_first_name=f"Pupil{n}",
            date_of_birth=datetime.date(2016, 2, 1),
            year_group="4",
        )


def test_a_part_of_the_roll_as_the_whole_needs_a_tick_to_mark_the_rest_as_left(
    world: World,
) -> None:
    _roll_of(world, 12)
    roll_import = preview_csv(
        _admin(world), world.school, csv_bytes(_aaliyah(world)), whole_roll=True
    )
    assert (roll_import.leavers, roll_import.plan["on_roll"]) == (12, 13)
    with pytest.raises(ValidationError) as refused:
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert services.CONFIRM_LEAVERS in refused.value.message_dict
    assert not Pupil.objects.filter(left_on__isnull=False).exists()
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import, leavers_confirmed=True)
    assert Pupil.objects.filter(school=world.school, left_on__isnull=False).count() == 12


def test_the_preview_warns_and_the_apply_asks_beside_the_tick_box(
    admin_client: Any, world: World
) -> None:
    _roll_of(world, 12)
    roll_import = preview_csv(
        _admin(world), world.school, csv_bytes(_aaliyah(world)), whole_roll=True
    )
    page = admin_client.get(f"/pupils/import/{roll_import.pk}/").content.decode()
    assert "would mark 12 of the 13 pupils on the roll as left" in page
    refused = admin_client.post(f"/pupils/import/{roll_import.pk}/apply/")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'class="govuk-error-summary"' in text
    assert 'href="#confirm_leavers"' in text
    assert 'id="confirm_leavers-error"' in text
    assert not Pupil.objects.filter(left_on__isnull=False).exists()
    done = admin_client.post(f"/pupils/import/{roll_import.pk}/apply/", {"confirm_leavers": "yes"})
    assert done.status_code == 302
    assert Pupil.objects.filter(school=world.school, left_on__isnull=False).count() == 12


def test_a_few_leavers_need_no_tick(world: World) -> None:
    _roll_of(world, 2)
    roll_import = preview_csv(
        _admin(world), world.school, csv_bytes(_aaliyah(world)), whole_roll=True
    )
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert Pupil.objects.filter(left_on__isnull=False).count() == 2


def test_a_changed_leaving_date_does_not_tell_the_dsl_again(world: World) -> None:
    from chronology import services as chronology_services

    chronology_services.cp_file_open(
        actor=world.users["dsl"], pupil=world.pupil, reason="Disclosure"
    )
    world.pupil.left_on = datetime.date(2026, 11, 20)
    world.pupil.save()
    data = csv_bytes(_aaliyah(world) + ",27/11/2026", heading=HERE_HEADING + ",Leaving date")
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [list(c["fields"]) for c in roll_import.plan["changes"]] == [["left_on"]]
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    world.pupil.refresh_from_db()
    assert world.pupil.left_on == datetime.date(2026, 11, 27)
    assert not Notification.objects.filter(kind="pupil_left").exists()


# --- Races: a second tab, a double click, an edit made meanwhile -----------------------------------


def _previewed(world: World) -> RollImport:
    return preview_csv(
        _admin(world), world.school, csv_bytes(f"{upn(12)},Smith,Jo,01/02/2016,4,4A,F")
    )


def test_a_discard_from_a_stale_page_never_undoes_an_applied_import(world: World) -> None:
    roll_import = _previewed(world)
    stale = RollImport.objects.get(pk=roll_import.pk)
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    with pytest.raises(ValidationError, match="already applied"):
        services.roll_import_discard(actor=_admin(world), roll_import=stale)
    applied = RollImport.objects.get(pk=roll_import.pk)
    assert (applied.status, applied.joiners, len(applied.plan["joiners"])) == ("applied", 1, 1)


def test_columns_chosen_in_a_stale_tab_never_reopen_an_applied_import(world: World) -> None:
    roll_import = _previewed(world)
    stale = RollImport.objects.get(pk=roll_import.pk)
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    with pytest.raises(ValidationError, match="already applied"):
        services.roll_import_columns_set(
            actor=_admin(world), roll_import=stale, columns=stale.header["columns"]
        )
    applied = RollImport.objects.get(pk=roll_import.pk)
    assert (applied.status, applied.rows) == ("applied", [])
    with pytest.raises(ValidationError, match="already applied"):
        services.roll_import_apply(actor=_admin(world), roll_import=stale)
    assert Pupil.objects.filter(upn=upn(12)).count() == 1


def test_a_double_click_applies_once(admin_client: Any, world: World) -> None:
    roll_import = _previewed(world)
    first = admin_client.post(f"/pupils/import/{roll_import.pk}/apply/")
    second = admin_client.post(f"/pupils/import/{roll_import.pk}/apply/", follow=True)
    assert first.status_code == 302
    assert "already applied" in second.content.decode()
    assert Pupil.objects.filter(upn=upn(12)).count() == 1


def test_an_edit_made_while_the_preview_is_built_is_caught_at_the_apply(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's fingerprint is of the pupils it was built on: a pupil added between its
    reads (here, with the joiner's UPN) makes the apply refuse, never fail half-way."""
    real = plan.clean_values
    added: list[Pupil] = []

    def clean_values_while_someone_adds(raw: dict[str, str]) -> Any:
        if not added:
            added.append(
                PupilFactory(school=world.school, upn=upn(12), legal_last_name="Meanwhile")
            )
        return real(raw)

    monkeypatch.setattr(plan, "clean_values", clean_values_while_someone_adds)
    roll_import = _previewed(world)
    assert roll_import.joiners == 1  # the plan never saw the pupil added meanwhile
    with pytest.raises(ValidationError, match="roll has changed"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert Pupil.objects.filter(upn=upn(12)).count() == 1


def test_a_pupil_written_by_another_route_during_the_apply_is_refused_not_a_500(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    roll_import = _previewed(world)
    # A transfer accepted between the fingerprint check and the writes, say.
    PupilFactory(school=world.school, upn=upn(12), legal_last_name="Meanwhile")
    monkeypatch.setattr(
        services, "roll_fingerprint", lambda school: roll_import.plan["fingerprint"]
    )
    with pytest.raises(ValidationError, match="changed while this import was being applied"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert RollImport.objects.get(pk=roll_import.pk).status == "preview"
    assert list(Pupil.objects.filter(upn=upn(12)).values_list("legal_last_name", flat=True)) == [
        "Meanwhile"
    ]


# --- Tenancy: the same trust's other school ------------------------------------------------------


def test_a_whole_roll_import_never_touches_the_same_trusts_other_school(world: World) -> None:
    """A person keeping the rolls of two schools of one trust imports school A's whole roll:
    school B's pupils (one with a UPN in the file) are never matched, changed or marked as left."""
    from tests.support.factories import SchoolFactory, member

    sister = SchoolFactory(trust=world.school.trust, name="Gamma School")
    admin = _admin(world)
    from schools import services as school_services

    school_services.school_membership_grant(user=admin, school=sister, role="admin")
    member(sister, "dsl", email="dsl@gamma.example")
    theirs = PupilFactory(school=sister, upn=upn(14), legal_last_name="Gammason", year_group="5")
    untouched = PupilFactory(school=sister, upn=upn(15))
    before = list(Pupil.objects.filter(school=sister).order_by("pk").values())
    data = csv_bytes(_aaliyah(world), f"{upn(14)},Gammason,Gil,01/02/2016,4,4A,M")
    roll_import = preview_csv(admin, world.school, data, whole_roll=True)
    assert (roll_import.joiners, roll_import.leavers) == (1, 0)
    services.roll_import_apply(actor=admin, roll_import=roll_import)
    assert list(Pupil.objects.filter(school=sister).order_by("pk").values()) == before
    assert Pupil.objects.get(school=world.school, upn=upn(14)).legal_first_name == "Gil"
    assert {theirs.pk, untouched.pk} <= set(
        Pupil.objects.filter(school=sister, left_on__isnull=True).values_list("pk", flat=True)
    )


# --- Hostile CTFs beyond the billion laughs ------------------------------------------------------

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY a "'
    + b"x" * 100_000
    + b'">]><CTfile><Header><DocumentName>'
    + b"&a;" * 1000
    + b"</DocumentName></Header></CTfile>"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd">'
    b" %p;]><CTfile/>"
)


@pytest.mark.parametrize("data", [QUADRATIC, PARAMETER_ENTITY], ids=["quadratic", "parameter"])
def test_a_dtd_is_refused_before_any_entity_is_expanded(world: World, data: bytes) -> None:
    with pytest.raises(
        ValidationError, match=r"a section \(a DOCTYPE\) that Common Transfer Files never have"
    ):
        preview_ctf(_admin(world), world.school, data)


def test_an_xinclude_is_never_followed_and_deep_nesting_is_no_failure(world: World) -> None:
    here = {"URN": world.school.urn}
    xinclude = ctf_bytes(
        ctf_pupil(
            upn(16),
            "Alphason",
            "Aaliyah",
            "2015-03-14",
            "5",
            extra='<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" '
            'parse="text"/>' + "<a>" * 50_000 + "</a>" * 50_000,
        ),
        source=here,
    )
    roll_import = preview_ctf(_admin(world), world.school, xinclude, whole_roll=True)
    assert "root:" not in str(roll_import.plan) + str(roll_import.rows)
    assert roll_import.problems == []


def test_a_whole_roll_ctf_with_no_pupils_marks_no_one_as_left(world: World) -> None:
    data = ctf_bytes(source={"URN": world.school.urn})
    with pytest.raises(ValidationError, match="no pupils"):
        preview_ctf(_admin(world), world.school, data, whole_roll=True)
    assert not Pupil.objects.filter(left_on__isnull=False).exists()


def test_a_ctf_with_a_namespace_prefix_reads_as_one_without(world: World) -> None:
    data = ctf_bytes(
        ctf_pupil(upn(17), "Prefix", "Pia", "2018-04-04", "3"),
        source={"URN": "999999", "SchoolName": "Elsewhere"},
        dest={"URN": world.school.urn},
    )
    text = data.decode().replace("<CTfile>", '<ctf:CTfile xmlns:ctf="urn:ctf">')
    text = text.replace("</CTfile>", "</ctf:CTfile>")
    text = text.replace("<", "<ctf:").replace("<ctf:/", "</ctf:").replace("<ctf:?", "<?")
    text = text.replace("<ctf:ctf:", "<ctf:").replace("</ctf:ctf:", "</ctf:")
    roll_import = preview_ctf(_admin(world), world.school, text.encode())
    assert roll_import.problems == []
    assert roll_import.plan["joiners"][0]["values"]["legal_last_name"] == "Prefix"


def test_a_upn_of_another_child_never_renames_that_child(world: World) -> None:
    world.pupil.upn = upn(18)
    world.pupil.save()
    copied = csv_bytes(f"{upn(18)},Alphason,Zed,01/02/2016,4,4A,M")
    roll_import = preview_csv(_admin(world), world.school, copied)
    assert [(p["row"], p["field"]) for p in roll_import.problems] == [(2, "UPN")]
    assert "check the UPN" in roll_import.problems[0]["message"]
    # One of the two corrected (the date of birth) is still a change.
    p = world.pupil
    corrected = csv_bytes(
        f"{upn(18)},Alphason,Aaliyah,15/03/2015,5,{p.registration_group},{p.gender}"
    )
    roll_import = preview_csv(_admin(world), world.school, corrected)
    assert roll_import.problems == []
    assert [list(c["fields"]) for c in roll_import.plan["changes"]] == [["date_of_birth"]]


def test_a_leaver_in_the_file_again_is_back_on_the_roll_and_the_dsls_are_told(
    world: World,
) -> None:
    """As when a person undoes a leaving: a pupil with safeguarding records whose CP file may
    already be on its way to another school."""
    from chronology import services as chronology_services

    chronology_services.cp_file_open(
        actor=world.users["dsl"], pupil=world.pupil, reason="Disclosure"
    )
    Pupil.objects.filter(pk=world.pupil.pk).update(
        left_on=datetime.date(2025, 7, 20), leaving_destination="Oak Academy"
    )
    Notification.objects.all().delete()
    data = csv_bytes(_aaliyah(world), heading=HERE_HEADING)
    roll_import = preview_csv(_admin(world), world.school, data)
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    world.pupil.refresh_from_db()
    assert world.pupil.left_on is None
    told = Notification.objects.filter(kind=NotificationKind.PUPIL_RETURNED)
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}


def test_a_value_too_long_says_how_long_it_may_be_in_govuk_words(world: World) -> None:
    data = csv_bytes(f"{upn(7)},{'x' * 101},Jo,01/02/2016,5,5A,F", heading=HERE_HEADING)
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [p["message"] for p in roll_import.problems] == [
        "Legal surname must be 100 characters or fewer"
    ]
