"""The drill-down (issue 8): from a figure of the trust dashboard to the records behind it, for
the trust safeguarding officer only, every view and download written to the access log."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import access_log_write
from concerns.models import Category
from oversight.dashboards.drilldown import selectors
from oversight.dashboards.drilldown.links import Show
from oversight.dashboards.drilldown.tables import (
    CONCERN_LISTS,
    NOUNS,
    TABLE_KEY,
    Listing,
    heading_for,
    listing_for,
    ordered,
    sort_asked,
)
from oversight.dashboards.figures import Period, period_for
from oversight.dashboards.forms import LinkPeriodForm
from oversight.dashboards.tables import Table, csv_download
from schools.models import YearGroup

# The year groups a concern can be signed with, and the dashboards' word for none.
YEAR_GROUPS = {str(label) for _, label in YearGroup.choices} | {selectors.NOT_RECORDED}


PER_PAGE = 50
WHAT = "dashboard_drilldown"  # the access log's code for these lists


# --- The view ----------------------------------------------------------------------------------


def _drilldown(
    request: HttpRequest,
    school: Any,
    show: Show,
    period: Period,
    category: Category | None,
    year_group: str | None,
    now: datetime.datetime,
) -> selectors.Drilldown:
    actor, today = request.user, timezone.localdate(now)
    if show in CONCERN_LISTS:
        untriaged = show != Show.CONCERNS
        over_a_day = show == Show.UNTRIAGED_OVER_A_DAY
        return selectors.concerns_drilldown(
            actor=actor,
            school=school,
            period=None if untriaged else period,
            untriaged=untriaged,
            waiting_since=now - datetime.timedelta(days=1) if over_a_day else None,
            category=None if untriaged else category,
            year_group=None if untriaged else year_group,
        )
    if show == Show.OPEN_CP_FILES:
        return selectors.cp_files_drilldown(school=school)
    if show in (Show.REFERRALS_OPEN, Show.REFERRALS_OVERDUE, Show.FOLLOW_UPS):
        return selectors.referrals_drilldown(actor=actor, school=school, show=show, now=now)
    if show in (Show.ACTIONS_OPEN, Show.ACTIONS_OVERDUE):
        return selectors.actions_drilldown(
            actor=actor, school=school, overdue=show == Show.ACTIONS_OVERDUE, today=today
        )
    return selectors.reviews_drilldown(actor=actor, school=school, today=today)


def _log(request: HttpRequest, school_id: int, listing: Listing, records: Sequence[Any]) -> None:
    """One access-log row per pupil the rows show (one row without a pupil when none)."""
    pupil_ids: list[Any] = []
    for record in records:
        for pupil_id in listing.pupils(record):
            if pupil_id not in pupil_ids:
                pupil_ids.append(pupil_id)
    access_log_write(request=request, school_id=school_id, what=WHAT, pupil_ids=pupil_ids)


def _back_to_dashboard(
    request: HttpRequest, start: datetime.date | None, end: datetime.date | None
) -> str:
    """The trust dashboard as the TSO left it (its filters and order, from the page they came
    from when that was the dashboard), else with this list's dates."""
    dashboard = reverse("trust-dashboard")
    came_from = urlsplit(request.META.get("HTTP_REFERER", ""))
    if came_from.netloc == request.get_host() and came_from.path == dashboard:
        return dashboard + (f"?{came_from.query}" if came_from.query else "")
    dates = {k: v.isoformat() for k, v in (("start", start), ("end", end)) if v is not None}
    return dashboard + (f"?{urlencode(dates)}" if dates else "")


@login_required
@require_GET
def trust_drilldown(request: HttpRequest, school_id: int) -> HttpResponse:
    """The records behind one of a school's figures on the trust dashboard."""
    school = selectors.drilldown_school_for(actor=request.user, school_id=school_id)
    try:
        show = Show(request.GET.get("show") or Show.CONCERNS)
    except ValueError:
        raise Http404("No such list.") from None
    category = selectors.drilldown_category_for(
        school=school, category_id=request.GET.get("category")
    )
    year_group = request.GET.get("year_group") or None
    if year_group is not None and year_group not in YEAR_GROUPS:
        raise Http404("No such list.")
    # The links come from the dashboards, whose form checked the dates: a link with dates the
    # form refuses (badly written, the wrong way round, too long a range) is no list at all.
    dates = LinkPeriodForm(request.GET)
    if not dates.is_valid():
        raise Http404("No such list.")
    start, end = dates.dates()
    now = timezone.now()
    period = period_for(start, end, timezone.localdate(now))

    listing = listing_for(show, now)
    found = _drilldown(request, school, show, period, category, year_group, now)
    column, descending = sort_asked(request, listing)
    records = ordered(found.records, listing, column, descending)
    heading = heading_for(show, school.name, period, category, year_group)

    def table(items: Sequence[Any]) -> Table:
        return Table(
            key=TABLE_KEY,
            caption=heading,
            columns=listing.columns,
            rows=[listing.row(r) for r in items],
            empty="Nothing to list.",
            sort_column=column,
            descending=descending,
            notes=("The download holds the whole list, every page of it.",),
        )

    if request.GET.get("csv"):
        items = list(records)
        response = csv_download(request, [table(items)], f"{school.slug}-{show.value}")
        if response is None:
            raise Http404("No such table.")
        _log(request, school.pk, listing, items)
        return response

    paginator = Paginator(records, PER_PAGE)
    # The count is known already (the figure less the restricted records): no second query.
    paginator.__dict__["count"] = found.total - found.hidden
    page = paginator.get_page(request.GET.get("page"))
    items = list(page.object_list)
    _log(request, school.pk, listing, items)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("csv", None)
    back = _back_to_dashboard(request, start, end)
    return render(
        request,
        "oversight/drilldown.html",
        {
            "school": school,
            "show": show,
            "heading": heading,
            "period": period,
            "period_words": period.dates,
            "dated": show == Show.CONCERNS,
            "total": found.total,
            "hidden": found.hidden,
            "table": table(items),
            "page": page,
            "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2),
            "query_string": params.urlencode(),
            "back": back,
            "noun": NOUNS[show][0] if found.total == 1 else NOUNS[show][1],
            "today": timezone.localdate(now),
        },
    )
