"""Every write to missing-child episodes (003 Appendix C) and continuous absences (children
missing education, 003 "Children missing from education").

Anyone who may log a concern can report a pupil missing, because the first person to notice is
often a teacher; the DSLs are alerted at once. The DSL and deputies record each step of the
protocol as it happens and close the episode. Starting and closing write to the pupil's
chronology; so do the absence's start, the local authority being told, and its end.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from chronology.models import EntryKind, PupilStatus, StatusKind
from chronology.services import _on_day, chronology_append
from safeguard.access import access_for
from safeguard.notifications import notify
from safeguard.roles import Perm
from safeguard.signing import content_hash
from safeguard.workdays import SchoolCalendar, bank_holiday_name, school_day_number
from schools.models import Pupil, User

from ..models import (
    ContinuousAbsence,
    MissingEpisode,
    MissingEpisodeStep,
    MissingStep,
    PoliceLine,
)
from ..services import safeguarding_leads

# Clocks on phones and servers differ a little: "in the future" means more than this ahead.
CLOCK_SLACK = datetime.timedelta(minutes=5)
# Steps that can still be recorded after the episode is closed (the LA offers the missing chat
# later, often days after the child is back).
AFTER_CLOSE = {MissingStep.RETURN_INTERVIEW}
# Steps that may be recorded as not done, with why: no social worker is allocated; the parents or
# carers were not told (for example, the pupil was with them); the police were not called (for
# example, the pupil was found on the premises within minutes), never when significant harm is
# believed (Appendix C: 999).
MAY_BE_NOT_DONE = {
    MissingStep.SOCIAL_WORKER_TOLD,
    MissingStep.PARENTS_TOLD,
    MissingStep.POLICE_REPORTED,
}
NOT_DONE_NEEDS_REASON = {
    MissingStep.PARENTS_TOLD: (
        "Enter why the parents or carers were not told, for example, the pupil was with them"
    ),
    MissingStep.POLICE_REPORTED: (
        "Enter why the police were not called, for example, the pupil was found on the "
        "premises within minutes"
    ),
}
HARM_NEEDS_POLICE = (
    "The child is believed to be suffering significant harm: report them missing to the police "
    "on 999 now, and record it"
)
# Steps whose notes say what was done, so they cannot be left blank.
NOTES_REQUIRED = {
    MissingStep.SEARCHED: "Enter where was searched, and by whom",
    MissingStep.CONTACTED: "Enter how the pupil was contacted, and whether there was any reply",
}
# A Child in Need, on a Child Protection plan or looked after: a social worker is allocated.
SOCIAL_WORKER_STATUSES = {StatusKind.CHILD_IN_NEED, StatusKind.CP_PLAN, StatusKind.LOOKED_AFTER}
LA_DEADLINE_SCHOOL_DAY = 10


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %d/%m/%Y}"


def _require(actor: User, school_id: int, *perms: Perm) -> None:
    access = access_for(actor)
    if not any(access.has(p, school_id) for p in perms):
        raise PermissionDenied("You cannot record this in this school.")


def _not_on_roll(pupil: Pupil, on: datetime.date) -> str:
    """Why a pupil who is not on the roll cannot be recorded here ("" if they are on it): a
    pupil who has left is for their new school, the local authority or the police to look for."""
    if pupil.is_on_roll(on):
        return ""
    left = f" (left {pupil.left_on:%d/%m/%Y})" if pupil.left_on else ""
    return (
        f"{pupil.display_name} is not on the school's roll{left}. If you are worried the child "
        "is missing, tell the Designated Safeguarding Lead, and the police on 999 if the child "
        "is in danger now."
    )


def allocated_social_workers(*, pupil: Pupil, on: datetime.date | None = None) -> list[str]:
    """Who the pupil's records show as an allocated social worker: the lead professional of a
    current status or plan, a current Child in Need or CP plan or looked-after status (which
    always has one, named or not), and family contacts who are the pupil's social worker."""
    from contacts.models import FamilyContact, Relationship

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


