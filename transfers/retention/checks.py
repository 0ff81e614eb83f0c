"""System checks: every text field of a record destruction touches is either blanked (declared
narrative in its app's `retention.py`) or kept with a reason, so a new narrative field cannot
silently survive destruction (docs/adr/0016). The shape of `safeguard/checks.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .narrative import KEPT, NARRATIVE
from .services import destroyed_rows

TEXT_FIELDS = (models.CharField, models.TextField)


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
