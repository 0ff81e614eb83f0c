"""Quality assurance in real Chromium: the TSO reviews a concern from the term's sample; the
school's DSL reads the feedback on the concern page and responds; the TSO reads the response."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from oversight.models import QaReview, QaReviewStatus, QaSample
from tests.browser.conftest import qa_review_fill, sign_in


def test_tso_reviews_a_sampled_concern_and_the_dsl_responds(
    new_page: Callable[..., Page],
    live_server,
    demo,
) -> None:
    base = live_server.url
    waiting = QaReview.objects.filter(status=QaReviewStatus.DRAFT).select_related("concern")
    reference = waiting.order_by("concern__reference").first().concern.reference

    tso = new_page()
    sign_in(tso, base, "tso@northgate.example")
    tso.get_by_role("link", name="Quality assurance").first.click()
    expect(tso.get_by_role("heading", name="Quality assurance", level=1)).to_be_visible()
    coverage = tso.get_by_role("region", name="QA coverage per school")
    expect(coverage.get_by_role("row", name="Leicester Road School")).to_contain_text("0%")
    sample = QaSample.objects.get()
    expect(tso.get_by_test_id("qa-samples")).to_contain_text(
        f"3 of {sample.population} concerns, drawn"
    )
    tso.get_by_role("region", name="Concerns to review").get_by_role("link", name=reference).click()
    expect(tso.get_by_test_id("qa-record")).to_be_visible()

    tso.get_by_role("button", name="Submit and sign the review").click()
    summary = tso.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select whether the account is clear")
    summary.get_by_role("link", name="Select whether the account is clear").click()
    expect(tso.locator("#id_clarity")).to_be_focused()

    qa_review_fill(
        tso,
        ["Met", "Partly met", "Met", "Met", "Met"],
        "Good",
        "Clear and prompt. Quote the child's own words in the account.",
    )
    tso.get_by_role("button", name="Submit and sign the review").click()
    expect(tso.get_by_test_id("qa-signed")).to_contain_text("Dr Anne Fielding")
    review_url = tso.url

    dsl = new_page()
    sign_in(dsl, base, "dsl@alderbrook.example")
    dsl.get_by_role("link", name="Quality assurance").first.click()
    dsl.get_by_role("link", name=reference).click()
    expect(dsl.get_by_test_id("qa-feedback")).to_contain_text("Quote the child's own words")
    dsl.get_by_role("link", name=f"Open the concern {reference}").click()
    expect(dsl.get_by_test_id("concern-qa")).to_contain_text("Quote the child's own words")
    dsl.get_by_role("link", name="Read the review and respond").click()
    dsl.get_by_label("Your response").fill("We will quote children's words from now on.")
    dsl.get_by_role("button", name="Sign and send the response").click()
    expect(dsl.get_by_test_id("qa-response")).to_contain_text("We will quote children")

    tso.goto(review_url)
    expect(tso.get_by_test_id("qa-response")).to_contain_text("We will quote children")
