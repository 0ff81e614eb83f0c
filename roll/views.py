"""Pages of the roll kept by hand: add a pupil, change their details, record a leaver, undo a
leaving recorded by mistake (docs/adr/0022). There is no page that deletes a pupil."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safeguard.http import acting_school_or_403, record_school_context, run_service
from safeguard.roles import Perm

from . import services
from .forms import LeaverForm, PupilForm
from .selectors import pupil_for_roll_keeper


def _pupil_page(pupil: Any) -> str:
    return reverse("pupil-detail", args=[pupil.pk])


@login_required
@require_http_methods(["GET", "POST"])
def pupil_add(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.MANAGE_PUPIL_ROLL)
    form = PupilForm(request.POST if request.method == "POST" else None, school=school)
    done = run_service(
        request,
        form,
        services.pupil_add,
        school=school,
        data=lambda valid: {
            "different_child": valid.cleaned_data["different_child"],
            **valid.service_fields(),
        },
        done=lambda pupil: f"{pupil.display_name} was added to the roll.",
        to=_pupil_page,
    )
    return done or render(request, "schools/roll/pupil_form.html", {"form": form, "school": school})


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
    done = run_service(
        request,
        form,
        services.pupil_update,
        pupil=pupil,
        data=lambda valid: {
            "different_child": valid.cleaned_data["different_child"],
            **valid.service_fields(),
        },
        done=lambda changed: f"{changed.display_name}'s details were changed.",
        to=_pupil_page,
    )
    return done or render(
        request,
        "schools/roll/pupil_form.html",
        {
            "form": form,
            "school": pupil.school,
            "pupil": pupil,
            **record_school_context(request, pupil.school),
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
    done = run_service(
        request,
        form,
        services.pupil_leave,
        pupil=pupil,
        data=lambda valid: {
            "left_on": valid.cleaned_data["left_on"],
            "leaving_destination": valid.leaving_destination(),
        },
        # The same words whatever records the pupil has: the administrator must not learn from
        # this page that a child has safeguarding records.
        done=lambda left: (
            f"{left.display_name} was recorded as leaving on {left.left_on:%-d %B %Y}. "
            "Their records are kept."
        ),
        to=_pupil_page,
    )
    return done or render(
        request,
        "schools/roll/pupil_leave.html",
        {"form": form, "pupil": pupil, **record_school_context(request, pupil.school)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_leaving_undo(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = pupil_for_roll_keeper(actor=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        # Not run_service: a confirmation with no form, so a refusal is said above its button.
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
        {"pupil": pupil, "error": error, **record_school_context(request, pupil.school)},
    )
