"""Pages for missing children (003 Appendix C) and children missing education.

Views look the record up through a scoped selector, call one service and render; the rules live
in `episodes`, `absences` (the services), `rules` and `selectors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_log_write
from safeguard.access import access_for
from safeguard.http import (
    SafeguardRequest,
    acting_school,
    acting_school_or_403,
    record_school_context,
    run_service,
)
from safeguard.roles import Perm
from safeguard.workdays import SchoolCalendar
from schools.selectors import pupil_get_for

from ..models import MissingEpisode, MissingStep, PoliceLine
from . import absences, episodes
from .forms import (
    AbsenceEndForm,
    AbsenceLaToldForm,
    AbsenceStartForm,
    MissingStartForm,
    MissingStepForm,
    now_initial,
)
from .rules import la_deadline, police_were_called
from .selectors import (
    FREQUENT_EPISODES,
    absence_get_for,
    absence_list_for,
    absence_state,
    allocated_social_workers,
    can_read_absences,
    can_record_absences,
    current_absence_of,
    missing_checklist,
    missing_count_last_12_months,
    missing_episode_get_for,
    missing_episode_list_for,
)

LIST_LIMIT = 200


def _own_pupil(request: SafeguardRequest, pk: Any) -> Any:
    """A pupil of the school the person is acting in (records are made in the acting school)."""
    pupil = pupil_get_for(actor=request.user, pk=pk)
    acting = acting_school(request)
    if acting is None or pupil.school_id != acting.pk:
        raise Http404("No such record.")
    return pupil


# --- Missing episodes ---------------------------------------------------------------------------


@login_required
@require_GET
def missing_list(request: SafeguardRequest) -> HttpResponse:
    """The school's missing episodes, open first, with each pupil's count in the last 12 months."""
    school = acting_school_or_403(request, Perm.READ_CP_RECORDS)
    episodes = list(missing_episode_list_for(actor=request.user, school=school)[:LIST_LIMIT])
    access_log_write(
        request=request,
        school_id=school.pk,
        what="missing_list",
        pupil_ids=sorted({e.pupil_id for e in episodes}, key=str),
    )
    return render(
        request,
        "concerns/missing/list.html",
        {"episodes": episodes, "frequent": FREQUENT_EPISODES, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def missing_start(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Anyone who may log a concern reports a pupil missing; the DSLs are alerted."""
    pupil = _own_pupil(request, pk)
    if not access_for(request.user).has(Perm.LOG_CONCERN, pupil.school_id):
        raise Http404("No such record.")
    if request.method == "POST":
        form = MissingStartForm(request.POST)
    else:
        now = now_initial("missing_since")
        form = MissingStartForm(initial={**now, "last_seen_date": now["missing_since_date"]})

    def reported(episode: MissingEpisode) -> str:
        if episode.significant_harm_believed:
            # The alert is not a 999 call: say so where the reporter will read it, first.
            messages.warning(
                request,
                "You said the child may be suffering significant harm now: if nobody "
                "has called the police yet, call 999 now.",
            )
        return (
            f"{pupil.display_name} is reported missing. The Designated Safeguarding Lead and "
            "deputies have been alerted. Keep looking, and tell them in person anything you learn."
        )

    done = run_service(
        request,
        form,
        episodes.missing_episode_start,
        check=episodes.missing_start_problems,
        data=MissingStartForm.values,
        pupil=pupil,
        done=reported,
        to=lambda episode: (
            reverse("missing-detail", args=[episode.pk])
            if access_for(request.user).has(Perm.READ_CP_RECORDS, pupil.school_id)
            else reverse("pupil-detail", args=[pupil.pk])
        ),
    )
    return done or render(request, "concerns/missing/start.html", {"pupil": pupil, "form": form})


