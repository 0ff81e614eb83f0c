"""Concerns (Appendix 3 Part 1), the pupils involved, body maps, attachments, addenda, the DSL's
record (Part 2), advice sought and follow-up actions.

Signed rows are immutable: the services refuse to change them and database triggers
(migration 0002) refuse UPDATE and DELETE of their content.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from safeguard.models import TenantModel


class Category(models.Model):
    """A category of the trust's list (two levels). Schools cannot change it: the TSO owns it."""

    trust = models.ForeignKey("schools.Trust", on_delete=models.PROTECT, related_name="categories")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "parent", "name"], name="category_name_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["trust", "name"],
                condition=models.Q(parent__isnull=True),
                name="category_top_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent is not None else self.name


# The free-text answers of Part 1, in the order the form asks them.
PART_1_TEXT_FIELDS = [
    "location",
    "reason_for_recording",
    "account",
    "professional_opinion",
    "actions_taken",
    "other_information",
]

# The free-text answers of a DSL record (Part 2): what retention blanks and the search reads.
PART_2_TEXT_FIELDS = [
    "received_from",
    "action_reasons",
    "action_details",
    "level_of_need_reason",
    "parents_informed_reason",
    "outcome",
    "outcome_given_by",
    "information_held_elsewhere",
    "cp_file_reason",
]


class ConcernStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RECEIVED = "received", "Received"
    ACTIONED = "actioned", "Actioned"
    CLOSED = "closed", "Closed"


class Involvement(models.TextChoices):
    EXPERIENCED = "experienced", "Experienced it"
    DISPLAYED = "displayed", "Displayed the behaviour"
    WITNESSED = "witnessed", "Witnessed it"
    OTHER = "other", "Other"


# The triage inbox's order: unopened first, immediate danger on top, then newest, then the id
# (so every concern has one place). Unanswered (a system's alert: a person's judgement it cannot
# make) sorts with "no", by time, not below every person's concern. Every key descends, so a page
# after another is one row comparison (safeguard/keyset.py). The query (concerns/selectors.py
# `inbox_for`) and its index, concern_inbox_keyset, share it, so PostgreSQL reads a page from the
# index, starting at the page's position, instead of sorting the school's every concern.
INBOX_ORDER = (
    models.Case(
        models.When(opened_at__isnull=True, then=models.Value(1)), default=models.Value(0)
    ).desc(),
    Coalesce("immediate_danger", models.Value(False)).desc(),
    models.F("written_at").desc(),
    models.F("id").desc(),
)

# My concerns: drafts first, then the concerns still open (received or actioned), then the
# closed ones, each newest first (a draft by when it was started), then the id; so a year of
# closed concerns never buries the current ones (issue 20). (It was `-status`, which put a draft
# after every concern still "received", the words' order.) The query (concerns/selectors.py
# `concern_list_mine`) and its index, concern_mine_open_first, share it.
MINE_ORDER = (
    models.Case(
        models.When(status="draft", then=models.Value(2)),
        models.When(status="closed", then=models.Value(0)),
        default=models.Value(1),
    ).desc(),
    Coalesce("written_at", "created_at").desc(),
    models.F("id").desc(),
)


