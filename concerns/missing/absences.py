"""Every write to continuous absences (children missing education, 003 "Children missing from
education"): the start, the local authority being told, and the end each write to the pupil's
chronology. The school administrator, who keeps the roll, may record them as well as the DSLs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chronology.ledger.content import on_day
from chronology.ledger.services import chronology_append
from chronology.models import EntryKind
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from safeguard.signing import content_hash
from safeguard.workdays import SchoolCalendar, bank_holiday_name
from schools.models import Pupil, User
from schools.selectors import safeguarding_leads

from ..models import ContinuousAbsence
from .content import absence_content
from .rules import CLOCK_SLACK, la_deadline, not_on_roll, require

_ABSENCE_PERMS = (Perm.MANAGE_CP_RECORDS, Perm.MANAGE_PUPIL_ROLL)


def absence_start_problems(
    *,
    pupil: Pupil,
    first_day: datetime.date | None,
    contact_attempts: str,
    today: datetime.date | None = None,
    lock: bool = False,
    **_: Any,
) -> dict[str, str]:
    """What is wrong with a new absence record, as {field: plain-English message}."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if first_day is None:
        problems["first_day"] = "Enter the first day of the absence"
    elif first_day > today:
        problems["first_day"] = "The first day of the absence must be today or in the past"
    elif first_day < pupil.joined_on:
        problems["first_day"] = "The first day of the absence must be after the pupil joined"
    elif not (calendar := SchoolCalendar.load(pupil.school_id)).is_school_day(first_day):
        holiday, closure = bank_holiday_name(first_day), calendar.closure_on(first_day)
        if holiday:
            why = f"{holiday}, a bank holiday"
        elif first_day.weekday() >= 5 or closure is None:
            why = f"a {first_day:%A}"
        else:
            why = f"in {closure.name}, when the school was closed"
        problems["first_day"] = (
            f"The first day of the absence must be a school day: {first_day:%d/%m/%Y} was {why}"
        )
    if off_roll := not_on_roll(pupil, today):
        return {"__all__": off_roll}
    if not contact_attempts.strip():
        problems["contact_attempts"] = (
            "Enter how the school tried to contact the family (both emergency contacts, home "
            "visit), and what happened"
        )
    absences = ContinuousAbsence.objects.filter(pupil=pupil, ended_on__isnull=True)
    current = (absences.select_for_update() if lock else absences).first()
    if current is not None:
        problems["__all__"] = (
            f"An absence from {current.first_day:%d/%m/%Y} is already recorded for this pupil "
            "and has not ended."
        )
    return problems


@transaction.atomic
def absence_start(
    *,
    actor: User,
    pupil: Pupil,
    first_day: datetime.date | None,
    contact_attempts: str,
    reason_known: str = "",
    today: datetime.date | None = None,
) -> ContinuousAbsence:
    """Record a continuous absence without the school's permission, from its first day."""
    require(actor, pupil.school_id, *_ABSENCE_PERMS)
    problems = absence_start_problems(
        pupil=pupil, first_day=first_day, contact_attempts=contact_attempts, today=today, lock=True
    )
    if problems:
        raise ValidationError(problems)
    assert first_day is not None  # noqa: S101
    absence = ContinuousAbsence(
        school_id=pupil.school_id,
        pupil=pupil,
        first_day=first_day,
        contact_attempts=contact_attempts.strip(),
        reason_known=reason_known.strip(),
        recorded_by=actor,
        recorder_name=actor.full_name,
    )
    absence.content_hash = content_hash(absence_content(absence))
    absence.full_clean()
    absence.save()
    deadline = la_deadline(first_day, pupil.school_id)
    reason = f" What is known: {absence.reason_known}" if absence.reason_known else ""
    chronology_append(
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.ABSENCE_STARTED,
        occurred_at=on_day(first_day),
        details=(
            f"Absent without the school's permission since {first_day:%d/%m/%Y}, reason not "
            f"known. The local authority must be told by {deadline:%d/%m/%Y} (the 10th school "
            f"day). Contact attempts: {absence.contact_attempts}{reason}"
        ),
        significant=True,
        author=actor,
        source_label=ContinuousAbsence._meta.label,
        source_id=absence.pk,
        source_hash=absence.content_hash,
    )
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, pupil.school_id):
        notify(
            school=pupil.school,
            recipients=safeguarding_leads(pupil.school),
            kind=NotificationKind.ABSENCE_RECORDED,
            title=(
                "A continuous absence was recorded: the local authority must be told by "
                f"{deadline:%d/%m/%Y}"
            ),
            link=reverse("absence-detail", kwargs={"pk": absence.pk}),
        )
    return absence


