"""Platform administration of signing keys (read-only, and never the (encrypted) private key) and
of the trusts' retention policies (bounded, recorded, and reversible: docs/adr/0025)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from audit.models import PlatformAdminAction
from audit.services import platform_admin_event_record
from schools.admin import NoRelatedListingMixin

from .models import RetentionPolicy, SigningKey, TrustCertificateAuthority
from .retention.services import retention_policy_set

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


class _ReadOnly(NoRelatedListingMixin, admin.ModelAdmin):
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

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one key at a time, each recorded
        return actions

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: SigningKey) -> None:
        platform_admin_event_record(
            actor=request.user,
            schools=[obj.school],
            action=PlatformAdminAction.SIGNING_KEY_DELETED,
            subject=str(obj),
            detail="Signatures made with this key no longer check as trusted",
        )
        super().delete_model(request, obj)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(NoRelatedListingMixin, admin.ModelAdmin):
    """A trust's retention setting; the platform administrator sets it (ADR 0016, 0025). Values
    that would destroy or freeze files early are refused beside the field (the model's bounds);
    a correction brings back out of retention the files the old value moved in too early."""

    list_display = ("trust", "years_after_birth", "days_after_receipt", "updated_at")
    fields = ("trust", "years_after_birth", "days_after_receipt")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("trust",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # without a row the defaults apply; change the values instead

    def save_model(
        self, request: HttpRequest, obj: RetentionPolicy, form: Any, change: bool
    ) -> None:
        policy, corrected = retention_policy_set(
            actor=request.user,
            trust=obj.trust,
            years_after_birth=obj.years_after_birth,
            days_after_receipt=obj.days_after_receipt,
        )
        obj.pk = policy.pk
        if corrected.released or corrected.redated:
            messages.info(
                request,
                f"{corrected.released} files are no longer due to be destroyed and are live "
                f"again; {corrected.redated} files are kept until their later date. Their DSLs "
                "have been told. Files already destroyed cannot be brought back.",
            )
