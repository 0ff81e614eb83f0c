"""Agencies a DSL calls (children's social care front doors, LADO, police, NSPCC, Early Help) with
their office hours and out-of-hours alternatives; school key roles; a pupil's family contacts."""

from __future__ import annotations

from django.db import models


class AgencyKind(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care front door"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours duty team"
    LADO = "lado", "Local Authority Designated Officer (LADO)"
    POLICE_EMERGENCY = "police_emergency", "Police and ambulance: emergency"
    POLICE = "police", "Police: non-emergency"
    EARLY_HELP = "early_help", "Early Help"
    NSPCC = "nspcc", "NSPCC helpline"
    WHISTLEBLOWING = "whistleblowing", "NSPCC whistleblowing line"
    MISSING = "missing", "Missing children"
    EDUCATION = "education", "Safeguarding in education"
    CAMHS = "camhs", "Children's mental health services (CAMHS)"
    PREVENT = "prevent", "Channel and Prevent"
    OTHER = "other", "Other"


class Agency(models.Model):
    """An agency's contact details, kept by the trust for its schools' local authorities.

    Global (no school): it holds no child's data, and every school of the trust whose local
    authority matches (or every school, when `local_authority` is blank) uses it.
    """

    trust = models.ForeignKey("schools.Trust", on_delete=models.PROTECT, related_name="agencies")
    local_authority = models.CharField(
        "local authority",
        max_length=100,
        blank=True,
        help_text="Leave blank for a national service (police, NSPCC).",
    )
    kind = models.CharField("type of service", max_length=30, choices=AgencyKind.choices)
    name = models.CharField(max_length=200)
    phone = models.CharField("telephone", max_length=40, blank=True)
    email = models.EmailField(blank=True)
    web_address = models.URLField("web form or portal address", blank=True)
    # Opening hours by weekday (0 Monday .. 6 Sunday): {"0": ["08:30", "17:00"], ...}.
    hours = models.JSONField("office hours", default=dict, blank=True)
    open_all_hours = models.BooleanField("answers 24 hours a day", default=False)
    out_of_hours = models.ForeignKey(
        "self",
        verbose_name="out-of-hours alternative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    guidance = models.TextField("when to use it", blank=True)
    source = models.CharField("where these details come from", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["local_authority", "position", "name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "local_authority", "name"], name="agency_name_unique_in_la"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.local_authority})" if self.local_authority else self.name
