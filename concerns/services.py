"""Every write to concerns, DSL records and actions. Signed records are never changed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from chronology.ledger.content import SignedEvent
from chronology.ledger.hooks import read_only_error, read_only_pupils
from chronology.ledger.services import chronology_record_signed_event
from safeguard.access import access_for
from safeguard.notifications import notify
from safeguard.roles import Perm, RoleKey
from safeguard.signing import content_hash
from schools.models import Pupil, School, SchoolMembership, User
from schools.selectors import safeguarding_leads

from .categories import DEFAULT_CATEGORIES
from .content import (
    DSL_FIELDS,
    action_done_content,
    addendum_content,
    concern_signed_content,
    dsl_record_signed_content,
)
from .models import (
    PART_1_TEXT_FIELDS,
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    Category,
    Concern,
    ConcernPupil,
    ConcernSequence,
    ConcernStatus,
    CpFileDecision,
    DslAction,
    DslRecord,
    DslRecordStatus,
    Involvement,
    InvolvementCategory,
)
from .uploads import clean_upload

DRAFT_TEXT_FIELDS = PART_1_TEXT_FIELDS
MAX_PUPILS = 30
MAX_ATTACHMENTS = 10


class SignedRecordError(Exception):
    """A signed record was asked to change."""


class DraftConflictError(Exception):
    """The draft was saved in another tab or on another device since this page read it."""

    def __init__(self, current_version: int) -> None:
        super().__init__("The draft was saved somewhere else.")
        self.current_version = current_version


class ConflictError(Exception):
    """Someone else saved the record since this person opened it."""

    def __init__(self, current: DslRecord) -> None:
        super().__init__("The record was saved by someone else.")
        self.current = current


# --- Categories (the trust's list) -------------------------------------------------------------


@transaction.atomic
def category_seed_defaults(*, trust: Any) -> int:
    """Give a trust the default two-level list (idempotent); returns how many were added."""
    tops = {c.name: c for c in Category.objects.filter(trust=trust, parent__isnull=True)}
    new_tops = [
        Category(trust=trust, parent=None, name=name, position=position)
        for position, (name, _) in enumerate(DEFAULT_CATEGORIES)
        if name not in tops
    ]
    for category in Category.objects.bulk_create(new_tops):
        tops[category.name] = category
    existing = set(
        Category.objects.filter(trust=trust, parent__isnull=False).values_list("parent_id", "name")
    )
    new_children = [
        Category(trust=trust, parent=tops[name], name=child, position=position)
        for name, children in DEFAULT_CATEGORIES
        for position, child in enumerate(children)
        if (tops[name].pk, child) not in existing
    ]
    Category.objects.bulk_create(new_children)
    return len(new_tops) + len(new_children)


# --- Drafts --------------------------------------------------------------------------------------


def _require_author_draft(actor: User, concern: Concern) -> None:
    if concern.author_id != actor.pk:
        raise PermissionDenied("Only the author can change a draft.")
    if not concern.is_draft:
        raise SignedRecordError("This concern has been submitted and signed; add an addendum.")


@transaction.atomic
def concern_start(*, actor: User, school: School, pupil: Pupil | None = None) -> Concern:
    """A new draft concern in the school, optionally about a first pupil."""
    if not access_for(actor).has(Perm.LOG_CONCERN, school):
        raise PermissionDenied("You cannot log concerns in this school.")
    concern = Concern(school=school, author=actor)
    concern.full_clean()
    concern.save()
    if pupil is not None:
        concern_pupil_add(actor=actor, concern=concern, pupil=pupil)
    return concern


@transaction.atomic
def concern_draft_update(
    *,
    actor: User,
    concern: Concern,
    values: dict[str, Any],
    expected_version: int | None = None,
    editor: str = "",
) -> Concern:
    """Save what the reporter has typed so far (drafts need not be complete).

    With `expected_version`, refuse (DraftConflictError) if the draft was saved elsewhere since
    that version was read: two tabs or devices never silently overwrite each other.
    """
    _require_author_draft(actor, concern)
    locked = (
        Concern.objects.select_for_update().only("draft_version", "draft_editor").get(pk=concern.pk)
    )
    stale = expected_version is not None and locked.draft_version != expected_version
    if stale and not (editor and locked.draft_editor == editor):
        raise DraftConflictError(locked.draft_version)
    concern.draft_editor = editor[:32]
    for field in DRAFT_TEXT_FIELDS:
        if field in values:
            setattr(concern, field, values[field] or "")
    if "incident_at" in values:
        concern.incident_at = values["incident_at"]
    if "immediate_danger" in values:
        concern.immediate_danger = values["immediate_danger"]
    concern.draft_version = F("draft_version") + 1
    concern.save()
    concern.refresh_from_db(fields=["draft_version"])
    return concern


@transaction.atomic
def concern_pupil_add(*, actor: User, concern: Concern, pupil: Pupil) -> ConcernPupil:
    _require_author_draft(actor, concern)
    if pupil.school_id != concern.school_id or not access_for(actor).has(
        Perm.VIEW_PUPILS, pupil.school_id
    ):
        raise PermissionDenied("That pupil is not in this school.")
    if concern.involvements.count() >= MAX_PUPILS:
        raise ValidationError(f"A concern can involve at most {MAX_PUPILS} pupils.")
    involvement, _ = ConcernPupil.objects.get_or_create(
        concern=concern, pupil=pupil, defaults={"school_id": concern.school_id}
    )
    return involvement


@transaction.atomic
def concern_pupil_remove(*, actor: User, involvement: ConcernPupil) -> None:
    _require_author_draft(actor, involvement.concern)
    InvolvementCategory.objects.filter(involvement=involvement).delete()
    BodyMapMark.objects.filter(concern=involvement.concern, pupil=involvement.pupil).update(
        pupil=None
    )
    involvement.delete()


def categories_for(*, school: School) -> list[Category]:
    """The trust's categories in use (retired ones stay on old records, not in new choices)."""
    return list(
        Category.objects.filter(trust_id=school.trust_id, retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )


@transaction.atomic
def involvement_update(
    *,
    actor: User,
    involvement: ConcernPupil,
    kind: str,
    other: str = "",
    category_ids: Iterable[int] = (),
) -> ConcernPupil:
    """Set one pupil's involvement and that pupil's own categories."""
    _require_author_draft(actor, involvement.concern)
    if kind and kind not in Involvement.values:
        raise ValidationError({"involvement": "Choose how the pupil was involved"})
    involvement.involvement = kind
    involvement.involvement_other = other.strip()[:200] if kind == Involvement.OTHER else ""
    involvement.save()
    available = {c.pk: c.parent_id for c in categories_for(school=involvement.concern.school)}
    posted = {int(c) for c in category_ids} & set(available)
    # A sub-category counts only with its heading ticked (unticking a heading hides, but still
    # sends, its sub-categories); a specific category says more than its heading, so the heading
    # is kept only when chosen alone.
    wanted = {c for c in posted if available[c] is None or available[c] in posted}
    wanted -= {available[c] for c in wanted if available[c]}
    InvolvementCategory.objects.filter(involvement=involvement).exclude(
        category_id__in=wanted
    ).delete()
    existing = set(
        InvolvementCategory.objects.filter(involvement=involvement).values_list(
            "category_id", flat=True
        )
    )
    InvolvementCategory.objects.bulk_create(
        [
            InvolvementCategory(
                school_id=involvement.school_id, involvement=involvement, category_id=c
            )
            for c in wanted - existing
        ]
    )
    return involvement


@transaction.atomic
def body_mark_add(
    *,
    actor: User,
    concern: Concern,
    side: str,
    x: Decimal | float,
    y: Decimal | float,
    description: str,
    pupil: Pupil | None = None,
) -> BodyMapMark:
    _require_author_draft(actor, concern)
    if pupil is not None and not concern.involvements.filter(pupil=pupil).exists():
        raise ValidationError({"pupil": "Choose one of the pupils in this concern"})
    mark = BodyMapMark(
        school_id=concern.school_id,
        concern=concern,
        pupil=pupil,
        side=side,
        x=Decimal(str(x)).quantize(Decimal("0.01")),
        y=Decimal(str(y)).quantize(Decimal("0.01")),
        description=description.strip(),
    )
    mark.full_clean()
    mark.save()
    return mark


@transaction.atomic
def body_mark_remove(*, actor: User, mark: BodyMapMark) -> None:
    _require_author_draft(actor, mark.concern)
    mark.delete()


@transaction.atomic
def attachment_add(*, actor: User, concern: Concern, upload: UploadedFile) -> Attachment:
    """Store a checked image or PDF (metadata stripped) outside the web root."""
    _require_author_draft(actor, concern)
    if concern.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            f"A concern can have at most {MAX_ATTACHMENTS} files", code="too_many"
        )
    clean = clean_upload(upload)
    attachment = Attachment(
        school_id=concern.school_id,
        concern=concern,
        original_name=clean.name,
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=clean.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(clean.name, ContentFile(clean.content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    _require_author_draft(actor, attachment.concern)
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def concern_discard(*, actor: User, concern: Concern) -> None:
    """Delete a draft (never a submitted concern)."""
    _require_author_draft(actor, concern)
    for attachment in list(concern.attachments.all()):
        attachment_remove(actor=actor, attachment=attachment)
    InvolvementCategory.objects.filter(involvement__concern=concern).delete()
    concern.delete()


# --- Submission ---------------------------------------------------------------------------------


def concern_problems(*, concern: Concern, now: datetime.datetime | None = None) -> dict[str, str]:
    """What stops a draft being submitted, as {field: plain-English message}."""
    now = now or timezone.now()
    problems: dict[str, str] = {}
    involvements = list(concern.involvements.prefetch_related("categories"))
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
        if not involvement.categories.all():
            problems[f"categories-{involvement.pk}"] = f"Choose at least one category for {name}"
    if concern.incident_at is None:
        problems["incident_at"] = "Enter the date and time of the incident"
    elif concern.incident_at > now + datetime.timedelta(minutes=5):
        problems["incident_at"] = "The date and time of the incident must be in the past"
    if not concern.reason_for_recording.strip():
        problems["reason_for_recording"] = "Enter the reason for recording the incident"
    if not concern.account.strip():
        problems["account"] = "Record what happened: who, what, where, when and any witnesses"
    if concern.immediate_danger is None:
        problems["immediate_danger"] = "Select yes if a child is in immediate danger"
    return problems


def _chronicle(
    concern: Concern,
    *,
    kind: str,
    source: Any,
    source_hash: str,
    occurred_at: datetime.datetime,
    summary: str,
    actor: User,
) -> None:
    """Hand a signed event to the chronology of every pupil in the concern."""
    chronology_record_signed_event(
        event=SignedEvent(
            school_id=concern.school_id,
            pupil_ids=list(concern.involvements.values_list("pupil_id", flat=True)),
            kind=kind,
            source_label=source._meta.label,
            source_id=source.pk,
            source_hash=source_hash,
            concern_id=concern.pk,
            occurred_at=occurred_at,
            summary=summary,
            author_id=actor.pk,
        )
    )


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
        kind="concern_submitted",
        source=concern,
        source_hash=concern.content_hash,
        occurred_at=concern.incident_at or now,
        summary=f"Concern {concern.reference} logged by {concern.reporter_name}",
        actor=actor,
    )
    link = reverse("concern-detail", kwargs={"pk": concern.pk})
    if concern.immediate_danger:
        notify(
            school=concern.school,
            recipients=safeguarding_leads(concern.school),
            kind="immediate_danger",
            title=f"A child may be in immediate danger: concern {concern.reference}",
            link=link,
            urgent=True,
        )
    else:
        notify(
            school=concern.school,
            recipients=safeguarding_leads(concern.school),
            kind="concern_submitted",
            title=f"New concern {concern.reference} to triage",
            link=link,
        )
    return concern


@transaction.atomic
def addendum_add(*, actor: User, concern: Concern, text: str) -> Addendum:
    """A later fact on a submitted concern, signed; the concern itself never changes."""
    if concern.is_draft:
        raise ValidationError("Submit the concern first; until then, edit the draft.")
    if not text.strip():
        raise ValidationError({"text": "Enter the information to add"})
    can = concern.author_id == actor.pk or access_for(actor).has(
        Perm.MANAGE_CP_RECORDS, concern.school_id
    )
    if not can:
        raise PermissionDenied("Only the author or a DSL can add to this concern.")
    now = timezone.now()
    addendum = Addendum(
        school_id=concern.school_id,
        concern=concern,
        author=actor,
        author_name=actor.full_name,
        author_job_title=actor.job_title,
        text=text.strip(),
        signed_at=now,
    )
    addendum.content_hash = content_hash(addendum_content(addendum, concern))
    addendum.full_clean()
    addendum.save()
    _chronicle(
        concern,
        kind="addendum_added",
        source=addendum,
        source_hash=addendum.content_hash,
        occurred_at=now,
        summary=f"Addendum to {concern.reference} by {addendum.author_name}",
        actor=actor,
    )
    return addendum


# --- The DSL's record (Part 2) -----------------------------------------------------------------


def _require_manager(actor: User, school_id: int) -> None:
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, school_id):
        raise PermissionDenied("Only the DSL and deputies can do this.")


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
    written = timezone.localtime(concern.written_at)
    reporter = concern.reporter_name
    if concern.reporter_job_title:
        reporter += f", {concern.reporter_job_title}"
    record = DslRecord(
        school_id=concern.school_id,
        concern=concern,
        received_at=now,
        received_from=f"{reporter} (logged in Safeguard at {written:%H:%M on %d/%m/%Y})",
        last_saved_by=actor,
    )
    record.full_clean()
    record.save()
    return record


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


# --- Actions, restriction, closing --------------------------------------------------------------


@transaction.atomic
def action_assign(
    *, actor: User, concern: Concern, description: str, owner: User, due_on: datetime.date
) -> Action:
    _require_manager(actor, concern.school_id)
    if not SchoolMembership.objects.filter(user=owner, school_id=concern.school_id).exists():
        raise ValidationError({"owner": "Choose someone who works in this school"})
    action = Action(
        school_id=concern.school_id,
        concern=concern,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    notify(
        school=concern.school,
        recipients=[owner],
        kind="action_assigned",
        title=f"An action on concern {concern.reference} is yours, due {due_on:%d/%m/%Y}",
        link=reverse("action-list"),
    )
    return action


@transaction.atomic
def action_complete(*, actor: User, action: Action, note: str) -> Action:
    action = Action.objects.select_for_update().select_related("concern").get(pk=action.pk)
    if action.owner_id != actor.pk and not access_for(actor).has(
        Perm.MANAGE_CP_RECORDS, action.school_id
    ):
        raise PermissionDenied("Only the owner or a DSL can complete this action.")
    if action.done_at is not None:
        return action
    if not note.strip():
        raise ValidationError({"done_note": "Enter what was done"})
    action.done_at = timezone.now()
    action.done_by = actor
    action.done_note = note.strip()
    action.save()
    _chronicle(
        action.concern,
        kind="action_done",
        source=action,
        source_hash=content_hash(action_done_content(action)),
        occurred_at=action.done_at,
        summary=f"Action on {action.concern.reference} done by {actor.full_name}",
        actor=actor,
    )
    return action


RESTRICTED_PERM = "concerns.view_restricted_concern"


@transaction.atomic
def concern_restrict(*, actor: User, concern: Concern, named: Sequence[User]) -> Concern:
    """Only the DSL and the named people (with a role that reads CP records) see it."""
    if not access_for(actor).has(Perm.VIEW_ALL_RESTRICTED, concern.school_id):
        raise PermissionDenied("Only the DSL can restrict a concern.")
    readers = [u for u in named if access_for(u).has(Perm.READ_CP_RECORDS, concern.school_id)]
    if len(readers) != len(named):
        raise ValidationError({"named": "Name only people who can read child-protection records"})
    Concern.objects.filter(pk=concern.pk).update(restricted=True, updated_at=timezone.now())
    concern.restricted = True
    for user in readers:
        assign_perm(RESTRICTED_PERM, user, concern)
    return concern


@transaction.atomic
def concern_unrestrict(*, actor: User, concern: Concern) -> Concern:
    if not access_for(actor).has(Perm.VIEW_ALL_RESTRICTED, concern.school_id):
        raise PermissionDenied("Only the DSL can lift a restriction.")
    Concern.objects.filter(pk=concern.pk).update(restricted=False, updated_at=timezone.now())
    concern.restricted = False
    for user in User.objects.filter(
        userobjectpermission__object_pk=str(concern.pk),
        userobjectpermission__permission__codename="view_restricted_concern",
    ):
        remove_perm(RESTRICTED_PERM, user, concern)
    return concern


@transaction.atomic
def concern_close(*, actor: User, concern: Concern) -> Concern:
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
