"""Oversight: quality assurance of schools' records (issue 8).

A trust safeguarding officer (TSO) samples a school's concerns for a term (a random sample drawn
with a stored seed, or a concern chosen by its reference) and records a QA review of each against
five criteria, an overall rating and written feedback. A submitted review is signed (who, when,
SHA-256 of its content) and never changes; the school's DSL and deputies read it and respond, and
each response is signed and never changes. Database triggers (oversight/guards.py) hold the rules
for any code path. The choices are explained in docs/adr/0018.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class CriterionResult(models.TextChoices):
    MET = "met", "Met"
    PARTLY_MET = "partly", "Partly met"
    NOT_MET = "not_met", "Not met"


class Rating(models.TextChoices):
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class QaReviewStatus(models.TextChoices):
    DRAFT = "draft", "To review"
    SUBMITTED = "submitted", "Submitted"


# The five criteria of issue 8, in order: (field name, label, question asked of the record).
CRITERIA: list[tuple[str, str, str]] = [
    (
        "clarity",
        "Clarity of the account",
        "Is the account factual and clear: who, what, where, when, witnesses, fact kept apart "
        "from opinion?",
    ),
    (
        "child_voice",
        "Child's voice recorded",
        "Are the child's own words, wishes and feelings recorded?",
    ),
    (
        "decision",
        "Decision and reasons recorded",
        "Did the DSL record the decision, the action taken and the reasons for it?",
    ),
    (
        "timeliness",
        "Timeliness",
        "Was the concern recorded promptly, and opened and acted on by a DSL in good time?",
    ),
    (
        "outcome",
        "Outcome recorded",
        "Is the outcome recorded, with who gave it?",
    ),
]


class QaSample(TenantModel):
    """A random sample of one school's concerns in one term, reproducible from its seed.

    The population is the school's signed concerns written in the term, ordered by reference;
    `random.Random(seed).sample(population, min(size, len(population)))` picks the same concerns
    every time (oversight/sampling.py). One random sample per school and term.
    """

    term = models.CharField(max_length=16)  # e.g. "2026-autumn" (oversight/terms.py)
    size = models.PositiveSmallIntegerField("sample size")
    seed = models.BigIntegerField()
    population = models.PositiveIntegerField()  # concerns in the term when the sample was drawn
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField()

    class Meta:
        ordering = ["-drawn_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="qa_sample_one_per_term"),
        ]

    def __str__(self) -> str:
        return f"QA sample of {self.size} ({self.term})"


class QaReview(TenantModel):
    """A quality-assurance review of one concern; signed and fixed once submitted."""

    concern = models.OneToOneField(
        "concerns.Concern", on_delete=models.PROTECT, related_name="qa_review"
    )
    sample = models.ForeignKey(
        QaSample, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )  # null: chosen by reference
    term = models.CharField(max_length=16)  # the term the concern was written in
    status = models.CharField(
        max_length=10, choices=QaReviewStatus.choices, default=QaReviewStatus.DRAFT
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    clarity = models.CharField(max_length=8, choices=CriterionResult.choices, blank=True)
    child_voice = models.CharField(max_length=8, choices=CriterionResult.choices, blank=True)
    decision = models.CharField(max_length=8, choices=CriterionResult.choices, blank=True)
    timeliness = models.CharField(max_length=8, choices=CriterionResult.choices, blank=True)
    outcome = models.CharField(max_length=8, choices=CriterionResult.choices, blank=True)
    rating = models.CharField("overall rating", max_length=24, choices=Rating.choices, blank=True)
    feedback = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewer_name = models.CharField(max_length=150, blank=True)
    reviewer_job_title = models.CharField(max_length=150, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["school", "term", "status"], name="qa_review_school_term"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    # Not the feedback: the service requires it, and retention's destruction
                    # blanks it with the concern's words (docs/adr/0016; the guards allow
                    # nothing else to change a submitted review).
                    ~models.Q(rating="")
                    & models.Q(submitted_at__isnull=False)
                    & models.Q(reviewer__isnull=False)
                    & ~models.Q(content_hash="")
                ),
                name="qa_review_submitted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"QA review of {self.concern_id}"

    @property
    def is_submitted(self) -> bool:
        return self.status == QaReviewStatus.SUBMITTED

    def criteria(self) -> list[tuple[str, str, str]]:
        """(label, question, result label) for each criterion, in order."""
        labels = dict(CriterionResult.choices)
        return [
            (label, question, str(labels.get(getattr(self, name), "")))
            for name, label, question in CRITERIA
        ]


class QaResponse(TenantModel):
    """The school's signed response to a submitted QA review; never edited."""

    review = models.ForeignKey(QaReview, on_delete=models.PROTECT, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=150)
    author_job_title = models.CharField(max_length=150, blank=True)
    text = models.TextField("response")
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"Response to {self.review_id} by {self.author_name}"