class Concern(TenantModel):
    """Part 1: what a member of staff saw or heard, in their words, signed on submission."""

    reference = models.CharField(max_length=24, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_written"
    )
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.DRAFT
    )
    # Part 1, in the seed's words (labels live in the form).
    incident_at = models.DateTimeField("date and time of incident", null=True, blank=True)
    location = models.CharField("where it happened", max_length=200, blank=True)
    reason_for_recording = models.TextField("reason for recording", blank=True)
    account = models.TextField("factual account", blank=True)
    professional_opinion = models.TextField("professional opinion", blank=True)
    actions_taken = models.TextField("actions taken and who was told", blank=True)
    other_information = models.TextField("other relevant information", blank=True)
    immediate_danger = models.BooleanField("child in immediate danger", null=True, blank=True)
    # Captured when the concern is signed.
    reporter_name = models.CharField(max_length=150, blank=True)
    reporter_job_title = models.CharField(max_length=150, blank=True)
    written_at = models.DateTimeField("date and time of writing", null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # Workflow (not part of the signed content).
    restricted = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns_opened",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns_closed",
    )
    draft_version = models.PositiveIntegerField(default=1)
    # The page (a random token per opened draft page) that saved the draft last: saves from the
    # same page never conflict with each other, only with another tab or device.
    draft_editor = models.CharField(max_length=32, blank=True)
    # A concern raised by a system (web filtering or monitoring) through the API, not by a
    # person: the system's name as registered (its account is the author), the alert's own id in
    # that system, one concern per alert (`concern_alert_once`), and a link back to the alert.
    # Blank for every concern a person logs.
    source_name = models.CharField("raised by the system", max_length=100, blank=True)
    source_alert_id = models.CharField("the alert's id in that system", max_length=100, blank=True)
    source_link = models.URLField("the alert in that system", max_length=500, blank=True)

    class Meta:
        ordering = ["-written_at", "-created_at"]
        permissions = [("view_restricted_concern", "See this restricted concern (named person)")]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "reference"],
                condition=~models.Q(reference=""),
                name="concern_reference_unique_per_school",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | ~models.Q(content_hash=""),
                name="concern_submitted_is_signed",
            ),
            # A system sending the same alert again (a retry, two calls at once) finds the
            # concern its first call raised: the client's account is the author, one per client.
            models.UniqueConstraint(
                fields=["school", "author", "source_alert_id"],
                condition=~models.Q(source_alert_id=""),
                name="concern_alert_once",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "written_at"]),
            models.Index(fields=["author", "status"]),
            # The dashboards: a school's concerns written in a date range, read from the index
            # alone (status and opening time too: docs/adr/0020).
            models.Index(
                fields=["school", "written_at", "status", "opened_at"],
                name="concern_school_written",
            ),
            # The untriaged: signed and not yet opened by a DSL (few, whatever the history).
            models.Index(
                fields=["school", "written_at"],
                condition=models.Q(opened_at__isnull=True) & ~models.Q(status="draft"),
                name="concern_untriaged",
            ),
            # The triage inbox, in its order (issue 18): a page is read from the index, where
            # sorting the school's 21,000 concerns took 59 ms for the first page and 209 ms for
            # the 40th (EXPLAIN ANALYZE, 110,000-concern benchmark trust). With the id last, any
            # page is a range of it from its position (keyset): 0.2 ms for the first page and for
            # the 800th of the benchmark trust's first school. It replaces concern_inbox_order
            # (the same order without the id, its first key ascending), built beside it.
            models.Index(models.F("school_id"), *INBOX_ORDER, name="concern_inbox_keyset"),
            # A school's latest change (signed, opened, closed): whether the trust dashboard's
            # times to open kept for the school still hold (ADR 0036), one probe per school.
            models.Index(fields=["school", "updated_at"], name="concern_school_changed"),
            # Restricted concerns (about 1 in 100): the lists that hide the ones the reader may
            # not see (referrals, chronology, risk assessments) read these few from the index
            # instead of scanning every concern in the trust for them (11.8 ms against 41.6 ms
            # for a school's referral list; a parallel scan of all concerns at the full size).
            models.Index(
                fields=["school"], condition=models.Q(restricted=True), name="concern_restricted"
            ),
            # My concerns, in their order (issue 18): a page is a range of it, 0.05 ms, the 30th
            # as the first. It replaces concern_author_school (the same first two columns alone):
            # a person's concerns in a school, for the inbox's filter by who reported and its
            # list of reporters, where the index on the author alone read each one's concerns in
            # every school, 57 ms.
            models.Index(
                models.F("author_id"),
                models.F("school_id"),
                *MINE_ORDER,
                name="concern_mine_open_first",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft concern {self.pk}"

    @property
    def is_signed(self) -> bool:
        return bool(self.content_hash)

    @property
    def is_draft(self) -> bool:
        return self.status == ConcernStatus.DRAFT

    @property
    def is_system_alert(self) -> bool:
        """Raised by a system through the API (its author is the system's account)."""
        return bool(self.source_alert_id)


class ConcernPupil(TenantModel):
    """One pupil's involvement in a concern, with that pupil's own categories."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="involvements")
    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="involvements"
    )
    involvement = models.CharField(max_length=12, choices=Involvement.choices, blank=True)
    involvement_other = models.CharField("describe their involvement", max_length=200, blank=True)
    categories = models.ManyToManyField(
        Category, through="InvolvementCategory", related_name="involvements", blank=True
    )
    # The pupil as they were when the concern was signed: the signature covers these copies, so
    # a later change of name or year group neither breaks the hash nor rewrites the record.
    pupil_legal_name = models.CharField(max_length=300, blank=True)
    pupil_known_as = models.CharField(max_length=200, blank=True)
    pupil_date_of_birth = models.DateField(null=True, blank=True)
    pupil_upn = models.CharField(max_length=13, blank=True)
    pupil_year_group = models.CharField(max_length=20, blank=True)
    pupil_registration_group = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "pupil"], name="one_involvement_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.concern}"

    def take_snapshot(self) -> None:
        """Copy the pupil's identity as it is now (at signing)."""
        pupil = self.pupil
        self.pupil_legal_name = pupil.legal_name
        self.pupil_known_as = pupil.display_name
        self.pupil_date_of_birth = pupil.date_of_birth
        self.pupil_upn = pupil.upn
        self.pupil_year_group = str(pupil.get_year_group_display())
        self.pupil_registration_group = pupil.registration_group


class InvolvementCategory(TenantModel):
    involvement = models.ForeignKey(ConcernPupil, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    label = models.CharField(max_length=250, blank=True)  # as signed; the trust may rename later

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["involvement", "category"], name="involvement_category_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.category)


class BodySide(models.TextChoices):
    FRONT = "front", "Front"
    BACK = "back", "Back"


class BodyMapMark(TenantModel):
    """A mark on the body map outline: where (percent of the drawing) and what was seen."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="body_marks")
    pupil = models.ForeignKey(
        "schools.Pupil", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=5, choices=BodySide.choices)
    x = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    y = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    description = models.CharField("what you saw", max_length=500)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_side_display()}: {self.description[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under the school's own folder with a random name; never under the web root."""
    return f"schools/{instance.school_id}/concerns/{instance.concern_id}/{uuid.uuid4().hex}"


class Attachment(TenantModel):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    # Not stored: what cleaning took out of the file as uploaded (`attachment_add` sets it), for
    # the message that tells the person who attached it.
    cleaned_away: tuple[str, ...] = ()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Addendum(TenantModel):
    """A later fact added to a signed concern; signed itself, never edited."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=150)
    author_job_title = models.CharField(max_length=150, blank=True)
    text = models.TextField()
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.concern} by {self.author_name}"


class ConcernSequence(TenantModel):
    """The last reference number a school used in a year (ALD-2026-0001)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="concern_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school_id}/{self.year}: {self.last_number}"


class LevelOfNeed(models.TextChoices):
    """Essex Windscreen of Need (003 Appendix B)."""

    UNIVERSAL = "universal", "Universal"
    ADDITIONAL = "additional", "Additional"
    INTENSIVE = "intensive", "Intensive"
    SPECIALIST = "specialist", "Specialist"


class DslAction(models.TextChoices):
    REFERRAL_SOCIAL_CARE = "referral_social_care", "Referral to children's social care"
    EARLY_HELP = "early_help", "Early help assessment or referral"
    POLICE = "police", "Reported to the police"
    MONITORING = "monitoring", "Monitoring in school"
    ADVICE_TO_STAFF = "advice_to_staff", "Advice given to appropriate staff"
    SUPPORT_IN_SCHOOL = "support_in_school", "Support in school for the pupil"
    SIGNPOSTING = "signposting", "Signposting to other support"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class CpFileDecision(models.TextChoices):
    YES = "yes", "Yes, open a child-protection file"
    NO = "no", "No"
    ALREADY_OPEN = "already_open", "A file is already open"


class DslRecordStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class DslRecord(TenantModel):
    """Part 2: what the DSL received, sought, decided and why. Signed like the concern."""

    concern = models.OneToOneField(Concern, on_delete=models.PROTECT, related_name="dsl_record")
    received_at = models.DateTimeField("time and date information received by DSL")
    received_from = models.CharField("received from", max_length=300)
    actions = models.JSONField("action taken", default=list, blank=True)
    action_reasons = models.TextField("reasons for the action taken", blank=True)
    action_details = models.TextField(
        "time, date, names, who information was shared with and when", blank=True
    )
    level_of_need = models.CharField(max_length=12, choices=LevelOfNeed.choices, blank=True)
    level_of_need_reason = models.TextField("reasons for the level of need", blank=True)
    parents_informed = models.BooleanField("parents informed", null=True, blank=True)
    parents_informed_reason = models.TextField("reasons", blank=True)
    outcome = models.TextField(blank=True)
    outcome_given_by = models.CharField(
        "names of individuals or agencies who gave the outcome", max_length=300, blank=True
    )
    information_held_elsewhere = models.TextField(
        "where additional information can be found", blank=True
    )
    cp_file_decision = models.CharField(
        "should a child-protection file be opened",
        max_length=12,
        choices=CpFileDecision.choices,
        blank=True,
    )
    cp_file_reason = models.TextField("why", blank=True)
    status = models.CharField(
        max_length=6, choices=DslRecordStatus.choices, default=DslRecordStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    last_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=150, blank=True)
    signer_role = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | ~models.Q(content_hash=""),
                name="dsl_record_signed_has_hash",
            )
        ]
        indexes = [
            # Searching records (issue 20), newest first: a common word's first page is a walk
            # back along a school's signed records (0.1 ms) where it read all 30,000 of the
            # benchmark trust's biggest school to sort them (51 ms).
            models.Index(fields=["school", "signed_at"], name="dslrecord_school_signed"),
        ]

    def __str__(self) -> str:
        return f"DSL record for {self.concern}"

    def action_labels(self) -> list[str]:
        labels = dict(DslAction.choices)
        return [str(labels.get(a, a)) for a in self.actions]


