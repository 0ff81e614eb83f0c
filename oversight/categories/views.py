"""Pages of category governance: the TSO's category list, its history and the schools'
requests; a school DSL's requests and their outcomes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.categories import services
from oversight.categories.forms import (
    ApproveForm,
    CategoryForm,
    CategoryRequestForm,
    DeclineForm,
    RetireForm,
)
from oversight.categories.selectors import (
    category_get_for,
    category_headings_for,
    category_history_for,
    category_request_get_for,
    category_tree_for,
    category_use_for,
    school_category_requests_for,
    trust_category_requests_for,
)
from safeguard.http import acting_school, run_service
from schools.models import School, Trust

HISTORY_PAGE = 200
DECIDED_SHOWN = 20


def _category_trust(request: HttpRequest) -> Trust:
    """The acting school's trust, when the person keeps its category list (else 403)."""
    school = acting_school(request)
    if school is None or not services.can_manage_categories(request.user, school.trust_id):
        raise PermissionDenied
    return school.trust


def _requesting_school(request: HttpRequest) -> School:
    """The acting school, when the person may ask for categories there (else 403)."""
    school = acting_school(request)
    if school is None or not services.can_request_categories(request.user, school):
        raise PermissionDenied
    return school


def _with_its(changed: list[Any]) -> str:
    """What else a heading took with it, when it was retired or restored."""
    also = len(changed) - 1
    return f", with its {also} categor{'y' if also == 1 else 'ies'}" if also else ""


# The TSO's list ------------------------------------------------------------------------------


