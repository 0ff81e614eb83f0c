"""QA records for tests: a submitted concern to sample, a full set of review answers, and a submitted
QA review of a school's concern for the `records` fixture (tenancy matrix)."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine

from concerns import services as concern_services
from concerns.models import Concern
from oversight.models import QaReview
from oversight.qa import services as qa_services
from schools.models import School, TrustMembership
from tests.concerns.conftest import draft
from tests.support.factories import trust_member
from tests.support.world import World


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


FULL = {
    "clarity": "met",
    "child_voice": "met",
    "decision": "partly",
    "timeliness": "met",
    "outcome": "met",
    "rating": "good",
    "feedback": "A clear account in the child's words; say why parents were not told.",
}


def concern_in(world: World, school: Any = None, *, at: datetime.datetime | None = None) -> Concern:
    """A submitted concern of `school` (school A by default), written at `at` (now)."""
    school = school or world.school
    author = world.users["staff"] if school == world.school else world.users["other_dsl"]
    pupil = world.pupil if school == world.school else world.other_pupil
    concern_services.category_seed_defaults(trust=school.trust)
    categories = {c.label: c for c in concern_services.categories_for(school=school)}
    if at is None:
        return concern_services.concern_submit(
            actor=author, concern=draft(author, [pupil], categories)
        )
    with time_machine.travel(at, tick=False):
        return concern_services.concern_submit(
            actor=author, concern=draft(author, [pupil], categories)
        )