def _episode_context(
    request: SafeguardRequest, episode: Any, close_errors: dict[str, str] | None = None
) -> dict[str, Any]:
    checklist = missing_checklist(episode=episode)
    steps = {line.step.value: line.record for line in checklist if line.record is not None}
    police = steps.get(MissingStep.POLICE_REPORTED)
    social_workers = allocated_social_workers(pupil=episode.pupil)
    close_problems = (
        episodes.missing_close_problems(episode=episode, steps=steps, social_workers=social_workers)
        if episode.is_open
        else {}
    )
    errors = close_errors or {}
    return {
        "episode": episode,
        "pupil": episode.pupil,
        "checklist": [(line, errors.get(line.step.value, "")) for line in checklist],
        "remaining": [line for line in checklist if not line.done],
        # The report to the police, if they were called (not a step recorded as "not called").
        "police_step": police if police_were_called(steps) else None,
        "close_problems": close_problems,
        # A refused close: an error summary linking to each step still to record.
        "close_errors": errors,
        "recent_count": missing_count_last_12_months(pupil=episode.pupil),
        "frequent": FREQUENT_EPISODES,
        "manage": access_for(request.user).has(Perm.MANAGE_CP_RECORDS, episode.school_id),
        "social_workers": social_workers,
        **record_school_context(request, episode.school),
    }


