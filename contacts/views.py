"""Who to call now, the school's key safeguarding people, the trust's agencies, and a pupil's
family contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import access_log_write
from safeguard.access import access_for
from safeguard.http import (
    acting_school,
    acting_school_or_403,
    record_school_context,
    run_service,
)
from safeguard.roles import Perm
from schools.models import School

from . import services
from .forms import AgencyForm, FamilyContactForm, KeyContactForm
from .models import Agency
from .selectors import (
    NOT_RECORDED,
    agency_get_for,
    agency_list_for,
    emergency_contact_count,
    family_contact_get_for,
    family_contact_history_for,
    family_contacts_for,
    family_pupil_get_for,
    keeps_contacts,
    key_contact_get_for,
    key_roles_for,
    who_to_call_now,
)

MIN_EMERGENCY_CONTACTS = 2  # `003` section 4: "at least two emergency contact numbers"


# Who to call now -------------------------------------------------------------------------------


@login_required
@require_GET
def who_to_call(request: HttpRequest) -> HttpResponse:
    """The numbers answering now for the acting school's local authority, 999 first."""
    school = acting_school_or_403(request)
    keeper = keeps_contacts(request.user, school)
    return render(
        request,
        "contacts/who_to_call.html",
        {"school": school, "now": who_to_call_now(school=school, keeper=keeper)},
    )


# School key roles ------------------------------------------------------------------------------


