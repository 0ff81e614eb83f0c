"""Referrals for the demo trust, written through the services so signatures and chains are real.

Each school gets: the phone referral behind the demo's disclosure concern, followed in writing the
same day, acknowledged and closed with a section 47 outcome; an Early Help request with no outcome
that the DSL has escalated; a CAMHS referral awaiting a response; and this morning's phone referral
whose written follow-up is still to be sent. Times differ a little from school to school.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from concerns.models import Action, Concern
from concerns.services import action_complete
from referrals import services
from referrals.models import Referral
from schools.models import Pupil, School, SchoolMembership

from .clock import at


def _agency(school: School, *kinds: str) -> Any:
    agencies = services.agencies_for_school(school)
    for kind in kinds:
        agency = agencies.filter(kind=kind).order_by("position").first()
        if agency is not None:
            return agency
    return None


def _concern(school: School, reason: str) -> Concern | None:
    return Concern.objects.filter(school=school, reason_for_recording=reason).first()


@transaction.atomic
def seed_demo_referrals(*, school: School, today: datetime.date) -> int:
    """Write the demo referrals of one school, once (a school with referrals is left alone)."""
    if Referral.objects.filter(school=school).exists():
        return 0
    social_care = _agency(school, "social_care")
    early_help = _agency(school, "early_help", "social_care")
    disclosure = _concern(school, "A pupil disclosed being hit at home.")
    camhs = _agency(school, "camhs", "early_help", "social_care")
    if social_care is None or disclosure is None:
        return 0  # the demo's agencies or concerns are not there to refer from
    shift = ["alderbrook", "southend-bay", "leicester-road"].index(school.slug) * 7 % 20
    people = {
        m.role: m.user
        for m in SchoolMembership.objects.filter(school=school).select_related("user")
    }
    dsl, deputy = people["dsl"], people["deputy"]
    pupil = disclosure.involvements.get().pupil
    phoned = services.referral_make(
        actor=dsl,
        pupil=pupil,
        concern=disclosure,
        agency=social_care,
        referral_type="social_care",
        urgency="immediate",
        method="phone",
        made_at=at(today, 3, 10, 5 + shift),
        spoken_to="Duty social worker",
        reason=(
            "Disclosure of physical harm by a parent (hit with a belt), with a recent bruise on "
            "the left forearm."
        ),
        parents_informed="not_informed",
        parents_reason="Social care advised not to, as telling the parent could increase the risk.",
    )
    services.referral_record_follow_up(
        actor=dsl,
        referral=phoned,
        occurred_at=at(today, 3, 11, 30 + shift),
        sent_to=social_care.email or f"{social_care.name} (written referral form)",
        notes="Written referral form sent with the concern summary and body map.",
    )
    services.referral_record_response(
        actor=deputy,
        referral=phoned,
        kind="acknowledged",
        occurred_at=at(today, 2, 14, 35 + shift),
        source="Duty manager",
        agency_reference=f"{school.reference_prefix}-CSC-{today:%y}0417",
        notes="Referral received; a social worker is allocated.",
    )
    services.referral_record_response(
        actor=deputy,
        referral=phoned,
        kind="outcome",
        occurred_at=at(today, 1, 11, 30 + shift),
        source="Allocated social worker",
        outcome="section_47",
        notes="Strategy discussion held; section 47 enquiry agreed.",
    )

    chase = Action.objects.filter(concern=disclosure, done_at__isnull=True).first()
    if chase is not None:
        action_complete(
            actor=chase.owner, action=chase, note="Outcome received: section 47 enquiry agreed."
        )

    pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).order_by("upn"))
    services.referral_make(
        actor=deputy,
        pupil=pupils[47],
        agency=camhs,
        referral_type="camhs",
        urgency="routine",
        method="email",
        made_at=at(today, 1, 12, 15 + shift),
        spoken_to=camhs.email or camhs.name,
        reason="Low mood and self-harm (scratching on the forearms) seen by the form tutor; the "
        "pupil asked for help.",
        parents_informed="consent_given",
        parents_reason="Mother agreed to the referral and will attend the first appointment.",
    )
    now = timezone.localtime()
    this_morning = at(today, 0, 8, 40 + shift) if now.hour >= 10 else at(today, 1, 15, shift)
    services.referral_make(
        actor=dsl,
        pupil=pupils[52],
        agency=social_care,
        referral_type="social_care",
        urgency="urgent",
        method="phone",
        made_at=this_morning,
        spoken_to="Duty social worker",
        reason="The pupil says an older cousin who is staying at home hits them; they do not want "
        "to go home tonight.",
        parents_informed="not_informed",
        parents_reason="Social care asked us not to tell the family before they have spoken to the "
        "pupil.",
    )

    older = Concern.objects.filter(school=school, status="closed").first()
    if older is not None:
        chased = services.referral_make(
            actor=deputy,
            pupil=older.involvements.order_by("pupil__upn").first().pupil,  # type: ignore[union-attr]
            concern=older,
            agency=early_help,
            referral_type="early_help",
            urgency="routine",
            method="email",
            made_at=at(today, 12, 9, 30),
            spoken_to=early_help.email or early_help.name,
            reason="Request for family support after repeated incidents at lunchtime.",
            parents_informed="consent_given",
            parents_reason="Both parents agreed to the request at the restorative meeting.",
        )
        services.referral_escalate(
            actor=dsl,
            referral=chased,
            occurred_at=at(today, 5, 10, 0),
            escalation_reason="no_response",
            escalated_to="Early Help team manager",
            notes="No acknowledgement after a week and two chasing emails; asked for a decision.",
        )
    return Referral.objects.filter(school=school).count()
