"""Transfer pages: the school's transfers, a pupil leaving, the export's progress, sending and the
receipt; at the new school the files received, accepting or returning one, and importing a bundle.
Every file is served through a permission-checked view that writes the access log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import access_log_write
from safeguard.access import get_for_actor_or_404
from safeguard.http import SafeguardRequest, acting_school_or_403, run_service
from safeguard.roles import Perm
from safeguard.storage import stored_file_response
from schools.models import Pupil, School

from . import services
from .forms import (
    CancelForm,
    ImportForm,
    LeavingDateForm,
    ReceiptForm,
    RejectForm,
    SendForm,
    SentForm,
    TransferStartForm,
)
from .models import ExportState, IncomingSource, IncomingState
from .received import received_entry_id, received_entry_verify
from .selectors import (
    incoming_for,
    incoming_get_for,
    open_transfer_of,
    received_entry_get_for,
    received_file_destroyed_at,
    transfer_get_for,
    transfers_out_for,
)
from .signing.verify import pdf_signature_check

FILE_KINDS = {"pdf": ("application/pdf", "pdf"), "bundle": ("application/zip", "zip")}


def _error_message(request: HttpRequest, error: ValidationError) -> None:
    """A refusal of a button with no form: said on the page the button returns to."""
    for message in error.messages:
        messages.error(request, message)


# --- Transfers out ---------------------------------------------------------------------------


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    """The school's transfers out with their deadlines, and what is waiting to be received."""
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    transfers = list(transfers_out_for(actor=request.user, school=school)[:200])
    incoming = list(incoming_for(actor=request.user, school=school)[:200])
    access_log_write(
        request=request,
        school_id=school.pk,
        what="transfer_list",
        pupil_ids=[t.pupil_id for t in transfers] + _incoming_pupils(incoming),
    )
    return render(
        request,
        "transfers/list.html",
        {
            "transfers": transfers,
            "incoming": incoming,
            "waiting": sum(1 for i in incoming if i.state == IncomingState.WAITING),
            "today": timezone.localdate(),
        },
    )


def _incoming_pupils(incoming: list[Any]) -> list[Any]:
    """The pupils of the roll files received are about (a file not yet matched names a child
    who is on no roll here: its row in the list is logged without a pupil)."""
    return [i.pupil_id for i in incoming if i.pupil_id]


def _transfer_pupil(request: HttpRequest, pk: Any) -> Pupil:
    return get_for_actor_or_404(
        Pupil.objects.select_related("school"),
        actor=request.user,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_start(request: HttpRequest, pk: Any) -> HttpResponse:
    """The DSL marks the pupil leaving, chooses the new school, and the file starts preparing."""
    pupil = _transfer_pupil(request, pk)
    current = open_transfer_of(actor=request.user, pupil=pupil)
    if current is not None and not current.is_open:
        current = None
    if current is not None:  # the page shows the transfer under way
        access_log_write(
            request=request,
            school_id=current.school_id,
            what="transfer",
            pupil_ids=[pupil.pk],
            record_id=current.pk,
        )
    schools = School.objects.exclude(pk=pupil.school_id)
    form = TransferStartForm(request.POST or None, schools=schools, own_school=pupil.school)
    started = None
    if current is None:  # one open transfer a pupil: the page shows it instead
        started = run_service(
            request,
            form,
            services.transfer_start,
            pupil=pupil,
            data=TransferStartForm.service_arguments,
            done="The file is being prepared. You can leave this page.",
            to=lambda transfer: reverse("transfer-detail", args=[transfer.pk]),
        )
    return started or render(
        request,
        "transfers/start.html",
        {"pupil": pupil, "form": form, "current": current},
    )


def _transfer(request: HttpRequest, pk: Any, what: str = "transfer") -> Any:
    transfer = transfer_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=transfer.school_id,
        what=what,
        pupil_ids=[transfer.pupil_id],
        record_id=transfer.pk,
    )
    return transfer


def _detail_context(transfer: Any, send_form: SendForm | None = None) -> dict[str, Any]:
    return {
        "transfer": transfer,
        "export": transfer.export,
        "stale": transfer.export is not None and services.export_is_stale(transfer.export),
        "pupil": transfer.pupil,
        "today": timezone.localdate(),
        "send_form": send_form or SendForm(),
    }


@login_required
@require_GET
def transfer_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    transfer = _transfer(request, pk)
    return render(request, "transfers/detail.html", _detail_context(transfer))


