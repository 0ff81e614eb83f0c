"""Quality assurance pages: the TSO samples, reads and reviews; the school's DSL reads the
feedback on the concern page and in its list, and responds; the TSO sees the response."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import AccessLog
from oversight.models import QaResponse, QaReview, QaReviewStatus, QaSample
from oversight.qa import services as qa_services
from oversight.terms import current_term
from tests.support.records.qa import FULL, concern_in
from tests.support.world import World

pytestmark = pytest.mark.django_db


def _review(world: World, concern: Any = None, *, submit: bool = True) -> QaReview:
    concern = concern or concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    return qa_services.qa_review_submit(actor=tso, review=review, **FULL) if submit else review


def test_the_tso_draws_a_sample_and_reviews_a_concern_and_the_dsl_responds(
    client,
    world: World,
) -> None:
    concerns = [concern_in(world) for _ in range(4)]
    tso, dsl = world.users["tso"], world.users["dsl"]
    client.force_login(tso)
    overview = client.get(reverse("qa-overview")).content.decode()
    assert "Alpha School" in overview
    assert "Beta School" not in overview  # another trust's school
    sample_url = reverse("qa-sample-new", kwargs={"school_id": world.school.pk})
    assert sample_url in overview

    bad = client.post(sample_url, {"term": current_term().key, "size": "0"})
    assert bad.status_code == 200
    assert "Enter a sample size between 1 and 20" in bad.content.decode()
    assert not QaSample.objects.exists()
    drawn = client.post(sample_url, {"term": current_term().key, "size": "2"})
    assert drawn.status_code == 302
    sample = QaSample.objects.get()
    assert sample.reviews.count() == 2
    again = client.post(sample_url, {"term": current_term().key, "size": "2"}).content.decode()
    assert "A sample has already been drawn for Alpha School" in again

    overview = client.get(reverse("qa-overview")).content.decode()
    assert f"seed {sample.seed}" in overview
    review = sample.reviews.first()
    assert review.concern.reference in overview

    url = reverse("qa-review", kwargs={"pk": review.pk})
    page = client.get(url).content.decode()
    assert review.concern.account.replace("“", "&ldquo;")[:10] in page or "Sam said" in page
    assert "Submit and sign the review" in page
    # The TSO reading the concern under review is in the access log.
    log = AccessLog.objects.filter(user=tso, what="quality_assurance").latest("pk")
    assert (log.pupil_id, log.record_id, log.school_id) == (
        world.pupil.pk,
        str(review.concern_id),
        world.school.pk,
    )

    missing = client.post(url, {"feedback": ""}).content.decode()
    assert "There is a problem" in missing
    assert "Select whether the child&#x27;s voice is recorded" in missing
    assert "Enter your feedback for the school" in missing
    good_with_gap = client.post(url, {**FULL, "outcome": "not_met"}).content.decode()
    assert "A record with a criterion not met cannot be rated Good" in good_with_gap
    assert client.post(url, FULL).status_code == 302
    review.refresh_from_db()
    assert review.status == QaReviewStatus.SUBMITTED
    signed = client.get(url).content.decode()
    assert "Reviewed by " + escape(tso.full_name) in signed
    assert "Submit and sign the review" not in signed
    assert "Your response" not in signed  # the TSO does not respond to their own review
    # A second post changes nothing.
    client.post(url, {**FULL, "rating": "inadequate"})
    review.refresh_from_db()
    assert review.rating == "good"

    # The school's DSL sees the feedback on the concern page and in the school's list.
    client.force_login(dsl)
    concern_page = client.get(reverse("concern-detail", kwargs={"pk": review.concern_id}))
    body = concern_page.content.decode()
    assert 'data-testid="concern-qa"' in body
    assert "say why parents were not told" in body
    listing = client.get(reverse("qa-school-list")).content.decode()
    assert review.concern.reference in listing
    assert "To respond" in listing
    unreviewed = next(c for c in concerns if not QaReview.objects.filter(concern=c).exists())
    unreviewed_page = client.get(reverse("concern-detail", kwargs={"pk": unreviewed.pk}))
    assert 'data-testid="concern-qa"' not in unreviewed_page.content.decode()

    feedback = client.get(url).content.decode()
    assert "say why parents were not told" in feedback
    assert "The record" not in feedback  # the school reads the feedback, not the QA summary
    blank = client.post(reverse("qa-respond", kwargs={"pk": review.pk}), {"text": " "})
    assert "Enter your response" in blank.content.decode()
    sent = client.post(
        reverse("qa-respond", kwargs={"pk": review.pk}),
        {"text": "We now ask parents for their views and record them."},
    )
    assert sent.status_code == 302
    assert QaResponse.objects.get().author == dsl
    assert "Responded" in client.get(reverse("qa-school-list")).content.decode()

    # The TSO sees the response, signed.
    client.force_login(tso)
    seen = client.get(url).content.decode()
    assert "We now ask parents for their views and record them." in seen
    assert escape(dsl.full_name) in seen
    assert "Responded" in client.get(reverse("qa-overview")).content.decode()


def test_the_tso_chooses_a_concern_by_reference(client, world: World) -> None:
    concern = concern_in(world)
    other = concern_in(world, world.other_school)
    client.force_login(world.users["tso"])
    url = reverse("qa-choose")
    linked = client.get(f"{url}?reference={concern.reference}").content.decode()
    assert f'value="{concern.reference}"' in linked
    refused = client.post(url, {"reference": other.reference}).content.decode()
    assert f"There is no concern {other.reference} in your trust&#x27;s schools" in refused
    response = client.post(url, {"reference": concern.reference})
    review = QaReview.objects.get()
    assert response["Location"] == reverse("qa-review", kwargs={"pk": review.pk})
    removed = client.post(reverse("qa-remove", kwargs={"pk": review.pk}))
    assert removed.status_code == 302
    assert not QaReview.objects.exists()


def test_a_draft_review_is_the_trusts_alone(client, world: World) -> None:
    review = _review(world, submit=False)
    url = reverse("qa-review", kwargs={"pk": review.pk})
    for role in ("dsl", "deputy", "head", "governor", "other_dsl"):
        client.force_login(world.users[role])
        assert client.get(url).status_code == 404, role
        page = client.get(reverse("concern-detail", kwargs={"pk": review.concern_id}))
        assert 'data-testid="concern-qa"' not in page.content.decode()
    client.force_login(world.users["tso"])
    page = client.get(reverse("concern-detail", kwargs={"pk": review.concern_id}))
    assert "On the trust's list to review" in page.content.decode()


def test_the_feedback_is_the_schools_alone(client, world: World) -> None:
    review = _review(world)
    url = reverse("qa-review", kwargs={"pk": review.pk})
    client.force_login(world.users["other_dsl"])
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("qa-respond", kwargs={"pk": review.pk}), {"text": "x"}).status_code
        == 404
    )
    assert "qa-school-reviews" not in client.get(reverse("qa-school-list")).content.decode()
    client.force_login(world.users["head"])  # reads CP records, but QA is the DSL's
    assert client.get(url).status_code == 404
    assert client.get(reverse("qa-school-list")).status_code == 403
    client.force_login(world.users["dsl"])
    assert client.post(url, FULL).status_code == 403  # the school cannot write the review


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_take_a_fixed_number_of_queries(client, world: World) -> None:
    from tests.support.factories import SchoolFactory

    _review(world)
    _review(world, submit=False)
    tso, dsl = world.users["tso"], world.users["dsl"]
    client.force_login(tso)
    client.get(reverse("home"))  # the first request after signing in also touches the session
    few_overview = _queries(client, reverse("qa-overview"))
    client.force_login(dsl)
    client.get(reverse("home"))
    few_school = _queries(client, reverse("qa-school-list"))

    SchoolFactory(trust=world.school.trust, name="Gamma School", slug="gamma")
    for _ in range(3):
        review = _review(world)
        qa_services.qa_response_add(actor=dsl, review=review, text="Noted")
    for _ in range(2):
        _review(world, submit=False)
    client.force_login(tso)
    client.get(reverse("home"))
    many_overview = _queries(client, reverse("qa-overview"))
    assert many_overview == few_overview
    # Sign-in, permissions and the header's badges, then the page's own: coverage (schools,
    # concerns grouped, reviews grouped, samples), the list to review and the reviews submitted
    # (each with the restricted concerns the actor is named on, and a page at a time: each
    # counted, issue 18).
    # Issue 16: the second factor's device (django-otp) is looked up on every signed-in request.
    # Issue 20: the restricted concerns a reviewer cannot sample, counted apart (the count and
    # the restricted concerns the reviewer is named on: two queries).
    assert few_overview == 24
    assert few_school == 15
    page = client.get(reverse("qa-overview")).content.decode()
    assert "Gamma School" in page
    assert len(re.findall(r"/oversight/qa/reviews/[0-9a-f-]+/", page)) == 7
    client.force_login(dsl)
    client.get(reverse("home"))
    assert _queries(client, reverse("qa-school-list")) == few_school


def test_a_review_of_a_restricted_concern_is_seen_only_by_its_readers(
    client,
    world: World,
) -> None:
    from concerns import services as concern_services

    review = _review(world)
    url = reverse("qa-review", kwargs={"pk": review.pk})
    concern_services.concern_restrict(
        actor=world.users["dsl"], concern=review.concern, named=[world.users["head"]]
    )
    for role in ("tso", "deputy"):  # not named: neither the review nor the list shows it
        client.force_login(world.users[role])
        assert client.get(url).status_code == 404, role
    client.force_login(world.users["deputy"])
    assert review.concern.reference not in client.get(reverse("qa-school-list")).content.decode()
    client.force_login(world.users["tso"])
    assert review.concern.reference not in client.get(reverse("qa-overview")).content.decode()
    client.force_login(world.users["dsl"])  # the DSL reads every restricted record
    assert client.get(url).status_code == 200
    assert review.concern.reference in client.get(reverse("qa-school-list")).content.decode()


def test_the_home_page_says_what_waits(client, world: World) -> None:
    review = _review(world)
    _review(world, submit=False)
    _review(world, submit=False)
    client.force_login(world.users["tso"])
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-qa"' in home
    assert "2 concerns waiting for your review." in home
    client.force_login(world.users["dsl"])
    home = client.get(reverse("home")).content.decode()
    assert "1 review waiting for your response." in home
    qa_services.qa_response_add(actor=world.users["dsl"], review=review, text="Noted")
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-qa"' in home
    assert "waiting for your response" not in home
    for role in ("head", "governor", "staff"):
        client.force_login(world.users[role])
        assert 'data-testid="home-qa"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("term", ["²⁰²⁶-autumn", "9999-autumn", "2026-autumn\x00"])
def test_a_term_written_wrong_shows_this_term(client, world: World, term: str) -> None:
    """Issue 16: a link naming no term the page could have written shows the current one."""
    client.force_login(world.users["tso"])
    for name, kwargs in [("qa-overview", {}), ("qa-sample-new", {"school_id": world.school.pk})]:
        response = client.get(reverse(name, kwargs=kwargs), {"term": term})
        assert response.status_code == 200
        assert escape(current_term().label) in response.content.decode()


def _review_links(page: str, table: str) -> list[str]:
    """The review pages linked from one of the overview's tables, in order."""
    body = page.split(f'data-testid="{table}"')[1].split("</table>")[0]
    return re.findall(r"/oversight/qa/reviews/([0-9a-f-]+)/", body)


