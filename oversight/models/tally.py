"""The dashboards' daily tallies of signed concerns (docs/adr/0020)."""

from __future__ import annotations

from django.db import models

from safeguard.models import TenantModel


class TallyDimension(models.TextChoices):
    ALL = "all", "All concerns"
    CATEGORY = "category", "Top-level category"
    YEAR_GROUP = "year_group", "Year group"


class ConcernTally(TenantModel):
    """How many signed concerns a school had on one day (London time): in all, per top-level
    category (key: its id) and per year group as signed (key: "Year 7").

    Written by `oversight.dashboards.tally.tally_refresh` for days that are over. A concern's day
    is its time of writing, set by the server when it is signed, and its pupils' categories and
    year groups are signed with it, so a past day's counts never change (docs/adr/0020). The
    dashboards read these rows up to the school's mark and the concerns themselves after it.
    """

    day = models.DateField()
    dimension = models.CharField(max_length=10, choices=TallyDimension.choices)
    key = models.CharField(max_length=40, blank=True)
    concerns = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "day", "dimension", "key"], name="concern_tally_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.day:%Y-%m-%d} {self.dimension} {self.key}: {self.concerns}"


class ConcernTallyMark(TenantModel):
    """The last day up to which a school's tallies are complete."""

    through = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school"], name="concern_tally_mark_one_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} tallied through {self.through:%Y-%m-%d}"
