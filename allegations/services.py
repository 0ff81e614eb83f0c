"""Every write to allegations and low-level concerns.

Each change to an allegation writes an `AllegationStep` (who, when, what) in the same transaction,
so its history is complete: a later LADO contact or police update adds a step and the earlier
values stay in the earlier step. Nothing here writes to a pupil's chronology, and notifications
carry no one's name (`003` section 11: staffing matters are confidential).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm, RoleKey
from safeguard.workdays import within_working_days
from schools.models import School, SchoolMembership, User, search_key

from . import selectors
from .models import (
    Allegation,
    AllegationPupil,
    AllegationStep,
    LowLevelConcern,
    NamedPerson,
    Outcome,
    Source,
    StepKind,
    SubjectType,
)

FUTURE_SLACK = datetime.timedelta(minutes=5)


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _not_future(field: str, moment: datetime.datetime, label: str) -> None:
    if moment > timezone.now() + FUTURE_SLACK:
        raise ValidationError({field: f"The {label} must be in the past"})


def _require_recorder(actor: Any, school: School) -> None:
    if not selectors.can_record_in(actor=actor, school=school):
        raise PermissionDenied("Only the headteacher and the trust safeguarding officer can.")


def _require_handler(actor: Any, allegation: Allegation) -> None:
    if not selectors.allegation_is_visible_to(actor=actor, allegation=allegation):
        raise PermissionDenied("Only the people handling this allegation can.")


def _require_open(allegation: Allegation, field: str) -> None:
    if not allegation.is_open:
        raise ValidationError({field: "This allegation is closed"})


def _is_head_of(user: Any, school_id: int) -> bool:
    memberships = SchoolMembership.objects.filter(user_id=user.pk, school_id=school_id)
    return memberships.filter(role=RoleKey.HEAD).exists()


def _step(
    *,
    allegation: Allegation,
    actor: Any,
    kind: str,
    details: str,
    occurred_at: datetime.datetime | None = None,
) -> AllegationStep:
    step = AllegationStep(
        school_id=allegation.school_id,
        allegation=allegation,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        details=details.strip(),
        actor=actor,
        actor_name=actor.full_name,
    )
    step.full_clean()
    step.save()
    return step


def _forget_named(school_id: int, user_id: Any) -> None:
    """The navigation's cached answer for this person is out of date: now, and after commit."""
    selectors.forget_named(school_id=school_id, user_id=user_id)
    transaction.on_commit(lambda: selectors.forget_named(school_id=school_id, user_id=user_id))


def _link(name: str, pk: Any) -> str:
    return reverse(name, kwargs={"pk": pk})


# --- Allegations ---------------------------------------------------------------------------------


def refers_in_references(outcome: str) -> bool:
    """KCSIE Part 4: substantiated allegations are referred to in references; false, unfounded,
    unsubstantiated and malicious ones (and a history of them) must not be."""
    return outcome == Outcome.SUBSTANTIATED


