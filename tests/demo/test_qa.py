"""The demo's quality assurance: a sample drawn with a fixed seed, one review and a response;
seeding twice changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from demo.qa import DEMO_SEED
from oversight.models import QaResponse, QaReview, QaReviewStatus, QaSample
from oversight.qa.services import sample_picks, sample_population
from oversight.terms import term_of
from schools.models import User


@pytest.mark.django_db
def test_demo_qa_at_alderbrook_is_reproducible_and_idempotent(client) -> None:
    from demo.seed import seed_demo

    today = timezone.localdate()
    seed_demo(password="demo-password-123", today=today, history=False)
    seed_demo(password="demo-password-123", today=today, history=False)
    sample = QaSample.objects.get()
    assert (sample.school.slug, sample.term, sample.seed, sample.size) == (
        "alderbrook",
        term_of(today).key,
        DEMO_SEED,
        3,
    )
    tso = User.objects.get(email="tso@northgate.example")
    population = sample_population(actor=tso, school=sample.school, term=term_of(today))
    picks = sample_picks(population, size=3, seed=DEMO_SEED)
    assert set(QaReview.objects.values_list("concern_id", flat=True)) == set(picks)
    done = QaReview.objects.get(status=QaReviewStatus.SUBMITTED)
    assert done.rating == "requires_improvement"
    assert QaReview.objects.filter(status=QaReviewStatus.DRAFT).count() == len(picks) - 1
    response = QaResponse.objects.get()
    assert (response.review, response.author.email) == (done, "dsl@alderbrook.example")

    client.force_login(User.objects.get(email="dsl@alderbrook.example"))
    page = client.get(f"/concerns/{done.concern_id}/").content.decode()
    assert "write down what the child said, in their words" in page
