"""Sign-in pages, the pupil list, and the school's term dates and hours (the pupil page is in
`home`)."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView

from safeguard.auth import axes_username
from safeguard.http import acting_school_or_403, as_safeguard, run_service
from safeguard.mixins import SchoolPermissionRequiredMixin
from safeguard.roles import Perm
from safeguard.search_terms import search_query, search_values
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
from .models import SCHOOL_WEEKDAYS, User
from .selectors import pupil_list_for, school_closure_get_for, school_closure_list_for
from .signin_limits import reset_email_allowed, sign_in_refused

PUPILS_PER_PAGE = 50
SEARCH_TERMS = ("q",)  # the pupil search's words: a token in the URL, never the words


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Beyond axes' lock on the account at this address: too many failures from this address
        # across accounts, or on this account from anywhere (schools/signin_limits.py).
        if sign_in_refused(request, str(request.POST.get("username", ""))):
            return render(request, "registration/locked_out.html", {"widely": True}, status=429)
        return super().post(request, *args, **kwargs)


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

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Past the hourly limit the page says the same (saying otherwise would tell whether the
        # account exists) and no email goes.
        if not reset_email_allowed(self.request, form.cleaned_data["email"]):
            return redirect(self.success_url)
        return super().form_valid(form)


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        # Choosing a new password through the emailed link proves the person owns the account,
        # so it lifts a lock-out (the locked page offers exactly this way back in).
        axes_reset(username=axes_username(self.request, {"username": form.user.email}))
        return super().form_valid(form)


class PupilListView(SchoolPermissionRequiredMixin, TemplateView):
    """The acting school's pupils, searchable; htmx requests get just the results.

    The search box posts (a name is personal data, and a URL goes into the web server's log):
    the page's URL carries a token for it instead (safeguard/search_terms.py)."""

    required_perm = Perm.VIEW_PUPILS
    template_name = "schools/pupil_list.html"

    def _htmx(self) -> bool:
        htmx = as_safeguard(self.request).htmx
        return bool(htmx and not htmx.boosted and not htmx.history_restore_request)

    def get_template_names(self) -> list[str]:
        return ["schools/_pupil_results.html"] if self._htmx() else [self.template_name]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A search: the results page at a URL with a token for what was typed. As the person
        types (htmx), the results straight away, with that URL for the address bar."""
        query_string = search_query(request, request.POST, terms=SEARCH_TERMS)
        url = reverse("pupil-list") + (f"?{query_string}" if query_string else "")
        if not self._htmx():
            return redirect(url)
        context = self.get_context_data(params=request.POST, query_string=query_string)
        response = self.render_to_response(context)
        response["HX-Push-Url"] = url
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = kwargs.pop("params", None)
        if params is None:
            params = search_values(self.request, terms=SEARCH_TERMS)
        form = PupilSearchForm(params or None)
        query, include_left = "", False
        if form.is_valid():
            query = form.cleaned_data["q"].strip()
            include_left = form.cleaned_data["include_left"]
        pupils = pupil_list_for(
            actor=self.request.user, school=self.school, query=query, include_left=include_left
        )
        page = Paginator(pupils, PUPILS_PER_PAGE).get_page(self.request.GET.get("page"))
        if "query_string" not in kwargs:
            here = self.request.GET.copy()
            here.pop("page", None)
            kwargs["query_string"] = here.urlencode()
        return super().get_context_data(
            form=form,
            page=page,
            page_numbers=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            query=query,
            **kwargs,
        )


# Term dates and school hours -------------------------------------------------------------------
# Kept by whoever keeps the school's staff (the school administrator): Perm.MANAGE_STAFF.


@login_required
@require_GET
def term_dates(request: HttpRequest) -> HttpResponse:
    """The school's closures and school hours, which every school-day deadline counts with."""
    school = acting_school_or_403(request, Perm.MANAGE_STAFF)
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
    school = acting_school_or_403(request, Perm.MANAGE_STAFF)
    form = SchoolClosureForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.school_closure_create,
        check=services.school_closure_problems,
        data=SchoolClosureForm.values,
        school=school,
        done=lambda closure: f"{closure.name} was added to the term dates.",
        to="term-dates",
    )
    return done or render(request, "schools/closure_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def closure_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    closure = school_closure_get_for(actor=request.user, pk=pk)
    form = SchoolClosureForm(request.POST or None, initial=SchoolClosureForm.initial_for(closure))
    done = run_service(
        request,
        form,
        services.school_closure_update,
        # The rules for the closure's school, this closure not overlapping itself.
        check=lambda **typed: services.school_closure_problems(school=closure.school, **typed),
        data=SchoolClosureForm.values,
        closure=closure,
        done=lambda changed: f"{changed.name} was changed.",
        to="term-dates",
    )
    return done or render(
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
    school = acting_school_or_403(request, Perm.MANAGE_STAFF)
    calendar = SchoolCalendar.load(school)
    form = SchoolHoursForm(
        request.POST or None, initial=SchoolHoursForm.initial_for(calendar.hours)
    )
    done = run_service(
        request,
        form,
        services.school_hours_set,
        school=school,
        check=lambda *, school, hours: services.school_hours_problems(hours),
        data=SchoolHoursForm.values,
        done="The school hours were saved.",
        to="term-dates",
    )
    return done or render(request, "schools/school_hours.html", {"form": form, "school": school})
