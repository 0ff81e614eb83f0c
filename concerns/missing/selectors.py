"""Reads of missing-child episodes and continuous absences, always scoped by the acting user.

Missing episodes are child-protection records: the people who read CP records see them (the
person who reported a pupil missing is told the DSL has it, and sees no more). Continuous
absences are read by CP readers and by the school administrator, who keeps the roll and may tell
the local authority.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chronology.models import PupilStatus, StatusKind
from contacts.models import FamilyContact, Relationship
from safeguard.access import access_for, get_for_actor_or_404, get_or_404
from safeguard.roles import Perm
from safeguard.workdays import SchoolCalendar
from schools.models import Pupil, School

from ..models import ContinuousAbsence, MissingEpisode, MissingEpisodeStep, MissingStep
from .rules import la_deadline, police_were_called

FREQUENT_EPISODES = 3  # Appendix C: going missing frequently may indicate exploitation
WINDOW = datetime.timedelta(days=365)
# A Child in Need, on a Child Protection plan or looked after: a social worker is allocated.
SOCIAL_WORKER_STATUSES = {StatusKind.CHILD_IN_NEED, StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER}


def _window_start(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - WINDOW


def missing_episode_get_for(*, actor: Any, pk: Any) -> MissingEpisode:
    """One episode the actor may read as a CP record, else the same 404 for every reason."""
    return get_for_actor_or_404(
        MissingEpisode.objects.select_related("pupil", "school", "closed_by"),
        actor=actor,
        perm=Perm.READ_CP_RECORDS,
        pk=pk,
    )


def _episode_count_subquery(now: datetime.datetime | None = None) -> Subquery:
    counts = (
        MissingEpisode.objects.filter(
            pupil_id=OuterRef("pupil_id"), missing_since__gte=_window_start(now)
        )
        .values("pupil_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def missing_episode_list_for(
    *, actor: Any, school: School, now: datetime.datetime | None = None
) -> QuerySet[MissingEpisode]:
    """The school's episodes, open ones first, then newest; each with its pupil's count of
    episodes in the last 12 months (`recent_count`)."""
    if not access_for(actor).has(Perm.READ_CP_RECORDS, school):
        return MissingEpisode.objects.none()
    return (
        MissingEpisode.objects.filter(school=school)
        .select_related("pupil")
        .annotate(
            recent_count=Coalesce(_episode_count_subquery(now), Value(0)),
            steps_done=Count("steps"),
        )
        .order_by(F("closed_at").desc(nulls_first=True), "-missing_since")
    )


def open_missing_episodes_for(*, actor: Any, school: School) -> QuerySet[MissingEpisode]:
    """The school's episodes not yet closed, longest missing first (the home page)."""
    if not access_for(actor).has(Perm.READ_CP_RECORDS, school):
        return MissingEpisode.objects.none()
    return (
        MissingEpisode.objects.filter(school=school, closed_at__isnull=True)
        .select_related("pupil")
        .order_by("missing_since")
    )


def missing_count_last_12_months(*, pupil: Pupil, now: datetime.datetime | None = None) -> int:
    """How many times the pupil went missing in the last 12 months (the caller checked access)."""
    return MissingEpisode.objects.filter(pupil=pupil, missing_since__gte=_window_start(now)).count()


def missing_episodes_of(*, pupil: Pupil) -> list[MissingEpisode]:
    """The pupil's episodes, newest first (the caller has checked access)."""
    return list(MissingEpisode.objects.filter(pupil=pupil).order_by("-missing_since"))


def recent_in(episodes: list[MissingEpisode], now: datetime.datetime | None = None) -> int:
    """How many of these episodes began in the last 12 months (no query: the list is loaded)."""
    start = _window_start(now)
    return sum(e.missing_since >= start for e in episodes)


@dataclass(frozen=True)
class StepLine:
    """One line of the protocol checklist as the episode page shows it."""

    step: MissingStep
    record: MissingEpisodeStep | None
    can_record: bool

    @property
    def done(self) -> bool:
        return self.record is not None


def missing_checklist(*, episode: MissingEpisode) -> list[StepLine]:
    """Every step in protocol order, with its record if done and whether it can be recorded now."""
    rows = {s.step: s for s in MissingEpisodeStep.objects.filter(episode=episode)}
    lines = []
    for step in MissingStep:
        record = rows.get(step.value)
        can = record is None and (episode.is_open or step == MissingStep.RETURN_INTERVIEW)
        if step == MissingStep.POLICE_TOLD_OF_RETURN:
            can = can and police_were_called(rows) and MissingStep.FOUND in rows
        elif step == MissingStep.RETURN_INTERVIEW:
            can = can and MissingStep.FOUND in rows
        lines.append(StepLine(step=step, record=record, can_record=can))
    return lines


