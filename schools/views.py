"""Sign-in pages, the pupil list, and the school's term dates and hours (the pupil page is in
`home`)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView

from safeguard.access import access_for
from safeguard.auth import axes_username
from safeguard.forms import add_service_errors
from safeguard.mixins import SchoolPermissionRequiredMixin
from safeguard.roles import Perm
from safeguard.workdays import SchoolCalendar

from . import services
from .forms import (
    NewPasswordForm,
    PupilSearchForm,
    ResetRequestForm,
    SchoolClosureForm,
    SchoolHoursForm,
    SignInForm,
)
from .models import SCHOOL_WEEKDAYS, School
from .selectors import pupil_list_for, school_closure_get_for, school_closure_list_for

PUPILS_PER_PAGE = 50


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


class ResetRequestView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        # Choosing a new password through the emailed link proves the person owns the account,
        # so it lifts a lock-out (the locked page offers exactly this way back in).
        axes_reset(username=axes_username(self.request, {"username": self.user.email}))
        return super().form_valid(form)


class PupilListView(SchoolPermissionRequiredMixin, TemplateView):
    """The acting school's pupils, searchable; htmx requests get just the results."""

    required_perm = Perm.VIEW_PUPILS
    template_name = "schools/pupil_list.html"

    def get_template_names(self) -> list[str]:
        htmx = self.request.htmx  # type: ignore[attr-defined]
        if htmx and not htmx.boosted and not htmx.history_restore_request:
            return ["schools/_pupil_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = PupilSearchForm(self.request.GET or None)
        query, include_left = "", False
        if form.is_valid():
            query = form.cleaned_data["q"].strip()
            include_left = form.cleaned_data["include_left"]
        pupils = pupil_list_for(
            actor=self.request.user, school=self.school, query=query, include_left=include_left
        )
        page = Paginator(pupils, PUPILS_PER_PAGE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(
            form=form,
            page=page,
            page_numbers=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            query=query,
            query_string=params.urlencode(),
            **kwargs,
        )


# Term dates and school hours -------------------------------------------------------------------


def _managed_school(request: HttpRequest) -> School:
    """The acting school, when the person keeps its term dates (the school administrator)."""
    school = request.schools.acting  # type: ignore[attr-defined]
    if school is None or not access_for(request.user).has(Perm.MANAGE_STAFF, school):
        raise PermissionDenied
    return school


@login_required
@require_GET
def term_dates(request: HttpRequest) -> HttpResponse:
    """The school's closures and school hours, which every school-day deadline counts with."""
    school = _managed_school(request)
    calendar = SchoolCalendar.load(school)
    return render(
        request,
        "schools/term_dates.html",
        {
            "school": school,
            "closures": school_closure_list_for(actor=request.user, school=school),
            "hours": [(day, *calendar.hours[n]) for n, day in enumerate(SCHOOL_WEEKDAYS)],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_add(request: HttpRequest) -> HttpResponse:
    school = _managed_school(request)
    form = SchoolClosureForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.school_closure_create(
                actor=request.user, school=school, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{closure.name} was added to the term dates.")
            return redirect("term-dates")
    return render(request, "schools/closure_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def closure_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    closure = school_closure_get_for(actor=request.user, pk=pk)
    form = SchoolClosureForm(
        request.POST or None,
        school=closure.school,
        closure=closure,
        initial=SchoolClosureForm.initial_for(closure),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_closure_update(actor=request.user, closure=closure, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{closure.name} was changed.")
            return redirect("term-dates")
    return render(
        request,
        "schools/closure_form.html",
        {"form": form, "school": closure.school, "closure": closure},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    closure = school_closure_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        services.school_closure_remove(actor=request.user, closure=closure)
        messages.success(request, f"{closure.name} was removed: its days count as school days.")
        return redirect("term-dates")
    return render(
        request, "schools/closure_remove.html", {"closure": closure, "school": closure.school}
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_hours(request: HttpRequest) -> HttpResponse:
    school = _managed_school(request)
    calendar = SchoolCalendar.load(school)
    form = SchoolHoursForm(
        request.POST or None, initial=SchoolHoursForm.initial_for(calendar.hours)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_hours_set(actor=request.user, school=school, hours=form.hours())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The school hours were saved.")
            return redirect("term-dates")
    return render(request, "schools/school_hours.html", {"form": form, "school": school})
