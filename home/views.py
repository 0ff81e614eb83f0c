"""Pages that put several apps side by side: the home page, the pupil page and the pupil's
safeguarding page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from audit.services import access_log_write
from chronology.forms import ReasonForm
from chronology.selectors import (
    chronology_for,
    open_cp_file,
    risk_assessments_for,
    statuses_for,
)
from concerns.missing.selectors import open_missing_episodes_for
from concerns.models import Concern, ConcernPupil
from concerns.selectors import cp_visible_q, open_prompt_for_pupil
from oversight.categories.selectors import trust_category_requests_for
from oversight.qa.selectors import qa_home_count
from referrals.selectors import referral_counts, referrals_for_pupil
from safeguard.access import access_for
from safeguard.http import acting_school, record_school_context
from safeguard.mixins import RecordAccessMixin
from safeguard.roles import Perm
from schools.characteristics import ETHNIC_GROUPS, ETHNICITY_MAIN, ethnic_group
from schools.selectors import cp_pupil_get_for, pupil_get_for, role_labels_for
from schools.staff.selectors import role_requests_waiting_count
from transfers.selectors import received_history_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person can do in the school they are acting in."""
    school = acting_school(request)
    roles = role_labels_for(actor=request.user, school=school) if school else []
    context: dict[str, Any] = {"roles": roles}
    if school is not None and access_for(request.user).has(Perm.READ_CP_RECORDS, school):
        context["referrals"] = referral_counts(actor=request.user, school=school)
        context["missing_now"] = _missing_now(request, school)
    if school is not None and access_for(request.user).has(Perm.MANAGE_CATEGORIES, school):
        context["category_requests_waiting"] = trust_category_requests_for(
            actor=request.user, trust_id=school.trust_id, pending=True
        ).count()
    if school is not None:
        context["qa_waiting"] = qa_home_count(actor=request.user, school=school)
    context["roles_waiting"] = role_requests_waiting_count(actor=request.user, school=school)
    return render(request, "safeguard/home.html", context)


def _missing_now(request: HttpRequest, school: Any) -> list[Any]:
    """The pupils missing now, for the people who read CP records (their view is logged)."""
    episodes = list(open_missing_episodes_for(actor=request.user, school=school))
    if episodes:
        access_log_write(
            request=request,
            school_id=school.pk,
            what="missing_list",
            pupil_ids=sorted({e.pupil_id for e in episodes}, key=str),
        )
    return episodes


class PupilDetailView(RecordAccessMixin, TemplateView):
    template_name = "schools/pupil_detail.html"

    def get_record(self) -> Any:
        return pupil_get_for(actor=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pupil = self.record
        access = access_for(self.request.user)
        # The characteristics (SEN, FSM, looked after...) are for those who keep the roll or read
        # CP records, not every member of staff who may look a pupil up.
        if access.has(Perm.MANAGE_PUPIL_ROLL, pupil.school_id) or access.has(
            Perm.READ_CP_RECORDS, pupil.school_id
        ):
            kwargs["characteristics"] = _pupil_characteristics(pupil)
        if access.has(Perm.READ_CP_RECORDS, pupil.school_id):
            statuses = [s for s in statuses_for(pupil=pupil) if not s.end_date]
            kwargs.update(statuses=statuses, cp_file=open_cp_file(pupil=pupil), cp_reader=True)
            if statuses or kwargs["cp_file"]:
                access_log_write(
                    request=self.request,
                    school_id=pupil.school_id,
                    what="pupil_page",
                    pupil_ids=[pupil.pk],
                )
        return super().get_context_data(pupil=pupil, **kwargs)


def _pupil_characteristics(pupil: Any) -> list[tuple[str, str]]:
    """A pupil's characteristics from the roll, in words, for the pupil page's summary list."""

    def yes_no(value: bool | None) -> str:
        return "Not recorded" if value is None else "Yes" if value else "No"

    code = pupil.ethnicity
    if not code:
        ethnicity = "Not recorded"
    elif code in ETHNICITY_MAIN:
        ethnicity = f"{ETHNICITY_MAIN[code]} ({code})"
    else:
        ethnicity = f"{ETHNIC_GROUPS.get(ethnic_group(code), 'Not recorded')} ({code})"
    return [
        ("Admission number", pupil.admission_number or "Not recorded"),
        ("Gender", pupil.get_gender_display() if pupil.gender else "Not recorded"),
        ("Ethnicity", ethnicity),
        (
            "Special educational needs (SEN) provision",
            pupil.get_sen_provision_display() if pupil.sen_provision else "Not recorded",
        ),
        ("Eligible for free school meals", yes_no(pupil.fsm_eligible)),
        ("Pupil premium", yes_no(pupil.pupil_premium)),
        ("Looked after (as the MIS records it)", yes_no(pupil.looked_after)),
    ]


@login_required
@require_GET
def pupil_safeguarding(request: HttpRequest, pk: Any) -> HttpResponse:
    """Everything the school holds on the child's safety, in one place."""
    pupil = cp_pupil_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request, school_id=pupil.school_id, what="safeguarding_page", pupil_ids=[pupil.pk]
    )
    # EXISTS, not a join plus DISTINCT: each concern once without sorting every column.
    involved = ConcernPupil.objects.filter(concern_id=OuterRef("pk"), pupil_id=pupil.pk)
    concerns = (
        Concern.objects.filter(cp_visible_q(request.user), Exists(involved))
        .select_related("dsl_record")
        .order_by("-written_at")
    )
    cp_files = list(pupil.cp_files.select_related("opened_by", "closed_by"))
    return render(
        request,
        "chronology/safeguarding.html",
        {
            "pupil": pupil,
            # At most one is open (a constraint): read from the files, not asked again.
            "cp_file": next((f for f in cp_files if f.closed_at is None), None),
            "prompt": open_prompt_for_pupil(actor=request.user, pupil=pupil),
            "cp_files": cp_files,
            "recent": list(chronology_for(actor=request.user, pupil=pupil)[:10]),
            "concerns": list(concerns[:50]),
            # History received with CP files from previous schools (ADR 0045), so the page does
            # not say "No concerns have been logged" of a child whose history came with them.
            "received_history": received_history_of(pupil=pupil),
            "manage": access_for(request.user).has(Perm.MANAGE_CP_RECORDS, pupil.school_id),
            "reason_form": ReasonForm(),
            "statuses": statuses_for(pupil=pupil),
            "risk_assessments": risk_assessments_for(actor=request.user, pupil=pupil),
            "referrals": referrals_for_pupil(actor=request.user, pupil=pupil),
            "now": timezone.now(),
            "today": timezone.localdate(),
            **record_school_context(request, pupil.school),
        },
    )
