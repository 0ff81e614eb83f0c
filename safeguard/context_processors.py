"""Template context: the acting school and the schools to switch between, on every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .access import access_for
from .roles import Perm


def acting_school(request: HttpRequest) -> dict[str, Any]:
    schools = getattr(request, "schools", None)
    user = getattr(request, "user", None)
    if schools is None or user is None or not user.is_authenticated:
        return {"product_name": settings.PRODUCT_NAME}
    school = schools.acting
    access = access_for(user)
    can = {p.name.lower(): access.has(p, school) for p in Perm} if school else {}
    triage_count = 0
    if can.get("manage_cp_records"):
        from concerns.selectors import untriaged_count

        triage_count = untriaged_count(actor=user, school=school)
    missing_count = 0
    if can.get("read_cp_records"):
        from concerns.missing_selectors import open_missing_count

        missing_count = open_missing_count(actor=user, school=school)
    return {
        "product_name": settings.PRODUCT_NAME,
        "acting_school": school,
        "available_schools": schools.available,
        "can": can,
        "triage_count": triage_count,
        "missing_count": missing_count,
    }
