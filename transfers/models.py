"""Transfers: the keys that sign an exported CP file, and (later) the transfers themselves."""

from __future__ import annotations

import uuid

from django.conf import settings
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
