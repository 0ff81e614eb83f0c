"""Concerns for the demo trust, written through the services so signatures are real.

Each school gets one concern in every state: a draft, new ones (one with a child in immediate
danger), one the DSL has acted on with a referral, a restricted one, and a closed one.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from chronology import services as chronology
from concerns import services
from concerns.models import Concern
from schools.models import Pupil, School, SchoolMembership, User

from .clock import at
from .dashboards import seed_demo_history
from .writing import decide_concern, write_concern


def _chronology_history(
    *, dsl: User, deputy: User, pupil: Pupil, concern: Concern, today: datetime.date
) -> None:
    """A child-protection file with a plan, calls, a strategy discussion and a risk assessment."""
    chronology.cp_file_open(
        actor=dsl,
        pupil=pupil,
        reason="Disclosure of physical harm at home; referred to children's social care.",
    )
    chronology.chronology_add_entry(
        actor=dsl,
        pupil=pupil,
        kind="phone_call",
        occurred_at=at(today, 2, 14, 20),
        details="Children's social care confirmed the referral was received and a social worker allocated.",
        people_involved="Duty manager, children's social care",
    )
    chronology.chronology_add_entry(
        actor=deputy,
        pupil=pupil,
        kind="strategy_discussion",
        occurred_at=at(today, 1, 11, 0),
        details="Strategy discussion held: section 47 enquiry agreed. School to monitor attendance and presentation daily.",
        people_involved="Social worker, police child abuse investigation team, DSL",
        significant=True,
    )
    chronology.status_add(
        actor=dsl,
        pupil=pupil,
        kind="child_in_need",
        start_date=today - datetime.timedelta(days=1),
        review_date=today + datetime.timedelta(days=28),
        lead_professional="Jo Smith, social worker",
        lead_professional_contact="Children's social care duty line",
    )
    chronology.risk_assessment_create(
        actor=dsl,
        school=pupil.school,
        concern=concern,
        pupils=[pupil],
        title="Going home at the end of the day",
        risks="The pupil is frightened of going home; the parent collects on Fridays.",
        measures="DSL sees the pupil at the end of each day; social worker told of any new injury at once.",
        review_date=max(today, timezone.localdate()) + datetime.timedelta(days=7),
        pupil_contributed=True,
    )


@transaction.atomic
def seed_demo_concerns(*, school: School, today: datetime.date, history: bool = True) -> int:
    """Write the demo concerns of one school, once (a school that has concerns is left alone)."""
    if Concern.objects.filter(school=school).exists():
        return 0
    if history:
        seed_demo_history(school=school, today=today)  # the year before, for the dashboards
    people = {
        m.role: m.user
        for m in SchoolMembership.objects.filter(school=school).select_related("user")
    }
    staff, dsl, deputy, head = people["staff"], people["dsl"], people["deputy"], people["head"]
    labels = {c.label: c for c in services.categories_for(school=school)}
    pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).order_by("upn"))
    a, b, c, d, e, f = pupils[3], pupils[8], pupils[15], pupils[22], pupils[30], pupils[41]

    closed = write_concern(
        staff,
        [
            (a, "experienced", ["Child-on-child abuse > Physical abuse by another child"]),
            (b, "displayed", ["Child-on-child abuse > Physical abuse by another child"]),
        ],
        labels,
        incident_at=at(today, 20, 12, 35),
        location="Playground, by the climbing frame",
        reason="A pupil was pushed over and kicked by another pupil at lunchtime.",
        account=(
            f"At about 12:35 I saw {b.display_name} push {a.display_name} to the ground and kick "
            f'their leg twice. {a.display_name} was crying and said: "{b.legal_first_name} always '
            "does this when the teachers aren't looking.\" Witnessed by the lunchtime supervisor."
        ),
        actions="Separated the pupils and told the class teacher at 12:50.",
    )
    decide_concern(
        dsl,
        closed,
        {
            "actions": ["monitoring", "advice_to_staff"],
            "action_reasons": "First incident recorded between these pupils; no injury beyond a graze.",
            "level_of_need": "additional",
            "level_of_need_reason": "Behaviour needs support in school; no wider safeguarding concern.",
            "parents_informed": True,
            "parents_informed_reason": "Both families told by phone the same afternoon.",
            "outcome": "Restorative meeting held; no repeat in two weeks of monitoring.",
            "cp_file_decision": "no",
            "cp_file_reason": "Managed within the behaviour policy.",
        },
    )
    action = services.action_assign(
        actor=dsl,
        concern=closed,
        description="Watch the playground at lunch for two weeks.",
        owner=staff,
        due_on=today - datetime.timedelta(days=6),
    )
    services.action_complete(actor=staff, action=action, note="No repeat seen.")
    services.concern_close(actor=dsl, concern=closed)

    referred = write_concern(
        staff,
        [(c, "experienced", ["Physical abuse"])],
        labels,
        incident_at=at(today, 3, 9, 10),
        location="Classroom, during registration",
        reason="A pupil disclosed being hit at home.",
        account=(
            f"During registration {c.display_name} had a bruise on the left forearm. When I asked "
            'if they were OK they said: "Dad hit me with his belt because I was late." I did not '
            "ask any more questions."
        ),
        opinion="The bruise looked recent; the account was given without prompting.",
        actions="Told the DSL in person at 09:20.",
    )
    record = services.concern_open(actor=dsl, concern=referred)
    services.advice_add(
        actor=dsl,
        record=record,
        sought_at=at(today, 3, 9, 40),
        name="Duty social worker",
        role="Consultation line",
        organisation=f"{school.local_authority} children's social care",
        advice="Make a referral today; do not tell the parents before social care advise.",
    )
    record.refresh_from_db()
    record = services.dsl_record_save(
        actor=dsl,
        record=record,
        values={
            "actions": ["referral_social_care", "monitoring"],
            "action_reasons": "Disclosure of physical harm by a parent, with a visible injury.",
            "action_details": "Referral made by phone at 10:05; written referral sent at 11:30.",
            "level_of_need": "specialist",
            "level_of_need_reason": "Risk of significant harm.",
            "parents_informed": False,
            "parents_informed_reason": "Social care advised not to, as it could increase the risk.",
            "information_held_elsewhere": "Attendance notes in the pupil file.",
            "cp_file_decision": "yes",
            "cp_file_reason": "First disclosure of harm at home.",
        },
        expected_version=record.version,
    )
    services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    _chronology_history(dsl=dsl, deputy=deputy, pupil=c, concern=referred, today=today)
    services.action_assign(
        actor=dsl,
        concern=referred,
        description="Chase children's social care for the outcome.",
        owner=deputy,
        due_on=today + datetime.timedelta(days=1),
    )
    services.addendum_add(
        actor=staff,
        concern=referred,
        text=f"{c.legal_first_name} came in today in long sleeves and said their arm still hurt.",
    )

    restricted = write_concern(
        deputy,
        [(d, "experienced", ["So-called honour-based abuse > Female genital mutilation"])],
        labels,
        incident_at=at(today, 5, 15, 0),
        location="Deputy's office",
        reason="Information suggesting a risk of FGM during a planned trip abroad.",
        account=f"{d.display_name}'s older sister told me the family plan a 'special ceremony' abroad in the holidays.",
    )
    services.concern_restrict(actor=dsl, concern=restricted, named=[head])
    services.concern_open(actor=dsl, concern=restricted)

    write_concern(
        staff,
        [(e, "experienced", ["Neglect"])],
        labels,
        incident_at=at(today, 1, 8, 50),
        location="Breakfast club",
        reason="Signs of neglect seen over several days.",
        account=f"{e.display_name} has worn the same unwashed clothes all week and ate three breakfasts today. They said there was no food at home.",
    )
    write_concern(
        staff,
        [(f, "experienced", ["Physical abuse"])],
        labels,
        incident_at=at(today, 0, 8, 45) if timezone.localtime().hour >= 9 else at(today, 1, 15, 30),
        location="School gate",
        reason="Injury and fear of going home.",
        account=f"{f.display_name} arrived with a cut lip and said: \"Please don't send me home, he'll be there.\"",
        danger=True,
    )
    write_concern(
        staff,
        [(a, "witnessed", [])],
        labels,
        incident_at=at(today, 0, 8, 0),
        location="Corridor",
        reason="",
        account="Started writing this before the bell; to finish.",
        submit=False,
    )
    return Concern.objects.filter(school=school).count()
