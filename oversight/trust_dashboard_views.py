"""The trust dashboard (issue 8): the TSO's one screen of every school's figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from schools.models import Trust

from .dashboard_forms import TrustFilterForm
from .figures import dashboard_trusts_for, trust_figures
from .pupil_tables import characteristic_sentence
from .school_dashboard_views import all_pupils_href, breakdown_href
from .tables import csv_download, sort_all
from .trust_dashboard import (
    OUTLIER_RULE,
    SLIPPING_RULE,
    trust_dashboard_build,
    trust_dashboard_schools,
)


def _trust_for(request: HttpRequest) -> Trust:
    """The acting school's trust when the user may see its dashboard, else the first by name."""
    trusts = list(dashboard_trusts_for(actor=request.user).order_by("name"))
    if not trusts:
        raise PermissionDenied
    acting = request.schools.acting  # type: ignore[attr-defined]
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
    return render(
        request,
        "oversight/trust_dashboard.html",
        {
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
