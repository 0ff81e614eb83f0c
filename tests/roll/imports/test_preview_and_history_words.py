"""What the preview and the history say about an import: rows with problems listed only as
problems (with the pupil's name), no Apply when it could never work, and figures shown as done
only when they were."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roll.imports import services
from schools.models import Pupil, RollImport
from tests.support.factories import PupilFactory
from tests.support.roll_imports import csv_bytes, preview_csv, upn
from tests.support.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world: World):
    client.force_login(world.users["admin"])
    return client


def _detail(client, roll_import: RollImport) -> str:
    response = client.get(reverse("roll-import-detail", kwargs={"pk": roll_import.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _history_row(client, roll_import: RollImport) -> str:
    body = client.get(reverse("roll-import-list")).content.decode()
    link = reverse("roll-import-detail", kwargs={"pk": roll_import.pk})
    return body.split(f'href="{link}"', 1)[1].split("</tr>", 1)[0]


def test_rows_with_problems_are_problems_only_and_name_their_pupil(
    admin_client,
    world: World,
) -> None:
    roll_import = preview_csv(
        world.users["admin"],
        world.school,
        csv_bytes(
            f"{upn(70)},Good,Gwen,01/02/2016,4,4A,F",
            f"{upn(71)},O’Brien,Siobhán,31/02/2016,4,4A,F",  # no such date
            f"{upn(72)},Later,Lou,01/02/2016,Year 15,4A,M",  # no such year group
        ),
    )
    assert [j["name"] for j in roll_import.plan["joiners"]] == ["Gwen Good"]
    assert roll_import.joiners == 1
    assert {(p["where"], p["name"], p["upn"]) for p in roll_import.problems} == {
        ("Row 3", "Siobhán O’Brien", upn(71)),
        ("Row 4", "Lou Later", upn(72)),
    }

    body = _detail(admin_client, roll_import)
    assert 'data-testid="count-joiners">1<' in body
    joiners = body.split('data-testid="import-joiners"', 1)[1].split("</table>", 1)[0]
    assert "Gwen Good" in joiners
    assert "O’Brien" not in joiners
    problems = body.split('data-testid="import-problems"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Row 3<br><span[^>]*>Siobhán O’Brien, " + upn(71), problems)
    assert "Lou Later" in problems


def test_a_change_with_a_problem_is_not_listed_as_a_change(world: World) -> None:
    pupil = PupilFactory(school=world.school, upn=upn(73), legal_first_name="Cara")
    data = csv_bytes(
        f"{upn(73)},{pupil.legal_last_name},Cara,"
        f"{pupil.date_of_birth:%d/%m/%Y},Year 15,9Z,F"  # the year group is wrong
    )
    roll_import = preview_csv(world.users["admin"], world.school, data)
    assert roll_import.problems
    assert roll_import.plan["changes"] == []
    assert roll_import.changes == 0


def test_a_preview_with_problems_is_not_waiting_to_be_applied(admin_client, world: World) -> None:
    broken = preview_csv(
        world.users["admin"], world.school, csv_bytes(f"{upn(74)},Bad,Bea,31/02/2016,4,4A,F")
    )
    row = _history_row(admin_client, broken)
    assert "Has problems: cannot be applied" in row
    assert "Waiting to be applied" not in row

    fine = preview_csv(
        world.users["admin"], world.school, csv_bytes(f"{upn(75)},Fine,Fay,01/02/2016,4,4A,F")
    )
    assert "Waiting to be applied" in _history_row(admin_client, fine)


def test_a_discarded_imports_figures_are_not_shown_as_done(admin_client, world: World) -> None:
    roll_import = preview_csv(
        world.users["admin"],
        world.school,
        csv_bytes(f"{upn(76)},Gone,Gil,01/02/2016,4,4A,M", f"{upn(77)},Gone,Gia,01/02/2016,4,4A,F"),
    )
    services.roll_import_discard(actor=world.users["admin"], roll_import=roll_import)
    row = _history_row(admin_client, roll_import)
    assert "Discarded" in row
    assert "Nothing changed" in row
    assert re.search(r"numeric\">\s*2\s*<", row) is None  # the 2 would-be joiners
    assert "What it would have done" in _detail(admin_client, roll_import)

    applied = preview_csv(
        world.users["admin"], world.school, csv_bytes(f"{upn(78)},Here,Hal,01/02/2016,4,4A,M")
    )
    services.roll_import_apply(actor=world.users["admin"], roll_import=applied)
    assert re.search(r"numeric\">1<", _history_row(admin_client, applied))


def test_a_file_that_changes_nothing_offers_only_discard(admin_client, world: World) -> None:
    data = csv_bytes(f"{upn(79)},Same,Sam,01/02/2016,4,4A,M")
    first = preview_csv(world.users["admin"], world.school, data)
    services.roll_import_apply(actor=world.users["admin"], roll_import=first)
    again = preview_csv(world.users["admin"], world.school, data)
    body = _detail(admin_client, again)
    assert "Nothing to change: the roll already matches this file." in body
    assert 'data-testid="roll-import-apply"' not in body
    assert "Discard this file" in body


def test_a_stale_preview_says_upload_again_and_offers_no_apply(admin_client, world: World) -> None:
    roll_import = preview_csv(
        world.users["admin"], world.school, csv_bytes(f"{upn(80)},Late,Lia,01/02/2016,4,4A,F")
    )
    assert 'data-testid="roll-import-apply"' in _detail(admin_client, roll_import)
    world.pupil.registration_group = "9Q"  # someone edits the roll after the preview
    world.pupil.save()
    body = _detail(admin_client, roll_import)
    assert "Upload the file again to see what it would do now." in body
    assert 'data-testid="roll-import-apply"' not in body
    assert not Pupil.objects.filter(upn=upn(80)).exists()


def test_after_an_upload_error_the_file_field_says_choose_it_again(
    admin_client, world: World
) -> None:
    response = admin_client.post(
        reverse("roll-import-upload"),
        {"source": "csv", "file": SimpleUploadedFile("roll.csv", csv_bytes("x,y,z,1,2,3,4"))},
    )  # the scope was not chosen: the browser drops the file on the way back
    assert response.status_code == 200
    body = response.content.decode()
    hint = body.split('id="id_file-hint"', 1)[1].split("</div>", 1)[0]
    assert "Choose the file again" in hint
    first = admin_client.get(reverse("roll-import-upload")).content.decode()
    assert "Choose the file again" not in first
