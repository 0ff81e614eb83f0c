"""The roll kept by hand: a pupil's details as the services take them and as the add form posts
them, valid UPNs, and reading a roll page's errors (tests/roll/)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone
from stdnum.gb import upn as stdnum_upn

from roll import rules

D = datetime.date


def make_upn(digits: str) -> str:
    """A UPN with the right check letter for 12 characters after it."""
    return stdnum_upn.calc_check_digit(digits) + digits


UPN_A = make_upn("820200100001")
UPN_B = make_upn("820200100002")


def details(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    start = rules.academic_year_start(today)
    fields: dict[str, Any] = {
        "legal_first_name": "Zoë",
        "legal_middle_names": "",
        "legal_last_name": "O'Brien",
        "preferred_first_name": "",
        "preferred_last_name": "",
        # Year 4 this school year: 8 on 31 August before it.
        "date_of_birth": D(start - 9, 10, 2),
        "upn": UPN_A,
        "admission_number": "",
        "year_group": "4",
        "registration_group": "4K",
        "joined_on": D(start - 4, 9, 3),
        "gender": "F",
        "ethnicity": "WBRI",
        "sen_provision": "K",
        "fsm_eligible": True,
        "pupil_premium": None,
        "looked_after": False,
    }
    return fields | overrides


def form_data(**overrides: Any) -> dict[str, str]:
    """What the add form posts for `details()`, the dates split into their three boxes."""
    fields = details()
    data: dict[str, str] = {}
    for name, value in fields.items():
        if isinstance(value, datetime.date):
            data |= {f"{name}_day": str(value.day), f"{name}_month": str(value.month)}
            data[f"{name}_year"] = str(value.year)
        elif value is None:
            data[name] = "not_recorded"
        elif isinstance(value, bool):
            data[name] = "yes" if value else "no"
        else:
            data[name] = value
    return data | overrides


def error_beside(html: str, field_id: str) -> str:
    """The error message shown beside a field (its id-error paragraph)."""
    found = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">'
        r'<span class="govuk-visually-hidden">Error:</span>\s*(.*?)</p>',
        html,
        re.S,
    )
    assert found, f"no error beside {field_id}"
    return found.group(1).strip()


def summary_links(html: str) -> list[str]:
    summary = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)"', summary)
