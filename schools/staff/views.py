"""Staff pages: the school administrator's staff list and invitations, the head's and DSL's
confirmations and history, the TSO's trust roles, and the invitation's set-password page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import TemplateView

from safeguard.access import access_for
from safeguard.http import acting_school, acting_school_or_403, run_service
from safeguard.roles import ROLES, Perm
from schools.models import School

from . import selectors, services
from .forms import (
    ROLE_HINTS,
    InvitationPasswordForm,
    RoleDeclineForm,
    StaffDetailsForm,
    StaffInviteForm,
    StaffLeaverForm,
    StaffRolesForm,
    TrustInviteForm,
)
from .tokens import invitation_tokens

HISTORY_PER_PAGE = 50
STAFF_PER_PAGE = 100


def _role_options(form: Any) -> list[dict[str, Any]]:
    """The roles as checkboxes, each with its hint and whether it is ticked."""
    chosen = set(form["roles"].value() or [])
    return [
        {
            "value": key,
            "label": ROLES[key].label,
            "hint": ROLE_HINTS.get(key, ""),
            "checked": key in chosen,
        }
        for key, _ in form.fields["roles"].choices
    ]


def _labelled(events: Any) -> list[Any]:
    """History rows with their role(s) in words (a leaver's row lists every role taken)."""
    rows = list(events)
    for event in rows:
        keys = [k for k in event.role.split(",") if k]
        event.role_label = ", ".join(ROLES[k].label if k in ROLES else k for k in keys)
    return rows


# --- The school administrator ---------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    """Everyone with a role in the acting school: roles here, invited or active, and leavers.
    The head and the DSL read it without the administrator's buttons (docs/adr/0024)."""
    school = acting_school_or_403(request, Perm.VIEW_STAFF_HISTORY)
    people = selectors.staff_list_for(actor=request.user, school=school)
    page = Paginator(people, STAFF_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.staff_rows(page.object_list)
    return render(
        request,
        "schools/staff/staff_list.html",
        {
            "school": school,
            "may_manage": access_for(request.user).has(Perm.MANAGE_STAFF, school),
            # This page's part of each: the people working here come first, so the leavers
            # start on the page where they end.
            "rows": [r for r in rows if r.works_here],
            "leavers": [r for r in rows if not r.works_here],
            "waiting": selectors.staff_roles_waiting_count(actor=request.user, school=school),
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.MANAGE_STAFF)
    form = StaffInviteForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.staff_invite,
        school=school,
        done=lambda person: f"{person.full_name} was invited: an email is on its way.",
        to=lambda person: reverse("staff-detail", args=[person.pk]),
    )
    return done or render(
        request,
        "schools/staff/staff_invite.html",
        {
            "form": form,
            "school": school,
            "role_options": _role_options(form),
            "invitation_days": settings.STAFF_INVITATION_DAYS,
        },
    )


def _person(request: HttpRequest, pk: Any) -> tuple[School, selectors.StaffRow]:
    school = acting_school(request)
    if school is None:
        raise Http404("No such record.")
    return school, selectors.staff_get_for(actor=request.user, school=school, pk=pk)


@login_required
@require_GET
def staff_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """A person's roles here, what waits for confirmation, and their history at this school."""
    school, row = _person(request, pk)
    history = selectors.staff_history_for(actor=request.user, school=school, person=row.person)
    return render(
        request,
        "schools/staff/staff_detail.html",
        {"school": school, "row": row, "person": row.person, "history": _labelled(history[:50])},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_roles(request: HttpRequest, pk: Any) -> HttpResponse:
    school, row = _person(request, pk)
    if not row.works_here:
        messages.error(request, "They no longer work at this school: invite them again instead.")
        return redirect("staff-detail", pk=row.person.pk)
    initial = {"roles": [*row.roles, *(r.role for r in row.pending)]}
    form = StaffRolesForm(request.POST or None, initial=initial)
    done = run_service(
        request,
        form,
        services.staff_roles_set,
        school=school,
        person=row.person,
        done=f"{row.person.full_name}'s roles were saved.",
        to=reverse("staff-detail", args=[row.person.pk]),
    )
    return done or render(
        request,
        "schools/staff/staff_roles.html",
        {
            "form": form,
            "school": school,
            "row": row,
            "person": row.person,
            "role_options": _role_options(form),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_details(request: HttpRequest, pk: Any) -> HttpResponse:
    """Correct the name or job title of someone who works only in this school."""
    school, row = _person(request, pk)
    person = row.person
    shared = services.works_elsewhere(person=person, school=school)
    initial = {"full_name": person.full_name, "job_title": person.job_title}
    form = StaffDetailsForm(request.POST or None, initial=initial)
    done = run_service(
        request,
        form,
        services.staff_details_change,
        school=school,
        person=person,
        done="Their name and job title were saved.",
        to=reverse("staff-detail", args=[person.pk]),
    )
    return done or render(
        request,
        "schools/staff/staff_details.html",
        {"form": form, "school": school, "person": person, "shared": shared},
    )


@login_required
@require_POST
def staff_invite_resend(request: HttpRequest, pk: Any) -> HttpResponse:
    school, row = _person(request, pk)
    # Not run_service: a button, no form; a refusal is told as a message on the next page.
    try:
        services.staff_invitation_resend(actor=request.user, school=school, person=row.person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new invitation was sent to {row.person.email}.")
    return redirect("staff-detail", pk=row.person.pk)


@login_required
@require_POST
def staff_password_reset(request: HttpRequest, pk: Any) -> HttpResponse:
    school, row = _person(request, pk)
    # Not run_service: a button, no form; a refusal is told as a message on the next page.
    try:
        services.staff_password_reset_send(actor=request.user, school=school, person=row.person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A password reset link was sent to {row.person.email}.")
    return redirect("staff-detail", pk=row.person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def staff_leaver(request: HttpRequest, pk: Any) -> HttpResponse:
    """Mark a leaver: every role here taken away and, with none elsewhere, the account off."""
    school, row = _person(request, pk)
    form = StaffLeaverForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.staff_deactivate,
        school=school,
        person=row.person,
        done=lambda deactivated: (
            f"{row.person.full_name} no longer has a role at {school.name}"
            + (" and their account is switched off." if deactivated else ".")
        ),
        to="staff-list",
    )
    return done or render(
        request,
        "schools/staff/staff_leaver.html",
        {"form": form, "school": school, "row": row, "person": row.person},
    )


# --- The head, the DSL (and the administrator): history ---------------------------------------


@login_required
@require_GET
def staff_history(request: HttpRequest) -> HttpResponse:
    """Every change to who holds which role in the school, newest first."""
    school = acting_school_or_403(request, Perm.VIEW_STAFF_HISTORY)
    events = selectors.staff_history_for(actor=request.user, school=school)
    page = Paginator(events, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _labelled(page.object_list)
    return render(request, "schools/staff/staff_history.html", {"school": school, "page": page})


# --- Confirming child-protection roles -----------------------------------------------------------


@login_required
@require_GET
def role_request_list(request: HttpRequest) -> HttpResponse:
    school = acting_school(request)
    if not selectors.may_see_role_requests(actor=request.user, school=school):
        raise PermissionDenied
    return render(
        request,
        "schools/staff/role_request_list.html",
        {
            "school": school,
            "requests": selectors.role_requests_waiting_for(actor=request.user, school=school),
        },
    )


def _request_page(
    request: HttpRequest, role_request: Any, form: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "schools/staff/role_request_detail.html",
        {
            "role_request": role_request,
            "school": role_request.school,
            "form": form,
            "decidable": role_request.status == role_request.Status.PENDING,
            "by_tso": services.tso_confirms(role_request),
        },
        status=status,
    )


@login_required
@require_GET
def role_request_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    role_request = selectors.role_request_get_for(actor=request.user, pk=pk)
    return _request_page(request, role_request, RoleDeclineForm())


@login_required
@require_POST
def role_request_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    role_request = selectors.role_request_get_for(actor=request.user, pk=pk)
    # Not run_service: a button, no form; a refusal is told as a message on the next page.
    try:
        services.role_request_confirm(actor=request.user, role_request=role_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("role-request-detail", pk=role_request.pk)
    messages.success(
        request,
        f"{role_request.user.full_name} is now {ROLES[role_request.role].label} at "
        f"{role_request.school.name}.",
    )
    return redirect("role-request-list")


@login_required
@require_POST
def role_request_decline(request: HttpRequest, pk: Any) -> HttpResponse:
    role_request = selectors.role_request_get_for(actor=request.user, pk=pk)
    form = RoleDeclineForm(request.POST)
    done = run_service(
        request,
        form,
        services.role_request_decline,
        role_request=role_request,
        done="The role was declined; the school administrator can read why.",
        to="role-request-list",
    )
    return done or _request_page(request, role_request, form)


# --- The trust safeguarding officer: trust roles ------------------------------------------------


def _managed_trust(request: HttpRequest) -> Any:
    if not access_for(request.user).trust_ids_with(Perm.MANAGE_TRUST_ROLES):
        raise PermissionDenied
    return selectors.managed_trust_for(actor=request.user, school=acting_school(request))


@login_required
@require_GET
def trust_staff_list(request: HttpRequest) -> HttpResponse:
    trust = _managed_trust(request)
    return render(
        request,
        "schools/staff/trust_staff_list.html",
        {
            "trust": trust,
            "memberships": selectors.trust_staff_for(actor=request.user, trust=trust),
            "history": _labelled(
                selectors.trust_history_for(actor=request.user, trust=trust)[:100]
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def trust_staff_invite(request: HttpRequest) -> HttpResponse:
    trust = _managed_trust(request)
    form = TrustInviteForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.trust_role_invite,
        trust=trust,
        done=lambda person: f"{person.full_name} was invited as trust safeguarding officer.",
        to="trust-staff-list",
    )
    return done or render(
        request, "schools/staff/trust_staff_invite.html", {"form": form, "trust": trust}
    )


@login_required
@require_http_methods(["GET", "POST"])
def trust_role_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    # A record: a person outside the actor's trust, or an actor keeping no trust, is one 404.
    trust = selectors.managed_trust_for(actor=request.user, school=acting_school(request))
    person = selectors.trust_member_get_for(actor=request.user, trust=trust, pk=pk)
    if request.method == "POST":
        # Not run_service: a button, no form; a refusal is told as a message on the next page.
        try:
            services.trust_role_revoke(actor=request.user, trust=trust, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{person.full_name} is no longer trust safeguarding officer."
            )
        return redirect("trust-staff-list")
    return render(
        request, "schools/staff/trust_role_remove.html", {"trust": trust, "person": person}
    )


# --- The invited person ------------------------------------------------------------------------


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Choose a first password from the emailed link; an expired or used link says what to do."""

    token_generator = invitation_tokens
    form_class = InvitationPasswordForm
    template_name = "schools/staff/invitation_accept.html"
    success_url = reverse_lazy("invitation-done")
    reset_url_token = "choose-password"  # noqa: S105 (a URL segment, not a secret)


class InvitationDoneView(TemplateView):
    template_name = "schools/staff/invitation_done.html"
