"""A pupil's chronology (with its Appendix 2 print view), hand-written entries and corrections,
CP files, statuses, risk assessments, and the pupil's access log (the safeguarding page, which
gathers other apps' records too, is in `home`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.selectors import access_log_for_pupil
from audit.services import access_log_write
from concerns.selectors import concern_view_for
from safeguard.access import access_for
from safeguard.http import SafeguardRequest, run_service
from safeguard.roles import Perm
from safeguard.search_terms import search_query, search_values
from schools.selectors import cp_pupil_get_for

from . import services
from .forms import (
    ChronologyFilterForm,
    CorrectionForm,
    EntryForm,
    ReasonForm,
    RiskAssessmentForm,
    RiskReviewForm,
    StatusEndForm,
    StatusForm,
)
from .models import EntryKind
from .selectors import (
    chronology_for,
    cp_file_get_for,
    entry_get_for,
    open_cp_file,
    risk_assessment_get_for,
    status_get_for,
    statuses_for,
)

ENTRIES_PER_PAGE = 50
CHRONOLOGY_SEARCH_TERMS = ("q",)  # the words searched for in the entries: a token in the URL


def _header(pupil: Any) -> dict[str, Any]:
    """What every page of the child's record shows at the top."""
    return {"cp_file": open_cp_file(pupil=pupil), "statuses": statuses_for(pupil=pupil)}


def _can_manage(request: SafeguardRequest, pupil: Any) -> bool:
    return access_for(request.user).has(Perm.MANAGE_CP_RECORDS, pupil.school_id)


