"""The search page (docs/adr/0042): the words are posted, kept in the session under a token
(docs/adr/0033), and the page at the token's URL lists one page of results, each linking to its
record. Every search shown is access-logged (one row per pupil named on the page)."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.services import access_log_write
from concerns.models import Category
from safeguard.http import SafeguardRequest, acting_school_or_403
from safeguard.params import whole_number
from safeguard.roles import Perm
from safeguard.search_terms import search_query, search_values
from schools.models import School, SchoolMembership, User
from schools.selectors import pupil_list_for

from .forms import RecordSearchForm
from .selectors import (
    COUNT_AT_MOST,
    PER_PAGE,
    RANK_AT_MOST,
    Filters,
    Reader,
    search_count,
    search_page,
)

SEARCH_TERMS = ("q", "pupil")  # the words and the pupil's name: tokens in the URL


def _form(school: School, data: Any) -> RecordSearchForm:
    categories = [
        (c.pk, c.name)
        for c in Category.objects.filter(trust_id=school.trust_id, parent__isnull=True).order_by(
            "name"
        )
    ]
    people = User.objects.filter(
        pk__in=SchoolMembership.objects.filter(school=school).values("user_id")
    ).order_by("full_name", "pk")
    authors = [(u.pk, u.full_name) for u in people]
    return RecordSearchForm(data, categories=categories, authors=authors)


@login_required
@require_http_methods(["GET", "POST"])
def record_search(request: SafeguardRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.READ_CP_RECORDS)
    if request.method == "POST":
        form = _form(school, request.POST)
        if form.is_valid():
            query = search_query(request, request.POST, terms=SEARCH_TERMS)
            return redirect(reverse("record-search") + (f"?{query}" if query else ""))
        return _render(request, form, None)
    asked = search_values(request, terms=SEARCH_TERMS)
    asked.pop("page", None)
    if not asked:
        return _render(request, _form(school, None), None)
    form = _form(school, asked)
    if not form.is_valid():
        return _render(request, form, None)
    values = form.values()
    pupil_ids = None
    if values["pupil"]:
        pupil_ids = list(
            pupil_list_for(
                actor=request.user, school=school, query=values["pupil"], include_left=True
            ).values_list("pk", flat=True)[:50]
        )
    filters = Filters(
        words=values["words"],
        pupil_ids=pupil_ids,
        category_id=values["category_id"],
        author_id=values["author_id"],
        since=values["since"],
        until=values["until"],
    )
    reader = Reader.of(request.user, school)
    count = search_count(reader=reader, filters=filters)
    pages = max(1, math.ceil(min(count, COUNT_AT_MOST) / PER_PAGE))
    number = min(max(whole_number(request.GET.get("page")) or 1, 1), pages)
    results = search_page(
        reader=reader,
        filters=filters,
        count=count,
        offset=(number - 1) * PER_PAGE,
    )
    for hit in results.hits:
        hit.url = _url(hit)
    access_log_write(
        request=request,
        school_id=school.pk,
        what="record_search",
        pupil_ids=[p.pk for h in results.hits for p in h.pupils],
    )
    params = request.GET.copy()
    params.pop("page", None)
    return _render(
        request,
        form,
        {
            "results": results,
            "number": number,
            "pages": pages,
            "more_than_shown": count > COUNT_AT_MOST,
            "count_at_most": COUNT_AT_MOST,
            "rank_at_most": RANK_AT_MOST,
            "first": (number - 1) * PER_PAGE + 1,
            "last": (number - 1) * PER_PAGE + len(results.hits),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
            "query_string": params.urlencode(),
        },
    )


def _url(hit: Any) -> str:
    """Where a result is read: the record's own page (access-logged there, as it always is)."""
    key = hit.kind.key
    if key == "concern":
        return reverse("concern-detail", args=[hit.pk])
    if key in ("addendum", "dsl_record"):
        anchor = "#addenda" if key == "addendum" else ""
        return reverse("concern-detail", args=[hit.concern_id]) + anchor
    if key == "chronology":
        return reverse("pupil-chronology", args=[hit.record.pupil_id])
    if key == "referral":
        return reverse("referral-detail", args=[hit.pk])
    return reverse("risk-assessment-detail", args=[hit.pk])


def _render(request: SafeguardRequest, form: RecordSearchForm, found: Any) -> HttpResponse:
    return render(
        request,
        "home/record_search.html",
        {
            "form": form,
            "since": form.date_input("since"),
            "until": form.date_input("until"),
            **(found or {}),
            "searched": found is not None,
        },
    )