# --- Missing episodes ---------------------------------------------------------------------------


def missing_start_problems(
    *,
    pupil: Pupil,
    missing_since: datetime.datetime | None,
    last_seen_at: datetime.datetime | None,
    last_seen_details: str,
    now: datetime.datetime | None = None,
    lock: bool = False,
    **_: Any,
) -> dict[str, str]:
    """What is wrong with a missing report, as {field: plain-English message}."""
    now = now or timezone.now()
    problems: dict[str, str] = {}
    if missing_since is None:
        problems["missing_since"] = "Enter when you found the pupil was missing"
    elif missing_since > now + CLOCK_SLACK:
        problems["missing_since"] = (
            "When the pupil was found to be missing must not be in the future"
        )
    if last_seen_at is None:
        problems["last_seen_at"] = "Enter when the pupil was last seen"
    elif last_seen_at > now + CLOCK_SLACK:
        problems["last_seen_at"] = "When the pupil was last seen must not be in the future"
    elif missing_since is not None and last_seen_at > missing_since:
        problems["last_seen_at"] = (
            "When the pupil was last seen must be before they were found to be missing"
        )
    if not last_seen_details.strip():
        problems["last_seen_details"] = "Enter where the pupil was last seen and by whom"
    if off_roll := _not_on_roll(pupil, timezone.localtime(now).date()):
        return {"__all__": off_roll}
    episodes = MissingEpisode.objects.filter(pupil=pupil, closed_at__isnull=True)
    open_episode = (episodes.select_for_update() if lock else episodes).first()
    if open_episode is not None:
        problems["__all__"] = (
            f"This pupil was already reported missing at {_when(open_episode.missing_since)} by "
            f"{open_episode.reporter_name}. The Designated Safeguarding Lead has the report; "
            "tell them anything new in person."
        )
    return problems


@transaction.atomic
def missing_episode_start(
    *,
    actor: User,
    pupil: Pupil,
    missing_since: datetime.datetime | None,
    last_seen_at: datetime.datetime | None,
    last_seen_details: str,
    circumstances: str = "",
    significant_harm_believed: bool = False,
    now: datetime.datetime | None = None,
) -> MissingEpisode:
    """Report a pupil missing: the DSLs are alerted (without the child's name) and the
    pupil's chronology records it."""
    _require(actor, pupil.school_id, Perm.LOG_CONCERN)
    if not access_for(actor).has(Perm.VIEW_PUPILS, pupil.school_id):
        raise PermissionDenied("That pupil is not in this school.")
    problems = missing_start_problems(
        pupil=pupil,
        missing_since=missing_since,
        last_seen_at=last_seen_at,
        last_seen_details=last_seen_details,
        now=now,
        lock=True,
    )
    if problems:
        raise ValidationError(problems)
    assert missing_since is not None  # noqa: S101 (checked above)
    assert last_seen_at is not None  # noqa: S101
    episode = MissingEpisode(
        school_id=pupil.school_id,
        pupil=pupil,
        reported_by=actor,
        reporter_name=actor.full_name,
        reporter_job_title=actor.job_title,
        missing_since=missing_since,
        last_seen_at=last_seen_at,
        last_seen_details=last_seen_details.strip(),
        circumstances=circumstances.strip(),
        significant_harm_believed=significant_harm_believed,
    )
    episode.full_clean()
    episode.save()
    reporter = episode.reporter_name + (
        f", {episode.reporter_job_title}" if episode.reporter_job_title else ""
    )
    chronology_append(
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.MISSING_REPORTED,
        occurred_at=missing_since,
        details=(
            f"Reported missing from school by {reporter}. Last seen at {_when(last_seen_at)}: "
            f"{episode.last_seen_details}"
        ),
        significant=True,
        author=actor,
        source_label=MissingEpisode._meta.label,
        source_id=episode.pk,
        source_hash=content_hash(_start_content(episode)),
    )
    notify(
        school=pupil.school,
        recipients=[u for u in safeguarding_leads(pupil.school) if u.pk != actor.pk],
        kind="missing_child",
        title=f"A pupil has been reported missing by {actor.full_name}: act now",
        link=reverse("missing-detail", kwargs={"pk": episode.pk}),
        urgent=True,
    )
    return episode


