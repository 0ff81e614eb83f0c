"""System checks: every text field of a record destruction touches is either blanked (declared
narrative in its app's `retention.py`) or kept with a reason, and every model linked to a child's
file is either touched by destruction or declared not destroyed, with why, so neither a new
narrative field nor a new child-linked model can silently survive destruction (docs/adr/0016).
The shape of `safeguard/checks.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .narrative import KEPT, NARRATIVE, NOT_DESTROYED
from .services import destroyed_rows

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _destroyed_models() -> list[type[models.Model]]:
    """The models whose rows destruction blanks (the ids here select nothing: no query runs)."""
    return list(destroyed_rows(school_id=0, pupil_id=0, concern_ids=[], assessment_ids=[]))


@checks.register(checks.Tags.models)
def check_narrative_is_blanked(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every text field of every model destruction blanks is declared narrative or kept."""
    return narrative_problems(_destroyed_models(), narrative=NARRATIVE, kept=KEPT)


def narrative_problems(
    destroyed: Iterable[type[models.Model]],
    *,
    narrative: Mapping[type[models.Model], Iterable[str]],
    kept: Mapping[type[models.Model], Mapping[str, str]],
) -> list[checks.CheckMessage]:
    """transfers.E001: a text field neither blanked nor kept; transfers.E002: a declared name
    that is not a field of the model (a typo would blank nothing)."""
    errors: list[checks.CheckMessage] = []
    for model in destroyed:
        label = model._meta.label
        blanked = set(narrative.get(model, ()))
        listed = set(kept.get(model, {}))
        for name in sorted(blanked | listed):
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                errors.append(
                    checks.Error(
                        f"{label}.{name} is declared in retention.py but is not a field.",
                        obj=model,
                        id="transfers.E002",
                    )
                )
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS) and field.name not in blanked | listed:
                errors.append(
                    checks.Error(
                        f"{label}.{field.name} is neither blanked on destruction nor listed as "
                        "kept.",
                        hint=f"Add it to NARRATIVE in {model._meta.app_label}/retention.py (its "
                        "words are about the child) or to KEPT there, with why it may stay.",
                        obj=model,
                        id="transfers.E001",
                    )
                )
    return errors


# What a child's file hangs from: a model with a foreign key to one of these (or to a model linked
# to them, or to a record destruction blanks) is linked to the child's file.
FILE_ROOTS = ("schools.Pupil", "concerns.Concern")


def _project_models() -> list[type[models.Model]]:
    """The models of the project's own apps (not Django's nor a library's)."""
    base = str(settings.BASE_DIR)
    return [
        model
        for config in apps.get_app_configs()
        if str(config.path).startswith(base) and "site-packages" not in str(config.path)
        for model in config.get_models()
    ]


@checks.register(checks.Tags.models)
def check_linked_models_are_destroyed(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every model linked to a child's file is destroyed or declared not destroyed, with why."""
    return coverage_problems(
        _project_models(),
        destroyed=_destroyed_models(),
        not_destroyed=NOT_DESTROYED,
        roots=[apps.get_model(label) for label in FILE_ROOTS],
    )


def linked_models(
    candidates: Iterable[type[models.Model]], roots: Iterable[type[models.Model]]
) -> list[type[models.Model]]:
    """The candidates with a foreign key (or one-to-one) to a root or, in turn, to a model found
    so: the transitive closure, in the order found."""
    reached = set(roots)
    found: list[type[models.Model]] = []
    pending = [m for m in candidates if m not in reached]
    grew = True
    while grew:
        grew = False
        for model in list(pending):
            if any(
                field.is_relation and field.concrete and field.related_model in reached
                for field in model._meta.concrete_fields
            ):
                reached.add(model)
                found.append(model)
                pending.remove(model)
                grew = True
    return found


def coverage_problems(
    candidates: Iterable[type[models.Model]],
    *,
    destroyed: Iterable[type[models.Model]],
    not_destroyed: Mapping[str, str],
    roots: Iterable[type[models.Model]],
) -> list[checks.CheckMessage]:
    """transfers.E003: a model linked to a child's file that destruction does not touch and that
    is not declared kept; transfers.E004: a NOT_DESTROYED entry that is no model, is destroyed
    after all, or has no reason (a stale entry would hide nothing, but says what is not so)."""
    destroyed = list(destroyed)
    candidates = list(candidates)
    errors: list[checks.CheckMessage] = []
    for model in linked_models(candidates, [*roots, *destroyed]):
        label = model._meta.label
        if model in destroyed or label in not_destroyed:
            continue
        errors.append(
            checks.Error(
                f"{label} is linked to a child's file but destruction neither blanks it nor "
                "says why it stays.",
                hint="Add its rows to destruction (PUPIL_RECORDS or CONCERN_RECORDS in "
                f"{model._meta.app_label}/retention.py, with its NARRATIVE and KEPT) or add "
                f"'{label}' to NOT_DESTROYED in transfers/retention/narrative.py, with why.",
                obj=model,
                id="transfers.E003",
            )
        )
    known = {model._meta.label: model for model in candidates}
    destroyed_labels = {model._meta.label for model in destroyed}
    for label, reason in not_destroyed.items():
        if label not in known or label in destroyed_labels or not reason.strip():
            errors.append(
                checks.Error(
                    f"NOT_DESTROYED lists {label}, which is not a model of the project, is "
                    "destroyed, or has no reason.",
                    obj=known.get(label, label),
                    id="transfers.E004",
                )
            )
    return errors
