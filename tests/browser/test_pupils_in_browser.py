"""What a person does, in real Chromium: sign in, find a pupil, open their page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from schools.models import Pupil
from tests.browser.conftest import sign_in


def test_dsl_signs_in_searches_and_opens_a_pupil(page: Page, live_server, demo) -> None:
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    sign_in(page, live_server.url, "dsl@alderbrook.example")
    expect(page.get_by_test_id("acting-school")).to_contain_text("Alderbrook Primary")

    page.get_by_role("link", name="Pupils").first.click()
    search = page.get_by_label("Search pupils")
    search.press_sequentially(pupil.legal_last_name[:4], delay=30)
    # htmx replaces the results as the DSL types, without a page load.
    result = page.get_by_role(
        "link", name=f"{pupil.legal_last_name.upper()}, {pupil.legal_first_name}"
    )
    expect(result.first).to_be_visible()
    expect(page.get_by_test_id("pupil-count")).to_contain_text(
        f"matching “{pupil.legal_last_name[:4]}”"
    )
    for row in page.locator("#pupil-results tbody tr").all():
        expect(row).to_contain_text(pupil.legal_last_name[:4], ignore_case=True)

    page.goto(f"{live_server.url}/pupils/{pupil.pk}/")
    expect(page.get_by_test_id("pupil-name")).to_have_text(pupil.display_name)
    expect(page.get_by_text(pupil.upn)).to_be_visible()


def test_staff_cannot_see_another_schools_pupils(page: Page, live_server, demo) -> None:
    alderbrook_pupil = Pupil.objects.filter(school__slug="alderbrook").first()
    sign_in(page, live_server.url, "staff@southend-bay.example")
    expect(page.get_by_test_id("acting-school")).to_contain_text("Southend Bay Academy")

    page.goto(f"{live_server.url}/pupils/?include_left=on")
    count = Pupil.objects.filter(school__slug="southend-bay").count()
    expect(page.get_by_test_id("pupil-count")).to_have_text(f"{count} pupils")
    expect(page.locator(f"a[href='/pupils/{alderbrook_pupil.pk}/']")).to_have_count(0)

    response = page.goto(f"{live_server.url}/pupils/{alderbrook_pupil.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text(alderbrook_pupil.legal_last_name)).to_have_count(0)


def test_hide_screen_blanks_the_page_at_once(page: Page, live_server, demo) -> None:
    sign_in(page, live_server.url, "staff@alderbrook.example")
    page.goto(f"{live_server.url}/pupils/")
    overlay = page.locator("#hide-screen")
    expect(overlay).to_be_hidden()

    page.get_by_role("button", name="Hide screen").click()
    expect(overlay).to_be_visible()
    assert page.title() == "New tab"
    # The page underneath can no longer be reached by mouse or keyboard.
    assert page.evaluate("document.querySelector('main').closest('[inert]') !== null")
    box = overlay.bounding_box()
    assert box is not None
    assert box["width"] >= 1280
    assert box["height"] >= 900

    page.get_by_role("button", name="Show screen").click()
    expect(overlay).to_be_hidden()
    assert "Pupils" in page.title()

    # Shift pressed 3 times hides it from the keyboard too (GOV.UK's "Exit this page" shortcut),
    # even while typing a search, and the search survives.
    page.get_by_label("Search pupils").fill("ali")
    for _ in range(3):
        page.keyboard.press("Shift")
    expect(overlay).to_be_visible()
    page.get_by_role("button", name="Show screen").click()
    expect(page.get_by_label("Search pupils")).to_have_value("ali")


def test_back_after_opening_a_result_shows_the_whole_search_page(
    page: Page, live_server, demo
) -> None:
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    sign_in(page, live_server.url, "dsl@alderbrook.example")
    page.goto(f"{live_server.url}/pupils/")
    page.get_by_label("Search pupils").press_sequentially(pupil.legal_last_name[:4], delay=30)
    # The address bar has the results' own URL: a token for what was typed, never the letters.
    expect(page).to_have_url(re.compile(r"/pupils/\?q=t-[\w-]+$"))
    assert pupil.legal_last_name[:4].lower() not in page.url.lower()
    page.get_by_role(
        "link", name=f"{pupil.legal_last_name.upper()}, {pupil.legal_first_name}"
    ).first.click()
    expect(page.get_by_test_id("pupil-name")).to_be_visible()
    page.go_back()
    # The full page, with the header, the Hide screen button and the search still typed in.
    expect(page.get_by_role("button", name="Hide screen")).to_be_visible()
    expect(page.get_by_label("Search pupils")).to_have_value(pupil.legal_last_name[:4])
    expect(page.get_by_test_id("pupil-count")).to_contain_text("matching")


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page: Page, live_server, demo) -> None:
    sign_in(page, live_server.url, "dsl@alderbrook.example")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"


def test_phone_sized_screen_shows_the_school_and_menu(page: Page, live_server, demo) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server.url, "staff@alderbrook.example")
    expect(page.get_by_test_id("acting-school")).to_be_visible()
    expect(page.get_by_role("button", name="Hide screen")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"


def test_the_search_works_without_javascript_and_keeps_the_name_out_of_the_url(
    new_page, live_server, demo
) -> None:
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server.url, "dsl@alderbrook.example")
    page.goto(f"{live_server.url}/pupils/")
    page.get_by_label("Search pupils").fill(pupil.legal_last_name)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("pupil-count")).to_contain_text(
        f"matching “{pupil.legal_last_name}”"
    )
    assert re.search(r"/pupils/\?q=t-[\w-]+$", page.url), page.url
    assert pupil.legal_last_name.lower() not in page.url.lower()
    # Reloading the results page shows the same search (the token is this session's).
    page.reload()
    expect(page.get_by_label("Search pupils")).to_have_value(pupil.legal_last_name)