@login_required
@require_http_methods(["GET", "POST"])
def pupil_chronology(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The chronology, filtered. The filters are posted (the words searched for are personal
    data): the answer is the chronology at a URL with a token for the words."""
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        query = search_query(request, request.POST, terms=CHRONOLOGY_SEARCH_TERMS)
        here = reverse("pupil-chronology", args=[pupil.pk])
        return redirect(here + (f"?{query}" if query else ""))
    access_log_write(
        request=request, school_id=pupil.school_id, what="chronology", pupil_ids=[pupil.pk]
    )
    asked = search_values(request, terms=CHRONOLOGY_SEARCH_TERMS)
    filters = ChronologyFilterForm(asked or None)
    entries = chronology_for(actor=request.user, pupil=pupil, **filters.values())
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "chronology/chronology.html",
        {
            "pupil": pupil,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query_string": params.urlencode(),
            "filters": filters,
            "kinds": EntryKind.choices,
            "manage": _can_manage(request, pupil),
            **_header(pupil),
        },
    )


@login_required
@require_GET
def pupil_chronology_print(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Appendix 2 "Case Record/Chronology", oldest first, ready to print."""
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request, school_id=pupil.school_id, what="chronology_print", pupil_ids=[pupil.pk]
    )
    entries = chronology_for(actor=request.user, pupil=pupil, newest_first=False)
    return render(
        request,
        "chronology/print.html",
        {"pupil": pupil, "entries": entries.iterator(chunk_size=500), "printed_at": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def chronology_entry_add(request: SafeguardRequest, pk: Any) -> HttpResponse:
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if not _can_manage(request, pupil):
        raise Http404("No such record.")
    form = EntryForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.chronology_add_entry,
        pupil=pupil,
        done="The entry was added to the chronology.",
        to=reverse("pupil-chronology", args=[pupil.pk]),
    )
    return done or render(request, "chronology/entry_form.html", {"pupil": pupil, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def chronology_entry_correct(request: SafeguardRequest, pk: Any) -> HttpResponse:
    entry = entry_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=entry.school_id,
        what="chronology_entry",
        pupil_ids=[entry.pupil_id],
    )
    form = CorrectionForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.chronology_correct,
        entry=entry,
        done="The correction was added. The original entry is unchanged.",
        to=reverse("pupil-chronology", args=[entry.pupil_id]),
    )
    return done or render(
        request, "chronology/correct.html", {"entry": entry, "pupil": entry.pupil, "form": form}
    )


def _with_reason(
    request: SafeguardRequest,
    service: Any,
    *,
    pupil: Any,
    done: str,
    missing: str,
    heading: str,
    label: str,
    arguments: dict[str, Any],
) -> HttpResponse:
    """Run a CP-file change that needs a reason (`service(actor=..., **arguments, reason=...)`)
    through `run_service`.
    Done: back to the pupil's safeguarding page with a message. Refused: the form again on a
    page of its own, the message beside the field and in an error summary, with what was typed
    (issue 20; it was a banner on the pupil's page, which has no form to show again)."""
    form = ReasonForm(request.POST)
    form.fields["reason"].label = label
    form.fields["reason"].error_messages["required"] = missing
    finished = run_service(
        request,
        form,
        service,
        done=done,
        to=reverse("pupil-safeguarding", kwargs={"pk": pupil.pk}),
        **arguments,
    )
    if finished is not None:
        return finished
    # The page names the pupil: a look at their CP record, logged as the safeguarding page is.
    access_log_write(
        request=request, school_id=pupil.school_id, what="cp_file", pupil_ids=[pupil.pk]
    )
    return render(
        request,
        "chronology/cp_file_reason.html",
        {"pupil": pupil, "form": form, "heading": heading, "action": request.path},
    )


@login_required
@require_POST
def cp_file_open(request: SafeguardRequest, pk: Any) -> HttpResponse:
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if not _can_manage(request, pupil):
        raise Http404("No such record.")
    return _with_reason(
        request,
        services.cp_file_open,
        pupil=pupil,
        arguments={"pupil": pupil},
        done="A child-protection file is open.",
        missing="Enter why the file is being opened",
        heading="Open a child-protection file",
        label="Should a concern/confidential file be commenced? Why?",
    )


@login_required
@require_POST
def cp_file_close(request: SafeguardRequest, pk: Any) -> HttpResponse:
    cp_file = cp_file_get_for(actor=request.user, pk=pk)
    return _with_reason(
        request,
        services.cp_file_close,
        pupil=cp_file.pupil,
        arguments={"cp_file": cp_file},
        done="The child-protection file is closed.",
        missing="Enter why the file is being closed",
        heading="Close the child-protection file",
        label="Why is the file being closed?",
    )


@login_required
@require_GET
def pupil_access_log(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Who has viewed this child's CP records (the DSL and deputies read it)."""
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if not _can_manage(request, pupil):
        raise Http404("No such record.")
    # Reading who has looked is itself a look (the page shows the file and the statuses too).
    access_log_write(
        request=request, school_id=pupil.school_id, what="access_log", pupil_ids=[pupil.pk]
    )
    page = Paginator(access_log_for_pupil(pupil=pupil), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "chronology/access_log.html",
        {
            "pupil": pupil,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query_string": "",
            "manage": True,
            **_header(pupil),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_add(request: SafeguardRequest, pk: Any) -> HttpResponse:
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if not _can_manage(request, pupil):
        raise Http404("No such record.")
    form = StatusForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.status_add,
        pupil=pupil,
        done="The status or plan was recorded.",
        to=reverse("pupil-safeguarding", kwargs={"pk": pupil.pk}) + "#statuses",
    )
    return done or render(request, "chronology/status_form.html", {"pupil": pupil, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def status_end(request: SafeguardRequest, pk: Any) -> HttpResponse:
    status = status_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request, school_id=status.school_id, what="status", pupil_ids=[status.pupil_id]
    )
    form = StatusEndForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.status_end,
        status=status,
        done=f"{status.get_kind_display()} ended.",
        to=reverse("pupil-safeguarding", kwargs={"pk": status.pupil_id}) + "#statuses",
    )
    return done or render(
        request,
        "chronology/status_end.html",
        {"pupil": status.pupil, "status": status, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_assessment_add(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """A risk assessment for a concern, covering any of its pupils."""
    view = concern_view_for(actor=request.user, pk=pk)
    if not view.manage:
        raise Http404("No such record.")
    pupils = [i.pupil for i in view.concern.involvements.all()]
    # The page names the concern and its pupils: a view of the concern's record.
    access_log_write(
        request=request,
        school_id=view.concern.school_id,
        what="new_risk_assessment",
        pupil_ids=[p.pk for p in pupils],
        record_id=view.concern.pk,
    )
    form = RiskAssessmentForm(
        request.POST or None, pupils=pupils, initial={"pupils": [str(p.pk) for p in pupils]}
    )
    done = run_service(
        request,
        form,
        services.risk_assessment_create,
        school=view.concern.school,
        concern=view.concern,
        done="The risk assessment is recorded.",
        to=lambda assessment: reverse("risk-assessment-detail", args=[assessment.pk]),
    )
    return done or render(
        request, "chronology/risk_assessment_form.html", {"concern": view.concern, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pupil_risk_assessment_add(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """A risk assessment started from the pupil's page (no concern): the same form and the
    same permissions (the DSL and deputies), covering this pupil."""
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    if not _can_manage(request, pupil):
        raise Http404("No such record.")
    access_log_write(
        request=request,
        school_id=pupil.school_id,
        what="new_risk_assessment",
        pupil_ids=[pupil.pk],
    )
    form = RiskAssessmentForm(
        request.POST or None, pupils=[pupil], initial={"pupils": [str(pupil.pk)]}
    )
    done = run_service(
        request,
        form,
        services.risk_assessment_create,
        school=pupil.school,
        done="The risk assessment is recorded.",
        to=lambda assessment: reverse("risk-assessment-detail", args=[assessment.pk]),
    )
    return done or render(
        request, "chronology/risk_assessment_form.html", {"pupil": pupil, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_assessment_detail(request: SafeguardRequest, pk: Any) -> HttpResponse:
    assessment = risk_assessment_get_for(actor=request.user, pk=pk)
    pupil_ids = [c.pupil_id for c in assessment.covered.all()]
    manage = access_for(request.user).has(Perm.MANAGE_CP_RECORDS, assessment.school_id)
    form = RiskReviewForm(request.POST or None, initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST" and not manage:
        raise Http404("No such record.")
    done = run_service(
        request,
        form,
        services.risk_assessment_review,
        assessment=assessment,
        done="The review is recorded.",
        to=reverse("risk-assessment-detail", args=[assessment.pk]),
    )
    if done is not None:
        return done
    access_log_write(
        request=request,
        school_id=assessment.school_id,
        what="risk_assessment",
        pupil_ids=pupil_ids,
        record_id=assessment.pk,
    )
    return render(
        request,
        "chronology/risk_assessment.html",
        {"assessment": assessment, "form": form, "manage": manage, "today": timezone.localdate()},
    )
