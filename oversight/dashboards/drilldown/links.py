"""Links from a dashboard figure to the list behind it (the TSO's drill-down, issue 8).

One function builds every such link, so the trust dashboard's tables and the drill-down page agree
on the parameters: `show` says which list (`Show`), `category` a top-level category's id,
`year_group` a year group as signed, `start` and `end` the period (ISO dates, both included).
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote_plus

from django.conf import settings
from django.urls import get_script_prefix, reverse


class Show(StrEnum):
    """Which list a drill-down shows; each matches one figure of `oversight.dashboards.figures`."""

    CONCERNS = "concerns"  # concerns written in the period (narrowed by category or year group)
    UNTRIAGED = "untriaged"  # submitted, not yet opened by a DSL, now
    # Of those, the ones written more than a day ago (the "1 to 3 days" and "more than 3 days"
    # bands of `SchoolFigures.untriaged_ages`).
    UNTRIAGED_OVER_A_DAY = "untriaged-over-a-day"
    OPEN_CP_FILES = "cp-files"
    REFERRALS_OPEN = "referrals-open"
    REFERRALS_OVERDUE = "referrals-overdue"
    FOLLOW_UPS = "follow-ups"
    ACTIONS_OPEN = "actions-open"
    ACTIONS_OVERDUE = "actions-overdue"
    REVIEWS_DUE = "reviews-due"


def drilldown_url(
    *,
    school_id: int,
    show: Show = Show.CONCERNS,
    category_id: int | None = None,
    year_group: str | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> str:
    """The drill-down page for one school's figure."""
    # Written out rather than `urlencode`d: the trust dashboard links about 1,500 figures, and
    # only a year group ("Year 7") can hold a character to quote (ADR 0036).
    query = "show=" + show.value
    if category_id is not None:
        query += f"&category={int(category_id)}"
    if year_group is not None:
        query += "&year_group=" + quote_plus(year_group)
    if start is not None:
        query += "&start=" + start.isoformat()
    if end is not None:
        query += "&end=" + end.isoformat()
    return _path(school_id, settings.ROOT_URLCONF, get_script_prefix()) + "?" + query


@lru_cache(maxsize=1024)
def _path(school_id: int, root: str, prefix: str) -> str:
    """The drill-down's path for one school, reversed once per URLconf: the trust dashboard
    links about 1,500 figures at 50 schools, and reversing each (two thread-local look-ups and
    the resolver) took a tenth of the page's time. Nothing here sets a per-request URLconf, so
    the root URLconf (the tests override it) and the script prefix are all that can change it."""
    return reverse("trust-drilldown", kwargs={"school_id": school_id})
