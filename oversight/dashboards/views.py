"""The dashboards' pages (issue 8): the school dashboard, the acting school's figures for the DSL,
deputies, head and the trust's TSO, with links to the school's lists (the governor's page has the
same figures and no links, never a child's name); and the trust dashboard, the TSO's one screen of
every school's figures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import access_log_write
from concerns.selectors import open_prompt_counts, open_prompts_for
from oversight.dashboards.figures import dashboard_trusts_for, school_figures, trust_figures
from oversight.dashboards.forms import SchoolFilterForm, TrustFilterForm
from oversight.dashboards.pupil_tables import characteristic_sentence
from oversight.dashboards.school import school_dashboard_build
from oversight.dashboards.tables import csv_download, sort_all
from oversight.dashboards.trust import (
    OUTLIER_RULE,
    SLIPPING_RULE,
    trust_dashboard_build,
    trust_dashboard_schools,
)
from safeguard.access import access_for
from safeguard.http import acting_school, acting_school_or_403
from safeguard.roles import Perm
from schools.models import Trust

# Pupils to re-assess named on the school dashboard (the rest on their own list).
PROMPTS_ON_DASHBOARD = 5


def all_pupils_href(request: HttpRequest) -> str:
    """The page as it is, for all pupils (the dates and schools kept)."""
    params = request.GET.copy()
    for name in ("pupils", "csv"):
        params.pop(name, None)
    return "?" + params.urlencode()


def breakdown_href(request: HttpRequest) -> str:
    """The page as it is, with the breakdown by pupil characteristic (by SEN)."""
    params = request.GET.copy()
    params.pop("csv", None)
    params["by"] = "sen"
    return "?" + params.urlencode() + "#by-pupil-characteristic"


@login_required
@require_GET
def school_dashboard(request: HttpRequest) -> HttpResponse:
    """The acting school's dashboard for the dates and group of pupils chosen (this term and
    all pupils when none are)."""
    school = acting_school_or_403(request, Perm.VIEW_SCHOOL_AGGREGATES)
    access = access_for(request.user)
    # The governor's page is never narrowed to a group of pupils: a count of a small group beside
    # the whole school's could point to a child. They see the breakdown table, small counts hidden.
    aggregates_only = not access.has(Perm.VIEW_SCHOOL_DASHBOARD, school)
    asked = any(name in request.GET for name in ("start", "end", "pupils"))
    form = SchoolFilterForm(request.GET if asked else None, groups=not aggregates_only)
    start, end = form.dates()  # an invalid form: this term, with its errors shown
    pupils = form.pupil_group()
    now = timezone.now()
    period, previous, figures = school_figures(
        actor=request.user,
        school=school,
        start=start,
        end=end,
        now=now,
        pupils=pupils,
        breakdown=True,
    )
    # The lists behind the figures are not narrowed to a group of pupils: no links from
    # narrowed figures, whose lists would not agree with them.
    links = (
        pupils is None
        and access.has(Perm.VIEW_SCHOOL_DASHBOARD, school)
        and access.has(Perm.READ_CP_RECORDS, school)
    )
    dashboard = school_dashboard_build(
        figures=figures,
        period=period,
        previous=previous,
        now=now,
        links=links,
        aggregates_only=aggregates_only,
        pupils=pupils,
    )
    stem = f"{school.slug}-dashboard-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}"
    if pupils is not None:
        stem += f"-{pupils.key}"
    download = csv_download(request, dashboard.tables, stem)
    if download is not None:
        return download
    tables = sort_all(request, dashboard.tables)
    # Pupils to re-assess (docs/adr/0044): names for who reads CP records, the count alone for
    # the governor (an aggregate: no child named).
    prompts: list[Any] = []
    if access.has(Perm.READ_CP_RECORDS, school):
        open_prompts = open_prompts_for(actor=request.user, school=school)
        prompts = list(open_prompts[:PROMPTS_ON_DASHBOARD])
        prompt_count = len(prompts) if len(prompts) < PROMPTS_ON_DASHBOARD else open_prompts.count()
        if prompts:
            access_log_write(
                request=request,
                school_id=school.pk,
                what="school_dashboard",
                pupil_ids=[p.pupil_id for p in prompts],
            )
    else:
        prompt_count = open_prompt_counts(school_ids=[school.pk]).get(school.pk, 0)
    return render(
        request,
        "oversight/school_dashboard.html",
        {
            "school": school,
            "today": timezone.localdate(now),
            "form": form,
            "dashboard": dashboard,
            "tables": tables,
            "charts": {k.replace("-", "_"): v for k, v in dashboard.charts.items()},
            "links": links,
            "aggregates_only": aggregates_only,
            "pupils": pupils,
            "pupils_label": characteristic_sentence(pupils),
            "all_pupils_href": all_pupils_href(request),
            "prompts": prompts,
            "prompt_count": prompt_count,
            "manage_prompts": access.has(Perm.MANAGE_CP_RECORDS, school),
            "read_cp": access.has(Perm.READ_CP_RECORDS, school),
        },
    )


def _trust_for(request: HttpRequest) -> Trust:
    """The acting school's trust when the user may see its dashboard, else the first by name."""
    trusts = list(dashboard_trusts_for(actor=request.user).order_by("name"))
    if not trusts:
        raise PermissionDenied
    acting = acting_school(request)
    for trust in trusts:
        if acting is not None and trust.pk == acting.trust_id:
            return trust
    return trusts[0]


