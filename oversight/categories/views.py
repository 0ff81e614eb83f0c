"""Pages of category governance: the TSO's category list, its history and the schools'
requests; a school DSL's requests and their outcomes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight.categories import services
from oversight.categories.forms import ApproveForm, CategoryForm, CategoryRequestForm, DeclineForm
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
from safeguard.forms import add_service_errors
from schools.models import School, Trust

HISTORY_PAGE = 200
DECIDED_SHOWN = 20


def _category_trust(request: HttpRequest) -> Trust:
    """The acting school's trust, when the person keeps its category list (else 403)."""
    school = request.schools.acting  # type: ignore[attr-defined]
    if school is None or not services.can_manage_categories(request.user, school.trust_id):
        raise PermissionDenied
    return school.trust


def _requesting_school(request: HttpRequest) -> School:
    """The acting school, when the person may ask for categories there (else 403)."""
    school = request.schools.acting  # type: ignore[attr-defined]
    if school is None or not services.can_request_categories(request.user, school):
        raise PermissionDenied
    return school


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
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(
                actor=request.user,
                trust=trust,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{category.label} was added to the list.")
            return redirect("category-list")
    return render(request, "oversight/category_form.html", {"form": form, "trust": trust})


@login_required
@require_http_methods(["GET", "POST"])
def category_rename(request: HttpRequest, pk: Any) -> HttpResponse:
    category = category_get_for(actor=request.user, pk=pk)
    form = CategoryForm(request.POST or None, initial={"name": category.name})
    if request.method == "POST" and form.is_valid():
        before = category.label
        try:
            category = services.category_rename(
                actor=request.user, category=category, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{before} is now called {category.label}.")
            return redirect("category-list")
    return render(
        request,
        "oversight/category_form.html",
        {"form": form, "trust": category.trust, "category": category},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_retire(request: HttpRequest, pk: Any) -> HttpResponse:
    """Ask "Are you sure?" (GET, saying what else goes with a heading); retire (POST)."""
    category = category_get_for(actor=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            retired = services.category_retire(actor=request.user, category=category)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            also = len(retired) - 1
            messages.success(
                request,
                f"{category.label} was retired"
                + (f", with its {also} categor{'y' if also == 1 else 'ies'}" if also else "")
                + ". Concerns already recorded keep it; new concerns cannot choose it.",
            )
            return redirect("category-list")
    children = [c for c in category.children.all() if c.retired_at is None]
    return render(
        request,
        "oversight/category_retire.html",
        {
            "category": category,
            "children": children,
            "trust": category.trust,
            "error": error,
            "in_use": category_use_for(actor=request.user, category=category),
        },
    )


@login_required
@require_POST
def category_restore(request: HttpRequest, pk: Any) -> HttpResponse:
    category = category_get_for(actor=request.user, pk=pk)
    try:
        restored = services.category_restore(actor=request.user, category=category)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        also = len(restored) - 1
        messages.success(
            request,
            f"{category.label} is offered on new concerns again"
            + (f", with its {also} categor{'y' if also == 1 else 'ies'}" if also else "")
            + ".",
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
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.category_request_create(
                actor=request.user,
                school=school,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Your request for {sent.name} was sent to the trust safeguarding officer.",
            )
            return redirect("category-request-detail", pk=sent.pk)
    return render(
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
    if form.is_valid():
        try:
            category = services.category_request_approve(
                actor=request.user,
                request=category_request,
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["approve_note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{category.label} was added to the list; {category_request.school.name} is told.",
            )
            return redirect("category-list")
    return _request_page(request, category_request, approve=form)


@login_required
@require_POST
def category_request_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    category_request = _decidable(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.category_request_decline(
                actor=request.user,
                request=category_request,
                reason=form.cleaned_data["decline_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The request for {category_request.name} was declined; "
                f"{category_request.school.name} is told why.",
            )
            return redirect("category-list")
    return _request_page(request, category_request, decline=form)
