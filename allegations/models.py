"""Allegations against adults who work with children, and low-level concerns about them.

`003` section 11: concerns about a member of staff go to the headteacher; about the headteacher,
to the chair of governors. The headteacher (or the chair) tells the LADO within one working day and
does not investigate before speaking to the LADO. These records are restricted: only the
headteacher of the school, the trust safeguarding officer and the people named on a record see
them (`selectors.py` is the one place that decides), never a DSL's pupil views and never a pupil's
chronology.

What a record first said is never changed (database guards); every later step (LADO contact,
advice, police, outcome, people named) is a separate, append-only `AllegationStep`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from safeguard.models import TenantModel


class SubjectType(models.TextChoices):
    STAFF = "staff", "Member of staff"
    VOLUNTEER = "volunteer", "Volunteer"
    SUPPLY = "supply", "Supply or agency staff"
    CONTRACTOR = "contractor", "Contractor"
    HEADTEACHER = "headteacher", "The headteacher"


class Outcome(models.TextChoices):
    """The five outcomes of an allegation (KCSIE Part 4)."""

    SUBSTANTIATED = "substantiated", "Substantiated"
    UNSUBSTANTIATED = "unsubstantiated", "Unsubstantiated"
    UNFOUNDED = "unfounded", "Unfounded"
    FALSE = "false", "False"
    MALICIOUS = "malicious", "Malicious"


class Source(models.TextChoices):
    RECORDED = "recorded", "Recorded by the handler"
    STAFF_REPORT = "staff_report", "Reported by a member of staff"
    LOW_LEVEL = "low_level", "Escalated from a low-level concern"


class Allegation(TenantModel):
    """An allegation that an adult working with children may have harmed a child, committed an
    offence against or related to a child, or behaved in a way that suggests a risk to children."""

    # About whom.
    subject_name = models.CharField("name", max_length=150)
    subject_role = models.CharField("role or job", max_length=150, blank=True)
    subject_type = models.CharField("they are", max_length=20, choices=SubjectType.choices)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Their account here, if they have one: they never see this record.",
    )
    # Reported by, when, what.
    reported_by_name = models.CharField("reported by", max_length=150)
    reported_by_role = models.CharField("their role", max_length=150, blank=True)
    reported_at = models.DateTimeField("date and time it was reported")
    account = models.TextField("what was alleged")
    pupils_involved = models.CharField("pupils involved", max_length=500, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.RECORDED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The LADO, due within one working day of the report (003 section 11). These four hold the
    # first contact and are written once (database guard), so whether the LADO was told in time
    # can always be read; a further contact is an `AllegationStep` only.
    lado_due_at = models.DateTimeField("LADO to be told by")
    lado_contacted_at = models.DateTimeField("LADO contacted", null=True, blank=True)
    lado_officer = models.CharField("LADO officer", max_length=150, blank=True)
    lado_reference = models.CharField("LADO reference", max_length=60, blank=True)
    lado_advice = models.TextField("LADO advice", blank=True)
    # Police.
    police_involved = models.BooleanField("police involved", null=True, blank=True)
    police_reference = models.CharField("police reference", max_length=60, blank=True)
    # Outcome.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_date = models.DateField("date of the outcome", null=True, blank=True)
    outcome_notes = models.TextField("notes on the outcome", blank=True)
    # Set from the outcome, never chosen (KCSIE Part 4; database constraint below).
    refer_in_references = models.BooleanField(
        "to be referred to in references", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["school", "closed_at", "lado_due_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(outcome=""),
                name="closed_allegation_has_outcome",
            ),
            # KCSIE Part 4: only a substantiated allegation is referred to in references.
            models.CheckConstraint(
                condition=models.Q(outcome="", refer_in_references__isnull=True)
                | models.Q(outcome=Outcome.SUBSTANTIATED, refer_in_references=True)
                | models.Q(
                    outcome__in=[o for o in Outcome.values if o != Outcome.SUBSTANTIATED],
                    refer_in_references=False,
                ),
                name="allegation_references_follow_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(lado_contacted_at__isnull=True)
                | models.Q(lado_contacted_at__gte=models.F("reported_at")),
                name="allegation_lado_not_before_report",
            ),
        ]

    def __str__(self) -> str:
        return f"Allegation reported {self.reported_at:%d/%m/%Y}"

    @property
    def about_headteacher(self) -> bool:
        return self.subject_type == SubjectType.HEADTEACHER

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def lado_in_time(self) -> bool | None:
        """Whether the first LADO contact was within one working day (None: not yet told)."""
        if self.lado_contacted_at is None:
            return None
        return self.lado_contacted_at <= self.lado_due_at

    def lado_overdue(self, now: datetime.datetime | None = None) -> bool:
        """Open, the LADO not yet contacted, and the one-working-day deadline passed."""
        moment = now or timezone.now()
        return self.is_open and self.lado_contacted_at is None and moment > self.lado_due_at


class AllegationPupil(TenantModel):
    """A pupil of the school involved in an allegation: a link from the allegation only.

    The pupil has no way back to it (`related_name="+"`), so no pupil page can show it.
    """

    allegation = models.ForeignKey(Allegation, on_delete=models.PROTECT, related_name="pupils")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["allegation", "pupil"], name="allegation_pupil_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.allegation_id}"


class NamedPerson(TenantModel):
    """Someone the handler has named on an allegation (a deputy head, the chair of governors):
    they see it and act on it as the handler does."""

    allegation = models.ForeignKey(
        Allegation, on_delete=models.CASCADE, related_name="named_people"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    capacity = models.CharField("why they are named", max_length=150, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["allegation", "user"], name="allegation_named_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} named on {self.allegation_id}"


class StepKind(models.TextChoices):
    RECORDED = "recorded", "Allegation reported"
    REPORTED = "reported", "Reported by a member of staff"
    LADO_CONTACTED = "lado_contacted", "LADO contacted"
    POLICE = "police", "Police involvement"
    NOTE = "note", "Step taken"
    PERSON_NAMED = "person_named", "Person named"
    PERSON_REMOVED = "person_removed", "Person no longer named"
    OUTCOME = "outcome", "Outcome recorded"


class AllegationStep(TenantModel):
    """One step in an allegation's history: who, when, what. Never changed or removed."""

    allegation = models.ForeignKey(Allegation, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    occurred_at = models.DateTimeField("when it happened")
    details = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["occurred_at", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%d/%m/%Y}"


class LowLevelConcern(TenantModel):
    """A low-level concern about an adult: behaviour that does not meet the harm threshold but is
    inconsistent with the staff code of conduct. Kept apart from allegations; a pattern for one
    adult, or a worse picture, is escalated into an allegation."""

    subject_name = models.CharField("name", max_length=150)
    subject_role = models.CharField("role or job", max_length=150, blank=True)
    subject_type = models.CharField("they are", max_length=20, choices=SubjectType.choices)
    # Lower-case name without accents, so the count per adult groups "Mr J Smith" spellings alike.
    subject_key = models.CharField(max_length=150, editable=False, db_index=True)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    observed = models.TextField("what was observed")
    observed_at = models.DateTimeField("when it happened")
    reported_by_name = models.CharField("reported by", max_length=150)
    reported_by_role = models.CharField("their role", max_length=150, blank=True)
    reported_at = models.DateTimeField("date and time it was reported")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.RECORDED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    response = models.TextField("the response", blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_to = models.ForeignKey(
        Allegation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_low_level_concerns",
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["school", "subject_key"])]

    def __str__(self) -> str:
        return f"Low-level concern reported {self.reported_at:%d/%m/%Y}"

    @property
    def about_headteacher(self) -> bool:
        return self.subject_type == SubjectType.HEADTEACHER
