"""Re-assessment prompts (issue 20; docs/adr/0044). Seed 004 names "failing to re-assess concerns
when situations do not improve" and "a lack of challenge": when a pupil gathers new concerns after
a decision of no further action, many concerns in a short time, or new concerns after a referral's
outcome, the DSL is prompted to review the whole picture and records a review decision with its
reasons, signed into the pupil's chronology. The trust sets the thresholds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class ReassessmentTrigger(models.TextChoices):
    AFTER_NO_FURTHER_ACTION = "after_nfa", "New concerns after a decision of no further action"
    MANY_CONCERNS = "many", "Many concerns in a short time"
    AFTER_REFERRAL_OUTCOME = "after_referral", "New concerns after a referral's outcome"


class ReviewOutcome(models.TextChoices):
    MONITOR = "monitor", "Continue to monitor in school"
    SUPPORT = "support", "Support in school for the pupil"
    EARLY_HELP = "early_help", "Early help assessment or referral"
    SOCIAL_CARE = "social_care", "Refer to children's social care"
    ESCALATE = "escalate", "Escalate or challenge the outcome (professional challenge)"
    OPEN_CP_FILE = "open_cp_file", "Open a child-protection file"


# The thresholds a trust starts with (and the limits the settings page accepts).
DEFAULT_THRESHOLDS = {
    "after_nfa_concerns": 1,
    "after_nfa_days": 90,
    "many_concerns": 3,
    "many_days": 30,
    "after_referral_days": 180,
}


class ReassessmentThresholds(models.Model):
    """The trust's thresholds, set by the trust safeguarding officer. Trust-level: numbers, never
    a child, so it is on the global allow-list. A trust without a row uses the defaults."""

    trust = models.OneToOneField(
        "schools.Trust", on_delete=models.PROTECT, related_name="reassessment_thresholds"
    )
    after_nfa_concerns = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLDS["after_nfa_concerns"]
    )
    after_nfa_days = models.PositiveSmallIntegerField(default=DEFAULT_THRESHOLDS["after_nfa_days"])
    many_concerns = models.PositiveSmallIntegerField(default=DEFAULT_THRESHOLDS["many_concerns"])
    many_days = models.PositiveSmallIntegerField(default=DEFAULT_THRESHOLDS["many_days"])
    after_referral_days = models.PositiveSmallIntegerField(
        default=DEFAULT_THRESHOLDS["after_referral_days"]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reassessment thresholds"

    def __str__(self) -> str:
        return f"Re-assessment thresholds of trust {self.trust_id}"


class ReassessmentThresholdsChange(models.Model):
    """One change to a trust's thresholds: who, when, from and to. Append-only (a database
    trigger refuses UPDATE and DELETE); trust-level, names no child."""

    trust = models.ForeignKey("schools.Trust", on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_name = models.CharField(max_length=200)
    changed_at = models.DateTimeField()
    detail = models.TextField()  # e.g. "Days after no further action: 90 to 60"

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return self.detail


class ReassessmentReview(TenantModel):
    """The DSL's review of the whole picture and its decision with reasons. Signed (who, when,
    SHA-256 of its content) and cited by a chronology entry; never changed afterwards."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    reasons = models.TextField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=150)
    signer_role = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["pupil", "signed_at"], name="reassess_review_pupil")]

    def __str__(self) -> str:
        return f"Re-assessment review of pupil {self.pupil_id}"


# The open prompts of a school, oldest first: waiting longest at the top.
PROMPT_ORDER = (models.F("raised_at").asc(), models.F("id").asc())


class ReassessmentPrompt(TenantModel):
    """A pupil whose situation should be reviewed as a whole. Open until a review closes it; a
    trigger while it is open adds its reason to it (one open prompt per pupil). It holds no words
    of any concern: what fired it, the counts and dates, and which concerns (for who may see it)."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="reassessment_prompts"
    )
    raised_at = models.DateTimeField()
    # [{"kind": ..., "count": n, "days": d, "since": iso date or null, "at": iso datetime}]
    reasons = models.JSONField(default=list)
    concerns = models.ManyToManyField(
        "concerns.Concern", through="ReassessmentPromptConcern", related_name="+"
    )
    review = models.OneToOneField(
        ReassessmentReview,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prompt",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(review__isnull=True),
                name="reassess_one_open_prompt_per_pupil",
            )
        ]
        indexes = [
            models.Index(
                models.F("school_id"),
                *PROMPT_ORDER,
                name="reassess_open_prompts",
                condition=models.Q(review__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Re-assessment prompt for pupil {self.pupil_id}"

    def reason_lines(self) -> list[str]:
        """What fired it, in words with no child's details: counts and dates."""
        return [reason_line(r) for r in self.reasons]


def reason_line(reason: dict) -> str:
    import datetime

    since = reason.get("since")
    on = datetime.date.fromisoformat(since).strftime("%-d %B %Y") if since else ""
    count = reason.get("count", 0)
    concerns = "1 new concern" if count == 1 else f"{count} new concerns"
    kind = reason.get("kind")
    if kind == ReassessmentTrigger.AFTER_NO_FURTHER_ACTION:
        return f"{concerns} since a decision of no further action on {on}"
    if kind == ReassessmentTrigger.AFTER_REFERRAL_OUTCOME:
        return f"{concerns} since a referral's outcome was recorded on {on}"
    total = "1 concern" if count == 1 else f"{count} concerns"
    return f"{total} in {reason.get('days')} days, across all categories"


class ReassessmentPromptConcern(TenantModel):
    """A concern that fired (or was counted in) a prompt: a reader who may not see one of them
    (a restricted concern they are not named on) does not see the prompt."""

    prompt = models.ForeignKey(ReassessmentPrompt, on_delete=models.CASCADE, related_name="+")
    concern = models.ForeignKey("concerns.Concern", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "concern"], name="reassess_prompt_concern")
        ]
