"""A submitted QA review of a school's concern, for the `records` fixture (tenancy matrix)."""

from __future__ import annotations

from typing import Any

from oversight.models import QaReview
from oversight.qa import services as qa_services
from schools.models import School, TrustMembership
from tests.factories import trust_member


def trust_officer(school: School) -> Any:
    """The school's trust's safeguarding officer (one is made when the trust has none)."""
    membership = (
        TrustMembership.objects.filter(trust=school.trust, role="tso")
        .select_related("user")
        .first()
    )
    if membership is not None:
        return membership.user
    return trust_member(school.trust, "tso", email=f"tso@{school.slug}-trust.example")


def qa_review_record(school: School, concern: Any) -> QaReview:
    tso = trust_officer(school)
    review = qa_services.qa_review_choose(actor=tso, reference=concern.reference)
    return qa_services.qa_review_submit(
        actor=tso,
        review=review,
        clarity="met",
        child_voice="partly",
        decision="met",
        timeliness="met",
        outcome="not_met",
        rating="requires_improvement",
        feedback="Record the outcome and who gave it.",
    )
