"""Template context: the acting school, the schools to switch between and what the person may do
there, on every page. The header's badges are the `home` app's (`home.context_processors`)."""

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
    return {
        "product_name": settings.PRODUCT_NAME,
        "acting_school": school,
        "available_schools": schools.available,
        "can": can,
        # The time-out warning (js/session-timeout.js): when the session ends, and how long
        # before that the page warns.
        "session_idle_seconds": int(settings.SESSION_IDLE_TIMEOUT.total_seconds()),
        "session_warning_seconds": int(settings.SESSION_IDLE_WARNING.total_seconds()),
    }