@login_required
@require_GET
def school_key_roles(request: HttpRequest) -> HttpResponse:
    """Who is who in safeguarding at the school, as staff need it on their first day."""
    school = acting_school_or_403(request)
    return render(
        request,
        "contacts/key_roles.html",
        {
            "school": school,
            "people": key_roles_for(actor=request.user, school=school),
            "manage": access_for(request.user).has(Perm.MANAGE_STAFF, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_contact_add(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.MANAGE_STAFF)
    form = KeyContactForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.key_contact_create,
        school=school,
        done=lambda contact: f"{contact.name} was added.",
        to="school-key-roles",
    )
    return done or render(
        request, "contacts/key_contact_form.html", {"form": form, "school": school}
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_contact_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    contact = key_contact_get_for(actor=request.user, pk=pk)
    form = KeyContactForm(request.POST or None, initial=KeyContactForm.initial_for(contact))
    done = run_service(
        request,
        form,
        services.key_contact_update,
        contact=contact,
        done=lambda changed: f"{changed.name}'s details were changed.",
        to="school-key-roles",
    )
    return done or render(
        request,
        "contacts/key_contact_form.html",
        {"form": form, "school": contact.school, "contact": contact},
    )


@login_required
@require_POST
def key_contact_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    contact = key_contact_get_for(actor=request.user, pk=pk)
    services.key_contact_remove(actor=request.user, contact=contact)
    messages.success(request, f"{contact.name} was removed from the key contacts.")
    return redirect("school-key-roles")


# The trust's agencies --------------------------------------------------------------------------


def _contacts_trust(request: HttpRequest) -> Any:
    """The acting school's trust, when the person keeps its contacts (else 403)."""
    school = acting_school(request)
    if school is None or school.trust_id not in access_for(request.user).trust_ids_with(
        Perm.MANAGE_CONTACTS
    ):
        raise PermissionDenied
    return school.trust


def _authorities(trust: Any, agency: Agency | None = None) -> list[str]:
    names = set(School.objects.filter(trust=trust).values_list("local_authority", flat=True))
    names |= set(
        Agency.objects.filter(trust=trust)
        .exclude(local_authority="")
        .values_list("local_authority", flat=True)
    )
    if agency is not None and agency.local_authority:
        names.add(agency.local_authority)
    return sorted(names, key=str.casefold)


@login_required
@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    trust = _contacts_trust(request)
    agencies = list(agency_list_for(actor=request.user).filter(trust=trust))
    groups: dict[str, list[Agency]] = {}
    for agency in agencies:
        groups.setdefault(agency.local_authority, []).append(agency)
    national = groups.pop("", [])
    return render(
        request,
        "contacts/agency_list.html",
        {
            "trust": trust,
            "groups": sorted(groups.items(), key=lambda g: g[0].casefold()),
            "national": national,
            "to_confirm": sum(1 for a in agencies if a.to_confirm),
            "not_recorded": NOT_RECORDED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_add(request: HttpRequest) -> HttpResponse:
    trust = _contacts_trust(request)
    form = AgencyForm(
        request.POST or None,
        trust=trust,
        authorities=_authorities(trust),
        initial={"closed_on_bank_holidays": True},
    )
    done = run_service(
        request,
        form,
        services.agency_create,
        trust=trust,
        data=lambda valid: valid.values(),
        done=lambda agency: f"{agency.name} was added.",
        to="agency-list",
    )
    return done or render(request, "contacts/agency_form.html", {"form": form, "trust": trust})


@login_required
@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    agency = agency_get_for(actor=request.user, pk=pk)
    form = AgencyForm(
        request.POST or None,
        trust=agency.trust,
        authorities=_authorities(agency.trust, agency),
        agency=agency,
        initial=AgencyForm.initial_for(agency),
    )
    done = run_service(
        request,
        form,
        services.agency_update,
        agency=agency,
        data=lambda valid: valid.values(),
        done=lambda saved: f"{saved.name}'s details were saved.",
        to="agency-list",
    )
    return done or render(
        request,
        "contacts/agency_form.html",
        {"form": form, "trust": agency.trust, "agency": agency},
    )


# Family contacts -------------------------------------------------------------------------------


@login_required
@require_GET
def family_contacts(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = family_pupil_get_for(actor=request.user, pk=pk)
    # Who may and may not collect the child, court orders among them: a view of their record.
    access_log_write(
        request=request, school_id=pupil.school_id, what="family_contacts", pupil_ids=[pupil.pk]
    )
    contacts = list(family_contacts_for(actor=request.user, pupil=pupil))
    emergency = emergency_contact_count(contacts)
    return render(
        request,
        "contacts/family_contacts.html",
        {
            "pupil": pupil,
            "contacts": contacts,
            "emergency_count": emergency,
            "too_few": emergency < MIN_EMERGENCY_CONTACTS,
            "minimum": MIN_EMERGENCY_CONTACTS,
            "manage": services.can_edit_family_contacts(request.user, pupil.school_id),
            "history": list(family_contact_history_for(actor=request.user, pupil=pupil)),
            **record_school_context(request, pupil.school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_contact_add(request: HttpRequest, pk: Any) -> HttpResponse:
    pupil = family_pupil_get_for(actor=request.user, pk=pk)
    if not services.can_edit_family_contacts(request.user, pupil.school_id):
        raise PermissionDenied  # they see the contacts, but do not keep them
    form = FamilyContactForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.family_contact_create,
        pupil=pupil,
        done=lambda contact: f"{contact.name} was added.",
        to=reverse("family-contacts", args=[pupil.pk]),
    )
    return done or render(
        request,
        "contacts/family_contact_form.html",
        {"form": form, "pupil": pupil, **record_school_context(request, pupil.school)},
    )


def _editable_family_contact(request: HttpRequest, pk: Any) -> Any:
    """A family contact the person keeps: 404 if they cannot see it, 403 if they only read it."""
    contact = family_contact_get_for(actor=request.user, pk=pk)
    if not services.can_edit_family_contacts(request.user, contact.school_id):
        raise PermissionDenied
    access_log_write(
        request=request,
        school_id=contact.school_id,
        what="family_contact",
        pupil_ids=[contact.pupil_id],
        record_id=contact.pk,
    )
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def family_contact_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    contact = _editable_family_contact(request, pk)
    form = FamilyContactForm(request.POST or None, initial=FamilyContactForm.initial_for(contact))
    done = run_service(
        request,
        form,
        services.family_contact_update,
        contact=contact,
        done=lambda saved: f"{saved.name}'s details were saved.",
        to=reverse("family-contacts", args=[contact.pupil_id]),
    )
    return done or render(
        request,
        "contacts/family_contact_form.html",
        {
            "form": form,
            "pupil": contact.pupil,
            "contact": contact,
            **record_school_context(request, contact.school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_contact_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    """Ask "Are you sure?" (GET); remove on confirmation (POST)."""
    contact = _editable_family_contact(request, pk)
    if request.method == "POST":
        services.family_contact_remove(actor=request.user, contact=contact)
        messages.success(request, f"{contact.name} was removed.")
        return redirect("family-contacts", pk=contact.pupil_id)
    return render(
        request,
        "contacts/family_contact_remove.html",
        {
            "contact": contact,
            "pupil": contact.pupil,
            **record_school_context(request, contact.school),
        },
    )
