"""The dashboards' small hand-counted fixture (issue 8), shared by the dashboards' tests.

Written with plain inserts (not the services) so every time is exact: "now" is Friday 20 November
2026 at noon, London; this term is autumn 2026 (1 September to 31 December) and the term before
is summer 2026 (1 April to 31 August).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chronology.models import CpFile, PupilStatus, RiskAssessment
from concerns.models import Action, Category, Concern, ConcernPupil, InvolvementCategory
from contacts.models import Agency
from referrals.models import Referral
from schools.models import Pupil, School, User
from tests.support.factories import PupilFactory, SchoolFactory, member
from tests.support.world import World

LONDON = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
_numbers = itertools.count(1)


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hour, minute, tzinfo=LONDON)


def add_concern(
    school: School,
    author: User,
    written_at: datetime.datetime | None,
    pupils: list[tuple[Pupil, str, list[Category]]],
    *,
    opened_after: datetime.timedelta | None = None,
    status: str = "received",
    restricted: bool = False,
) -> Concern:
    """A concern as if submitted at `written_at` (and opened `opened_after` later)."""
    concern = Concern.objects.create(
        school=school,
        author=author,
        written_at=written_at,
        account="Fixture",
        restricted=restricted,
        opened_at=None if opened_after is None or written_at is None else written_at + opened_after,
    )
    for pupil, year, cats in pupils:
        involvement = ConcernPupil.objects.create(
            school=school, concern=concern, pupil=pupil, pupil_year_group=year
        )
        for cat in cats:
            InvolvementCategory.objects.create(school=school, involvement=involvement, category=cat)
    if status != "draft":  # signed last: the database refuses pupils added to a signed concern
        Concern.objects.filter(pk=concern.pk).update(
            status=status,
            reference=f"{school.reference_prefix}-2026-{next(_numbers):04d}",
            content_hash="0" * 64,
        )
    return concern


@dataclass
class Fixture:
    world: World
    gamma: School  # a second school of the same trust
    cats: dict[str, Category]


def make_fixture(world: World) -> Fixture:
    """Trust 1's categories (a heading with a subcategory, two more) and a second school."""
    trust = world.school.trust
    abuse = Category.objects.create(trust=trust, name="Abuse", position=1)
    cats = {
        "Abuse": abuse,
        "Physical abuse": Category.objects.create(trust=trust, name="Physical abuse", parent=abuse),
        "Bullying": Category.objects.create(trust=trust, name="Bullying", position=2),
        "Online safety": Category.objects.create(trust=trust, name="Online safety", position=3),
    }
    gamma = SchoolFactory(trust=trust, name="Gamma School", slug="gamma")
    return Fixture(world, gamma, cats)


