"""Pages for allegations against adults and low-level concerns. Views look the record up through
the selectors (which decide who sees it), call one service, and render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_log_write
from safeguard.access import get_or_404
from safeguard.forms import add_service_errors
from safeguard.http import acting_school, acting_school_or_403, run_service
from safeguard.roles import Perm
from safeguard.workdays import end_of_day_words, local_date, long_date
from schools.selectors import pupil_list_for

from . import selectors, services
from .forms import (
    AllegationForm,
    LadoForm,
    LowLevelForm,
    NameForm,
    OutcomeForm,
    PoliceForm,
    ReportForm,
    ResponseForm,
    StepForm,
)
from .lado import lado_contact_for
from .models import SubjectType


def _recording_school(request: HttpRequest) -> Any:
    school = acting_school(request)
    if not selectors.can_record_in(actor=request.user, school=school):
        raise PermissionDenied
    return school


def _refusal_beside(field: str, service: Callable[..., Any]) -> Callable[..., Any]:
    """The service, with its refusal of the adult or pupils chosen (a PermissionDenied giving the
    reason) shown beside `field` like any other problem with the form."""

    def run(**values: Any) -> Any:
        try:
            return service(**values)
        except PermissionDenied as refusal:
            raise ValidationError({field: str(refusal)}) from refusal

    return run


def _log_view(request: HttpRequest, record: Any, what: str) -> None:
    """Who read the record. Written with no pupil, so no pupil's access log shows a trace."""
    access_log_write(
        request=request, school_id=record.school_id, what=what, pupil_ids=[], record_id=record.pk
    )


# --- Allegations ---------------------------------------------------------------------------------


def lado_due_message(due: datetime.datetime, *, today: datetime.date | None = None) -> str:
    """What the DSL reads on recording an allegation: when the LADO is to be told, "within one
    working day" (`lado_due_at`), true on the day it is read (a Friday's is due on Monday)."""
    today = today or timezone.localdate()
    day = local_date(due)
    if day < today:
        return (
            f"The allegation is recorded. The LADO should have been told by the end of "
            f"{long_date(day)}: tell them now."
        )
    return f"The allegation is recorded. Tell the LADO by {end_of_day_words(day, today=today)}."


