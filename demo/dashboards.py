"""A year of the demo trust's history, so the dashboards have trends to show (issue 8).

Each school gets about one concern a week over the 52 weeks before the rest of the demo, written,
opened, decided and closed through the real services at the moment each happened (time-machine
moves the clock while a record is signed, so signatures, the chain and the access log are real and
in order). Two stories for a new user to find on the trust dashboard:

- Southend Bay Academy has had a run of online-safety concerns in the last four weeks: the outlier
  rule (ADR 0020) flags the category there.
- Leicester Road School's DSL has been slower to open concerns this term than last: its triage is
  "slipping". (From about four weeks into a term: the newest four weeks are the rest of the
  demo's concerns, which its DSLs open at once, so early in a term the median is theirs.)

The history is written once, for a school with no concerns yet, and is random but the same on
every machine (a fixed seed per school).
"""

from __future__ import annotations

import datetime
import random
from typing import Any

import time_machine
from django.utils import timezone

from concerns import services
from concerns.models import Category, Concern
from oversight.terms import term_of
from safeguard.models import Notification
from schools.models import Pupil, School, SchoolMembership

from .writing import decide_concern, write_concern

HISTORY_WEEKS = 52
RECENT_DAYS = 28  # the newest weeks are left to the rest of the demo (and the spike below)
SPIKE_SCHOOL, SPIKE_CATEGORY, SPIKE_CONCERNS = (
    "southend-bay",
    "Online safety > Harmful online content or contact",
    6,
)
SLOW_SCHOOL = "leicester-road"

# (category as "Heading > subcategory", involvement, where, what happened) by how often each is
# seen in a primary or secondary school: the commoner, the more entries.
_STORIES: list[tuple[str, str, str, str]] = [
    (
        "Neglect",
        "experienced",
        "Classroom",
        "came to school hungry and in the same clothes as all week",
    ),
    ("Neglect", "experienced", "Breakfast club", "said there was no food at home at the weekend"),
    (
        "Emotional abuse",
        "experienced",
        "Classroom",
        "said they are shouted at and called stupid at home",
    ),
    (
        "Physical abuse",
        "experienced",
        "PE changing room",
        "had bruising on the upper arm and would not say how",
    ),
    (
        "Child-on-child abuse > Bullying, including online bullying",
        "experienced",
        "Playground",
        "said a group of pupils have been calling them names every day",
    ),
    (
        "Child-on-child abuse > Physical abuse by another child",
        "displayed",
        "Playground",
        "pushed another pupil to the ground at lunchtime",
    ),
    (
        "Domestic abuse > Domestic abuse at home",
        "witnessed",
        "Classroom",
        "said the police came to their house after an argument",
    ),
    (
        "Missing and absence > Absent from education",
        "experienced",
        "School office",
        "has missed eight days this half term with no reason given",
    ),
    (
        "Online safety > Harmful online content or contact",
        "experienced",
        "ICT suite",
        "said an adult they met in a game asked for photos",
    ),
    (
        "Family circumstances > Adult mental health",
        "experienced",
        "Classroom",
        "said they look after their mum, who is unwell, most evenings",
    ),
    (
        "Harm outside the home > Anti-social or criminal behaviour",
        "displayed",
        "Bus stop outside school",
        "was seen with older young people not from the school, one holding a knife",
    ),
    (
        "Neglect",
        "experienced",
        "Medical room",
        "has had toothache for weeks and has not seen a dentist",
    ),
    (
        "Child-on-child abuse > Bullying, including online bullying",
        "experienced",
        "Classroom",
        "showed me messages from classmates in a group chat telling them to leave",
    ),
]

_DECISION = {
    "actions": ["monitoring"],
    "action_reasons": "Monitored in school; the class teacher and pastoral lead are aware.",
    "level_of_need": "additional",
    "level_of_need_reason": "Needs support in school; no wider safeguarding concern at present.",
    "parents_informed": True,
    "parents_informed_reason": "Parent told by phone the same day.",
    "outcome": "Monitored for four weeks with no further concern.",
    "cp_file_decision": "no",
    "cp_file_reason": "Managed with support in school.",
}


def seed_demo_history(*, school: School, today: datetime.date) -> int:
    """Write one school's year of closed concerns, once (a school with concerns is left alone)."""
    if Concern.objects.filter(school=school).exists():
        return 0
    people = {
        m.role: m.user
        for m in SchoolMembership.objects.filter(school=school).select_related("user")
    }
    labels = {c.label: c for c in services.categories_for(school=school)}
    pupils = list(Pupil.objects.filter(school=school, left_on__isnull=True).order_by("upn"))
    rng = random.Random(f"demo-history-{school.slug}")  # noqa: S311 - a demo, not a secret
    started = timezone.now()
    written = 0
    first_day = today - datetime.timedelta(weeks=HISTORY_WEEKS)
    for moment in _moments(rng, first_day, today - datetime.timedelta(days=RECENT_DAYS)):
        story = _STORIES[rng.randrange(len(_STORIES))]
        _history_concern(school, people, labels, rng.choice(pupils), story, moment, rng, today)
        written += 1
    if school.slug == SPIKE_SCHOOL:
        spike = next(s for s in _STORIES if s[0] == SPIKE_CATEGORY)
        for n in range(SPIKE_CONCERNS):
            day = today - datetime.timedelta(days=RECENT_DAYS - 2 - n * 4)
            moment = _school_moment(rng, day)
            _history_concern(school, people, labels, rng.choice(pupils), spike, moment, rng, today)
            written += 1
    # These notifications were read (and emailed) when each concern arrived, long ago.
    Notification.objects.filter(school=school, read_at__isnull=True, created_at__lt=started).update(
        read_at=started, email_sent_at=started
    )
    return written


def _moments(
    rng: random.Random, first: datetime.date, last: datetime.date
) -> list[datetime.datetime]:
    """About one moment a week in school hours, none in August (the summer holiday)."""
    moments = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day.month != 8 and rng.random() < 0.22:
            moments.append(_school_moment(rng, day))
        day += datetime.timedelta(days=1)
    return moments


def _school_moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    if day.weekday() >= 5:  # a weekend: the Monday after
        day += datetime.timedelta(days=7 - day.weekday())
    at = datetime.time(rng.randint(8, 15), rng.choice([0, 10, 20, 30, 40, 50]))
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _history_concern(
    school: School,
    people: dict[str, Any],
    labels: dict[str, Category],
    pupil: Pupil,
    story: tuple[str, str, str, str],
    moment: datetime.datetime,
    rng: random.Random,
    today: datetime.date,
) -> None:
    category, kind, location, what = story
    slow = school.slug == SLOW_SCHOOL and moment.date() >= term_of(today).start
    wait = datetime.timedelta(minutes=rng.randint(15, 240) * (6 if slow else 1))
    with time_machine.travel(moment, tick=False):
        concern = write_concern(
            people["staff"],
            [(pupil, kind, [category])],
            labels,
            incident_at=moment - datetime.timedelta(minutes=rng.randint(5, 90)),
            location=location,
            reason=f"The pupil {what}.",
            account=f"At about {moment:%H:%M} the pupil {what}. I listened and did not ask "
            "leading questions.",
            actions="Told the DSL in person.",
        )
    with time_machine.travel(moment + wait, tick=False):
        decide_concern(people["dsl"], concern, _DECISION)
    closing = moment + wait + datetime.timedelta(days=28)
    if closing < timezone.now():  # the newest stay open while the DSL monitors them
        with time_machine.travel(closing, tick=False):
            services.concern_close(actor=people["dsl"], concern=concern)
