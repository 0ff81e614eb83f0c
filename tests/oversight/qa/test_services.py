"""Quality assurance services: sampling, choosing, reviewing, responding, coverage."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from concerns import services as concern_services
from oversight.models import QaResponse, QaReview, QaReviewStatus, QaSample
from oversight.qa import selectors as qa_selectors
from oversight.qa import services as qa_services
from oversight.terms import Term, current_term, parse_term, term_of
from safeguard.models import Notification
from safeguard.signing import content_hash
from tests.concerns.conftest import draft
from tests.support.records.qa import FULL, concern_in
from tests.support.world import World

pytestmark = pytest.mark.django_db


def test_terms_are_fixed_months() -> None:
    assert term_of(datetime.date(2026, 9, 1)).key == "2026-autumn"
    assert term_of(datetime.date(2026, 12, 31)).key == "2026-autumn"
    assert term_of(datetime.date(2027, 1, 1)).key == "2027-spring"
    assert term_of(datetime.date(2027, 3, 31)).key == "2027-spring"
    assert term_of(datetime.date(2027, 4, 1)).key == "2027-summer"
    assert term_of(datetime.date(2027, 8, 31)).key == "2027-summer"
    autumn = Term(2026, 2)
    assert autumn.start == datetime.date(2026, 9, 1)
    assert autumn.end == datetime.date(2026, 12, 31)
    assert autumn.next().key == "2027-spring"
    assert autumn.next().previous() == autumn
    assert parse_term("2026-autumn") == autumn
    assert parse_term("2026-winter") is None
    assert parse_term("../etc") is None
    # Issue 16: digits the product never writes, and years no term is asked about.
    for key in ["²⁰²⁶-autumn", "١٢٣٤-autumn", "0000-autumn", "9999-autumn", "1999-summer"]:
        assert parse_term(key) is None, key
    # 23:30 on 31 August in London is still the summer term (it is 22:30 UTC).
    late = datetime.datetime(2026, 8, 31, 22, 30, tzinfo=datetime.UTC)
    assert term_of(late).key == "2026-summer"


def test_a_random_sample_is_reproducible_from_its_stored_seed(world: World) -> None:
    concerns = [concern_in(world) for _ in range(6)]
    concern_in(world, world.other_school)  # another trust's school: never in A's population
    tso = world.users["tso"]
    term = current_term()
    sample = qa_services.qa_sample_draw(actor=tso, school=world.school, term=term, size=3, seed=7)
    assert (sample.size, sample.seed, sample.population, sample.term) == (3, 7, 6, term.key)
    picked = set(sample.reviews.values_list("concern_id", flat=True))
    assert len(picked) == 3
    assert picked <= {c.pk for c in concerns}
    # Anyone can repeat the draw: the population in its fixed order and the seed.
    population = sorted(concerns, key=lambda c: (c.written_at, c.pk))
    assert [c.pk for c in population] == qa_services.sample_population(
        actor=tso, school=world.school, term=term
    )
    expected = random.Random(7).sample([c.pk for c in population], 3)
    assert picked == set(expected)
    assert all(
        r.status == QaReviewStatus.DRAFT and r.term == term.key and r.added_by == tso
        for r in sample.reviews.all()
    )


def test_a_sample_takes_only_the_terms_submitted_concerns_and_all_when_fewer(
    world: World,
) -> None:
    summer = concern_in(world, at=datetime.datetime(2026, 6, 10, 10, tzinfo=datetime.UTC))
    autumn = [concern_in(world) for _ in range(2)]
    concern_services.category_seed_defaults(trust=world.school.trust)
    categories = {c.label: c for c in concern_services.categories_for(school=world.school)}
    draft(world.users["staff"], [world.pupil], categories)  # a draft is never sampled
    tso = world.users["tso"]
    sample = qa_services.qa_sample_draw(actor=tso, school=world.school, term=current_term(), size=3)
    assert sample.population == 2
    assert set(sample.reviews.values_list("concern_id", flat=True)) == {c.pk for c in autumn}
    summer_sample = qa_services.qa_sample_draw(
        actor=tso, school=world.school, term=parse_term("2026-summer"), size=3
    )
    assert list(summer_sample.reviews.values_list("concern_id", flat=True)) == [summer.pk]


def test_a_sample_is_refused_with_the_reason_beside_the_field(world: World) -> None:
    tso = world.users["tso"]
    term = current_term()
    with pytest.raises(ValidationError) as empty:
        qa_services.qa_sample_draw(actor=tso, school=world.school, term=term, size=3)
    assert "has no concerns written in the" in empty.value.message_dict["term"][0]
    concern_in(world)
    for size in (0, 21):
        with pytest.raises(ValidationError) as bad:
            qa_services.qa_sample_draw(actor=tso, school=world.school, term=term, size=size)
        assert bad.value.message_dict["size"] == ["Enter a sample size between 1 and 20"]
    with pytest.raises(ValidationError) as future:
        qa_services.qa_sample_draw(actor=tso, school=world.school, term=term.next(), size=3)
    assert future.value.message_dict["term"] == ["Choose a term that has started"]
    qa_services.qa_sample_draw(actor=tso, school=world.school, term=term, size=3)
    with pytest.raises(ValidationError) as twice:
        qa_services.qa_sample_draw(actor=tso, school=world.school, term=term, size=3)
    assert "already been drawn for Alpha School" in twice.value.message_dict["term"][0]
    assert QaSample.objects.count() == 1


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "governor", "staff"])
def test_only_the_trust_safeguarding_officer_samples_and_chooses(world: World, role: str) -> None:
    concern = concern_in(world)
    with pytest.raises(PermissionDenied):
        qa_services.qa_sample_draw(
            actor=world.users[role], school=world.school, term=current_term(), size=3
        )
    with pytest.raises(PermissionDenied):
        qa_services.qa_review_choose(actor=world.users[role], reference=concern.reference)


def test_a_tso_never_reaches_another_trusts_school(world: World) -> None:
    other = concern_in(world, world.other_school)
    tso = world.users["tso"]
    with pytest.raises(PermissionDenied):
        qa_services.qa_sample_draw(
            actor=tso, school=world.other_school, term=current_term(), size=3
        )
    with pytest.raises(ValidationError) as error:
        qa_services.qa_review_choose(actor=tso, reference=other.reference)
    # The same words as for a reference that does not exist: nothing is given away.
    assert error.value.message_dict["reference"] == [
        f"There is no concern {other.reference} in your trust's schools"
    ]
    assert QaReview.objects.count() == 0
    assert qa_selectors.qa_coverage_for(actor=tso, term=current_term())[0].school == world.school
    assert len(qa_selectors.qa_coverage_for(actor=tso, term=current_term())) == 1


def test_a_concern_is_chosen_by_reference_once(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=f" {concern.reference.lower()} ")
    assert (review.concern, review.school, review.sample, review.status) == (
        concern,
        world.school,
        None,
        QaReviewStatus.DRAFT,
    )
    assert review.term == term_of(concern.written_at).key
    with pytest.raises(ValidationError) as again:
        qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    assert again.value.message_dict["reference"] == [
        f"Concern {concern.reference} is already on the QA list"
    ]
    with pytest.raises(ValidationError) as blank:
        qa_services.qa_review_choose(actor=tso, reference="  ")
    assert blank.value.message_dict["reference"] == ["Enter the concern's reference"]
    # A random draw later skips a concern already on the list, and keeps its seed.
    sample = qa_services.qa_sample_draw(actor=tso, school=world.school, term=current_term(), size=3)
    assert sample.reviews.count() == 0
    assert sample.population == 1


def test_a_submitted_review_is_signed_and_the_school_is_told(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    before = timezone.now()
    review = qa_services.qa_review_submit(actor=tso, review=review, **FULL)
    assert review.status == QaReviewStatus.SUBMITTED
    assert review.reviewer == tso
    assert review.reviewer_name == tso.full_name
    assert review.submitted_at >= before
    assert review.content_hash == content_hash(qa_services.review_signed_content(review))
    assert len(review.content_hash) == 64
    assert review.criteria()[2] == (
        "Decision and reasons recorded",
        review.criteria()[2][1],
        "Partly met",
    )
    told = Notification.objects.filter(kind="qa_review")
    assert {n.recipient for n in told} == {world.users["dsl"], world.users["deputy"]}
    for note in told:
        assert world.pupil.legal_first_name not in note.title
        assert note.link == f"/oversight/qa/reviews/{review.pk}/"


def test_a_review_is_refused_beside_each_missing_answer(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    with pytest.raises(ValidationError) as empty:
        qa_services.qa_review_submit(
            actor=tso,
            review=review,
            **dict.fromkeys(FULL, ""),
        )
    assert empty.value.message_dict == {
        "clarity": ["Select whether the account is clear"],
        "child_voice": ["Select whether the child's voice is recorded"],
        "decision": ["Select whether the decision and reasons are recorded"],
        "timeliness": ["Select whether the concern was dealt with in good time"],
        "outcome": ["Select whether the outcome is recorded"],
        "rating": ["Select the overall rating"],
        "feedback": ["Enter your feedback for the school"],
    }
    with pytest.raises(ValidationError) as good:
        qa_services.qa_review_submit(actor=tso, review=review, **{**FULL, "child_voice": "not_met"})
    assert good.value.message_dict == {
        "rating": ["A record with a criterion not met cannot be rated Good"]
    }
    review.refresh_from_db()
    assert review.status == QaReviewStatus.DRAFT
    # Requires improvement with a criterion not met is a judgement the reviewer may make.
    qa_services.qa_review_submit(
        actor=tso,
        review=review,
        **{**FULL, "child_voice": "not_met", "rating": "requires_improvement"},
    )


def test_a_submitted_review_and_a_response_never_change(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    review = qa_services.qa_review_submit(actor=tso, review=review, **FULL)
    with pytest.raises(ValidationError, match="already been submitted"):
        qa_services.qa_review_submit(actor=tso, review=review, **FULL)
    with pytest.raises(ValidationError, match="cannot be removed"):
        qa_services.qa_review_remove(actor=tso, review=review)
    # The database refuses too, whatever code path tries.
    with pytest.raises(DatabaseError, match="signed record cannot be changed"):
        with transaction.atomic():
            QaReview.objects.filter(pk=review.pk).delete()
    response = qa_services.qa_response_add(
        actor=world.users["dsl"], review=review, text="We will record parents' views."
    )
    for attempt in (
        lambda: QaReview.objects.filter(pk=review.pk).update(rating="inadequate"),
        lambda: QaReview.objects.filter(pk=review.pk).update(status="draft"),
        lambda: QaResponse.objects.filter(pk=response.pk).update(text="Edited"),
        lambda: QaResponse.objects.filter(pk=response.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="signed record cannot be changed"):
            with transaction.atomic():
                attempt()
    review.refresh_from_db()
    assert review.rating == "good"


def test_a_draft_review_can_be_taken_off_the_list(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    with pytest.raises(PermissionDenied):
        qa_services.qa_review_remove(actor=world.users["dsl"], review=review)
    qa_services.qa_review_remove(actor=tso, review=review)
    assert not QaReview.objects.exists()


def test_the_dsl_and_deputies_respond_and_the_reviewer_is_told(world: World) -> None:
    concern = concern_in(world)
    tso = world.users["tso"]
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    with pytest.raises(ValidationError, match="not been submitted"):
        qa_services.qa_response_add(actor=world.users["dsl"], review=review, text="Early")
    review = qa_services.qa_review_submit(actor=tso, review=review, **FULL)
    for role in ("head", "governor", "staff", "other_dsl", "tso"):
        with pytest.raises(PermissionDenied):
            qa_services.qa_response_add(actor=world.users[role], review=review, text="No")
    with pytest.raises(ValidationError) as blank:
        qa_services.qa_response_add(actor=world.users["dsl"], review=review, text="  ")
    assert blank.value.message_dict == {"text": ["Enter your response"]}
    response = qa_services.qa_response_add(
        actor=world.users["deputy"], review=review, text="Agreed: we now record parents' views."
    )
    assert response.author_name == world.users["deputy"].full_name
    assert response.content_hash == content_hash(qa_services.response_signed_content(response))
    note = Notification.objects.get(kind="qa_response")
    assert note.recipient == tso
    assert note.title == f"Alpha School responded to your QA review of concern {concern.reference}"


def test_coverage_per_school_and_term_is_counted_in_the_database(world: World) -> None:
    tso = world.users["tso"]
    term = current_term()
    concerns = [concern_in(world) for _ in range(4)]
    concern_in(world, at=datetime.datetime(2026, 6, 10, 10, tzinfo=datetime.UTC))  # summer
    concern_in(world, world.other_school)  # another trust
    good, inadequate, waiting = (
        qa_services.qa_review_choose(actor=tso, reference=c.reference) for c in concerns[:3]
    )
    qa_services.qa_review_submit(actor=tso, review=good, **FULL)
    qa_services.qa_review_submit(
        actor=tso,
        review=inadequate,
        **{**FULL, "outcome": "not_met", "decision": "not_met", "rating": "inadequate"},
    )
    (row,) = qa_selectors.qa_coverage_for(actor=tso, term=term)
    assert (row.school, row.concerns, row.reviewed, row.to_review) == (world.school, 4, 2, 1)
    assert (row.good, row.requires_improvement, row.inadequate, row.percent) == (1, 0, 1, 50)
    assert row.sample is None
    (summer,) = qa_selectors.qa_coverage_for(actor=tso, term=parse_term("2026-summer"))
    assert (summer.concerns, summer.reviewed, summer.percent) == (1, 0, 0)
    (autumn_2025,) = qa_selectors.qa_coverage_for(actor=tso, term=parse_term("2025-autumn"))
    assert (autumn_2025.concerns, autumn_2025.percent) == (0, None)
    assert waiting.status == QaReviewStatus.DRAFT
    assert qa_selectors.qa_coverage_for(actor=world.users["dsl"], term=term) == []


def test_coverage_leaves_out_restricted_concerns_the_reviewer_cannot_sample_and_says_so(
    client, world: World
) -> None:
    """A restricted concern the TSO is not named on is never in a sample: it is not counted in
    the coverage's concerns, and the page says how many were left out (issue 20)."""
    from django.urls import reverse

    tso = world.users["tso"]
    term = current_term()
    concerns = [concern_in(world) for _ in range(3)]
    concern_services.concern_restrict(
        actor=world.users["dsl"], concern=concerns[0], named=[world.users["head"]]
    )
    review = qa_services.qa_review_choose(actor=tso, reference=concerns[1].reference)
    qa_services.qa_review_submit(actor=tso, review=review, **FULL)
    (row,) = qa_selectors.qa_coverage_for(actor=tso, term=term)
    assert (row.concerns, row.restricted_unseen, row.reviewed, row.percent) == (2, 1, 1, 50)
    client.force_login(tso)
    page = client.get(reverse("qa-overview")).content.decode()
    assert "1 restricted concern not counted" in page
    assert "not in any sample" in page
