"""Quality assurance in the demo trust, through the services so signatures are real.

The TSO has drawn this term's random sample of Alderbrook Primary's concerns (a fixed seed, so
every demo draws the same), reviewed one of them (Requires improvement, with feedback) and the DSL
has responded; the rest of the sample waits on the TSO's list. Run again, it changes nothing.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from oversight.models import QaReviewStatus, QaSample
from oversight.qa import services as qa_services
from oversight.terms import term_of
from schools.models import School, User

DEMO_SEED = 20261122
FEEDBACK = (
    "The account is clear and factual, and the time, place and who was present are recorded. "
    "The child's own words are not recorded: write down what the child said, in their words, "
    "as soon as possible after they said it. The DSL's decision is recorded with its reasons. "
    "The outcome does not say who gave it: add the name and role of the person who decided."
)
RESPONSE = (
    "Agreed. We have reminded all staff at this week's briefing to record the child's own "
    "words, and the DSL team now adds who gave the outcome before a concern is closed."
)


@transaction.atomic
def seed_demo_qa(*, tso: User, today: datetime.date) -> int:
    """Draw Alderbrook's sample for the term, review one concern and respond; 0 if done before."""
    school = School.objects.get(slug="alderbrook")
    term = term_of(today)
    if QaSample.objects.filter(school=school, term=term.key).exists():
        return 0
    try:
        sample = qa_services.qa_sample_draw(
            actor=tso, school=school, term=term, size=3, seed=DEMO_SEED
        )
    except ValidationError:  # no concerns written this term (the seed ran on a term's first day)
        return 0
    review = (
        sample.reviews.select_related("concern")
        .filter(status=QaReviewStatus.DRAFT, concern__dsl_record__status="signed")
        .order_by("concern__reference")
        .first()
    )
    if review is None:
        return 0
    review = qa_services.qa_review_submit(
        actor=tso,
        review=review,
        clarity="met",
        child_voice="not_met",
        decision="met",
        timeliness="met",
        outcome="partly",
        rating="requires_improvement",
        feedback=FEEDBACK,
    )
    dsl = User.objects.get(email="dsl@alderbrook.example")
    qa_services.qa_response_add(actor=dsl, review=review, text=RESPONSE)
    return 1
