"""The LADO's number, from the seed documents, shown where the handler needs it.

Essex: `003` section 11 (the duty LADO, Children's Workforce Allegations Management Team).
Leicestershire: `002` (the Allegations Line, office hours only; First Response out of hours).
Other local authorities: the contacts list (the trust keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LadoContact:
    phone: str
    detail: str


LADO_BY_LOCAL_AUTHORITY = {
    "Essex": LadoContact(
        "03330 139 797",
        "Duty LADO, Children's Workforce Allegations Management Team (Essex)",
    ),
    "Leicestershire": LadoContact(
        "0116 305 4141",
        "Allegations Line, CFS-LADO@leics.gov.uk: Monday to Thursday 8.30am to 5pm, Friday "
        "8.30am to 4.30pm; out of hours, First Response Children's Duty Team on 0116 305 0005",
    ),
}


def lado_contact_for(school: Any) -> LadoContact | None:
    """The LADO of the school's local authority, where the seed documents give one."""
    if school is None:
        return None
    return LADO_BY_LOCAL_AUTHORITY.get(school.local_authority)
