"""Everything in one pupil's child-protection file, gathered for export (the PDF and the bundle).

`cp_records_for_export(actor=..., pupil=...)` is the one read both exports share. It runs a fixed
number of queries (about 20) however many records the pupil has, and returns plain model
instances grouped in dataclasses, oldest first, so each export lays them out without touching the
database again.

Who may export: the DSL and deputies of the pupil's school (`Perm.TRANSFER_CP_FILES`). Anyone
else, and a pupil of another school, gets the same 404 as for a missing pupil.

What is in the file (docs/adr/0013): the same records the DSL's safeguarding page shows, and all of
them. The receiving DSL needs the whole file, so restricted concerns are included; a person who
may not read one of this pupil's restricted concerns (a deputy who is not named on it) is refused
with `ExportRefused`, never given a file with gaps they cannot see. Drafts are not records and are
left out; a DSL record (Part 2) still in draft is left out too and shown as "not yet signed".
Concerns involving several pupils keep only this pupil's involvement, categories and body-map
marks: the other children are counted, not named or labelled (their own files carry them).
Allegations against adults and low-level concerns never reach a pupil's file; family contacts
belong to the pupil file, not the CP file. The files this school received from the pupil's
previous schools and accepted are part of the file too (KCSIE Annex C: the whole file moves on):
`received_files`, whose stored PDF and bundle each export reads with `received_copy_read`.

Writing the access log is the caller's job (the transfer views log the request and each
download); a Celery task renders with no request to log.
"""

from __future__ import annotations

import datetime
import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.core.files.storage import Storage
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from chronology.models import (
    ChronologyEntry,
    CpFile,
    PupilStatus,
    RiskAssessment,
    RiskAssessmentReview,
)
from chronology.selectors import chronology_for
from concerns.models import (
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    Concern,
    ConcernPupil,
    ConcernStatus,
    ContinuousAbsence,
    DslRecord,
    DslRecordStatus,
    InvolvementCategory,
    MissingEpisode,
    MissingEpisodeStep,
)
from concerns.selectors import cp_visible_q, hidden_concern_exists
from referrals.models import Referral, ReferralUpdate
from referrals.selectors import referrals_visible_to
from safeguard.access import access_for, get_for_actor_or_404
from safeguard.roles import Perm
from schools.models import Pupil, School
from transfers.models import IncomingState, IncomingTransfer


class ExportRefused(PermissionDenied):
    """The actor may not export this file; `str(error)` says why in plain English."""


RESTRICTED_HIDDEN = (
    "This child-protection file includes restricted records that you are not named on, so you "
    "cannot export it. Ask the Designated Safeguarding Lead to export it."
)


@dataclass(frozen=True)
class ConcernRecord:
    """One signed concern as it concerns this pupil: Part 1, Part 2 and what followed."""

    concern: Concern
    involvement: ConcernPupil  # this pupil's involvement, with the identity as signed
    categories: list[str]  # this pupil's categories, as labelled when signed
    other_pupils: int  # how many other children the concern involves (not named here)
    body_marks: list[BodyMapMark]  # marks on this pupil (or on no pupil in particular)
    attachments: list[Attachment]
    addenda: list[Addendum]
    dsl_record: DslRecord | None  # Part 2, only once signed
    dsl_record_in_draft: bool  # the DSL has opened it but not signed Part 2 yet
    advice: list[AdviceSought]
    actions: list[Action]


@dataclass(frozen=True)
class ReferralRecord:
    referral: Referral
    updates: list[ReferralUpdate]  # oldest first


@dataclass(frozen=True)
class RiskAssessmentRecord:
    assessment: RiskAssessment
    reviews: list[RiskAssessmentReview]  # oldest first
    other_pupils: int  # other children the assessment covers (not named here)


@dataclass(frozen=True)
class MissingEpisodeRecord:
    episode: MissingEpisode
    steps: list[MissingEpisodeStep]  # in the order they were done


