"""The DSL's side of a concern (Part 2): opening it, saving the record as it is written (refusing
to overwrite someone else's save), the advice sought, signing the decision with every reason it
needs, and closing the concern once the record is signed and its actions are done."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safeguard.roles import RoleKey
from safeguard.signing import content_hash
from schools.models import SchoolMembership, User

from ..content import DSL_FIELDS, dsl_record_signed_content
from ..models import (
    AdviceSought,
    Concern,
    ConcernStatus,
    CpFileDecision,
    DslAction,
    DslRecord,
    DslRecordStatus,
)
from ._shared import _chronicle, _require_manager
from .errors import ConflictError, SignedRecordError


@transaction.atomic
def concern_open(*, actor: User, concern: Concern) -> DslRecord:
    """A DSL opens a concern: Part 2 records when the DSL received it and from whom."""
    _require_manager(actor, concern.school_id)
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.is_draft:
        raise ValidationError("A draft has not been submitted yet.")
    existing = DslRecord.objects.filter(concern=concern).first()
    if existing is not None:
        return existing
    now = timezone.now()
    concern.opened_at, concern.opened_by = now, actor
    concern.save(update_fields=["opened_at", "opened_by", "updated_at"])
    record = DslRecord(
        school_id=concern.school_id,
        concern=concern,
        received_at=now,
        received_from=_received_from(concern),
        last_saved_by=actor,
    )
    record.full_clean()
    record.save()
    return record


def _received_from(concern: Concern) -> str:
    """Part 2's "received from": the reporter, or the system whose alert raised it."""
    written = timezone.localtime(concern.written_at)
    if concern.is_system_alert:
        return (
            f"{concern.source_name} (system alert {concern.source_alert_id}, received through "
            f"the API at {written:%H:%M on %d/%m/%Y})"
        )
    reporter = concern.reporter_name
    if concern.reporter_job_title:
        reporter += f", {concern.reporter_job_title}"
    return f"{reporter} (logged in Safeguard at {written:%H:%M on %d/%m/%Y})"


@transaction.atomic
def dsl_record_save(
    *, actor: User, record: DslRecord, values: dict[str, Any], expected_version: int
) -> DslRecord:
    """Save the Part 2 draft, unless someone else saved it since `expected_version` was read."""
    _require_manager(actor, record.school_id)
    if record.status == DslRecordStatus.SIGNED:
        raise SignedRecordError("This record is signed; add to the concern with an addendum.")
    changes = {f: values[f] for f in DSL_FIELDS if f in values}
    if "actions" in changes:
        unknown = set(changes["actions"]) - set(DslAction.values)
        if unknown:
            raise ValidationError({"actions": "Choose actions from the list"})
    updated = DslRecord.objects.filter(
        pk=record.pk, version=expected_version, status=DslRecordStatus.DRAFT
    ).update(**changes, version=F("version") + 1, last_saved_by=actor, updated_at=timezone.now())
    if updated == 0:
        raise ConflictError(DslRecord.objects.select_related("last_saved_by").get(pk=record.pk))
    return DslRecord.objects.get(pk=record.pk)


@transaction.atomic
def advice_add(
    *,
    actor: User,
    record: DslRecord,
    sought_at: datetime.datetime,
    name: str,
    role: str,
    organisation: str,
    advice: str,
) -> AdviceSought:
    """Record advice the DSL sought (from whom, when, what) on an unsigned record."""
    _require_manager(actor, record.school_id)
    if record.status == DslRecordStatus.SIGNED:
        raise SignedRecordError("This record is signed.")
    row = AdviceSought(
        school_id=record.school_id,
        dsl_record=record,
        sought_at=sought_at,
        name=name,
        role=role,
        organisation=organisation,
        advice=advice,
    )
    row.full_clean()
    row.save()
    return row


def dsl_record_problems(record: DslRecord) -> dict[str, str]:
    """Every decision needs its reason: what stops the record being signed."""
    problems: dict[str, str] = {}
    if not record.received_from.strip():
        problems["received_from"] = "Enter who the DSL received the information from"
    if not record.actions:
        problems["actions"] = "Select the action taken"
    elif not record.action_reasons.strip():
        problems["action_reasons"] = "Enter the reasons for the action taken"
    if not record.level_of_need:
        problems["level_of_need"] = "Select the level of need"
    elif not record.level_of_need_reason.strip():
        problems["level_of_need_reason"] = "Enter the reasons for the level of need"
    if record.parents_informed is None:
        problems["parents_informed"] = "Select yes if parents were informed"
    elif not record.parents_informed_reason.strip():
        problems["parents_informed_reason"] = (
            "Enter why parents were informed"
            if record.parents_informed
            else "Enter why parents were not informed"
        )
    if not record.cp_file_decision:
        problems["cp_file_decision"] = "Select whether a child-protection file should be opened"
    elif (
        record.cp_file_decision != CpFileDecision.ALREADY_OPEN and not record.cp_file_reason.strip()
    ):
        problems["cp_file_reason"] = (
            "Enter why a child-protection file should or should not be opened"
        )
    return problems


@transaction.atomic
def dsl_record_sign(*, actor: User, record: DslRecord, expected_version: int) -> DslRecord:
    """Sign Part 2; refused with the reasons missing, or if someone else saved it meanwhile."""
    _require_manager(actor, record.school_id)
    record = DslRecord.objects.select_for_update().select_related("concern").get(pk=record.pk)
    if record.status == DslRecordStatus.SIGNED:
        raise SignedRecordError("This record is already signed.")
    if record.version != expected_version:
        raise ConflictError(record)
    problems = dsl_record_problems(record)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    membership = (
        SchoolMembership.objects.filter(
            user=actor, school_id=record.school_id, role__in=[RoleKey.DSL, RoleKey.DEPUTY]
        )
        .order_by("role")
        .first()
    )
    record.signed_by = actor
    record.signer_name = actor.full_name
    record.signer_role = membership.get_role_display() if membership else actor.job_title
    record.signed_at = now
    record.status = DslRecordStatus.SIGNED
    record.content_hash = content_hash(dsl_record_signed_content(record))
    record.version += 1
    record.save()
    Concern.objects.filter(pk=record.concern_id, status=ConcernStatus.RECEIVED).update(
        status=ConcernStatus.ACTIONED, updated_at=now
    )
    _chronicle(
        record.concern,
        kind="dsl_record_signed",
        source=record,
        source_hash=record.content_hash,
        occurred_at=now,
        summary=f"DSL decision on {record.concern.reference}: " + ", ".join(record.action_labels()),
        actor=actor,
    )
    return record


@transaction.atomic
def concern_close(*, actor: User, concern: Concern) -> Concern:
    """Close the concern once its DSL record is signed and no action is open."""
    _require_manager(actor, concern.school_id)
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if not DslRecord.objects.filter(concern=concern, status=DslRecordStatus.SIGNED).exists():
        raise ValidationError("Sign the DSL record before closing the concern.")
    if concern.follow_ups.filter(done_at__isnull=True).exists():
        raise ValidationError("Complete or reassign the open actions before closing the concern.")
    concern.status = ConcernStatus.CLOSED
    concern.closed_at, concern.closed_by = timezone.now(), actor
    concern.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return concern