def test_each_list_is_read_a_page_at_a_time(client, world: World, monkeypatch) -> None:
    """Issue 18: the concerns to review and the reviews of the term, each a page at a time in the
    database with its own page number (each list's links keep the term and the other's page);
    the school's feedback too."""
    from oversight.qa import views as qa_views

    monkeypatch.setattr(qa_views, "QA_PER_PAGE", 2)
    drafts = [_review(world, submit=False) for _ in range(3)]
    submitted = [_review(world) for _ in range(3)]
    tso, term = world.users["tso"], current_term().key
    client.force_login(tso)
    url = reverse("qa-overview")
    first = client.get(url).content.decode()
    # Oldest written first (one school); newest reviewed first.
    assert _review_links(first, "qa-to-review") == [str(r.pk) for r in drafts[:2]]
    assert _review_links(first, "qa-submitted") == [str(r.pk) for r in submitted[::-1][:2]]
    assert escape(f"?term={term}&to_review_page=2") in first
    assert escape(f"?term={term}&reviewed_page=2") in first
    both = client.get(f"{url}?term={term}&to_review_page=2&reviewed_page=2").content.decode()
    assert _review_links(both, "qa-to-review") == [str(drafts[2].pk)]
    assert _review_links(both, "qa-submitted") == [str(submitted[0].pk)]
    # Going back a page in one list keeps the other where it was.
    assert escape(f"?term={term}&reviewed_page=2&to_review_page=1") in both
    assert escape(f"?term={term}&to_review_page=2&reviewed_page=1") in both
    # The school's DSL reads its feedback two at a time, newest first.
    client.force_login(world.users["dsl"])
    school_list = client.get(reverse("qa-school-list")).content.decode()
    assert _review_links(school_list, "qa-school-reviews") == [
        str(r.pk) for r in submitted[::-1][:2]
    ]
    second = client.get(reverse("qa-school-list") + "?page=2").content.decode()
    assert _review_links(second, "qa-school-reviews") == [str(submitted[0].pk)]
