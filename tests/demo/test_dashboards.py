"""The demo trust's year of history (demo/dashboards.py): the dashboards have trends to
show, one category spike to find and one school whose triage is slipping, all written through the
services (signed, chained) and none of it in the future."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from concerns.models import Concern, ConcernStatus
from demo.people import TSO_EMAIL
from demo.seed import seed_demo
from oversight.dashboards.figures import trust_figures
from safeguard.models import Notification
from schools.models import Trust, User

LONDON = timezone.get_default_timezone()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 11, 20, 12, tzinfo=LONDON),  # autumn: the summer term before
        datetime.datetime(2027, 3, 10, 12, tzinfo=LONDON),  # spring: the autumn term before
        datetime.datetime(2027, 6, 16, 12, tzinfo=LONDON),  # summer: the spring term before
    ],
    ids=["autumn", "spring", "summer"],
)
def test_the_demo_year_has_trends_a_spike_and_a_slipping_school(
    moment: datetime.datetime,
) -> None:
    with time_machine.travel(moment, tick=True):
        seed_demo(password="demo-password-123", today=timezone.localdate())
        trust = Trust.objects.get(schools__slug="alderbrook")
        tso = User.objects.get(email=TSO_EMAIL)
        figures = trust_figures(actor=tso, trust=trust)
        _check(trust, figures)


def _check(trust: Trust, figures: Any) -> None:
    # A year of weekly concerns in every school, none dated in the future.
    weeks_with_concerns = sum(
        1 for n in range(len(figures.weeks)) if any(v[n] for v in figures.weekly.values())
    )
    assert weeks_with_concerns >= 30
    for school in trust.schools.all():
        submitted = Concern.objects.filter(school=school).exclude(status=ConcernStatus.DRAFT)
        assert submitted.count() > 40
    assert not Concern.objects.filter(written_at__gt=timezone.now()).exists()
    assert not Concern.objects.filter(closed_at__gt=timezone.now()).exists()

    # The online-safety spike at Southend Bay is flagged; it is the only school flagged.
    flagged = {(o.kind, o.label) for o in figures.outliers}
    assert ("school_category", "Online safety at Southend Bay Academy") in flagged
    assert {o.label for o in figures.outliers if o.kind == "school"} <= {"Southend Bay Academy"}

    # Leicester Road's DSL has been slower to open concerns this term, and no other school's.
    assert {s.school_name for s in figures.schools if s.triage_slipping} == {
        "Leicester Road School"
    }

    # Signed and chained; the history's notifications were read long ago.
    call_command("verify_records")  # exits 1 if a chain is broken
    old = Notification.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=7))
    assert old.exists()
    assert not old.filter(read_at__isnull=True).exists()
