"""Sign-in pages and the pupil list and pupil page."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from safeguard.auth import axes_username
from safeguard.mixins import RecordAccessMixin, SchoolPermissionRequiredMixin
from safeguard.roles import Perm

from .forms import NewPasswordForm, PupilSearchForm, ResetRequestForm, SignInForm
from .selectors import pupil_get_for, pupil_list_for

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


class PupilDetailView(RecordAccessMixin, TemplateView):
    template_name = "schools/pupil_detail.html"

    def get_record(self) -> Any:
        return pupil_get_for(actor=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from chronology.selectors import open_cp_file, statuses_for
        from safeguard.access import access_for

        pupil = self.record
        if access_for(self.request.user).has(Perm.READ_CP_RECORDS, pupil.school_id):
            statuses = [s for s in statuses_for(pupil=pupil) if not s.end_date]
            kwargs.update(statuses=statuses, cp_file=open_cp_file(pupil=pupil), cp_reader=True)
            if statuses or kwargs["cp_file"]:
                from audit.services import access_log_write

                access_log_write(
                    request=self.request,
                    school_id=pupil.school_id,
                    what="pupil_page",
                    pupil_ids=[pupil.pk],
                )
        return super().get_context_data(pupil=pupil, **kwargs)