def seed_school_a(fx: Fixture) -> None:
    """School A's concerns, files, referrals, actions and reviews (the hand-worked example)."""
    w, c = fx.world, fx.cats
    school, staff, dsl = w.school, w.users["staff"], w.users["dsl"]
    p1, p2, p3 = w.pupil, PupilFactory(school=school), PupilFactory(school=school)
    abuse, physical, bullying, online = (
        c["Abuse"],
        c["Physical abuse"],
        c["Bullying"],
        c["Online safety"],
    )
    # This term.
    add_concern(school, staff, at(2026, 9, 10), [(p1, "Year 7", [physical])], opened_after=H)
    add_concern(
        school,
        staff,
        at(2026, 10, 5, 9),
        [(p1, "Year 7", [bullying]), (p2, "Year 8", [bullying, physical])],
        opened_after=3 * H,
    )
    add_concern(school, staff, at(2026, 11, 2, 8), [(p2, "Year 8", [online])], opened_after=5 * H)
    add_concern(school, staff, at(2026, 11, 20, 11, 30), [(p3, "Year 7", [bullying])])
    add_concern(school, staff, at(2026, 11, 18, 12), [(p1, "Year 7", [abuse])])
    add_concern(school, staff, None, [(p1, "Year 7", [bullying])], status="draft")
    # Last term.
    add_concern(school, staff, at(2026, 5, 1), [(p1, "Year 6", [bullying])], opened_after=2 * H)
    add_concern(school, staff, at(2026, 7, 1), [(p2, "Year 7", [physical])], opened_after=4 * H)
    add_concern(
        school, staff, at(2026, 6, 15), [(p3, "Year 6", [online])], restricted=True
    )  # still not opened: more than 3 days
    # Earlier: outside both terms.
    add_concern(school, staff, at(2026, 3, 31, 23), [(p1, "Year 6", [bullying])], opened_after=H)

    # Another trust's school: never in school A's or trust 1's figures.
    other = w.other_school
    b_cat = Category.objects.create(trust=other.trust, name="Bullying")
    add_concern(other, w.users["other_dsl"], at(2026, 11, 19), [(w.other_pupil, "Year 9", [b_cat])])

    CpFile.objects.create(school=school, pupil=p1, opened_at=NOW, opened_by=dsl, open_reason="x")
    CpFile.objects.create(school=school, pupil=p2, opened_at=NOW, opened_by=dsl, open_reason="x")
    CpFile.objects.create(
        school=school, pupil=p3, opened_at=NOW, opened_by=dsl, open_reason="x", closed_at=NOW
    )

    agency = Agency.objects.create(trust=school.trust, kind="social_care", name="Front door")

    def referral(**extra: Any) -> None:
        Referral.objects.create(
            school=school,
            pupil=p1,
            agency=agency,
            agency_name="Front door",
            referral_type="social_care",
            urgency="urgent",
            method="phone",
            made_at=NOW - 48 * H,
            reason="x",
            parents_informed="informed",
            parents_reason="x",
            made_by=dsl,
            made_by_name="DSL",
            content_hash="0" * 64,
            **extra,
        )

    referral(response_due_at=NOW - H)  # open and overdue
    referral(  # open, not yet due, its written follow-up outstanding
        response_due_at=NOW + 24 * H, follow_up_due_at=NOW - 40 * H
    )
    referral(response_due_at=NOW - H, status="escalated")  # open (escalated), not overdue
    referral(response_due_at=NOW - 24 * H, status="closed")

    concern = Concern.objects.filter(school=school).exclude(status="draft").first()
    assert concern is not None

    def action(due: datetime.date, done: bool = False) -> None:
        Action.objects.create(
            school=school,
            concern=concern,
            description="x",
            owner=dsl,
            created_by=dsl,
            due_on=due,
            done_at=NOW if done else None,
        )

    action(TODAY - datetime.timedelta(days=1))  # overdue
    action(TODAY)  # due today: open, not overdue
    action(TODAY - datetime.timedelta(days=5), done=True)

    def assessment(review: datetime.date, closed: bool = False) -> None:
        RiskAssessment.objects.create(
            school=school,
            title="x",
            risks="x",
            measures="x",
            review_date=review,
            created_by=dsl,
            closed_at=NOW if closed else None,
        )

    assessment(TODAY - datetime.timedelta(days=1))  # due
    assessment(TODAY + datetime.timedelta(days=7))  # upcoming
    assessment(TODAY + datetime.timedelta(days=30))  # neither
    assessment(TODAY - datetime.timedelta(days=10), closed=True)  # closed: neither
    PupilStatus.objects.create(
        school=school, pupil=p1, kind="cp_plan", start_date=TODAY, review_date=TODAY, created_by=dsl
    )  # due
    PupilStatus.objects.create(
        school=school,
        pupil=p2,
        kind="cp_plan",
        start_date=TODAY - datetime.timedelta(days=100),
        end_date=TODAY - datetime.timedelta(days=1),
        review_date=TODAY - datetime.timedelta(days=50),
        created_by=dsl,
    )  # ended: neither


def seed_gamma(fx: Fixture) -> None:
    pupil = PupilFactory(school=fx.gamma)
    author = member(fx.gamma, "staff", email="staff@gamma.example")
    add_concern(
        fx.gamma,
        author,
        at(2026, 11, 17),
        [(pupil, "Year 10", [fx.cats["Bullying"]])],
        opened_after=10 * H,
    )


def bulk_concerns(
    school: School, author: User, pupil: Pupil, cat: Category, day: datetime.date, n: int
) -> None:
    """`n` concerns about `pupil` in `cat`, written at 10:00 on `day`."""
    for _ in range(n):
        add_concern(
            school,
            author,
            datetime.datetime.combine(day, datetime.time(10), tzinfo=LONDON),
            [(pupil, "Year 5", [cat])],
        )


def count_queries(fn: Any) -> int:
    """How many queries `fn()` makes."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
