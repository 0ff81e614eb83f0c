"""Referrals to agencies, followed to an outcome (docs/architecture.md section 5 "Referral").

A referral's facts (agency, type, urgency, method, when, who was spoken to, parents) are signed
when it is made and never change. What happens next is a list of append-only updates: the written
follow-up to a phone referral, the agency's acknowledgement, the outcome, escalations. Each one is
signed, and each one is a line in the pupil's chronology.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from safeguard.models import TenantModel


class ReferralType(models.TextChoices):
    SOCIAL_CARE = "social_care", "Request for support to children's social care"
    EARLY_HELP = "early_help", "Early Help"
    POLICE = "police", "Police"
    CAMHS = "camhs", "Children's mental health services (CAMHS)"
    CHANNEL = "channel", "Channel / Prevent"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate: the child may be at risk of significant harm now"
    URGENT = "urgent", "Urgent: the agency needs to act today"
    ROUTINE = "routine", "Not urgent: a request for support or advice"


class Method(models.TextChoices):
    PHONE = "phone", "Phone"
    PORTAL = "portal", "Online portal or web form"
    EMAIL = "email", "Email"


class ParentsInformed(models.TextChoices):
    INFORMED = "informed", "Yes: parents or carers were told about the referral"
    CONSENT_GIVEN = "consent_given", "Consent sought and given"
    CONSENT_REFUSED = "consent_refused", "Consent sought and refused"
    NOT_INFORMED = "not_informed", "No: parents or carers were not told"


class Outcome(models.TextChoices):
    NFA = "nfa", "No further action"
    ADVICE = "advice", "Advice and signposting"
    EARLY_HELP = "early_help", "Early help"
    CIN_ASSESSMENT = "cin_assessment", "Child in Need assessment"
    SECTION_47 = "section_47", "Strategy discussion / section 47 enquiry"
    ICPC = "icpc", "Initial child protection conference"
    POLICE_INVESTIGATION = "police_investigation", "Police investigation"
    OTHER = "other", "Other"


class ReferralStatus(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


# The referral list's order: escalated, then open, then closed; within each, the response due
# soonest first, then the newest made, then the id (so every referral has one place). The query
# (referrals/selectors.py `referral_list_for`) and its index (below) share it, so PostgreSQL reads
# a page from the index, starting at the page's position (safeguard/keyset.py), instead of
# sorting the school's every referral.
REFERRAL_LIST_ORDER = (
    models.Case(
        models.When(status=ReferralStatus.ESCALATED, then=models.Value(0)),
        models.When(status=ReferralStatus.OPEN, then=models.Value(1)),
        default=models.Value(2),
    ).asc(),
    models.F("response_due_at").asc(),
    models.F("made_at").desc(),
    models.F("id").desc(),
)


class Referral(TenantModel):
    """A referral of one pupil to an agency. Its facts are signed when it is made."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="referrals")
    concern = models.ForeignKey(
        "concerns.Concern",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    agency = models.ForeignKey("contacts.Agency", on_delete=models.PROTECT, related_name="+")
    agency_name = models.CharField("agency", max_length=200)  # as it was called when made
    referral_type = models.CharField(
        "type of referral", max_length=20, choices=ReferralType.choices
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    method = models.CharField("how it was made", max_length=10, choices=Method.choices)
    made_at = models.DateTimeField("date and time the referral was made")
    spoken_to = models.CharField("who you spoke to or sent it to", max_length=200, blank=True)
    reason = models.TextField("what you referred and why")
    parents_informed = models.CharField(
        "parents or carers informed, or consent sought", max_length=20, choices=ParentsInformed
    )
    parents_reason = models.TextField("reasons")
    agency_reference = models.CharField("the agency's reference", max_length=100, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_by_name = models.CharField(max_length=150)
    content_hash = models.CharField(max_length=64)
    # Where it stands: kept up to date by the services from the updates below.
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    follow_up_due_at = models.DateTimeField("written follow-up due", null=True, blank=True)
    follow_up_at = models.DateTimeField("written follow-up sent", null=True, blank=True)
    response_due_at = models.DateTimeField("response expected by")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-made_at"]
        indexes = [
            models.Index(fields=["school", "status", "response_due_at"]),
            models.Index(fields=["pupil", "-made_at"]),
            # The referrals still waiting (open or escalated) or owing a written follow-up:
            # a few in each school's thousands, which the dashboards count (ADR 0036).
            models.Index(
                fields=["school"],
                condition=models.Q(status__in=[ReferralStatus.OPEN, ReferralStatus.ESCALATED])
                | models.Q(follow_up_due_at__isnull=False, follow_up_at__isnull=True),
                name="referral_waiting_or_owed",
            ),
            # The school's list, in its order (issue 18): a page is read from the index, with each
            # row's pupil and concern by their keys, 0.5 ms, where the school's 1,800 referrals
            # were joined to every pupil of the trust and sorted, 31 ms (EXPLAIN ANALYZE,
            # benchmark trust).
            models.Index(models.F("school_id"), *REFERRAL_LIST_ORDER, name="referral_list_order"),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.agency_name} on {self.made_at:%d/%m/%Y}"

    def is_overdue(self, now: datetime.datetime | None = None) -> bool:
        """No outcome by the time a response was expected (one working day)."""
        return self.status == ReferralStatus.OPEN and (now or timezone.now()) > self.response_due_at

    def current_reference(self, updates: list[ReferralUpdate]) -> str:
        """The agency's latest reference: from the newest update that gave one, else the first."""
        given = [u.agency_reference for u in updates if u.agency_reference]
        return given[-1] if given else self.agency_reference

    @property
    def follow_up_outstanding(self) -> bool:
        return self.follow_up_due_at is not None and self.follow_up_at is None

    def follow_up_overdue(self, now: datetime.datetime | None = None) -> bool:
        due = self.follow_up_due_at
        return self.follow_up_at is None and due is not None and (now or timezone.now()) > due


class UpdateKind(models.TextChoices):
    FOLLOW_UP = "follow_up", "Written follow-up sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the agency"
    OUTCOME = "outcome", "Outcome received"
    ESCALATED = "escalated", "Escalated (professional challenge)"
    NOTE = "note", "Other information"


class EscalationReason(models.TextChoices):
    DISAGREE = "disagree", "We disagree with the decision"
    NO_RESPONSE = "no_response", "No response within the expected time"
    NO_PROGRESS = "no_progress", "The child's situation is not improving"


class ReferralUpdate(TenantModel):
    """One step in a referral's history: append-only and signed."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="updates")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices)
    occurred_at = models.DateTimeField("date and time")
    source = models.CharField("who from, or who to", max_length=200, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    escalation_reason = models.CharField(
        "why you are escalating", max_length=20, choices=EscalationReason.choices, blank=True
    )
    agency_reference = models.CharField("the agency's reference", max_length=100, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["occurred_at", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%d/%m/%Y %H:%M}"
