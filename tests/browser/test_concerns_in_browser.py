"""The whole loop in real Chromium: staff log a concern on a phone, the DSL triages it, the
reporter sees what happened; and a draft survives a session that ends while typing."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from concerns.models import Concern, DslRecord
from schools.models import Pupil
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "mark.jpg"
    image = Image.new("RGB", (80, 60), (170, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return path


def _add_pupil(page: Page, pupil: Pupil) -> None:
    # htmx listens once the draft page has fully loaded (typing before that goes nowhere).
    page.wait_for_url(re.compile(r"/concerns/drafts/[0-9a-f-]+/"))
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
    search = page.get_by_label(re.compile("Which pupil is this about|Add another pupil"))
    search.press_sequentially(pupil.legal_last_name[:5], delay=60)  # typed, as a person types
    page.locator("#pupil-results").get_by_role(
        "button", name=f"Add {pupil.legal_first_name} {pupil.legal_last_name}"
    ).click()
    expect(page.locator("#pupils h3", has_text=pupil.display_name)).to_be_visible()


def test_staff_logs_a_concern_on_a_phone_and_the_dsl_acts_on_it(
    new_page,
    live_server,
    demo,
    photo: Path,
) -> None:
    base = live_server.url
    first, second = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).order_by(
        "legal_last_name"
    )[:2]

    # A member of staff, on a phone.
    phone = new_page(viewport=PHONE)
    sign_in(phone, base, "staff@alderbrook.example")
    phone.get_by_test_id("log-concern").click()
    phone.get_by_role("button", name="Start").click()
    _add_pupil(phone, first)
    _add_pupil(phone, second)

    one = phone.locator(".app-involvement").nth(0)
    one.get_by_label("Experienced it").check()
    one.get_by_label("Physical abuse", exact=True).check()
    two = phone.locator(".app-involvement").nth(1)
    two.get_by_label("Witnessed it").check()
    two.get_by_label("Child-on-child abuse").check()
    two.get_by_label("Physical abuse by another child").check()

    phone.get_by_label("Day", exact=True).fill("20")
    phone.get_by_label("Month", exact=True).fill("11")
    phone.get_by_label("Year", exact=True).fill("2026")
    phone.get_by_label("Time", exact=True).fill("10:40")
    phone.get_by_label("Where did it happen?").fill("Playground")
    phone.get_by_label("Note the reason(s) for recording the incident").fill("A disclosure")
    phone.get_by_label("Record the following factually").fill(
        'She said: "my dad hit me with a belt."'
    )
    phone.get_by_label("No", exact=True).check()
    expect(phone.locator("#autosave-status")).to_contain_text("Draft saved at")

    # A mark on the front of the body map, placed by tapping the drawing.
    front = phone.locator("svg[data-side=front]")
    front.scroll_into_view_if_needed()
    box = front.bounding_box()
    assert box is not None
    phone.mouse.click(box["x"] + box["width"] * 0.27, box["y"] + box["height"] * 0.23)
    expect(phone.locator("#mark-where")).to_contain_text("front, right upper arm")
    phone.get_by_label("What did you see?").fill("Red mark about 3cm across")
    phone.get_by_role("button", name="Add this mark").click()
    expect(phone.get_by_test_id("body-marks")).to_contain_text(
        f"{first.display_name}, front, right upper arm: Red mark about 3cm across"
    )

    phone.get_by_label("Add a photo or document").set_input_files(photo)
    phone.get_by_role("button", name="Upload file").click()
    expect(phone.locator("#files")).to_contain_text("mark.jpg")

    phone.get_by_role("button", name="Continue").click()
    expect(
        phone.get_by_role("heading", name="Check your answers before submitting the concern")
    ).to_be_visible()
    phone.get_by_role("button", name="Sign and submit").click()
    expect(phone.get_by_text(re.compile(r"Concern ALD-\d{4}-\d{4} submitted"))).to_be_visible()
    concern = Concern.objects.filter(status="received").latest("written_at")
    assert concern.involvements.count() == 2
    assert concern.body_marks.count() == 1
    assert b"PhoneMaker" not in concern.attachments.get().file.read()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the concern page scrolls sideways on a phone"

    # The DSL, at a desktop.
    desk = new_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, base, "dsl@alderbrook.example")
    new = Concern.objects.filter(school__slug="alderbrook", opened_at__isnull=True).exclude(
        status="draft"
    )
    expect(desk.get_by_test_id("triage-badge")).to_have_text(f"{new.count()} new")
    desk.get_by_role("link", name=re.compile("^Concerns")).click()
    desk.get_by_role("link", name=concern.reference).click()
    desk.get_by_role("link", name="Open and record the DSL's decision").click()
    desk.get_by_label("Referral to children's social care").check()
    desk.get_by_label("Reasons for the action taken").fill("Disclosure of harm by a parent")
    desk.get_by_label("Specialist", exact=True).check()
    desk.get_by_label("Reasons for the level of need").fill("Risk of significant harm")
    desk.locator("#id_parents_informed_1").check()  # No
    desk.get_by_label("Reasons", exact=True).fill("Telling the father could increase the risk")
    desk.get_by_label("Yes, open a child-protection file").check()
    desk.get_by_label("Why?").fill("First disclosure")
    desk.get_by_role("button", name="Sign the DSL record").click()
    expect(desk.get_by_text("The DSL record is signed.")).to_be_visible()
    expect(desk.get_by_test_id("part-2")).to_contain_text("Referral to children's social care")

    desk.get_by_label("What needs doing?").fill("Check in with the pupil at lunch")
    desk.get_by_label("Who will do it?").select_option(label="Sam Taylor (Class teacher)")
    due = timezone.localdate() + datetime.timedelta(days=30)  # within five years (ADR 0034)
    desk.get_by_label("Due by").fill(due.strftime("%d/%m/%Y"))
    desk.get_by_role("button", name="Assign action").click()
    expect(desk.get_by_text("Action assigned.")).to_be_visible()
    assert DslRecord.objects.get(concern=concern).status == "signed"

    # The reporter sees the status change and their action, never the DSL's record.
    phone.goto(f"{base}/concerns/mine/")
    expect(phone.get_by_test_id("my-concern").filter(has_text=concern.reference)).to_contain_text(
        "Actioned"
    )
    phone.get_by_role("link", name=concern.reference).click()
    expect(phone.get_by_test_id("reporter-status")).to_contain_text("recorded a decision")
    expect(phone.get_by_text("Disclosure of harm by a parent")).to_have_count(0)
    phone.goto(f"{base}/actions/")
    expect(
        phone.get_by_test_id("my-action").filter(has_text="Check in with the pupil at lunch")
    ).to_have_count(1)


def test_a_mark_on_each_of_two_pupils_is_drawn_numbered_on_the_concern(
    new_page, live_server, demo
) -> None:
    """Issue 20: "Add this mark" with nothing chosen shows an error summary that takes focus;
    a mark for each of two pupils (one placed with the keyboard, one by clicking the drawing) is
    drawn numbered in each pupil's own drawing on the concern, with the body part in words."""
    base = live_server.url
    first, second = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).order_by(
        "legal_last_name"
    )[:2]
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "staff@alderbrook.example")
    page.get_by_test_id("log-concern").click()
    page.get_by_role("button", name="Start").click()
    _add_pupil(page, first)
    _add_pupil(page, second)

    page.get_by_role("button", name="Add this mark").click()
    summary = page.locator("#error-summary .govuk-error-summary")
    expect(summary).to_be_focused()
    where = summary.get_by_role("link", name=re.compile("Choose where on the body"))
    expect(where).to_have_attribute("href", "#body-map-spot")
    expect(summary.get_by_role("link", name="Describe what you saw at this mark")).to_have_count(1)
    where.click()
    expect(page.locator("#body-map-spot")).to_be_focused()

    # The first pupil's mark, with the keyboard.
    page.locator("[aria-label='Front: left forearm']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#mark-where")).to_contain_text("front, left forearm")
    page.get_by_label("Which pupil?").select_option(label=first.display_name)
    page.get_by_label("What did you see?").fill("Purple bruise 3cm across")
    page.get_by_role("button", name="Add this mark").click()
    expect(page.get_by_test_id("draft-body-mark")).to_have_count(1)
    expect(page.locator("#error-summary .govuk-error-summary")).to_have_count(0)

    # The second pupil's mark, clicked on the back of the drawing (the lower back).
    back = page.locator("svg[data-side=back]")
    back.scroll_into_view_if_needed()
    box = back.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.35)
    expect(page.locator("#mark-where")).to_contain_text("back, lower back")
    page.get_by_label("Which pupil?").select_option(label=second.display_name)
    page.get_by_label("What did you see?").fill("Graze")
    page.get_by_role("button", name="Add this mark").click()
    expect(page.get_by_test_id("draft-body-mark")).to_have_count(2)

    one = page.locator(".app-involvement").nth(0)
    one.get_by_label("Experienced it").check()
    one.get_by_label("Physical abuse", exact=True).check()
    two = page.locator(".app-involvement").nth(1)
    two.get_by_label("Experienced it").check()
    two.get_by_label("Physical abuse", exact=True).check()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    page.get_by_label("Day", exact=True).fill(str(yesterday.day))
    page.get_by_label("Month", exact=True).fill(str(yesterday.month))
    page.get_by_label("Year", exact=True).fill(str(yesterday.year))
    page.get_by_label("Time", exact=True).fill("10:40")
    page.get_by_label("Note the reason(s) for recording the incident").fill("Marks seen")
    page.get_by_label("Record the following factually").fill("Bruises seen at registration")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("body-map-drawing")).to_have_count(2)
    page.get_by_role("button", name="Sign and submit").click()
    expect(page.get_by_text(re.compile(r"Concern ALD-\d{4}-\d{4} submitted"))).to_be_visible()

    drawings = page.get_by_test_id("body-map-drawing")
    expect(drawings).to_have_count(2)
    mine, theirs = drawings.nth(0), drawings.nth(1)
    expect(mine.get_by_role("heading")).to_have_text(f"Marks on {first.display_name}")
    expect(mine.locator("svg[data-side=front] [data-mark='1']")).to_be_visible()
    expect(mine.locator("[data-mark='2']")).to_have_count(0)
    expect(mine.get_by_test_id("body-map-mark")).to_have_text(
        f"Mark 1: {first.display_name}, front, left forearm. Purple bruise 3cm across"
    )
    expect(theirs.get_by_role("heading")).to_have_text(f"Marks on {second.display_name}")
    expect(theirs.locator("svg[data-side=back] [data-mark='2']")).to_be_visible()
    expect(theirs.get_by_test_id("body-map-mark")).to_have_text(
        f"Mark 2: {second.display_name}, back, lower back. Graze"
    )
    # The mark is drawn where it was put: the first on the viewer's right of the front outline.
    svg = mine.locator("svg[data-side=front]").bounding_box()
    dot = mine.locator("[data-mark='1'] circle").bounding_box()
    assert svg is not None
    assert dot is not None
    assert dot["x"] > svg["x"] + svg["width"] * 0.6

    page.get_by_role("link", name="Print this concern").click()
    expect(page.locator("main")).to_contain_text("Part 1 (for use by any staff)")
    expect(page.get_by_test_id("body-map-drawing")).to_have_count(2)
    assert page.locator("nav").count() == 0


def test_a_draft_survives_the_session_ending_while_typing(page: Page, live_server, demo) -> None:
    base = live_server.url
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    sign_in(page, base, "staff@alderbrook.example")
    page.goto(f"{base}/concerns/new/")
    page.get_by_role("button", name="Start").click()
    _add_pupil(page, pupil)
    account = page.get_by_label("Record the following factually")
    account.fill("First part, saved before the session ended.")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    draft_url = page.url

    Session.objects.all().delete()  # the session ends (idle time-out, or 12 hours)
    account.press_sequentially(" Second part, typed after it ended.", delay=5)
    page.wait_for_url(re.compile(r"/sign-in/\?next="), timeout=15_000)
    page.get_by_label("Email address").fill("staff@alderbrook.example")
    page.get_by_label("Password").fill("demo-password-123")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(draft_url)
    expect(page.locator("#restored-banner")).to_be_visible()
    full = "First part, saved before the session ended. Second part, typed after it ended."
    expect(page.get_by_label("Record the following factually")).to_have_value(full)
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")
    draft_id = draft_url.rstrip("/").split("/")[-1]
    assert Concern.objects.get(pk=draft_id).account == full
