"""Import the roll from a CSV or a Common Transfer File: upload, choose columns, preview, apply."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard.forms import add_service_errors
from safeguard.http import acting_school_or_403
from safeguard.roles import Perm
from schools.models import RollImport

from . import services
from .fields import ROLL_FIELDS, display
from .forms import RollImportColumnsForm, RollImportUploadForm
from .plan import SHOWN, roll_fingerprint
from .selectors import roll_import_columns_for, roll_import_get_for, roll_import_list_for

HISTORY_SHOWN = 100
CHOOSE_AGAIN = "Choose the file again"
# Rows of the file shown above the column chooser, so the person can see what each column holds.
SAMPLE_ROWS = 3


@login_required
@require_GET
def roll_import_list(request: HttpRequest) -> HttpResponse:
    """The school's imports: what each file did, who applied it and when."""
    school = acting_school_or_403(request, Perm.MANAGE_PUPIL_ROLL)
    imports = list(roll_import_list_for(actor=request.user, school=school)[:HISTORY_SHOWN])
    return render(request, "schools/roll/imports/list.html", {"school": school, "imports": imports})


@login_required
@require_http_methods(["GET", "POST"])
def roll_import_upload(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.MANAGE_PUPIL_ROLL)
    form = RollImportUploadForm(request.POST or None, request.FILES or None)
    # Not run_service: the file is read here, its kind decides the next page, and no message.
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            roll_import = services.roll_import_start(
                actor=request.user,
                school=school,
                source=form.cleaned_data["source"],
                file_name=upload.name or "",
                data=upload.read(),
                whole_roll=form.whole_roll,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if roll_import.source == RollImport.Source.CSV:
                return redirect("roll-import-columns", pk=roll_import.pk)
            return redirect("roll-import-detail", pk=roll_import.pk)
    if form.errors:
        # Browsers drop a chosen file when the page comes back with an error: say so beside it.
        field = form.fields["file"]
        field.help_text = f"{CHOOSE_AGAIN}. {field.help_text}"
        form["file"].help_text = field.help_text  # the bound field keeps its own copy
    return render(request, "schools/roll/imports/upload.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def roll_import_columns(request: HttpRequest, pk: Any) -> HttpResponse:
    roll_import = roll_import_get_for(actor=request.user, pk=pk, with_rows=True)
    if (
        roll_import.source != RollImport.Source.CSV
        or roll_import.status != RollImport.Status.PREVIEW
    ):
        return redirect("roll-import-detail", pk=roll_import.pk)
    headings = roll_import.header["headings"]
    initial = {
        key: str(index) for key, index in roll_import_columns_for(roll_import=roll_import).items()
    }
    form = RollImportColumnsForm(request.POST or None, headings=headings, initial=initial)
    # Not run_service: a step of the import, which goes on to the preview with no message.
    if request.method == "POST" and form.is_valid():
        try:
            services.roll_import_columns_set(
                actor=request.user, roll_import=roll_import, columns=form.columns()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("roll-import-detail", pk=roll_import.pk)
    sample = [cells for _, cells in roll_import.rows[:SAMPLE_ROWS]]
    return render(
        request,
        "schools/roll/imports/columns.html",
        {
            "form": form,
            "roll_import": roll_import,
            "school": roll_import.school,
            "columns": [
                (h, [row[i] for row in sample if row[i].strip()]) for i, h in enumerate(headings)
            ],
        },
    )


@login_required
@require_GET
def roll_import_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The preview (joiners, changes, leavers, problems) or, once applied, what was done."""
    roll_import = roll_import_get_for(actor=request.user, pk=pk)
    if (
        roll_import.status == RollImport.Status.PREVIEW
        and roll_import.source == RollImport.Source.CSV
        and not roll_import.plan
    ):
        return redirect("roll-import-columns", pk=roll_import.pk)
    return _render_detail(request, roll_import)


def _render_detail(
    request: HttpRequest, roll_import: RollImport, *, confirm_error: str = ""
) -> HttpResponse:
    plan = roll_import.plan or {}
    labels = {f.key: f.label for f in ROLL_FIELDS}
    changes = [
        {**change, "fields": [(labels[k], v) for k, v in change["fields"].items()]}
        for change in plan.get("changes", [])[:SHOWN]
    ]
    joiners = [
        {**joiner, "details": _joiner_details(joiner["values"])}
        for joiner in plan.get("joiners", [])[:SHOWN]
    ]
    waiting = roll_import.status == RollImport.Status.PREVIEW
    # The roll changed since the preview was made: the apply would refuse, so it is not offered.
    stale = bool(waiting and plan and roll_fingerprint(roll_import.school) != plan["fingerprint"])
    nothing_to_change = bool(
        plan
        and not roll_import.problems
        and not (roll_import.joiners or roll_import.changes or roll_import.leavers)
    )
    return render(
        request,
        "schools/roll/imports/detail.html",
        {
            "roll_import": roll_import,
            "school": roll_import.school,
            "joiners": joiners,
            "changes": changes,
            "leavers": [
                {**leaver, "left_on": display("left_on", leaver["left_on"])}
                for leaver in plan.get("leavers", [])[:SHOWN]
            ],
            "problems": roll_import.problems[:SHOWN],
            "shown": SHOWN,
            "can_apply": waiting
            and not roll_import.problems
            and not stale
            and not nothing_to_change,
            "stale": stale,
            "nothing_to_change": nothing_to_change,
            "confirm_leavers": waiting and services.leavers_need_confirmation(roll_import),
            "on_roll": plan.get("on_roll"),
            "confirm_error": confirm_error,
        },
        status=400 if confirm_error else 200,
    )


def _joiner_details(values: dict[str, Any]) -> list[tuple[str, str]]:
    """A joiner's details in words, leaving out what the file left blank."""
    return [
        (f.label, display(f.key, values[f.key]))
        for f in ROLL_FIELDS
        if values.get(f.key) not in ("", None)
    ]


@login_required
@require_POST
def roll_import_apply(request: HttpRequest, pk: Any) -> HttpResponse:
    roll_import = roll_import_get_for(actor=request.user, pk=pk)
    # Not run_service: a button whose refusal is either beside its tick box or a message.
    try:
        roll_import = services.roll_import_apply(
            actor=request.user,
            roll_import=roll_import,
            leavers_confirmed=request.POST.get(services.CONFIRM_LEAVERS) == "yes",
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and services.CONFIRM_LEAVERS in error.error_dict:
            # Beside the tick box, in the error summary, on the page it was asked on.
            return _render_detail(request, roll_import, confirm_error=" ".join(error.messages))
        messages.error(request, " ".join(error.messages))
        return redirect("roll-import-detail", pk=roll_import.pk)
    messages.success(
        request,
        f"The roll was updated: {roll_import.joiners} joined, {roll_import.changes} changed, "
        f"{roll_import.leavers} left.",
    )
    return redirect("roll-import-detail", pk=roll_import.pk)


@login_required
@require_POST
def roll_import_discard(request: HttpRequest, pk: Any) -> HttpResponse:
    roll_import = roll_import_get_for(actor=request.user, pk=pk)
    # Not run_service: a button, no form; a refusal is told as a message on the next page.
    try:
        services.roll_import_discard(actor=request.user, roll_import=roll_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("roll-import-detail", pk=roll_import.pk)
    messages.success(request, f"{roll_import.file_name} was discarded: the roll was not changed.")
    return redirect("roll-import-list")