class AdviceSought(TenantModel):
    """Advice the DSL sought: date, time, name, role, organisation and the advice given."""

    dsl_record = models.ForeignKey(DslRecord, on_delete=models.CASCADE, related_name="advice")
    sought_at = models.DateTimeField("date and time")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=150)
    organisation = models.CharField(max_length=200)
    advice = models.TextField("advice given")

    class Meta:
        ordering = ["sought_at"]
        verbose_name_plural = "advice sought"

    def __str__(self) -> str:
        return f"Advice from {self.name} ({self.organisation})"


# "My actions": open ones first (by due date), then those done. The open ones are put first by an
# expression rather than `NULLS FIRST`, which SQLite (`make run`) refuses in an index.
ACTION_LIST_ORDER = (
    models.Case(models.When(done_at__isnull=True, then=models.Value(0)), default=models.Value(1)),
    F("done_at"),
    F("due_on"),
    F("id"),
)


class Action(TenantModel):
    """A follow-up task the DSL assigns: who, by when, and who did it and when."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="follow_ups")
    description = models.TextField("what needs doing")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions_owned"
    )
    due_on = models.DateField("due by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.TextField("what was done", blank=True)

    class Meta:
        ordering = ["done_at", "due_on"]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_on"]),
            # "My actions", a page at a time: one person's in one school, in the list's order
            # (open ones first, then by due date), so a page is read from the index in order
            # however many actions they have had.
            models.Index(
                F("owner"),
                F("school"),
                *ACTION_LIST_ORDER,
                name="action_owner_list",
            ),
            # A school's open actions (the dashboards): few, however many are done.
            models.Index(
                fields=["school", "due_on"],
                condition=models.Q(done_at__isnull=True),
                name="action_open",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]
