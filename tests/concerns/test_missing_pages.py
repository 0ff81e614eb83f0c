"""The missing-children pages as people use them: what is shown, what is refused, what is kept."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from concerns.missing import absences, episodes
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import LONDON
from tests.support.factories import PupilFactory
from tests.support.records.missing import school_day
from tests.support.world import World

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _start(world: World, pupil=None, at=None) -> MissingEpisode:
    at = at or timezone.now() - HOUR
    return episodes.missing_episode_start(
        actor=world.users["staff"],
        pupil=pupil or world.pupil,
        missing_since=at,
        last_seen_at=at - 10 * MINUTE,
        last_seen_details="Science lab, seen by Mr Jones",
    )


def _told_parents_and_no_social_worker(world: World, episode: MissingEpisode) -> None:
    dsl = world.users["dsl"]
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="parents_told", done_at=episode.missing_since + MINUTE,
        person="Father",
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="social_worker_told", not_applicable=True
    )


def _police_not_called(world: World, episode: MissingEpisode) -> None:
    episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step="police_reported", not_applicable=True,
        notes="Found by the school within minutes",
    )  # fmt: skip


def _close(world: World, episode: MissingEpisode) -> MissingEpisode:
    _told_parents_and_no_social_worker(world, episode)
    _police_not_called(world, episode)
    episodes.missing_step_record(
        actor=world.users["dsl"],
        episode=episode,
        step="found",
        done_at=episode.missing_since + 30 * MINUTE,
        person="Caretaker",
        place="Bike shed",
    )
    return episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _when(moment: datetime.datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}


# --- Reporting ----------------------------------------------------------------------------------


def test_a_teacher_reports_a_pupil_missing_from_the_pupil_page(client, world: World) -> None:
    client.force_login(world.users["staff"])
    page = _text(client.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})))
    start = reverse("missing-start", kwargs={"pk": world.pupil.pk})
    assert f'href="{start}"' in page
    form = _text(client.get(start))
    assert "call the police on 999 first" in form
    missing, seen = _when(timezone.now() - 5 * MINUTE), _when(timezone.now() - 25 * MINUTE)
    response = client.post(
        start,
        {
            "missing_since_date": missing["date"],
            "missing_since_time": missing["time"],
            "last_seen_date": seen["date"],
            "last_seen_time": seen["time"],
            "last_seen_details": "Going to the toilet during maths",
            "circumstances": "",
            "significant_harm": "no",
        },
        follow=True,
    )
    episode = MissingEpisode.objects.get()
    assert response.redirect_chain[0][0] == reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
    assert "have been alerted" in _text(response)
    assert episode.reported_by == world.users["staff"]
    # The teacher does not read the CP record itself.
    assert client.get(reverse("missing-detail", kwargs={"pk": episode.pk})).status_code == 404


def test_bad_times_are_shown_next_to_the_field_and_nothing_typed_is_lost(
    client,
    world: World,
) -> None:
    client.force_login(world.users["staff"])
    missing, seen = _when(timezone.now() - 30 * MINUTE), _when(timezone.now() - 5 * MINUTE)
    response = client.post(
        reverse("missing-start", kwargs={"pk": world.pupil.pk}),
        {
            "missing_since_date": missing["date"],
            "missing_since_time": missing["time"],
            "last_seen_date": seen["date"],
            "last_seen_time": seen["time"],
            "last_seen_details": "Walking out of the side gate",
            "circumstances": "Wearing a red coat",
            "significant_harm": "",
        },
    )
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#id_last_seen_time"' in page  # the summary links to the field
    assert 'id="id_last_seen_time-error"' in page
    assert "must be before they were found to be missing" in page
    assert 'href="#id_significant_harm_0"' in page
    assert "Select yes if the pupil is suffering significant harm now" in page
    assert "Walking out of the side gate" in page
    assert "Wearing a red coat" in page
    assert f'value="{seen["time"]}"' in page
    assert not MissingEpisode.objects.exists()


def test_a_dsl_reporting_goes_straight_to_the_checklist(client, world: World) -> None:
    client.force_login(world.users["dsl"])
    now = _when(timezone.now())
    response = client.post(
        reverse("missing-start", kwargs={"pk": world.pupil.pk}),
        {
            "missing_since_date": now["date"],
            "missing_since_time": now["time"],
            "last_seen_date": now["date"],
            "last_seen_time": now["time"],
            "last_seen_details": "Registration",
            "significant_harm": "yes",
        },
    )
    episode = MissingEpisode.objects.get()
    assert response["Location"] == reverse("missing-detail", kwargs={"pk": episode.pk})
    page = _text(client.get(response["Location"]))
    assert "believes the child is suffering significant harm now: call 999" in page


# --- The episode page and its steps -------------------------------------------------------------


def test_the_episode_page_shows_the_steps_in_order_done_and_remaining_and_is_logged(
    client,
    world: World,
) -> None:
    episode = _start(world)
    episodes.missing_step_record(
        actor=world.users["dsl"],
        episode=episode,
        step="parents_told",
        done_at=episode.missing_since + 5 * MINUTE,
        person="Mother, by phone",
    )
    client.force_login(world.users["head"])
    page = _text(client.get(reverse("missing-detail", kwargs={"pk": episode.pk})))
    labels = [
        "Premises and surrounding area searched",
        "Pupil phoned, texted or messaged",
        "Parents or carers told",
        "Reported to the police",
        "Social worker told",
        "Found",
        "Police told of the return",
        "Return interview",
    ]
    positions = [page.index(f". {label}") for label in labels]
    assert positions == sorted(positions)
    assert "7 of 8 steps still to record." in page
    assert "Mother, by phone" in page
    assert "report them missing to the police on 101" in page
    assert "999 if the child is believed to be suffering significant harm now" in page
    assert "1 missing episode in the last 12 months." in page
    assert "Record<" not in page  # the headteacher reads; the DSL records
    row = AccessLog.objects.get(what="missing_episode")
    assert (row.user, row.pupil_id, row.record_id) == (
        world.users["head"],
        world.pupil.pk,
        str(episode.pk),
    )


def test_the_dsl_records_a_step_and_bad_input_keeps_what_was_typed(client, world: World) -> None:
    episode = _start(world)
    client.force_login(world.users["dsl"])
    url = reverse("missing-step", kwargs={"pk": episode.pk, "step": "police_reported"})
    form = _text(client.get(url))
    assert "Police incident number" in form
    assert "Which number did you call?" in form
    at = _when(episode.missing_since + 10 * MINUTE)
    response = client.post(
        url,
        {
            "done_date": at["date"],
            "done_time": at["time"],
            "called": "yes",
            "police_line": "101",
            "incident_number": "",
            "notes": "Told them we searched the field and phoned her",
        },
    )
    page = _text(response)
    assert response.status_code == 200
    assert 'id="id_incident_number-error"' in page
    assert "Enter the police incident number" in page
    assert "Told them we searched the field and phoned her" in page
    assert 'value="101" checked' in page
    early = _when(episode.missing_since - 30 * MINUTE)
    response = client.post(
        url,
        {
            "done_date": early["date"],
            "done_time": early["time"],
            "called": "yes",
            "police_line": "101",
            "incident_number": "CAD 77",
        },  # fmt: skip
    )
    assert "must not be before the pupil was found to be missing" in _text(response)
    response = client.post(
        url,
        {
            "done_date": at["date"],
            "done_time": at["time"],
            "called": "yes",
            "police_line": "999",
            "incident_number": "CAD 77",
        },  # fmt: skip
    )
    assert response["Location"].endswith("#steps")
    page = _text(client.get(reverse("missing-detail", kwargs={"pk": episode.pk})))
    assert 'Incident number <strong data-testid="incident-number">CAD 77</strong>' in page
    assert (
        client.get(reverse("missing-step", kwargs={"pk": episode.pk, "step": "nope"})).status_code
        == 404
    )


def test_no_social_worker_marks_the_step_not_applicable(client, world: World) -> None:
    episode = _start(world)
    client.force_login(world.users["deputy"])
    url = reverse("missing-step", kwargs={"pk": episode.pk, "step": "social_worker_told"})
    response = client.post(url, {"allocated": "yes", "person": "Jo"})
    assert "Enter the date the social worker was told" in _text(response)
    response = client.post(url, {"allocated": "no"})
    assert response.status_code == 302
    page = _text(client.get(reverse("missing-detail", kwargs={"pk": episode.pk})))
    assert "No social worker is allocated." in page
    assert "Not applicable" in page


def test_a_yes_no_step_left_unanswered_shows_only_the_question_error(client, world: World) -> None:
    episode = _start(world)
    client.force_login(world.users["dsl"])
    at = _when(episode.missing_since + 5 * MINUTE)
    for step, asked, not_asked in [
        ("parents_told", "Select yes if the parents or carers were told", "Enter who was told"),
        (
            "police_reported",
            "Select yes if the pupil was reported missing to the police",
            "Enter the police incident number",
        ),
        (
            "social_worker_told",
            "Select yes if the pupil has an allocated social worker",
            "Enter the name of the social worker",
        ),
    ]:
        url = reverse("missing-step", kwargs={"pk": episode.pk, "step": step})
        page = _text(client.post(url, {"done_date": at["date"], "done_time": at["time"]}))
        assert page.count(asked) == 2, step  # in the summary and beside the question
        assert not_asked not in page, step
        assert "Select whether you called 101 or 999" not in page
        assert "Enter why" not in page


def test_the_police_not_called_is_recorded_with_why_unless_harm_is_believed(
    client,
    world: World,
) -> None:
    episode = _start(world)
    client.force_login(world.users["dsl"])
    url = reverse("missing-step", kwargs={"pk": episode.pk, "step": "police_reported"})
    assert "Was the pupil reported missing to the police?" in _text(client.get(url))
    page = _text(client.post(url, {"called": "no"}))
    assert 'id="id_reason-error"' in page
    assert "Enter why the police were not called" in page
    response = client.post(url, {"called": "no", "reason": "Found in the library within minutes"})
    assert response.status_code == 302
    page = _text(client.get(reverse("missing-detail", kwargs={"pk": episode.pk})))
    assert "Not called: Found in the library within minutes" in page
    assert '<strong class="govuk-tag govuk-tag--grey">Not called</strong>' in page
    assert "Record the report to the police" not in page
    told_of_return = reverse(
        "missing-step", kwargs={"pk": episode.pk, "step": "police_told_of_return"}
    )
    assert told_of_return not in page  # nothing to tell the police of
    harmed = episodes.missing_episode_start(
        actor=world.users["staff"], pupil=PupilFactory(school=world.school),
        missing_since=timezone.now() - HOUR, last_seen_at=timezone.now() - 2 * HOUR,
        last_seen_details="Gate", significant_harm_believed=True,
    )  # fmt: skip
    url = reverse("missing-step", kwargs={"pk": harmed.pk, "step": "police_reported"})
    page = _text(client.post(url, {"called": "no", "reason": "Found in the library"}))
    assert 'id="id_called-error"' in page
    assert "believed to be suffering significant harm: report them missing to the police on " \
        "999 now" in page  # fmt: skip
    page = _text(client.get(reverse("missing-detail", kwargs={"pk": harmed.pk})))
    assert "report them missing to the police on 999 now, and record it" in page


def test_the_close_checklist_asks_to_tell_an_allocated_social_worker_and_no_more(
    client,
    world: World,
) -> None:
    from contacts.models import FamilyContact

    episode = _start(world)
    client.force_login(world.users["dsl"])
    detail = reverse("missing-detail", kwargs={"pk": episode.pk})
    assert "or that no social worker is allocated" in _text(client.get(detail))
    FamilyContact.objects.create(school=world.school, pupil=world.pupil, name="Kim Ray",
                                 relationship="social_worker", phone="01632 960000")  # fmt: skip
    page = _text(client.get(detail))
    assert re.search(
        r'href="#step-social_worker_told">Tell the allocated social worker '
        r"\(Kim Ray \(01632 960000\)\) that the pupil is missing, and record it<",
        page,
    )
    assert "no social worker is allocated" not in page
    page = _text(client.post(reverse("missing-close", kwargs={"pk": episode.pk})))
    assert "Tell the allocated social worker (Kim Ray" in page
    assert "no social worker is allocated" not in page


def test_closing_from_the_page_puts_the_episode_in_the_chronology(client, world: World) -> None:
    episode = _start(world)
    client.force_login(world.users["dsl"])
    detail = reverse("missing-detail", kwargs={"pk": episode.pk})
    close = reverse("missing-close", kwargs={"pk": episode.pk})
    page = _text(client.get(detail))
    assert "Record when, where and by whom the pupil was found" in page
    # The close address is not a page of its own: a GET (a reload, a bookmark) goes to the
    # episode, never a blank 405.
    response = client.get(close)
    assert (response.status_code, response["Location"]) == (302, detail)
    response = client.post(close)
    page = _text(response)
    assert response.status_code == 200
    assert "<title>Error: Missing:" in page
    assert "The episode cannot be closed yet" in page
    # Each step still to record is in the error summary, linked to the step, and beside it.
    for step, message in [
        ("parents_told", "Record that the parents or carers were told, or why they were not"),
        ("police_reported", "Record the report to the police, or why the police were not called"),
        ("social_worker_told", "or that no social worker is allocated"),
        ("found", "Record when, where and by whom the pupil was found"),
    ]:
        assert re.search(rf'<a href="#step-{step}">[^<]*{re.escape(message)}', page), step
        assert f'id="step-{step}-error"' in page
    assert 'id="step-searched-error"' not in page
    episodes.missing_step_record(
        actor=world.users["dsl"],
        episode=episode,
        step="found",
        done_at=episode.missing_since + 20 * MINUTE,
        person="Mr Jones",
        place="The bus stop",
    )
    _told_parents_and_no_social_worker(world, episode)
    _police_not_called(world, episode)
    response = client.post(close, follow=True)
    assert "closed and in the pupil&#x27;s chronology" in _text(response)
    chronology = _text(client.get(reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})))
    assert "by Mr Jones, at The bus stop" in chronology
    assert "Reported missing from school by" in chronology
    # A second DSL's page, open from before, closes it again: told so, not a server error.
    again = client.post(close, follow=True)
    assert again.status_code == 200
    assert "This missing episode is already closed." in _text(again)
    assert again.redirect_chain == [(reverse("missing-detail", kwargs={"pk": episode.pk}), 302)]


# --- Frequent episodes ----------------------------------------------------------------------------


def test_three_episodes_in_a_year_are_flagged_on_the_episode_and_safeguarding_pages(
    client,
    world: World,
) -> None:
    now = timezone.now()
    for days in (90, 30):
        _close(world, _start(world, at=now - datetime.timedelta(days=days)))
    client.force_login(world.users["dsl"])
    safeguarding = reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})
    page = _text(client.get(safeguarding))
    assert "2 missing episodes in the last 12 months." in page
    assert 'data-testid="missing-frequent"' not in page
    episode = _start(world)
    for url in (safeguarding, reverse("missing-detail", kwargs={"pk": episode.pk})):
        page = _text(client.get(url))
        assert 'data-testid="missing-frequent"' in page
        assert "3 missing episodes in the last 12 months." in page
        assert "indicator of exploitation" in page


def test_the_missing_list_shows_open_first_and_never_another_schools(
    client,
    world: World,
) -> None:
    closed = _close(world, _start(world, at=timezone.now() - datetime.timedelta(days=2)))
    second = PupilFactory(school=world.school, legal_last_name="Secondperson")
    current = _start(world, pupil=second)
    theirs = episodes.missing_episode_start(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        missing_since=timezone.now() - HOUR,
        last_seen_at=timezone.now() - 2 * HOUR,
        last_seen_details="Gate",
    )
    client.force_login(world.users["dsl"])
    page = _text(client.get(reverse("missing-list")))
    assert page.index(reverse("missing-detail", kwargs={"pk": current.pk})) < page.index(
        reverse("missing-detail", kwargs={"pk": closed.pk})
    )
    assert str(theirs.pk) not in page
    assert world.other_pupil.legal_last_name not in page
    client.force_login(world.users["other_dsl"])
    page = _text(client.get(reverse("missing-list")))
    assert str(theirs.pk) in page
    assert str(current.pk) not in page
    assert "Secondperson" not in page


def test_the_missing_list_query_count_does_not_grow(
    client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    _close(world, _start(world, at=timezone.now() - 2 * HOUR))
    _start(world)
    client.force_login(world.users["dsl"])
    client.get(reverse("missing-list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("missing-list"))
    for _ in range(4):
        pupil = PupilFactory(school=world.school)
        _close(world, _start(world, pupil=pupil, at=timezone.now() - 3 * HOUR))
        _start(world, pupil=pupil)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _text(client.get(reverse("missing-list")))
    assert page.count('data-testid="missing-row"') == 10


def test_the_absence_list_query_count_does_not_grow(
    client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    def absent(pupil, first: int, ended: bool) -> None:
        absence = absences.absence_start(
            actor=world.users["dsl"], pupil=pupil, first_day=school_day(first),
            contact_attempts="Phoned",
        )  # fmt: skip
        if ended:
            absences.absence_la_told(actor=world.users["dsl"], absence=absence,
                                     told_at=timezone.now() - HOUR, whom="CME")  # fmt: skip
            absences.absence_end(actor=world.users["dsl"], absence=absence,
                                 ended_on=school_day(first - 2), reason="Back")  # fmt: skip

    absent(world.pupil, 12, ended=True)
    absent(world.pupil, 1, ended=False)
    client.force_login(world.users["admin"])
    client.get(reverse("absence-list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("absence-list"))
    for _ in range(4):
        pupil = PupilFactory(school=world.school)
        absent(pupil, 12, ended=True)
        absent(pupil, 1, ended=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _text(client.get(reverse("absence-list")))
    assert page.count('data-testid="absence-row"') == 10


# --- Children missing education -------------------------------------------------------------------


def test_the_admin_records_an_absence_and_the_deadline_shows_today_then_overdue(
    client,
    world: World,
) -> None:
    client.force_login(world.users["admin"])
    pupil_page = _text(client.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})))
    start = reverse("absence-start", kwargs={"pk": world.pupil.pk})
    assert f'href="{start}"' in pupil_page
    with time_machine.travel(datetime.datetime(2026, 5, 27, 10, tzinfo=LONDON), tick=False):
        client.force_login(world.users["admin"])
        response = client.post(start, {"first_day": "18/05/2026", "contact_attempts": ""})
        assert "Enter how the school tried to contact the family" in _text(response)
        assert 'value="18/05/2026"' in _text(response)
        response = client.post(
            start, {"first_day": "18/05/2026", "contact_attempts": "Called both contacts"}
        )
        absence = ContinuousAbsence.objects.get()
        assert response["Location"] == reverse("absence-detail", kwargs={"pk": absence.pk})
        page = _text(client.get(response["Location"]))
        assert "Monday 1 June 2026 (the 10th school day)" in page
        assert 'data-testid="school-days">7<' in page
    # (Signed in again on each day: a session left overnight times out.)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, tzinfo=LONDON), tick=False):
        client.force_login(world.users["admin"])
        page = _text(client.get(reverse("absence-detail", kwargs={"pk": absence.pk})))
        assert "Tell the local authority today" in page
    with time_machine.travel(datetime.datetime(2026, 6, 3, 10, tzinfo=LONDON), tick=False):
        client.force_login(world.users["admin"])
        page = _text(client.get(reverse("absence-list")))
        assert "Overdue: tell the local authority now" in page
        url = reverse("absence-la-told", kwargs={"pk": absence.pk})
        response = client.post(
            url, {"told_date": "03/06/2026", "told_time": "25:00", "whom": "", "reference": ""}
        )
        page = _text(response)
        assert "Enter the time as hours and minutes, like 14:10" in page
        assert "Enter who at the local authority was told" in page
        response = client.post(
            url,
            {
                "told_date": "03/06/2026",
                "told_time": "09:30",
                "whom": "CME team",
                "reference": "R1",
            },
        )
        assert response.status_code == 302
        page = _text(client.get(reverse("absence-detail", kwargs={"pk": absence.pk})))
        assert "09:30, 3 June 2026: CME team, reference R1" in page
        assert "Local authority told" in page


def test_the_absence_list_never_returns_another_schools(client, world: World) -> None:
    absences.absence_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        first_day=school_day(),
        contact_attempts="Phoned",
    )
    theirs = absences.absence_start(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        first_day=school_day(),
        contact_attempts="Phoned",
    )
    client.force_login(world.users["admin"])
    page = _text(client.get(reverse("absence-list")))
    assert world.pupil.legal_last_name in page
    assert str(theirs.pk) not in page
    assert world.other_pupil.legal_last_name not in page


def test_the_safeguarding_page_links_to_reporting_and_lists_absences(
    client,
    world: World,
) -> None:
    absence = absences.absence_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        first_day=school_day(),
        contact_attempts="Phoned",
    )
    client.force_login(world.users["dsl"])
    page = _text(client.get(reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})))
    assert reverse("missing-start", kwargs={"pk": world.pupil.pk}) in page
    assert reverse("absence-detail", kwargs={"pk": absence.pk}) in page
    assert "0 missing episodes in the last 12 months." in page
    home = _text(client.get(reverse("home")))
    assert f'href="{reverse("missing-list")}"' in home  # in the navigation


# --- Review findings: the clock change, significant harm, the home page, left pupils --------------


def _report(client, world: World, missing: dict[str, str], seen: dict[str, str], harm="no"):
    return client.post(
        reverse("missing-start", kwargs={"pk": world.pupil.pk}),
        {
            "missing_since_date": missing["date"],
            "missing_since_time": missing["time"],
            "last_seen_date": seen["date"],
            "last_seen_time": seen["time"],
            "last_seen_details": "Leaving the dining hall",
            "significant_harm": harm,
        },
        follow=True,
    )


def test_a_time_the_clocks_skipped_or_repeated_is_refused_beside_the_time(
    client,
    world: World,
) -> None:
    client.force_login(world.users["dsl"])
    # 01:30 on 29 March 2026 never happened in London; 01:30 on 25 October 2026 happened twice.
    response = _report(
        client,
        world,
        {"date": "29/03/2026", "time": "01:30"},
        {"date": "25/10/2026", "time": "01:30"},
    )
    page = _text(response)
    assert 'id="id_missing_since_time-error"' in page
    assert "There was no 01:30 on 29/03/2026 in the UK: the clocks went forward" in page
    assert 'id="id_last_seen_time-error"' in page
    assert "01:30 on 25/10/2026 happened twice in the UK: the clocks went back" in page
    assert 'href="#id_missing_since_time"' in page
    assert not MissingEpisode.objects.exists()
    # An hour either side is fine.
    response = _report(
        client,
        world,
        {"date": "25/10/2026", "time": "02:30"},
        {"date": "25/10/2026", "time": "00:30"},
    )
    episode = MissingEpisode.objects.get()
    assert timezone.localtime(episode.missing_since).strftime("%H:%M %Z") == "02:30 GMT"
    assert timezone.localtime(episode.last_seen_at).strftime("%H:%M %Z") == "00:30 BST"


def test_a_clock_change_time_is_refused_on_a_step_and_to_the_local_authority(
    client,
    world: World,
) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 29, 12, tzinfo=LONDON), tick=False):
        episode = _start(world, at=timezone.now() - 12 * HOUR)  # 23:00 the night before
        client.force_login(world.users["dsl"])
        url = reverse("missing-step", kwargs={"pk": episode.pk, "step": "searched"})
        response = client.post(
            url, {"done_date": "29/03/2026", "done_time": "01:15", "notes": "Whole site"}
        )
        assert 'id="id_done_time-error"' in _text(response)
        assert "There was no 01:15 on 29/03/2026" in _text(response)
    with time_machine.travel(datetime.datetime(2026, 10, 26, 12, tzinfo=LONDON), tick=False):
        absence = absences.absence_start(
            actor=world.users["dsl"], pupil=world.pupil, first_day=datetime.date(2026, 10, 12),
            contact_attempts="Phoned",
        )  # fmt: skip
        client.force_login(world.users["dsl"])
        response = client.post(
            reverse("absence-la-told", kwargs={"pk": absence.pk}),
            {"told_date": "25/10/2026", "told_time": "01:05", "whom": "CME team"},
        )
        assert 'id="id_told_time-error"' in _text(response)
        assert "happened twice" in _text(response)


def test_a_teacher_who_says_significant_harm_is_told_to_call_999_now(
    client,
    world: World,
) -> None:
    client.force_login(world.users["staff"])
    missing, seen = _when(timezone.now() - 5 * MINUTE), _when(timezone.now() - 25 * MINUTE)
    page = _text(_report(client, world, missing, seen, harm="yes"))
    assert "if nobody has called the police yet, call 999 now" in page
    assert "have been alerted" in page
    # Another pupil, no harm believed: no 999 line.
    client.force_login(world.users["admin"])
    second = PupilFactory(school=world.school)
    response = client.post(
        reverse("missing-start", kwargs={"pk": second.pk}),
        {
            "missing_since_date": missing["date"], "missing_since_time": missing["time"],
            "last_seen_date": seen["date"], "last_seen_time": seen["time"],
            "last_seen_details": "Corridor", "significant_harm": "no",
        },
        follow=True,
    )  # fmt: skip
    assert "have been alerted" in _text(response)
    assert "call 999 now" not in _text(response)


def test_the_home_page_and_navigation_show_the_dsl_who_is_missing_now(
    client,
    world: World,
) -> None:
    client.force_login(world.users["dsl"])
    home = _text(client.get(reverse("home")))
    assert 'data-testid="home-missing"' not in home
    assert 'data-testid="missing-badge"' not in home
    harmed = episodes.missing_episode_start(
        actor=world.users["staff"], pupil=world.pupil, missing_since=timezone.now() - HOUR,
        last_seen_at=timezone.now() - 2 * HOUR, last_seen_details="Gate",
        significant_harm_believed=True,
    )  # fmt: skip
    second = PupilFactory(school=world.school, legal_last_name="Secondperson")
    other = _start(world, pupil=second)
    _close(
        world, _start(world, pupil=PupilFactory(school=world.school, legal_last_name="Foundone"))
    )
    episodes.missing_episode_start(
        actor=world.users["other_dsl"], pupil=world.other_pupil,
        missing_since=timezone.now() - HOUR, last_seen_at=timezone.now() - 2 * HOUR,
        last_seen_details="Gate",
    )  # fmt: skip
    home = _text(client.get(reverse("home")))
    block = home[home.index('data-testid="home-missing"') :]
    block = block[: block.index("</ul>")]
    assert "2 pupils missing now" in block
    assert f'href="{reverse("missing-list")}"' in block
    assert reverse("missing-detail", kwargs={"pk": harmed.pk}) in block
    assert reverse("missing-detail", kwargs={"pk": other.pk}) in block
    assert "Foundone" not in block
    assert world.other_pupil.legal_last_name not in home
    assert block.count('data-testid="home-missing-harm"') == 1
    harm_at = block.index('data-testid="home-missing-harm"')
    assert block.index(world.pupil.display_name) < harm_at < block.index("Secondperson")
    assert 'data-testid="missing-badge">2<' in home
    assert AccessLog.objects.filter(what="missing_list", user=world.users["dsl"]).count() == 2
    # The head reads CP records: the same; a teacher sees neither.
    client.force_login(world.users["head"])
    assert "2 pupils missing now" in _text(client.get(reverse("home")))
    client.force_login(world.users["staff"])
    home = _text(client.get(reverse("home")))
    assert 'data-testid="home-missing"' not in home
    assert 'data-testid="missing-badge"' not in home
    assert "Secondperson" not in home


def test_the_missing_badge_and_home_block_cost_the_same_queries_however_many_are_missing(
    client,
    world: World,
    django_assert_max_num_queries,
) -> None:
    _start(world)
    client.force_login(world.users["head"])
    for url in (reverse("home"), reverse("who-to-call")):
        client.get(url)
        with django_assert_max_num_queries(40) as few:
            client.get(url)
        counted = len(few.captured_queries)
        badge = [q for q in few.captured_queries if "concerns_missingepisode" in q["sql"]]
        assert len(badge) == (2 if url == reverse("home") else 1)
        for _ in range(3):
            _start(world, pupil=PupilFactory(school=world.school))
        with django_assert_max_num_queries(counted):
            assert client.get(url).status_code == 200
    # For the DSL the missing badge shares the triage badge's query: no page costs more.
    client.force_login(world.users["dsl"])
    client.get(reverse("who-to-call"))
    with django_assert_max_num_queries(40) as dsl_page:
        page = _text(client.get(reverse("who-to-call")))
    badge = [q["sql"] for q in dsl_page.captured_queries if "concerns_missingepisode" in q["sql"]]
    assert len(badge) == 1
    assert "concerns_concern" in badge[0]
    assert 'data-testid="missing-badge">7<' in page


def test_a_pupil_who_has_left_cannot_be_reported_missing_or_absent_by_url(
    client,
    world: World,
) -> None:
    from schools.models import Pupil

    Pupil.objects.filter(pk=world.pupil.pk).update(left_on=school_day(5))
    client.force_login(world.users["dsl"])
    missing, seen = _when(timezone.now() - 5 * MINUTE), _when(timezone.now() - 25 * MINUTE)
    page = _text(_report(client, world, missing, seen))
    assert "is not on the school&#x27;s roll" in page
    response = client.post(
        reverse("absence-start", kwargs={"pk": world.pupil.pk}),
        {"first_day": school_day().strftime("%d/%m/%Y"), "contact_attempts": "Phoned"},
    )
    assert "is not on the school&#x27;s roll" in _text(response)
    assert not MissingEpisode.objects.exists()
    assert not ContinuousAbsence.objects.exists()


def test_an_absence_from_a_saturday_or_while_one_is_open_is_refused_with_a_link(
    client,
    world: World,
) -> None:
    client.force_login(world.users["admin"])
    start = reverse("absence-start", kwargs={"pk": world.pupil.pk})
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, tzinfo=LONDON), tick=False):
        client.force_login(world.users["admin"])
        response = client.post(start, {"first_day": "21/11/2026", "contact_attempts": "Phoned"})
        page = _text(response)
        assert 'id="id_first_day-error"' in page
        assert "must be a school day: 21/11/2026 was a Saturday" in page
        current = absences.absence_start(
            actor=world.users["admin"], pupil=world.pupil, first_day=datetime.date(2026, 11, 23),
            contact_attempts="Phoned",
        )  # fmt: skip
        page = _text(client.post(start, {"first_day": "24/11/2026", "contact_attempts": "X"}))
        detail = reverse("absence-detail", kwargs={"pk": current.pk})
        assert f'<a href="{detail}">An absence from 23/11/2026 is already recorded' in page
        assert '<a href="#main-content">An absence' not in page


# --- Required and optional fields of each step -----------------------------------------------------


STEP_CASES = {
    # step: (what is typed, the fields that must not be left blank)
    "searched": ({"notes": "Whole site"}, ["done_date", "done_time", "notes"]),
    "contacted": ({"notes": "Phoned: no reply"}, ["done_date", "done_time", "notes"]),
    "parents_told": (
        {"told": "yes", "person": "Mother"},
        ["told", "done_date", "done_time", "person"],
    ),  # fmt: skip
    "parents_not_told": ({"told": "no", "reason": "With the pupil"}, ["told", "reason"]),
    "police_reported": (
        {"called": "yes", "police_line": "101", "incident_number": "CAD 1"},
        ["called", "police_line", "done_date", "done_time", "incident_number"],
    ),
    "police_not_called": ({"called": "no", "reason": "Found in the hall"}, ["called", "reason"]),
    "social_worker_told": (
        {"allocated": "yes", "person": "Jo"},
        ["allocated", "done_date", "done_time", "person"],
    ),  # fmt: skip
    "no_social_worker": ({"allocated": "no"}, ["allocated"]),
    "found": (
        {"person": "Mr Jones", "place": "Park"},
        ["done_date", "done_time", "person", "place"],
    ),  # fmt: skip
    "police_told_of_return": ({}, ["done_date", "done_time"]),
    "return_interview": ({}, ["done_date", "done_time"]),
}
STEP_OF = {
    "parents_not_told": "parents_told",
    "police_not_called": "police_reported",
    "no_social_worker": "social_worker_told",
}


def test_every_case_covers_a_step() -> None:
    from concerns.models import MissingStep

    assert {STEP_OF.get(case, case) for case in STEP_CASES} == set(MissingStep.values)


@pytest.mark.parametrize("case", list(STEP_CASES))
def test_a_field_not_marked_optional_cannot_be_left_blank(
    client,
    world: World,
    case: str,
) -> None:
    step = STEP_OF.get(case, case)
    episode = _start(world)
    dsl = world.users["dsl"]
    if step in ("police_told_of_return", "return_interview"):
        episodes.missing_step_record(
            actor=dsl, episode=episode, step="police_reported",
            done_at=episode.missing_since + MINUTE, police_line="101", incident_number="1",
        )  # fmt: skip
        episodes.missing_step_record(
            actor=dsl, episode=episode, step="found", done_at=episode.missing_since + 2 * MINUTE,
            person="Mum", place="Home",
        )  # fmt: skip
    typed, required = STEP_CASES[case]
    at = _when(episode.missing_since + 5 * MINUTE)
    data = {"done_date": at["date"], "done_time": at["time"], **typed}
    client.force_login(dsl)
    url = reverse("missing-step", kwargs={"pk": episode.pk, "step": step})
    form = client.get(url).context["form"]
    for name, field in form.fields.items():
        # Every field is either asked for here or labelled "(optional)" (or is asked only on
        # the other answer to the yes/no question).
        assert name in required or str(field.label).endswith("(optional)") or name in {
            "reason", "person", "done_date", "done_time", "police_line", "incident_number",
        }, (name, field.label)  # fmt: skip
    for name in required:
        page = _text(client.post(url, {**data, name: ""}))
        assert f'id="id_{name}-error"' in page, name
        assert f'href="#id_{name}' in page, name  # in the error summary too
    # Everything else may be left blank.
    assert client.post(url, {k: v for k, v in data.items() if k in required}).status_code == 302
