"""Pages of the roll kept by hand: add a pupil, change their details, record a leaver, undo a
leaving recorded by mistake (docs/adr/0022). There is no page that deletes a pupil."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from safeguard.forms import add_service_errors
from schools.models import School

from . import services
from .forms import SERVICE_RENAME, LeaverForm, PupilForm
from .selectors import pupil_for_roll_keeper


def _roll_school(request: HttpRequest) -> School:
    """The acting school, when the person keeps its roll (the administrator and the DSL)."""
    school = request.schools.acting  # type: ignore[attr-defined]
    if school is None or not services.can_keep_roll(request.user, school):
        raise PermissionDenied
    return school


def _record_school(request: HttpRequest, school: School) -> dict[str, Any]:
    acting = request.schools.acting  # type: ignore[attr-defined]
    return {"record_school": school, "record_school_differs": acting is None or acting != school}


@login_required
@require_http_methods(["GET", "POST"])
def pupil_add(request: HttpRequest) -> HttpResponse:
    school = _roll_school(request)
    form = PupilForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            pupil = services.pupil_add(
                actor=request.user,
                school=school,
                different_child=form.cleaned_data["different_child"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error, rename=SERVICE_RENAME)
        else:
            messages.success(request, f"{pupil.display_name} was added to the roll.")
            return redirect("pupil-detail", pk=pupil.pk)
    return render(request, "schools/roll/pupil_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def pupil_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = pupil_for_roll_keeper(actor=request.user, pk=pk)
    form = PupilForm(
        request.POST if request.method == "POST" else None,
        school=pupil.school,
        pupil=pupil,
        initial=PupilForm.initial_for(pupil),
    )
    if request.method == "POST" and form.is_valid():
        try:
            pupil = services.pupil_update(
                actor=request.user,
                pupil=pupil,
                different_child=form.cleaned_data["different_child"],
                **form.service_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error, rename=SERVICE_RENAME)
        else:
            messages.success(request, f"{pupil.display_name}'s details were changed.")
            return redirect("pupil-detail", pk=pupil.pk)
    return render(
        request,
        "schools/roll/pupil_form.html",
        {
            "form": form,
            "school": pupil.school,
            "pupil": pupil,
            **_record_school(request, pupil.school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_leave(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = pupil_for_roll_keeper(actor=request.user, pk=pk)
    form = LeaverForm(
        request.POST if request.method == "POST" else None,
        pupil=pupil,
        initial=LeaverForm.initial_for(pupil),
    )
    if request.method == "POST" and form.is_valid():
        try:
            pupil = services.pupil_leave(
                actor=request.user,
                pupil=pupil,
                left_on=form.cleaned_data["left_on"],
                leaving_destination=form.leaving_destination(),
            )
        except ValidationError as error:
            add_service_errors(
                form,
                error,
                rename={"left_on": "left_on_day", "leaving_destination": "destination"},
            )
        else:
            # The same words whatever records the pupil has: the administrator must not learn
            # from this page that a child has safeguarding records.
            messages.success(
                request,
                f"{pupil.display_name} was recorded as leaving on {pupil.left_on:%-d %B %Y}. "
                "Their records are kept.",
            )
            return redirect("pupil-detail", pk=pupil.pk)
    return render(
        request,
        "schools/roll/pupil_leave.html",
        {"form": form, "pupil": pupil, **_record_school(request, pupil.school)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_leaving_undo(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = pupil_for_roll_keeper(actor=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            pupil = services.pupil_leaving_undo(actor=request.user, pupil=pupil)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, f"{pupil.display_name} is back on the roll.")
            return redirect("pupil-detail", pk=pupil.pk)
    return render(
        request,
        "schools/roll/pupil_leaving_undo.html",
        {"pupil": pupil, "error": error, **_record_school(request, pupil.school)},
    )
