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
    triage_count = missing_count = unread_count = 0
    if school is not None:
        # Every badge (triage, missing children, unread notifications) in one query.
        from concerns.missing.selectors import header_counts

        triage_count, missing_count, unread_count = header_counts(actor=user, school=school)
    return {
        "product_name": settings.PRODUCT_NAME,
        "acting_school": school,
        "available_schools": schools.available,
        "can": can,
        "triage_count": triage_count,
        "missing_count": missing_count,
        "unread_count": unread_count,
    }
