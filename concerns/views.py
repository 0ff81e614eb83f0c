"""Pages for logging a concern (staff) and triaging it (DSL). Views look up, call one service,
and render; the rules live in services.py and selectors.py."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import access_log_write
from safeguard.access import access_for, get_or_404
from safeguard.forms import add_service_errors, as_typed
from safeguard.http import (
    SafeguardRequest,
    acting_school_or_403,
    page_to_return_to,
    record_school_context,
    run_service,
)
from safeguard.keyset import PARAM as PAGE
from safeguard.keyset import keyset_page
from safeguard.params import one_of, search_text, whole_number, whole_numbers
from safeguard.roles import Perm
from safeguard.search_terms import search_query, search_values
from safeguard.storage import stored_file_response
from schools.selectors import pupil_get_for, pupil_list_for, safeguarding_leads

from . import services
from .body_outline import numbered_marks
from .forms import (
    ActionDoneForm,
    ActionForm,
    AddendumForm,
    AdviceForm,
    AttachmentForm,
    BodyMarkForm,
    ConcernDraftForm,
    DslRecordForm,
    ReassessmentReviewForm,
)
from .models import (
    INBOX_ORDER,
    MINE_ORDER,
    PROMPT_ORDER,
    BodySide,
    Category,
    ConcernStatus,
    DslRecord,
    DslRecordStatus,
    Involvement,
)
from .selectors import (
    action_get_for,
    action_list_for,
    action_owners_for,
    action_pupil_ids,
    attachment_get_for,
    concern_actions_for,
    concern_list_mine,
    concern_view_for,
    cp_readers_for,
    draft_get_for,
    inbox_for,
    open_prompts_for,
    prompt_get_for,
    reporters_for,
)

INBOX_PER_PAGE = 25
# Re-assessment prompts shown above the inbox (the rest on their own list).
PROMPTS_ON_INBOX = 5
PROMPTS_PER_PAGE = 25
ACTIONS_PER_PAGE = 50
MINE_PER_PAGE = 25
# My concerns' filter: its values and their words (the open ones first in "all").
MINE_FILTERS = {
    "all": "Open and closed (open first)",
    "open": "Open",
    "closed": "Closed",
}
INBOX_SEARCH_TERMS = ("pupil",)  # the inbox's filter by a pupil's name: a token in its URL


# --- Staff: log a concern ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def concern_start(request: SafeguardRequest) -> HttpResponse:
    """Start a concern (from the header or a pupil's page); GET lists drafts to carry on with."""
    school = acting_school_or_403(request, Perm.LOG_CONCERN)
    if request.method == "POST":
        pupil = None
        if request.POST.get("pupil"):
            pupil = pupil_get_for(actor=request.user, pk=request.POST["pupil"])
            if pupil.school_id != school.pk:
                raise Http404("No such record.")
        concern = services.concern_start(actor=request.user, school=school, pupil=pupil)
        return redirect("concern-draft", pk=concern.pk)
    drafts = concern_list_mine(actor=request.user, school=school).filter(status=ConcernStatus.DRAFT)
    return render(request, "concerns/start.html", {"drafts": drafts})


def _apply_draft(request: SafeguardRequest, concern: Any) -> ConcernDraftForm:
    """Save every valid answer of the posted form, including each pupil's involvement.

    Raises DraftConflictError when the page was out of date (saved in another tab meanwhile).
    """
    form = ConcernDraftForm(request.POST)
    form.is_valid()
    services.concern_draft_update(
        actor=request.user,
        concern=concern,
        values=form.draft_values(),
        expected_version=whole_number(request.POST.get("draft_version")),
        editor=_editor_token(request),
    )
    for involvement in concern.involvements.all():
        if f"involvement-present-{involvement.pk}" not in request.POST:
            continue
        # The radios and boxes are the page's own: a value they never send keeps what was saved.
        services.involvement_update(
            actor=request.user,
            involvement=involvement,
            kind=one_of(
                request.POST.get(f"involvement-{involvement.pk}", ""),
                ["", *Involvement.values],
                default=involvement.involvement,
            ),
            other=request.POST.get(f"involvement_other-{involvement.pk}", ""),
            category_ids=whole_numbers(request.POST.getlist(f"categories-{involvement.pk}")),
        )
    return form


def _editor_token(request: SafeguardRequest) -> str:
    """The token the draft page was given when it opened, or none for anything the page could
    not have sent (a NUL would reach PostgreSQL)."""
    token = request.POST.get("editor", "")[:32]
    return token if token.isascii() and token.isprintable() else ""


def _draft_context(request: SafeguardRequest, concern: Any, **extra: Any) -> dict[str, Any]:
    categories = services.categories_for(school=concern.school)
    top = [c for c in categories if c.parent_id is None]
    children: dict[int, list[Category]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    involvements = list(concern.involvements.all())
    parent_of = {c.pk: c.parent_id for c in categories}
    for i in involvements:
        i.chosen = {ic.category_id for ic in i.involvementcategory_set.all()}
        # A top-level box is ticked when it, or one of its own categories, was chosen.
        i.chosen_tops = {parent_of.get(c) or c for c in i.chosen}
    extra.setdefault("mark_form", BodyMarkForm(prefix="mark"))
    extra.setdefault("file_form", AttachmentForm(prefix="file"))
    return {
        "concern": concern,
        # The same page keeps its token across its own saves; a newly opened page gets a new one.
        "editor_token": _editor_token(request) or secrets.token_hex(8),
        "involvements": involvements,
        "category_groups": [(t, children.get(t.pk, [])) for t in top],
        "involvement_choices": Involvement.choices,
        "marks": (marks := list(concern.body_marks.all())),
        "numbered_marks": numbered_marks(
            marks, [(i.pupil_id, i.pupil.display_name) for i in involvements]
        ),
        "attachments": list(concern.attachments.all()),
        "sides": BodySide.choices,
        "leads": safeguarding_leads(concern.school),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def concern_draft(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The Part 1 form. Every button saves what is typed first, so nothing is ever lost."""
    # Written out, not `run_service`: the page is one form with many buttons, each a step of its
    # own after the save, and htmx takes the changed section out of the page shown again.
    concern = draft_get_for(actor=request.user, pk=pk)
    if request.method == "GET":
        form = ConcernDraftForm(initial=ConcernDraftForm.initial_for(concern))
        return render(request, "concerns/draft.html", _draft_context(request, concern, form=form))
    try:
        form = _apply_draft(request, concern)
    except services.DraftConflictError:
        return _draft_conflict(request, concern)
    action = request.POST.get("action", "save")
    if action == "continue" and not form.errors:
        return redirect("concern-check", pk=concern.pk)
    pressed = _press_draft_button(request, concern, action)
    concern = draft_get_for(actor=request.user, pk=pk)
    if form.errors or pressed.has_errors or action == "continue" or getattr(request, "htmx", False):
        return render(
            request,
            "concerns/draft.html",
            _draft_context(
                request,
                concern,
                form=form,
                mark_form=pressed.mark_form,
                file_form=pressed.file_form,
            ),
        )
    anchor = f"#{pressed.anchor}" if pressed.anchor else ""
    return redirect(reverse("concern-draft", kwargs={"pk": concern.pk}) + anchor)


def _draft_conflict(request: SafeguardRequest, concern: Any) -> HttpResponse:
    """Saved in another tab or device meanwhile: save nothing, show what this page holds (typed
    here, so kept) beside a warning; saving again now is a deliberate choice."""
    form = ConcernDraftForm(request.POST)
    form.is_valid()
    return render(
        request,
        "concerns/draft.html",
        _draft_context(request, concern, form=form, draft_conflict=True),
        status=409,
    )


@dataclass
class _Pressed:
    """What a button of the draft page did, once the draft was saved: the section to go back to,
    and the body map's and the files' forms (as typed, unless the mark or file was added)."""

    anchor: str = ""
    mark_form: BodyMarkForm = field(default_factory=lambda: BodyMarkForm(prefix="mark"))
    file_form: AttachmentForm = field(default_factory=lambda: AttachmentForm(prefix="file"))

    @property
    def has_errors(self) -> bool:
        return bool(self.mark_form.errors or self.file_form.errors)


def _press_draft_button(request: SafeguardRequest, concern: Any, action: str) -> _Pressed:
    """Do the step of the button pressed ("add_mark", or "remove_mark:<id>" for one record);
    a refusal of the step (too many pupils, say) is the message at the top of the page."""
    # A mark typed but not yet added stays on the page (unchecked) whichever button was pressed.
    pressed = _Pressed(mark_form=as_typed(BodyMarkForm, request.POST, prefix="mark"))
    name, colon, pk = action.partition(":")
    button = _DRAFT_BUTTONS.get(name + colon)
    if button is not None:
        try:
            button(request, concern, pk, pressed)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return pressed


def _add_pupil(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    pupil = pupil_get_for(actor=request.user, pk=pk)
    services.concern_pupil_add(actor=request.user, concern=concern, pupil=pupil)
    pressed.anchor = "pupils"


def _remove_pupil(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    involvement = get_or_404(concern.involvements.all(), pk=pk)
    services.concern_pupil_remove(actor=request.user, involvement=involvement)
    pressed.anchor = "pupils"


def _add_mark(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    pressed.anchor = "body-map"
    pressed.mark_form = form = BodyMarkForm(request.POST, prefix="mark")
    if not form.is_valid():
        return
    typed = form.cleaned_data
    pupil = pupil_get_for(actor=request.user, pk=typed["pupil"]) if typed["pupil"] else None
    services.body_mark_add(
        actor=request.user,
        concern=concern,
        side=typed["side"],
        x=typed["x"],
        y=typed["y"],
        description=typed["description"],
        pupil=pupil,
    )
    pressed.mark_form = BodyMarkForm(prefix="mark")


def _remove_mark(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    mark = get_or_404(concern.body_marks.all(), pk=pk)
    services.body_mark_remove(actor=request.user, mark=mark)
    pressed.anchor = "body-map"


def _add_file(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    pressed.anchor = "files"
    pressed.file_form = form = AttachmentForm(request.POST, request.FILES, prefix="file")
    if not form.is_valid():
        return
    try:
        attachment = services.attachment_add(
            actor=request.user, concern=concern, upload=form.cleaned_data["file"]
        )
    except ValidationError as error:
        # The upload's refusal (too big, not a JPG, PNG or PDF) names no field: it is the file's.
        add_service_errors(form, {"file": error.messages[:1]})
    else:
        pressed.file_form = AttachmentForm(prefix="file")
        if attachment.cleaned_away:
            messages.success(request, _attached_message(attachment))


def _attached_message(attachment: Any) -> str:
    """What cleaning took out of a file or changed, said when it is attached (ADR 0031)."""
    if attachment.is_image:
        return f"{attachment.original_name} was attached. " + " ".join(attachment.cleaned_away)
    return (
        f"{attachment.original_name} was attached without what could run or carry other "
        f"files: {', '.join(attachment.cleaned_away)} removed."
    )


def _remove_file(request: SafeguardRequest, concern: Any, pk: str, pressed: _Pressed) -> None:
    attachment = get_or_404(concern.attachments.all(), pk=pk)
    services.attachment_remove(actor=request.user, attachment=attachment)
    pressed.anchor = "files"


# The draft page's buttons, by the name of their `action` ("name:" when it carries a record's id).
_DRAFT_BUTTONS: dict[str, Callable[[SafeguardRequest, Any, str, _Pressed], None]] = {
    "add_pupil:": _add_pupil,
    "remove_pupil:": _remove_pupil,
    "add_mark": _add_mark,
    "remove_mark:": _remove_mark,
    "add_file": _add_file,
    "remove_file:": _remove_file,
}


@login_required
@require_POST
def concern_autosave(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Save the draft as the reporter types (htmx, every few seconds)."""
    concern = draft_get_for(actor=request.user, pk=pk)
    try:
        form = _apply_draft(request, concern)
    except services.DraftConflictError:
        return render(
            request,
            "concerns/_autosave_status.html",
            {"conflict": True, "saved_at": timezone.localtime(concern.updated_at)},
            status=409,
        )
    concern.refresh_from_db(fields=["draft_version"])
    return render(
        request,
        "concerns/_autosave_status.html",
        {
            "saved_at": timezone.localtime(),
            "has_errors": bool(form.errors),
            "draft_version": concern.draft_version,
        },
    )


@login_required
@require_POST
def concern_pupil_search(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Pupils of the concern's school matching what is typed, to add to the concern (posted:
    a name in a URL would reach the web server's log)."""
    concern = draft_get_for(actor=request.user, pk=pk)
    query = search_text(request.POST.get("pupil_q"))
    results = []
    if query:
        already = set(concern.involvements.values_list("pupil_id", flat=True))
        results = [
            p
            for p in pupil_list_for(actor=request.user, school=concern.school, query=query)[:12]
            if p.pk not in already
        ]
    return render(
        request,
        "concerns/_pupil_results.html",
        {"concern": concern, "results": results, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_check(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Check your answers, then sign and submit."""
    # Written out: no form; a refusal is the list of problems this page shows anyway.
    concern = draft_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            concern = services.concern_submit(actor=request.user, concern=concern)
        except ValidationError:
            concern = draft_get_for(actor=request.user, pk=pk)
        else:
            messages.success(
                request,
                f"Concern {concern.reference} submitted. The Designated Safeguarding Lead "
                "has it now.",
            )
            return redirect("concern-detail", pk=concern.pk)
    problems = services.concern_problems(concern=concern)
    row_problems: dict[str, list[str]] = {}
    for key, message in problems.items():
        row_problems.setdefault(_CHECK_ROWS.get(key.split("-")[0], "pupils"), []).append(message)
    return render(
        request,
        "concerns/check.html",
        {
            "concern": concern,
            # Each problem beside its answer; the summary links to that answer's change link.
            "problems": [(m, row) for row, messages in row_problems.items() for m in messages],
            "row_problems": {row.replace("-", "_"): m for row, m in row_problems.items()},
            "checking": True,
            "involvements": list(concern.involvements.all()),
        },
    )


# The row of "Check your answers" that shows each of `concern_problems` (a pupil's involvement
# or categories: the pupils row).
_CHECK_ROWS = {
    "pupils": "pupils",
    "involvement": "pupils",
    "categories": "pupils",
    "incident_at": "incident",
    "reason_for_recording": "reason",
    "account": "account",
    "immediate_danger": "danger",
}


@login_required
@require_POST
def concern_discard(request: SafeguardRequest, pk: Any) -> HttpResponse:
    concern = draft_get_for(actor=request.user, pk=pk)
    services.concern_discard(actor=request.user, concern=concern)
    messages.success(request, "Draft deleted.")
    return redirect("concern-mine")


@login_required
@require_GET
def concern_mine(request: SafeguardRequest) -> HttpResponse:
    """My concerns: what I submitted and its status, and my drafts."""
    school = acting_school_or_403(request, Perm.LOG_CONCERN)
    status = one_of(request.GET.get("status"), MINE_FILTERS, default="all")
    page = keyset_page(
        concern_list_mine(actor=request.user, school=school, status=status),
        order=MINE_ORDER,
        token=request.GET.get(PAGE),
        per_page=MINE_PER_PAGE,
        # Each filter its own list: a position in the closed ones is not one in the open ones.
        name=f"concern-mine-{status}",
    )
    submitted = [c for c in page.rows if not c.is_draft]
    if submitted:  # a draft is the person's own writing, not yet anyone's record
        access_log_write(
            request=request,
            school_id=school.pk,
            what="my_concerns",
            pupil_ids=[i.pupil_id for c in submitted for i in c.involvements.all()],
        )
    return render(
        request,
        "concerns/mine.html",
        {
            "page": page,
            "concerns": page.rows,
            "status": status,
            "filters": MINE_FILTERS,
            "query_string": f"status={status}" if status != "all" else "",
        },
    )


# --- A submitted concern -------------------------------------------------------------------------


@login_required
@require_GET
def concern_detail(request: SafeguardRequest, pk: Any) -> HttpResponse:
    view = concern_view_for(actor=request.user, pk=pk)
    return _render_detail(request, view)


@login_required
@require_GET
def concern_print(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The concern ready to print (Appendix 3 of the seed: Part 1, and Part 2 for those who read
    the CP record): CONFIDENTIAL, no navigation, the body map drawn. Logged as a read."""
    view = concern_view_for(actor=request.user, pk=pk)
    concern = view.concern
    _log_view(request, concern, "concern_print")
    record = None
    if view.full:
        record = (
            DslRecord.objects.filter(concern=concern, status=DslRecordStatus.SIGNED)
            .prefetch_related("advice")
            .first()
        )
    return render(
        request,
        "concerns/print.html",
        {
            "view": view,
            "concern": concern,
            "involvements": list(concern.involvements.all()),
            "record": record,
            "printed_at": timezone.now(),
        },
    )


def _log_view(request: SafeguardRequest, concern: Any, what: str) -> None:
    access_log_write(
        request=request,
        school_id=concern.school_id,
        what=what,
        pupil_ids=[i.pupil_id for i in concern.involvements.all()],
        record_id=concern.pk,
    )


def _render_detail(
    request: SafeguardRequest,
    view: Any,
    *,
    addendum_form: AddendumForm | None = None,
    action_form: ActionForm | None = None,
) -> HttpResponse:
    """The concern page: Part 1 and addenda for its readers; Part 2, actions and restriction for
    those who read CP records. Forms with errors are passed in to be shown again. Logged each
    time it is shown, the second showing of a form with errors too."""
    concern = view.concern
    _log_view(request, concern, "concern")
    context: dict[str, Any] = {
        "view": view,
        "concern": concern,
        "involvements": list(concern.involvements.all()),
        "addendum_form": addendum_form or AddendumForm(),
        **record_school_context(request, concern.school),
    }
    if view.full:
        context.update(
            record=DslRecord.objects.filter(concern=concern).prefetch_related("advice").first(),
            actions=concern_actions_for(concern=concern),
            action_form=(action_form or ActionForm(owners=action_owners_for(concern=concern)))
            if view.manage
            else None,
            readers=cp_readers_for(school=concern.school) if view.manage else [],
            now=timezone.now(),
        )
    return render(request, "concerns/detail.html", context)


@login_required
@require_POST
def concern_addendum(request: SafeguardRequest, pk: Any) -> HttpResponse:
    view = concern_view_for(actor=request.user, pk=pk)
    form = AddendumForm(request.POST)
    try:
        done = run_service(
            request,
            form,
            services.addendum_add,
            concern=view.concern,
            done="Your addendum was added and signed.",
            to=reverse("concern-detail", kwargs={"pk": view.concern.pk}) + "#addenda",
        )
    except PermissionDenied as exc:  # a reader who may not add: the same 404 as no record
        raise Http404("No such record.") from exc
    return done or _render_detail(request, view, addendum_form=form)


@login_required
@require_GET
def attachment_download(request: SafeguardRequest, pk: Any) -> FileResponse:
    """A file of a concern, only through this permission-checked view, never as a static file."""
    attachment = attachment_get_for(actor=request.user, pk=pk)
    _log_view(request, attachment.concern, "attachment")
    try:  # streamed from storage (S3 or disk), never by its path or a URL of its own
        response = stored_file_response(
            attachment.file,
            content_type=attachment.content_type,
            as_attachment=not attachment.is_image,
            filename=attachment.original_name,
        )
    except FileNotFoundError:  # removed from storage (destroyed) under the row
        raise Http404("No such file.") from None
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- DSL: triage and decide ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def triage_inbox(request: SafeguardRequest) -> HttpResponse:
    """New concerns first, immediate danger on top, with filters. The filters are posted (a
    pupil's name is personal data): the answer is the inbox at a URL with a token for the name."""
    school = acting_school_or_403(request, Perm.READ_CP_RECORDS)
    if request.method == "POST":
        query = search_query(request, request.POST, terms=INBOX_SEARCH_TERMS)
        return redirect(reverse("triage-inbox") + (f"?{query}" if query else ""))
    asked = search_values(request, terms=INBOX_SEARCH_TERMS)
    status = asked.get("status", "")
    category = asked.get("category", "")
    pupil_query = search_text(asked.get("pupil"))
    reporter = asked.get("reporter", "")
    pupil_ids = None
    if pupil_query:
        pupil_ids = list(
            pupil_list_for(
                actor=request.user, school=school, query=pupil_query, include_left=True
            ).values_list("pk", flat=True)[:50]
        )
    concerns = inbox_for(
        actor=request.user,
        school=school,
        status=status,
        category_id=whole_number(category),
        pupil_ids=pupil_ids,
        reporter_id=whole_number(reporter),
    )
    page = keyset_page(
        concerns,
        order=INBOX_ORDER,
        token=request.GET.get(PAGE),
        per_page=INBOX_PER_PAGE,
        name="triage-inbox",
    )
    prompts = open_prompts_for(actor=request.user, school=school)
    prompts_shown = list(prompts[:PROMPTS_ON_INBOX])
    access_log_write(
        request=request,
        school_id=school.pk,
        what="triage_inbox",
        pupil_ids=[i.pupil_id for c in page.rows for i in c.involvements.all()]
        + [p.pupil_id for p in prompts_shown],
    )
    params = request.GET.copy()
    params.pop(PAGE, None)
    return render(
        request,
        "concerns/inbox.html",
        {
            "page": page,
            "count": concerns.count(),  # 3 ms for the 22,000 of a school of the benchmark trust
            "query_string": params.urlencode(),
            "now": timezone.now(),
            "filters": {
                "status": status,
                "category": category,
                "pupil": pupil_query,
                "reporter": reporter,
            },
            "statuses": [
                ("new", "New (not opened)"),
                *[(v, label) for v, label in ConcernStatus.choices if v != "draft"],
            ],
            "top_categories": Category.objects.filter(
                trust_id=school.trust_id, parent__isnull=True
            ),
            "reporters": reporters_for(actor=request.user, school=school),
            "prompts": prompts_shown,
            "manage_prompts": access_for(request.user).has(Perm.MANAGE_CP_RECORDS, school.pk),
            "prompt_count": len(prompts_shown)
            if len(prompts_shown) < PROMPTS_ON_INBOX
            else prompts.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dsl_record(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """Part 2. Opening it records when the DSL received the concern."""
    # Written out: one form saves, adds advice or signs, and keeps what was typed through a
    # conflict with someone else's save.
    view = concern_view_for(actor=request.user, pk=pk)
    if not view.manage:
        raise Http404("No such record.")
    record = services.concern_open(actor=request.user, concern=view.concern)
    _log_view(request, view.concern, "dsl_record")
    form = DslRecordForm(initial=DslRecordForm.initial_for(record))
    # Advice typed but not added stays on the page when it comes back for another reason.
    advice_form = as_typed(AdviceForm, request.POST, prefix="advice")
    conflict = None
    refusal: ValidationError | None = None
    unsaved: DslRecordForm | None = None
    if request.method == "POST" and record.status == DslRecordStatus.SIGNED:
        # Someone signed it while this person was writing: it can no longer change, but what
        # they typed stays on screen so nothing is lost (they can add it as an addendum).
        unsaved = DslRecordForm(request.POST)
        unsaved.is_valid()
    elif request.method == "POST":
        action = request.POST.get("action", "save")
        form = DslRecordForm(request.POST)
        if action == "add_advice":  # its problems show with the record's, whichever it has
            advice_form = AdviceForm(request.POST, prefix="advice")
            advice_form.is_valid()
        if form.is_valid():
            try:
                record = services.dsl_record_save(
                    actor=request.user,
                    record=record,
                    values=form.values(),
                    expected_version=form.cleaned_data["version"],
                )
                if action == "add_advice":
                    if advice_form.is_valid():
                        services.advice_add(
                            actor=request.user, record=record, **advice_form.cleaned_data
                        )
                        messages.success(request, "Advice added.")
                        return redirect(reverse("dsl-record", kwargs={"pk": pk}) + "#advice")
                elif action == "sign":
                    record = services.dsl_record_sign(
                        actor=request.user, record=record, expected_version=record.version
                    )
                    messages.success(request, "The DSL record is signed.")
                    return redirect("concern-detail", pk=pk)
                else:
                    messages.success(request, "Saved. Sign it when every decision has its reason.")
                    return redirect("dsl-record", pk=pk)
            except services.ConflictError as clash:
                conflict = clash.current
            except ValidationError as error:
                refusal = error
            # Show what was typed again, carrying the version now in the database: after a
            # conflict, saving again (having read theirs) is a deliberate choice and goes through.
            data = request.POST.copy()
            data["version"] = str((conflict or record).version)
            form = DslRecordForm(data)
            form.is_valid()
            if refusal is not None:
                add_service_errors(form, refusal)
    record.refresh_from_db()
    return render(
        request,
        "concerns/dsl_record.html",
        {
            "view": view,
            "concern": view.concern,
            "involvements": list(view.concern.involvements.all()),
            "record": record,
            "form": form,
            "advice_form": advice_form,
            "conflict": conflict,
            "unsaved": unsaved,
            "advice": list(record.advice.all()),
        },
    )


@login_required
@require_POST
def action_add(request: SafeguardRequest, pk: Any) -> HttpResponse:
    view = concern_view_for(actor=request.user, pk=pk)
    if not view.manage:
        raise Http404("No such record.")
    form = ActionForm(request.POST, owners=action_owners_for(concern=view.concern))
    done = run_service(
        request,
        form,
        services.action_assign,
        concern=view.concern,
        done="Action assigned.",
        to=reverse("concern-detail", kwargs={"pk": pk}) + "#actions",
    )
    return done or _render_detail(request, view, action_form=form)


@login_required
@require_GET
def action_list(request: SafeguardRequest) -> HttpResponse:
    school = acting_school_or_403(request, Perm.LOG_CONCERN)
    # A page at a time, read in the database (the open ones first, however many are done).
    page = Paginator(action_list_for(actor=request.user, school=school), ACTIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    actions = list(page.object_list)
    if actions:  # what is to be done for a child is part of their record
        access_log_write(
            request=request,
            school_id=school.pk,
            what="my_actions",
            pupil_ids=action_pupil_ids(actions=actions),
        )
    return render(
        request,
        "concerns/actions.html",
        {
            "actions": actions,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            # Marking one done comes back to this page of the list.
            "here": reverse("action-list") + (f"?page={page.number}" if page.number > 1 else ""),
            "done_form": ActionDoneForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def action_done(request: SafeguardRequest, pk: Any) -> HttpResponse:
    # Written out: posted from a list with no form to show again; the answer is a message.
    action = action_get_for(actor=request.user, pk=pk)
    form = ActionDoneForm(request.POST)
    if form.is_valid():
        try:
            services.action_complete(
                actor=request.user, action=action, note=form.cleaned_data["done_note"]
            )
        except PermissionDenied as exc:
            raise Http404("No such record.") from exc
        messages.success(request, "Action marked as done.")
    else:
        messages.error(request, "Enter what was done before marking the action as done.")
    return redirect(page_to_return_to(request, request.POST.get("next"), reverse("action-list")))


@login_required
@require_POST
def concern_restrict(request: SafeguardRequest, pk: Any) -> HttpResponse:
    # Written out: posted from the concern's page with no form to show again; the answer is a
    # message.
    view = concern_view_for(actor=request.user, pk=pk)
    if not access_for(request.user).has(Perm.VIEW_ALL_RESTRICTED, view.concern.school_id):
        raise Http404("No such record.")
    if request.POST.get("restricted") == "no":
        services.concern_unrestrict(actor=request.user, concern=view.concern)
        messages.success(request, "The restriction is lifted.")
    else:
        readers = {str(u.pk): u for u in cp_readers_for(school=view.concern.school)}
        asked = request.POST.getlist("named")
        named = [readers[i] for i in asked if i in readers]
        try:
            if len(named) != len(asked):
                raise ValidationError("Name only people who can read child-protection records")
            services.concern_restrict(actor=request.user, concern=view.concern, named=named)
            messages.success(request, "The concern is restricted.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect(reverse("concern-detail", kwargs={"pk": pk}) + "#restriction")


@login_required
@require_POST
def concern_close(request: SafeguardRequest, pk: Any) -> HttpResponse:
    # Written out: a button with no form; a refusal is a message on the concern's page.
    view = concern_view_for(actor=request.user, pk=pk)
    if not view.manage:
        raise Http404("No such record.")
    try:
        services.concern_close(actor=request.user, concern=view.concern)
        messages.success(request, f"Concern {view.concern.reference} is closed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("concern-detail", pk=pk)


# --- Re-assessment prompts (docs/adr/0044) ------------------------------------------------------


@login_required
@require_GET
def reassessment_list(request: SafeguardRequest) -> HttpResponse:
    """Every pupil of the acting school whose situation is waiting to be re-assessed, longest
    waiting first, a page at a time."""
    school = acting_school_or_403(request, Perm.READ_CP_RECORDS)
    prompts = open_prompts_for(actor=request.user, school=school)
    page = keyset_page(
        prompts,
        order=PROMPT_ORDER,
        token=request.GET.get(PAGE),
        per_page=PROMPTS_PER_PAGE,
        name="reassessment-list",
    )
    access_log_write(
        request=request,
        school_id=school.pk,
        what="reassessment_list",
        pupil_ids=[p.pupil_id for p in page.rows],
    )
    return render(
        request,
        "concerns/reassessment_list.html",
        {
            "page": page,
            "count": prompts.count(),
            "manage": access_for(request.user).has(Perm.MANAGE_CP_RECORDS, school.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reassessment_review(request: SafeguardRequest, pk: Any) -> HttpResponse:
    """The DSL or a deputy reviews the whole picture and records a decision with reasons."""
    prompt = prompt_get_for(actor=request.user, pk=pk)
    access_log_write(
        request=request,
        school_id=prompt.school_id,
        what="reassessment_review",
        pupil_ids=[prompt.pupil_id],
        record_id=str(prompt.pk),
    )
    form = ReassessmentReviewForm(request.POST or None)
    done = run_service(
        request,
        form,
        services.reassessment_review_record,
        prompt=prompt,
        done="Your review was signed and added to the chronology.",
        to=reverse("pupil-safeguarding", args=[prompt.pupil_id]),
    )
    return done or render(
        request,
        "concerns/reassessment_review.html",
        {"prompt": prompt, "pupil": prompt.pupil, "form": form},
    )