def _start_content(episode: MissingEpisode) -> dict[str, Any]:
    return {
        "type": "missing_episode",
        "id": episode.pk,
        "school_id": episode.school_id,
        "pupil_id": episode.pupil_id,
        "reported_by": episode.reported_by_id,
        "reporter_name": episode.reporter_name,
        "reporter_job_title": episode.reporter_job_title,
        "missing_since": episode.missing_since,
        "last_seen_at": episode.last_seen_at,
        "last_seen_details": episode.last_seen_details,
        "circumstances": episode.circumstances,
        "significant_harm_believed": episode.significant_harm_believed,
    }


def _steps_of(episode: MissingEpisode) -> dict[str, MissingEpisodeStep]:
    return {s.step: s for s in MissingEpisodeStep.objects.filter(episode=episode)}


def police_were_called(steps: dict[str, MissingEpisodeStep]) -> bool:
    """Whether the pupil was reported missing to the police (not recorded as "not called")."""
    police = steps.get(MissingStep.POLICE_REPORTED)
    return police is not None and not police.not_applicable


def missing_step_problems(
    *,
    episode: MissingEpisode,
    step: str,
    done_at: datetime.datetime | None = None,
    person: str = "",
    place: str = "",
    police_line: str = "",
    incident_number: str = "",
    not_applicable: bool = False,
    notes: str = "",
    now: datetime.datetime | None = None,
    **_: Any,
) -> dict[str, str]:
    """What stops this step being recorded, as {field: plain-English message}."""
    now = now or timezone.now()
    if step not in MissingStep.values:
        return {"step": "Choose a step of the protocol"}
    if not episode.is_open and step not in AFTER_CLOSE:
        return {"__all__": "This missing episode is closed."}
    done = _steps_of(episode)
    if step in done:
        return {"__all__": "This step has already been recorded."}
    person, place, incident_number = person.strip(), place.strip(), incident_number.strip()
    notes = notes.strip()
    if not_applicable and step not in MAY_BE_NOT_DONE:
        return {
            "__all__": (
                "Only the parents, police and social worker steps can be recorded as not done."
            )
        }
    problems: dict[str, str] = {}
    if not not_applicable:
        if done_at is None:
            problems["done_at"] = "Enter the date and time"
        elif done_at > now + CLOCK_SLACK:
            problems["done_at"] = "The time must not be in the future"
        elif done_at < episode.missing_since:
            problems["done_at"] = (
                "The time must not be before the pupil was found to be missing "
                f"({_when(episode.missing_since)})"
            )
    found = done.get(MissingStep.FOUND)
    if step in NOTES_REQUIRED and not notes:
        problems["notes"] = NOTES_REQUIRED[MissingStep(step)]
    if step in NOT_DONE_NEEDS_REASON and not_applicable:
        if step == MissingStep.POLICE_REPORTED and episode.significant_harm_believed:
            problems["not_applicable"] = HARM_NEEDS_POLICE
        elif not notes:
            problems["notes"] = NOT_DONE_NEEDS_REASON[MissingStep(step)]
    elif step == MissingStep.PARENTS_TOLD and not person:
        problems["person"] = "Enter who was told"
    elif step == MissingStep.POLICE_REPORTED:
        if police_line not in PoliceLine.values:
            problems["police_line"] = "Select whether you called 101 or 999"
        if not incident_number:
            problems["incident_number"] = "Enter the police incident number"
    elif step == MissingStep.SOCIAL_WORKER_TOLD and not_applicable:
        if allocated := allocated_social_workers(pupil=episode.pupil):
            problems["not_applicable"] = (
                f"The pupil's records show an allocated social worker: {'; '.join(allocated)}. "
                "Tell them the pupil is missing, and record it"
            )
    elif step == MissingStep.SOCIAL_WORKER_TOLD and not person:
        problems["person"] = "Enter the name of the social worker who was told"
    elif step == MissingStep.FOUND:
        if not person:
            problems["person"] = "Enter who found the pupil"
        if not place:
            problems["place"] = "Enter where the pupil was found"
        if done_at is not None and done_at <= episode.last_seen_at and "done_at" not in problems:
            last_seen = _when(episode.last_seen_at)
            problems["done_at"] = (
                f"The time found must be after the pupil was last seen ({last_seen})"
            )
    elif step in (MissingStep.POLICE_TOLD_OF_RETURN, MissingStep.RETURN_INTERVIEW):
        if step == MissingStep.POLICE_TOLD_OF_RETURN and not police_were_called(done):
            return {"__all__": "The police were not told the pupil was missing: record that first."}
        if found is None:
            return {"__all__": "Record when the pupil was found first."}
        if done_at is not None and found.done_at and done_at < found.done_at and not problems:
            problems["done_at"] = (
                f"The time must not be before the pupil was found ({_when(found.done_at)})"
            )
    return problems


