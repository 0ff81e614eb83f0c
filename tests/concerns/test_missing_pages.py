"""The missing-children pages as people use them: what is shown, what is refused, what is kept."""

from __future__ import annotations

import datetime
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from concerns import missing_services as services
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import LONDON
from tests.conftest import World
from tests.factories import PupilFactory

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _start(world: World, pupil=None, at=None) -> MissingEpisode:  # noqa: ANN001
    at = at or timezone.now() - HOUR
    return services.missing_episode_start(
        actor=world.users["staff"],
        pupil=pupil or world.pupil,
        missing_since=at,
        last_seen_at=at - 10 * MINUTE,
        last_seen_details="Science lab, seen by Mr Jones",
    )


def _close(world: World, episode: MissingEpisode) -> MissingEpisode:
    services.missing_step_record(
        actor=world.users["dsl"],
        episode=episode,
        step="found",
        done_at=episode.missing_since + 30 * MINUTE,
        person="Caretaker",
        place="Bike shed",
    )
    return services.missing_episode_close(actor=world.users["dsl"], episode=episode)


def _text(response) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", response.content.decode())


def _when(moment: datetime.datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}


# --- Reporting ----------------------------------------------------------------------------------


def test_a_teacher_reports_a_pupil_missing_from_the_pupil_page(client, world: World) -> None:  # noqa: ANN001
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
    world: World,  # noqa: ANN001
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


def test_a_dsl_reporting_goes_straight_to_the_checklist(client, world: World) -> None:  # noqa: ANN001
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
    world: World,  # noqa: ANN001
) -> None:
    episode = _start(world)
    services.missing_step_record(
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


def test_the_dsl_records_a_step_and_bad_input_keeps_what_was_typed(client, world: World) -> None:  # noqa: ANN001
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


def test_no_social_worker_marks_the_step_not_applicable(client, world: World) -> None:  # noqa: ANN001
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


def test_closing_from_the_page_puts_the_episode_in_the_chronology(client, world: World) -> None:  # noqa: ANN001
    episode = _start(world)
    client.force_login(world.users["dsl"])
    detail = reverse("missing-detail", kwargs={"pk": episode.pk})
    page = _text(client.get(detail))
    assert "Record when, where and by whom the pupil was found" in page
    response = client.post(reverse("missing-close", kwargs={"pk": episode.pk}), follow=True)
    assert "cannot be closed yet" in _text(response)
    services.missing_step_record(
        actor=world.users["dsl"],
        episode=episode,
        step="found",
        done_at=episode.missing_since + 20 * MINUTE,
        person="Mr Jones",
        place="The bus stop",
    )
    response = client.post(reverse("missing-close", kwargs={"pk": episode.pk}), follow=True)
    assert "closed and in the pupil&#x27;s chronology" in _text(response)
    chronology = _text(client.get(reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})))
    assert "by Mr Jones, at The bus stop" in chronology
    assert "Reported missing from school by" in chronology


# --- Frequent episodes ----------------------------------------------------------------------------


def test_three_episodes_in_a_year_are_flagged_on_the_episode_and_safeguarding_pages(
    client,
    world: World,  # noqa: ANN001
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
    world: World,  # noqa: ANN001
) -> None:
    closed = _close(world, _start(world, at=timezone.now() - datetime.timedelta(days=2)))
    second = PupilFactory(school=world.school, legal_last_name="Secondperson")
    current = _start(world, pupil=second)
    theirs = services.missing_episode_start(
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
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    _start(world)
    client.force_login(world.users["dsl"])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("missing-list"))
    for _ in range(4):
        _start(world, pupil=PupilFactory(school=world.school))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("missing-list")).status_code == 200


# --- Children missing education -------------------------------------------------------------------


def test_the_admin_records_an_absence_and_the_deadline_shows_today_then_overdue(
    client,
    world: World,  # noqa: ANN001
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


def test_the_absence_list_never_returns_another_schools(client, world: World) -> None:  # noqa: ANN001
    services.absence_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        first_day=timezone.localdate(),
        contact_attempts="Phoned",
    )
    theirs = services.absence_start(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        first_day=timezone.localdate(),
        contact_attempts="Phoned",
    )
    client.force_login(world.users["admin"])
    page = _text(client.get(reverse("absence-list")))
    assert world.pupil.legal_last_name in page
    assert str(theirs.pk) not in page
    assert world.other_pupil.legal_last_name not in page


def test_the_safeguarding_page_links_to_reporting_and_lists_absences(
    client,
    world: World,  # noqa: ANN001
) -> None:
    absence = services.absence_start(
        actor=world.users["dsl"],
        pupil=world.pupil,
        first_day=timezone.localdate(),
        contact_attempts="Phoned",
    )
    client.force_login(world.users["dsl"])
    page = _text(client.get(reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})))
    assert reverse("missing-start", kwargs={"pk": world.pupil.pk}) in page
    assert reverse("absence-detail", kwargs={"pk": absence.pk}) in page
    assert "0 missing episodes in the last 12 months." in page
    home = _text(client.get(reverse("home")))
    assert f'href="{reverse("missing-list")}"' in home  # in the navigation