@transaction.atomic
def allegation_record(
    *,
    actor: Any,
    school: School,
    subject_name: str,
    subject_type: str,
    reported_by_name: str,
    reported_at: datetime.datetime,
    account: str,
    subject_role: str = "",
    subject_user: User | None = None,
    reported_by_role: str = "",
    pupils_involved: str = "",
    pupils: Iterable[Any] = (),
    named: Iterable[tuple[User, str]] = (),
    low_level: LowLevelConcern | None = None,
) -> Allegation:
    """The headteacher or TSO records an allegation; the LADO is due within one working day."""
    _require_recorder(actor, school)
    if subject_type == SubjectType.HEADTEACHER and _is_head_of(actor, school.pk):
        raise PermissionDenied(
            "An allegation about the headteacher goes to the Chair of Governors and the trust "
            "safeguarding officer: ask one of them to record it"
        )
    if not subject_name.strip():
        raise ValidationError({"subject_name": "Enter the name of the adult"})
    if not account.strip():
        raise ValidationError({"account": "Enter what was alleged"})
    _not_future("reported_at", reported_at, "date and time it was reported")
    pupils = list(pupils)
    if any(p.school_id != school.pk for p in pupils):
        raise PermissionDenied("Every pupil must be in this school.")
    if subject_user is not None and subject_user.pk == actor.pk:
        raise PermissionDenied("Nobody records an allegation about themselves.")
    if low_level is not None:
        if low_level.school_id != school.pk:
            raise PermissionDenied("The low-level concern must be in this school.")
        if low_level.escalated_to_id:
            raise ValidationError({"subject_name": "This low-level concern is already escalated"})
    allegation = Allegation(
        school=school,
        subject_name=subject_name.strip(),
        subject_role=subject_role.strip(),
        subject_type=subject_type,
        subject_user=subject_user,
        reported_by_name=reported_by_name.strip(),
        reported_by_role=reported_by_role.strip(),
        reported_at=reported_at,
        account=account.strip(),
        pupils_involved=pupils_involved.strip(),
        source=Source.LOW_LEVEL if low_level else Source.RECORDED,
        created_by=actor,
        lado_due_at=within_working_days(reported_at, 1),
    )
    allegation.full_clean()
    allegation.save()
    AllegationPupil.objects.bulk_create(
        [AllegationPupil(school=school, allegation=allegation, pupil=p) for p in pupils]
    )
    details = f"Reported by {allegation.reported_by_name} on {_when(reported_at)}."
    if low_level is not None:
        details += (
            f" Escalated from a low-level concern reported on {_when(low_level.reported_at)}."
        )
    # The history reads in the order things happened: the report comes before its LADO contact
    # even when it is entered afterwards ("Recorded by ... on" shows when it was entered).
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.RECORDED,
        occurred_at=reported_at,
        details=details,
    )
    if low_level is not None:
        low_level.escalated_to = allegation
        low_level.save(update_fields=["escalated_to", "updated_at"])
    for user, capacity in named:
        allegation_name_person(actor=actor, allegation=allegation, user=user, capacity=capacity)
    return allegation


def _chair_in_words(actor: Any, school: School) -> str:
    """The chair of governors with their contact details, from the school's key roles."""
    chairs = selectors.chairs_for(actor=actor, school=school)
    if not chairs:
        return "the Chair of Governors"
    people = []
    for chair in chairs:
        details = ", ".join(d for d in [chair.phone, chair.email] if d)
        people.append(f"{chair.name}{f', {details}' if details else ''}")
    return f"the Chair of Governors ({'; '.join(people)})"


def _nobody_to_receive(
    actor: Any, school: School, about_head: bool, level: str, governors: list[User]
) -> dict[str, str]:
    """What to do instead when no account here could receive the report (no TSO, say)."""
    if not about_head:
        return {"subject_type": "Nobody here can receive this yet: call the LADO yourself"}
    chair = _chair_in_words(actor, school)
    if level != "allegation":
        return {
            "level": "Nobody here can receive a low-level concern about the headteacher yet: "
            f"tell {chair} directly"
        }
    if governors:
        return {
            "governor": "Nobody here can receive this yet: choose a governor to send it to, "
            f"or tell {chair} directly"
        }
    return {
        "subject_type": f"Nobody here can receive this yet: tell {chair} directly, or call "
        "the LADO yourself"
    }


def _governor_capacity(actor: Any, school: School, governor: User) -> str:
    chairs = selectors.chairs_for(actor=actor, school=school)
    if selectors.chair_user_ids(chairs=chairs, people=[governor]):
        return "Chair of Governors"
    return f"{governor.job_title or 'Governor'}, chosen by the person who reported it"[:150]


def _require_report_answers(
    *, level: str, subject_name: str, subject_type: str, account: str
) -> None:
    """Refuse a report missing what every report needs, or with an answer not offered."""
    if not subject_name.strip():
        raise ValidationError({"subject_name": "Enter the name of the adult"})
    if not account.strip():
        raise ValidationError({"account": "Describe what happened"})
    if level not in ("allegation", "low_level"):
        raise ValidationError({"level": "Choose how serious it is"})
    if subject_type not in SubjectType.values:
        raise ValidationError({"subject_type": "Choose who the adult is"})


