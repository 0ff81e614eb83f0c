"""Issue 8 end to end in real Chromium, on the demo trust: the TSO opens the trust dashboard, sees
what needs attention, filters to one school, drills into a category, records a QA review of a
concern from that list; the school's DSL sees the feedback. The drill-down is in the access log."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from audit.models import AccessLog
from oversight.models import QaReview, QaReviewStatus
from schools.models import School
from tests.browser.conftest import qa_review_fill, sign_in


def test_tso_finds_a_spike_drills_in_and_reviews_and_the_dsl_sees_the_feedback(
    new_page: Callable[..., Page],
    live_server,
    demo_with_history,
) -> None:
    base = live_server.url
    southend = School.objects.get(slug="southend-bay")

    tso = new_page()
    sign_in(tso, base, "tso@northgate.example")
    tso.get_by_role("link", name="Dashboard", exact=True).first.click()
    expect(tso.get_by_role("heading", name="Northgate Learning Trust", level=1)).to_be_visible()

    # One screen says what needs attention: the demo's online-safety spike at Southend Bay.
    attention = tso.get_by_test_id("needs-attention")
    expect(attention).to_contain_text("Online safety at Southend Bay Academy")

    # Filter to the one school.
    tso.get_by_text("Change the dates, schools or pupils").click()
    tso.get_by_role("checkbox", name="Southend Bay Academy").check()
    tso.get_by_role("button", name="Show the figures").click()
    expect(tso.get_by_test_id("period")).to_contain_text("Showing 1 of 3 schools")
    schools = tso.get_by_role("region", name=re.compile("side by side|per school", re.I)).first
    expect(schools).to_contain_text("Southend Bay Academy")
    expect(schools).not_to_contain_text("Alderbrook Primary")

    # Concerns by pupil characteristic are shown when asked for (they cost a second at scale),
    # for the school chosen.
    tso.get_by_role("link", name="Show concerns by pupil characteristic").click()
    expect(tso.get_by_role("heading", name=re.compile("^Each school, by"))).to_be_visible()
    expect(tso.get_by_test_id("period")).to_contain_text("Showing 1 of 3 schools")

    # Drill into the category: the count in the table is the number of concerns listed.
    categories = tso.locator("[data-table=categories]")
    row = categories.get_by_role("row", name=re.compile("^Online safety"))
    link = row.get_by_role("link").first
    count = int(re.match(r"[\d,]+", link.inner_text())[0].replace(",", ""))  # type: ignore[index]
    assert count > 0
    link.click()
    expect(tso.get_by_test_id("drilldown-heading")).to_contain_text("Southend Bay Academy")
    expect(tso.get_by_test_id("drilldown-heading")).to_contain_text(
        re.compile("online safety", re.I)
    )
    expect(tso.get_by_test_id("drilldown-count")).to_have_text(str(count))
    logged = AccessLog.objects.filter(
        what="dashboard_drilldown", school=southend, user__email="tso@northgate.example"
    )
    assert logged.exists()

    # Review the first concern listed that has no review yet.
    drilldown_url = tso.url
    tso.get_by_role("link", name=re.compile("^Review")).first.click()
    reference = tso.get_by_label(re.compile("reference", re.I)).input_value()
    assert reference.startswith(southend.reference_prefix)
    tso.get_by_role("button", name="Continue").click()
    expect(tso.get_by_test_id("qa-record")).to_be_visible()
    qa_review_fill(
        tso,
        ["Met", "Not met", "Met", "Met", "Partly met"],
        "Requires improvement",
        "Six online-safety concerns in four weeks: record what the pupil said, in their words.",
    )
    tso.get_by_role("button", name="Submit and sign the review").click()
    expect(tso.get_by_test_id("qa-signed")).to_contain_text("Dr Anne Fielding")
    review = QaReview.objects.get(concern__reference=reference)
    assert review.status == QaReviewStatus.SUBMITTED

    # Back on the list, the concern now shows its rating instead of "Review".
    tso.goto(drilldown_url)
    listed = tso.locator("[data-table]").first.get_by_role("row", name=re.compile(reference))
    expect(listed).to_contain_text("Requires improvement")

    # The school's DSL sees the feedback.
    dsl = new_page()
    sign_in(dsl, base, "dsl@southend-bay.example")
    dsl.get_by_role("link", name="Quality assurance").first.click()
    dsl.get_by_role("link", name=reference).click()
    expect(dsl.get_by_test_id("qa-feedback")).to_contain_text("record what the pupil said")
