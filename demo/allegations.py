"""Allegations against adults for the demo trust, written through the services.

At Alderbrook Primary (Essex): an open allegation the headteacher has reported to the LADO, a
closed one found unfounded, and low-level concerns, two about the same adult (a pattern).
Running it again changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from allegations import services
from allegations.models import Allegation, LowLevelConcern
from contacts.models import FamilyContact
from schools.models import Pupil, School, User

from .clock import at

DEMO_SCHOOL = "alderbrook"


def _parent_of(pupil: Pupil | None) -> tuple[str, str] | None:
    """The pupil's first emergency contact with parental responsibility: (name, relationship)."""
    if pupil is None:
        return None
    contact = (
        FamilyContact.objects.filter(pupil=pupil, parental_responsibility=True)
        .order_by("emergency_priority", "name")
        .first()
    )
    if contact is None:
        return None
    return contact.name, contact.get_relationship_display()


@transaction.atomic
def seed_demo_allegations(*, today: datetime.date) -> int:
    """Seed Alderbrook's allegations and low-level concerns; returns how many records exist."""
    school = School.objects.filter(slug=DEMO_SCHOOL).first()
    head = User.objects.filter(email__iexact=f"head@{DEMO_SCHOOL}.example").first()
    if school is None or head is None:
        return 0
    existing = set(Allegation.objects.filter(school=school).values_list("subject_name", flat=True))
    pupil = Pupil.objects.filter(school=school, year_group="4").order_by("legal_last_name").first()

    if "Daniel Price" not in existing:
        # The story fits whichever pupil is linked: told by their own parent (from the family
        # contacts, when seeded), with nothing that assumes the child is a boy or a girl.
        parent = _parent_of(pupil)
        child = (pupil.preferred_first_name or pupil.legal_first_name) if pupil else "The child"
        relation = parent[1].lower() if parent else "parent"
        open_one = services.allegation_record(
            actor=head,
            school=school,
            subject_name="Daniel Price",
            subject_role="Year 4 teaching assistant",
            subject_type="staff",
            reported_by_name=parent[0] if parent else "A parent",
            reported_by_role=parent[1] if parent else "Parent",
            reported_at=at(today, 2, 8, 40),
            account=(
                f"{child}'s {relation} came to the office at 08:40 and said {child} had told "
                f"them last night that the teaching assistant grabbed {child} by the wrist in "
                "the cloakroom and pulled hard, and that it hurt. At bedtime there was a red "
                "mark on the wrist."
            ),
            pupils_involved="One Year 4 pupil",
            pupils=[pupil] if pupil else [],
        )
        services.allegation_lado_contact(
            actor=head,
            allegation=open_one,
            contacted_at=at(today, 2, 9, 55),
            officer="Duty LADO",
            reference="LADO/ESX/2026/0412",
            advice=(
                "Do not speak to the staff member about the allegation yet. Move him to duties "
                "without contact with the pupil while the LADO speaks to the police. Tell the "
                "parent the school has made a referral. Speak to HR today."
            ),
        )
        services.allegation_police(
            actor=head, allegation=open_one, involved=False, occurred_at=at(today, 2, 10, 15)
        )
        services.allegation_step_add(
            actor=head,
            allegation=open_one,
            occurred_at=at(today, 2, 11, 30),
            details="Spoke to HR as advised; the staff member is on duties away from Year 4.",
        )

    if "Karen Hollis" not in existing:
        closed = services.allegation_record(
            actor=head,
            school=school,
            subject_name="Karen Hollis",
            subject_role="Supply teacher (agency)",
            subject_type="supply",
            reported_by_name="Sam Taylor",
            reported_by_role="Class teacher",
            reported_at=at(today, 45, 15, 20),
            account=(
                "A Year 6 pupil told the class teacher that the supply teacher had shouted at "
                "her and pushed her chair while she was sitting on it."
            ),
        )
        services.allegation_lado_contact(
            actor=head,
            allegation=closed,
            contacted_at=at(today, 44, 9, 10),
            officer="Duty LADO",
            reference="LADO/ESX/2026/0377",
            advice="Liaise with the agency; gather accounts from the two adults present.",
        )
        services.allegation_step_add(
            actor=head,
            allegation=closed,
            occurred_at=at(today, 43, 14, 0),
            details="Agency told, as the LADO advised. Accounts from the two adults present.",
        )
        services.allegation_outcome(
            actor=head,
            allegation=closed,
            outcome="unfounded",
            outcome_date=today - datetime.timedelta(days=30),
            notes=(
                "The LADO agreed there was no evidence: both adults present saw the supply "
                "teacher move an empty chair. No further action."
            ),
        )

    if not LowLevelConcern.objects.filter(school=school).exists():
        first = services.low_level_record(
            actor=head,
            school=school,
            subject_name="Chris Doyle",
            subject_role="Sports coach (contractor)",
            subject_type="contractor",
            observed="Gave two pupils his personal mobile number 'in case practice is cancelled'.",
            observed_at=at(today, 20, 16, 0),
            reported_by_name="Sam Taylor",
            reported_by_role="Class teacher",
            reported_at=at(today, 20, 16, 30),
        )
        services.low_level_respond(
            actor=head,
            concern=first,
            response="Spoke to him about the code of conduct: all contact goes through the office.",
        )
        services.low_level_record(
            actor=head,
            school=school,
            subject_name="Chris Doyle",
            subject_role="Sports coach (contractor)",
            subject_type="contractor",
            observed="Followed a Year 6 pupil on social media after the football tournament.",
            observed_at=at(today, 4, 19, 0),
            reported_by_name="Tom Okafor",
            reported_by_role="Deputy Designated Safeguarding Lead",
            reported_at=at(today, 3, 8, 30),
        )
        services.low_level_record(
            actor=head,
            school=school,
            subject_name="Pat Green",
            subject_role="Volunteer reader",
            subject_type="volunteer",
            observed="Took a group of pupils to the library without telling the class teacher.",
            observed_at=at(today, 10, 10, 0),
            reported_by_name="Sam Taylor",
            reported_by_role="Class teacher",
            reported_at=at(today, 10, 12, 0),
        )
    return (
        Allegation.objects.filter(school=school).count()
        + LowLevelConcern.objects.filter(school=school).count()
    )
