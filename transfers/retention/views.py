"""Retention pages: the school's files kept until their date, and legal holds (docs/adr/0016)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_log_write
from safeguard.http import acting_school_or_403, run_service
from safeguard.roles import Perm

from ..models import RetentionState
from . import services as svc
from .forms import LegalHoldForm, RetentionEndForm
from .selectors import retention_get, retentions_for


@login_required
@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    """Files kept read-only until their date, and those destroyed, of the acting school."""
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    rows = list(retentions_for(actor=request.user, school=school))
    access_log_write(
        request=request,
        school_id=school.pk,
        what="retention_list",
        pupil_ids=[r.pupil_id for r in rows],
    )
    policy = svc.policy_for(school.trust_id)
    return render(
        request,
        "transfers/retention_list.html",
        {
            "school": school,
            "kept": [r for r in rows if r.state == RetentionState.KEPT],
            "destroyed": [r for r in rows if r.state == RetentionState.DESTROYED],
            "policy": policy,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def retention_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """One file in retention: its date, its history, and the legal hold (set or lift it)."""
    retention = retention_get(actor=request.user, pk=pk)
    lifting = retention.legal_hold
    ending = request.method == "POST" and "end-reason" in request.POST
    posted = request.POST if request.method == "POST" else None
    # Two forms on the page: the one posted is bound, the other stays empty (and never valid).
    form = LegalHoldForm(None if ending else posted, lifting=lifting)
    end_form = RetentionEndForm(posted if ending else None, prefix="end")
    here = reverse("retention-detail", args=[retention.pk])
    if retention.state == RetentionState.KEPT:
        if form.is_valid() and form.cleaned_data["action"] != ("lift" if lifting else "set"):
            messages.info(
                request,
                "Nothing was changed: the legal hold had already been "
                + ("set" if lifting else "lifted")
                + ". Check it below.",
            )
            return redirect(here)
        changed = run_service(
            request,
            end_form,
            svc.retention_end,
            retention=retention,
            done="The file is live again: it will not be destroyed.",
            to=here,
        ) or run_service(
            request,
            form,
            svc.legal_hold_lift if lifting else svc.legal_hold_set,
            retention=retention,
            data=lambda valid: {"reason": valid.cleaned_data["reason"]},
            done="The legal hold is lifted: the file will be destroyed once its date has passed."
            if lifting
            else "The legal hold is set: the file will not be destroyed while it stands.",
            to=here,
        )
        if changed is not None:
            return changed
    access_log_write(
        request=request,
        school_id=retention.school_id,
        what="retention",
        pupil_ids=[retention.pupil_id],
        record_id=retention.pk,
    )
    return render(
        request,
        "transfers/retention_detail.html",
        {
            "retention": retention,
            "events": list(retention.events.all()),
            "form": form,
            "end_form": end_form,
            "lifting": lifting,
            "counts": [
                (kind.replace("_", " "), n)
                for kind, n in retention.tombstone.get("counts", {}).items()
                if n
            ],
        },
    )
