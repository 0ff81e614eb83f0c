"""System check: every model is tenant-owned or on the explicit allow-list of global models."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

# Models that hold no child's data and belong to no single school.
GLOBAL_MODELS: frozenset[str] = frozenset(
    {
        "schools.User",
        "schools.Trust",
        "schools.School",
        "schools.TrustMembership",
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
    }
)


def is_tenant_owned(model: type) -> bool:
    """A non-null foreign key called `school` to the School model."""
    try:
        field = model._meta.get_field("school")
    except Exception:
        return False
    remote = getattr(field, "related_model", None)
    return (
        field.many_to_one
        and not field.null
        and remote is not None
        and remote._meta.label == "schools.School"
    )


@checks.register(checks.Tags.models)
def check_tenancy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
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
