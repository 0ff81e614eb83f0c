"""Each app's narrative fields, collected (docs/adr/0016): what destruction blanks, and the text
fields each app keeps, with why. The apps declare, in their own `retention.py`, next to their
models; retention (above them all) collects. `transfers.E001` checks the two cover every text field.
"""

from __future__ import annotations

from django.db.models import Model

from chronology import retention as chronology
from concerns import retention as concerns
from referrals import retention as referrals

_APPS = (chronology, concerns, referrals)

# Model -> the names of its fields whose words destruction sets to "".
NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    model: fields for app in _APPS for model, fields in app.NARRATIVE.items()
}
# Model -> {field name: why it is not narrative}: its other text fields, which destruction keeps.
KEPT: dict[type[Model], dict[str, str]] = {
    model: fields for app in _APPS for model, fields in app.KEPT.items()
}