def _require_governor_allowed(
    governor: User | None, *, about_head: bool, governors: list[User], level: str
) -> None:
    """A governor is chosen only for an allegation about the headteacher, from the school's."""
    if governor is None:
        return
    if not about_head:
        raise ValidationError(
            {"governor": "Choose a governor only when it is about the headteacher"}
        )
    if governor not in governors:
        raise ValidationError({"governor": "Choose one of the school's governors"})
    if level != "allegation":
        # Low-level concerns have no named people: only their handlers (the TSO) see them.
        raise ValidationError(
            {
                "governor": "A low-level concern about the headteacher goes to the trust "
                "safeguarding officer only: leave this empty, and tell the Chair of Governors "
                "directly if they should know"
            }
        )


def _require_subject_allowed(
    subject_user: User | None, *, school: School, governor: User | None
) -> None:
    """The adult's account, if chosen, is one of the school's or the trust's, and not the
    governor the report is also sent to."""
    if subject_user is None:
        return
    if subject_user.pk not in {u.pk for u in selectors.subjects_for(school=school)}:
        raise ValidationError({"subject_user": "Choose someone from the list"})
    if governor is not None and governor.pk == subject_user.pk:
        raise ValidationError({"governor": "The adult it is about cannot be sent it"})


def _reported_allegation(
    *,
    actor: Any,
    school: School,
    subject_name: str,
    subject_role: str,
    subject_type: str,
    subject_user: User | None,
    account: str,
    happened_at: datetime.datetime,
    now: datetime.datetime,
    governor: User | None,
) -> Allegation:
    """A member of staff's report filed as an allegation, the governor they chose named on it."""
    record = Allegation(
        school=school,
        subject_name=subject_name.strip(),
        subject_role=subject_role.strip(),
        subject_type=subject_type,
        subject_user=subject_user,
        reported_by_name=actor.full_name,
        reported_by_role=actor.job_title,
        reported_at=now,
        account=account.strip(),
        source=Source.STAFF_REPORT,
        created_by=actor,
        lado_due_at=within_working_days(now, 1),
    )
    record.full_clean()
    record.save()
    _step(
        allegation=record,
        actor=actor,
        kind=StepKind.REPORTED,
        occurred_at=now,
        details=(
            f"Reported in Safeguard by {actor.full_name}. "
            f"It happened on or about {_when(happened_at)}."
        ),
    )
    if governor is not None:
        # The report's own notification tells them.
        _name(record, governor, _governor_capacity(actor, school, governor), actor, tell_them=False)
    return record


