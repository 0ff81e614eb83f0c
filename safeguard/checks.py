"""System check: every model is tenant-owned or on the explicit allow-list of global models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

from .notifications import withheld_checks

# Models that hold no child's data and belong to no single school.
GLOBAL_MODELS: frozenset[str] = frozenset(
    {
        "schools.User",
        "schools.Trust",
        "schools.School",
        "schools.TrustMembership",
        # The history of a trust's roles: names people, never a child.
        "schools.TrustMembershipEvent",
        # A person's recovery codes (hashed): theirs, not a school's; no child's data.
        "schools.RecoveryCodeDevice",
        "schools.RecoveryCode",
        # Where a person is signed in (browser, address): theirs, no school's, no child's data.
        "schools.SignedInSession",
        # The trust's category list: owned by the trust, holds no child's data.
        "concerns.Category",
        # Agencies' contact details: kept by the trust, hold no child's data.
        "contacts.Agency",
        # A trust's certificate authority (issues its schools' signing keys): no child's data.
        "transfers.TrustCertificateAuthority",
        "transfers.RetentionPolicy",  # a trust's setting, owned by the trust
        # That a person was emailed their daily digest on a day: no school's data, no child's.
        "safeguard.DigestSent",
        # Counted sign-in failures and reset emails under hashed keys: no school's data.
        "safeguard.RateEvent",
        # The history of a trust's category list: names categories and people, never a child.
        "oversight.CategoryChange",
        # A system registered to use the API, for one school or a whole trust (so no non-null
        # school), and the record of its calls (route patterns and statuses): no child's data.
        "api.ApiClient",
        "api.ApiCall",
        # A trust's re-assessment thresholds and their history: numbers and the TSO who set
        # them, never a child (docs/adr/0044).
        "concerns.ReassessmentThresholds",
        "concerns.ReassessmentThresholdsChange",
    }
)

# Third-party and framework apps: their models are infrastructure, not tenant records.
GLOBAL_APPS: frozenset[str] = frozenset(
    {
        "admin",
        "auth",
        "contenttypes",
        "sessions",
        "guardian",
        "axes",
        "django_celery_beat",
        # A person's second factors (issue 16): theirs, not a school's; no child's data.
        "otp_totp",
        "django_otp_webauthn",
        # An API client's secret, as a hash (knox): its account's, no school's or child's data.
        "knox",
    }
)


def is_tenant_owned(model: type[Model]) -> bool:
    """A non-null foreign key called `school` to the School model."""
    try:
        field = model._meta.get_field("school")
    except FieldDoesNotExist:
        return False
    remote = getattr(field, "related_model", None)
    # Before the app registry is ready (or in an isolated registry) the target is still a string.
    label = (
        remote if isinstance(remote, str) else getattr(getattr(remote, "_meta", None), "label", "")
    )
    return bool(field.many_to_one) and not field.null and label == "schools.School"


@checks.register(checks.Tags.models)
def check_tenancy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return check_models(apps.get_models())


def check_models(models: Iterable[type[Model]]) -> list[checks.CheckMessage]:
    """An error for each model that is neither tenant-owned nor allowed to be global."""
    errors: list[checks.CheckMessage] = []
    for model in models:
        meta = model._meta
        if meta.app_label in GLOBAL_APPS or meta.label in GLOBAL_MODELS:
            continue
        if not is_tenant_owned(model):
            errors.append(
                checks.Error(
                    f"{meta.label} is neither tenant-owned nor a global model.",
                    hint=(
                        "Give it a non-null `school` foreign key (subclass "
                        "safeguard.models.TenantModel), or add it to GLOBAL_MODELS in "
                        "safeguard/checks.py with the reason it holds no school's data."
                    ),
                    obj=model,
                    id="safeguard.E001",
                )
            )
    return errors


@checks.register()
def check_withheld_notifications(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The concerns app tells the notification centre which links lead to a concern restricted
    since (safeguard.notifications): without it a notified deputy meets a bare 404 again."""
    if "concerns" in withheld_checks():
        return []
    return [
        checks.Error(
            "No check for notifications about restricted concerns is registered",
            hint="concerns.apps.ConcernsConfig.ready() registers it",
            id="safeguard.E020",
        )
    ]