def allocated_social_workers(*, pupil: Pupil, on: datetime.date | None = None) -> list[str]:
    """Who the pupil's records show as an allocated social worker: the lead professional of a
    current status or plan, a current Child in Need or CP plan or looked-after status (which
    always has one, named or not), and family contacts who are the pupil's social worker."""
    on = on or timezone.localdate()
    current = PupilStatus.objects.filter(pupil=pupil, start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    found: list[str] = []
    for status in current.order_by("-start_date"):
        if status.lead_professional:
            contact = status.lead_professional_contact
            found.append(status.lead_professional + (f" ({contact})" if contact else ""))
        elif status.kind in SOCIAL_WORKER_STATUSES:
            found.append(f"a social worker, not named ({status.get_kind_display()})")
    contacts = FamilyContact.objects.filter(pupil=pupil, relationship=Relationship.SOCIAL_WORKER)
    for person in contacts.order_by("name"):
        found.append(person.name + (f" ({person.phone})" if person.phone else ""))
    return list(dict.fromkeys(found))


# --- Continuous absences ----------------------------------------------------------------------


def _absence_schools(actor: Any) -> list[int]:
    access = access_for(actor)
    return sorted(
        set(access.schools_with(Perm.READ_CP_RECORDS))
        | set(access.schools_with(Perm.MANAGE_PUPIL_ROLL))
    )


def can_read_absences(actor: Any, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return school_id in _absence_schools(actor)


def can_record_absences(actor: Any, school: School | int) -> bool:
    access = access_for(actor)
    return access.has(Perm.MANAGE_CP_RECORDS, school) or access.has(Perm.MANAGE_PUPIL_ROLL, school)


def absence_get_for(*, actor: Any, pk: Any) -> ContinuousAbsence:
    """One absence the actor may read, else the same 404 for every reason."""
    return get_or_404(
        ContinuousAbsence.objects.select_related("pupil", "school", "la_told_by", "ended_by"),
        pk=pk,
        school_id__in=_absence_schools(actor),
    )


def absence_list_for(*, actor: Any, school: School) -> QuerySet[ContinuousAbsence]:
    """The school's continuous absences, current ones first (oldest first: most urgent)."""
    if not can_read_absences(actor, school):
        return ContinuousAbsence.objects.none()
    return (
        ContinuousAbsence.objects.filter(school=school)
        .select_related("pupil")
        .order_by(F("ended_on").desc(nulls_first=True), "first_day")
    )


def absences_of(*, pupil: Pupil) -> list[ContinuousAbsence]:
    return list(ContinuousAbsence.objects.filter(pupil=pupil).order_by("-first_day"))


@dataclass(frozen=True)
class AbsenceState:
    """Where an absence stands against the 10th-school-day deadline."""

    deadline: datetime.date  # the 10th school day
    school_days: int  # school days absent so far (to today, or to the day it ended)
    state: str  # "ended", "told", "due", "today", "overdue"

    @property
    def label(self) -> str:
        return {
            "ended": "Ended",
            "told": "Local authority told",
            "due": f"Tell the local authority by {self.deadline:%-d %B %Y}",
            "today": "Tell the local authority today",
            "overdue": "Overdue: tell the local authority now",
        }[self.state]


def absence_state(
    absence: ContinuousAbsence,
    today: datetime.date | None = None,
    calendar: SchoolCalendar | None = None,
) -> AbsenceState:
    """The deadline, the school days absent so far and what is due, by the school's calendar
    (pass it when showing many absences of one school, so it is loaded once)."""
    today = today or timezone.localdate()
    calendar = calendar or SchoolCalendar.load(absence.school_id)
    deadline = la_deadline(absence.first_day, calendar)
    start = calendar.school_day_on_or_after(absence.first_day)
    until = today
    if absence.ended_on is not None:
        until = min(today, absence.ended_on - datetime.timedelta(days=1))
    school_days = calendar.school_days_between(start - datetime.timedelta(days=1), until)
    if absence.ended_on is not None:
        state = "ended"
    elif absence.la_told_at is not None:
        state = "told"
    elif today > deadline:
        state = "overdue"
    elif today == deadline:
        state = "today"
    else:
        state = "due"
    return AbsenceState(deadline=deadline, school_days=school_days, state=state)


def current_absence_of(pupil: Pupil) -> ContinuousAbsence | None:
    """The pupil's absence that has not ended, if any (the caller has checked access)."""
    return ContinuousAbsence.objects.filter(pupil=pupil, ended_on__isnull=True).first()