HTMX_STOP_POLLING = 286  # htmx swaps the response and stops the element's polling


@login_required
@require_GET
def transfer_progress(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The export's progress, polled by the page (htmx) until the file is ready or stopped: the
    text of the page's one live region (so each stage and the finish are announced), the progress
    bar, and once finished what can be done next, swapped in out of band."""
    transfer = transfer_get_for(actor=request.user, pk=pk)
    export = transfer.export
    finished = export is None or export.state in (ExportState.DONE, ExportState.FAILED)
    context = {**_detail_context(transfer), "finished": finished}
    response = render(request, "transfers/progress_poll.html", context)
    if finished and request.htmx:
        response.status_code = HTMX_STOP_POLLING
    return response


@login_required
@require_POST
def transfer_retry(request: HttpRequest, pk: Any) -> HttpResponse:
    # Written out: a button with no form, so a refusal is said on the page it returns to.
    transfer = transfer_get_for(actor=request.user, pk=pk)
    try:
        services.export_retry(actor=request.user, transfer=transfer)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, "The file is being prepared again.")
    return redirect("transfer-detail", pk=transfer.pk)


@login_required
@require_POST
def transfer_send(request: HttpRequest, pk: Any) -> HttpResponse:
    """Deliver the file to a school on the service."""
    # Written out: the form is one checkbox on the transfer's page; a refusal is about the
    # transfer (sent already, not ready), said on that page like the other buttons there.
    transfer = transfer_get_for(actor=request.user, pk=pk)
    form = SendForm(request.POST)
    if not form.is_valid():  # the DSL has not confirmed what the file says about other children
        transfer = _transfer(request, pk)
        return render(request, "transfers/detail.html", _detail_context(transfer, form))
    try:
        services.transfer_send(actor=request.user, transfer=transfer)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(
            request,
            f"File sent. The DSLs of {transfer.destination_name} can see it now; "
            "you will see here when they confirm receipt.",
        )
    return redirect("transfer-detail", pk=transfer.pk)


def _transfer_step(
    request: HttpRequest,
    pk: Any,
    *,
    form_class: Any,
    service: Any,
    title: str,
    done: str,
    initial_field: str,
    data: Any = None,
) -> HttpResponse:
    """A page with one form that records one step of a transfer sent outside the service."""
    transfer = _transfer(request, pk)
    form = form_class(request.POST or None)
    if not form.is_bound:
        form.initial[initial_field] = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    recorded = run_service(
        request,
        form,
        service,
        transfer=transfer,
        data=data,
        done=done,
        to=reverse("transfer-detail", args=[transfer.pk]),
    )
    return recorded or render(
        request,
        "transfers/step.html",
        {"form": form, "transfer": transfer, "pupil": transfer.pupil, "title": title},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_record_sent(request: HttpRequest, pk: Any) -> HttpResponse:
    return _transfer_step(
        request,
        pk,
        form_class=SentForm,
        service=services.transfer_record_sent,
        title="Record how the file was sent",
        done="Recorded. Record the receipt when the new school confirms it.",
        initial_field="sent_at",
        data=SentForm.service_arguments,
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_record_receipt(request: HttpRequest, pk: Any) -> HttpResponse:
    return _transfer_step(
        request,
        pk,
        form_class=ReceiptForm,
        service=services.transfer_record_receipt,
        title="Record the receipt",
        done="Receipt recorded.",
        initial_field="received_at",
    )


def _file_response(record: Any, kind: str, filename: str) -> FileResponse:
    content_type, extension = FILE_KINDS[kind]
    stored = getattr(record, kind)
    if not stored:
        raise Http404("No such file.")
    try:  # streamed from storage (S3 or disk), never by its path or a URL of its own
        response = stored_file_response(
            stored,
            content_type=content_type,
            as_attachment=True,
            filename=f"{filename}.{extension}",
        )
    except FileNotFoundError:  # removed from storage (destroyed, returned) under the row
        raise Http404("No such file.") from None
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _file_name(pupil_name: str, kind: str) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in pupil_name).strip("-")
    return f"CONFIDENTIAL-cp-file-{safe}" + ("-bundle" if kind == "bundle" else "")


@login_required
@require_GET
def transfer_file(request: HttpRequest, pk: Any, kind: str) -> FileResponse:
    """The signed PDF or the bundle of a transfer out, for the sending school's DSL and deputies."""
    if kind not in FILE_KINDS:
        raise Http404("No such file.")
    transfer = transfer_get_for(actor=request.user, pk=pk)
    export = transfer.export
    if export is None or export.state != ExportState.DONE:
        raise Http404("No such file.")
    access_log_write(
        request=request,
        school_id=transfer.school_id,
        what=f"transfer_{kind}",
        pupil_ids=[transfer.pupil_id],
        record_id=export.pk,
    )
    name = f"{transfer.pupil.legal_first_name} {transfer.pupil.legal_last_name}"
    return _file_response(export, kind, _file_name(name, kind))


@login_required
@require_http_methods(["GET", "POST"])
def transfer_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    """Cancel a transfer before the new school confirms receipt, with the reason."""
    transfer = _transfer(request, pk)
    form = CancelForm(request.POST or None)
    withdrawn = transfer.on_platform and transfer.state == "sent"
    cancelled = run_service(
        request,
        form,
        services.transfer_cancel,
        transfer=transfer,
        done=(
            f"Transfer cancelled. The file was withdrawn from {transfer.destination_name}, "
            "who are told."
            if withdrawn
            else "Transfer cancelled."
            + (
                f" Tell {transfer.destination_name} the file you sent is not needed."
                if transfer.state == "sent"
                else ""
            )
        ),
        to=reverse("transfer-detail", args=[transfer.pk]),
    )
    return cancelled or render(
        request,
        "transfers/cancel.html",
        {"form": form, "transfer": transfer, "pupil": transfer.pupil, "withdrawn": withdrawn},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_leaving_date(request: HttpRequest, pk: Any) -> HttpResponse:
    """Correct the leaving date of a transfer under way (a GOV.UK date input)."""
    transfer = _transfer(request, pk)
    form = LeavingDateForm(
        request.POST or None, initial=LeavingDateForm.initial_for(transfer.leaving_date)
    )
    corrected = run_service(
        request,
        form,
        services.transfer_correct_leaving_date,
        transfer=transfer,
        data=LeavingDateForm.service_arguments,
        done=lambda t: f"Leaving date corrected to {t.leaving_date:%-d %B %Y}.",
        to=reverse("transfer-detail", args=[transfer.pk]),
    )
    return corrected or render(
        request,
        "transfers/leaving_date.html",
        {"form": form, "transfer": transfer, "pupil": transfer.pupil},
    )


# --- Files received --------------------------------------------------------------------------


def _incoming(request: HttpRequest, pk: Any, what: str = "incoming") -> Any:
    incoming = incoming_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=incoming.school_id,
        what=what,
        pupil_ids=[incoming.pupil_id] if incoming.pupil_id else [],
        record_id=incoming.pk,
    )
    return incoming


@login_required
@require_GET
def incoming_list(request: HttpRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    incoming = list(incoming_for(actor=request.user, school=school)[:200])
    access_log_write(
        request=request,
        school_id=school.pk,
        what="incoming_list",
        pupil_ids=_incoming_pupils(incoming),
    )
    return render(request, "transfers/incoming_list.html", {"incoming": incoming})


def _signature_check(incoming: Any) -> Any:
    """(the check, unchanged) of the stored PDF; (None, True) when no PDF is held any more."""
    if not incoming.pdf:
        return None, True
    try:
        with incoming.pdf.open("rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        return None, True
    unchanged = services.sha256(data) == incoming.pdf_sha256
    return pdf_signature_check(data), unchanged


@login_required
@require_GET
def incoming_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """A file received: the signature check in plain words, who it is about, accept or return.
    Once its PDF is gone (returned, or destroyed by retention) the page says so instead."""
    incoming = _incoming(request, pk)
    check, unchanged = _signature_check(incoming)
    destroyed_at = None
    if check is None and incoming.state != IncomingState.REJECTED:
        destroyed_at = received_file_destroyed_at(incoming=incoming)
    return render(
        request,
        "transfers/incoming_detail.html",
        {
            "incoming": incoming,
            "check": check,
            "destroyed_at": destroyed_at,
            "unchanged": unchanged,
            "match": services.incoming_match(incoming=incoming),
            "reject_form": RejectForm(),
        },
    )


@login_required
@require_POST
def incoming_accept(request: HttpRequest, pk: Any) -> HttpResponse:
    # Written out: a button with no form, so a refusal is said on the page it returns to.
    incoming = incoming_get_for(actor=request.user, pk=pk)
    try:
        incoming = services.incoming_accept(actor=request.user, incoming=incoming)
    except ValidationError as error:
        _error_message(request, error)
        return redirect("incoming-detail", pk=incoming.pk)
    added = " (added to the roll)" if incoming.pupil_created else ""
    name = incoming.pupil.display_name if incoming.pupil else incoming.legal_name
    sender = incoming.from_school_name
    if incoming.source != IncomingSource.IMPORT:
        told = f"{sender} can see your receipt."
    elif incoming.sender_uses_service:
        told = (
            f"{sender} uses this service, but the file was imported, so they are not told here: "
            "tell them you have received it."
        )
    else:
        told = f"{sender} does not use this service: tell them you have received it."
    history = incoming.received_entries.count()
    if history:
        told += (
            f" {history} {'entry' if history == 1 else 'entries'} of its chronology "
            f"{'is' if history == 1 else 'are'} now in the pupil's chronology, marked as "
            f"received from {sender}."
        )
    messages.success(
        request,
        f"File accepted and attached to {name}'s child-protection file{added}. {told}",
    )
    return redirect("pupil-safeguarding", pk=incoming.pupil_id)


@login_required
@require_http_methods(["GET", "POST"])
def incoming_reject(request: HttpRequest, pk: Any) -> HttpResponse:
    incoming = _incoming(request, pk)
    form = RejectForm(request.POST or None)
    imported = incoming.source == IncomingSource.IMPORT
    if imported:  # imported: nothing is sent back to the sender, on the service or not
        not_told = (
            "uses this service, but the file was imported, so they are not told here"
            if incoming.sender_uses_service
            else "does not use this service and is not told"
        )
        form.fields["reason"].help_text = (
            "For example, the pupil is not joining this school. It is kept with this school's "
            f"record of the file; {incoming.from_school_name} {not_told}."
        )
    returned = run_service(
        request,
        form,
        services.incoming_reject,
        incoming=incoming,
        done=(
            f"The files have been removed from this service. Tell "
            f"{incoming.from_school_name} the file is not for this school."
        )
        if imported
        else f"File returned to {incoming.from_school_name}.",
        to="incoming-list",
    )
    return returned or render(
        request,
        "transfers/reject.html",
        {"incoming": incoming, "form": form, "imported": imported},
    )


@login_required
@require_GET
def incoming_file(request: HttpRequest, pk: Any, kind: str) -> FileResponse:
    """The receiving school's own copy of a file, for its DSL and deputies."""
    if kind not in FILE_KINDS:
        raise Http404("No such file.")
    incoming = _incoming(request, pk, what=f"incoming_{kind}")
    if incoming.state == IncomingState.REJECTED:  # returned: its copies are not kept here
        raise Http404("No such file.")
    name = f"{incoming.legal_first_name} {incoming.legal_last_name}"
    return _file_response(incoming, kind, _file_name(name, kind))


def _import_done(incoming: Any) -> str:
    warned = (
        " Read what the checks found before you accept it."
        if incoming.check_warnings
        else " Check who it is about before you accept it."
    )
    return "The bundle's signatures and hashes were checked and it was not refused." + warned


@login_required
@require_http_methods(["GET", "POST"])
def transfer_import(request: HttpRequest) -> HttpResponse:
    """Upload a bundle a school outside the service sent: verified before anything is kept."""
    school = acting_school_or_403(request, Perm.TRANSFER_CP_FILES)
    form = ImportForm(request.POST or None, request.FILES or None)
    imported = run_service(
        request,
        form,
        services.incoming_import,
        school=school,
        # The upload itself (on disk when large), read where it lies: never whole into memory.
        data=lambda valid: {"data": valid.cleaned_data["bundle"]},
        done=_import_done,
        to=lambda incoming: reverse("incoming-detail", args=[incoming.pk]),
    )
    return imported or render(request, "transfers/import.html", {"form": form})


@login_required
@require_GET
def received_entry(request: HttpRequest, pk: Any) -> HttpResponse:
    """A chronology entry received with a CP file, checked against the signed bundle kept with
    the file: for the receiving school's DSL and deputies (it reads the file received)."""
    received = received_entry_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=received.school_id,
        what="received_entry",
        pupil_ids=[received.pupil_id],
        record_id=received.pk,
    )
    return render(
        request,
        "transfers/received_entry.html",
        {
            "received": received,
            "incoming": received.incoming,
            "pupil": received.pupil,
            "check": received_entry_verify(received=received),
            "entry_id": received_entry_id(received),
        },
    )
