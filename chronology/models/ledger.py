"""The chain ledger's tables: each pupil's chronology (Appendix 2 "Case Record/Chronology").

Every school's chronology entries form one hash chain: each entry stores its sequence number in the
school, the previous entry's hash, and its own hash over its canonical content (which includes the
hash of the record it came from). Entries are never updated or deleted (database guards); a
correction is a new entry pointing at the one it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel

GENESIS_HASH = "0" * 64


class EntryKind(models.TextChoices):
    # Written automatically for signed events.
    CONCERN = "concern_submitted", "Concern logged"
    ADDENDUM = "addendum_added", "Addendum to a concern"
    DSL_DECISION = "dsl_record_signed", "DSL decision"
    ACTION_DONE = "action_done", "Action completed"
    CP_FILE_OPENED = "cp_file_opened", "Child-protection file opened"
    CP_FILE_CLOSED = "cp_file_closed", "Child-protection file closed"
    STATUS_STARTED = "status_started", "Status or plan started"
    STATUS_ENDED = "status_ended", "Status or plan ended"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    RISK_REVIEW = "risk_assessment_review", "Risk assessment review"
    REFERRAL_MADE = "referral_made", "Referral made"
    REFERRAL_FOLLOW_UP = "referral_follow_up", "Written follow-up to a referral"
    REFERRAL_RESPONSE = "referral_response", "Response to a referral"
    REFERRAL_ESCALATED = "referral_escalated", "Referral escalated (professional challenge)"
    MISSING_REPORTED = "missing_reported", "Reported missing"
    MISSING_CLOSED = "missing_closed", "Found after going missing"
    ABSENCE_STARTED = "absence_started", "Continuous unauthorised absence"
    ABSENCE_LA_TOLD = "absence_la_told", "Local authority told of absence"
    ABSENCE_ENDED = "absence_ended", "Continuous absence ended"
    TRANSFER_SENT = "cp_file_sent", "Child-protection file sent to a new school"
    TRANSFER_RECEIVED = "cp_file_received", "Child-protection file received"
    TRANSFER_RECEIPT = "cp_file_receipt", "Receipt of the child-protection file confirmed"
    REASSESSMENT_REVIEW = "reassessment_review", "Re-assessment review"
    TRANSFER_CANCELLED = "cp_file_transfer_cancelled", "Transfer of the CP file cancelled"
    LEAVING_DATE_CORRECTED = "leaving_date_corrected", "Leaving date corrected"
    # An entry of a CP file received from another school, brought into this chronology as
    # received (its words, date and author as the sending school signed them; ADR 0045).
    RECEIVED_ENTRY = "received_entry", "Received from a previous school"
    # Added by hand by the DSL.
    PHONE_CALL = "phone_call", "Phone call"
    MEETING = "meeting", "Meeting"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_cp_conference", "Initial child protection conference"
    REVIEW_CONFERENCE = "review_cp_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group"
    CIN_MEETING = "cin_meeting", "Child in Need meeting"
    HOME_VISIT = "home_visit", "Home visit"
    INFORMATION_RECEIVED = "information_received", "Information received"
    NOTE = "note", "Note"
    CORRECTION = "correction", "Correction"


MANUAL_KINDS = [
    EntryKind.PHONE_CALL,
    EntryKind.MEETING,
    EntryKind.STRATEGY_DISCUSSION,
    EntryKind.INITIAL_CONFERENCE,
    EntryKind.REVIEW_CONFERENCE,
    EntryKind.CORE_GROUP,
    EntryKind.CIN_MEETING,
    EntryKind.HOME_VISIT,
    EntryKind.INFORMATION_RECEIVED,
    EntryKind.NOTE,
]

# The events known by their date alone (a plan starting or ending, a risk-assessment review, a
# continuous absence starting or ending): they are written at 09:00 of their day (`on_day`), but
# that time is made up, so every timeline sorts them at the end of their day, after the timed
# records of that day, in the order they were recorded (docs/adr/0046). A correction of one is
# date-only too.
DATE_ONLY_KINDS = [
    EntryKind.STATUS_STARTED,
    EntryKind.STATUS_ENDED,
    EntryKind.RISK_REVIEW,
    EntryKind.ABSENCE_STARTED,
    EntryKind.ABSENCE_ENDED,
]


class ChainHead(TenantModel):
    """The end of a school's chain; locking this row serialises appends in the school."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school"], name="one_chain_per_school")]

    def __str__(self) -> str:
        return f"Chain of school {self.school_id} at {self.last_sequence}"


class ChronologyEntry(TenantModel):
    """One line of a pupil's chronology: date, information or details, printed name and role."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="chronology")
    sequence = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=30, choices=EntryKind.choices)
    occurred_at = models.DateTimeField("date and time it happened")
    details = models.TextField("information or details")
    people_involved = models.CharField("people involved", max_length=500, blank=True)
    significant = models.BooleanField(default=False)
    source_label = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    # The concern an entry came from, so a restricted concern's entries stay restricted too.
    concern_ref = models.UUIDField(null=True, blank=True, db_index=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField("printed name", max_length=150)
    author_role = models.CharField("role", max_length=150, blank=True)
    recorded_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["occurred_at", "sequence"]
        verbose_name_plural = "chronology entries"
        constraints = [
            models.UniqueConstraint(fields=["school", "sequence"], name="chain_sequence_unique")
        ]
        indexes = [
            models.Index(fields=["pupil", "occurred_at", "sequence"]),
            models.Index(fields=["pupil", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%d/%m/%Y}"

    @property
    def date_only(self) -> bool:
        """Known by its date alone: the page shows no time for it (see DATE_ONLY_KINDS)."""
        if self.kind in DATE_ONLY_KINDS:
            return True
        corrects = self.corrects if self.corrects_id else None
        return corrects is not None and corrects.kind in DATE_ONLY_KINDS
