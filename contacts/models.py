"""Agencies a DSL calls (children's social care front doors, LADO, police, NSPCC, Early Help) with
their office hours and out-of-hours alternatives; school key roles; a pupil's family contacts."""

from __future__ import annotations

from django.db import models

from safeguard.models import TenantModel

from .validators import validate_phone

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


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
    phone = models.CharField("telephone", max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField(blank=True)
    web_address = models.URLField("web form or portal address", blank=True)
    # Opening hours by weekday (0 Monday .. 6 Sunday), local London time: {"0": ["08:30", "17:00"]}.
    # A weekday that is absent is closed; an empty dict means the hours are not recorded.
    hours = models.JSONField("office hours", default=dict, blank=True)
    open_all_hours = models.BooleanField("answers 24 hours a day", default=False)
    closed_on_bank_holidays = models.BooleanField(
        "closed on bank holidays",
        default=True,
        help_text="England and Wales bank holidays. Ignored when it answers 24 hours a day.",
    )
    out_of_hours = models.ForeignKey(
        "self",
        verbose_name="out-of-hours alternative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    guidance = models.TextField("when to use it", blank=True)
    source = models.TextField("where these details come from", blank=True)
    to_confirm = models.BooleanField(
        "the trust must confirm these details",
        default=False,
        help_text="Set when a detail did not come from the trust's own documents.",
    )
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

    @property
    def hours_recorded(self) -> bool:
        return self.open_all_hours or bool(self.hours)

    def hours_by_day(self) -> list[tuple[str, str]]:
        """Each weekday with its hours in words, Monday first."""
        rows = []
        for n, day in enumerate(WEEKDAYS):
            span = self.hours.get(str(n))
            rows.append((day, f"{span[0]} to {span[1]}" if span else "Closed"))
        return rows

    @property
    def hours_summary(self) -> str:
        """The office hours in one line, like "Monday to Thursday 08:30 to 17:00; Friday ..."."""
        if self.open_all_hours:
            return "24 hours a day, every day"
        if not self.hours:
            return ""
        groups: list[tuple[int, int, str]] = []
        for n in range(7):
            span = self.hours.get(str(n))
            if not span:
                continue
            text = f"{span[0]} to {span[1]}"
            if groups and groups[-1][1] == n - 1 and groups[-1][2] == text:
                groups[-1] = (groups[-1][0], n, text)
            else:
                groups.append((n, n, text))
        parts = []
        for first, last, text in groups:
            days = WEEKDAYS[first] if first == last else f"{WEEKDAYS[first]} to {WEEKDAYS[last]}"
            parts.append(f"{days} {text}")
        summary = "; ".join(parts)
        if self.closed_on_bank_holidays:
            summary += " (closed on bank holidays)"
        return summary


class KeyContactRole(models.TextChoices):
    CHAIR_OF_GOVERNORS = "chair_of_governors", "Chair of governors"
    SAFEGUARDING_GOVERNOR = "safeguarding_governor", "Safeguarding governor"
    SAFEGUARDING_TRUSTEE = "safeguarding_trustee", "Trustee for safeguarding"
    DEPUTY_HEADTEACHER = "deputy_headteacher", "Deputy headteacher"
    OTHER = "other", "Other"


class SchoolKeyContact(TenantModel):
    """A person with a safeguarding role at the school who has no account here (the chair of
    governors, say), or a role holder's direct line, as staff need them on their first day."""

    role = models.CharField(max_length=30, choices=KeyContactRole.choices)
    role_other = models.CharField("role, if other", max_length=100, blank=True)
    name = models.CharField("full name", max_length=150)
    phone = models.CharField("telephone", max_length=40, blank=True, validators=[validate_phone])
    email = models.EmailField("email address", blank=True)
    notes = models.CharField("notes", max_length=300, blank=True)

    class Meta:
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role_label})"

    @property
    def role_label(self) -> str:
        if self.role == KeyContactRole.OTHER and self.role_other:
            return self.role_other
        return self.get_role_display()


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
    ADULT_SIBLING = "adult_sibling", "Adult brother or sister"
    FOSTER_CARER = "foster_carer", "Foster carer"
    KINSHIP_CARER = "kinship_carer", "Kinship or special guardian"
    RESIDENTIAL_CARER = "residential_carer", "Residential care worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    FAMILY_FRIEND = "family_friend", "Family friend or neighbour"
    OTHER = "other", "Other"


class FamilyContact(TenantModel):
    """A parent, carer or emergency contact of one pupil (`003` section 4: at least two
    emergency contact numbers)."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.CASCADE, related_name="family_contacts"
    )
    name = models.CharField("full name", max_length=150)
    relationship = models.CharField(
        "relationship to the pupil", max_length=30, choices=Relationship.choices
    )
    relationship_other = models.CharField("relationship, if other", max_length=100, blank=True)
    parental_responsibility = models.BooleanField("has parental responsibility", default=False)
    lives_with_pupil = models.BooleanField("lives with the pupil", default=False)
    emergency_priority = models.PositiveSmallIntegerField(
        "emergency contact order",
        null=True,
        blank=True,
        help_text="1 is called first. Leave blank if this person is not an emergency contact.",
    )
    phone = models.CharField(
        "main telephone", max_length=40, blank=True, validators=[validate_phone]
    )
    phone_other = models.CharField(
        "other telephone", max_length=40, blank=True, validators=[validate_phone]
    )
    email = models.EmailField("email address", blank=True)
    address = models.TextField("address", blank=True)
    restrictions = models.CharField(
        "restrictions",
        max_length=300,
        blank=True,
        help_text="For example, a court order: must not collect the pupil, no contact.",
    )
    notes = models.TextField("notes", blank=True)

    class Meta:
        ordering = [models.F("emergency_priority").asc(nulls_last=True), "name"]
        indexes = [models.Index(fields=["school", "pupil"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "emergency_priority"],
                condition=models.Q(emergency_priority__isnull=False),
                name="family_contact_priority_unique_per_pupil",
                violation_error_code="emergency_priority_taken",
                violation_error_message=(
                    "Another contact of this pupil already has this emergency contact order: "
                    "choose another number"
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(emergency_priority__isnull=True)
                | models.Q(emergency_priority__gte=1),
                name="family_contact_priority_from_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship_label})"

    @property
    def relationship_label(self) -> str:
        if self.relationship == Relationship.OTHER and self.relationship_other:
            return self.relationship_other
        return self.get_relationship_display()

    @property
    def is_emergency_contact(self) -> bool:
        return self.emergency_priority is not None


class FamilyContactChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    CHANGED = "changed", "Changed"
    REMOVED = "removed", "Removed"


class FamilyContactChange(TenantModel):
    """One change to a pupil's family contacts, kept for good: who, when, and what changed.

    Restrictions (court orders, "must not collect") and parental responsibility keep their old and
    new values; other changed details are named only. Append-only: the services only insert, and
    database triggers refuse an update or a delete (`contacts/guards.py`). Not a foreign key to
    the contact, which may since have been removed.
    """

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")
    contact_id = models.UUIDField()
    contact_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=FamilyContactChangeKind.choices)
    changed_by = models.ForeignKey("schools.User", on_delete=models.PROTECT, related_name="+")
    changed_by_name = models.CharField(max_length=150)
    # [{"field": "Restrictions", "old": "...", "new": "..."}], for the kept fields.
    values = models.JSONField(default=list, blank=True)
    # The labels of the other details that changed, like ["Main telephone"].
    also_changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "pupil", "created_at"])]

    def __str__(self) -> str:
        return f"{self.contact_name}: {self.get_kind_display()}"
