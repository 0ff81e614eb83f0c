"""A DSL in real Chromium makes a phone referral from a concern, records the written follow-up and
the outcome; the chronology shows each step."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from chronology.models import ChronologyEntry, EntryKind
from concerns.models import Concern
from contacts.models import Agency
from referrals.models import Referral
from tests.browser.conftest import sign_in


def test_dsl_makes_a_phone_referral_and_follows_it_to_an_outcome(
    page: Page,
    live_server,
    demo,
) -> None:
    base = live_server.url
    concern = Concern.objects.get(
        school__slug="alderbrook", reason_for_recording="Injury and fear of going home."
    )
    pupil = concern.involvements.get().pupil
    sign_in(page, base, "dsl@alderbrook.example")
    page.goto(f"{base}/concerns/{concern.pk}/")
    page.get_by_role("link", name="Record a referral").click()

    page.get_by_label(pupil.display_name).check()
    hub = Agency.objects.filter(local_authority="Essex", kind="social_care").first()
    page.get_by_label("Agency", exact=True).select_option(value=str(hub.pk))
    page.get_by_label("Request for support to children's social care").check()
    page.get_by_label("Immediate: the child may be at risk of significant harm now").check()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Who you spoke to or sent it to (optional)").fill("Duty social worker")
    page.get_by_label("What you referred and why").fill("Cut lip and fear of going home.")
    page.get_by_label("No: parents or carers were not told").check()
    page.get_by_label("Reasons").fill("Telling the parent could put the child at greater risk.")
    page.get_by_role("button", name="Record the referral").click()

    expect(page.get_by_test_id("follow-up-warning")).to_be_visible()
    expect(page.get_by_test_id("follow-up-outstanding")).to_have_text("Follow-up due today")
    page.get_by_role("link", name="Record the written follow-up").click()
    page.get_by_label("Who it was sent to").fill("Essex Effective Support portal")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Written follow-up recorded.")).to_be_visible()
    expect(page.get_by_test_id("follow-up-warning")).to_have_count(0)

    page.get_by_role("link", name="Record a response or the outcome").click()
    page.get_by_label("The outcome of the referral").check()
    page.get_by_label("Who it came from").fill("Hub team manager")
    page.get_by_label("Outcome (if this is the outcome)").select_option(
        label="Child in Need assessment"
    )
    page.get_by_label("Notes").fill("A social worker will visit the family this week.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Closed")
    expect(page.get_by_test_id("referral-outcome")).to_have_text("Child in Need assessment")

    page.goto(f"{base}/pupils/{pupil.pk}/chronology/")
    entries = page.get_by_test_id("chronology-entry")
    made = f"Request for support to children's social care: referral to {hub.name} by phone"
    expect(entries.filter(has_text=made)).to_have_count(1)
    expect(entries.filter(has_text="Written follow-up to the referral")).to_have_count(1)
    expect(entries.filter(has_text="Child in Need assessment")).to_have_count(1)

    referral = Referral.objects.get(concern=concern)
    assert referral.status == "closed"
    kinds = set(
        ChronologyEntry.objects.filter(
            pupil=pupil, source_label__startswith="referrals."
        ).values_list("kind", flat=True)
    )
    assert kinds == {
        EntryKind.REFERRAL_MADE,
        EntryKind.REFERRAL_FOLLOW_UP,
        EntryKind.REFERRAL_RESPONSE,
    }


def test_the_referrals_pages_fit_a_phone(page: Page, live_server, demo) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "dsl@alderbrook.example")
    closed = Referral.objects.filter(school__slug="alderbrook", outcome="section_47").get()
    for path in ("/referrals/", f"/referrals/{closed.pk}/"):
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
    page.goto(f"{base}/referrals/")
    status = page.get_by_test_id("referral-status").first
    box = status.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390  # the status column is on screen, not scrolled away


def test_the_referral_list_pages_forwards_and_back_on_a_small_phone(
    page: Page, live_server, demo, monkeypatch
) -> None:
    """Previous and Next (GOV.UK pagination, no page numbers: the list is paged by keyset) at
    320px, with the filter kept and no sideways scroll."""
    from referrals import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    base = live_server.url
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, base, "dsl@alderbrook.example")
    page.goto(f"{base}/referrals/?state=open")
    listed = Referral.objects.filter(school__slug="alderbrook").exclude(status="closed").count()
    assert listed >= 2
    seen = []
    for _ in range(listed):
        rows = page.get_by_test_id("referral-table").locator("tbody tr")
        expect(rows).to_have_count(1)
        seen.append(rows.first.get_by_role("link").get_attribute("href"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide on a 320px phone"
        expect(page.get_by_test_id("count-overdue")).to_be_visible()
        if len(seen) < listed:
            page.get_by_role("link", name="Next page").click()
            page.wait_for_load_state()
            assert "state=open" in page.url
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    assert len(set(seen)) == listed
    page.get_by_role("link", name="Previous page").click()
    page.wait_for_load_state()
    rows = page.get_by_test_id("referral-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    assert rows.first.get_by_role("link").get_attribute("href") == seen[-2]