def _reported_low_level(
    *,
    actor: Any,
    school: School,
    subject_name: str,
    subject_role: str,
    subject_type: str,
    subject_user: User | None,
    account: str,
    happened_at: datetime.datetime,
    now: datetime.datetime,
) -> LowLevelConcern:
    """A member of staff's report filed as a low-level concern."""
    record = LowLevelConcern(
        school=school,
        subject_name=subject_name.strip(),
        subject_role=subject_role.strip(),
        subject_type=subject_type,
        subject_user=subject_user,
        subject_key=search_key(subject_name),
        observed=account.strip(),
        observed_at=happened_at,
        reported_by_name=actor.full_name,
        reported_by_role=actor.job_title,
        reported_at=now,
        source=Source.STAFF_REPORT,
        created_by=actor,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def concern_about_adult_report(
    *,
    actor: Any,
    school: School,
    level: str,
    subject_name: str,
    subject_type: str,
    account: str,
    happened_at: datetime.datetime | None = None,
    subject_role: str = "",
    subject_user: User | None = None,
    governor: User | None = None,
) -> Allegation | LowLevelConcern:
    """Any member of staff reports a concern about an adult (`003` section 11).

    It goes to the headteacher and the TSO; about the headteacher, to the TSO only, and (an
    allegation) to a governor with an account if the reporter chooses one. The chair of governors
    may have no account, so the reporter is shown their contact details to tell them directly.
    Never to the adult it is about when the reporter chooses their account (`subject_user`),
    whatever their role: a report about the TSO goes to the headteacher (and any other TSO).
    The reporter cannot read it back. `level` is "allegation" or "low_level".
    """
    if not access_for(actor).has(Perm.LOG_CONCERN, school):
        raise PermissionDenied("Only the school's staff report concerns about adults here.")
    _require_report_answers(
        level=level, subject_name=subject_name, subject_type=subject_type, account=account
    )
    about_head = subject_type == SubjectType.HEADTEACHER
    governors = selectors.governors_for(school=school) if about_head else []
    _require_governor_allowed(governor, about_head=about_head, governors=governors, level=level)
    _require_subject_allowed(subject_user, school=school, governor=governor)
    recipients = selectors.handlers_for(
        school=school,
        about_headteacher=about_head,
        subject_user_id=subject_user.pk if subject_user else None,
    )
    if not recipients and governor is None:
        # Nobody could read it: say so, with what to do instead, rather than file it where no
        # one looks.
        raise ValidationError(_nobody_to_receive(actor, school, about_head, level, governors))
    now = timezone.now()
    happened_at = happened_at or now
    _not_future("happened_at", happened_at, "date and time it happened")
    record: Allegation | LowLevelConcern
    if level == "allegation":
        record = _reported_allegation(
            actor=actor,
            school=school,
            subject_name=subject_name,
            subject_role=subject_role,
            subject_type=subject_type,
            subject_user=subject_user,
            account=account,
            happened_at=happened_at,
            now=now,
            governor=governor,
        )
        link, kind = _link("allegation-detail", record.pk), NotificationKind.ALLEGATION_REPORTED
    else:
        record = _reported_low_level(
            actor=actor,
            school=school,
            subject_name=subject_name,
            subject_role=subject_role,
            subject_type=subject_type,
            subject_user=subject_user,
            account=account,
            happened_at=happened_at,
            now=now,
        )
        link, kind = (
            _link("low-level-concern-detail", record.pk),
            NotificationKind.LOW_LEVEL_CONCERN_REPORTED,
        )
    if governor is not None:
        recipients.append(governor)
    notify(
        school=school,
        recipients=[r for r in recipients if r.pk != actor.pk],
        kind=kind,
        title=(
            f"A concern about an adult has been reported at {school.name}"
            if level == "allegation"
            else f"A low-level concern about an adult has been reported at {school.name}"
        ),
        link=link,
        urgent=level == "allegation",
    )
    return record


@transaction.atomic
def allegation_lado_contact(
    *,
    actor: Any,
    allegation: Allegation,
    contacted_at: datetime.datetime,
    officer: str,
    reference: str = "",
    advice: str = "",
) -> Allegation:
    """Record speaking to the LADO. The first contact is kept on the allegation for good (the
    one-working-day deadline is judged against it); a further contact is a step only."""
    _require_handler(actor, allegation)
    allegation = Allegation.objects.select_for_update().get(pk=allegation.pk)
    _require_open(allegation, "contacted_at")
    if contacted_at < allegation.reported_at:
        raise ValidationError(
            {
                "contacted_at": "The LADO contact must be on or after the time it was reported "
                f"({_when(allegation.reported_at)})"
            }
        )
    first_at = allegation.lado_contacted_at
    if first_at is not None and contacted_at < first_at:
        raise ValidationError(
            {
                "contacted_at": "A further LADO contact must be on or after the first one "
                f"({_when(first_at)})"
            }
        )
    _not_future("contacted_at", contacted_at, "date and time of the LADO contact")
    officer, reference, advice = officer.strip(), reference.strip(), advice.strip()
    if not officer:
        raise ValidationError({"officer": "Enter the name of the LADO officer"})
    if first_at is None:
        allegation.lado_contacted_at = contacted_at
        allegation.lado_officer = officer
        allegation.lado_reference = reference
        allegation.lado_advice = advice
        allegation.full_clean()
        allegation.save()
        timing = (
            "within one working day"
            if allegation.lado_in_time
            else "after the one-working-day deadline"
        )
        details = f"LADO first contacted on {_when(contacted_at)} ({timing})."
    else:
        details = f"Further LADO contact on {_when(contacted_at)}."
    details += f" Officer: {officer}."
    if reference:
        details += f" Reference: {reference}."
    if advice:
        details += f" Advice: {advice}"
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.LADO_CONTACTED,
        occurred_at=contacted_at,
        details=details,
    )
    return allegation


