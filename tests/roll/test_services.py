"""The roll kept by hand: every rule, the duplicates, leavers and the DSL told to transfer the CP
file, a leaving undone, and that nothing about a pupil is deleted (docs/adr/0022)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roll import services
from roll.selectors import pupil_duplicates_for, pupils_with_safeguarding_records
from safeguard.models import Notification
from safeguard.notifications import NotificationKind
from schools.models import Pupil
from tests.support.factories import PupilFactory, member
from tests.support.roll import UPN_A, UPN_B, details
from tests.support.world import World

D = datetime.date


def add(world: World, actor: str = "admin", **overrides: Any) -> Pupil:
    return services.pupil_add(actor=world.users[actor], school=world.school, **details(**overrides))


def problems_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- Adding and changing ------------------------------------------------------------------------


def test_the_administrator_adds_a_pupil_with_every_detail(world: World) -> None:
    pupil = add(world, upn=UPN_A.lower() + " ", ethnicity="wbri", registration_group=" 4K ")
    pupil.refresh_from_db()
    assert pupil.school == world.school
    assert (pupil.upn, pupil.ethnicity, pupil.registration_group) == (UPN_A, "WBRI", "4K")
    assert (pupil.fsm_eligible, pupil.pupil_premium, pupil.looked_after) == (True, None, False)
    assert pupil.sen_provision == "K"
    assert pupil.gender == "F"
    assert "zoe" in pupil.search_text
    assert "obrien" in pupil.search_text


def test_the_dsl_keeps_the_roll_too_and_no_one_else_does(world: World) -> None:
    assert add(world, actor="dsl").school == world.school
    for role in ("staff", "deputy", "head", "governor", "tso", "other_dsl"):
        with pytest.raises(PermissionDenied):
            add(world, actor=role, upn="")


def test_a_roll_keeper_of_another_school_cannot_change_this_schools_pupil(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.pupil_update(
            actor=world.users["other_dsl"], pupil=world.pupil, legal_first_name="Changed"
        )
    with pytest.raises(PermissionDenied):
        services.pupil_leave(
            actor=world.users["other_dsl"],
            pupil=world.pupil,
            left_on=timezone.localdate(),
            leaving_destination="Elsewhere",
        )
    with pytest.raises(PermissionDenied):
        services.pupils_left_notify(
            school=world.school, pupil_ids=[world.pupil.pk], actor=world.users["other_dsl"]
        )
    world.pupil.refresh_from_db()
    assert world.pupil.legal_first_name == "Aaliyah"
    assert world.pupil.left_on is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"legal_first_name": "  "}, "legal_first_name", "Enter the pupil's legal first name"),
        ({"legal_last_name": ""}, "legal_last_name", "Enter the pupil's legal last name"),
        ({"year_group": "14"}, "year_group", "Choose the pupil's year group"),
        ({"upn": "A12345678901"}, "upn", "A UPN has 13 characters; this has 12"),
        ({"upn": "1234567890123"}, "upn", "A UPN is a capital letter"),
        ({"upn": "Z" + UPN_A[1:]}, "upn", f"should be {UPN_A[0]}, not Z"),
        (
            {"ethnicity": "XXXX"},
            "ethnicity",
            "XXXX is not a DfE ethnicity code: use a code like WBRI",
        ),
        ({"ethnicity": "WB"}, "ethnicity", "Enter a DfE ethnicity code"),
        ({"date_of_birth": None}, "date_of_birth", "Enter the date of birth"),
        ({"date_of_birth": D(9999, 1, 1)}, "date_of_birth", "must be in the past"),
        ({"date_of_birth": D(1900, 1, 1)}, "date_of_birth", "cannot be older than 25"),
        (
            {"year_group": "11"},
            "date_of_birth",
            "is too young for Year 11: check the date of birth",
        ),
        ({"joined_on": None}, "joined_on", "Enter the date the pupil joined"),
        ({"joined_on": D(9999, 9, 1)}, "joined_on", "within the next year"),
        ({"joined_on": D(1950, 9, 1)}, "joined_on", "too long ago"),
    ],
)
def test_each_rule_refuses_with_its_words_beside_its_field(
    world: World, overrides: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        add(world, **overrides)
    assert words in " ".join(problems_of(excinfo)[field])
    assert not Pupil.objects.filter(legal_last_name="O'Brien").exists()


def test_a_pupil_cannot_have_joined_before_they_were_two(world: World) -> None:
    dob = details()["date_of_birth"]
    with pytest.raises(ValidationError) as excinfo:
        add(world, joined_on=dob + datetime.timedelta(days=300))
    assert "under 2 when they joined" in problems_of(excinfo)["joined_on"][0]


def test_a_blank_upn_and_blank_characteristics_are_not_recorded(world: World) -> None:
    pupil = add(world, upn="", ethnicity="", gender="", sen_provision="", fsm_eligible=None)
    assert (pupil.upn, pupil.ethnicity, pupil.gender, pupil.fsm_eligible) == ("", "", "", None)


def test_an_extended_ethnicity_code_is_kept(world: World) -> None:
    assert add(world, ethnicity="WENG").ethnicity == "WENG"


# --- Duplicates ---------------------------------------------------------------------------------


def test_a_upn_already_used_by_a_leaver_is_refused_beside_the_upn(world: World) -> None:
    first = add(world, legal_first_name="Amir", legal_last_name="Khan")
    services.pupil_leave(
        actor=world.users["admin"],
        pupil=first,
        left_on=timezone.localdate(),
        leaving_destination="Oak Academy",
    )
    with pytest.raises(ValidationError) as excinfo:
        add(world)
    assert problems_of(excinfo)["upn"] == [
        "This UPN is already used by Amir Khan (who has left): check it against the MIS"
    ]
    found = pupil_duplicates_for(
        school=world.school,
        upn=UPN_A,
        legal_first_name="x",
        legal_last_name="y",
        date_of_birth=None,
    )
    assert found.upn == first


def test_the_same_upn_in_another_school_is_not_a_duplicate_here(world: World) -> None:
    PupilFactory(school=world.other_school, upn=UPN_A)
    assert add(world).upn == UPN_A


@pytest.mark.parametrize(
    ("first", "last"), [("ZOE", "obrien"), ("Zoë", "O’Brien"), ("zoe", "o'brien")]
)
def test_the_same_name_and_birthday_asks_for_a_check_whatever_the_spelling(
    world: World, first: str, last: str
) -> None:
    existing = add(world, upn="")
    with pytest.raises(ValidationError) as excinfo:
        add(world, upn=UPN_B, legal_first_name=first, legal_last_name=last)
    assert "legal_first_name" not in problems_of(excinfo)  # the name itself is fine
    message = problems_of(excinfo)["different_child"][0]
    assert "Zoë O'Brien, born on the same day, is already on the roll" in message
    assert "I have checked: this is a different child" in message
    # Ticked: the save goes ahead, and the namesake is untouched.
    twin = add(world, upn=UPN_B, legal_first_name=first, legal_last_name=last, different_child=True)
    assert twin.pk != existing.pk
    assert (
        Pupil.objects.filter(school=world.school, date_of_birth=existing.date_of_birth).count() == 2
    )


def test_a_different_birthday_or_middle_name_only_is_no_duplicate(world: World) -> None:
    existing = add(world, upn="")
    other_day = existing.date_of_birth + datetime.timedelta(days=1)
    assert add(world, upn="", date_of_birth=other_day).pk
    # Middle names are not compared: the same first and last name and birthday still asks.
    with pytest.raises(ValidationError):
        add(world, upn="", legal_middle_names="Rose")


def test_changing_a_pupil_saved_beside_a_namesake_does_not_ask_again(world: World) -> None:
    add(world, upn="")
    twin = add(world, upn="", different_child=True)
    changed = services.pupil_update(actor=world.users["admin"], pupil=twin, registration_group="4M")
    assert changed.registration_group == "4M"


def test_renaming_a_pupil_into_a_namesake_asks(world: World) -> None:
    add(world, upn="")
    other = add(world, upn="", legal_first_name="Maya")
    with pytest.raises(ValidationError) as excinfo:
        services.pupil_update(actor=world.users["admin"], pupil=other, legal_first_name="Zoe")
    assert "born on the same day" in problems_of(excinfo)["different_child"][0]


def test_a_pupil_is_not_their_own_duplicate(world: World) -> None:
    pupil = add(world)
    changed = services.pupil_update(
        actor=world.users["dsl"], pupil=pupil, preferred_first_name="Zo", upn=UPN_A
    )
    assert changed.preferred_first_name == "Zo"
    assert changed.display_name == "Zo O'Brien"


def test_changing_details_never_changes_leaving_or_school(world: World) -> None:
    pupil = add(world)
    with pytest.raises(TypeError):
        services.pupil_update(actor=world.users["admin"], pupil=pupil, left_on=D(2026, 1, 1))
    with pytest.raises(TypeError):
        services.pupil_update(actor=world.users["admin"], pupil=pupil, school=world.other_school)


# --- Leavers ------------------------------------------------------------------------------------


def _with_safeguarding_records(world: World, pupil: Pupil) -> None:
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=pupil, reason="Disclosure")


def _leave(world: World, pupil: Pupil, actor: str = "admin", **overrides: Any) -> Pupil:
    arguments = {"left_on": timezone.localdate(), "leaving_destination": "Oak Academy, Chelmsford"}
    return services.pupil_leave(actor=world.users[actor], pupil=pupil, **arguments | overrides)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"left_on": None}, "left_on", "Enter the date the pupil left"),
        ({"left_on": D(2000, 1, 1)}, "left_on", "on or after the date they joined"),
        ({"left_on": D(9999, 12, 31)}, "left_on", "within the next year"),
        ({"leaving_destination": "  "}, "leaving_destination", "Enter where the pupil went"),
        ({"leaving_destination": "x" * 201}, "leaving_destination", "200 characters or fewer"),
    ],
)
def test_leaving_rules(world: World, overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _leave(world, world.pupil, **overrides)
    assert words in problems_of(excinfo)[field][0]
    world.pupil.refresh_from_db()
    assert world.pupil.left_on is None


def test_leaving_keeps_the_pupil_and_every_record(world: World) -> None:
    from chronology.models import ChronologyEntry, CpFile

    _with_safeguarding_records(world, world.pupil)
    entries = ChronologyEntry.objects.filter(pupil=world.pupil).count()
    pupil = _leave(world, world.pupil)
    pupil.refresh_from_db()
    assert pupil.left_on == timezone.localdate()
    assert pupil.leaving_destination == "Oak Academy, Chelmsford"
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).count() == 1
    assert ChronologyEntry.objects.filter(pupil=pupil).count() == entries
    # Off the roll: no longer in today's list, still found with leavers.
    from schools.selectors import pupil_list_for

    admin = world.users["admin"]
    assert pupil not in pupil_list_for(actor=admin, school=world.school)
    assert pupil in pupil_list_for(actor=admin, school=world.school, include_left=True)


def test_there_is_no_way_to_delete_a_pupil(world: World) -> None:
    assert not [name for name in dir(services) if "delete" in name or "remove" in name]
    from django.db.models import ProtectedError

    _with_safeguarding_records(world, world.pupil)
    with pytest.raises(ProtectedError):
        world.pupil.delete()


def test_a_leaver_with_safeguarding_records_is_told_to_the_dsls_and_deputies(
    world: World,
) -> None:
    from transfers.services import transfer_deadline

    _with_safeguarding_records(world, world.pupil)
    Notification.objects.all().delete()
    left_on = timezone.localdate()
    _leave(world, world.pupil, left_on=left_on)
    told = Notification.objects.filter(kind=NotificationKind.PUPIL_LEFT)
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}
    deadline = transfer_deadline(school=world.school, leaving_date=left_on)
    for n in told:
        assert n.school == world.school
        assert n.link == reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
        assert f"{deadline.due:%A %-d %B %Y}" in n.title
        assert deadline.rule in n.title
        # No child's name in the title (it goes by email).
        for name in ("Aaliyah", "Alphason", world.pupil.upn or "Alphason"):
            assert name not in n.title
    # Changing the leaving date or destination later does not tell them again.
    _leave(world, world.pupil, leaving_destination="Elm School")
    assert told.count() == 2


def test_a_leaver_with_no_safeguarding_records_tells_no_one(world: World) -> None:
    Notification.objects.all().delete()
    _leave(world, world.pupil)
    assert not Notification.objects.exists()


def test_a_draft_concern_is_not_yet_a_safeguarding_record(world: World) -> None:
    from concerns import services as concern_services

    concern = concern_services.concern_start(actor=world.users["staff"], school=world.school)
    concern_services.concern_pupil_add(
        actor=world.users["staff"], concern=concern, pupil=world.pupil
    )
    assert not pupils_with_safeguarding_records(school=world.school, pupil_ids=[world.pupil.pk])


def test_a_pupil_already_being_transferred_is_not_told_again(world: World) -> None:
    from transfers import services as transfer_services

    _with_safeguarding_records(world, world.pupil)
    transfer_services.transfer_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        leaving_date=timezone.localdate(),
        destination_name="Oak Academy",
        destination_address="1 Oak Lane, Chelmsford",
        queue_export=False,
    )
    Notification.objects.all().delete()
    told = services.pupils_left_notify(
        school=world.school, pupil_ids=[world.pupil.pk], actor=world.users["admin"]
    )
    assert told == 0
    assert not Notification.objects.exists()


def test_pupils_left_notify_for_a_bulk_import(world: World) -> None:
    """What the roll import calls for its leavers: one notification per pupil with records,
    none for the rest, in a fixed number of queries however many pupils left."""
    with_records = [PupilFactory(school=world.school) for _ in range(3)]
    without = [PupilFactory(school=world.school) for _ in range(5)]
    for pupil in with_records:
        _with_safeguarding_records(world, pupil)
    today = timezone.localdate()
    Pupil.objects.filter(pk__in=[p.pk for p in with_records + without]).update(left_on=today)
    Notification.objects.all().delete()
    ids = [p.pk for p in with_records + without]
    with CaptureQueriesContext(connection) as queries:
        found = pupils_with_safeguarding_records(school=world.school, pupil_ids=ids)
    assert found == {p.pk for p in with_records}
    assert len(queries) <= 9
    told = services.pupils_left_notify(
        school=world.school, pupil_ids=ids, actor=world.users["admin"]
    )
    assert told == 3
    links = set(Notification.objects.values_list("link", flat=True))
    assert links == {reverse("pupil-detail", kwargs={"pk": p.pk}) for p in with_records}
    assert (
        services.pupils_left_notify(school=world.school, pupil_ids=[], actor=world.users["admin"])
        == 0
    )


def test_pupils_left_notify_never_reaches_another_schools_pupil(world: World) -> None:
    other = world.other_pupil
    from chronology import services as chronology_services

    chronology_services.cp_file_open(actor=world.users["other_dsl"], pupil=other, reason="x")
    Pupil.objects.filter(pk=other.pk).update(left_on=timezone.localdate())
    Notification.objects.all().delete()
    told = services.pupils_left_notify(
        school=world.school, pupil_ids=[other.pk], actor=world.users["admin"]
    )
    assert told == 0
    assert not Notification.objects.exists()


# --- A leaving undone ---------------------------------------------------------------------------


def test_a_leaving_recorded_by_mistake_is_undone(world: World) -> None:
    _with_safeguarding_records(world, world.pupil)
    _leave(world, world.pupil)
    Notification.objects.all().delete()
    pupil = services.pupil_leaving_undo(actor=world.users["admin"], pupil=world.pupil)
    pupil.refresh_from_db()
    assert pupil.left_on is None
    assert pupil.leaving_destination == ""
    assert pupil.is_on_roll()
    told = Notification.objects.filter(kind=NotificationKind.PUPIL_RETURNED)
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}
    assert all("Aaliyah" not in n.title for n in told)
    with pytest.raises(ValidationError):
        services.pupil_leaving_undo(actor=world.users["admin"], pupil=world.pupil)


def test_undoing_a_leaving_of_a_pupil_without_records_tells_no_one(world: World) -> None:
    _leave(world, world.pupil)
    services.pupil_leaving_undo(actor=world.users["dsl"], pupil=world.pupil)
    assert not Notification.objects.exists()


def test_the_date_joined_cannot_move_after_the_leaving_date(world: World) -> None:
    pupil = _leave(world, world.pupil, left_on=D(2025, 7, 18))
    with pytest.raises(ValidationError) as excinfo:
        services.pupil_update(actor=world.users["admin"], pupil=pupil, joined_on=D(2025, 9, 1))
    assert "on or before the date they left, 18 July 2025" in problems_of(excinfo)["joined_on"][0]


def test_a_new_roll_keeper_is_told_like_any_dsl(world: World) -> None:
    """A second DSL added later is among those told (recipients are looked up each time)."""
    second = member(world.school, "dsl", email="second-dsl@alpha.example")
    _with_safeguarding_records(world, world.pupil)
    Notification.objects.all().delete()
    _leave(world, world.pupil)
    assert Notification.objects.filter(recipient=second, kind=NotificationKind.PUPIL_LEFT).exists()


def _locks_the_school(queries: CaptureQueriesContext, world: World) -> bool:
    return any(
        'FROM "schools_school"' in q["sql"]
        and "FOR UPDATE" in q["sql"]
        and str(world.school.pk).replace("-", "") in q["sql"].replace("-", "")
        for q in queries.captured_queries
    )


def test_every_hand_change_takes_the_rolls_lock_as_an_import_apply_does(world: World) -> None:
    """A hand change and an import's apply both lock the school's row first, so neither can
    write between the other's check and its writes (a lost edit, or a failed apply)."""
    admin = world.users["admin"]
    with CaptureQueriesContext(connection) as added:
        pupil = add(world)
    with CaptureQueriesContext(connection) as changed:
        services.pupil_update(actor=admin, pupil=pupil, registration_group="4C")
    with CaptureQueriesContext(connection) as left:
        services.pupil_leave(
            actor=admin, pupil=pupil, left_on=timezone.localdate(), leaving_destination="Abroad"
        )
    with CaptureQueriesContext(connection) as undone:
        services.pupil_leaving_undo(actor=admin, pupil=pupil)
    assert [_locks_the_school(q, world) for q in (added, changed, left, undone)] == [True] * 4