def absence_la_told_problems(
    *,
    absence: ContinuousAbsence,
    told_at: datetime.datetime | None,
    whom: str,
    now: datetime.datetime | None = None,
    **_: Any,
) -> dict[str, str]:
    """What stops the local authority being recorded as told."""
    now = now or timezone.now()
    if absence.la_told_at is not None:
        return {"__all__": "The local authority has already been recorded as told."}
    problems: dict[str, str] = {}
    if told_at is None:
        problems["told_at"] = "Enter when the local authority was told"
    elif told_at > now + CLOCK_SLACK:
        problems["told_at"] = "The time must not be in the future"
    elif timezone.localtime(told_at).date() < absence.first_day:
        problems["told_at"] = (
            f"The time must not be before the absence began ({absence.first_day:%d/%m/%Y})"
        )
    if not whom.strip():
        problems["whom"] = "Enter who at the local authority was told"
    return problems


@transaction.atomic
def absence_la_told(
    *,
    actor: User,
    absence: ContinuousAbsence,
    told_at: datetime.datetime | None,
    whom: str,
    reference: str = "",
    now: datetime.datetime | None = None,
) -> ContinuousAbsence:
    """Record that the local authority was told of the absence: when, whom, their reference."""
    require(actor, absence.school_id, *_ABSENCE_PERMS)
    absence = ContinuousAbsence.objects.select_for_update().get(pk=absence.pk)
    problems = absence_la_told_problems(absence=absence, told_at=told_at, whom=whom, now=now)
    if problems:
        raise ValidationError(problems)
    assert told_at is not None  # noqa: S101
    absence.la_told_at, absence.la_told_whom = told_at, whom.strip()
    absence.la_reference, absence.la_told_by = reference.strip(), actor
    absence.content_hash = content_hash(absence_content(absence))
    absence.full_clean()
    absence.save()
    ref = f", reference {absence.la_reference}" if absence.la_reference else ""
    chronology_append(
        school_id=absence.school_id,
        pupil_id=absence.pupil_id,
        kind=EntryKind.ABSENCE_LA_TOLD,
        occurred_at=told_at,
        details=(
            f"The local authority was told of the continuous absence since "
            f"{absence.first_day:%d/%m/%Y}: told {absence.la_told_whom}{ref}."
        ),
        people_involved=absence.la_told_whom,
        significant=True,
        author=actor,
        source_label=ContinuousAbsence._meta.label,
        source_id=absence.pk,
        source_hash=absence.content_hash,
    )
    return absence


def absence_end_problems(
    *,
    absence: ContinuousAbsence,
    ended_on: datetime.date | None,
    reason: str,
    today: datetime.date | None = None,
    **_: Any,
) -> dict[str, str]:
    """What stops the absence being recorded as ended."""
    today = today or timezone.localdate()
    if absence.ended_on is not None:
        return {"__all__": "This absence has already ended."}
    problems: dict[str, str] = {}
    if ended_on is None:
        problems["ended_on"] = "Enter the day the absence ended"
    elif ended_on > today:
        problems["ended_on"] = "The day the absence ended must be today or in the past"
    elif ended_on < absence.first_day:
        problems["ended_on"] = (
            f"The absence cannot end before it began ({absence.first_day:%d/%m/%Y})"
        )
    if not reason.strip():
        problems["reason"] = "Enter how the absence ended, for example, the pupil returned"
    return problems


@transaction.atomic
def absence_end(
    *,
    actor: User,
    absence: ContinuousAbsence,
    ended_on: datetime.date | None,
    reason: str,
    today: datetime.date | None = None,
) -> ContinuousAbsence:
    """Record the day the absence ended (the pupil returned, or another outcome) and how."""
    require(actor, absence.school_id, *_ABSENCE_PERMS)
    absence = ContinuousAbsence.objects.select_for_update().get(pk=absence.pk)
    problems = absence_end_problems(absence=absence, ended_on=ended_on, reason=reason, today=today)
    if problems:
        raise ValidationError(problems)
    assert ended_on is not None  # noqa: S101
    absence.ended_on, absence.end_reason, absence.ended_by = ended_on, reason.strip(), actor
    absence.content_hash = content_hash(absence_content(absence))
    absence.full_clean()
    absence.save()
    chronology_append(
        school_id=absence.school_id,
        pupil_id=absence.pupil_id,
        kind=EntryKind.ABSENCE_ENDED,
        occurred_at=on_day(ended_on),
        details=(
            f"Continuous absence since {absence.first_day:%d/%m/%Y} ended {ended_on:%d/%m/%Y}: "
            f"{absence.end_reason}"
        ),
        author=actor,
        source_label=ContinuousAbsence._meta.label,
        source_id=absence.pk,
        source_hash=absence.content_hash,
    )
    return absence