@transaction.atomic
def allegation_police(
    *,
    actor: Any,
    allegation: Allegation,
    involved: bool,
    reference: str = "",
    occurred_at: datetime.datetime | None = None,
) -> Allegation:
    """Record whether the police are involved, and their reference (as of now, unless told
    when it was decided)."""
    _require_handler(actor, allegation)
    allegation = Allegation.objects.select_for_update().get(pk=allegation.pk)
    _require_open(allegation, "involved")
    occurred_at = occurred_at or timezone.now()
    _not_future("involved", occurred_at, "date and time")
    if occurred_at < allegation.reported_at:
        raise ValidationError({"involved": "This must be on or after the time it was reported"})
    if not involved and reference.strip():
        raise ValidationError(
            {"reference": "Leave the reference empty when the police are not involved"}
        )
    allegation.police_involved = involved
    allegation.police_reference = reference.strip()
    allegation.full_clean()
    allegation.save()
    details = "Police involved." if involved else "Police not involved."
    if reference.strip():
        details += f" Reference: {reference.strip()}."
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.POLICE,
        occurred_at=occurred_at,
        details=details,
    )
    return allegation


def allegation_step_add(
    *, actor: Any, allegation: Allegation, occurred_at: datetime.datetime, details: str
) -> AllegationStep:
    """Record a step taken (advice from HR, a strategy meeting, a suspension decision...)."""
    _require_handler(actor, allegation)
    if not details.strip():
        raise ValidationError({"details": "Enter what was done"})
    _not_future("occurred_at", occurred_at, "date and time")
    if occurred_at < allegation.reported_at:
        raise ValidationError(
            {
                "occurred_at": "The step must be on or after the time it was reported "
                f"({_when(allegation.reported_at)})"
            }
        )
    return _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.NOTE,
        occurred_at=occurred_at,
        details=details,
    )


@transaction.atomic
def allegation_outcome(
    *,
    actor: Any,
    allegation: Allegation,
    outcome: str,
    outcome_date: datetime.date,
    notes: str,
) -> Allegation:
    """Record the outcome and close the allegation. Whether it is referred to in references
    follows from the outcome (KCSIE Part 4): a substantiated allegation is; an unsubstantiated,
    unfounded, false or malicious one never is."""
    _require_handler(actor, allegation)
    allegation = Allegation.objects.select_for_update().get(pk=allegation.pk)
    _require_open(allegation, "outcome")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome"})
    reported_on = timezone.localtime(allegation.reported_at).date()
    if outcome_date < reported_on:
        raise ValidationError(
            {
                "outcome_date": "The date of the outcome must be on or after the day it was "
                f"reported ({reported_on:%d/%m/%Y})"
            }
        )
    if outcome_date > timezone.localdate():
        raise ValidationError({"outcome_date": "The date of the outcome must be in the past"})
    if not notes.strip():
        raise ValidationError({"notes": "Enter notes on the outcome"})
    now = timezone.now()
    allegation.outcome = outcome
    allegation.outcome_date = outcome_date
    allegation.outcome_notes = notes.strip()
    allegation.refer_in_references = refers_in_references(outcome)
    allegation.closed_at, allegation.closed_by = now, actor
    allegation.full_clean()
    allegation.save()
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.OUTCOME,
        occurred_at=now,
        details=(
            f"Outcome: {allegation.get_outcome_display()} on {outcome_date:%d/%m/%Y}. "
            f"{'To be' if allegation.refer_in_references else 'Not to be'} referred to in "
            "references (KCSIE Part 4). "
            f"Notes: {allegation.outcome_notes}"
        ),
    )
    return allegation


