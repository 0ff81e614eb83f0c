"""The daily concern tallies behind the dashboards (docs/adr/0020).

`tally_refresh` counts, for every school, the signed concerns of each day that is over: in all,
per top-level category and per year group as signed. It runs nightly (Celery beat) and after the
benchmark seed; the dashboards read the tallies up to a school's mark and the concerns themselves
after it, so a refresh that has not run yet makes a dashboard slower, never wrong.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from concerns.models import Concern, ConcernPupil, ConcernStatus, InvolvementCategory
from oversight.models import ConcernTally, ConcernTallyMark, TallyDimension
from schools.models import School

# A concern is signed and committed in one transaction, moments after its time of writing; a day
# is tallied only when it ended at least this long ago, so no commit can still be on its way.
SETTLE = datetime.timedelta(hours=1)
BATCH = 10_000


def last_complete_day(now: datetime.datetime) -> datetime.date:
    """The last day (London time) that ended at least `SETTLE` before `now`."""
    return timezone.localtime(now - SETTLE).date() - datetime.timedelta(days=1)


def _count_days(
    school_ids: list[int], start: datetime.date | None, through: datetime.date
) -> list[ConcernTally]:
    """The tallies of the days from `start` (None: the first) to `through`."""
    end = timezone.make_aware(
        datetime.datetime.combine(through + datetime.timedelta(days=1), datetime.time.min)
    )
    written = Q(written_at__lt=end)
    if start is not None:
        written &= Q(
            written_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
        )
    concerns = Concern.objects.filter(written, school_id__in=school_ids).exclude(
        status=ConcernStatus.DRAFT
    )
    rows: dict[tuple[int, datetime.date, str, str], int] = defaultdict(int)
    for r in (
        concerns.values("school_id", day=TruncDate("written_at")).annotate(n=Count("pk")).order_by()
    ):
        rows[(r["school_id"], r["day"], TallyDimension.ALL, "")] += r["n"]
    for r in (
        InvolvementCategory.objects.filter(involvement__concern__in=concerns)
        .values(
            "school_id",
            day=TruncDate("involvement__concern__written_at"),
            top=Coalesce(F("category__parent_id"), F("category_id")),
        )
        .annotate(n=Count("involvement__concern_id", distinct=True))
        .order_by()
    ):
        rows[(r["school_id"], r["day"], TallyDimension.CATEGORY, str(r["top"]))] += r["n"]
    for r in (
        ConcernPupil.objects.filter(concern__in=concerns)
        .values("school_id", "pupil_year_group", day=TruncDate("concern__written_at"))
        .annotate(n=Count("concern_id", distinct=True))
        .order_by()
    ):
        key = r["pupil_year_group"]
        rows[(r["school_id"], r["day"], TallyDimension.YEAR_GROUP, key)] += r["n"]
    return [
        ConcernTally(school_id=sid, day=day, dimension=dim, key=key, concerns=n)
        for (sid, day, dim, key), n in rows.items()
    ]


@transaction.atomic
def tally_refresh(
    *, now: datetime.datetime | None = None, school_ids: list[int] | None = None
) -> int:
    """Tally every day that is over and not yet tallied, for every school (or those given);
    returns how many tally rows were written. Idempotent: a second run finds nothing new."""
    through = last_complete_day(now or timezone.now())
    schools = School.objects.order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    ids = list(schools.values_list("pk", flat=True))
    # One refresh at a time: the marks are locked for the whole run.
    marks = {
        m.school_id: m
        for m in ConcernTallyMark.objects.select_for_update().filter(school_id__in=ids)
    }
    by_start: dict[datetime.date | None, list[int]] = defaultdict(list)
    for sid in ids:
        mark = marks.get(sid)
        if mark is None:
            by_start[None].append(sid)
        elif mark.through < through:
            by_start[mark.through + datetime.timedelta(days=1)].append(sid)
    written = 0
    for start, group in by_start.items():
        stale = ConcernTally.objects.filter(school_id__in=group, day__lte=through)
        if start is not None:
            stale = stale.filter(day__gte=start)
        stale.delete()
        tallies = _count_days(group, start, through)
        ConcernTally.objects.bulk_create(tallies, batch_size=BATCH)
        written += len(tallies)
    ConcernTallyMark.objects.bulk_create(
        [ConcernTallyMark(school_id=sid, through=through) for sid in ids if sid not in marks]
    )
    ConcernTallyMark.objects.filter(school_id__in=ids, through__lt=through).update(
        through=through, updated_at=timezone.now()
    )
    return written