@login_required
@require_GET
def category_list(request: HttpRequest) -> HttpResponse:
    trust = _category_trust(request)
    return render(
        request,
        "oversight/category_list.html",
        {
            "trust": trust,
            "headings": category_tree_for(actor=request.user, trust_id=trust.pk),
            "pending": list(
                trust_category_requests_for(actor=request.user, trust_id=trust.pk, pending=True)
            ),
            "decided": list(
                trust_category_requests_for(actor=request.user, trust_id=trust.pk, pending=False)[
                    :DECIDED_SHOWN
                ]
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_add(request: HttpRequest) -> HttpResponse:
    trust = _category_trust(request)
    headings = category_headings_for(trust_id=trust.pk)
    initial = {"parent": request.GET.get("parent", "")}
    form = CategoryForm(request.POST or None, headings=headings, initial=initial)
    added = run_service(
        request,
        form,
        services.category_create,
        trust=trust,
        done=lambda category: f"{category.label} was added to the list.",
        to="category-list",
    )
    return added or render(request, "oversight/category_form.html", {"form": form, "trust": trust})


@login_required
@require_http_methods(["GET", "POST"])
def category_rename(request: HttpRequest, pk: Any) -> HttpResponse:
    category = category_get_for(actor=request.user, pk=pk)
    form = CategoryForm(request.POST or None, initial={"name": category.name})
    renamed = run_service(
        request,
        form,
        services.category_rename,
        category=category,  # the service renames its own copy: this one keeps the old name
        done=lambda renamed: f"{category.label} is now called {renamed.label}.",
        to="category-list",
    )
    return renamed or render(
        request,
        "oversight/category_form.html",
        {"form": form, "trust": category.trust, "category": category},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_retire(request: HttpRequest, pk: Any) -> HttpResponse:
    """Ask "Are you sure?" (GET, saying what else goes with a heading); retire (POST)."""
    category = category_get_for(actor=request.user, pk=pk)
    form = RetireForm(request.POST if request.method == "POST" else None)
    retired = run_service(
        request,
        form,
        services.category_retire,
        category=category,
        done=lambda retired: (
            f"{category.label} was retired"
            + _with_its(retired)
            + ". Concerns already recorded keep it; new concerns cannot choose it."
        ),
        to="category-list",
    )
    if retired is not None:
        return retired
    children = [c for c in category.children.all() if c.retired_at is None]
    return render(
        request,
        "oversight/category_retire.html",
        {
            "category": category,
            "children": children,
            "trust": category.trust,
            "form": form,
            "in_use": category_use_for(actor=request.user, category=category),
        },
    )


@login_required
@require_POST
def category_restore(request: HttpRequest, pk: Any) -> HttpResponse:
    # Written out: a button on the list with no form, so a refusal is said on the list.
    category = category_get_for(actor=request.user, pk=pk)
    try:
        restored = services.category_restore(actor=request.user, category=category)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(
            request, f"{category.label} is offered on new concerns again{_with_its(restored)}."
        )
    return redirect("category-list")


@login_required
@require_GET
def category_history(request: HttpRequest) -> HttpResponse:
    trust = _category_trust(request)
    changes = list(category_history_for(actor=request.user, trust_id=trust.pk)[: HISTORY_PAGE + 1])
    return render(
        request,
        "oversight/category_history.html",
        {"trust": trust, "changes": changes[:HISTORY_PAGE], "more": len(changes) > HISTORY_PAGE},
    )


# Requests ------------------------------------------------------------------------------------


@login_required
@require_GET
def category_request_list(request: HttpRequest) -> HttpResponse:
    """The acting school's requests and what the trust decided."""
    school = _requesting_school(request)
    return render(
        request,
        "oversight/category_request_list.html",
        {
            "school": school,
            "requests": list(school_category_requests_for(actor=request.user, school=school)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_request_new(request: HttpRequest) -> HttpResponse:
    school = _requesting_school(request)
    headings = category_headings_for(trust_id=school.trust_id)
    form = CategoryRequestForm(request.POST or None, headings=headings)
    sent = run_service(
        request,
        form,
        services.category_request_create,
        school=school,
        done=lambda sent: (
            f"Your request for {sent.name} was sent to the trust safeguarding officer."
        ),
        to=lambda sent: reverse("category-request-detail", args=[sent.pk]),
    )
    return sent or render(
        request,
        "oversight/category_request_form.html",
        {"form": form, "school": school, "headings": headings},
    )


def _request_page(
    request: HttpRequest,
    category_request: Any,
    *,
    approve: ApproveForm | None = None,
    decline: DeclineForm | None = None,
) -> HttpResponse:
    decides = services.can_manage_categories(request.user, category_request.school.trust_id)
    if decides and category_request.is_pending:
        approve = approve or ApproveForm(initial={"name": category_request.name})
        decline = decline or DeclineForm()
    return render(
        request,
        "oversight/category_request_detail.html",
        {
            "req": category_request,
            "decides": decides,
            "approve_form": approve,
            "decline_form": decline,
        },
    )


@login_required
@require_GET
def category_request_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The request, and the decision once made; the TSO decides here."""
    return _request_page(request, category_request_get_for(actor=request.user, pk=pk))


def _decidable(request: HttpRequest, pk: Any) -> Any:
    category_request = category_request_get_for(actor=request.user, pk=pk)
    if not services.can_manage_categories(request.user, category_request.school.trust_id):
        raise PermissionDenied  # the school's DSL reads it, the trust decides
    return category_request


@login_required
@require_POST
def category_request_approve(request: HttpRequest, pk: Any) -> HttpResponse:
    category_request = _decidable(request, pk)
    form = ApproveForm(request.POST)
    approved = run_service(
        request,
        form,
        services.category_request_approve,
        # The service's `request` is the school's request: passed with the form's data, as
        # run_service's own first argument is the HTTP request.
        data=lambda valid: {
            "request": category_request,
            "name": valid.cleaned_data["name"],
            "reason": valid.cleaned_data["approve_note"],
        },
        done=lambda category: (
            f"{category.label} was added to the list; {category_request.school.name} is told."
        ),
        to="category-list",
    )
    return approved or _request_page(request, category_request, approve=form)


@login_required
@require_POST
def category_request_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    category_request = _decidable(request, pk)
    form = DeclineForm(request.POST)
    declined = run_service(
        request,
        form,
        services.category_request_decline,
        data=lambda valid: {  # `request` with the data, as in category_request_approve
            "request": category_request,
            "reason": valid.cleaned_data["decline_reason"],
        },
        done=f"The request for {category_request.name} was declined; "
        f"{category_request.school.name} is told why.",
        to="category-list",
    )
    return declined or _request_page(request, category_request, decline=form)
