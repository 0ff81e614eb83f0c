"""Submitting a draft: what stops it, then signing it (who, when, SHA-256 of its content) with
the school's next reference, handing it to the chronology and telling the DSLs."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chronology.ledger.hooks import read_only_error, read_only_pupils
from chronology.models import EntryKind
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from safeguard.signing import content_hash
from schools.models import School, User
from schools.selectors import safeguarding_leads

from ..content import concern_signed_content
from ..models import (
    Concern,
    ConcernPupil,
    ConcernSequence,
    ConcernStatus,
    Involvement,
    InvolvementCategory,
)
from ._shared import _chronicle, _require_author_draft
from .reassess import reassessment_check


def concern_problems(*, concern: Concern, now: datetime.datetime | None = None) -> dict[str, str]:
    """What stops a draft being submitted, as {field: plain-English message}.

    A concern a system raises (`is_system_alert`) needs no category (a filtering or monitoring
    system's own categories need not fit the trust's list) and leaves "child in immediate danger"
    unanswered: that is a person's judgement, which no such system makes."""
    now = now or timezone.now()
    system = concern.is_system_alert
    problems: dict[str, str] = {}
    involvements = list(concern.involvements.select_related("pupil").prefetch_related("categories"))
    if not involvements:
        problems["pupils"] = "Add the pupil or pupils this concern is about"
    else:
        kept = read_only_pupils(
            school_id=concern.school_id, pupil_ids=[i.pupil_id for i in involvements]
        )
        if len(kept) == len({i.pupil_id for i in involvements}):
            problems["pupils"] = (
                read_only_error(involvements[0].pupil_id).messages[0]
                + " Tell the Designated Safeguarding Lead what you know: they will pass it to the"
                " child's new school."
            )
    for involvement in involvements:
        name = involvement.pupil.display_name
        if not involvement.involvement:
            problems[f"involvement-{involvement.pk}"] = f"Choose how {name} was involved"
        elif involvement.involvement == Involvement.OTHER and not involvement.involvement_other:
            problems[f"involvement-{involvement.pk}"] = f"Describe how {name} was involved"
        if not involvement.categories.all() and not system:
            problems[f"categories-{involvement.pk}"] = f"Choose at least one category for {name}"
    if concern.incident_at is None:
        problems["incident_at"] = "Enter the date and time of the incident"
    elif concern.incident_at > now + datetime.timedelta(minutes=5):
        problems["incident_at"] = "The date and time of the incident must be in the past"
    if not concern.reason_for_recording.strip():
        problems["reason_for_recording"] = "Enter the reason for recording the incident"
    if not concern.account.strip():
        problems["account"] = "Record what happened: who, what, where, when and any witnesses"
    if concern.immediate_danger is None and not system:
        problems["immediate_danger"] = "Select yes if a child is in immediate danger"
    return problems


def _next_reference(school: School, year: int) -> str:
    sequence, _ = ConcernSequence.objects.select_for_update().get_or_create(
        school=school, year=year
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number", "updated_at"])
    return f"{school.reference_prefix}-{year}-{sequence.last_number:04d}"


@transaction.atomic
def concern_submit(*, actor: User, concern: Concern) -> Concern:
    """Sign the concern (who, when, SHA-256 of its content) and send it to the DSL."""
    concern = Concern.objects.select_for_update().select_related("school").get(pk=concern.pk)
    _require_author_draft(actor, concern)
    if not access_for(actor).has(Perm.LOG_CONCERN, concern.school_id):
        raise PermissionDenied("You cannot log concerns in this school.")
    now = timezone.now()
    problems = concern_problems(concern=concern, now=now)
    if problems:
        raise ValidationError(problems)
    for involvement in concern.involvements.select_related("pupil"):
        involvement.take_snapshot()
        involvement.save()
    for chosen in InvolvementCategory.objects.filter(involvement__concern=concern).select_related(
        "category__parent"
    ):
        chosen.label = chosen.category.label
        chosen.save(update_fields=["label", "updated_at"])
    concern.reference = _next_reference(concern.school, timezone.localdate(now).year)
    concern.reporter_name = actor.full_name
    concern.reporter_job_title = actor.job_title
    concern.written_at = now
    concern.status = ConcernStatus.RECEIVED
    concern.content_hash = content_hash(concern_signed_content(concern))
    concern.save()
    _chronicle(
        concern,
        kind=EntryKind.CONCERN,
        source=concern,
        source_hash=concern.content_hash,
        occurred_at=concern.incident_at or now,
        summary=_chronology_summary(concern),
        pupil_summaries={
            str(involvement.pupil_id): _chronology_summary(concern, involvement)
            for involvement in concern.involvements.prefetch_related(
                "involvementcategory_set__category"
            )
        },
        actor=actor,
    )
    reassessment_check(concern=concern, now=now)
    link = reverse("concern-detail", kwargs={"pk": concern.pk})
    if concern.immediate_danger:
        notify(
            school=concern.school,
            recipients=safeguarding_leads(concern.school),
            kind=NotificationKind.IMMEDIATE_DANGER,
            title=f"A child may be in immediate danger: concern {concern.reference}",
            link=link,
            urgent=True,
        )
    else:
        notify(
            school=concern.school,
            recipients=safeguarding_leads(concern.school),
            kind=NotificationKind.CONCERN_SUBMITTED,
            title=f"New concern {concern.reference} to triage"
            + (f": an alert from {concern.source_name}" if concern.is_system_alert else ""),
            link=link,
        )
    return concern


# How much of the reason for recording (or, without one, of what was seen) the chronology's line
# carries: its first words, enough to find and recognise the concern (docs/adr/0043).
SUMMARY_WORDS = 40


def _first_words(text: str, words: int = SUMMARY_WORDS) -> str:
    """The first `words` words of `text` on one line, with an ellipsis when cut."""
    kept = text.split()
    line = " ".join(kept[:words])
    return line + ("..." if len(kept) > words else "")


def _chronology_summary(concern: Concern, involvement: ConcernPupil | None = None) -> str:
    """The chronology's line for a submitted concern: who logged it, the reason for recording
    (its first words; without one, the first words of what was seen) and the pupil's categories.
    The concern itself holds the rest."""
    if concern.is_system_alert:
        head = f"Concern {concern.reference} raised by an alert from {concern.source_name} (system)"
    else:
        head = f"Concern {concern.reference} logged by {concern.reporter_name}"
    parts = [head]
    if concern.reason_for_recording.strip():
        parts.append(f"Reason for recording: {_first_words(concern.reason_for_recording)}")
    elif concern.account.strip():
        parts.append(f"What was seen: {_first_words(concern.account)}")
    if involvement is not None:
        labels = [
            chosen.label or chosen.category.label
            for chosen in involvement.involvementcategory_set.all()
        ]
        if labels:
            parts.append("Categories: " + "; ".join(sorted(labels)))
    line = ". ".join(p if p.endswith("...") else p.rstrip(".") for p in parts)
    return line if line.endswith(".") else line + "."