@transaction.atomic
def missing_step_record(
    *,
    actor: User,
    episode: MissingEpisode,
    step: str,
    done_at: datetime.datetime | None = None,
    notes: str = "",
    person: str = "",
    place: str = "",
    police_line: str = "",
    incident_number: str = "",
    not_applicable: bool = False,
    now: datetime.datetime | None = None,
) -> MissingEpisodeStep:
    """Record one step of the protocol, with its own time, as it happens."""
    _require(actor, episode.school_id, Perm.MANAGE_CP_RECORDS)
    episode = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
    person, place, notes = person.strip(), place.strip(), notes.strip()
    incident_number = incident_number.strip()
    problems = missing_step_problems(
        episode=episode,
        step=step,
        done_at=done_at,
        person=person,
        place=place,
        police_line=police_line,
        incident_number=incident_number,
        not_applicable=not_applicable,
        notes=notes,
        now=now,
    )
    if problems:
        raise ValidationError(problems)
    called = step == MissingStep.POLICE_REPORTED and not not_applicable
    row = MissingEpisodeStep(
        school_id=episode.school_id,
        episode=episode,
        step=step,
        done_at=None if not_applicable else done_at,
        not_applicable=not_applicable,
        notes=notes,
        person=person,
        place=place if step == MissingStep.FOUND else "",
        police_line=police_line if called else "",
        incident_number=incident_number if called else "",
        recorded_by=actor,
        recorder_name=actor.full_name,
    )
    row.full_clean()
    row.save()
    if not episode.is_open:
        # The closed episode's signed content has every step up to closing; a later step (the
        # return interview) goes into the chronology on its own, with its own hash.
        chronology_append(
            school_id=episode.school_id,
            pupil_id=episode.pupil_id,
            kind=EntryKind.MISSING_CLOSED,
            occurred_at=row.done_at or timezone.now(),
            details=_after_close_details(episode, row),
            people_involved=row.person,
            significant=True,
            author=actor,
            source_label=MissingEpisodeStep._meta.label,
            source_id=row.pk,
            source_hash=content_hash(step_content(row)),
        )
    return row


def step_content(step: MissingEpisodeStep) -> dict[str, Any]:
    """The signed content of one recorded step."""
    return {
        "type": "missing_episode_step",
        "id": step.pk,
        "school_id": step.school_id,
        "episode_id": step.episode_id,
        "step": step.step,
        "done_at": step.done_at,
        "not_applicable": step.not_applicable,
        "notes": step.notes,
        "person": step.person,
        "place": step.place,
        "police_line": step.police_line,
        "incident_number": step.incident_number,
        "recorded_by": step.recorded_by_id,
        "recorder_name": step.recorder_name,
    }


def _after_close_details(episode: MissingEpisode, step: MissingEpisodeStep) -> str:
    assert step.done_at is not None  # noqa: S101 (only steps with a time follow closing)
    by = f" by {step.person}" if step.person else ""
    notes = f" {step.notes}" if step.notes else ""
    return (
        f"{MissingStep(step.step).label} at {_when(step.done_at)}{by}, after going missing "
        f"from {_when(episode.missing_since)}.{notes}"
    )