@dataclass(frozen=True)
class CpRecords:
    """A pupil's whole child-protection file, as of `produced_at`, read by `produced_by`."""

    school: School
    pupil: Pupil
    produced_by: Any
    produced_at: datetime.datetime
    cp_files: list[CpFile]  # oldest first
    statuses: list[PupilStatus]  # statuses and plans, oldest first
    chronology: list[ChronologyEntry]  # Appendix 2, oldest first; each has `corrected`
    concerns: list[ConcernRecord]  # oldest first
    referrals: list[ReferralRecord]  # oldest first
    risk_assessments: list[RiskAssessmentRecord]  # oldest first
    missing_episodes: list[MissingEpisodeRecord]  # oldest first
    absences: list[ContinuousAbsence]  # continuous absences (children missing education)
    # Files received from previous schools and accepted here, oldest first (`decided_by` read).
    received_files: list[IncomingTransfer] = field(default_factory=list)
    dates: list[datetime.date] = field(default_factory=list, repr=False)  # every record's date

    @property
    def attachments(self) -> list[tuple[ConcernRecord, Attachment]]:
        """Every attached photo and document, with the concern it belongs to."""
        return [(c, a) for c in self.concerns for a in c.attachments]

    @property
    def is_empty(self) -> bool:
        return not (
            self.cp_files
            or self.statuses
            or self.chronology
            or self.concerns
            or self.referrals
            or self.risk_assessments
            or self.missing_episodes
            or self.absences
            or self.received_files
        )

    @property
    def first_date(self) -> datetime.date | None:
        """The earliest date any record in the file speaks of."""
        return min(self.dates) if self.dates else None

    @property
    def last_date(self) -> datetime.date | None:
        return max(self.dates) if self.dates else None


def _day(moment: datetime.datetime | datetime.date | None) -> datetime.date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localdate(moment)
    return moment


