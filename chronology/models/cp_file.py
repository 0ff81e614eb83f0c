"""Child-protection files, statuses and plans, and risk assessments (the CP-file layer, above
concerns: a risk assessment may come from a concern)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from safeguard.models import TenantModel


class CpFile(TenantModel):
    """A pupil's child-protection file: opened and closed by the DSL, each with a reason."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="cp_files")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    open_reason = models.TextField("why the file is opened")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.TextField("why the file is closed", blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_cp_file_per_pupil",
            )
        ]

    def __str__(self) -> str:
        return f"CP file of {self.pupil_id} opened {self.opened_at:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class StatusKind(models.TextChoices):
    CHILD_IN_NEED = "child_in_need", "Child in Need"
    CP_PLAN = "cp_plan", "Child Protection plan"
    LOOKED_AFTER = "looked_after", "Looked after"
    PREVIOUSLY_LOOKED_AFTER = "previously_looked_after", "Previously looked after"
    EARLY_HELP = "early_help", "Early Help"
    EHCP = "ehcp", "EHCP"
    SEN_SUPPORT = "sen_support", "SEN support"
    YOUNG_CARER = "young_carer", "Young carer"
    PRIVATELY_FOSTERED = "privately_fostered", "Privately fostered"
    CHANNEL = "channel", "Channel"


class PupilStatus(TenantModel):
    """A status or plan a pupil has (or had), with its dates and lead professional."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="statuses")
    kind = models.CharField(max_length=30, choices=StatusKind.choices)
    start_date = models.DateField("start date")
    end_date = models.DateField("end date", null=True, blank=True)
    review_date = models.DateField("review date", null=True, blank=True)
    lead_professional = models.CharField(
        "allocated social worker or lead professional", max_length=200, blank=True
    )
    lead_professional_contact = models.CharField(
        "their contact details", max_length=200, blank=True
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["end_date", "-start_date"]
        verbose_name_plural = "pupil statuses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="status_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date:%d/%m/%Y}"

    def is_current(self, on: Any = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class RiskAssessment(TenantModel):
    """A risk assessment (003 Appendix D): linked to a concern and to every pupil it covers,
    the risks and the measures agreed, who contributed, and its reviews."""

    concern = models.ForeignKey(
        "concerns.Concern",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_assessments",
    )
    title = models.CharField(max_length=200)
    risks = models.TextField("risks identified")
    measures = models.TextField("measures agreed")
    other_pupils_considered = models.TextField(
        "other pupils considered and how they are protected", blank=True
    )
    pupil_contributed = models.BooleanField("the pupil contributed", default=False)
    parents_contributed = models.BooleanField("parents or carers contributed", default=False)
    other_contributors = models.CharField("other contributors", max_length=300, blank=True)
    review_date = models.DateField("next review date")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class RiskAssessmentPupil(TenantModel):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="covered")
    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="risk_assessments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "pupil"], name="assessment_pupil_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.assessment_id}"


class RiskReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue as it is"
    AMEND = "amend", "Amend the measures"
    CLOSE = "close", "Close: no longer needed"


class RiskAssessmentReview(TenantModel):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField("date of review")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField("what the review found")
    outcome = models.CharField(max_length=10, choices=RiskReviewOutcome.choices)
    next_review_date = models.DateField("next review date", null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-created_at"]

    def __str__(self) -> str:
        return f"Review of {self.assessment_id} on {self.reviewed_on:%d/%m/%Y}"
