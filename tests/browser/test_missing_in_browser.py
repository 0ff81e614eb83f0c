"""A DSL in real Chromium reports a pupil missing, records the protocol step by step as it
happens, closes the episode, and finds it in the pupil's chronology."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import Page, expect

from concerns.models import MissingEpisode
from schools.models import Pupil
from tests.browser.conftest import sign_in


def _record(page: Page, step: str) -> None:
    page.get_by_test_id(f"step-{step}").get_by_role("link", name="Record").click()


def test_dsl_records_a_missing_episode_step_by_step_and_closes_it(
    page: Page, live_server, demo
) -> None:
    base = live_server.url
    pupil = Pupil.objects.filter(
        school__slug="alderbrook", left_on__isnull=True, missing_episodes__isnull=True
    ).first()
    seen = timezone.localtime() - datetime.timedelta(minutes=30)
    sign_in(page, base, "dsl@alderbrook.example")
    page.goto(f"{base}/pupils/{pupil.pk}/")
    page.get_by_test_id("report-missing").click()
    page.get_by_label("Date the pupil was last seen").fill(seen.strftime("%d/%m/%Y"))
    page.get_by_label("Time the pupil was last seen").fill(seen.strftime("%H:%M"))
    page.get_by_label("Where was the pupil last seen, and by whom?").fill(
        "Leaving the lunch hall, seen by the supervisor"
    )
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Report missing and alert the DSL").click()
    expect(page.get_by_test_id("episode-status")).to_have_text("Missing: open")
    expect(page.get_by_test_id("police-guidance")).to_contain_text("999 if the child is believed")
    expect(page.get_by_test_id("remaining-count")).to_have_text("8 of 8 steps still to record.")
    expect(page.get_by_test_id("missing-badge")).to_contain_text("1")  # in the navigation

    _record(page, "searched")
    page.get_by_role("button", name="Record it").click()  # forgot what was searched
    expect(page.locator("#id_notes-error")).to_contain_text("Enter where was searched")
    page.get_by_label("Where was searched, and by whom?").fill("Whole site and the lane")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("Recorded: Premises and surrounding area searched.")).to_be_visible()

    _record(page, "parents_told")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Who was told?").fill("Mother, by phone")
    page.get_by_role("button", name="Record it").click()

    _record(page, "police_reported")
    page.get_by_role("button", name="Record it").click()  # did not say whether they called
    expect(page.locator("#id_called-error")).to_contain_text(
        "Select yes if the pupil was reported missing to the police"
    )
    expect(page.locator("#id_incident_number-error")).to_have_count(0)
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("101 (non-emergency)").check()
    page.get_by_role("button", name="Record it").click()  # forgot the incident number
    expect(page.locator("#id_incident_number-error")).to_contain_text(
        "Enter the police incident number"
    )
    page.get_by_label("Police incident number").fill("CAD 4521")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_test_id("incident-number")).to_have_text("CAD 4521")

    _record(page, "found")
    page.get_by_label("Found by").fill("PC Patel")
    page.get_by_label("Where was the pupil found?").fill("Bus station")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_test_id("close-problems")).to_contain_text("Tell the police")

    _record(page, "police_told_of_return")
    page.get_by_role("button", name="Record it").click()
    problems = page.get_by_test_id("close-problems")
    expect(problems).to_contain_text("no social worker is allocated")
    problems.get_by_role("link").click()  # to the step still to record
    _record(page, "social_worker_told")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Name of the social worker told").fill("Jo Smith")
    page.get_by_role("button", name="Record it").click()
    page.get_by_role("button", name="Close the episode").click()
    expect(page.get_by_test_id("episode-status")).to_have_text("Found: closed")
    expect(page.get_by_test_id("missing-badge")).to_have_count(0)

    # The missing chat, offered after closing, goes into the chronology too.
    _record(page, "return_interview")
    page.get_by_label("Who offered it (optional)").fill("LA missing co-ordinator")
    page.get_by_role("button", name="Record it").click()

    page.get_by_role("link", name="Chronology", exact=True).click()
    entries = page.get_by_test_id("chronology-entry")
    expect(entries.filter(has_text="Reported missing from school by")).to_have_count(1)
    closed = entries.filter(has_text="by PC Patel, at Bus station")
    expect(closed).to_contain_text("called 101, incident CAD 4521")
    expect(closed).to_contain_text("Social worker told at")
    expect(entries.filter(has_text="offered at")).to_contain_text("by LA missing co-ordinator")
    assert MissingEpisode.objects.get(pupil=pupil).steps.count() == 7