def _pupil_for_export(*, actor: Any, pupil: Pupil) -> Pupil:
    """The pupil, re-read and checked: the DSL or a deputy of the pupil's own school."""
    found = get_for_actor_or_404(
        Pupil.objects.select_related("school__trust"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pupil.pk,
    )
    if not access_for(actor).has(Perm.READ_CP_RECORDS, found.school_id):
        raise ExportRefused("You cannot read this pupil's child-protection records.")
    return found


def _refuse_if_restricted_hidden(*, actor: Any, pupil: Pupil) -> None:
    """Refuse when any record of the pupil comes from a restricted concern the actor cannot see.

    The DSL sees every restricted record, so this costs queries only for a deputy (the
    restricted concerns named to them, once per kind of reference, and the check itself).
    """
    if access_for(actor).has(Perm.VIEW_ALL_RESTRICTED, pupil.school_id):
        return
    school_id = pupil.school_id
    hidden = hidden_concern_exists(actor=actor, school_id=school_id)  # the row's `concern_id`
    hidden_entry = hidden_concern_exists(actor=actor, ref="concern_ref", school_id=school_id)
    found = Pupil.objects.filter(pk=pupil.pk).filter(
        Exists(
            ConcernPupil.objects.filter(hidden, pupil_id=OuterRef("pk")).exclude(
                concern__status=ConcernStatus.DRAFT
            )
        )
        | Exists(ChronologyEntry.objects.filter(hidden_entry, pupil_id=OuterRef("pk")))
        | Exists(Referral.objects.filter(hidden, pupil_id=OuterRef("pk")))
        | Exists(RiskAssessment.objects.filter(hidden, covered__pupil_id=OuterRef("pk")))
    )
    if found.exists():
        raise ExportRefused(RESTRICTED_HIDDEN)


def _concerns(*, actor: Any, pupil: Pupil) -> list[ConcernRecord]:
    concerns = (
        Concern.objects.filter(cp_visible_q(actor), school_id=pupil.school_id)
        .filter(Exists(ConcernPupil.objects.filter(concern_id=OuterRef("pk"), pupil_id=pupil.pk)))
        .select_related("dsl_record")
        .annotate(pupil_count=Count("involvements", distinct=True))
        .prefetch_related(
            Prefetch(
                "involvements",
                queryset=ConcernPupil.objects.filter(pupil_id=pupil.pk).prefetch_related(
                    Prefetch(
                        "involvementcategory_set",
                        queryset=InvolvementCategory.objects.select_related(
                            "category__parent"
                        ).order_by("label", "category__name"),
                    )
                ),
                to_attr="own_involvements",
            ),
            Prefetch(
                "body_marks",
                queryset=BodyMapMark.objects.filter(
                    Q(pupil_id=pupil.pk) | Q(pupil__isnull=True)
                ).order_by("created_at"),
                to_attr="own_marks",
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at")),
            Prefetch("addenda", queryset=Addendum.objects.order_by("signed_at")),
            Prefetch(
                "dsl_record__advice", queryset=AdviceSought.objects.order_by("sought_at", "id")
            ),
            Prefetch(
                "follow_ups",
                queryset=Action.objects.select_related("owner", "created_by", "done_by").order_by(
                    "due_on", "created_at"
                ),
            ),
        )
        .order_by(F("incident_at").asc(nulls_last=True), "written_at")
    )
    result = []
    for concern in concerns:
        involvement = cast(ConcernPupil, concern.own_involvements[0])
        marks = cast(list[BodyMapMark], concern.own_marks)
        try:
            record: DslRecord | None = concern.dsl_record
        except DslRecord.DoesNotExist:
            record = None
        signed = record is not None and record.status == DslRecordStatus.SIGNED
        result.append(
            ConcernRecord(
                concern=concern,
                involvement=involvement,
                categories=[
                    ic.label or ic.category.label
                    for ic in involvement.involvementcategory_set.all()
                ],
                other_pupils=concern.pupil_count - 1,
                body_marks=list(marks),
                attachments=list(concern.attachments.all()),
                addenda=list(concern.addenda.all()),
                dsl_record=record if signed else None,
                dsl_record_in_draft=record is not None and not signed,
                advice=list(record.advice.all()) if signed and record is not None else [],
                actions=list(concern.follow_ups.all()),
            )
        )
    return result


def _referrals(*, actor: Any, pupil: Pupil) -> list[ReferralRecord]:
    referrals = (
        referrals_visible_to(actor)
        .filter(pupil=pupil)
        .select_related("concern")
        .prefetch_related(
            Prefetch(
                "updates", queryset=ReferralUpdate.objects.order_by("occurred_at", "created_at")
            )
        )
        .order_by("made_at")
    )
    return [ReferralRecord(referral=r, updates=list(r.updates.all())) for r in referrals]


def _risk_assessments(*, actor: Any, pupil: Pupil) -> list[RiskAssessmentRecord]:
    assessments = (
        RiskAssessment.objects.filter(school_id=pupil.school_id, covered__pupil=pupil)
        .filter(~hidden_concern_exists(actor=actor, school_id=pupil.school_id))
        .select_related("concern", "created_by")
        .annotate(pupil_count=Count("covered", distinct=True))
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=RiskAssessmentReview.objects.select_related("reviewed_by").order_by(
                    "reviewed_on", "created_at"
                ),
            )
        )
        .order_by("created_at")
    )
    return [
        RiskAssessmentRecord(
            assessment=a, reviews=list(a.reviews.all()), other_pupils=a.pupil_count - 1
        )
        for a in assessments
    ]


def _missing_episodes(*, pupil: Pupil) -> list[MissingEpisodeRecord]:
    episodes = (
        MissingEpisode.objects.filter(school_id=pupil.school_id, pupil=pupil)
        .select_related("closed_by")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=MissingEpisodeStep.objects.order_by(
                    F("done_at").asc(nulls_last=True), "created_at"
                ),
            )
        )
        .order_by("missing_since")
    )
    return [MissingEpisodeRecord(episode=e, steps=list(e.steps.all())) for e in episodes]


