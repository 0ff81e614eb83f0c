"""Retention pages: the school's files kept until their date, and legal holds (docs/adr/0016)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_log_write
from safeguard.access import access_for
from safeguard.forms import add_service_errors
from safeguard.roles import Perm

from ..models import RetentionState
from . import services as svc
from .forms import LegalHoldForm, RetentionEndForm
from .selectors import retention_get, retentions_for


@login_required
@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    """Files kept read-only until their date, and those destroyed, of the acting school."""
    school = request.schools.acting  # type: ignore[attr-defined]
    if school is None or not access_for(request.user).has(Perm.TRANSFER_CP_FILES, school):
        raise PermissionDenied
    rows = list(retentions_for(actor=request.user, school=school))
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
    form = LegalHoldForm(None if ending else posted, lifting=lifting)
    end_form = RetentionEndForm(posted if ending else None, prefix="end")
    if ending and retention.state == RetentionState.KEPT and end_form.is_valid():
        try:
            svc.retention_end(
                actor=request.user, retention=retention, reason=end_form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(end_form, error)
        else:
            messages.success(request, "The file is live again: it will not be destroyed.")
            return redirect("retention-detail", pk=retention.pk)
    if posted and not ending and retention.state == RetentionState.KEPT and form.is_valid():
        if form.cleaned_data["action"] != ("lift" if lifting else "set"):
            messages.info(
                request,
                "Nothing was changed: the legal hold had already been "
                + ("set" if lifting else "lifted")
                + ". Check it below.",
            )
            return redirect("retention-detail", pk=retention.pk)
        change = svc.legal_hold_lift if lifting else svc.legal_hold_set
        try:
            change(actor=request.user, retention=retention, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "The legal hold is lifted: the file will be destroyed once its date has passed."
                if lifting
                else "The legal hold is set: the file will not be destroyed while it stands.",
            )
            return redirect("retention-detail", pk=retention.pk)
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
