"""Transfers: the keys that sign an exported CP file, and (later) the transfers themselves."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from safeguard.models import TenantModel


class TrustCertificateAuthority(models.Model):
    """A certificate authority the platform creates for one trust; it issues its schools' keys.

    Global (no school): owned by the trust, holds no child's data, only a certificate and its
    private key (encrypted at rest, like a school's signing key).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trust = models.ForeignKey(
        "schools.Trust", on_delete=models.PROTECT, related_name="certificate_authorities"
    )
    subject = models.CharField(max_length=300)
    certificate_pem = models.TextField("certificate (PEM)")
    # nonce + AES-256-GCM ciphertext of the PKCS#8 DER private key; never shown anywhere.
    private_key_encrypted = models.BinaryField(editable=False)
    encryption_key_id = models.CharField(max_length=16, editable=False)
    fingerprint_sha256 = models.CharField("SHA-256 fingerprint", max_length=64, unique=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "trust certificate authority"
        verbose_name_plural = "trust certificate authorities"
        ordering = ["trust", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust"], condition=Q(active=True), name="one_active_ca_per_trust"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class SigningKeyOrigin(models.TextChoices):
    SELF_SIGNED = "self_signed", "Self-signed"
    TRUST_CA = "trust_ca", "Issued by the trust's certificate authority"
    UPLOADED = "uploaded", "Uploaded (PKCS#12)"


class SigningKey(TenantModel):
    """A school's key and certificate for signing its exported CP files (PAdES).

    One key is active per school; older keys are kept so an old signature still names its signer
    and still counts as registered on this platform.
    """

    origin = models.CharField("how it was made", max_length=20, choices=SigningKeyOrigin.choices)
    issuer_ca = models.ForeignKey(
        TrustCertificateAuthority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_keys",
    )
    certificate_pem = models.TextField("certificate (PEM)")
    # Further certificates from an uploaded PKCS#12 (its issuers), PEM, in order; else blank.
    chain_pem = models.TextField("issuer certificates (PEM)", blank=True)
    # nonce + AES-256-GCM ciphertext of the PKCS#8 DER private key, bound to this row's id.
    private_key_encrypted = models.BinaryField(editable=False)
    encryption_key_id = models.CharField(max_length=16, editable=False)
    subject_common_name = models.CharField("signer", max_length=300)
    organisation = models.CharField(max_length=300, blank=True)
    issuer_name = models.CharField("issuer", max_length=300)
    serial_number = models.CharField(max_length=64)
    fingerprint_sha256 = models.CharField("SHA-256 fingerprint", max_length=64)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    active = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(active=True),
                name="one_active_signing_key_per_school",
            ),
            models.UniqueConstraint(
                fields=["school", "fingerprint_sha256"], name="signing_key_fingerprint_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_common_name} ({self.fingerprint_sha256[:16]})"

    @property
    def fingerprint_display(self) -> str:
        """The SHA-256 fingerprint as people compare it: AB:CD:..."""
        digits = self.fingerprint_sha256.upper()
        return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


# --- The export, the transfer out and the file received -----------------------------------------


def transfer_file_path(instance: models.Model, filename: str) -> str:
    """Under the owning school's folder, one folder per record; never under the web root."""
    kind = "incoming" if isinstance(instance, IncomingTransfer) else "exports"
    return f"schools/{instance.school_id}/transfers/{kind}/{instance.pk}/{filename}"  # type: ignore[attr-defined]


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RENDERING = "rendering", "Being prepared"
    DONE = "done", "Ready"
    FAILED = "failed", "Could not be prepared"


class Export(TenantModel):
    """One export of a pupil's CP file: the signed PDF and the open bundle, made by a task."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    receiving_school = models.CharField("for the attention of the DSL of", max_length=200)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    stage = models.CharField(max_length=200, blank=True)
    pdf = models.FileField(upload_to=transfer_file_path, max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    bundle = models.FileField(upload_to=transfer_file_path, max_length=300, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="export_progress_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.get_state_display()})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class TransferState(models.TextChoices):
    PREPARING = "preparing", "Preparing the file"
    READY = "ready", "Ready to send"
    SENT = "sent", "Sent: awaiting receipt"
    RECEIVED = "received", "Receipt confirmed"
    REJECTED = "rejected", "Returned by the receiving school"
    CANCELLED = "cancelled", "Cancelled"


OPEN_TRANSFER_STATES = [TransferState.PREPARING, TransferState.READY, TransferState.SENT]


class SentHow(models.TextChoices):
    PLATFORM = "platform", "Delivered in this service"
    SECURE_EMAIL = "secure_email", "Secure email"
    SECURE_UPLOAD = "secure_upload", "Secure file transfer or portal"
    BY_HAND = "by_hand", "By hand to the receiving DSL"
    RECORDED_POST = "recorded_post", "Recorded or special delivery post"
    OTHER = "other", "Another way"


class ReceiptHow(models.TextChoices):
    PLATFORM = "platform", "Accepted in this service"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"
    SIGNED_SLIP = "signed_slip", "Signed receipt slip"
    OTHER = "other", "Another way"


class Transfer(TenantModel):
    """A pupil's CP file sent to their new school (`school` is the sending school)."""

    pupil = models.ForeignKey(
        "schools.Pupil", on_delete=models.PROTECT, related_name="transfers_out"
    )
    leaving_date = models.DateField("date the pupil leaves")
    end_of_term = models.BooleanField(default=False)  # leaves at the end of a term
    deadline = models.DateField("send by")
    # On the platform: the receiving school; elsewhere: null, with its name and address typed.
    destination_school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_name = models.CharField("new school", max_length=200)
    destination_address = models.TextField("new school's address", blank=True)
    destination_dsl = models.CharField("new school's DSL", max_length=150, blank=True)
    state = models.CharField(
        max_length=10, choices=TransferState.choices, default=TransferState.PREPARING
    )
    export = models.ForeignKey(
        Export, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_how = models.CharField(max_length=20, choices=SentHow.choices, blank=True)
    sent_note = models.CharField("details of how it was sent", max_length=300, blank=True)
    received_at = models.DateTimeField("receipt confirmed at", null=True, blank=True)
    receipt_by = models.CharField("receipt confirmed by", max_length=200, blank=True)
    receipt_how = models.CharField(max_length=20, choices=ReceiptHow.choices, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.CharField(max_length=200, blank=True)
    rejection_reason = models.TextField(blank=True)
    # The pupil's "date left" on the roll before this transfer marked them leaving: put back if
    # the transfer is cancelled (ADR 0045).
    left_on_before = models.DateField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.TextField("why the transfer was cancelled", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(state__in=OPEN_TRANSFER_STATES),
                name="one_open_transfer_per_pupil",
            ),
            models.CheckConstraint(
                condition=~Q(destination_school=models.F("school")),
                name="transfer_not_to_its_own_school",
            ),
        ]
        indexes = [models.Index(fields=["school", "state", "deadline"])]

    def __str__(self) -> str:
        return f"Transfer of {self.pupil_id} to {self.destination_name}"

    @property
    def on_platform(self) -> bool:
        return self.destination_school_id is not None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TRANSFER_STATES


class IncomingSource(models.TextChoices):
    PLATFORM = "platform", "Sent in this service"
    IMPORT = "import", "Imported bundle"


class IncomingState(models.TextChoices):
    WAITING = "waiting", "Waiting for you"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Returned"
    WITHDRAWN = "withdrawn", "Withdrawn by the sending school"


class IncomingTransfer(TenantModel):
    """A CP file received by `school`: sent in the service, or a bundle imported from elsewhere.

    The receiving school keeps its own copy of the files, so nothing it holds depends on the
    sender's copy (which passes to retention once receipt is confirmed).
    """

    source = models.CharField(max_length=10, choices=IncomingSource.choices)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming"
    )
    from_school_name = models.CharField("sent by", max_length=200)
    from_school_address = models.TextField("return address", blank=True)
    # Who the file is about, as the sender recorded them (what the match uses).
    legal_first_name = models.CharField(max_length=100)
    legal_middle_names = models.CharField(max_length=150, blank=True)
    legal_last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    upn = models.CharField(max_length=13, blank=True)
    year_group = models.CharField(max_length=2, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    pdf = models.FileField(upload_to=transfer_file_path, max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True, blank=True)
    bundle = models.FileField(upload_to=transfer_file_path, max_length=300, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    # An imported bundle: what its checks found worth knowing (not reasons to refuse it), and
    # whether both its signatures were made with certificates registered on this platform.
    # A file sent in the service: no warnings, and None (its signature is checked on the page).
    check_warnings = models.JSONField("what the checks found", default=list, blank=True)
    signatures_trusted = models.BooleanField(null=True, blank=True)
    # Whether the school that sent it uses this service (an imported bundle signed with a
    # certificate registered here, or naming the URN of a school here): the pages say "tell them"
    # truthfully either way. None: not known (imported before this was recorded).
    sender_on_service = models.BooleanField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=IncomingState.choices, default=IncomingState.WAITING
    )
    pupil = models.ForeignKey(
        "schools.Pupil",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_files",
    )
    pupil_created = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejection_reason = models.TextField(blank=True)
    # The sending school cancelled the transfer before this school accepted it: when and why
    # (shown to this school's DSL; the files are removed, their hashes kept).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "state", "created_at"])]

    def __str__(self) -> str:
        return f"CP file from {self.from_school_name}"

    @property
    def legal_name(self) -> str:
        names = [self.legal_first_name, self.legal_middle_names, self.legal_last_name]
        return " ".join(n for n in names if n)

    @property
    def sender_uses_service(self) -> bool:
        """The sending school uses this service (a file sent in it always; an imported one when
        recorded so, or, for one imported before that was recorded, when its signatures were
        made with certificates registered here)."""
        if self.source == IncomingSource.PLATFORM:
            return True
        if self.sender_on_service is not None:
            return self.sender_on_service
        return bool(self.signatures_trusted)


class ReceivedEntry(TenantModel):
    """One chronology entry of a CP file this school received and accepted, brought into the
    pupil's chronology here as a received entry (ADR 0045). `school` is the receiving school.

    It holds no words: they are in the chronology entry it gave (which cites this row and the
    original hash) and in the signed bundle kept with the file received. It keeps what finds
    the original again in that bundle, to verify it: the entry's id and sequence number at the
    sending school and the hash the sender's chain gave it."""

    incoming = models.ForeignKey(
        IncomingTransfer, on_delete=models.PROTECT, related_name="received_entries"
    )
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")
    from_school_name = models.CharField("received from", max_length=200)
    original_id = models.CharField("the entry's id at the sending school", max_length=40)
    original_sequence = models.PositiveBigIntegerField()
    original_kind = models.CharField(max_length=30)
    original_hash = models.CharField("the entry's hash at the sending school", max_length=64)
    # Restricted at the sending school: the entry's words are not shown here, only in the file.
    withheld = models.BooleanField(default=False)

    class Meta:
        ordering = ["original_sequence"]
        constraints = [
            # Received once per pupil: a second file carrying the same entry adds nothing.
            models.UniqueConstraint(
                fields=["school", "pupil", "original_hash"], name="received_entry_once"
            )
        ]

    def __str__(self) -> str:
        return f"Entry {self.original_sequence} received from {self.from_school_name}"


# --- Retention (docs/adr/0016) -----------------------------------------------------------------


# The bounds of a trust's retention setting (docs/adr/0025). Statutory: date of birth + 25 years
# (KCSIE Annex C); a sent file's copy stays long enough for the new school's questions (ADR 0016).
YEARS_AFTER_BIRTH_MIN = 25
YEARS_AFTER_BIRTH_MAX = 100
DAYS_AFTER_RECEIPT_MIN = 30
DAYS_AFTER_RECEIPT_MAX = 365


class RetentionPolicy(models.Model):
    """A trust's retention setting (global: trust-owned, one row per trust; defaults apply when
    a trust has none). The last school keeps a CP file until the pupil's date of birth plus
    `years_after_birth`; a school that sent the file on keeps its copy `days_after_receipt` days
    after the new school confirmed receipt, read-only, then it is destroyed."""

    trust = models.OneToOneField(
        "schools.Trust", on_delete=models.CASCADE, related_name="retention_policy"
    )
    years_after_birth = models.PositiveSmallIntegerField(
        "keep the last school's file until date of birth plus (years)",
        default=YEARS_AFTER_BIRTH_MIN,
        validators=[
            MinValueValidator(
                YEARS_AFTER_BIRTH_MIN,
                "Enter 25 or more: a child-protection file is kept until the pupil's date of "
                "birth plus 25 years (KCSIE), so a smaller number would destroy files early",
            ),
            MaxValueValidator(YEARS_AFTER_BIRTH_MAX, "Enter a number of years of 100 or fewer"),
        ],
        help_text="25 or more: the statutory minimum is date of birth plus 25 years.",
    )
    days_after_receipt = models.PositiveSmallIntegerField(
        "keep a sent file's copy after receipt (days)",
        default=DAYS_AFTER_RECEIPT_MIN,
        validators=[
            MinValueValidator(
                DAYS_AFTER_RECEIPT_MIN,
                "Enter 30 or more: the copy of a file sent on is kept at least 30 days after the "
                "new school confirms receipt, so its questions can still be answered",
            ),
            MaxValueValidator(
                DAYS_AFTER_RECEIPT_MAX,
                "Enter 365 or fewer: the policy is to destroy copies once the new school has "
                "the file",
            ),
        ],
        help_text="From 30 to 365 days after the new school confirms receipt.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"Retention policy of {self.trust}"


class RetentionBasis(models.TextChoices):
    SENT = "sent", "Sent to the new school, receipt confirmed"
    LAST_SCHOOL = "last_school", "The last school: kept to date of birth plus the trust's years"


class RetentionState(models.TextChoices):
    KEPT = "kept", "Kept read-only"
    DESTROYING = "destroying", "Being destroyed"  # only ever inside the destroying transaction
    DESTROYED = "destroyed", "Destroyed"
    ENDED = "ended", "Ended: the pupil came back or did not leave"


class Retention(TenantModel):
    """One pupil's CP file at one school on its way to destruction: until when it is kept, any
    legal hold, and, once destroyed, the tombstone (what was there: each record's id and hash)."""

    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=12, choices=RetentionBasis.choices)
    transfer = models.ForeignKey(
        "transfers.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destroy_on = models.DateField("to be destroyed on")
    state = models.CharField(
        max_length=10, choices=RetentionState.choices, default=RetentionState.KEPT
    )
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)
    tombstone = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # One file in retention at a time per pupil and school; ended and destroyed rows stay.
            models.UniqueConstraint(
                fields=["school", "pupil"],
                condition=Q(state__in=["kept", "destroying"]),
                name="retention_once_per_pupil",
            )
        ]
        indexes = [models.Index(fields=["state", "destroy_on"])]

    def __str__(self) -> str:
        return f"Retention of a CP file until {self.destroy_on}"


class RetentionEventKind(models.TextChoices):
    SCHEDULED = "scheduled", "Kept until the policy date"
    HOLD_SET = "hold_set", "Legal hold set"
    HOLD_LIFTED = "hold_lifted", "Legal hold lifted"
    DESTROYED = "destroyed", "Content destroyed"
    ENDED = "ended", "Retention ended"


class RetentionEvent(TenantModel):
    """What happened to a file in retention, by whom and why (append-only, guarded)."""

    retention = models.ForeignKey(Retention, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=RetentionEventKind.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150, blank=True)  # "the scheduled job" when by is None

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.get_kind_display()
