"""Every write to missing-child episodes (003 Appendix C).

Anyone who may log a concern can report a pupil missing, because the first person to notice is
often a teacher; the DSLs are alerted at once. The DSL and deputies record each step of the
protocol as it happens and close the episode. Starting and closing write to the pupil's
chronology. Continuous absences are in `absences.py`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chronology.ledger.services import chronology_append
from chronology.models import EntryKind
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from safeguard.signing import content_hash
from schools.models import Pupil, User
from schools.selectors import safeguarding_leads

from ..models import MissingEpisode, MissingEpisodeStep, MissingStep, PoliceLine
from .content import episode_closed_content, episode_start_content, step_content
from .rules import CLOCK_SLACK, not_on_roll, police_were_called, require, when
from .selectors import allocated_social_workers

# Steps that can still be recorded after the episode is closed (the LA offers the missing chat
# later, often days after the child is back).
AFTER_CLOSE = {MissingStep.RETURN_INTERVIEW}
# Steps that follow the pupil being found, so are recorded after it.
AFTER_FOUND = {MissingStep.POLICE_TOLD_OF_RETURN, MissingStep.RETURN_INTERVIEW}
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
    if off_roll := not_on_roll(pupil, timezone.localtime(now).date()):
        return {"__all__": off_roll}
    episodes = MissingEpisode.objects.filter(pupil=pupil, closed_at__isnull=True)
    open_episode = (episodes.select_for_update() if lock else episodes).first()
    if open_episode is not None:
        problems["__all__"] = (
            f"This pupil was already reported missing at {when(open_episode.missing_since)} by "
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
    require(actor, pupil.school_id, Perm.LOG_CONCERN)
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
            f"Reported missing from school by {reporter}. Last seen at {when(last_seen_at)}: "
            f"{episode.last_seen_details}"
        ),
        significant=True,
        author=actor,
        source_label=MissingEpisode._meta.label,
        source_id=episode.pk,
        source_hash=content_hash(episode_start_content(episode)),
    )
    notify(
        school=pupil.school,
        recipients=[u for u in safeguarding_leads(pupil.school) if u.pk != actor.pk],
        kind=NotificationKind.MISSING_CHILD,
        title=f"A pupil has been reported missing by {actor.full_name}: act now",
        link=reverse("missing-detail", kwargs={"pk": episode.pk}),
        urgent=True,
    )
    return episode


def _steps_of(episode: MissingEpisode) -> dict[str, MissingEpisodeStep]:
    return {s.step: s for s in MissingEpisodeStep.objects.filter(episode=episode)}


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
    if step not in MissingStep.values:
        return {"step": "Choose a step of the protocol"}
    kind = MissingStep(step)
    if not episode.is_open and kind not in AFTER_CLOSE:
        return {"__all__": "This missing episode is closed."}
    done = _steps_of(episode)
    if refusal := _step_refusal(kind, done, not_applicable=not_applicable):
        return {"__all__": refusal}
    answer = _StepAnswer(
        done_at=done_at,
        person=person.strip(),
        place=place.strip(),
        police_line=police_line,
        incident_number=incident_number.strip(),
        not_applicable=not_applicable,
        notes=notes.strip(),
    )
    problems = {} if not_applicable else _time_problems(episode, done_at, now or timezone.now())
    if kind in NOTES_REQUIRED and not answer.notes:
        problems["notes"] = NOTES_REQUIRED[kind]
    if (step_problems := _STEP_PROBLEMS.get(kind)) is not None:
        problems |= step_problems(episode, done, answer, problems)
    return problems


@dataclass(frozen=True)
class _StepAnswer:
    """What was typed for a step, trimmed."""

    done_at: datetime.datetime | None
    person: str
    place: str
    police_line: str
    incident_number: str
    not_applicable: bool
    notes: str


def _step_refusal(
    kind: MissingStep, done: dict[str, MissingEpisodeStep], *, not_applicable: bool
) -> str | None:
    """Why this step cannot be recorded now at all, whatever was typed."""
    if kind in done:
        return "This step has already been recorded."
    if not_applicable and kind not in MAY_BE_NOT_DONE:
        return "Only the parents, police and social worker steps can be recorded as not done."
    if kind == MissingStep.POLICE_TOLD_OF_RETURN and not police_were_called(done):
        return "The police were not told the pupil was missing: record that first."
    if kind in AFTER_FOUND and MissingStep.FOUND not in done:
        return "Record when the pupil was found first."
    return None


def _time_problems(
    episode: MissingEpisode, done_at: datetime.datetime | None, now: datetime.datetime
) -> dict[str, str]:
    """A step done has its time: not in the future, nor before the pupil was found missing."""
    if done_at is None:
        return {"done_at": "Enter the date and time"}
    if done_at > now + CLOCK_SLACK:
        return {"done_at": "The time must not be in the future"}
    if done_at < episode.missing_since:
        return {
            "done_at": (
                "The time must not be before the pupil was found to be missing "
                f"({when(episode.missing_since)})"
            )
        }
    return {}


# Each step's own rules, given the episode, the steps already recorded, what was typed and the
# problems found so far; each returns the problems it adds.
_StepRules = Callable[
    [MissingEpisode, dict[str, MissingEpisodeStep], _StepAnswer, dict[str, str]], dict[str, str]
]


def _parents_told_problems(
    episode: MissingEpisode,
    done: dict[str, MissingEpisodeStep],
    answer: _StepAnswer,
    problems: dict[str, str],
) -> dict[str, str]:
    if answer.not_applicable:
        reason = NOT_DONE_NEEDS_REASON[MissingStep.PARENTS_TOLD]
        return {} if answer.notes else {"notes": reason}
    return {} if answer.person else {"person": "Enter who was told"}


def _police_reported_problems(
    episode: MissingEpisode,
    done: dict[str, MissingEpisodeStep],
    answer: _StepAnswer,
    problems: dict[str, str],
) -> dict[str, str]:
    if answer.not_applicable and episode.significant_harm_believed:
        return {"not_applicable": HARM_NEEDS_POLICE}
    if answer.not_applicable:
        reason = NOT_DONE_NEEDS_REASON[MissingStep.POLICE_REPORTED]
        return {} if answer.notes else {"notes": reason}
    more: dict[str, str] = {}
    if answer.police_line not in PoliceLine.values:
        more["police_line"] = "Select whether you called 101 or 999"
    if not answer.incident_number:
        more["incident_number"] = "Enter the police incident number"
    return more


def _social_worker_told_problems(
    episode: MissingEpisode,
    done: dict[str, MissingEpisodeStep],
    answer: _StepAnswer,
    problems: dict[str, str],
) -> dict[str, str]:
    if answer.not_applicable:
        if allocated := allocated_social_workers(pupil=episode.pupil):
            return {
                "not_applicable": (
                    "The pupil's records show an allocated social worker: "
                    f"{'; '.join(allocated)}. Tell them the pupil is missing, and record it"
                )
            }
        return {}
    return {} if answer.person else {"person": "Enter the name of the social worker who was told"}


def _found_problems(
    episode: MissingEpisode,
    done: dict[str, MissingEpisodeStep],
    answer: _StepAnswer,
    problems: dict[str, str],
) -> dict[str, str]:
    more: dict[str, str] = {}
    if not answer.person:
        more["person"] = "Enter who found the pupil"
    if not answer.place:
        more["place"] = "Enter where the pupil was found"
    found_at = answer.done_at
    if found_at is not None and found_at <= episode.last_seen_at and "done_at" not in problems:
        last_seen = when(episode.last_seen_at)
        more["done_at"] = f"The time found must be after the pupil was last seen ({last_seen})"
    return more


def _after_found_problems(
    episode: MissingEpisode,
    done: dict[str, MissingEpisodeStep],
    answer: _StepAnswer,
    problems: dict[str, str],
) -> dict[str, str]:
    found = done[MissingStep.FOUND]  # there: `_step_refusal` refuses these steps until it is
    if answer.done_at is None or found.done_at is None or problems:
        return {}
    if answer.done_at < found.done_at:
        return {
            "done_at": f"The time must not be before the pupil was found ({when(found.done_at)})"
        }
    return {}


_STEP_PROBLEMS: dict[MissingStep, _StepRules] = {
    MissingStep.PARENTS_TOLD: _parents_told_problems,
    MissingStep.POLICE_REPORTED: _police_reported_problems,
    MissingStep.SOCIAL_WORKER_TOLD: _social_worker_told_problems,
    MissingStep.FOUND: _found_problems,
    MissingStep.POLICE_TOLD_OF_RETURN: _after_found_problems,
    MissingStep.RETURN_INTERVIEW: _after_found_problems,
}


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
    require(actor, episode.school_id, Perm.MANAGE_CP_RECORDS)
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


def _after_close_details(episode: MissingEpisode, step: MissingEpisodeStep) -> str:
    assert step.done_at is not None  # noqa: S101 (only steps with a time follow closing)
    by = f" by {step.person}" if step.person else ""
    notes = f" {step.notes}" if step.notes else ""
    return (
        f"{MissingStep(step.step).label} at {when(step.done_at)}{by}, after going missing "
        f"from {when(episode.missing_since)}.{notes}"
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
        f"Found at {when(found.done_at)} by {found.person}, at {found.place}. Missing from "
        f"{when(episode.missing_since)} ({_duration(episode.missing_since, found.done_at)}); "
        f"last seen at {when(episode.last_seen_at)}.",
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
    require(actor, episode.school_id, Perm.MANAGE_CP_RECORDS)
    episode = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
    if not episode.is_open:
        raise ValidationError("This missing episode is already closed.")
    steps = _steps_of(episode)
    problems = missing_close_problems(episode=episode, steps=steps)
    if problems:
        raise ValidationError(problems)
    episode.closed_at = now or timezone.now()
    episode.closed_by = actor
    episode.content_hash = content_hash(episode_closed_content(episode, steps))
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
