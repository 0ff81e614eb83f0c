"""Missing-child episodes (003 Appendix C) with the protocol's steps, and continuous absences
(children missing education). Same app label and tables as the rest of concerns; the services,
selectors and pages are in `concerns/missing/`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class MissingStep(models.TextChoices):
    """The Missing Child Protocol's steps, in the order the protocol takes them."""

    SEARCHED = "searched", "Premises and surrounding area searched"
    CONTACTED = "contacted", "Pupil phoned, texted or messaged"
    PARENTS_TOLD = "parents_told", "Parents or carers told"
    POLICE_REPORTED = "police_reported", "Reported to the police"
    SOCIAL_WORKER_TOLD = "social_worker_told", "Social worker told"
    FOUND = "found", "Found"
    POLICE_TOLD_OF_RETURN = "police_told_of_return", "Police told of the return"
    RETURN_INTERVIEW = "return_interview", "Return interview (“missing chat”) offered"


MISSING_STEP_ORDER = list(MissingStep)


class PoliceLine(models.TextChoices):
    NON_EMERGENCY = "101", "101 (non-emergency)"
    EMERGENCY = "999", "999 (emergency)"


class MissingEpisode(TenantModel):
    """A pupil missing during the school day: who reported it, when last seen, and each step of
    the protocol with its time (the steps are `MissingEpisodeStep` rows)."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="missing_episodes"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reporter_name = models.CharField(max_length=150)
    reporter_job_title = models.CharField(max_length=150, blank=True)
    missing_since = models.DateTimeField("when the pupil was found to be missing")
    last_seen_at = models.DateTimeField("when the pupil was last seen")
    last_seen_details = models.TextField("where and by whom the pupil was last seen")
    circumstances = models.TextField("anything else known", blank=True)
    significant_harm_believed = models.BooleanField(
        "believed to be suffering significant harm now", default=False
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64, blank=True)  # set when closed

    class Meta:
        ordering = ["-missing_since"]
        indexes = [
            models.Index(fields=["school", "closed_at", "missing_since"]),
            models.Index(fields=["pupil", "missing_since"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_seen_at__lte=models.F("missing_since")),
                name="missing_last_seen_before_missing",
            ),
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_missing_episode_per_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"Missing episode of {self.pupil_id} from {self.missing_since:%d/%m/%Y %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class MissingEpisodeStep(TenantModel):
    """One step of the protocol, recorded as it happens (once; never changed afterwards)."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=30, choices=MissingStep.choices)
    done_at = models.DateTimeField("when", null=True, blank=True)
    # Not done, with why in the notes (parents not told, police not called); or no social worker.
    not_applicable = models.BooleanField(default=False)
    notes = models.TextField("what was done", blank=True)
    person = models.CharField("who was told, or who found the pupil", max_length=200, blank=True)
    place = models.CharField("where the pupil was found", max_length=200, blank=True)
    police_line = models.CharField(max_length=3, choices=PoliceLine.choices, blank=True)
    incident_number = models.CharField("police incident number", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorder_name = models.CharField(max_length=150)

    class Meta:
        ordering = ["done_at", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "step"], name="one_record_per_missing_step"),
            models.CheckConstraint(
                condition=models.Q(not_applicable=True) | models.Q(done_at__isnull=False),
                name="missing_step_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.episode_id})"


class ContinuousAbsence(TenantModel):
    """A continuous absence without the school's permission (children missing education): the
    local authority must be told by the 10th school day (003 "Children missing from education")."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="continuous_absences"
    )
    first_day = models.DateField("first day absent")
    contact_attempts = models.TextField("attempts to contact the family")
    reason_known = models.TextField("what is known of the reason", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorder_name = models.CharField(max_length=150)
    la_told_at = models.DateTimeField("when the local authority was told", null=True, blank=True)
    la_told_whom = models.CharField("who at the local authority", max_length=200, blank=True)
    la_reference = models.CharField("their reference", max_length=100, blank=True)
    la_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField("the day the absence ended", null=True, blank=True)
    end_reason = models.TextField("how it ended", blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of what is recorded so far (the start; then the local authority told; then the
    # end): each chronology entry of the absence carries the hash of the record as it then stood.
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-first_day"]
        verbose_name_plural = "continuous absences"
        indexes = [models.Index(fields=["school", "ended_on", "first_day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_absence_per_pupil",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("first_day")),
                name="absence_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Absence of {self.pupil_id} from {self.first_day:%d/%m/%Y}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
