"""A DSL in real Chromium sees a pupil to re-assess on the triage inbox, is refused a review
without reasons, then signs one and finds it in the chronology (docs/adr/0044)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from playwright.sync_api import Page, expect

from chronology.models import ChronologyEntry
from concerns import services
from concerns.models import ReassessmentPrompt
from schools.models import Pupil, User
from tests.browser.conftest import sign_in
from tests.concerns.conftest import draft


def test_dsl_sees_a_prompt_and_records_a_review(page: Page, live_server, demo) -> None:
    base = live_server.url
    pupil = (
        Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True)
        .exclude(
            Exists(ReassessmentPrompt.objects.filter(pupil=OuterRef("pk"), review__isnull=True))
        )
        .order_by("legal_last_name")
        .first()
    )
    staff = User.objects.get(email="staff@alderbrook.example")
    categories = {c.label: c for c in services.categories_for(school=pupil.school)}
    for _ in range(3):  # three concerns in a day: "many concerns in a short time"
        services.concern_submit(actor=staff, concern=draft(staff, [pupil], categories))
    prompt = ReassessmentPrompt.objects.get(pupil=pupil, review__isnull=True)

    sign_in(page, base, "dsl@alderbrook.example")
    page.goto(f"{base}/triage/")
    prompts = page.get_by_test_id("reassessment-prompts")
    expect(prompts.get_by_role("heading", name="Pupils to re-assess")).to_be_visible()
    expect(prompts).to_contain_text("3 concerns in 30 days, across all categories")
    # The inbox names the longest waiting first: go through the pupil's own page.
    page.goto(f"{base}/pupils/{pupil.pk}/safeguarding/")
    banner = page.get_by_test_id("reassessment-prompt")
    expect(banner).to_contain_text("Re-assess this pupil's situation")
    banner.get_by_role("link", name="Record your review decision with reasons").click()

    expect(page.get_by_role("heading", name="Re-assess the whole picture")).to_be_visible()
    page.get_by_role("button", name="Sign the review").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the decision of your review")
    expect(summary).to_contain_text("Enter the reasons for your decision")
    summary.get_by_role("link", name="Enter the reasons for your decision").click()
    expect(page.get_by_label("Reasons for your decision")).to_be_focused()

    page.get_by_label("Early help assessment or referral").check()
    page.get_by_label("Reasons for your decision").fill(
        "Three concerns in a day after a quiet term; family agree to an early help assessment"
    )
    page.get_by_role("button", name="Sign the review").click()
    expect(page.get_by_text("Your review was signed and added to the chronology.")).to_be_visible()
    expect(page.get_by_test_id("reassessment-prompt")).to_have_count(0)
    expect(
        page.get_by_text("Re-assessment review of the whole picture: Early help")
    ).to_be_visible()
    prompt.refresh_from_db()
    assert prompt.review is not None
    assert ChronologyEntry.objects.filter(pupil=pupil, kind="reassessment_review").count() == 1
