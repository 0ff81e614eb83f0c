"""Missing children (003 Appendix C) and children missing education: the services' rules."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry, EntryKind
from concerns.missing import absences, content, episodes, rules, selectors
from concerns.missing.selectors import (
    absence_list_for,
    absence_state,
    missing_checklist,
    missing_count_last_12_months,
    missing_episode_list_for,
)
from concerns.models import MissingEpisode, MissingStep
from safeguard.models import Notification
from safeguard.workdays import LONDON
from tests.support.factories import PupilFactory, member
from tests.support.records.missing import (
    episode_all_steps,
    episode_start,
    episode_step,
    school_day,
)
from tests.support.world import World

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _problems(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- Reporting a pupil missing ------------------------------------------------------------------


def test_any_staff_member_reports_a_pupil_missing_and_the_dsls_are_alerted_without_the_name(
    world: World,
) -> None:
    deputy = world.users["deputy"]
    episode = episode_start(world)
    assert episode.school == world.school
    assert episode.reporter_name == world.users["staff"].full_name
    alerts = Notification.objects.filter(kind="missing_child")
    assert {n.recipient for n in alerts} == {world.users["dsl"], deputy}
    for alert in alerts:
        assert alert.urgent
        assert alert.link == f"/missing/{episode.pk}/"
        assert world.pupil.legal_first_name not in alert.title
        assert world.pupil.legal_last_name not in alert.title
    entry = ChronologyEntry.objects.get(kind=EntryKind.MISSING_REPORTED)
    assert entry.pupil == world.pupil
    assert entry.occurred_at == episode.missing_since
    assert entry.significant
    assert "Reported missing from school by" in entry.details
    assert "Leaving the Year 9 science lesson" in entry.details
    assert entry.source_id == str(episode.pk)
    assert len(entry.source_hash) == 64


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"last_seen_at": "later"}, "last_seen_at", "must be before they were found to be missing"),
        ({"missing_since": "future"}, "missing_since", "must not be in the future"),
        ({"last_seen_details": " "}, "last_seen_details", "Enter where the pupil was last seen"),
        ({"missing_since": None}, "missing_since", "Enter when you found the pupil was missing"),
    ],
)
def test_a_report_with_bad_times_or_nothing_about_last_seen_is_refused(
    world: World, values: dict[str, Any], field: str, message: str
) -> None:
    now = timezone.now()
    swap = {"later": now - 10 * MINUTE, "future": now + HOUR}
    kw = {k: swap[v] if isinstance(v, str) and v in swap else v for k, v in values.items()}
    with pytest.raises(ValidationError) as excinfo:
        episode_start(world, at=now - HOUR, **kw)
    assert message in _problems(excinfo)[field][0]
    assert not MissingEpisode.objects.exists()
    assert not ChronologyEntry.objects.exists()


def test_a_pupil_already_missing_is_not_reported_twice(world: World) -> None:
    episode_start(world)
    with pytest.raises(ValidationError) as excinfo:
        episode_start(world)
    assert "already reported missing" in _problems(excinfo)["__all__"][0]
    assert MissingEpisode.objects.count() == 1


@pytest.mark.parametrize("role", ["governor", "tso", "other_dsl"])
def test_only_people_who_log_concerns_in_the_pupils_school_report_missing(
    world: World, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        episodes.missing_episode_start(
            actor=world.users[role],
            pupil=world.pupil,
            missing_since=timezone.now(),
            last_seen_at=timezone.now() - HOUR,
            last_seen_details="Assembly",
        )


# --- Recording the steps ------------------------------------------------------------------------


def test_each_step_is_recorded_with_its_own_time_and_the_checklist_keeps_protocol_order(
    world: World,
) -> None:
    episode = episode_start(world)
    t = episode.missing_since
    episode_step(world, episode, "parents_told", t + 9 * MINUTE, person="Father")
    episode_step(world, episode, "searched", t + 2 * MINUTE, notes="Toilets, field, car park")
    lines = missing_checklist(episode=episode)
    assert [line.step for line in lines] == list(MissingStep)
    assert [line.step.value for line in lines if line.done] == ["searched", "parents_told"]
    assert lines[0].record.done_at == t + 2 * MINUTE
    assert lines[0].record.recorder_name == world.users["dsl"].full_name
    # The police step can be recorded; telling the police of the return cannot yet.
    can = {line.step.value: line.can_record for line in lines}
    assert can["police_reported"]
    assert not can["police_told_of_return"]


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (-5 * MINUTE, "must not be before the pupil was found to be missing"),
        (2 * HOUR, "must not be in the future"),
    ],
)
def test_a_step_time_before_the_episode_began_or_in_the_future_is_refused(
    world: World, offset: datetime.timedelta, message: str
) -> None:
    episode = episode_start(world)
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, "searched", episode.missing_since + offset)
    assert message in _problems(excinfo)["done_at"][0]


def test_reporting_to_the_police_needs_the_number_called_and_the_incident_number(
    world: World,
) -> None:
    episode = episode_start(world)
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, "police_reported", episode.missing_since + 10 * MINUTE)
    problems = _problems(excinfo)
    assert problems["incident_number"] == ["Enter the police incident number"]
    assert problems["police_line"] == ["Select whether you called 101 or 999"]
    row = episode_step(
        world,
        episode,
        "police_reported",
        episode.missing_since + 10 * MINUTE,
        police_line="999",
        incident_number=" CAD 1234 ",
    )
    assert (row.police_line, row.incident_number) == ("999", "CAD 1234")


def test_found_needs_who_where_and_a_time_after_last_seen(world: World) -> None:
    at = timezone.now() - HOUR
    episode = episode_start(world, at=at, last_seen_at=at)  # noticed the moment they went
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, "found", at)
    problems = _problems(excinfo)
    assert "must be after the pupil was last seen" in problems["done_at"][0]
    assert problems["person"] == ["Enter who found the pupil"]
    assert problems["place"] == ["Enter where the pupil was found"]


def test_a_step_is_recorded_once_and_only_by_the_dsl_or_a_deputy(world: World) -> None:
    episode = episode_start(world)
    at = episode.missing_since + MINUTE
    for role in ["staff", "head", "admin", "tso", "other_dsl"]:
        with pytest.raises(PermissionDenied):
            episodes.missing_step_record(
                actor=world.users[role], episode=episode, step="searched", done_at=at, notes="Hall"
            )
    episode_step(world, episode, "searched", at, notes="Hall")
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, "searched", at, notes="Hall")
    assert _problems(excinfo)["__all__"] == ["This step has already been recorded."]


def test_the_police_are_told_of_a_return_only_after_a_report_and_once_found(world: World) -> None:
    episode = episode_start(world)
    t = episode.missing_since
    with pytest.raises(ValidationError, match="were not told"):
        episode_step(world, episode, "police_told_of_return", t + 30 * MINUTE)
    episode_step(world, episode, "police_reported", t + 10 * MINUTE, police_line="101",
          incident_number="42")  # fmt: skip
    with pytest.raises(ValidationError, match="found first"):
        episode_step(world, episode, "police_told_of_return", t + 30 * MINUTE)
    episode_step(world, episode, "found", t + 20 * MINUTE, person="Mother", place="At home")
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, "police_told_of_return", t + 15 * MINUTE)
    assert "before the pupil was found" in _problems(excinfo)["done_at"][0]


# --- Closing ------------------------------------------------------------------------------------


def test_an_episode_closes_only_once_found_and_the_police_know_of_the_return(world: World) -> None:
    episode = episode_start(world)
    t = episode.missing_since
    with pytest.raises(ValidationError, match="found"):
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    episode_step(world, episode, "police_reported", t + 10 * MINUTE, police_line="101",
          incident_number="42")  # fmt: skip
    episode_step(world, episode, "found", t + 20 * MINUTE, person="Mother", place="At home")
    with pytest.raises(ValidationError, match="Tell the police"):
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    assert not ChronologyEntry.objects.filter(kind=EntryKind.MISSING_CLOSED).exists()


def test_closing_signs_the_episode_and_writes_every_step_into_the_chronology(world: World) -> None:
    episode = episode_start(world)
    episode_all_steps(world, episode)
    with pytest.raises(PermissionDenied):
        episodes.missing_episode_close(actor=world.users["head"], episode=episode)
    closed = episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    assert closed.closed_by == world.users["dsl"]
    assert len(closed.content_hash) == 64
    entry = ChronologyEntry.objects.get(kind=EntryKind.MISSING_CLOSED)
    found_at = episode.missing_since + 40 * MINUTE
    assert entry.occurred_at == found_at
    assert entry.source_hash == closed.content_hash
    local = timezone.localtime(found_at)
    assert f"Found at {local:%H:%M on %d/%m/%Y} by PC Jones, at Central Park" in entry.details
    assert "(40 minutes)" in entry.details
    assert "Reported to the police at" in entry.details
    assert "(called 101, incident INC-4521)" in entry.details
    assert "Social worker told: not applicable" in entry.details
    assert verify_chain(school_id=world.school.pk).ok
    # Closed: the steps are fixed, except the return interview, which the LA offers later.
    with pytest.raises(ValidationError, match="closed"):
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    offered = episode_step(world, episode, "return_interview", timezone.now() - MINUTE, person="LA")
    assert offered.step == "return_interview"


def test_an_episode_found_before_the_police_were_called_closes_with_why_they_were_not(
    world: World,
) -> None:
    episode = episode_start(world)
    episode_step(world, episode, "searched", episode.missing_since + MINUTE, notes="Hall and field")
    _told_parents_and_no_social_worker(world, episode)
    episode_step(world, episode, "found", episode.missing_since + 3 * MINUTE, person="Caretaker",
          place="Behind the sports hall")  # fmt: skip
    # Step 4 never recorded, and no reason given: the episode stays open.
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_episode_close(actor=world.users["deputy"], episode=episode)
    assert _problems(excinfo) == {
        "police_reported": [
            "Record the report to the police, or why the police were not called (for example, "
            "the pupil was found on the premises within minutes)"
        ]
    }
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_step_record(
            actor=world.users["deputy"], episode=episode, step="police_reported",
            not_applicable=True, notes="  ",
        )  # fmt: skip
    assert _problems(excinfo) == {
        "notes": [
            "Enter why the police were not called, for example, the pupil was found on the "
            "premises within minutes"
        ]
    }
    not_called = episodes.missing_step_record(
        actor=world.users["deputy"], episode=episode, step="police_reported",
        not_applicable=True, notes="Found on the premises within minutes",
        police_line="101", incident_number="typed, then not called",
    )  # fmt: skip
    assert (not_called.done_at, not_called.police_line, not_called.incident_number) == (
        None, "", ""
    )  # fmt: skip
    # Not called: there is no return to tell them of.
    with pytest.raises(ValidationError, match="were not told"):
        episode_step(world, episode, "police_told_of_return", episode.missing_since + 4 * MINUTE)
    assert not missing_checklist(episode=episode)[6].can_record
    episodes.missing_episode_close(actor=world.users["deputy"], episode=episode)
    entry = ChronologyEntry.objects.get(kind=EntryKind.MISSING_CLOSED)
    assert "Police: not called (Found on the premises within minutes)" in entry.details
    with pytest.raises(ValidationError, match="closed"):
        episode_step(
            world, episode, "contacted", episode.missing_since + 4 * MINUTE, notes="Texted"
        )


def test_when_significant_harm_is_believed_the_police_must_be_called_before_closing(
    world: World,
) -> None:
    episode = episode_start(world, significant_harm_believed=True)
    t = episode.missing_since
    _told_parents_and_no_social_worker(world, episode)
    episode_step(world, episode, "found", t + 3 * MINUTE, person="Caretaker", place="The field")
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    assert "on 999 now" in _problems(excinfo)["police_reported"][0]
    # No reason is enough: Appendix C says 999.
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_step_record(
            actor=world.users["dsl"], episode=episode, step="police_reported",
            not_applicable=True, notes="Found on the premises within minutes",
        )  # fmt: skip
    assert _problems(excinfo) == {"not_applicable": [episodes.HARM_NEEDS_POLICE]}
    episode_step(world, episode, "police_reported", t + 2 * MINUTE, police_line="999",
          incident_number="CAD 9")  # fmt: skip
    with pytest.raises(ValidationError, match="Tell the police"):
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    episode_step(world, episode, "police_told_of_return", t + 4 * MINUTE)
    assert episodes.missing_episode_close(actor=world.users["dsl"], episode=episode).closed_at


def test_a_harm_episode_with_the_police_marked_not_called_before_the_rule_stays_open(
    world: World,
) -> None:
    from concerns.models import MissingEpisodeStep

    episode = episode_start(world, significant_harm_believed=True)
    _told_parents_and_no_social_worker(world, episode)
    episode_step(world, episode, "found", episode.missing_since + 3 * MINUTE, person="A", place="B")
    MissingEpisodeStep.objects.create(
        school=world.school, episode=episode, step="police_reported", not_applicable=True,
        notes="Found quickly", recorded_by=world.users["dsl"], recorder_name="DSL",
    )  # fmt: skip
    assert set(episodes.missing_close_problems(episode=episode)) == {"police_reported"}


# --- Frequent episodes ----------------------------------------------------------------------------


def _told_parents_and_no_social_worker(world: World, episode: MissingEpisode) -> None:
    episode_step(world, episode, "parents_told", episode.missing_since + MINUTE, person="Mother")
    episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step="social_worker_told", not_applicable=True
    )


def _police_not_called(world: World, episode: MissingEpisode) -> None:
    episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step="police_reported", not_applicable=True,
        notes="Found by the school within minutes",
    )  # fmt: skip


def _closed_episode(world: World, at: datetime.datetime) -> MissingEpisode:
    episode = episode_start(world, at=at)
    _told_parents_and_no_social_worker(world, episode)
    _police_not_called(world, episode)
    episode_step(world, episode, "found", at + HOUR, person="Police", place="Town centre")
    return episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)


def test_episodes_in_the_last_12_months_are_counted_per_pupil(world: World) -> None:
    now = timezone.now()
    _closed_episode(world, now - datetime.timedelta(days=400))  # more than a year ago
    for days in (200, 40):
        _closed_episode(world, now - datetime.timedelta(days=days))
    assert missing_count_last_12_months(pupil=world.pupil) == 2
    episode_start(world)
    assert missing_count_last_12_months(pupil=world.pupil) == 3
    listed = {e.pk: e.recent_count for e in missing_episode_list_for(
        actor=world.users["dsl"], school=world.school)}  # fmt: skip
    assert sorted(listed.values()) == [3, 3, 3, 3]  # each row carries its pupil's count


def test_the_list_shows_open_episodes_first_and_never_another_schools(world: World) -> None:
    now = timezone.now()
    old = _closed_episode(world, now - datetime.timedelta(days=3))
    other = member(world.school, "staff")
    second = PupilFactory(school=world.school)
    current = episodes.missing_episode_start(
        actor=other,
        pupil=second,
        missing_since=now - 2 * HOUR,
        last_seen_at=now - 3 * HOUR,
        last_seen_details="Lunch",
    )
    theirs = episodes.missing_episode_start(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        missing_since=now - HOUR,
        last_seen_at=now - 2 * HOUR,
        last_seen_details="Playground",
    )
    mine = list(missing_episode_list_for(actor=world.users["dsl"], school=world.school))
    assert mine == [current, old]
    assert theirs not in mine
    # Asking for the other school's list gives nothing, even by naming it.
    assert not missing_episode_list_for(actor=world.users["dsl"], school=world.other_school)
    assert not missing_episode_list_for(actor=world.users["staff"], school=world.school)


# --- Children missing education -------------------------------------------------------------------


def test_the_10th_school_day_skips_weekends_and_a_bank_holiday() -> None:
    # Monday 18 May 2026; Monday 25 May is the spring bank holiday.
    assert rules.la_deadline(datetime.date(2026, 5, 18)) == datetime.date(2026, 6, 1)
    # An absence first noticed on a Saturday counts from the Monday.
    assert rules.la_deadline(datetime.date(2026, 5, 16)) == datetime.date(2026, 6, 1)
    # Christmas 2026: Friday 25 and Monday 28 December (Boxing Day's substitute) and Friday
    # 1 January are bank holidays; the school's own holidays count when it is given.
    assert rules.la_deadline(datetime.date(2026, 12, 21)) == datetime.date(2027, 1, 6)


def _absence(world: World, first_day: datetime.date, *, actor: str = "dsl", today: Any = None):
    return absences.absence_start(
        actor=world.users[actor],
        pupil=world.pupil,
        first_day=first_day,
        contact_attempts="Called both emergency contacts on 18 and 19 May; home visit, no answer",
        today=today,
    )


def test_an_absence_shows_its_deadline_and_when_it_is_due_today_or_overdue(world: World) -> None:
    with time_machine.travel(datetime.datetime(2026, 5, 29, 12, tzinfo=LONDON), tick=False):
        absence = _absence(world, datetime.date(2026, 5, 18))
        entry = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_STARTED)
        assert "must be told by 01/06/2026 (the 10th school day)" in entry.details
        assert timezone.localtime(entry.occurred_at).date() == datetime.date(2026, 5, 18)
    due = absence_state(absence, datetime.date(2026, 5, 29))
    assert (due.state, due.school_days, due.deadline) == ("due", 9, datetime.date(2026, 6, 1))
    assert due.label == "Tell the local authority by 1 June 2026"
    on_the_day = absence_state(absence, datetime.date(2026, 6, 1))
    assert (on_the_day.state, on_the_day.school_days) == ("today", 10)
    assert on_the_day.label == "Tell the local authority today"
    assert absence_state(absence, datetime.date(2026, 6, 2)).state == "overdue"


def test_the_10th_school_day_skips_the_schools_half_term(world: World) -> None:
    from schools.services import school_closure_create

    school_closure_create(
        actor=None,
        school=world.school,
        name="May half term",
        first_day=datetime.date(2026, 5, 26),
        last_day=datetime.date(2026, 5, 29),
        today=datetime.date(2026, 5, 18),
    )
    # From Monday 18 May: 5 days, the bank holiday, half term, then 5 more to Friday 5 June.
    assert rules.la_deadline(datetime.date(2026, 5, 18), world.school) == datetime.date(2026, 6, 5)
    assert rules.la_deadline(datetime.date(2026, 5, 18), world.other_school) == (
        datetime.date(2026, 6, 1)
    )
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=LONDON), tick=False):
        absence = _absence(world, datetime.date(2026, 5, 18))
        entry = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_STARTED)
        assert "must be told by 05/06/2026 (the 10th school day)" in entry.details
    state = absence_state(absence, datetime.date(2026, 6, 1))
    assert (state.state, state.school_days, state.deadline) == ("due", 6, datetime.date(2026, 6, 5))
    assert absence_state(absence, datetime.date(2026, 6, 5)).state == "today"
    assert absence_state(absence, datetime.date(2026, 6, 8)).state == "overdue"


def test_telling_the_local_authority_is_recorded_once_with_its_time_in_the_chronology(
    world: World,
) -> None:
    first = school_day(12)
    absence = _absence(world, first)
    now = timezone.now()
    with pytest.raises(ValidationError) as excinfo:
        absences.absence_la_told(actor=world.users["dsl"], absence=absence, told_at=now + HOUR,
                                 whom="")  # fmt: skip
    problems = _problems(excinfo)
    assert problems["told_at"] == ["The time must not be in the future"]
    assert problems["whom"] == ["Enter who at the local authority was told"]
    before = timezone.make_aware(datetime.datetime.combine(first, datetime.time(9)))
    with pytest.raises(ValidationError, match="before the absence began"):
        absences.absence_la_told(
            actor=world.users["dsl"], absence=absence, told_at=before - 24 * HOUR, whom="CME"
        )
    told = absences.absence_la_told(
        actor=world.users["admin"],
        absence=absence,
        told_at=now - HOUR,
        whom="Jo Bloggs, Children Missing Education team",
        reference="CME/2026/77",
    )
    assert absence_state(told).state == "told"
    entry = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_LA_TOLD)
    assert entry.occurred_at == now - HOUR
    assert entry.significant
    assert "Jo Bloggs, Children Missing Education team, reference CME/2026/77" in entry.details
    with pytest.raises(ValidationError, match="already"):
        absences.absence_la_told(actor=world.users["dsl"], absence=told, told_at=now, whom="X")


def test_an_absence_ends_on_or_after_its_first_day_and_another_can_follow(world: World) -> None:
    first = school_day(8)
    absence = _absence(world, first)
    with pytest.raises(ValidationError, match="already recorded"):
        _absence(world, first)
    with pytest.raises(ValidationError) as excinfo:
        absences.absence_end(
            actor=world.users["dsl"],
            absence=absence,
            ended_on=first - datetime.timedelta(days=1),
            reason="",
        )
    problems = _problems(excinfo)
    assert "cannot end before it began" in problems["ended_on"][0]
    assert problems["reason"][0].startswith("Enter how the absence ended")
    ended = absences.absence_end(
        actor=world.users["dsl"], absence=absence, ended_on=timezone.localdate(), reason="Back"
    )
    assert absence_state(ended).state == "ended"
    assert ChronologyEntry.objects.filter(kind=EntryKind.ABSENCE_ENDED).count() == 1
    _absence(world, school_day())  # a new absence may start
    assert verify_chain(school_id=world.school.pk).ok


def test_absences_are_recorded_by_the_dsl_deputy_and_admin_only(world: World) -> None:
    for role in ["staff", "head", "governor", "tso", "other_dsl"]:
        with pytest.raises(PermissionDenied):
            _absence(world, school_day(), actor=role)
    absence = _absence(world, school_day(), actor="admin")
    # The admin is not a DSL: the DSLs are told an absence was recorded (no name in the title).
    alerts = Notification.objects.filter(kind="absence_recorded")
    assert {n.recipient for n in alerts} == {world.users["dsl"], world.users["deputy"]}
    assert all(world.pupil.legal_last_name not in n.title for n in alerts)
    assert absence.recorder_name == world.users["admin"].full_name
    with pytest.raises(ValidationError, match="past"):
        _absence(world, timezone.localdate() + datetime.timedelta(days=1), actor="dsl")


def test_the_absence_list_never_returns_another_schools_record(world: World) -> None:
    mine = _absence(world, school_day())
    theirs = absences.absence_start(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        first_day=school_day(),
        contact_attempts="Phoned",
    )
    assert list(absence_list_for(actor=world.users["admin"], school=world.school)) == [mine]
    assert theirs not in absence_list_for(actor=world.users["dsl"], school=world.school)
    assert not absence_list_for(actor=world.users["dsl"], school=world.other_school)
    assert not absence_list_for(actor=world.users["staff"], school=world.school)


def test_recorded_steps_and_closed_episodes_cannot_be_changed_even_in_sql(world: World) -> None:
    from django.db import IntegrityError, transaction

    from concerns.models import MissingEpisodeStep

    episode = episode_start(world)
    episode_all_steps(world, episode)
    step = MissingEpisodeStep.objects.filter(episode=episode, step="found")
    with pytest.raises(IntegrityError), transaction.atomic():
        step.update(place="Somewhere else")
    with pytest.raises(IntegrityError), transaction.atomic():
        step.delete()
    episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    with pytest.raises(IntegrityError), transaction.atomic():
        MissingEpisode.objects.filter(pk=episode.pk).update(last_seen_details="Rewritten")


# --- Closing needs the parents and the social worker (review findings) ---------------------------


def test_closing_needs_the_parents_told_or_why_not_and_the_social_worker_step(
    world: World,
) -> None:
    episode = episode_start(world)
    t = episode.missing_since
    episode_step(world, episode, "found", t + 30 * MINUTE, person="Mr Jones", place="Bus stop")
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    problems = _problems(excinfo)
    assert set(problems) == {"parents_told", "police_reported", "social_worker_told"}
    assert "or why they were not" in problems["parents_told"][0]
    assert "no social worker is allocated" in problems["social_worker_told"][0]
    _police_not_called(world, episode)
    # Not told needs the reason why.
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_step_record(
            actor=world.users["dsl"], episode=episode, step="parents_told", not_applicable=True
        )
    assert "Enter why the parents or carers were not told" in _problems(excinfo)["notes"][0]
    episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step="parents_told", not_applicable=True,
        notes="The pupil was with their mother all along",
    )  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    assert set(_problems(excinfo)) == {"social_worker_told"}
    episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step="social_worker_told", not_applicable=True
    )
    episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    entry = ChronologyEntry.objects.get(kind=EntryKind.MISSING_CLOSED)
    assert "Parents or carers told: not told (The pupil was with their mother all along)" in (
        entry.details
    )


@pytest.mark.parametrize("source", ["status_lead", "cin_status", "family_contact"])
def test_no_social_worker_is_refused_when_the_records_show_one(world: World, source: str) -> None:
    from chronology import services as chronology_services
    from contacts.models import FamilyContact

    pupil = world.pupil
    started = timezone.localdate() - datetime.timedelta(days=30)
    if source == "status_lead":
        chronology_services.status_add(actor=world.users["dsl"], pupil=pupil, kind="early_help",
                                       start_date=started, lead_professional="Sam Lee")  # fmt: skip
        shown = shown_in_full = "Sam Lee"
    elif source == "cin_status":
        chronology_services.status_add(
            actor=world.users["dsl"], pupil=pupil, kind="child_in_need", start_date=started
        )
        shown = "not named (Child in Need)"
        shown_in_full = "a social worker, not named (Child in Need)"
    else:
        FamilyContact.objects.create(school=world.school, pupil=pupil, name="Kim Ray",
                                     relationship="social_worker", phone="01632 960000")  # fmt: skip
        shown = shown_in_full = "Kim Ray (01632 960000)"
    episode = episode_start(world)
    with pytest.raises(ValidationError) as excinfo:
        episodes.missing_step_record(
            actor=world.users["dsl"], episode=episode, step="social_worker_told",
            not_applicable=True,
        )  # fmt: skip
    message = _problems(excinfo)["not_applicable"][0]
    assert "records show an allocated social worker" in message
    assert shown in message
    # Closing asks only for what applies: telling the allocated social worker.
    to_close = episodes.missing_close_problems(episode=episode)["social_worker_told"]
    assert to_close == f"Tell the allocated social worker ({shown_in_full}) that the pupil is " \
        "missing, and record it"  # fmt: skip
    assert "no social worker is allocated" not in to_close
    told = episode_step(world, episode, "social_worker_told", episode.missing_since + 5 * MINUTE,
                 person="Sam Lee, by phone")  # fmt: skip
    assert not told.not_applicable


def test_an_ended_status_is_no_allocated_social_worker(world: World) -> None:
    from chronology import services as chronology_services

    chronology_services.status_add(
        actor=world.users["dsl"], pupil=world.pupil, kind="cp_plan",
        start_date=timezone.localdate() - datetime.timedelta(days=300),
        end_date=timezone.localdate() - datetime.timedelta(days=10), lead_professional="Old SW",
    )  # fmt: skip
    assert selectors.allocated_social_workers(pupil=world.pupil) == []


def test_a_step_after_closing_goes_into_the_chronology_with_its_own_hash(world: World) -> None:
    from concerns.models import MissingEpisodeStep
    from safeguard.signing import content_hash

    episode = episode_start(world)
    episode_all_steps(world, episode)
    closed = episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    offered_at = timezone.now() - MINUTE
    row = episodes.missing_step_record(
        actor=world.users["deputy"], episode=closed, step="return_interview", done_at=offered_at,
        person="LA missing co-ordinator", notes="The pupil agreed to meet on Thursday",
    )  # fmt: skip
    entry = ChronologyEntry.objects.get(source_id=str(row.pk))
    assert entry.source_label == MissingEpisodeStep._meta.label
    assert entry.source_hash == content_hash(content.step_content(row))
    assert entry.source_hash != closed.content_hash
    assert entry.occurred_at == offered_at
    assert entry.pupil == world.pupil
    assert "Return interview (“missing chat”) offered at" in entry.details
    assert "by LA missing co-ordinator" in entry.details
    assert "The pupil agreed to meet on Thursday" in entry.details
    assert verify_chain(school_id=world.school.pk).ok
    # Steps recorded while it was open are in the closing entry, not entries of their own.
    assert ChronologyEntry.objects.filter(source_label=MissingEpisodeStep._meta.label).count() == 1


@pytest.mark.parametrize("step", ["searched", "contacted"])
def test_what_was_searched_or_how_the_pupil_was_contacted_is_required(
    world: World, step: str
) -> None:
    episode = episode_start(world)
    with pytest.raises(ValidationError) as excinfo:
        episode_step(world, episode, step, episode.missing_since + MINUTE, notes="  ")
    assert _problems(excinfo)["notes"][0].startswith("Enter ")


# --- Pupils not on roll; absences start on a school day --------------------------------------------


def test_a_pupil_who_has_left_is_not_reported_missing_nor_recorded_absent(world: World) -> None:
    from schools.models import Pupil

    left = school_day(20)
    Pupil.objects.filter(pk=world.pupil.pk).update(left_on=left)
    world.pupil.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        episode_start(world)
    assert f"is not on the school's roll (left {left:%d/%m/%Y})" in _problems(excinfo)["__all__"][0]
    with pytest.raises(ValidationError, match="not on the school's roll"):
        _absence(world, school_day())
    assert not MissingEpisode.objects.exists()
    assert not ChronologyEntry.objects.exists()


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (datetime.date(2026, 11, 21), "21/11/2026 was a Saturday"),
        (datetime.date(2026, 8, 31), "31/08/2026 was Late Summer Bank Holiday, a bank holiday"),
        (
            datetime.date(2026, 10, 27),
            "27/10/2026 was in October half term, when the school was closed",
        ),
    ],
)
def test_an_absence_starts_on_a_school_day(world: World, day: datetime.date, why: str) -> None:
    from schools.services import school_closure_create

    school_closure_create(
        actor=None,
        school=world.school,
        name="October half term",
        first_day=datetime.date(2026, 10, 26),
        last_day=datetime.date(2026, 10, 30),
    )
    with pytest.raises(ValidationError) as excinfo:
        _absence(world, day, today=datetime.date(2026, 11, 23))
    message = _problems(excinfo)["first_day"][0]
    assert message == f"The first day of the absence must be a school day: {why}"


# --- Database guards ----------------------------------------------------------------------------------


def _sql(statement: str, *pks: Any) -> None:
    """Raw SQL on rows by id, as the database stores ids (PostgreSQL uuid, SQLite hex)."""
    from django.db import connection

    stored = [MissingEpisode._meta.pk.get_db_prep_value(pk, connection) for pk in pks]
    with connection.cursor() as cursor:
        cursor.execute(statement, stored)


REFUSED = "signed record cannot be changed"


def test_the_database_keeps_what_was_reported_even_while_the_episode_is_open(world: World) -> None:
    from django.db import IntegrityError, InternalError, transaction

    episode = episode_start(world)
    rows = MissingEpisode.objects.filter(pk=episode.pk)
    for attempt in (
        lambda: rows.update(missing_since=episode.missing_since + HOUR),
        lambda: rows.update(last_seen_at=episode.last_seen_at - HOUR),
        lambda: rows.update(last_seen_details="Rewritten"),
        lambda: rows.update(pupil=PupilFactory(school=world.school)),
        lambda: rows.update(reported_by=world.users["dsl"]),
        lambda: rows.update(significant_harm_believed=True),
        lambda: _sql("DELETE FROM concerns_missingepisode WHERE id = %s", episode.pk),
    ):
        with pytest.raises((IntegrityError, InternalError), match=REFUSED), transaction.atomic():
            attempt()
    # Closing (through the service) is still possible.
    _told_parents_and_no_social_worker(world, episode)
    _police_not_called(world, episode)
    episode_step(
        world, episode, "found", episode.missing_since + HOUR / 2, person="Mum", place="Home"
    )
    assert episodes.missing_episode_close(actor=world.users["dsl"], episode=episode).closed_at


def test_the_database_refuses_to_change_or_delete_a_continuous_absence(world: World) -> None:
    from django.db import IntegrityError, InternalError, transaction

    from concerns.models import ContinuousAbsence
    from safeguard.signing import content_hash

    absence = _absence(world, school_day(12))
    started = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_STARTED)
    assert started.source_hash == absence.content_hash
    assert absence.content_hash == content_hash(content.absence_content(absence))
    rows = ContinuousAbsence.objects.filter(pk=absence.pk)

    def refused(*attempts: Any) -> None:
        for attempt in attempts:
            with pytest.raises((IntegrityError, InternalError), match=REFUSED):
                with transaction.atomic():
                    attempt()

    refused(
        lambda: rows.update(first_day=absence.first_day - datetime.timedelta(days=7)),
        lambda: rows.update(contact_attempts="Rewritten"),
        lambda: rows.update(reason_known="Rewritten"),
        lambda: rows.update(recorded_by=world.users["admin"]),
        lambda: rows.update(content_hash="0" * 64),  # the hash alone never changes
        lambda: _sql("DELETE FROM concerns_continuousabsence WHERE id = %s", absence.pk),
    )
    told = absences.absence_la_told(actor=world.users["dsl"], absence=absence,
                                    told_at=timezone.now() - HOUR, whom="CME team")  # fmt: skip
    la_entry = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_LA_TOLD)
    assert la_entry.source_hash == told.content_hash != started.source_hash
    refused(
        lambda: rows.update(la_told_whom="Someone else"),
        lambda: rows.update(la_told_at=timezone.now()),
        lambda: rows.update(la_told_at=None),
    )
    ended = absences.absence_end(actor=world.users["dsl"], absence=told,
                                 ended_on=timezone.localdate(), reason="Back at school")  # fmt: skip
    end_entry = ChronologyEntry.objects.get(kind=EntryKind.ABSENCE_ENDED)
    assert (
        end_entry.source_hash == ended.content_hash == content_hash(content.absence_content(ended))
    )
    refused(
        lambda: rows.update(end_reason="Rewritten"),
        lambda: rows.update(ended_on=None),
        lambda: _sql("DELETE FROM concerns_continuousabsence WHERE id = %s", absence.pk),
    )
    assert verify_chain(school_id=world.school.pk).ok