def cp_records_for_export(*, actor: Any, pupil: Pupil) -> CpRecords:
    """Everything in the pupil's child-protection file, for the DSL or a deputy to export.

    Raises Http404 unless the actor transfers CP files in the pupil's school, and
    `ExportRefused` when a restricted record of the pupil is hidden from the actor.
    """
    pupil = _pupil_for_export(actor=actor, pupil=pupil)
    _refuse_if_restricted_hidden(actor=actor, pupil=pupil)
    cp_files = list(
        CpFile.objects.filter(school_id=pupil.school_id, pupil=pupil)
        .select_related("opened_by", "closed_by")
        .order_by("opened_at")
    )
    statuses = list(
        PupilStatus.objects.filter(school_id=pupil.school_id, pupil=pupil)
        .select_related("created_by")
        .order_by("start_date", "created_at")
    )
    chronology = list(chronology_for(actor=actor, pupil=pupil, newest_first=False))
    concerns = _concerns(actor=actor, pupil=pupil)
    referrals = _referrals(actor=actor, pupil=pupil)
    risk_assessments = _risk_assessments(actor=actor, pupil=pupil)
    missing = _missing_episodes(pupil=pupil)
    absences = list(
        ContinuousAbsence.objects.filter(school_id=pupil.school_id, pupil=pupil).order_by(
            "first_day"
        )
    )
    received = list(
        IncomingTransfer.objects.filter(
            school_id=pupil.school_id, pupil=pupil, state=IncomingState.ACCEPTED
        )
        .select_related("decided_by")
        .order_by("decided_at", "created_at")
    )
    moments: list[Any] = [
        *(f.opened_at for f in cp_files),
        *(f.closed_at for f in cp_files),
        *(s.start_date for s in statuses),
        *(s.end_date for s in statuses),
        *(e.occurred_at for e in chronology),
        *(c.concern.incident_at or c.concern.written_at for c in concerns),
        *(r.referral.made_at for r in referrals),
        *(u.occurred_at for r in referrals for u in r.updates),
        *(a.assessment.created_at for a in risk_assessments),
        *(m.episode.missing_since for m in missing),
        *(a.first_day for a in absences),
        *(a.ended_on for a in absences),
        *(r.decided_at for r in received),
    ]
    return CpRecords(
        school=pupil.school,
        pupil=pupil,
        produced_by=actor,
        produced_at=timezone.now(),
        cp_files=cp_files,
        statuses=statuses,
        chronology=chronology,
        concerns=concerns,
        referrals=referrals,
        risk_assessments=risk_assessments,
        missing_episodes=missing,
        absences=absences,
        received_files=received,
        dates=[d for d in (_day(m) for m in moments) if d is not None],
    )


# --- The stored copies of a received file ---------------------------------------------------------


@dataclass(frozen=True)
class ReceivedCopy:
    """One stored file of a received CP file (its signed PDF or its bundle), read for export.

    `state` is "ok" (read, and its SHA-256 is the one recorded when it was received), "missing"
    (no stored file, or not under the school's own folder) or "mismatch" (changed since)."""

    name: str
    recorded_sha256: str
    data: bytes | None
    state: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""


def _read_stored(storage: Storage, name: str, school_id: int) -> bytes | None:
    """A stored file, read only by a normalised path under its own school's folder."""
    inside = posixpath.normpath(name) == name and ".." not in name.split("/")
    if not name or not inside or not name.startswith(f"schools/{school_id}/"):
        return None
    try:
        with storage.open(name, "rb") as stored:
            data: bytes = stored.read()
            return data
    except (FileNotFoundError, OSError):
        return None


def received_copy_read(incoming: IncomingTransfer, which: str) -> ReceivedCopy | None:
    """The received file's stored "pdf" or "bundle" and whether it still matches its SHA-256;
    None when the file came without one (a bundle is optional)."""
    stored = getattr(incoming, which)
    recorded = getattr(incoming, f"{which}_sha256")
    if not stored.name and not recorded:
        return None
    data = _read_stored(stored.storage, stored.name or "", incoming.school_id)
    if data is None:
        state = "missing"
    elif hashlib.sha256(data).hexdigest() != recorded:
        state = "mismatch"
    else:
        state = "ok"
    return ReceivedCopy(name=stored.name or "", recorded_sha256=recorded, data=data, state=state)
