"""View mixins that scope every action to the schools where the user holds the needed permission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .access import access_for
from .roles import Perm


class SchoolPermissionRequiredMixin(LoginRequiredMixin):
    """Act in the user's current school, and only with `required_perm` there (else 403)."""

    required_perm: Perm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.school = request.schools.acting  # type: ignore[attr-defined]
        if self.school is None or not access_for(request.user).has(self.required_perm, self.school):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RecordAccessMixin(LoginRequiredMixin):
    """Look a record up through a scoped selector: missing, other-school and forbidden are one 404.

    When the record belongs to another school the user also works in (a link from an email, say),
    the user's acting school follows the record and the page says so.
    """

    def get_record(self) -> Any:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.args, self.kwargs = args, kwargs
        self.record = self.get_record()
        schools = request.schools  # type: ignore[attr-defined]
        if schools.acting is None or schools.acting.pk != self.record.school_id:
            schools.switch_to(self.record.school)
            messages.info(request, f"You are now acting in {self.record.school.name}.")
        self.school = self.record.school
        return super().dispatch(request, *args, **kwargs)
