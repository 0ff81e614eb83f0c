"""Each app's narrative fields, collected (docs/adr/0016): what destruction blanks, the text
fields each app keeps, with why, and the rows that belong to a child's file. The apps declare, in
their own `retention.py`, next to their models (transfers' own in `declared.py`); retention
collects. It finds them by app, from INSTALLED_APPS, as Django's admin finds `admin.py`: oversight
sits beside retention, not below it (ADR 0027), so retention never names it, and a new app's
declarations are found without a list to forget. `transfers.E001` checks the two cover every text
field of a record destruction touches; `transfers.E003` that every model linked to a child's file
is destroyed or listed in NOT_DESTROYED, with why.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.conf import settings
from django.db.models import JSONField, Model

from . import declared


def _declaring_apps() -> tuple[ModuleType, ...]:
    """Every installed app's `retention` module that declares NARRATIVE (transfers' own: here)."""
    found = [declared]
    for app in settings.INSTALLED_APPS:
        name = f"{app.split('.apps.')[0]}.retention"
        try:
            if find_spec(name) is None:
                continue
        except ModuleNotFoundError:  # an app that is a module, not a package
            continue
        module = import_module(name)
        if hasattr(module, "NARRATIVE"):
            found.append(module)
    return tuple(found)


_APPS = _declaring_apps()

# Model -> the names of its fields whose words destruction sets to "" (a JSON field: to []).
NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    model: fields for app in _APPS for model, fields in app.NARRATIVE.items()
}


def blank(model: type[Model], name: str) -> str | list[str]:
    """What destruction leaves in a narrative field: "" for text, an empty list for JSON."""
    return [] if isinstance(model._meta.get_field(name), JSONField) else ""


# Model -> {field name: why it is not narrative}: its other text fields, which destruction keeps.
KEPT: dict[type[Model], dict[str, str]] = {
    model: fields for app in _APPS for model, fields in app.KEPT.items()
}
# Rows of other apps that belong to a child's file, declared beside their narrative (the rows of
# chronology, concerns and referrals are named in `services.destroyed_rows`): model -> the lookup
# from a row to its pupil's id, or to its concern's id (blanked with the concern).
PUPIL_RECORDS: dict[type[Model], str] = {
    model: path for app in _APPS for model, path in getattr(app, "PUPIL_RECORDS", {}).items()
}
CONCERN_RECORDS: dict[type[Model], str] = {
    model: path for app in _APPS for model, path in getattr(app, "CONCERN_RECORDS", {}).items()
}

# Models linked to a child's file (a foreign key, directly or through another such model, to a
# pupil, a concern or a record destruction blanks) whose rows destruction leaves as they are, and
# why. `transfers.E003` fails start-up for a linked model neither destroyed nor listed here.
NOT_DESTROYED: dict[str, str] = {
    "chronology.RiskAssessmentPupil": (
        "which children a risk assessment covers: a link with no words (the assessment is blanked "
        "when the last of them is destroyed)"
    ),
    "concerns.ReassessmentPrompt": (
        "a prompt to re-assess a pupil: dates, counts and which kind of trigger fired it, no words "
        "of any concern"
    ),
    "concerns.ReassessmentPromptConcern": "which concerns a prompt counted: a link with no words",
    "allegations.AllegationPupil": (
        "the children an allegation against an adult concerns: a link with no words; the "
        "allegation is the adult's record, kept under its own rule, not with the child's file"
    ),
    "audit.AccessLog": (
        "who viewed which record of the child, and when: no words (the kind of record and its "
        "id); ADR 0016 keeps the access log"
    ),
    "transfers.ReceivedEntry": (
        "an entry received from another school, guarded and never changed: ids and hashes only "
        "(its words are in its chronology entry, which destruction blanks; ADR 0045)"
    ),
    "transfers.Retention": (
        "the retention row itself, which holds the tombstone; a file is never destroyed under a "
        "legal hold, and lifting one empties its reason, so no hold reason survives destruction"
    ),
    "transfers.RetentionEvent": (
        "the append-only record that the file was scheduled, held and destroyed, the proof of "
        "destruction the policy asks for; its reasons are the staff's about the legal matter"
    ),
}
