"""The roll by hand, in real Chromium: the school business manager adds a pupil, then records
that they have left (docs/adr/0022)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import Page, expect
from stdnum.gb import upn as stdnum_upn

from roll.rules import academic_year_start
from schools.models import Pupil
from tests.browser.conftest import sign_in


def _fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_the_administrator_adds_a_pupil_and_records_them_leaving(
    page: Page,
    live_server,
    demo,
) -> None:
    upn = stdnum_upn.calc_check_digit("881200900077") + "881200900077"
    start = academic_year_start(timezone.localdate())
    sign_in(page, live_server.url, "admin@alderbrook.example")
    page.get_by_role("link", name="Pupils").first.click()
    page.get_by_role("link", name="Add a pupil").click()

    # At 320 px wide (WCAG reflow) the form scrolls down only, never sideways.
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Legal first name").fill("Noor")
    page.get_by_label("Legal last name").fill("Haddad-Quinn")
    _fill_date(page, "Date of birth", datetime.date(start - 31, 10, 2))  # a typing slip
    page.get_by_label("Unique pupil number (UPN)").fill(upn)
    page.get_by_label("Year group").select_option("4")
    _fill_date(page, "Date joined", datetime.date(start, 9, 3))
    page.get_by_role("group", name="Gender").get_by_label("Female").check()
    page.get_by_role("button", name="Add the pupil").click()

    # The slip is shown beside the date and in the summary; nothing typed is lost.
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#date_of_birth-error")).to_contain_text("check the year of birth")
    expect(page.get_by_label("Legal last name")).to_have_value("Haddad-Quinn")
    expect(page.get_by_label("Unique pupil number (UPN)")).to_have_value(upn)
    page.get_by_role("link", name="check the year of birth").click()
    expect(page.locator("#id_date_of_birth_day")).to_be_focused()
    page.get_by_role("group", name="Date of birth").get_by_label("Year").fill(str(start - 9))
    page.get_by_role("button", name="Add the pupil").click()

    expect(page.get_by_test_id("pupil-name")).to_have_text("Noor Haddad-Quinn")
    expect(page.get_by_text("Noor Haddad-Quinn was added to the roll.")).to_be_visible()
    pupil = Pupil.objects.get(upn=upn)
    assert pupil.school.slug == "alderbrook"
    assert pupil.gender == "F"

    page.get_by_role("link", name="Record that the pupil has left").click()
    _fill_date(page, "Leaving date", timezone.localdate())
    page.get_by_label("Another school").check()
    # The school's name is asked for only once "Another school" is chosen (GOV.UK radios).
    page.get_by_label("Name of the new school").fill("Oak Academy, Chelmsford")
    page.get_by_role("button", name="Record that the pupil has left").click()

    expect(page.get_by_text("Their records are kept.")).to_be_visible()
    expect(page.get_by_test_id("leaving-destination")).to_have_text("Oak Academy, Chelmsford")
    pupil.refresh_from_db()
    assert pupil.left_on == timezone.localdate()
    assert Pupil.objects.filter(pk=pupil.pk).exists()


def test_the_pupil_list_fits_a_320_px_screen(
    page: Page,
    live_server,
    demo,
) -> None:
    """WCAG reflow: the pupils' table fits a 320 px phone, with no sideways page scroll."""
    sign_in(page, live_server.url, "admin@alderbrook.example")
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/pupils/")
        table = page.get_by_role("table", name="Pupils")
        expect(table).to_be_visible()
        expect(table.get_by_role("row")).not_to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The table itself fits too: name, date of birth and year group are all on the screen.
        right = page.evaluate(
            "Math.max(...[...document.querySelectorAll('#pupil-results th')]"
            ".map(c => c.getBoundingClientRect().right))"
        )
        assert right <= width