def missing_close_problems(
    *,
    episode: MissingEpisode,
    steps: dict[str, MissingEpisodeStep] | None = None,
    social_workers: list[str] | None = None,
) -> dict[str, str]:
    """What must be recorded before the episode can be closed, as {step: plain words}, in the
    protocol's order. Pass `social_workers` (`allocated_social_workers`) if already known."""
    steps = _steps_of(episode) if steps is None else steps
    problems: dict[str, str] = {}
    if MissingStep.PARENTS_TOLD not in steps:
        problems[MissingStep.PARENTS_TOLD] = (
            "Record that the parents or carers were told, or why they were not (for example, "
            "the pupil was with them)"
        )
    police = steps.get(MissingStep.POLICE_REPORTED)
    if episode.significant_harm_believed and (police is None or police.not_applicable):
        # Recording "not called" is refused then; a row written any other way owes the report.
        problems[MissingStep.POLICE_REPORTED] = HARM_NEEDS_POLICE
    elif police is None:
        problems[MissingStep.POLICE_REPORTED] = (
            "Record the report to the police, or why the police were not called (for example, "
            "the pupil was found on the premises within minutes)"
        )
    if MissingStep.SOCIAL_WORKER_TOLD not in steps:
        # Marking it "no social worker allocated" is refused while the records show one, so
        # offer it only when they do not.
        if social_workers is None:
            social_workers = allocated_social_workers(pupil=episode.pupil)
        problems[MissingStep.SOCIAL_WORKER_TOLD] = (
            f"Tell the allocated social worker ({'; '.join(social_workers)}) that the pupil is "
            "missing, and record it"
            if social_workers
            else "Record that the social worker was told, or that no social worker is allocated"
        )
    if MissingStep.FOUND not in steps:
        problems[MissingStep.FOUND] = "Record when, where and by whom the pupil was found"
    if police_were_called(steps) and MissingStep.POLICE_TOLD_OF_RETURN not in steps:
        problems[MissingStep.POLICE_TOLD_OF_RETURN] = (
            "Tell the police the pupil has returned, and record it: the police keep searching "
            "until they are told"
        )
    return problems


def _closed_content(
    episode: MissingEpisode, steps: dict[str, MissingEpisodeStep]
) -> dict[str, Any]:
    return {
        **_start_content(episode),
        "steps": [
            {
                "step": s.step,
                "done_at": s.done_at,
                "not_applicable": s.not_applicable,
                "notes": s.notes,
                "person": s.person,
                "place": s.place,
                "police_line": s.police_line,
                "incident_number": s.incident_number,
                "recorded_by": s.recorded_by_id,
            }
            for key in MissingStep.values
            if (s := steps.get(key)) is not None
        ],
        "closed_at": episode.closed_at,
        "closed_by": episode.closed_by_id,
    }


