"""Missing children for the demo trust, written through the services so chronology entries,
hashes and alerts are real.

Each school gets one missing episode with every step of the protocol recorded and closed. At
Alderbrook one pupil has gone missing three times in the last year, so the "frequent" warning
shows, and one pupil has been absent without permission for eight school days, so the deadline
to tell the local authority is close.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from concerns.missing import absences, episodes
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import SchoolCalendar
from schools.models import Pupil, School, SchoolMembership, User

from .clock import at, school_days_back
from .people import SCHOOLS

FREQUENT_SCHOOL = "alderbrook"


def _minutes(moment: datetime.datetime, n: int) -> datetime.datetime:
    return moment + datetime.timedelta(minutes=n)


def _full_episode(
    *, staff: User, dsl: User, deputy: User, pupil: Pupil, today: datetime.date
) -> None:
    """Every step: searched, contacted, parents, police (101), social worker, found, police told
    of the return, and the missing chat offered."""
    since = at(today, 12, 13, 35)
    episode = episodes.missing_episode_start(
        actor=staff,
        pupil=pupil,
        missing_since=since,
        last_seen_at=_minutes(since, -25),
        last_seen_details=(
            f"Lunch hall at 13:10, seen by the lunchtime supervisor; {pupil.legal_first_name} "
            "did not come to registration at 13:30."
        ),
        circumstances="Wearing school uniform and a grey hooded coat. Has a mobile phone.",
    )

    def step(actor: User, name: str, minutes: int, **values: Any) -> None:
        episodes.missing_step_record(
            actor=actor, episode=episode, step=name, done_at=_minutes(since, minutes), **values
        )

    step(dsl, "searched", 10, notes="Classrooms, toilets, field, car park and the lane behind.")
    step(dsl, "contacted", 14, notes="Phoned twice and texted: no answer, then the phone was off.")
    step(
        dsl,
        "parents_told",
        17,
        person="Mother, by phone",
        notes="Not at home; she is going out to look.",
    )
    step(
        dsl,
        "police_reported",
        25,
        police_line="101",
        incident_number="CAD 0412",
        notes="Told the police of the search, calls and contact with mother.",
    )
    step(deputy, "social_worker_told", 32, person="Jo Smith, social worker")
    step(dsl, "found", 115, person="Police officer", place="Bus station in the town centre")
    step(dsl, "police_told_of_return", 125, notes="Police already aware: they found the pupil.")
    episodes.missing_episode_close(actor=dsl, episode=episode, now=_minutes(since, 130))
    step(
        deputy,
        "return_interview",
        60 * 24 + 60,
        person="Local authority missing co-ordinator",
        notes="Missing chat offered; the pupil agreed to meet on Thursday.",
    )


def _short_episode(
    *, staff: User, dsl: User, pupil: Pupil, since: datetime.datetime, place: str
) -> None:
    """Found by staff during the search, before the police were needed."""
    episode = episodes.missing_episode_start(
        actor=staff,
        pupil=pupil,
        missing_since=since,
        last_seen_at=_minutes(since, -15),
        last_seen_details="Left the classroom saying they needed the toilet.",
    )
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="searched", done_at=_minutes(since, 5),
        notes="Building and grounds searched.",
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="contacted", done_at=_minutes(since, 8),
        notes="Texted; no reply.",
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="parents_told", done_at=_minutes(since, 12),
        person="Father, by phone",
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="police_reported", not_applicable=True,
        notes="Found by the site manager during the search, before the police were needed.",
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="social_worker_told", not_applicable=True,
    )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="found", done_at=_minutes(since, 35),
        person="Site manager", place=place,
    )  # fmt: skip
    episodes.missing_episode_close(actor=dsl, episode=episode, now=_minutes(since, 40))


@transaction.atomic
def seed_demo_missing(*, today: datetime.date) -> int:
    """Write the demo's missing children once (a school that has any is left alone)."""
    created = 0
    for spec in SCHOOLS:
        school = School.objects.get(slug=spec.slug)
        people = {
            m.role: m.user
            for m in SchoolMembership.objects.filter(school=school).select_related("user")
        }
        staff, dsl, deputy = people["staff"], people["dsl"], people["deputy"]
        pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).order_by("upn"))
        if not MissingEpisode.objects.filter(school=school).exists():
            _full_episode(staff=staff, dsl=dsl, deputy=deputy, pupil=pupils[15], today=today)
            created += 1
            if spec.slug == FREQUENT_SCHOOL:
                frequent = pupils[19]
                for days_ago, hour, place in [
                    (150, 10, "Behind the sports hall"),
                    (62, 14, "The park next to the school"),
                    (9, 11, "Corner shop on the high street"),
                ]:
                    _short_episode(
                        staff=staff,
                        dsl=dsl,
                        pupil=frequent,
                        since=at(today, days_ago, hour, 20),
                        place=place,
                    )
                    created += 1
        absent = ContinuousAbsence.objects.filter(school=school).exists()
        if spec.slug == FREQUENT_SCHOOL and not absent:
            # Today is the 8th school day, by the school's own term dates.
            first_day = school_days_back(today, 7, SchoolCalendar.load(school))
            pupil = next(p for p in pupils[26:] if p.joined_on <= first_day)
            absences.absence_start(
                actor=people["admin"],
                pupil=pupil,
                first_day=first_day,
                contact_attempts=(
                    "Called both emergency contacts on the first and second days: no answer. "
                    "Letter sent home on day 3; home visit on day 5, nobody answered. "
                    "Education welfare officer informed."
                ),
                reason_known="A neighbour said the family may have gone abroad.",
                today=today,
            )
            created += 1
    return created
