"""Quality assurance pages (issue 8): the TSO's coverage and review list, drawing a sample,
choosing a concern, the review itself; the school's list of feedback and its responses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import access_log_write
from concerns.models import DslRecord
from oversight.models import QaReview, QaReviewStatus, QaSample
from oversight.qa import selectors, services
from oversight.qa.forms import ChooseForm, ResponseForm, ReviewForm, SampleForm
from oversight.terms import Term, current_term, parse_term, recent_terms
from safeguard.access import access_for
from safeguard.forms import add_service_errors
from safeguard.http import acting_school_or_403, as_safeguard, run_service
from safeguard.roles import Perm

QA_PER_PAGE = 25


def _require_tso(request: HttpRequest) -> None:
    if not access_for(request.user).schools_with(Perm.QA_REVIEW):
        raise PermissionDenied


@login_required
@require_GET
def qa_overview(request: HttpRequest) -> HttpResponse:
    """The TSO's quality assurance: coverage per school for a term, concerns to review, reviews
    submitted and whether the school has responded."""
    _require_tso(request)
    terms = recent_terms()
    term = parse_term(request.GET.get("term")) or current_term()
    if term not in terms:
        term = current_term()
    # Two lists, each a page at a time in the database, each with its own page number: the
    # links of one keep the term and the other's page.
    to_review = Paginator(selectors.qa_to_review_for(actor=request.user), QA_PER_PAGE).get_page(
        request.GET.get("to_review_page")
    )
    submitted = Paginator(
        selectors.qa_submitted_for(actor=request.user, term=term), QA_PER_PAGE
    ).get_page(request.GET.get("reviewed_page"))

    def keeping(other: str, number: int) -> str:
        params = {"term": term.key}
        if number > 1:
            params[other] = str(number)
        return urlencode(params)

    return render(
        request,
        "oversight/qa_overview.html",
        {
            "term": term,
            "terms": terms,
            "coverage": selectors.qa_coverage_for(actor=request.user, term=term),
            "to_review": to_review,
            "to_review_numbers": _numbers(to_review),
            "to_review_query": keeping("reviewed_page", submitted.number),
            "submitted": submitted,
            "submitted_numbers": _numbers(submitted),
            "submitted_query": keeping("to_review_page", to_review.number),
        },
    )


def _numbers(page: Page) -> Any:
    return page.paginator.get_elided_page_range(page.number, on_each_side=2)


def _term_chosen(form: SampleForm) -> Term:
    return parse_term(form.cleaned_data["term"]) or current_term()  # the choices are terms


def _sample_drawn(sample: QaSample, school_name: str, term: Term) -> str:
    picked = sample.reviews.count()
    return (
        f"{picked} of {school_name}'s {sample.population} concerns in the {term.label} "
        f"{'is' if picked == 1 else 'are'} on your list to review."
    )


@login_required
@require_http_methods(["GET", "POST"])
def qa_sample_new(request: HttpRequest, school_id: int) -> HttpResponse:
    """Draw a random sample of one school's concerns for a term."""
    school = selectors.qa_school_for(actor=request.user, school_id=school_id)
    terms = recent_terms()
    initial_term = parse_term(request.GET.get("term")) or current_term()
    form = SampleForm(
        request.POST if request.method == "POST" else None,
        terms=terms,
        initial={"term": initial_term.key, "size": 3},
    )
    drawn = run_service(
        request,
        form,
        services.qa_sample_draw,
        school=school,
        data=lambda valid: {"term": _term_chosen(valid), "size": valid.cleaned_data["size"]},
        done=lambda sample: _sample_drawn(sample, school.name, _term_chosen(form)),
        to=lambda sample: f"{reverse('qa-overview')}?term={_term_chosen(form).key}",
    )
    return drawn or render(request, "oversight/qa_sample.html", {"school": school, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def qa_choose(request: HttpRequest) -> HttpResponse:
    """Choose a concern to review by its reference."""
    _require_tso(request)
    # A link from a list of concerns (the dashboards' drill-down) may name the reference.
    initial = {"reference": request.GET.get("reference", "")[:24]}
    form = ChooseForm(request.POST if request.method == "POST" else None, initial=initial)
    # Written out: the review's page is the answer, with no message to say so (run_service's).
    if request.method == "POST" and form.is_valid():
        try:
            review = services.qa_review_choose(
                actor=as_safeguard(request).user, reference=form.cleaned_data["reference"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("qa-review", pk=review.pk)
    return render(request, "oversight/qa_choose.html", {"form": form})


def _log(request: HttpRequest, review: QaReview) -> None:
    access_log_write(
        request=request,
        school_id=review.school_id,
        what="quality_assurance",
        pupil_ids=[i.pupil_id for i in review.concern.involvements.all()],
        record_id=review.concern_id,
    )


def _render_review(
    request: HttpRequest,
    review: QaReview,
    *,
    review_form: ReviewForm | None = None,
    response_form: ResponseForm | None = None,
) -> HttpResponse:
    access = access_for(request.user)
    reviewer = access.has(Perm.QA_REVIEW, review.school_id)
    responder = access.has(Perm.MANAGE_CP_RECORDS, review.school_id)
    submitted = review.status == QaReviewStatus.SUBMITTED
    context: dict[str, Any] = {
        "review": review,
        "concern": review.concern,
        "criteria": review.criteria(),
        "responses": list(review.responses.all()),
        "review_form": (review_form or ReviewForm()) if reviewer and not submitted else None,
        "response_form": (response_form or ResponseForm()) if responder and submitted else None,
        "can_remove": reviewer and not submitted,
        "show_record": reviewer,
        "back": reverse("qa-overview") if reviewer else reverse("qa-school-list"),
    }
    if reviewer:
        # The record under review, beside the form: the concern and the DSL's record.
        context["record"] = DslRecord.objects.filter(concern=review.concern).first()
        context["involvement_count"] = len(review.concern.involvements.all())
    return render(request, "oversight/qa_review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def qa_review(request: HttpRequest, pk: Any) -> HttpResponse:
    """One QA review. The TSO records it (a draft) or reads it; the school's DSL and deputies
    read the feedback and respond."""
    review = selectors.qa_review_get(actor=request.user, pk=pk)
    _log(request, review)
    if request.method != "POST":
        return _render_review(request, review)
    if not access_for(request.user).has(Perm.QA_REVIEW, review.school_id):
        raise PermissionDenied
    if review.status != QaReviewStatus.DRAFT:
        messages.info(request, "This review had already been submitted: nothing was changed.")
        return redirect("qa-review", pk=review.pk)
    form = ReviewForm(request.POST)
    submitted = run_service(
        request,
        form,
        services.qa_review_submit,
        review=review,
        done=f"Review of concern {review.concern.reference} submitted and signed. "
        f"{review.school.name}'s DSL and deputies have been told.",
        to=reverse("qa-review", args=[review.pk]),
    )
    return submitted or _render_review(request, review, review_form=form)


@login_required
@require_POST
def qa_respond(request: HttpRequest, pk: Any) -> HttpResponse:
    """The school's DSL or a deputy responds to a submitted review."""
    review = selectors.qa_review_get(actor=request.user, pk=pk)
    if not access_for(request.user).has(Perm.MANAGE_CP_RECORDS, review.school_id):
        raise PermissionDenied
    form = ResponseForm(request.POST)
    responded = run_service(
        request,
        form,
        services.qa_response_add,
        review=review,
        done="Your response is signed and the reviewer has been told.",
        to=reverse("qa-review", args=[review.pk]),
    )
    if responded is not None:
        return responded
    _log(request, review)
    return _render_review(request, review, response_form=form)


@login_required
@require_POST
def qa_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    """Take a concern off the TSO's list before it is reviewed."""
    # Written out: a button with no form; its one refusal (submitted meanwhile) is news, not
    # an error, said on the review's page.
    review = selectors.qa_review_get(actor=request.user, pk=pk)
    try:
        services.qa_review_remove(actor=as_safeguard(request).user, review=review)
    except ValidationError:
        messages.info(request, "This review had already been submitted: it is kept.")
        return redirect("qa-review", pk=review.pk)
    messages.success(
        request, f"Concern {review.concern.reference} is no longer on your list to review."
    )
    return redirect("qa-overview")


@login_required
@require_GET
def qa_school_list(request: HttpRequest) -> HttpResponse:
    """The acting school's quality-assurance feedback, for its DSL and deputies."""
    school = acting_school_or_403(request, Perm.MANAGE_CP_RECORDS)
    page = Paginator(
        selectors.qa_reviews_for_school(actor=request.user, school=school), QA_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/qa_school_list.html",
        {"school": school, "reviews": page, "page": page, "page_numbers": _numbers(page)},
    )