@login_required
@require_GET
def missing_detail(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The protocol checklist in order: what is done, with its time, and what remains."""
    episode = missing_episode_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=episode.school_id,
        what="missing_episode",
        pupil_ids=[episode.pupil_id],
        record_id=episode.pk,
    )
    return render(request, "concerns/missing/detail.html", _episode_context(request, episode))


@login_required
@require_http_methods(["GET", "POST"])
def missing_step(request: SafeguardRequest, pk: Any, step: str) -> HttpResponse:
    """Record one step of the protocol, with its own time, as it happens."""
    episode = missing_episode_get_for(actor=request.user, pk=pk)
    if not access_for(request.user).has(Perm.MANAGE_CP_RECORDS, episode.school_id):
        raise Http404("No such record.")
    if step not in MissingStep.values:
        raise Http404("No such step.")
    kind = MissingStep(step)
    access_log_write(
        request=request,
        school_id=episode.school_id,
        what="missing_episode",
        pupil_ids=[episode.pupil_id],
        record_id=episode.pk,
    )
    if request.method == "POST":
        form = MissingStepForm(request.POST, step=kind)
    else:
        form = MissingStepForm(step=kind, initial=now_initial("done"))
    done = run_service(
        request,
        form,
        episodes.missing_step_record,
        check=episodes.missing_step_problems,
        data=MissingStepForm.values,
        episode=episode,
        step=step,
        done=f"Recorded: {kind.label}.",
        to=reverse("missing-detail", kwargs={"pk": episode.pk}) + "#steps",
    )
    if done is not None:
        return done
    context = _episode_context(request, episode)
    context.update(form=form, step=kind, police_lines=PoliceLine)
    return render(request, "concerns/missing/step.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def missing_close(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Close the episode; if a step is still to record, the episode page says which, beside it.
    (A GET, say after signing in again, goes to the episode page.)"""
    # Written out: no form; a refusal names the steps still to record, shown beside each.
    episode = missing_episode_get_for(actor=request.user, pk=pk)
    if not access_for(request.user).has(Perm.MANAGE_CP_RECORDS, episode.school_id):
        raise Http404("No such record.")
    if request.method == "GET":
        return redirect("missing-detail", pk=episode.pk)
    try:
        episodes.missing_episode_close(actor=request.user, episode=episode)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # about the episode, not a step: closed meanwhile
            messages.error(request, " ".join(error.messages))
            return redirect("missing-detail", pk=episode.pk)
        access_log_write(
            request=request,
            school_id=episode.school_id,
            what="missing_episode",
            pupil_ids=[episode.pupil_id],
            record_id=episode.pk,
        )
        errors = {key: " ".join(messages_) for key, messages_ in error.message_dict.items()}
        context = _episode_context(request, episode, close_errors=errors)
        return render(request, "concerns/missing/detail.html", context)
    messages.success(request, "The missing episode is closed and in the pupil's chronology.")
    return redirect("missing-detail", pk=episode.pk)


# --- Children missing education ------------------------------------------------------------------


@login_required
@require_GET
def absence_list(request: SafeguardRequest) -> HttpResponse:
    school = acting_school_or_403(request)
    if not can_read_absences(request.user, school):
        raise PermissionDenied
    today = timezone.localdate()
    absences = list(absence_list_for(actor=request.user, school=school)[:LIST_LIMIT])
    calendar = SchoolCalendar.load(school)
    access_log_write(
        request=request,
        school_id=school.pk,
        what="absence_list",
        pupil_ids=sorted({a.pupil_id for a in absences}, key=str),
    )
    return render(
        request,
        "concerns/missing/absence_list.html",
        {
            "rows": [(a, absence_state(a, today, calendar)) for a in absences],
            "can_record": can_record_absences(request.user, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def absence_start(request: SafeguardRequest, pk: Any) -> HttpResponse:
    pupil = _own_pupil(request, pk)
    if not can_record_absences(request.user, pupil.school_id):
        raise Http404("No such record.")
    form = AbsenceStartForm(request.POST or None)
    done = run_service(
        request,
        form,
        absences.absence_start,
        check=absences.absence_start_problems,
        data=AbsenceStartForm.values,
        pupil=pupil,
        done=lambda absence: (
            "The absence is recorded. Tell the local authority by "
            f"{la_deadline(absence.first_day, absence.school_id):%-d %B %Y} "
            "(the 10th school day) if it continues."
        ),
        to=lambda absence: reverse("absence-detail", args=[absence.pk]),
    )
    if done is not None:
        return done
    if form.non_field_errors() and (current := current_absence_of(pupil)) is not None:
        # Already absent: the error summary links to the absence that has not ended.
        form.non_field_error_href = reverse("absence-detail", kwargs={"pk": current.pk})
    return render(request, "concerns/missing/absence_start.html", {"pupil": pupil, "form": form})


def _absence_context(request: SafeguardRequest, absence: Any) -> dict[str, Any]:
    access_log_write(
        request=request,
        school_id=absence.school_id,
        what="absence",
        pupil_ids=[absence.pupil_id],
        record_id=absence.pk,
    )
    return {
        "absence": absence,
        "pupil": absence.pupil,
        "state": absence_state(absence),
        "can_record": can_record_absences(request.user, absence.school_id),
        "cp_reader": access_for(request.user).has(Perm.READ_CP_RECORDS, absence.school_id),
        **record_school_context(request, absence.school),
    }


@login_required
@require_GET
def absence_detail(request: SafeguardRequest, pk: Any) -> HttpResponse:
    absence = absence_get_for(actor=request.user, pk=pk)
    return render(
        request, "concerns/missing/absence_detail.html", _absence_context(request, absence)
    )


def _absence_form_page(
    request: SafeguardRequest,
    pk: Any,
    *,
    form_class: type[AbsenceLaToldForm | AbsenceEndForm],
    problems_of: Callable[..., dict[str, str]],
    act: Callable[..., Any],
    done: str,
    title: str,
) -> HttpResponse:
    absence = absence_get_for(actor=request.user, pk=pk)
    if not can_record_absences(request.user, absence.school_id):
        raise Http404("No such record.")
    initial = now_initial("told") if form_class is AbsenceLaToldForm else {}
    form = form_class(request.POST or None, initial=initial)
    page = run_service(
        request,
        form,
        act,
        check=problems_of,
        data=form_class.values,
        absence=absence,
        done=done,
        to=reverse("absence-detail", args=[absence.pk]),
    )
    if page is not None:
        return page
    context = _absence_context(request, absence)
    context.update(form=form, title=title)
    return render(request, "concerns/missing/absence_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def absence_la_told(request: SafeguardRequest, pk: Any) -> HttpResponse:
    return _absence_form_page(
        request,
        pk,
        form_class=AbsenceLaToldForm,
        problems_of=absences.absence_la_told_problems,
        act=absences.absence_la_told,
        done="Recorded: the local authority was told.",
        title="Record that the local authority was told",
    )


@login_required
@require_http_methods(["GET", "POST"])
def absence_end(request: SafeguardRequest, pk: Any) -> HttpResponse:
    return _absence_form_page(
        request,
        pk,
        form_class=AbsenceEndForm,
        problems_of=absences.absence_end_problems,
        act=absences.absence_end,
        done="Recorded: the absence has ended.",
        title="Record the end of the absence",
    )
