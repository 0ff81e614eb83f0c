"""The TSO's page of re-assessment thresholds and their history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from concerns.models import ReassessmentThresholdsChange
from concerns.services import thresholds_for, thresholds_save
from oversight.categories.services import can_manage_categories
from safeguard.http import acting_school, run_service
from schools.models import Trust

from .forms import ThresholdsForm

# The latest changes shown under the form.
HISTORY_SHOWN = 20


def _thresholds_trust(request: HttpRequest) -> Trust:
    """The acting school's trust, when the person is its TSO (else 403)."""
    school = acting_school(request)
    if school is None or not can_manage_categories(request.user, school.trust_id):
        raise PermissionDenied
    return school.trust


@login_required
@require_http_methods(["GET", "POST"])
def reassessment_thresholds(request: HttpRequest) -> HttpResponse:
    trust = _thresholds_trust(request)
    current = thresholds_for(trust.pk)
    form = ThresholdsForm(
        request.POST or None,
        initial={name: getattr(current, name) for name in ThresholdsForm.base_fields},
    )
    done = run_service(
        request,
        form,
        thresholds_save,
        trust=trust,
        done="The thresholds were saved. They apply to the next concern logged.",
        to="reassessment-thresholds",
    )
    return done or render(
        request,
        "oversight/reassessment_thresholds.html",
        {
            "trust": trust,
            "form": form,
            "history": list(
                ReassessmentThresholdsChange.objects.filter(trust=trust)[:HISTORY_SHOWN]
            ),
        },
    )
