"""View mixins that scope every action to the schools where the user holds the needed permission."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponseBase

from .http import acting_school_or_403, record_school_context
from .roles import Perm


class SchoolPermissionRequiredMixin(LoginRequiredMixin):
    """Act in the user's current school, and only with `required_perm` there (else 403)."""

    required_perm: Perm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.school = acting_school_or_403(request, self.required_perm)
        return super().dispatch(request, *args, **kwargs)


class RecordAccessMixin(LoginRequiredMixin):
    """Look a record up through a scoped selector: missing, other-school and forbidden are one 404.

    A record of another school the person also works in (a link from an email, say) is shown with
    its own school named, and a banner offers to switch; opening it never changes the acting
    school, so a form open in another tab cannot end up saved to the wrong school.
    """

    request: HttpRequest  # set by View.setup, before dispatch

    def get_record(self) -> Any:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.record = self.get_record()
        self.school = self.record.school
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        request = self.request
        for key, value in record_school_context(request, self.school).items():
            kwargs.setdefault(key, value)
        return super().get_context_data(**kwargs)  # type: ignore[misc]