@login_required
@require_GET
def trust_dashboard(request: HttpRequest) -> HttpResponse:
    """Every school of the trust side by side, what needs attention first; `?csv=` downloads a
    table (filtered and sorted as shown)."""
    trust = _trust_for(request)
    schools = list(trust_dashboard_schools(actor=request.user, trust=trust))
    form = TrustFilterForm(request.GET or None, schools=[(s.pk, s.name) for s in schools])
    # An invalid filter shows its errors over the unfiltered figures (dates() and school_ids()
    # give None for an invalid form).
    start, end = form.dates()
    pupils = form.pupil_group()
    # The breakdown by pupil characteristic joins the period's pupils named on concerns to the
    # roll: for a whole trust about as long as every other figure together, so only when asked.
    by = form.characteristic()
    figures = trust_figures(
        actor=request.user,
        trust=trust,
        start=start,
        end=end,
        school_ids=form.school_ids(),
        pupils=pupils,
        breakdown=by is not None,
    )
    page = trust_dashboard_build(
        trust=trust,
        figures=figures,
        school_ids=form.school_ids(),
        characteristic=by,
    )
    period = figures.period
    stem = f"{trust.name} dashboard {period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}"
    if form.school_ids():
        stem += f" {len(figures.schools)} of {len(schools)} schools"
    if pupils is not None:
        stem += f" {pupils.key}"
    if request.GET.get("csv") == "pupils-by-school":
        stem += f" by {by}"
    download = csv_download(request, page.tables, stem)
    if download is not None:
        return download
    tables = sort_all(request, page.tables)
    # Pupils waiting to be re-assessed, school by school: a count, never a child's name.
    prompt_counts = open_prompt_counts(school_ids=[s.pk for s in schools])
    return render(
        request,
        "oversight/trust_dashboard.html",
        {
            "prompt_rows": [(s, prompt_counts.get(s.pk, 0)) for s in schools],
            "trust": trust,
            "today": timezone.localdate(),
            "form": form,
            "page": page,
            "tables": tables,
            "school_count": len(schools),
            "filtered": bool(start or end or form.school_ids() or pupils),
            "pupils": pupils,
            "pupils_label": characteristic_sentence(pupils),
            "all_pupils_href": all_pupils_href(request),
            "breakdown_href": breakdown_href(request),
            "rule": OUTLIER_RULE,
            "slipping_rule": SLIPPING_RULE,
            "weekly_sorted": request.GET.get("sort", "").startswith("weekly."),
        },
    )
