"""Links from a dashboard figure to the list behind it (the TSO's drill-down, issue 8).

One function builds every such link, so the trust dashboard's tables and the drill-down page agree
on the parameters: `show` says which list (`Show`), `category` a top-level category's id,
`year_group` a year group as signed, `start` and `end` the period (ISO dates, both included).
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from urllib.parse import urlencode

from django.urls import reverse


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
    params: dict[str, str] = {"show": show.value}
    if category_id is not None:
        params["category"] = str(category_id)
    if year_group is not None:
        params["year_group"] = year_group
    if start is not None:
        params["start"] = start.isoformat()
    if end is not None:
        params["end"] = end.isoformat()
    return reverse("trust-drilldown", kwargs={"school_id": school_id}) + "?" + urlencode(params)
