"""Platform administration of signing keys: read-only, and never the (encrypted) private key."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import RetentionPolicy, SigningKey, TrustCertificateAuthority

_KEY_FIELDS: tuple[str, ...] = (
    "subject_common_name",
    "organisation",
    "issuer_name",
    "origin",
    "issuer_ca",
    "serial_number",
    "fingerprint_sha256",
    "valid_from",
    "valid_until",
    "active",
    "retired_at",
    "created_by",
    "created_at",
    "encryption_key_id",
    "certificate_pem",
    "chain_pem",
)
_CA_FIELDS: tuple[str, ...] = (
    "trust",
    "subject",
    "fingerprint_sha256",
    "valid_from",
    "valid_until",
    "active",
    "created_by",
    "created_at",
    "encryption_key_id",
    "certificate_pem",
)


class _ReadOnly(admin.ModelAdmin):
    """Keys are made and replaced by the school's DSL through the services, never here."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(TrustCertificateAuthority)
class TrustCertificateAuthorityAdmin(_ReadOnly):
    list_display = ["subject", "trust", "active", "valid_until", "fingerprint_sha256"]
    list_filter = ["trust", "active"]
    fields = _CA_FIELDS
    readonly_fields = _CA_FIELDS

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # the schools' certificates it issued would no longer check as trusted


@admin.register(SigningKey)
class SigningKeyAdmin(_ReadOnly):
    """Deleting a key makes every signature it made untrusted: for a key known to be
    compromised (docs/adr/0012)."""

    list_display = ["subject_common_name", "school", "origin", "active", "valid_until"]
    list_filter = ["origin", "active", "school__trust"]
    search_fields = ["subject_common_name", "fingerprint_sha256", "school__name"]
    list_select_related = ["school"]
    fields = ("school", *_KEY_FIELDS)
    readonly_fields = ("school", *_KEY_FIELDS)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """A trust's retention setting; the platform administrator sets it (ADR 0016)."""

    list_display = ("trust", "years_after_birth", "days_after_receipt", "updated_at")