@login_required
@require_GET
def allegation_list(request: HttpRequest) -> HttpResponse:
    """Open allegations with the LADO deadline (overdue first); closed ones with their outcome."""
    school = acting_school(request)
    if school is None or not selectors.sees_allegations_in(actor=request.user, school=school):
        raise PermissionDenied
    lists = selectors.allegation_list_for(actor=request.user, school=school)
    return render(
        request,
        "allegations/list.html",
        {
            "lists": lists,
            "now": timezone.now(),
            "can_record": selectors.can_record_in(actor=request.user, school=school),
            "lado": lado_contact_for(school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_new(request: HttpRequest) -> HttpResponse:
    """The headteacher or TSO records an allegation (or escalates a low-level concern)."""
    school = _recording_school(request)
    low_level = None
    source = request.POST.get("low_level") or request.GET.get("low_level")
    initial: dict[str, Any] = {"reported_at": timezone.localtime().strftime("%d/%m/%Y %H:%M")}
    if source:
        low_level = selectors.low_level_get_for(actor=request.user, pk=source)
        if low_level.school_id != school.pk or low_level.escalated_to_id:
            raise Http404("No such record.")
        initial.update(
            subject_name=low_level.subject_name,
            subject_role=low_level.subject_role,
            subject_type=low_level.subject_type,
            subject_user=str(low_level.subject_user_id or ""),
            reported_by_name=low_level.reported_by_name,
            reported_by_role=low_level.reported_by_role,
            account=low_level.observed,
        )
    pupils = list(pupil_list_for(actor=request.user, school=school)[:2000])
    nameable = [p for p in selectors.school_people_for(school=school) if p.pk != request.user.pk]
    chairs = selectors.chairs_for(actor=request.user, school=school)
    form = AllegationForm(
        request.POST or None,
        initial=initial,
        people=selectors.subjects_for(school=school),
        pupils=pupils,
        nameable=nameable,
        chair_ids=selectors.chair_user_ids(chairs=chairs, people=nameable),
    )
    done = run_service(
        request,
        form,
        _refusal_beside("subject_type", services.allegation_record),
        school=school,
        low_level=low_level,
        data=lambda valid: valid.service_values(),
        done=lambda allegation: lado_due_message(allegation.lado_due_at),
        to=lambda allegation: reverse("allegation-detail", args=[allegation.pk]),
    )
    return done or render(
        request,
        "allegations/new.html",
        {
            "form": form,
            "low_level": low_level,
            "lado": lado_contact_for(school),
            "chairs": chairs,
            "pupils": pupils,
        },
    )


@login_required
@require_GET
def allegation_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    allegation = selectors.allegation_get_for(actor=request.user, pk=pk)
    _log_view(request, allegation, "allegation")
    return render(
        request,
        "allegations/detail.html",
        {
            "allegation": allegation,
            "pupils": selectors.allegation_pupils_for(actor=request.user, allegation=allegation),
            "overdue": allegation.lado_overdue(),
            "lado": lado_contact_for(allegation.school),
            "from_low_level": list(allegation.from_low_level_concerns.all()),
            # About the headteacher: handled with the chair of governors, who may have no
            # account here, so the page names them with how to reach them.
            "chairs": (
                selectors.chairs_for(actor=request.user, school=allegation.school)
                if allegation.about_headteacher
                else []
            ),
        },
    )


def _allegation_form_page(
    request: HttpRequest,
    pk: Any,
    *,
    form_class: type,
    template: str,
    service: Any,
    done: str,
    initial: dict[str, Any] | None = None,
    open_only: bool = True,
) -> HttpResponse:
    """A page with one form that records one step of an allegation."""
    allegation = selectors.allegation_get_for(actor=request.user, pk=pk)
    if open_only and not allegation.is_open:
        messages.info(request, "This allegation is closed.")
        return redirect("allegation-detail", pk=allegation.pk)
    form = form_class(request.POST or None, initial=initial)
    to = reverse("allegation-detail", args=[allegation.pk])
    return run_service(request, form, service, allegation=allegation, done=done, to=to) or render(
        request, template, {"allegation": allegation, "form": form}
    )


def _now_text() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


@login_required
@require_http_methods(["GET", "POST"])
def allegation_lado(request: HttpRequest, pk: Any) -> HttpResponse:
    return _allegation_form_page(
        request,
        pk,
        form_class=LadoForm,
        template="allegations/lado.html",
        initial={"contacted_at": _now_text()},
        service=services.allegation_lado_contact,
        done="The LADO contact is recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_police(request: HttpRequest, pk: Any) -> HttpResponse:
    return _allegation_form_page(
        request,
        pk,
        form_class=PoliceForm,
        template="allegations/police.html",
        service=services.allegation_police,
        done="Police involvement is recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_step(request: HttpRequest, pk: Any) -> HttpResponse:
    return _allegation_form_page(
        request,
        pk,
        form_class=StepForm,
        template="allegations/step.html",
        initial={"occurred_at": _now_text()},
        service=services.allegation_step_add,
        done="The step is recorded.",
        open_only=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_outcome(request: HttpRequest, pk: Any) -> HttpResponse:
    return _allegation_form_page(
        request,
        pk,
        form_class=OutcomeForm,
        template="allegations/outcome.html",
        service=services.allegation_outcome,
        done="The outcome is recorded and the allegation is closed.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def allegation_named(request: HttpRequest, pk: Any) -> HttpResponse:
    """Who else sees and acts on the allegation: name someone, or stop naming them."""
    allegation = selectors.allegation_get_for(actor=request.user, pk=pk)
    nameable = selectors.nameable_people_for(allegation=allegation)
    chairs = selectors.chairs_for(actor=request.user, school=allegation.school)
    chair_ids = selectors.chair_user_ids(chairs=chairs, people=nameable)
    remove = request.POST.get("remove") if request.method == "POST" else None
    if remove:
        named = get_or_404(allegation.named_people.select_related("user"), pk=remove)
        services.allegation_unname_person(actor=request.user, allegation=allegation, named=named)
        messages.success(request, f"{named.user.full_name} is no longer named.")
        if named.user_id == request.user.pk:
            return redirect("allegation-list")
        return redirect("allegation-named", pk=allegation.pk)
    form = NameForm(
        request.POST if request.method == "POST" else None, nameable=nameable, chair_ids=chair_ids
    )
    done = run_service(
        request,
        form,
        services.allegation_name_person,
        allegation=allegation,
        done=lambda named: f"{named.user.full_name} is named.",
        to=reverse("allegation-named", args=[allegation.pk]),
    )
    return done or render(
        request,
        "allegations/named.html",
        {"allegation": allegation, "form": form, "nameable": nameable, "chairs": chairs},
    )


# --- Any member of staff: report a concern about an adult ---------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concern_about_adult(request: HttpRequest) -> HttpResponse:
    """`003` section 11: about staff, to the headteacher; about the headteacher, to the chair of
    governors. The reporter sees a confirmation, never the record."""
    school = acting_school_or_403(request, Perm.LOG_CONCERN)
    governors = selectors.governors_for(school=school)
    chairs = selectors.chairs_for(actor=request.user, school=school)
    form = ReportForm(
        request.POST or None,
        governors=governors,
        people=selectors.subjects_for(school=school),
        chair_ids=selectors.chair_user_ids(chairs=chairs, people=governors),
    )
    # Not run_service: the confirmation page learns where it went (from the session), no message.
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.concern_about_adult_report(actor=request.user, school=school, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # What the confirmation says: where it went, never what was written.
            about_head = data["subject_type"] == SubjectType.HEADTEACHER
            subject = data.get("subject_user")
            route = selectors.report_route_for(
                school=school,
                about_headteacher=about_head,
                subject_user_id=subject.pk if subject else None,
            )
            request.session["allegations_report_sent"] = {
                "about_head": about_head,
                "governor": data["governor"].full_name if data.get("governor") else "",
                "to_head": route.head,
                "to_tso": route.tso,
            }
            return redirect("allegation-report-sent")
    return render(
        request,
        "allegations/report.html",
        {"form": form, "chairs": chairs, "governors": governors},
    )


@login_required
@require_GET
def concern_about_adult_sent(request: HttpRequest) -> HttpResponse:
    """The reporter's confirmation: what happens next, nothing of what they wrote."""
    school = acting_school_or_403(request, Perm.LOG_CONCERN)
    sent = request.session.pop("allegations_report_sent", None) or {}
    about_head = bool(sent.get("about_head"))
    if "to_tso" in sent:
        tso = bool(sent["to_tso"])
    else:  # nothing sent in this session (the page opened again): who it would go to
        tso = bool(selectors.handlers_for(school=school, about_headteacher=True))
    return render(
        request,
        "allegations/report_sent.html",
        {
            "about_head": about_head,
            "governor": sent.get("governor", ""),
            "tso": tso,
            "to_head": sent.get("to_head", True),
            "chairs": selectors.chairs_for(actor=request.user, school=school) if about_head else [],
        },
    )


# --- Low-level concerns --------------------------------------------------------------------------


@login_required
@require_GET
def low_level_list(request: HttpRequest) -> HttpResponse:
    school = _recording_school(request)
    return render(
        request,
        "allegations/low_level_list.html",
        {
            "concerns": list(selectors.low_level_list_for(actor=request.user, school=school)[:500]),
            "patterns": selectors.low_level_patterns_for(actor=request.user, school=school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def low_level_new(request: HttpRequest) -> HttpResponse:
    school = _recording_school(request)
    form = LowLevelForm(request.POST or None, people=selectors.subjects_for(school=school))
    done = run_service(
        request,
        form,
        _refusal_beside("subject_type", services.low_level_record),
        school=school,
        done="The low-level concern is recorded.",
        to=lambda concern: reverse("low-level-concern-detail", args=[concern.pk]),
    )
    return done or render(request, "allegations/low_level_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def low_level_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    concern = selectors.low_level_get_for(actor=request.user, pk=pk)
    form = ResponseForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.low_level_respond,
        concern=concern,
        done="Your response is recorded.",
        to=reverse("low-level-concern-detail", args=[concern.pk]),
    )
    if done is not None:
        return done
    _log_view(request, concern, "low_level_concern")
    return render(
        request,
        "allegations/low_level_detail.html",
        {
            "concern": concern,
            "form": form,
            "same_adult": selectors.low_level_same_adult(actor=request.user, concern=concern),
            "can_escalate": concern.escalated_to_id is None
            and selectors.can_record_in(actor=request.user, school=concern.school)
            and (acting_school(request) or concern.school).pk == concern.school_id,
        },
    )