def _name(
    allegation: Allegation, user: User, capacity: str, actor: Any, *, tell_them: bool = True
) -> NamedPerson:
    allowed = {u.pk for u in selectors.nameable_people_for(allegation=allegation)}
    if user.pk not in allowed:
        raise ValidationError({"user": "Choose someone who works in the school or the trust"})
    named = NamedPerson(
        school_id=allegation.school_id,
        allegation=allegation,
        user=user,
        capacity=capacity.strip(),
        added_by=actor,
    )
    named.full_clean()
    named.save()
    as_what = f" as {named.capacity}" if named.capacity else ""
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.PERSON_NAMED,
        details=f"{user.full_name} named{as_what}: they can see and act on this allegation.",
    )
    _forget_named(allegation.school_id, user.pk)
    if not tell_them:
        return named
    notify(
        school=allegation.school,
        recipients=[user],
        kind=NotificationKind.ALLEGATION_NAMED,
        title=f"You have been asked to help with a confidential matter at {allegation.school}",
        link=_link("allegation-detail", allegation.pk),
    )
    return named


@transaction.atomic
def allegation_name_person(
    *, actor: Any, allegation: Allegation, user: User, capacity: str = ""
) -> NamedPerson:
    """Name someone on the allegation (a deputy head, the chair of governors)."""
    _require_handler(actor, allegation)
    return _name(allegation, user, capacity, actor)


@transaction.atomic
def allegation_unname_person(*, actor: Any, allegation: Allegation, named: NamedPerson) -> None:
    """Someone is no longer named: they stop seeing the allegation."""
    _require_handler(actor, allegation)
    if named.allegation_id != allegation.pk:
        raise PermissionDenied("That person is not named on this allegation.")
    user = named.user
    named.delete()
    _step(
        allegation=allegation,
        actor=actor,
        kind=StepKind.PERSON_REMOVED,
        details=f"{user.full_name} is no longer named on this allegation.",
    )
    _forget_named(allegation.school_id, user.pk)


# --- Low-level concerns --------------------------------------------------------------------------


@transaction.atomic
def low_level_record(
    *,
    actor: Any,
    school: School,
    subject_name: str,
    subject_type: str,
    observed: str,
    observed_at: datetime.datetime,
    reported_by_name: str,
    subject_role: str = "",
    subject_user: User | None = None,
    reported_by_role: str = "",
    reported_at: datetime.datetime | None = None,
) -> LowLevelConcern:
    """The headteacher or TSO records a low-level concern about an adult."""
    _require_recorder(actor, school)
    if subject_type == SubjectType.HEADTEACHER and _is_head_of(actor, school.pk):
        raise PermissionDenied(
            "A concern about the headteacher goes to the Chair of Governors and the trust "
            "safeguarding officer: ask one of them to record it"
        )
    if not subject_name.strip():
        raise ValidationError({"subject_name": "Enter the name of the adult"})
    if not observed.strip():
        raise ValidationError({"observed": "Enter what was observed"})
    reported_at = reported_at or timezone.now()
    _not_future("observed_at", observed_at, "date and time it happened")
    _not_future("reported_at", reported_at, "date and time it was reported")
    if reported_at < observed_at:
        raise ValidationError(
            {"reported_at": "The report must be on or after the time it happened"}
        )
    concern = LowLevelConcern(
        school=school,
        subject_name=subject_name.strip(),
        subject_role=subject_role.strip(),
        subject_type=subject_type,
        subject_key=search_key(subject_name),
        subject_user=subject_user,
        observed=observed.strip(),
        observed_at=observed_at,
        reported_by_name=reported_by_name.strip(),
        reported_by_role=reported_by_role.strip(),
        reported_at=reported_at,
        created_by=actor,
    )
    concern.full_clean()
    concern.save()
    return concern


@transaction.atomic
def low_level_respond(*, actor: Any, concern: LowLevelConcern, response: str) -> LowLevelConcern:
    """The handler's response (a conversation, a reminder of the code of conduct, training)."""
    if not LowLevelConcern.objects.filter(
        selectors.low_level_visible_q(actor), pk=concern.pk
    ).exists():
        raise PermissionDenied("Only the people handling this concern can respond.")
    concern = LowLevelConcern.objects.select_for_update().get(pk=concern.pk)
    if concern.responded_at is not None:
        raise ValidationError({"response": "The response is already recorded"})
    if not response.strip():
        raise ValidationError({"response": "Enter the response"})
    concern.response = response.strip()
    concern.responded_at, concern.responded_by = timezone.now(), actor
    concern.save(update_fields=["response", "responded_at", "responded_by", "updated_at"])
    return concern
