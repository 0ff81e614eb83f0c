"""A DSL in real Chromium opens a CP file, adds a phone call, corrects it and prints the chronology."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from chronology.models import ChronologyEntry
from schools.models import Pupil
from tests.browser.conftest import sign_in


def test_dsl_opens_a_file_adds_and_corrects_an_entry_and_prints(
    page: Page, live_server, demo
) -> None:
    base = live_server.url
    pupil = Pupil.objects.filter(
        school__slug="alderbrook", left_on__isnull=True, cp_files__isnull=True
    ).first()
    before = ChronologyEntry.objects.filter(pupil=pupil).count()  # the demo's year of history
    sign_in(page, base, "dsl@alderbrook.example")
    page.goto(f"{base}/pupils/{pupil.pk}/")
    page.get_by_test_id("safeguarding-link").click()
    expect(page.get_by_test_id("cp-file-none")).to_be_visible()
    page.get_by_label("Should a concern/confidential file be commenced? Why?").fill(
        "Disclosure of harm at home"
    )
    page.get_by_role("button", name="Open a child-protection file").click()
    expect(page.get_by_test_id("cp-file-open")).to_be_visible()

    page.get_by_role("link", name="Chronology", exact=True).click()
    page.get_by_role("link", name="Add an entry").click()
    page.get_by_label("Type of entry").select_option(label="Phone call")
    page.get_by_label("Date and time it happened").fill("20/11/2026 10:15")
    page.get_by_label("Information or details").fill(
        "Called the duty social worker about the disclosure"
    )
    page.get_by_label("People involved").fill("Jo Smith, duty social worker")
    page.get_by_role("button", name="Add and sign the entry").click()
    expect(page.get_by_text("The entry was added to the chronology.")).to_be_visible()

    call = page.get_by_test_id("chronology-entry").filter(has_text="Called the duty social worker")
    call.get_by_role("link", name="Correct this entry").click()
    page.get_by_label("The correction").fill("The call was at 11:15, not 10:15")
    page.get_by_role("button", name="Add the correction").click()
    expect(page.get_by_text("The original entry is unchanged.")).to_be_visible()

    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", name="Case Record/Chronology")).to_be_visible()
    expect(page.get_by_test_id("print-name")).to_contain_text(pupil.legal_first_name)
    rows = page.get_by_test_id("print-entry")
    expect(rows.filter(has_text="Called the duty social worker")).to_have_count(1)
    expect(rows.filter(has_text="The call was at 11:15")).to_contain_text(
        "Corrects the entry of 20/11/2026 10:15"
    )
    expect(rows.filter(has_text="Child-protection file opened")).to_have_count(1)
    pdf = page.pdf(format="A4")  # Chromium's own print: the page lays out on paper
    assert pdf.startswith(b"%PDF")
    assert ChronologyEntry.objects.filter(pupil=pupil).count() == before + 3
