"""Referral pages: the school's list, making a referral (from a pupil or a concern), its record,
the written follow-up, responses and outcomes, and escalation."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_log_write
from concerns.selectors import concern_view_for
from safeguard import workdays
from safeguard.access import access_for
from safeguard.forms import add_service_errors
from safeguard.http import acting_school_or_403, run_service
from safeguard.keyset import PARAM as PAGE
from safeguard.keyset import keyset_page
from safeguard.roles import Perm
from schools.models import Pupil
from schools.selectors import cp_pupil_get_for

from . import services
from .forms import EscalateForm, FollowUpForm, ReferralFilterForm, ReferralForm, ResponseForm
from .models import REFERRAL_LIST_ORDER, Referral
from .selectors import (
    STATES,
    referral_filter_q,
    referral_get_for,
    referral_list_for,
    referral_summary,
)

PER_PAGE = 25  # as the inbox and My concerns: 50 rows took 12 ms more to render than 25


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The school's referrals: open, overdue, follow-up outstanding, by agency, by outcome."""
    school = acting_school_or_403(request, Perm.READ_CP_RECORDS)
    agencies = services.agencies_for_school(school)
    filters = ReferralFilterForm(request.GET or None, agencies=agencies)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    now = timezone.now()
    asked = {
        "state": cleaned.get("state", ""),
        "agency": cleaned.get("agency"),
        "outcome": cleaned.get("outcome", ""),
        "now": now,
    }
    page = keyset_page(
        referral_list_for(actor=request.user, school=school, **asked),
        order=REFERRAL_LIST_ORDER,
        token=request.GET.get(PAGE),
        per_page=PER_PAGE,
        name="referral-list",
    )
    access_log_write(
        request=request,
        school_id=school.pk,
        what="referral_list",
        pupil_ids=[r.pupil_id for r in page.rows],
    )
    params = request.GET.copy()
    params.pop(PAGE, None)
    summary = referral_summary(
        actor=request.user, school=school, matching=referral_filter_q(**asked), now=now
    )
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "query_string": params.urlencode(),
            "filters": filters,
            "summary": summary,
            "counts": summary.counts,
            "states": STATES,
            "by_outcome": summary.by_outcome,
            "now": now,
        },
    )


def follow_up_message(due: datetime.datetime, *, today: datetime.date | None = None) -> str:
    """A phone referral's written follow-up is due the same day: today, or (recorded later) on
    a day gone by, which the message names rather than saying "today"."""
    today = today or timezone.localdate()
    day = workdays.local_date(due)
    if day < today:
        return (
            "Referral recorded. Its written follow-up was due by the end of "
            f"{workdays.long_date(day)}: send it now and record it here."
        )
    return "Referral recorded. Send the written follow-up today and record it here."


def _make(
    request: HttpRequest, *, pupil: Any = None, concern: Any = None, pupils: Any = None
) -> HttpResponse:
    school = (pupil or concern).school
    if not access_for(request.user).has(Perm.MANAGE_CP_RECORDS, school):
        raise Http404("No such record.")
    form = ReferralForm(
        request.POST or None, agencies=services.agencies_for_school(school), pupils=pupils
    )
    # Not run_service: a phone referral's message is a warning (its written follow-up is due).
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            referral = services.referral_make(
                actor=request.user,
                pupil=data.pop("pupil", None) or pupil,
                concern=concern,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if referral.follow_up_due_at:
                messages.warning(request, follow_up_message(referral.follow_up_due_at))
            else:
                messages.success(request, "Referral recorded.")
            return redirect("referral-detail", pk=referral.pk)
    return render(
        request,
        "referrals/make.html",
        {"form": form, "pupil": pupil, "concern": concern, "school": school},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_make_for_pupil(request: HttpRequest, pk: Any) -> HttpResponse:
    return _make(request, pupil=cp_pupil_get_for(actor=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def referral_make_for_concern(request: HttpRequest, pk: Any) -> HttpResponse:
    view = concern_view_for(actor=request.user, pk=pk)
    if not view.manage:
        raise Http404("No such record.")
    concern = view.concern
    pupils = Pupil.objects.filter(school_id=concern.school_id, involvements__concern=concern)
    # The page names the concern and its pupils: a view of the concern's record.
    access_log_write(
        request=request,
        school_id=concern.school_id,
        what="new_referral",
        pupil_ids=[i.pupil_id for i in concern.involvements.all()],
        record_id=concern.pk,
    )
    return _make(request, concern=concern, pupils=pupils.order_by("legal_last_name"))


def _referral(request: HttpRequest, pk: Any, *, manage: bool) -> Referral:
    referral = referral_get_for(actor=request.user, pk=pk)
    if manage and not access_for(request.user).has(Perm.MANAGE_CP_RECORDS, referral.school_id):
        raise Http404("No such record.")
    access_log_write(
        request=request,
        school_id=referral.school_id,
        what="referral",
        pupil_ids=[referral.pupil_id],
        record_id=referral.pk,
    )
    return referral


@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = _referral(request, pk, manage=False)
    updates = list(referral.updates.all())
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "pupil": referral.pupil,
            "updates": updates,
            "current_reference": referral.current_reference(updates),
            "manage": access_for(request.user).has(Perm.MANAGE_CP_RECORDS, referral.school_id),
            "now": timezone.now(),
        },
    )


def _step(
    request: HttpRequest,
    pk: Any,
    *,
    form_class: type[Form],
    service: Any,
    template_title: str,
    done: str,
) -> HttpResponse:
    referral = _referral(request, pk, manage=True)
    form = form_class(request.POST or None)
    if not form.is_bound:
        form.initial["occurred_at"] = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    done_page = run_service(
        request,
        form,
        service,
        referral=referral,
        done=done,
        to=reverse("referral-detail", args=[referral.pk]),
    )
    if done_page is not None:
        return done_page
    return render(
        request,
        "referrals/step.html",
        {"form": form, "referral": referral, "pupil": referral.pupil, "title": template_title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_follow_up(request: HttpRequest, pk: Any) -> HttpResponse:
    return _step(
        request,
        pk,
        form_class=FollowUpForm,
        service=services.referral_record_follow_up,
        template_title="Record the written follow-up",
        done="Written follow-up recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_response(request: HttpRequest, pk: Any) -> HttpResponse:
    return _step(
        request,
        pk,
        form_class=ResponseForm,
        service=services.referral_record_response,
        template_title="Record a response or the outcome",
        done="Response recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_escalate(request: HttpRequest, pk: Any) -> HttpResponse:
    return _step(
        request,
        pk,
        form_class=EscalateForm,
        service=services.referral_escalate,
        template_title="Escalate: professional challenge",
        done="Escalation recorded.",
    )
