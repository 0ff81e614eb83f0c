"""The tenancy matrix's route table: every named route, how to call it, and what each role gets
against a record of their own school, of a school of another trust and of a sibling school of the
same trust (docs/architecture.md section 4 rule 6). The matrix itself is
tests/safeguard/test_tenancy_matrix.py; the access-log, hostile-input, restricted-disclosure,
names-out-of-URLs and in-browser accessibility tests walk the same table.

`matrix_data`, `world` and `records` are the matrix's world as fixtures: built once for a module
that takes them (`world = routes.world`), committed, each test rolled back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.world import (
    ALL_ROLES,
    Records,
    World,
    add_sibling,
    empty_tables,
    make_records,
    make_world,
)

ANON = "anonymous"
ROLES = [ANON, *ALL_ROLES]
VIEW_PUPILS = {"staff", "dsl", "deputy", "head", "admin", "tso"}
LOG_CONCERN = {"staff", "dsl", "deputy", "head", "admin"}
READ_CP = {"dsl", "deputy", "head", "tso"}
MANAGE_CP = {"dsl", "deputy"}
ALLEGATIONS = {"head", "tso"}
EVERYONE = set(ALL_ROLES)
FAMILY_CONTACTS = {"dsl", "deputy", "head", "admin"}
API_CLIENTS = {"dsl", "head", "tso"}
AUTHOR = "author"  # the person who wrote the record: school A's staff member, school B's DSL


@dataclass(frozen=True)
class Route:
    """How to call a route and what each role should get.

    `kwargs(world, records, which)` builds the URL arguments from school A's record ("own") or
    school B's ("other"); the test flips them for B's DSL, so "own" is always the actor's own
    school. `allowed` roles (and AUTHOR, the record's writer) get `ok`; `forbidden` roles get 403
    (they may see the record, but not this page of it); other signed-in roles get `denied` (403
    for a page of the acting school, 404 for a record); anonymous gets `anon`. For records of the
    other school every signed-in role gets 404.
    """

    kwargs: Callable[[World, dict[str, Records], str], dict[str, Any]] | None = None
    allowed: set[str] = field(default_factory=set)
    ok: int = 200
    denied: int = 403
    anon: int = 302
    method: str = "get"
    data: Callable[[World, str], dict[str, Any]] | None = None
    record: bool = False
    public: int | None = None  # the same status for everyone, signed in or not
    forbidden: set[str] = field(default_factory=set)
    # Also called with school C's record (of school A's trust); off for routes whose argument is
    # the trust's own (an agency, a category, a trust role), the same for A and C.
    sibling: bool = True


def _pupil(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    return {"pk": world.pupil_of(which).pk}


def _rec(attr: str) -> Callable[[World, dict[str, Records], str], dict[str, Any]]:
    return lambda world, records, which: {"pk": getattr(records[which], attr).pk}


def _agency(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """An agency kept by the trust of school A ("own") or of school B ("other")."""
    from contacts.models import Agency

    school = world.school_of(which)
    return {"pk": Agency.objects.filter(trust=school.trust).order_by("pk").first().pk}


def _signing_key(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """A signing key of school A ("own") or school B ("other")."""
    from tests.support.records.signing import signing_key_record

    return {"pk": signing_key_record(world.school_of(which)).pk}


def _category(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """A category of the list of school A's trust ("own") or school B's ("other")."""
    return {"pk": records[which].category.pk}


def _qa_school(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """School A ("own") or school B ("other"), to draw a QA sample of."""
    return {"school_id": world.school_of(which).pk}


def _staff_person(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """A person of school A ("own") or school B ("other"): the one given a CP role to confirm."""
    return {"pk": records[which].role_request.user_id}


def _trust_person(world: World, records: dict[str, Records], which: str) -> dict[str, Any]:
    """School A's trust's TSO ("own"), or a person with no role in that trust ("other")."""
    return {"pk": (world.users["tso"] if which == "own" else world.users["other_dsl"]).pk}


def _record_route(attr: str, allowed: set[str], **kwargs: Any) -> Route:
    return Route(kwargs=_rec(attr), allowed=allowed, denied=404, record=True, **kwargs)


def _roll_keepers() -> set[str]:
    """The school roles that keep the pupil roll (safeguard/roles.py)."""
    from safeguard.roles import ROLES, Perm, Scope

    return {
        k for k, r in ROLES.items() if r.scope is Scope.SCHOOL and Perm.MANAGE_PUPIL_ROLL in r.perms
    }


ROUTES: dict[str, Route] = {
    "home": Route(allowed=EVERYONE),
    "healthz": Route(public=200),
    # The accessibility statement: about the service, no one's records (docs/adr/0047).
    "accessibility-statement": Route(public=200),
    # Prometheus's page: a 404 to everyone without METRICS_TOKEN (tests/safeguard/test_metrics.py)
    "metrics": Route(public=404),
    "school-switch": Route(
        method="post",
        data=lambda w, which: {"school": w.school_of(which).slug},
        allowed=EVERYONE,
        ok=302,
        denied=404,
        record=True,
    ),
    "login": Route(allowed=set(), denied=302, anon=200),  # signed-in people go home
    "logout": Route(method="post", public=302),
    "password_reset": Route(public=200),
    "password_reset_done": Route(public=200),
    "password_reset_confirm": Route(
        kwargs=lambda w, r, which: {"uidb64": "MQ", "token": "not-a-token"}, public=200
    ),
    "password_reset_complete": Route(public=200),
    "pupil-list": Route(allowed=VIEW_PUPILS),
    "pupil-detail": Route(kwargs=_pupil, allowed=VIEW_PUPILS, denied=404, record=True),
    # Concerns: staff
    "concern-start": Route(allowed=LOG_CONCERN),
    "concern-mine": Route(allowed=LOG_CONCERN),
    "action-list": Route(allowed=LOG_CONCERN),
    "concern-draft": _record_route("draft", {AUTHOR}),
    "concern-autosave": _record_route("draft", {AUTHOR}, method="post"),
    "concern-pupil-search": _record_route("draft", {AUTHOR}, method="post"),
    "concern-check": _record_route("draft", {AUTHOR}),
    "concern-discard": _record_route("draft", {AUTHOR}, method="post", ok=302),
    "concern-detail": _record_route("concern", {AUTHOR} | READ_CP),
    "concern-print": _record_route("concern", {AUTHOR} | READ_CP),
    "concern-addendum": _record_route(
        "concern",
        {AUTHOR} | MANAGE_CP,
        method="post",
        ok=302,
        data=lambda w, which: {"text": "Later fact"},
    ),
    "attachment-download": _record_route("attachment", {AUTHOR} | READ_CP),
    "action-done": _record_route(
        "action",
        {AUTHOR} | MANAGE_CP,
        method="post",
        ok=302,
        data=lambda w, which: {"done_note": "Done"},
    ),
    # Concerns: DSL
    "triage-inbox": Route(allowed=READ_CP),
    "reassessment-list": Route(allowed=READ_CP),
    "reassessment-review": _record_route("reassessment_prompt", MANAGE_CP),
    # Searching records (issue 20): the acting school's only (tests/home/test_record_search.py
    # searches as each school's people for another school's words)
    "record-search": Route(allowed=READ_CP),
    "dsl-record": _record_route("concern", MANAGE_CP),
    "action-add": _record_route("concern", MANAGE_CP, method="post"),  # empty form: 200 with errors
    "concern-restrict": _record_route("concern", {"dsl"}, method="post", ok=302),
    "concern-close": _record_route("concern", MANAGE_CP, method="post", ok=302),
    # The child's record
    "pupil-safeguarding": Route(kwargs=_pupil, allowed=READ_CP, denied=404, record=True),
    "pupil-chronology": Route(kwargs=_pupil, allowed=READ_CP, denied=404, record=True),
    "pupil-chronology-print": Route(kwargs=_pupil, allowed=READ_CP, denied=404, record=True),
    "pupil-access-log": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "chronology-add": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "chronology-correct": _record_route("entry", MANAGE_CP),
    # The world's pupil has a file open already: the refusal shows in the form (issue 20).
    "cp-file-open": Route(
        kwargs=_pupil,
        allowed=MANAGE_CP,
        ok=200,
        denied=404,
        record=True,
        method="post",
        data=lambda w, which: {"reason": "Disclosure"},
    ),
    "risk-assessment-add": _record_route("concern", MANAGE_CP),
    # Issue 20: a risk assessment started from the pupil's page, the same form and permissions.
    "pupil-risk-assessment-add": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "risk-assessment-detail": _record_route("risk_assessment", READ_CP),
    "status-add": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "status-end": _record_route("status", MANAGE_CP),
    "cp-file-close": _record_route(
        "cp_file", MANAGE_CP, method="post", ok=302, data=lambda w, which: {"reason": "Moved away"}
    ),
    # Missing children (003 Appendix C): anyone who logs concerns reports; CP readers see; the
    # DSL and deputies record the steps. Children missing education: the school admin too.
    "missing-list": Route(allowed=READ_CP),
    "missing-start": Route(kwargs=_pupil, allowed=LOG_CONCERN, denied=404, record=True),
    "missing-detail": _record_route("missing_episode", READ_CP),
    "missing-step": Route(
        kwargs=lambda w, r, which: {"pk": r[which].missing_episode.pk, "step": "contacted"},
        allowed=MANAGE_CP,
        denied=404,
        record=True,
    ),
    # Steps still to record: the episode page again, saying which (200).
    "missing-close": _record_route("missing_episode", MANAGE_CP, method="post"),
    "absence-list": Route(allowed=READ_CP | {"admin"}),
    "absence-start": Route(kwargs=_pupil, allowed=MANAGE_CP | {"admin"}, denied=404, record=True),
    "absence-detail": _record_route("absence", READ_CP | {"admin"}),
    "absence-la-told": _record_route("absence", MANAGE_CP | {"admin"}),
    "absence-end": _record_route("absence", MANAGE_CP | {"admin"}),
    # Contacts: who to call and the key roles for every member of the school; the trust's
    # agencies for the TSO of that trust only; family contacts for those who may see them.
    "who-to-call": Route(allowed=EVERYONE),
    "school-key-roles": Route(allowed=EVERYONE),
    "key-contact-add": Route(allowed={"admin"}),
    "key-contact-edit": _record_route("key_contact", {"admin"}),
    "key-contact-remove": _record_route("key_contact", {"admin"}, method="post", ok=302),
    # Term dates and school hours: the school administrator of that school.
    "term-dates": Route(allowed={"admin"}),
    "closure-add": Route(allowed={"admin"}),
    "closure-edit": _record_route("closure", {"admin"}),
    "closure-remove": _record_route("closure", {"admin"}),
    "school-hours": Route(allowed={"admin"}),
    "agency-list": Route(allowed={"tso"}),
    "agency-add": Route(allowed={"tso"}),
    "agency-edit": Route(kwargs=_agency, allowed={"tso"}, denied=404, record=True),
    # A pupil the person may see (VIEW_PUPILS) but whose family contacts they may not: 403.
    "family-contacts": Route(
        kwargs=_pupil,
        allowed=FAMILY_CONTACTS,
        denied=404,
        forbidden=VIEW_PUPILS - FAMILY_CONTACTS,
        record=True,
    ),
    "family-contact-add": Route(
        kwargs=_pupil,
        allowed=MANAGE_CP | {"admin"},
        denied=404,
        forbidden=VIEW_PUPILS - MANAGE_CP - {"admin"},
        record=True,
    ),
    # The headteacher reads a contact but does not keep it: 403; who cannot see it: 404.
    "family-contact-edit": _record_route(
        "family_contact", MANAGE_CP | {"admin"}, forbidden={"head"}
    ),
    "family-contact-remove": _record_route(
        "family_contact", MANAGE_CP | {"admin"}, method="post", ok=302, forbidden={"head"}
    ),
    # Referrals
    "referral-list": Route(allowed=READ_CP),
    "referral-add": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "concern-referral-add": _record_route("concern", MANAGE_CP),
    "referral-detail": _record_route("referral", READ_CP),
    "referral-follow-up": _record_route("referral", MANAGE_CP),
    "referral-response": _record_route("referral", MANAGE_CP),
    "referral-escalate": _record_route("referral", MANAGE_CP),
    # Allegations against adults: the headteacher and the TSO only (named people are tested in
    # tests/allegations); any member of staff can report a concern about an adult.
    "allegation-list": Route(allowed=ALLEGATIONS),
    "allegation-new": Route(allowed=ALLEGATIONS),
    "allegation-detail": _record_route("allegation", ALLEGATIONS),
    "allegation-lado": _record_route("allegation", ALLEGATIONS),
    "allegation-police": _record_route("allegation", ALLEGATIONS),
    "allegation-step": _record_route("allegation", ALLEGATIONS),
    "allegation-outcome": _record_route("allegation", ALLEGATIONS),
    "allegation-named": _record_route("allegation", ALLEGATIONS),
    "allegation-report": Route(allowed=LOG_CONCERN),
    "allegation-report-sent": Route(allowed=LOG_CONCERN),
    "low-level-concern-list": Route(allowed=ALLEGATIONS),
    "low-level-concern-new": Route(allowed=ALLEGATIONS),
    "low-level-concern-detail": _record_route("low_level_concern", ALLEGATIONS),
    # Transfers of CP files: the DSL and deputies of the school holding the row (the sender's
    # transfer, the receiver's own copy); every file URL 404s for anyone else.
    "transfer-list": Route(allowed=MANAGE_CP),
    "transfer-start": Route(kwargs=_pupil, allowed=MANAGE_CP, denied=404, record=True),
    "transfer-detail": _record_route("transfer", MANAGE_CP),
    "transfer-progress": _record_route("transfer", MANAGE_CP),
    "transfer-retry": _record_route("transfer", MANAGE_CP, method="post", ok=302),
    "transfer-send": _record_route(
        "transfer",
        MANAGE_CP,
        method="post",
        ok=302,
        data=lambda w, which: {"other_children_checked": "on"},
    ),
    "transfer-sent": _record_route("transfer", MANAGE_CP),
    "transfer-receipt": _record_route("transfer", MANAGE_CP),
    "transfer-file": Route(
        kwargs=lambda w, r, which: {"pk": r[which].transfer.pk, "kind": "pdf"},
        allowed=MANAGE_CP,
        denied=404,
        record=True,
    ),
    "incoming-list": Route(allowed=MANAGE_CP),
    "incoming-detail": _record_route("incoming", MANAGE_CP),
    "incoming-accept": _record_route("incoming", MANAGE_CP, method="post", ok=302),
    "incoming-reject": _record_route("incoming", MANAGE_CP),
    "incoming-file": Route(
        kwargs=lambda w, r, which: {"pk": r[which].incoming.pk, "kind": "bundle"},
        allowed=MANAGE_CP,
        denied=404,
        record=True,
    ),
    "transfer-import": Route(allowed=MANAGE_CP),
    # ADR 0045: cancelling a transfer and correcting its leaving date are the sending school's
    # DSL and deputies'; a received entry's check reads the receiving school's file received.
    "transfer-cancel": _record_route("transfer", MANAGE_CP),
    "transfer-leaving-date": _record_route("transfer", MANAGE_CP),
    "received-entry": _record_route("received_entry", MANAGE_CP),
    "retention-list": Route(allowed=MANAGE_CP),
    "retention-detail": _record_route("retention", MANAGE_CP),
    # The school's signing certificate: the DSL and deputies, who send the files it signs.
    "signing-certificate": Route(allowed=MANAGE_CP),
    "signing-key-new": Route(allowed=MANAGE_CP),
    "signing-key-upload": Route(allowed=MANAGE_CP),
    "signing-certificate-download": Route(
        kwargs=_signing_key, allowed=MANAGE_CP, denied=404, record=True
    ),
    # Category governance: the TSO keeps the trust's list (another trust's category is a 404);
    # the school's DSL and deputies ask for categories, read their requests and the outcome; the
    # TSO of the school's trust decides (the DSL who can read a request may not decide it: 403).
    "category-list": Route(allowed={"tso"}),
    "category-add": Route(allowed={"tso"}),
    "category-history": Route(allowed={"tso"}),
    "reassessment-thresholds": Route(allowed={"tso"}),
    "category-rename": Route(kwargs=_category, allowed={"tso"}, denied=404, record=True),
    "category-retire": Route(kwargs=_category, allowed={"tso"}, denied=404, record=True),
    # Restoring a category in use is refused with a message: back to the list (302).
    "category-restore": Route(
        kwargs=_category, allowed={"tso"}, denied=404, record=True, method="post", ok=302
    ),
    "category-request-list": Route(allowed=MANAGE_CP),
    "category-request-new": Route(allowed=MANAGE_CP),
    "category-request-detail": _record_route("category_request", MANAGE_CP | {"tso"}),
    # An empty decision: the request page again with the error beside the field (200).
    "category-request-approve": _record_route(
        "category_request", {"tso"}, method="post", forbidden=MANAGE_CP
    ),
    "category-request-decline": _record_route(
        "category_request", {"tso"}, method="post", forbidden=MANAGE_CP
    ),
    # Quality assurance: the TSO samples, chooses and reviews their trust's schools' concerns
    # (another trust's school or review is a 404); the school's DSL and deputies read the
    # submitted feedback and respond. The head reads CP records but not QA feedback (404).
    "qa-overview": Route(allowed={"tso"}),
    "qa-choose": Route(allowed={"tso"}),
    "qa-sample-new": Route(kwargs=_qa_school, allowed={"tso"}, denied=404, record=True),
    "qa-review": _record_route("qa_review", MANAGE_CP | {"tso"}),
    "qa-respond": _record_route(
        "qa_review",
        MANAGE_CP,
        method="post",
        ok=302,
        data=lambda w, which: {"text": "Noted"},
        forbidden={"tso"},
    ),
    # Removing a submitted review is refused with a message (302); the school may not (403).
    "qa-remove": _record_route("qa_review", {"tso"}, method="post", ok=302, forbidden=MANAGE_CP),
    "qa-school-list": Route(allowed=MANAGE_CP),
    # The dashboards (issue 8): the school's for those who see its figures (the governor's
    # without names), the trust's and its drill-down for the TSO of that trust only.
    "school-dashboard": Route(allowed=READ_CP | {"governor"}),
    "trust-dashboard": Route(allowed={"tso"}),
    "trust-drilldown": Route(kwargs=_qa_school, allowed={"tso"}, denied=404, record=True),
    # The notification centre: everyone has one; a notification is its recipient's alone.
    "notification-list": Route(allowed=EVERYONE),
    "notification-read-all": Route(method="post", allowed=EVERYONE, ok=302),
    "notification-read": _record_route("notification", {AUTHOR}, method="post", ok=302),
    "notification-open": _record_route("notification", {AUTHOR}, method="post", ok=302),
    # Issue 20: a notification whose concern was restricted since; the recipient alone (on to
    # the record while it is not withheld from them).
    "notification-restricted": _record_route("notification", {AUTHOR}, ok=302),
    # --- Roll by hand (roll) ---
    # The roll's keepers (administrator and DSL) add pupils to the acting school (others: 403)
    # and change a pupil of their school; whoever sees the pupil but does not keep the roll gets
    # 403, whoever cannot see the pupil (another school, the governor) 404.
    "pupil-add": Route(allowed=_roll_keepers()),
    "pupil-edit": Route(
        kwargs=_pupil,
        allowed=_roll_keepers(),
        denied=404,
        forbidden=VIEW_PUPILS - _roll_keepers(),
        record=True,
    ),
    "pupil-leave": Route(
        kwargs=_pupil,
        allowed=_roll_keepers(),
        denied=404,
        forbidden=VIEW_PUPILS - _roll_keepers(),
        record=True,
    ),
    "pupil-leaving-undo": Route(
        kwargs=_pupil,
        allowed=_roll_keepers(),
        denied=404,
        forbidden=VIEW_PUPILS - _roll_keepers(),
        record=True,
    ),
    # --- Roll import, CSV and CTF (roll) ---
    # The roll's keepers import into the acting school; an import is a record of its school. Apply
    # and discard go back to a page (302), whether the apply is refused or done.
    "roll-import-list": Route(allowed=_roll_keepers()),
    "roll-import-upload": Route(allowed=_roll_keepers()),
    "roll-import-detail": _record_route("roll_import", _roll_keepers()),
    "roll-import-columns": _record_route("roll_import", _roll_keepers()),
    "roll-import-apply": _record_route("roll_import", _roll_keepers(), method="post", ok=302),
    "roll-import-discard": _record_route("roll_import", _roll_keepers(), method="post", ok=302),
    # --- Staff accounts and roles (schools/staff) ---
    # The school administrator keeps the acting school's staff; a person is a record of the
    # school (another school's person, or a page the role may not use, is the same 404). The head
    # and the DSL confirm CP roles and read the history (the administrator too); the TSO keeps the
    # trust's roles, and sees the requests of schools with no head or DSL (none here).
    # The head and the DSL read the staff list (no buttons to change it): docs/adr/0024.
    "staff-list": Route(allowed={"dsl", "head", "admin"}),
    "staff-invite": Route(allowed={"admin"}),
    "staff-history": Route(allowed={"dsl", "head", "admin"}),
    "staff-detail": Route(kwargs=_staff_person, allowed={"admin"}, denied=404, record=True),
    "staff-roles": Route(kwargs=_staff_person, allowed={"admin"}, denied=404, record=True),
    "staff-details": Route(kwargs=_staff_person, allowed={"admin"}, denied=404, record=True),
    "staff-leaver": Route(kwargs=_staff_person, allowed={"admin"}, denied=404, record=True),
    "staff-invite-resend": Route(
        kwargs=_staff_person, allowed={"admin"}, denied=404, record=True, method="post", ok=302
    ),
    # They have not chosen a password yet: refused with a message, back to their page (302).
    "staff-password-reset": Route(
        kwargs=_staff_person, allowed={"admin"}, denied=404, record=True, method="post", ok=302
    ),
    "role-request-list": Route(allowed={"dsl", "head", "tso"}),
    "role-request-detail": _record_route("role_request", {"dsl", "head"}),
    "role-request-confirm": _record_route("role_request", {"dsl", "head"}, method="post", ok=302),
    # No reason given: the request page again with the error beside the field (200).
    "role-request-decline": _record_route("role_request", {"dsl", "head"}, method="post"),
    "trust-staff-list": Route(allowed={"tso"}),
    "trust-staff-invite": Route(allowed={"tso"}),
    "trust-role-remove": Route(
        kwargs=_trust_person, allowed={"tso"}, denied=404, record=True, sibling=False
    ),
    "invitation-accept": Route(
        kwargs=lambda w, r, which: {"uidb64": "MQ", "token": "not-a-token"}, public=200
    ),
    "invitation-done": Route(public=200),
    # --- Two-factor sign-in (issue 16): each person's own, so no school's record is named ---
    # Every signed-in role here has passed its second factor with an app (tests/support/auth.py).
    "two-factor-verify": Route(allowed=EVERYONE),
    "two-factor-recovery": Route(allowed=EVERYONE),
    "two-factor-setup": Route(allowed=EVERYONE),
    "two-factor-setup-key": Route(allowed=EVERYONE),
    "two-factor-recovery-codes": Route(allowed=EVERYONE, ok=302),  # none waiting: on to next
    "two-factor-recovery-codes-renew": Route(method="post", allowed=EVERYONE, ok=302),
    "account-security": Route(allowed=EVERYONE),
    # One's own password and sessions: no school's record is named.
    "account-password": Route(allowed=EVERYONE),
    "account-sessions": Route(allowed=EVERYONE),
    "account-sessions-end": Route(method="post", allowed=EVERYONE, ok=302),
    "account-keep-alive": Route(allowed=EVERYONE, ok=204),
    # Not one of the person's own keys: refused with a message, back to the page (302).
    "security-key-remove": Route(
        kwargs=lambda w, r, which: {"pk": 2**31 - 1}, method="post", allowed=EVERYONE, ok=302
    ),
    # django-otp-webauthn's own endpoints: a ceremony for the signed-in person's own keys, begun
    # (200, the options) or completed with nothing begun (400); nobody else's, and never signed out.
    "otp_webauthn:credential-registration-begin": Route(method="post", allowed=EVERYONE, anon=403),
    "otp_webauthn:credential-registration-complete": Route(
        method="post", allowed=EVERYONE, ok=400, anon=403
    ),
    "otp_webauthn:credential-authentication-begin": Route(
        method="post", allowed=EVERYONE, anon=403
    ),
    "otp_webauthn:credential-authentication-complete": Route(
        method="post", allowed=EVERYONE, ok=400, anon=403
    ),
    "otp_webauthn:js-i18n-catalog": Route(public=200),  # the script's words, no one's data
    # The school's DSL and head reset a colleague's lost device (a GET shows the form).
    # --- API clients (issue 17): the school's DSL and head, and the trust's TSO ---
    "api-client-list": Route(allowed=API_CLIENTS),
    "api-client-add": Route(allowed=API_CLIENTS),
    "api-client-detail": Route(
        kwargs=_rec("api_client"), allowed=API_CLIENTS, denied=404, record=True
    ),
    "api-client-secret": Route(
        kwargs=_rec("api_client"), allowed=API_CLIENTS, denied=404, record=True
    ),
    "api-client-revoke": Route(
        kwargs=_rec("api_client"), allowed=API_CLIENTS, denied=404, record=True
    ),
    "staff-two-factor-reset": Route(
        kwargs=_staff_person, allowed={"dsl", "head"}, denied=404, record=True
    ),
    # --- Platform admin events ---
    # What the platform administrator did at the acting school: its head and DSL read it.
    "platform-admin-event-list": Route(allowed={"dsl", "head"}),
    # --- Dashboards' breakdowns by characteristic ---
}


def expected_status(route: Route, role: str, which: str) -> int:
    """The status `role` gets from `route` called with a record of school "own" (A), "other"
    (B, of another trust) or "sibling" (C, of A's trust)."""
    if route.public is not None:
        return route.public
    if role == ANON:
        return route.anon
    if route.record and which == "other":
        return 404
    if which == "sibling":
        # School C, of school A's trust: its records reach A's trust safeguarding officer as A's
        # do, and nobody else (A's people act in A, B's DSL in another trust).
        if role != "tso":
            return 404
        which = "own"
    held = {role}
    if role == "other_dsl":
        held = {"dsl", AUTHOR}  # B's DSL, acting in B, is like any DSL, and wrote B's records
    elif role == "staff":
        held.add(AUTHOR)
    if held & route.allowed:
        return route.ok
    return 403 if held & route.forbidden else route.denied


# School C's records are tried by the trust's officer, who must reach them, and by school A's


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker) -> Iterator[tuple[World, dict[str, Records]]]:
    """One world and its records for the whole matrix, committed once; each case runs in its own
    transaction, rolled back after it, so a POST in one case never reaches the next. Building the
    records for every one of ~1,200 cases took most of the suite's time."""
    with django_db_blocker.unblock():
        world = make_world()
        add_sibling(world)
        data = (world, make_records(world))
    yield data
    with django_db_blocker.unblock():
        empty_tables()


@pytest.fixture
def world(matrix_data: tuple[World, dict[str, Records]], db) -> World:
    return matrix_data[0]


@pytest.fixture
def records(matrix_data: tuple[World, dict[str, Records]]) -> dict[str, Records]:
    return matrix_data[1]
