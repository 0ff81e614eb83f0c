"""Importing the roll from a CSV: preview, problems by spreadsheet row, apply, tenancy."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from roll.imports import services
from roll.imports.selectors import roll_import_columns_for
from schools.models import Pupil, RollImport, RollImportMapping
from tests.support.factories import PupilFactory
from tests.support.roll_imports import csv_bytes, preview_csv, upn
from tests.support.world import World

pytestmark = pytest.mark.django_db


def _admin(world: World):
    return world.users["admin"]


def test_preview_writes_nothing_and_apply_writes_exactly_it(world: World) -> None:
    before = set(Pupil.objects.values_list("pk", "updated_at"))
    data = csv_bytes(
        # Aaliyah is on the roll without a UPN: matched by legal name and date of birth.
        f"{upn(1)},Alphason,Aaliyah,14/03/2015,Year 5,5B,F",
        f"{upn(2)},O’Brien,Zoë,2018-09-02,Y3,3A,F",
    )
    roll_import = preview_csv(_admin(world), world.school, data)

    assert roll_import.problems == []
    assert (roll_import.joiners, roll_import.changes, roll_import.leavers) == (1, 1, 0)
    change = roll_import.plan["changes"][0]
    assert change["fields"]["upn"] == {"old": "(blank)", "new": upn(1), "value": upn(1)}
    assert change["fields"]["registration_group"]["new"] == "5B"
    assert set(Pupil.objects.values_list("pk", "updated_at")) == before  # nothing written yet

    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)

    world.pupil.refresh_from_db()
    assert (world.pupil.upn, world.pupil.registration_group, world.pupil.gender) == (
        upn(1),
        "5B",
        "F",
    )
    zoe = Pupil.objects.get(upn=upn(2))
    assert zoe.school == world.school
    assert (zoe.legal_first_name, zoe.legal_last_name) == ("Zoë", "O’Brien")
    assert zoe.date_of_birth == datetime.date(2018, 9, 2)
    assert zoe.year_group == "3"
    assert zoe.joined_on == datetime.date.today()  # noqa: DTZ011
    assert "obrien" in zoe.search_text
    roll_import.refresh_from_db()
    assert roll_import.status == RollImport.Status.APPLIED
    assert roll_import.rows == []

    again = preview_csv(_admin(world), world.school, data)
    assert (again.joiners, again.changes, again.leavers, again.unchanged) == (0, 0, 0, 2)


def test_whole_roll_marks_the_missing_pupils_as_left(world: World) -> None:
    staying = PupilFactory(school=world.school, upn=upn(3), legal_last_name="Stayer")
    data = csv_bytes(f"{upn(3)},Stayer,{staying.legal_first_name},14/03/2015,5,5A,M")
    roll_import = preview_csv(_admin(world), world.school, data, whole_roll=True)
    assert [leaver["name"] for leaver in roll_import.plan["leavers"]] == ["Aaliyah Alphason"]

    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)

    world.pupil.refresh_from_db()
    assert world.pupil.left_on == datetime.date.today()  # noqa: DTZ011
    staying.refresh_from_db()
    assert staying.left_on is None
    # A joiners-only file never marks anyone as left.
    assert preview_csv(_admin(world), world.school, data).leavers == 0


def test_problems_are_listed_by_spreadsheet_row_and_nothing_is_applied(world: World) -> None:
    data = csv_bytes(
        f"{upn(4)},Good,Gwen,01/02/2016,Year 4,4A,F",
        "",  # a blank line: still a row in the spreadsheet
        f"{upn(4)},Twice,Tom,01/02/2016,4,4A,M",  # the same UPN again
        f"{_wrong_letter(upn(99))},Wrong,Wanda,01/02/2016,4,4A,F",  # check letter
        f"{upn(5)},Old,Olive,01/02/1990,4,4A,F",  # implausible date of birth
        f"{upn(6)},,Nameless,01/02/2016,4,4A,F",  # no surname
        f"{upn(7)},Year,Yasmin,01/02/2016,Year 15,4A,F",  # no such year group
        f"{upn(8)},Date,Dan,31/02/2016,4,4A,M",  # no such date
        f"{upn(9)},Far,Fay,01/02/9999,4,4A,F",  # year 9999
        f"{upn(10)},Digits,Dora,١٢/٠٣/٢٠١٦,4,4A,F",  # Arabic-Indic digits
        f"{upn(11)},=cmd|' /C calc'!A0,Fred,01/02/2016,4,4A,M",  # a formula
    )
    roll_import = preview_csv(_admin(world), world.school, data)
    found = {(p["row"], p["field"]) for p in roll_import.problems}
    assert {
        (2, "UPN"),
        (4, "UPN"),
        (5, "UPN"),
        (6, "Date of birth"),
        (7, "Legal surname"),
        (8, "Year group"),
        (9, "Date of birth"),
        (10, "Date of birth"),
        (11, "Date of birth"),
        (12, "Legal surname"),
    } <= found
    messages = " ".join(p["message"] for p in roll_import.problems)
    assert "also in row 4" in messages
    assert "check letter" in messages
    assert "formula" in messages

    with pytest.raises(ValidationError, match="Nothing was changed"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert not Pupil.objects.filter(legal_first_name="Gwen").exists()


def _wrong_letter(upn_: str) -> str:
    return ("C" if upn_[0] != "C" else "D") + upn_[1:]


def test_a_row_matching_a_pupil_under_another_upn_is_a_problem(world: World) -> None:
    PupilFactory(
        school=world.school,
        upn=upn(12),
        legal_first_name="Mia",
        legal_last_name="Moss",
        date_of_birth=datetime.date(2016, 5, 5),
        year_group="4",
    )
    data = csv_bytes(f"{upn(13)},Moss,Mia,05/05/2016,4,4A,F")
    roll_import = preview_csv(_admin(world), world.school, data)
    assert roll_import.problems[0]["row"] == 2
    assert f"on the roll with the UPN {upn(12)}" in roll_import.problems[0]["message"]
    assert roll_import.joiners == 0


def test_another_schools_pupils_are_never_matched_or_touched(world: World) -> None:
    other = world.other_pupil
    other.upn = upn(14)
    other.save()
    data = csv_bytes(
        f"{upn(14)},{other.legal_last_name},{other.legal_first_name},14/03/2015,6,6Z,M"
    )
    roll_import = preview_csv(_admin(world), world.school, data, whole_roll=False)
    assert (roll_import.joiners, roll_import.changes) == (1, 0)
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)

    other.refresh_from_db()
    assert (other.school, other.year_group, other.registration_group) == (
        world.other_school,
        "5",
        "5A",
    )
    assert Pupil.objects.get(school=world.school, upn=upn(14)).year_group == "6"


def test_the_roll_changed_since_the_preview_is_refused(world: World) -> None:
    data = csv_bytes(f"{upn(15)},Late,Lily,01/02/2016,4,4A,F")
    roll_import = preview_csv(_admin(world), world.school, data)
    world.pupil.registration_group = "5C"
    world.pupil.save()
    with pytest.raises(ValidationError, match="changed since this preview"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert not Pupil.objects.filter(upn=upn(15)).exists()


def test_applied_and_discarded_imports_cannot_be_applied_again(world: World) -> None:
    data = csv_bytes(f"{upn(16)},Once,Olly,01/02/2016,4,4A,M")
    roll_import = preview_csv(_admin(world), world.school, data)
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    with pytest.raises(ValidationError, match="already applied"):
        services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    discarded = preview_csv(
        _admin(world), world.school, csv_bytes(f"{upn(17)},No,Nia,01/02/2016,4,4A,F")
    )
    services.roll_import_discard(actor=_admin(world), roll_import=discarded)
    discarded.refresh_from_db()
    assert (discarded.status, discarded.rows, discarded.plan) == ("discarded", [], {})
    with pytest.raises(ValidationError):
        services.roll_import_apply(actor=_admin(world), roll_import=discarded)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
)
def test_encodings(world: World, encoding: str, prefix: bytes) -> None:
    data = prefix + csv_bytes(
        f"{upn(18)},O’Brien,Zoë,01/02/2016,4,4A,F",
        f"{upn(19)},Ní Bhriain,Siobhán,01/02/2016,4,4A,F",
        encoding=encoding,
    )
    roll_import = preview_csv(_admin(world), world.school, data)
    assert roll_import.problems == []
    assert roll_import.header["headings"][0] == "UPN"
    names = {j["values"]["legal_first_name"] for j in roll_import.plan["joiners"]}
    assert names == {"Zoë", "Siobhán"}


def test_unreadable_text_is_refused_with_a_reason(world: World) -> None:
    data = csv_bytes("x,y,z,w,v,u,t") + b"\x81\x8d\x8f\x90\x9d\xff\xfe"
    with pytest.raises(ValidationError, match="could not be read"):
        services.roll_import_start(
            actor=_admin(world),
            school=world.school,
            source="csv",
            file_name="x.csv",
            data=data,
            whole_roll=False,
        )


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_delimiters_quotes_and_blank_lines(world: World, delimiter: str) -> None:
    heading = delimiter.join(["UPN", "Surname", "Forename", "Date of Birth", "NC Year", "Form"])
    rows = [
        delimiter.join([upn(20), '"Smith, Jnr"', "Sam", "1/2/2016", "4", "4A"]),
        "",
        delimiter.join([upn(21), '"Multi\nLine"', "Mo", "2016-02-01", "Year 4", '"4""B"']),
    ]
    roll_import = preview_csv(
        _admin(world), world.school, ("\r\n".join([heading, *rows]) + "\r\n").encode()
    )
    assert roll_import.problems == []
    surnames = [j["values"]["legal_last_name"] for j in roll_import.plan["joiners"]]
    assert surnames == ["Smith, Jnr", "Multi Line"]
    assert [j["where"] for j in roll_import.plan["joiners"]] == ["Row 2", "Row 4"]


def test_hostile_cells(world: World) -> None:
    nul = csv_bytes(f"{upn(22)},Nul\x00l,Nora,01/02/2016,4,4A,F")
    roll_import = preview_csv(_admin(world), world.school, nul)
    assert roll_import.problems[0]["field"] == "Legal surname"
    assert "not text" in roll_import.problems[0]["message"]

    huge = csv_bytes(f"{upn(23)},{'x' * 1_000_000},Hugo,01/02/2016,4,4A,M")
    with pytest.raises(ValidationError, match="Row 2 has a cell over"):
        preview_csv(_admin(world), world.school, huge)
    assert RollImport.objects.count() == 1  # the NUL file's preview only

    wide = csv_bytes("1,2", heading=",".join(f"Column {n}" for n in range(300)))
    with pytest.raises(ValidationError, match="300 columns"):
        preview_csv(_admin(world), world.school, wide)


def test_ten_thousand_rows(world: World) -> None:
    rows = [f"{upn(1000 + n)},Pupil{n},Test,01/02/2016,4,4A,F" for n in range(10_000)]
    roll_import = preview_csv(_admin(world), world.school, csv_bytes(*rows))
    assert roll_import.problems == []
    assert roll_import.joiners == 10_000
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    assert Pupil.objects.filter(school=world.school).count() == 10_001


def test_the_columns_are_remembered_for_the_school(world: World) -> None:
    heading = "Pupil ID,Family,Given,Born,Class Year,Tutor"
    data = csv_bytes(f"{upn(24)},Rem,Remy,01/02/2016,4,4A", heading=heading)
    first = services.roll_import_start(
        actor=_admin(world),
        school=world.school,
        source="csv",
        file_name="a.csv",
        data=data,
        whole_roll=False,
    )
    assert "legal_last_name" not in roll_import_columns_for(roll_import=first)
    columns = {
        "upn": 0,
        "legal_last_name": 1,
        "legal_first_name": 2,
        "date_of_birth": 3,
        "year_group": 4,
        "registration_group": 5,
    }
    with pytest.raises(ValidationError) as refused:
        services.roll_import_columns_set(
            actor=_admin(world), roll_import=first, columns={**columns, "admission_number": 1}
        )
    assert "already chosen" in str(refused.value.message_dict["admission_number"])
    services.roll_import_columns_set(actor=_admin(world), roll_import=first, columns=columns)
    assert RollImportMapping.objects.get(school=world.school).columns["legal_last_name"] == "Family"

    second = services.roll_import_start(
        actor=_admin(world),
        school=world.school,
        source="csv",
        file_name="b.csv",
        data=data,
        whole_roll=False,
    )
    assert roll_import_columns_for(roll_import=second) == columns


def test_only_the_roll_keepers_import(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        preview_csv(
            world.users["staff"], world.school, csv_bytes(f"{upn(25)},A,B,01/02/2016,4,4A,F")
        )


def test_leavers_with_safeguarding_records_are_told_to_the_dsl(world: World) -> None:
    from chronology import services as chronology_services
    from safeguard.models import Notification

    chronology_services.cp_file_open(
        actor=world.users["dsl"], pupil=world.pupil, reason="Disclosure"
    )
    quiet = PupilFactory(school=world.school, upn=upn(26), legal_last_name="Quiet")
    roll_import = preview_csv(
        _admin(world),
        world.school,
        csv_bytes(f"{upn(27)},Stay,Stan,01/02/2016,4,4A,M"),
        whole_roll=True,
    )
    assert roll_import.leavers == 2
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)

    told = Notification.objects.filter(recipient=world.users["dsl"], kind="pupil_left")
    assert [n.link for n in told] == [f"/pupils/{world.pupil.pk}/"]
    assert world.pupil.legal_last_name not in told[0].title
    quiet.refresh_from_db()
    assert quiet.left_on is not None


def test_a_blank_upn_keeps_the_rolls_and_a_leaver_in_the_file_comes_back(world: World) -> None:
    back = PupilFactory(
        school=world.school,
        upn=upn(28),
        legal_first_name="Bea",
        legal_last_name="Back",
        date_of_birth=datetime.date(2016, 2, 1),
        year_group="4",
        left_on=datetime.date(2026, 10, 1),
    )
    world.pupil.upn = upn(29)
    world.pupil.save()
    data = csv_bytes(
        ",Alphason,Aaliyah,14/03/2015,5,5A,",  # no UPN in the MIS yet: matched by name and birth
        f"{upn(28)},Back,Bea,01/02/2016,4,4A,",
    )
    roll_import = preview_csv(_admin(world), world.school, data)
    assert roll_import.problems == []
    changes = {c["name"]: c["fields"] for c in roll_import.plan["changes"]}
    assert "Aaliyah Alphason" not in changes  # the UPN is not wiped
    assert changes["Bea Back"]["left_on"] == {
        "old": "1 October 2026",
        "new": "(blank)",
        "value": None,
    }
    services.roll_import_apply(actor=_admin(world), roll_import=roll_import)
    back.refresh_from_db()
    world.pupil.refresh_from_db()
    assert (back.left_on, world.pupil.upn) == (None, upn(29))


def test_the_same_new_pupil_twice_is_a_problem(world: World) -> None:
    data = csv_bytes(",Twin,Tia,01/02/2016,4,4A,F", ",Twin,Tia,01/02/2016,4,4B,F")
    roll_import = preview_csv(_admin(world), world.school, data)
    assert [(p["row"], p["message"][:26]) for p in roll_import.problems] == [
        (3, "This row and Row 2 are the")
    ]
