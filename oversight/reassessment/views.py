"""The TSO's page of re-assessment thresholds and their history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from concerns.services import thresholds_for, thresholds_save
from safeguard.http import SafeguardRequest, acting_school, run_service

from .forms import ThresholdsForm
from .selectors import thresholds_history_for, thresholds_trust_for


@login_required
@require_http_methods(["GET", "POST"])
def reassessment_thresholds(request: SafeguardRequest) -> HttpResponse:
    """The TSO sets the acting school's trust's thresholds (anyone else: 403)."""
    trust = thresholds_trust_for(actor=request.user, school=acting_school(request))
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
            "history": thresholds_history_for(actor=request.user, trust=trust),
        },
    )
