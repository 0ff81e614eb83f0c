"""A DSL in real Chromium searches the school's records and opens what they found (issue 20)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from audit.models import AccessLog
from concerns import services
from schools.models import Pupil, SchoolMembership
from tests.browser.conftest import sign_in
from tests.concerns.conftest import draft


def test_dsl_searches_and_opens_a_result(page: Page, live_server, demo) -> None:
    base = live_server.url
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    staff = SchoolMembership.objects.get(
        school=pupil.school, user__email="staff@alderbrook.example"
    ).user
    categories = {c.label: c for c in services.categories_for(school=pupil.school)}
    concern = services.concern_submit(
        actor=staff,
        concern=draft(
            staff,
            [pupil],
            categories,
            account="After school I saw them get into their uncle's car by the gate <b>again</b>.",
        ),
    )
    sign_in(page, base, "dsl@alderbrook.example")
    page.get_by_role("link", name="Search records").click()
    expect(page.get_by_role("heading", name="Search records")).to_be_visible()
    page.get_by_role("button", name="Search").click()  # nothing typed: told what to do
    expect(page.get_by_role("link", name="Enter the words to search for")).to_be_visible()
    page.get_by_label("Words to search for").fill("uncle's cars")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-result")
    expect(results).to_have_count(1)
    expect(results.locator("mark").first).to_have_text("uncle")
    expect(results).to_contain_text("by the gate")
    expect(results.locator("b")).to_have_count(0)  # the record's markup is never markup here
    assert "uncle" not in page.url  # the words never travel in the address
    results.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/concerns/{concern.pk}/")
    expect(page.get_by_text("their uncle's car by the gate")).to_be_visible()
    whats = set(AccessLog.objects.filter(pupil=pupil).values_list("what", flat=True))
    assert "record_search" in whats