def _duration(start: datetime.datetime, end: datetime.datetime) -> str:
    minutes = max(0, int((end - start).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _summary(episode: MissingEpisode, steps: dict[str, MissingEpisodeStep]) -> str:
    found = steps[MissingStep.FOUND]
    assert found.done_at is not None  # noqa: S101 (a found step always has its time)
    lines = [
        f"Found at {_when(found.done_at)} by {found.person}, at {found.place}. Missing from "
        f"{_when(episode.missing_since)} ({_duration(episode.missing_since, found.done_at)}); "
        f"last seen at {_when(episode.last_seen_at)}.",
    ]
    done = []
    for key in MissingStep.values:
        s = steps.get(key)
        if s is None or key == MissingStep.FOUND:
            continue
        label = str(MissingStep(key).label)
        if s.not_applicable and key == MissingStep.PARENTS_TOLD:
            done.append(f"{label}: not told ({s.notes})")
            continue
        if s.not_applicable and key == MissingStep.POLICE_REPORTED:
            done.append(f"Police: not called ({s.notes})")
            continue
        if s.not_applicable:
            done.append(f"{label}: not applicable (no social worker allocated)")
            continue
        assert s.done_at is not None  # noqa: S101
        extra = ""
        if key == MissingStep.POLICE_REPORTED:
            extra = f" (called {s.police_line}, incident {s.incident_number})"
        elif s.person:
            extra = f" ({s.person})"
        done.append(f"{label} at {timezone.localtime(s.done_at):%H:%M}{extra}")
    if done:
        lines.append("Steps: " + "; ".join(done) + ".")
    return " ".join(lines)


@transaction.atomic
def missing_episode_close(
    *, actor: User, episode: MissingEpisode, now: datetime.datetime | None = None
) -> MissingEpisode:
    """Close the episode once the pupil is found, the parents, the police and the social worker
    steps are recorded (each done, or why not), and the police told of the return if they were
    told the pupil was missing; signed, and written into the chronology."""
    _require(actor, episode.school_id, Perm.MANAGE_CP_RECORDS)
    episode = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
    if not episode.is_open:
        raise ValidationError("This missing episode is already closed.")
    steps = _steps_of(episode)
    problems = missing_close_problems(episode=episode, steps=steps)
    if problems:
        raise ValidationError(problems)
    episode.closed_at = now or timezone.now()
    episode.closed_by = actor
    episode.content_hash = content_hash(_closed_content(episode, steps))
    episode.save(update_fields=["closed_at", "closed_by", "content_hash", "updated_at"])
    found_at = steps[MissingStep.FOUND].done_at
    assert found_at is not None  # noqa: S101
    chronology_append(
        school_id=episode.school_id,
        pupil_id=episode.pupil_id,
        kind=EntryKind.MISSING_CLOSED,
        occurred_at=found_at,
        details=_summary(episode, steps),
        significant=True,
        author=actor,
        source_label=MissingEpisode._meta.label,
        source_id=episode.pk,
        source_hash=episode.content_hash,
    )
    return episode


# --- Children missing education ------------------------------------------------------------------


def la_deadline(first_day: datetime.date, school: Any = None) -> datetime.date:
    """The 10th school day of the absence: the local authority must be told by then. Pass the
    school (or its id, or its calendar) so its closures count; without one, every working day."""
    return school_day_number(first_day, LA_DEADLINE_SCHOOL_DAY, school=school)


_ABSENCE_PERMS = (Perm.MANAGE_CP_RECORDS, Perm.MANAGE_PUPIL_ROLL)


def absence_content(absence: ContinuousAbsence) -> dict[str, Any]:
    """The signed content of an absence as recorded so far (start, then LA told, then end)."""
    return {
        "type": "continuous_absence",
        "id": absence.pk,
        "school_id": absence.school_id,
        "pupil_id": absence.pupil_id,
        "first_day": absence.first_day,
        "contact_attempts": absence.contact_attempts,
        "reason_known": absence.reason_known,
        "recorded_by": absence.recorded_by_id,
        "recorder_name": absence.recorder_name,
        "la_told_at": absence.la_told_at,
        "la_told_whom": absence.la_told_whom,
        "la_reference": absence.la_reference,
        "la_told_by": absence.la_told_by_id,
        "ended_on": absence.ended_on,
        "end_reason": absence.end_reason,
        "ended_by": absence.ended_by_id,
    }


def current_absence_of(pupil: Pupil) -> ContinuousAbsence | None:
    """The pupil's absence that has not ended, if any (the caller has checked access)."""
    return ContinuousAbsence.objects.filter(pupil=pupil, ended_on__isnull=True).first()


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
    if off_roll := _not_on_roll(pupil, today):
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
    _require(actor, pupil.school_id, *_ABSENCE_PERMS)
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
        occurred_at=_on_day(first_day),
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
            kind="absence_recorded",
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
    _require(actor, absence.school_id, *_ABSENCE_PERMS)
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
    _require(actor, absence.school_id, *_ABSENCE_PERMS)
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
        occurred_at=_on_day(ended_on),
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
