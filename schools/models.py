"""Trusts, schools, the people who work in them and the pupils on their rolls."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin

from safeguard.models import TenantModel
from safeguard.roles import (
    SCHOOL_PERMISSIONS,
    SCHOOL_ROLE_CHOICES,
    TRUST_PERMISSIONS,
    TRUST_ROLE_CHOICES,
)
from schools.twofactor.codes import recovery_code_hash


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


# django-otp is untyped, so its Device subclass (RecoveryCodeDevice) is opaque to django-stubs.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person who signs in with their email address.

    `is_staff` means platform administrator (Django admin); it grants no access to children's
    records. What a person may do in a school comes only from their memberships.
    """

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField("full name", max_length=150)
    job_title = models.CharField("job title", max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("platform administrator", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """On a school or trust, only roles count: the platform superuser flag grants nothing.

        `user.has_perm("schools.read_cp_records", school)` therefore agrees with
        `safeguard.access.access_for(user)`, including permissions held through the trust.
        """
        if isinstance(obj, School | Trust):
            from safeguard.access import access_for
            from safeguard.roles import Perm

            app_label, _, codename = perm.partition(".")
            if app_label != "schools" or codename not in Perm.__members__.values():
                return False
            access = access_for(self)
            if isinstance(obj, Trust):
                return obj.pk in access.trust_ids_with(Perm(codename))
            return access.has(Perm(codename), obj)
        return super().has_perm(perm, obj)

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Trust(models.Model):
    """A multi-academy trust; a stand-alone school is a trust of one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    # How long files are kept is the trust's `transfers.RetentionPolicy` (docs/adr/0025).

    class Meta:
        ordering = ["name"]
        permissions = TRUST_PERMISSIONS

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school: the tenant. Every child's record belongs to exactly one school."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    urn = models.CharField(
        "DfE URN",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "Enter the URN as 6 digits, like 123456.")],
    )
    dfe_number = models.CharField(
        "DfE number (LAESTAB)",
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^\d{7}$", "Enter the DfE number as 7 digits, like 8812001.")],
        help_text="The local authority number and establishment number together, as in a CTF.",
    )
    local_authority = models.CharField("local authority", max_length=100)
    reference_prefix = models.CharField(
        "reference prefix",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", "Use 2 to 6 capital letters, like ALD.")],
        help_text="Starts every concern reference, like ALD-2026-0001.",
    )
    address_line_1 = models.CharField("address line 1", max_length=200)
    address_line_2 = models.CharField("address line 2", max_length=200, blank=True)
    town = models.CharField("town or city", max_length=100)
    postcode = models.CharField(max_length=10)
    phone = models.CharField("telephone", max_length=30, blank=True)
    email = models.EmailField("safeguarding email", blank=True)

    class Meta:
        ordering = ["name"]
        permissions = SCHOOL_PERMISSIONS

    def __str__(self) -> str:
        return self.name

    @property
    def return_address(self) -> list[str]:
        """The address printed as the return address on a transferred file."""
        lines = [self.name, self.address_line_1, self.address_line_2, self.town, self.postcode]
        return [line for line in lines if line]


class SchoolMembership(TenantModel):
    """A person holds a role in a school."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="school_memberships")
    role = models.CharField(max_length=20, choices=SCHOOL_ROLE_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="school_membership_unique"
            )
        ]
        ordering = ["school__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.school}"


class TrustMembership(models.Model):
    """A person holds a role across a trust (the trust safeguarding officer)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trust_memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=TRUST_ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "trust", "role"], name="trust_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.trust}"


class YearGroup(models.TextChoices):
    NURSERY = "N", "Nursery"
    RECEPTION = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


class Gender(models.TextChoices):
    """As the DfE's Common Basic Data Set codes it (CTF `Gender`)."""

    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class SenProvision(models.TextChoices):
    """Special educational needs provision, as the school census codes it (CTF `SENprovision`)."""

    NONE = "N", "No special educational needs"
    SEN_SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "Education, health and care plan"


_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`"), None)


def search_key(text: str) -> str:
    """Text as search compares it: no case, accents or apostrophes; hyphens as spaces.

    So "O’Brien" (a phone's curly apostrophe), "O'Brien" and "obrien" all find O'Brien, and
    "Zoe" finds Zoë.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.translate(_APOSTROPHES).replace("-", " ").lower().split())


upn_validator = RegexValidator(
    r"^[A-Z]\d{11}[0-9A-Z]$",
    "Enter a UPN of 13 characters: a capital letter, 11 digits, then a digit or capital letter.",
)


class Pupil(TenantModel):
    """A child on (or once on) a school's roll."""

    legal_first_name = models.CharField("legal first name", max_length=100)
    legal_middle_names = models.CharField("legal middle names", max_length=150, blank=True)
    legal_last_name = models.CharField("legal last name", max_length=100)
    preferred_first_name = models.CharField("preferred first name", max_length=100, blank=True)
    preferred_last_name = models.CharField("preferred last name", max_length=100, blank=True)
    date_of_birth = models.DateField("date of birth")
    upn = models.CharField(
        "unique pupil number (UPN)", max_length=13, blank=True, validators=[upn_validator]
    )
    year_group = models.CharField("year group", max_length=2, choices=YearGroup.choices)
    registration_group = models.CharField("registration group", max_length=20, blank=True)
    joined_on = models.DateField("date joined")
    left_on = models.DateField("date left", null=True, blank=True)
    leaving_destination = models.CharField(
        "where the pupil went",
        max_length=200,
        blank=True,
        help_text="The new school, or another destination such as elective home education.",
    )
    admission_number = models.CharField("admission number", max_length=20, blank=True)
    # Characteristics from the roll (the MIS), for the dashboards' breakdowns. Blank or null is
    # "not recorded", which the dashboards count as such.
    gender = models.CharField("gender", max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(
        "ethnicity", max_length=4, blank=True, help_text="The DfE ethnicity code, like WBRI."
    )
    sen_provision = models.CharField(
        "special educational needs", max_length=1, choices=SenProvision.choices, blank=True
    )
    fsm_eligible = models.BooleanField("eligible for free school meals", null=True, blank=True)
    pupil_premium = models.BooleanField("pupil premium", null=True, blank=True)
    looked_after = models.BooleanField("looked after (from the roll)", null=True, blank=True)
    # Lower-case names and UPN in one column, so search is one indexed predicate per word.
    search_text = models.CharField(max_length=600, editable=False)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "upn"],
                condition=~models.Q(upn=""),
                name="pupil_upn_unique_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="pupil_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["school", "legal_last_name", "legal_first_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name staff use: preferred names where given, else legal names."""
        first = self.preferred_first_name or self.legal_first_name
        last = self.preferred_last_name or self.legal_last_name
        return f"{first} {last}"

    @property
    def legal_name(self) -> str:
        return " ".join(
            n for n in [self.legal_first_name, self.legal_middle_names, self.legal_last_name] if n
        )

    @property
    def has_preferred_name(self) -> bool:
        return self.display_name != f"{self.legal_first_name} {self.legal_last_name}"

    def is_on_roll(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.joined_on <= on and (self.left_on is None or self.left_on > on)

    def clean(self) -> None:
        super().clean()
        self.upn = self.upn.strip().upper()
        self.search_text = self.build_search_text()

    def build_search_text(self) -> str:
        parts = [
            self.legal_first_name,
            self.legal_middle_names,
            self.legal_last_name,
            self.preferred_first_name,
            self.preferred_last_name,
            self.upn,
        ]
        return " ".join(search_key(p) for p in parts if p and p.strip())


class SchoolClosure(TenantModel):
    """Days a school is closed on working days: holidays, half terms, INSET days.

    Every working day not inside a closure is a school day, so a closure forgotten makes a
    reminder early, never late (docs/adr/0011).
    """

    name = models.CharField(max_length=100)
    first_day = models.DateField("first day closed")
    last_day = models.DateField("last day closed")

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="school_closure_last_day_not_before_first",
            )
        ]
        indexes = [models.Index(fields=["school", "first_day"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%d/%m/%Y} to {self.last_day:%d/%m/%Y})"


SCHOOL_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


class SchoolHours(TenantModel):
    """When the school day starts and ends on one weekday (Monday is 0). A weekday with no row
    keeps the default, 08:30 to 15:30."""

    weekday = models.PositiveSmallIntegerField(
        choices=[(n, day) for n, day in enumerate(SCHOOL_WEEKDAYS)]
    )
    opens = models.TimeField("school day starts")
    closes = models.TimeField("school day ends")

    class Meta:
        ordering = ["weekday"]
        verbose_name_plural = "school hours"
        constraints = [
            models.UniqueConstraint(fields=["school", "weekday"], name="school_hours_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=4), name="school_hours_monday_to_friday"
            ),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="school_hours_close_after_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{SCHOOL_WEEKDAYS[self.weekday]} {self.opens:%H:%M} to {self.closes:%H:%M}"


# --- Bringing the roll in: imports from a CSV or a Common Transfer File -------------------------


class RollImportMapping(TenantModel):
    """How a school's CSV export names its columns, remembered for the next import.

    `columns` maps a roll field (like "upn") to the heading of the column that holds it.
    """

    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school"], name="roll_import_mapping_one_per_school")
        ]

    def __str__(self) -> str:
        return f"Roll import columns of school {self.school_id}"


class RollImport(TenantModel):
    """One file brought in: previewed (joiners, changes, leavers), then applied or discarded.

    What was read is kept in `rows` between the preview and the apply, so the apply writes exactly
    what was previewed; the rows are emptied once the import is applied or discarded.
    """

    class Source(models.TextChoices):
        CSV = "csv", "CSV file"
        CTF = "ctf", "Common Transfer File"

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting to be applied"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    source = models.CharField(max_length=3, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # A whole-roll file marks the pupils on roll who are not in it as leavers; a joiner's file
    # (a single pupil's CTF) does not.
    whole_roll = models.BooleanField(default=True)
    header = models.JSONField(default=dict, blank=True)
    rows = models.JSONField(default=list, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    # Rows that cannot be applied: [{"row": n, "field": ..., "message": ...}]. While there are any,
    # nothing is applied.
    problems = models.JSONField(default=list, blank=True)
    joiners = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=0)
    leavers = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    applied_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.file_name}"


# --- Staff accounts and roles -------------------------------------------------------------------


class RoleRequest(TenantModel):
    """A child-protection role (DSL, deputy, headteacher) given by the school administrator,
    waiting for the headteacher or the DSL to confirm it before it takes effect."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_requests")
    role = models.CharField(max_length=20, choices=SCHOOL_ROLE_CHOICES)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField("reason", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "user", "role"],
                condition=models.Q(status="pending"),
                name="role_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} for user {self.user_id} ({self.status})"


class MembershipAction(models.TextChoices):
    INVITED = "invited", "Invited"
    INVITE_RESENT = "invite_resent", "Invitation sent again"
    ROLE_REQUESTED = "role_requested", "Role given, waiting for confirmation"
    ROLE_CONFIRMED = "role_confirmed", "Role confirmed"
    ROLE_DECLINED = "role_declined", "Role declined"
    ROLE_WITHDRAWN = "role_withdrawn", "Role request withdrawn"
    ROLE_GRANTED = "role_granted", "Role given"
    ROLE_REVOKED = "role_revoked", "Role taken away"
    DEACTIVATED = "deactivated", "Left the school: every role taken away"
    ACCOUNT_DEACTIVATED = "account_deactivated", "Account deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated", "Account reactivated"
    PASSWORD_RESET_SENT = "password_reset_sent", "Password reset link sent"
    DETAILS_CHANGED = "details_changed", "Name or job title changed"
    TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset (device lost)"


class MembershipHistory(models.Model):
    """What a row of role history holds, for a school's roles and a trust's alike: who changed
    what for whom, names copied at the time so the history reads as it happened."""

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor_name = models.CharField("changed by", max_length=200)
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField("person", max_length=200)
    person_email = models.EmailField("email address")
    action = models.CharField(max_length=30, choices=MembershipAction.choices)
    role = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.person_name}"


class MembershipEvent(TenantModel, MembershipHistory):
    """One change to who holds which role in a school: append-only (a database guard refuses
    updates and deletes)."""

    class Meta(MembershipHistory.Meta):
        indexes = [models.Index(fields=["school", "-created_at"])]


class TrustMembershipEvent(MembershipHistory):
    """One change to who holds a trust role (the trust safeguarding officer): append-only."""

    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """A person's single-use recovery codes, a django-otp device: the way back in when the phone
    or security key is lost. The codes are stored as SHA-256 hashes (each has 120 random bits,
    ASVS 5.0 6.5.2), never as typed; a used code keeps its row with the time it was used."""

    user = models.ForeignKey(  # Device's own, named so the person's devices can be reached
        User, on_delete=models.CASCADE, related_name="recovery_code_devices"
    )

    def get_throttle_factor(self) -> int:
        return 1  # 1, 2, 4, 8... seconds between attempts after failures, as django-otp's own

    def verify_token(self, token: Any) -> bool:
        """Use up one unused code matching `token` (spaces, dashes and case ignored)."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        matched = (
            self.codes.filter(code_hash=recovery_code_hash(str(token)), used_at__isnull=True)
            .select_for_update()
            .first()
        )
        if matched is None:
            self.throttle_increment()
            return False
        matched.used_at = timezone.now()
        matched.save(update_fields=["used_at"])
        self.throttle_reset()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class SignedInSession(models.Model):
    """Where a person is signed in, for their own "Where you are signed in" list: one row per
    session, made at sign-in. Holds the browser and address (so the person can tell a session
    that is not theirs), never a page they read. The session itself is Django's: ending one
    deletes it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    browser = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"session of user {self.user_id} from {self.created_at:%Y-%m-%d %H:%M}"
