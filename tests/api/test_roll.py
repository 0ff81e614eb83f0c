"""The roll kept in step with the MIS through the API (scope `roll:write`, issue 17): pupils
upserted by UPN with the roll import's own reading and rules, leavers through `pupils_leave` (the
leaver form's service), the roll read back page by page; all or nothing, dry runs, the same batch
twice, tenancy."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiCall
from roll.rules import academic_year_start
from safeguard.models import Notification
from safeguard.notifications import NotificationKind
from schools.models import Pupil, School
from tests.support.api import bearer, problem_of, register_client
from tests.support.factories import PupilFactory
from tests.support.roll_imports import csv_bytes, preview_csv, upn
from tests.support.world import World, add_sibling


def dob_for(year: int) -> str:
    """A date of birth usual for the year group this school year, as ISO text."""
    return datetime.date(academic_year_start(timezone.localdate()) - year - 5, 10, 15).isoformat()


def pupils_url(school: School) -> str:
    return f"/api/v1/schools/{school.pk}/pupils/"


def leavers_url(school: School) -> str:
    return f"/api/v1/schools/{school.pk}/leavers/"


def roll_api(world: World, *, scopes: tuple[str, ...] = ("roll:write",)) -> Client:
    _, secret = register_client(world.users["dsl"], school=world.school, scopes=scopes)
    return bearer(secret)


def post(api: Client, url: str, body: Any) -> Any:
    return api.post(url, body, content_type="application/json")


def joiner(n: int, **fields: Any) -> dict[str, Any]:
    """A pupil the roll does not have yet, as an MIS sends them."""
    return {
        "upn": upn(n),
        "legal_first_name": f"Pupil{n}",
        "legal_last_name": "Newcomer",
        "date_of_birth": dob_for(7),
        "year_group": "7",
        "gender": "F",
        "fsm_eligible": False,
        **fields,
    }


def roll_state() -> list[tuple[Any, ...]]:
    """Every pupil of every school as stored, to show that nothing was written."""
    return list(Pupil.objects.order_by("pk").values_list("pk", "updated_at", "year_group", "upn"))


def errors_of(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    body = problem_of(response)
    assert body["detail"] == "Nothing was changed. Correct the fields listed and send it again."
    return [(e["field"], e["message"]) for e in body["errors"]]


@pytest.fixture
def kept(world: World) -> Pupil:
    """A pupil of school A on the roll with a UPN, in Year 6."""
    return PupilFactory(
        school=world.school,
        upn=upn(1),
        legal_first_name="Kemi",
        legal_last_name="Keeper",
        date_of_birth=datetime.date.fromisoformat(dob_for(6)),
        year_group="6",
    )


# --- Upsert ------------------------------------------------------------------------------------


def test_a_batch_adds_new_pupils_updates_known_ones_and_names_only_those_sent(
    world: World, kept: Pupil
) -> None:
    api = roll_api(world)
    response = post(
        api,
        pupils_url(world.school),
        {"pupils": [{"upn": upn(1), "year_group": "Year 7"}, joiner(2, legal_middle_names="Jo")]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    added = Pupil.objects.get(school=world.school, upn=upn(2))
    assert body == {
        "dry_run": False,
        "changed": True,
        "added": 1,
        "updated": 1,
        "unchanged": 0,
        "pupils": [
            {
                "index": 0,
                "upn": upn(1),
                "outcome": "updated",
                "id": str(kept.pk),
                "fields": ["year_group"],
            },
            {"index": 1, "upn": upn(2), "outcome": "added", "id": str(added.pk), "fields": []},
        ],
    }
    kept.refresh_from_db()
    assert kept.year_group == "7"
    assert kept.legal_first_name == "Kemi"  # a field not sent is left as it is
    assert (added.legal_first_name, added.legal_middle_names, added.fsm_eligible) == (
        "Pupil2",
        "Jo",
        False,
    )
    assert added.joined_on == timezone.localdate()  # no date of admission given: today
    assert added.search_text  # written as the import writes a joiner
    assert str(world.pupil.pk) not in response.content.decode()
    call = ApiCall.objects.get(route="/api/v1/schools/<int:school_id>/pupils/")
    assert (call.method, call.scope, call.school_id, call.status) == (
        "POST",
        "roll:write",
        world.school.pk,
        200,
    )


def test_the_same_batch_sent_again_changes_nothing_and_says_so(world: World, kept: Pupil) -> None:
    api = roll_api(world)
    batch = {"pupils": [{"upn": upn(1), "year_group": "7"}, joiner(2), joiner(3)]}
    assert post(api, pupils_url(world.school), batch).json()["changed"] is True
    before = roll_state()

    again = post(api, pupils_url(world.school), batch)

    assert again.status_code == 200
    body = again.json()
    assert (body["changed"], body["added"], body["updated"], body["unchanged"]) == (False, 0, 0, 3)
    assert [p["outcome"] for p in body["pupils"]] == ["unchanged"] * 3
    assert [p["id"] for p in body["pupils"]] == [
        str(Pupil.objects.get(school=world.school, upn=upn(n)).pk) for n in (1, 2, 3)
    ]
    assert roll_state() == before  # not even a time of change moved


def test_a_dry_run_answers_what_would_change_and_writes_nothing(world: World, kept: Pupil) -> None:
    api = roll_api(world)
    batch = {"pupils": [{"upn": upn(1), "year_group": "7"}, joiner(2)], "dry_run": True}
    before = roll_state()

    response = post(api, pupils_url(world.school), batch)

    assert response.status_code == 200
    assert response.json() == {
        "dry_run": True,
        "changed": False,
        "added": 1,
        "updated": 1,
        "unchanged": 0,
        "pupils": [
            {
                "index": 0,
                "upn": upn(1),
                "outcome": "updated",
                "id": str(kept.pk),
                "fields": ["year_group"],
            },
            {"index": 1, "upn": upn(2), "outcome": "added", "id": None, "fields": []},
        ],
    }
    assert roll_state() == before
    # The real run then does what the dry run said.
    real = post(api, pupils_url(world.school), {**batch, "dry_run": False}).json()
    assert (real["added"], real["updated"], real["changed"]) == (1, 1, True)


def test_a_pupil_without_a_upn_on_the_roll_is_matched_as_the_import_matches_and_given_it(
    world: World,
) -> None:
    dob = dob_for(5)
    on_roll = PupilFactory(
        school=world.school,
        legal_first_name="Nia",
        legal_last_name="Noupn",
        date_of_birth=datetime.date.fromisoformat(dob),
        year_group="5",
    )
    sent = {"upn": upn(7), "legal_first_name": "NIA", "legal_last_name": "Noupn"}
    response = post(
        roll_api(world),
        pupils_url(world.school),
        {"pupils": [{**sent, "date_of_birth": dob, "year_group": "5"}]},
    )
    assert response.status_code == 200, response.content
    # Matched whatever the case, as search compares names; the name then as the MIS has it.
    assert response.json()["pupils"] == [
        {
            "index": 0,
            "upn": upn(7),
            "outcome": "updated",
            "id": str(on_roll.pk),
            "fields": ["upn", "legal_first_name"],
        }
    ]
    on_roll.refresh_from_db()
    assert (on_roll.upn, on_roll.legal_first_name) == (upn(7), "NIA")
    assert Pupil.objects.filter(school=world.school).count() == 2  # not a second Nia


def test_a_left_pupil_sent_again_is_back_on_the_roll_as_an_import_does(
    world: World, kept: Pupil
) -> None:
    Pupil.objects.filter(pk=kept.pk).update(
        left_on=datetime.date(2025, 7, 20), leaving_destination="Oak Academy"
    )
    response = post(roll_api(world), pupils_url(world.school), {"pupils": [{"upn": upn(1)}]})
    assert response.status_code == 200
    assert response.json()["pupils"][0]["fields"] == ["left_on"]
    kept.refresh_from_db()
    assert kept.left_on is None
    # No safeguarding records: nobody needs telling.
    assert not Notification.objects.filter(kind=NotificationKind.PUPIL_RETURNED).exists()


def test_a_returner_with_safeguarding_records_is_told_to_the_dsls(
    world: World, kept: Pupil
) -> None:
    """As when a person undoes a leaving by hand: a transfer of the CP file may have started."""
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=kept, reason="Disclosure")
    Pupil.objects.filter(pk=kept.pk).update(
        left_on=datetime.date(2025, 7, 20), leaving_destination="Oak Academy"
    )
    Notification.objects.all().delete()
    response = post(roll_api(world), pupils_url(world.school), {"pupils": [{"upn": upn(1)}]})
    assert response.status_code == 200
    told = Notification.objects.filter(kind=NotificationKind.PUPIL_RETURNED)
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}
    assert all(kept.legal_last_name not in n.title for n in told)


def test_every_problem_is_reported_with_its_field_and_nothing_is_written(
    world: World, kept: Pupil
) -> None:
    wrong_letter = ("C" if upn(4)[0] != "C" else "D") + upn(4)[1:]
    batch = {
        "pupils": [
            joiner(2),  # fine, but not written: another pupil has problems
            joiner(3, upn=wrong_letter),
            joiner(5, date_of_birth=dob_for(1)),  # far too young for Year 7
            {k: v for k, v in joiner(6).items() if k != "legal_last_name"},
            joiner(8, year_group="Year 15", gender="Q"),
            joiner(9, legal_first_name="Twice"),
            joiner(9, legal_first_name="Again", date_of_birth=dob_for(8), year_group="8"),
            joiner(10, upn=""),
            {"upn": upn(1), "joined_on": "31/02/2024"},
        ]
    }
    before = roll_state()

    response = post(roll_api(world), pupils_url(world.school), batch)

    errors = errors_of(response)
    assert [field for field, _ in errors] == [
        "pupils[1].upn",
        "pupils[2].date_of_birth",
        "pupils[3].legal_last_name",
        "pupils[4].year_group",
        "pupils[4].gender",
        "pupils[5].upn",
        "pupils[6].upn",
        "pupils[7].upn",
        "pupils[8].joined_on",
    ]
    messages = dict(errors)
    assert "check letter" in messages["pupils[1].upn"]
    assert "too young for Year 7" in messages["pupils[2].date_of_birth"]
    assert messages["pupils[3].legal_last_name"] == "The request does not give the legal surname"
    assert "is not a year group" in messages["pupils[4].year_group"]
    assert messages["pupils[5].upn"] == f"The UPN {upn(9)} is also in pupils[6]"
    assert messages["pupils[6].upn"] == f"The UPN {upn(9)} is also in pupils[5]"
    assert messages["pupils[7].upn"] == "Enter the UPN: pupils are matched by it"
    assert messages["pupils[8].joined_on"] == "“31/02/2024” is not a real date"
    assert roll_state() == before
    # A dry run refuses the same way.
    assert errors_of(post(roll_api(world), pupils_url(world.school), {**batch, "dry_run": True}))


def test_a_body_that_is_not_a_roll_is_refused_field_by_field(world: World) -> None:
    before = roll_state()
    response = post(
        roll_api(world),
        pupils_url(world.school),
        {
            "pupils": [
                {**joiner(2), "dob": "2014-01-01"},
                {**joiner(3), "left_on": "2026-07-20"},
                joiner(4, fsm_eligible=3),
                "Pupil 4",
                {"legal_first_name": "No UPN key"},
            ],
            "dry_run": "perhaps",
        },
    )
    errors = errors_of(response)
    assert [field for field, _ in errors] == [
        "pupils[0].dob",
        "pupils[1].left_on",
        "pupils[2].fsm_eligible",
        "pupils[3]",
        "pupils[4].upn",
        "dry_run",
    ]
    messages = dict(errors)
    assert messages["pupils[0].dob"].startswith("Not a field this takes: send only upn, ")
    assert "…/leavers/" in messages["pupils[1].left_on"]
    assert messages["pupils[2].fsm_eligible"] == "Must be true, false or null (not recorded)"
    assert roll_state() == before
    assert errors_of(post(roll_api(world), pupils_url(world.school), {"pupils": []})) == [
        ("pupils", "This list may not be empty.")
    ]


def test_more_than_5000_pupils_in_one_call_is_refused_whole(world: World) -> None:
    response = post(
        roll_api(world),
        pupils_url(world.school),
        {"pupils": [{"upn": ""}] * 5001},
    )
    assert response.status_code == 413
    body = problem_of(response)
    assert body["detail"].startswith("Send at most 5,000 pupils in one call; this had 5,001.")


def test_a_body_larger_than_the_api_takes_is_refused_before_it_is_read(
    world: World, settings: Any
) -> None:
    settings.API_LARGEST_BODY = 2048
    before = roll_state()
    response = post(roll_api(world), pupils_url(world.school), {"pupils": [joiner(2)] * 20})
    assert response.status_code == 413
    assert problem_of(response)["detail"].startswith("The API takes bodies of up to 1 MB")
    assert roll_state() == before


# --- The same rules and words as the import screens -------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "column"),
    [
        ("upn", "C881000100011", "UPN"),  # the wrong check letter (the right one is W)
        ("legal_last_name", "=cmd|' /C calc'!A0", "Legal surname"),  # a spreadsheet formula
        ("date_of_birth", "31/02/2016", "Date of birth"),  # no such day
        ("year_group", "Year 15", "Year group"),  # no such year group
    ],
)
def test_what_the_import_screens_refuse_the_api_refuses_in_the_same_words(
    world: World, field: str, text: str, column: str
) -> None:
    sent = joiner(11, **{field: text})
    cells = [
        sent["upn"],
        sent["legal_last_name"],
        sent["legal_first_name"],
        sent["date_of_birth"],
        sent["year_group"],
        "7A",
        "F",
    ]
    roll_import = preview_csv(world.users["admin"], world.school, csv_bytes(",".join(cells)))
    screen = [p["message"] for p in roll_import.problems if p["field"] == column]
    assert len(screen) == 1, roll_import.problems

    response = post(roll_api(world), pupils_url(world.school), {"pupils": [sent]})

    assert errors_of(response) == [(f"pupils[0].{field}", screen[0])]


def test_two_pupils_matching_one_on_the_roll_are_refused_as_the_import_refuses_them(
    world: World, kept: Pupil
) -> None:
    # The roll's pupil by UPN, and again by legal name and date of birth under a new UPN.
    again = {
        "upn": upn(12),
        "legal_first_name": "Kemi",
        "legal_last_name": "Keeper",
        "date_of_birth": kept.date_of_birth.isoformat(),
        "year_group": "6",
    }
    response = post(roll_api(world), pupils_url(world.school), {"pupils": [again]})
    assert errors_of(response) == [
        (
            "pupils[0].upn",
            f"This pupil matches Kemi Keeper (by name and date of birth), who is on the roll with "
            f"the UPN {upn(1)}, not {upn(12)}: correct the UPN in the MIS or on the roll",
        )
    ]


# --- Leavers -----------------------------------------------------------------------------------


def test_leavers_are_marked_through_pupil_leave_and_the_dsls_told_of_one_with_records(
    world: World, kept: Pupil
) -> None:
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=kept, reason="Disclosure")
    quiet = PupilFactory(school=world.school, upn=upn(2), year_group="5")
    Notification.objects.all().delete()
    left_on = timezone.localdate()
    batch = {
        "leavers": [
            {"upn": upn(1), "left_on": left_on.isoformat(), "leaving_destination": "Oak Academy"},
            {"upn": upn(2), "left_on": left_on.isoformat(), "leaving_destination": "  Elm  School"},
        ]
    }

    response = post(roll_api(world), leavers_url(world.school), batch)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["changed"], body["left"], body["updated"], body["unchanged"]) == (True, 2, 0, 0)
    assert body["leavers"] == [
        {
            "index": 0,
            "upn": upn(1),
            "outcome": "left",
            "id": str(kept.pk),
            "fields": ["left_on", "leaving_destination"],
        },
        {
            "index": 1,
            "upn": upn(2),
            "outcome": "left",
            "id": str(quiet.pk),
            "fields": ["left_on", "leaving_destination"],
        },
    ]
    # The answer is the same shape for both: it never says which one has records.
    assert "safeguard" not in response.content.decode().lower()
    kept.refresh_from_db()
    quiet.refresh_from_db()
    assert (kept.left_on, kept.leaving_destination) == (left_on, "Oak Academy")
    assert quiet.leaving_destination == "Elm School"  # tidied as the leaver form tidies it
    told = Notification.objects.filter(kind=NotificationKind.PUPIL_LEFT)
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}
    assert {n.link for n in told} == {f"/pupils/{kept.pk}/"}

    # Sent again: nothing changes, nobody is told twice.
    again = post(roll_api(world), leavers_url(world.school), batch).json()
    assert (again["changed"], again["unchanged"]) == (False, 2)
    assert told.count() == 2
    # A new destination is an update (and the DSLs are not told again, as by hand).
    batch["leavers"][0]["leaving_destination"] = "Birch College"
    changed = post(roll_api(world), leavers_url(world.school), batch).json()
    assert [p["outcome"] for p in changed["leavers"]] == ["updated", "unchanged"]
    assert changed["leavers"][0]["fields"] == ["leaving_destination"]
    assert told.count() == 2


def test_a_dry_run_of_leavers_writes_nothing_and_tells_no_one(world: World, kept: Pupil) -> None:
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=kept, reason="Disclosure")
    Notification.objects.all().delete()
    before = roll_state()
    left_on = timezone.localdate().isoformat()
    response = post(
        roll_api(world),
        leavers_url(world.school),
        {
            "leavers": [{"upn": upn(1), "left_on": left_on, "leaving_destination": "Oak"}],
            "dry_run": True,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["changed"], body["left"]) == (True, False, 1)
    assert body["leavers"][0]["id"] == str(kept.pk)
    assert roll_state() == before
    assert not Notification.objects.exists()


def test_every_leaver_problem_is_reported_and_nothing_is_written(world: World, kept: Pupil) -> None:
    second = PupilFactory(school=world.school, upn=upn(2), joined_on=datetime.date(2021, 9, 1))
    today = timezone.localdate().isoformat()
    Pupil.objects.filter(pk=world.other_pupil.pk).update(upn=upn(90))
    before = roll_state()
    batch = {
        "leavers": [
            {"upn": upn(1), "left_on": today, "leaving_destination": "Oak"},  # fine
            {"upn": upn(2), "left_on": "2020-07-20", "leaving_destination": ""},
            {"upn": upn(3), "left_on": "20/07/20", "leaving_destination": "Oak"},
            # Another school's pupil: the same words as no pupil at all.
            {"upn": upn(90), "left_on": today, "leaving_destination": "X"},
            {"upn": "", "left_on": "9999-12-31", "leaving_destination": "X"},
        ]
    }

    errors = errors_of(post(roll_api(world), leavers_url(world.school), batch))

    assert errors == [
        (
            "leavers[1].left_on",
            "The leaving date must be on or after the date they joined, 1 September 2021",
        ),
        (
            "leavers[1].leaving_destination",
            "Enter where the pupil went: the new school, or another",
        ),
        (
            "leavers[2].upn",
            f"No pupil on the school's roll has the UPN {upn(3)}: check it against the MIS",
        ),
        ("leavers[2].left_on", "“20/07/20” is not a date: write it like 25/12/2015"),
        (
            "leavers[3].upn",
            f"No pupil on the school's roll has the UPN {upn(90)}: check it against the MIS",
        ),
        ("leavers[4].upn", "Enter the UPN: pupils are matched by it"),
        ("leavers[4].left_on", "“9999-12-31” is not a plausible date: check the year"),
    ]
    assert roll_state() == before
    second.refresh_from_db()
    assert second.left_on is None


# --- The roll read back ------------------------------------------------------------------------


def test_the_roll_reads_back_as_the_mis_sees_it_and_nothing_of_safeguarding(
    world: World, kept: Pupil
) -> None:
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=kept, reason="Disclosure")
    response = roll_api(world).get(pupils_url(world.school))
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["previous"] is None
    by_upn = {p["upn"]: p for p in body["results"]}
    assert set(by_upn) == {upn(1), world.pupil.upn}
    assert by_upn[upn(1)] == {
        "id": str(kept.pk),
        "upn": upn(1),
        "legal_first_name": "Kemi",
        "legal_middle_names": "",
        "legal_last_name": "Keeper",
        "preferred_first_name": "",
        "preferred_last_name": "",
        "date_of_birth": kept.date_of_birth.isoformat(),
        "year_group": "6",
        "joined_on": kept.joined_on.isoformat(),
        "left_on": None,
        "on_roll": True,
        "updated_at": kept.updated_at.isoformat().replace("+00:00", "Z"),
    }
    text = response.content.decode().lower()
    for word in ("concern", "cp_", "protection", "disclosure", "safeguard"):
        assert word not in text
    assert str(world.other_pupil.pk) not in text


def test_the_roll_filters_by_on_roll_and_by_time_of_change(world: World, kept: Pupil) -> None:
    api = roll_api(world)
    left = PupilFactory(school=world.school, upn=upn(3))
    Pupil.objects.filter(pk=left.pk).update(
        left_on=datetime.date(2025, 7, 20), updated_at=timezone.now() - datetime.timedelta(days=3)
    )

    def ids(query: str) -> set[str]:
        response = api.get(pupils_url(world.school) + query)
        assert response.status_code == 200, response.content
        return {p["id"] for p in response.json()["results"]}

    everyone = {str(kept.pk), str(world.pupil.pk), str(left.pk)}
    assert ids("") == everyone
    assert ids("?on_roll=true") == everyone - {str(left.pk)}
    assert ids("?on_roll=false") == {str(left.pk)}
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids("?updated_since=" + since.replace("+", "%2B")) == everyone - {str(left.pk)}

    for query, field in (
        ("?on_roll=perhaps", "on_roll"),
        ("?updated_since=Tuesday", "updated_since"),
    ):
        response = api.get(pupils_url(world.school) + query)
        assert response.status_code == 400
        assert [e["field"] for e in problem_of(response)["errors"]] == [field]


def test_a_page_of_the_roll_has_an_etag_and_an_unchanged_page_answers_304(
    world: World, kept: Pupil
) -> None:
    api = roll_api(world)
    first = api.get(pupils_url(world.school))
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first["Cache-Control"] == "private, no-cache"

    unchanged = api.get(pupils_url(world.school), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert api.get(pupils_url(world.school), HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304

    post(api, pupils_url(world.school), {"pupils": [{"upn": upn(1), "year_group": "7"}]})
    changed = api.get(pupils_url(world.school), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    # Another page (another filter) is another version.
    assert api.get(pupils_url(world.school) + "?on_roll=false")["ETag"] != changed["ETag"]


def test_the_roll_is_paged_by_cursor_with_every_pupil_once(world: World) -> None:
    for n in range(2, 9):
        PupilFactory(school=world.school, upn=upn(n))
    api = roll_api(world)
    seen: list[str] = []
    url: str | None = pupils_url(world.school) + "?page_size=3"
    pages = 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    expected = Pupil.objects.filter(school=world.school).order_by("id").values_list("id", flat=True)
    assert seen == [str(pk) for pk in expected]  # in id order, none twice, none missed


def test_reading_the_roll_takes_the_same_queries_however_long_it_is(world: World) -> None:
    api = roll_api(world)
    url = pupils_url(world.school)
    api.get(url)  # once first: cold caches cost more

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            response = api.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    before = count()
    for n in range(2, 40):
        PupilFactory(school=world.school, upn=upn(n))
    after = count()
    assert before == after == 7


def test_a_batch_takes_the_same_queries_however_many_pupils_it_names(world: World) -> None:
    api = roll_api(world)
    post(api, pupils_url(world.school), {"pupils": [joiner(90)]})  # once first: cold caches

    def count(url: str, body: dict[str, Any]) -> int:
        with CaptureQueriesContext(connection) as context:
            response = post(api, url, body)
        assert response.status_code == 200, response.content
        assert response.json()["changed"] is True
        return len(context.captured_queries)

    few = count(pupils_url(world.school), {"pupils": [joiner(n) for n in range(1, 3)]})
    many = count(pupils_url(world.school), {"pupils": [joiner(n) for n in range(3, 40)]})
    assert few == many

    today = timezone.localdate().isoformat()

    def leavers(numbers: range) -> dict[str, Any]:
        return {
            "leavers": [
                {"upn": upn(n), "left_on": today, "leaving_destination": "Oak"} for n in numbers
            ]
        }

    assert count(leavers_url(world.school), leavers(range(1, 3))) == count(
        leavers_url(world.school), leavers(range(3, 40))
    )


# --- Tenancy and scope -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", pupils_url, None),
        ("post", pupils_url, {"pupils": [{"upn": upn(1), "year_group": "7"}]}),
        (
            "post",
            leavers_url,
            {"leavers": [{"upn": upn(1), "left_on": "", "leaving_destination": ""}]},
        ),
    ],
)
def test_another_schools_id_is_the_same_404_as_a_missing_one(
    world: World, method: str, url: Any, body: Any
) -> None:
    api = roll_api(world)
    before = roll_state()
    other = getattr(api, method)(url(world.other_school), body, content_type="application/json")
    missing = getattr(api, method)(
        url(School(pk=999_999_999)), body, content_type="application/json"
    )
    assert other.status_code == missing.status_code == 404
    assert problem_of(other) == problem_of(missing)
    assert roll_state() == before


@pytest.mark.parametrize(
    ("method", "url"), [("get", pupils_url), ("post", pupils_url), ("post", leavers_url)]
)
def test_a_client_without_roll_write_is_refused(world: World, method: str, url: Any) -> None:
    api = roll_api(world, scopes=("alerts:write", "figures:read"))
    before = roll_state()
    response = getattr(api, method)(
        url(world.school), {"pupils": [joiner(2)]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert problem_of(response)["type"].endswith("/forbidden")
    assert roll_state() == before


def test_a_schools_roll_client_keeps_its_own_roll_and_no_sibling_schools(
    world: World,
) -> None:
    """No trust role keeps a roll, so no trust-wide client is given `roll:write`
    (test_clients.py); a school's client reaches its own school only, not a sibling's."""
    add_sibling(world)
    sibling = world.sibling_school
    assert sibling is not None
    api = roll_api(world)
    assert post(api, pupils_url(sibling), {"pupils": [joiner(2)]}).status_code == 404
    assert post(api, pupils_url(world.other_school), {"pupils": [joiner(3)]}).status_code == 404
    response = post(api, pupils_url(world.school), {"pupils": [joiner(2)]})
    assert response.status_code == 200, response.content
    assert Pupil.objects.get(upn=upn(2)).school == world.school


def test_the_same_upn_at_another_school_is_never_seen(world: World) -> None:
    PupilFactory(school=world.other_school, upn=upn(2), legal_first_name="Other")
    response = post(roll_api(world), pupils_url(world.school), {"pupils": [joiner(2)]})
    assert response.status_code == 200
    assert response.json()["pupils"][0]["outcome"] == "added"
    assert Pupil.objects.get(school=world.other_school, upn=upn(2)).legal_first_name == "Other"


def test_one_upn_sent_many_times_as_leavers_names_only_a_few_other_places(
    world: World, kept: Pupil
) -> None:
    """Each repeat is a problem, naming five other places and how many more (not every one: 5,000
    repeats would be 25 million names)."""
    leaver = {"upn": upn(1), "left_on": "2026-01-01", "leaving_destination": "Oak Academy"}
    response = post(roll_api(world), leavers_url(world.school), {"leavers": [leaver] * 300})
    assert response.status_code == 400
    errors = problem_of(response)["errors"]
    assert len(errors) == 300
    assert errors[0]["message"].endswith("leavers[5] and 294 more")
    assert len(response.content) < 100_000


@pytest.mark.parametrize("position", ["zzz", "1 OR 1=1", "\x00"])
def test_a_cursor_no_page_gave_is_refused_not_a_server_error(
    world: World, kept: Pupil, position: str
) -> None:
    import base64
    from urllib.parse import urlencode

    cursor = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = roll_api(world).get(pupils_url(world.school), {"cursor": cursor})
    assert response.status_code == 404
    assert problem_of(response)["detail"] == "Invalid cursor"
