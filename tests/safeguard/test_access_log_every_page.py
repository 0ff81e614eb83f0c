"""Every view of a child's CP records writes an access-log row (docs/architecture.md section 6;
issue 16, docs/adr/0033): lists too, one row for each pupil they show.

Every route of the tenancy matrix is called once, by a person who may use it, against school A's
records, and must write exactly the access-log rows this table says: LOGGED names the `what` of
the rows, NOT_LOGGED says why the page writes none (and then it must write none). A route added
without a row in one of them fails `test_every_route_is_in_the_table`, so a new list of children's
records cannot go unlogged by oversight.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from audit.models import AccessLog
from schools.models import Pupil
from tests.support import routes
from tests.support.routes import AUTHOR, ROUTES, expected_status
from tests.support.world import Records, World

# The tenancy matrix's world, built once for the module (its records committed, each test rolled
# back).
matrix_data = routes.matrix_data
world = routes.world
records = routes.records

pytestmark = pytest.mark.xdist_group("tenancy-matrix")

# Who calls a route: the first of these its row in the matrix allows (AUTHOR: the staff member
# who wrote school A's records), unless LOGGED names another.
CALLERS = ["dsl", "deputy", "head", "tso", "admin", "staff", "governor"]

# Route -> the `what` of the rows it writes, or (what, who calls it).
LOGGED: dict[str, str | tuple[str, str]] = {
    # The home page lists the pupils missing now (school A has one).
    "home": "missing_list",
    "pupil-detail": "pupil_page",  # with its CP badges (school A's pupil has a file open)
    "pupil-safeguarding": "safeguarding_page",
    "pupil-chronology": "chronology",
    "pupil-chronology-print": "chronology_print",
    "pupil-access-log": "access_log",
    "chronology-correct": "chronology_entry",
    "status-end": "status",
    "risk-assessment-add": "new_risk_assessment",  # names the concern and its pupils
    "pupil-risk-assessment-add": "new_risk_assessment",  # names the pupil (issue 20)
    "cp-file-open": "cp_file",  # refused (a file is open): the form again, naming the pupil
    "risk-assessment-detail": "risk_assessment",
    "concern-detail": "concern",
    "concern-print": "concern_print",
    "action-add": "concern",  # an empty form: the concern's page again, with the error
    "attachment-download": "attachment",
    "concern-mine": ("my_concerns", "staff"),
    "action-list": ("my_actions", "staff"),
    "triage-inbox": "triage_inbox",
    "dsl-record": "dsl_record",
    "missing-list": "missing_list",
    "missing-detail": "missing_episode",
    "missing-step": "missing_episode",
    "missing-close": "missing_episode",  # steps still to record: the episode's page again
    "absence-list": "absence_list",
    "absence-detail": "absence",
    "absence-la-told": "absence",
    "absence-end": "absence",
    "family-contacts": "family_contacts",  # court orders among them
    "family-contact-edit": "family_contact",
    "family-contact-remove": "family_contact",
    "referral-list": "referral_list",
    "concern-referral-add": "new_referral",  # names the concern and its pupils
    "referral-detail": "referral",
    "referral-follow-up": "referral",
    "referral-response": "referral",
    "referral-escalate": "referral",
    # Allegations are about adults: their rows name no pupil.
    "allegation-detail": "allegation",
    "low-level-concern-detail": "low_level_concern",
    "transfer-list": "transfer_list",
    "transfer-start": "transfer",  # the pupil's file is being transferred: the page shows it
    "transfer-detail": "transfer",
    "transfer-sent": "transfer",
    "transfer-receipt": "transfer",
    "transfer-file": "transfer_pdf",
    "incoming-list": "incoming_list",
    "incoming-detail": "incoming",
    "incoming-reject": "incoming",
    "incoming-file": "incoming_bundle",
    "transfer-cancel": "transfer",
    "transfer-leaving-date": "transfer",
    "received-entry": "received_entry",
    "retention-list": "retention_list",
    "retention-detail": "retention",
    "qa-review": "quality_assurance",
    "trust-drilldown": "dashboard_drilldown",
    # Figures, and since issue 20 the pupils to re-assess by name (docs/adr/0044).
    "school-dashboard": "school_dashboard",
    "reassessment-list": "reassessment_list",
    "reassessment-review": "reassessment_review",
}

SIGNED_OUT = "for people signing in or out: no one's records"
OWN_ACCOUNT = "the person's own account"
FORM_ONLY = "a form naming the pupil, none of their records (what it makes is logged when read)"
ROLL = "the pupil roll: names and characteristics, no safeguarding record"
SCHOOL = "the school's or trust's settings, people or figures: no child's record"
ACT = "a button that changes a record and goes back to its (logged) page"

NOT_LOGGED: dict[str, str] = {
    "healthz": "a health check",
    "metrics": "counts and times for the operator's monitoring: no one's records",
    "api-client-list": SCHOOL,
    "api-client-add": SCHOOL,
    "api-client-detail": SCHOOL,
    "api-client-secret": SCHOOL,
    "api-client-revoke": SCHOOL,
    "school-switch": "chooses the acting school",
    "record-search": (
        "the search form with no search; a search shown writes `record_search`, one row a "
        "pupil named (tests/home/test_record_search.py)"
    ),
    "login": SIGNED_OUT,
    "logout": SIGNED_OUT,
    "password_reset": SIGNED_OUT,
    "password_reset_done": SIGNED_OUT,
    "password_reset_confirm": SIGNED_OUT,
    "password_reset_complete": SIGNED_OUT,
    "invitation-accept": SIGNED_OUT,
    "invitation-done": SIGNED_OUT,
    "pupil-list": ROLL,
    "pupil-add": ROLL,
    "pupil-edit": ROLL,
    "pupil-leave": ROLL,
    "pupil-leaving-undo": ROLL,
    "roll-import-list": ROLL,
    "roll-import-upload": ROLL,
    "roll-import-detail": ROLL,
    "roll-import-columns": ROLL,
    "roll-import-apply": ROLL,
    "roll-import-discard": ROLL,
    "allegation-new": "an allegation against an adult: the roll's pupils to choose from",
    # The reporter's own draft: their writing, not yet anyone's record (it is logged once sent).
    "concern-start": "the person's own drafts",
    "concern-draft": "the person's own draft",
    "concern-autosave": "the person's own draft",
    "concern-pupil-search": "the roll's pupils to add to the person's own draft",
    "concern-check": "the person's own draft",
    "concern-discard": "the person's own draft",
    "concern-addendum": ACT,
    "action-done": ACT,
    "concern-restrict": ACT,
    "concern-close": ACT,
    "cp-file-close": ACT,
    "transfer-retry": ACT,
    "transfer-send": ACT,
    "incoming-accept": ACT,
    "qa-respond": ACT,
    "qa-remove": ACT,
    "key-contact-remove": ACT,
    "chronology-add": FORM_ONLY,
    "status-add": FORM_ONLY,
    "missing-start": FORM_ONLY,
    "absence-start": FORM_ONLY,
    "family-contact-add": FORM_ONLY,
    "referral-add": FORM_ONLY,
    "transfer-import": FORM_ONLY,
    # Polled every two seconds by the transfer's page, which is logged: no pupil named.
    "transfer-progress": "the export's progress, polled by the transfer's logged page",
    "who-to-call": SCHOOL,
    "school-key-roles": SCHOOL,
    "key-contact-add": SCHOOL,
    "key-contact-edit": SCHOOL,
    "term-dates": SCHOOL,
    "closure-add": SCHOOL,
    "closure-edit": SCHOOL,
    "closure-remove": SCHOOL,
    "school-hours": SCHOOL,
    "agency-list": SCHOOL,
    "agency-add": SCHOOL,
    "agency-edit": SCHOOL,
    "allegation-list": "allegations against adults: no pupil is named",
    "allegation-lado": "a step of an allegation against an adult (its page is logged)",
    "allegation-police": "a step of an allegation against an adult (its page is logged)",
    "allegation-step": "a step of an allegation against an adult (its page is logged)",
    "allegation-outcome": "a step of an allegation against an adult (its page is logged)",
    "allegation-named": "who else sees an allegation: people, no pupil",
    "allegation-report": "a form about an adult",
    "allegation-report-sent": "a confirmation saying nothing of what was written",
    "low-level-concern-list": "low-level concerns about adults: no pupil is named",
    "low-level-concern-new": "a form about an adult",
    "signing-certificate": SCHOOL,
    "signing-key-new": SCHOOL,
    "signing-key-upload": SCHOOL,
    "signing-certificate-download": SCHOOL,
    "category-list": SCHOOL,
    "category-add": SCHOOL,
    "category-history": SCHOOL,
    "category-rename": SCHOOL,
    "category-retire": SCHOOL,
    "category-restore": SCHOOL,
    "category-request-list": SCHOOL,
    "category-request-new": SCHOOL,
    "category-request-detail": SCHOOL,
    "category-request-approve": SCHOOL,
    "category-request-decline": SCHOOL,
    # Quality assurance lists name concerns by reference and rating, never a pupil; the review
    # itself, beside the record, is logged.
    "qa-overview": "concerns by reference and rating, no pupil",
    "qa-choose": "a form for a concern's reference",
    "qa-sample-new": "a form for the size of a sample",
    "qa-school-list": "reviews by reference and rating, no pupil",
    "trust-dashboard": "figures, never a child's name",
    "reassessment-thresholds": SCHOOL,
    "accessibility-statement": "public: the accessibility statement",
    "notification-list": "notifications, which never carry a child's details",
    "notification-read-all": OWN_ACCOUNT,
    "notification-read": OWN_ACCOUNT,
    "notification-open": OWN_ACCOUNT,
    "notification-restricted": "says a concern was restricted, never which or whose",
    "staff-list": SCHOOL,
    "staff-invite": SCHOOL,
    "staff-history": SCHOOL,
    "staff-detail": SCHOOL,
    "staff-roles": SCHOOL,
    "staff-details": SCHOOL,
    "staff-leaver": SCHOOL,
    "staff-invite-resend": SCHOOL,
    "staff-password-reset": SCHOOL,
    "staff-two-factor-reset": SCHOOL,
    "role-request-list": SCHOOL,
    "role-request-detail": SCHOOL,
    "role-request-confirm": SCHOOL,
    "role-request-decline": SCHOOL,
    "trust-staff-list": SCHOOL,
    "trust-staff-invite": SCHOOL,
    "trust-role-remove": SCHOOL,
    "platform-admin-event-list": SCHOOL,
    "two-factor-verify": OWN_ACCOUNT,
    "two-factor-recovery": OWN_ACCOUNT,
    "two-factor-setup": OWN_ACCOUNT,
    "two-factor-setup-key": OWN_ACCOUNT,
    "two-factor-recovery-codes": OWN_ACCOUNT,
    "two-factor-recovery-codes-renew": OWN_ACCOUNT,
    "account-security": OWN_ACCOUNT,
    "account-password": OWN_ACCOUNT,
    "account-sessions": OWN_ACCOUNT,
    "account-sessions-end": OWN_ACCOUNT,
    "account-keep-alive": OWN_ACCOUNT,
    "security-key-remove": OWN_ACCOUNT,
    "otp_webauthn:credential-registration-begin": OWN_ACCOUNT,
    "otp_webauthn:credential-registration-complete": OWN_ACCOUNT,
    "otp_webauthn:credential-authentication-begin": OWN_ACCOUNT,
    "otp_webauthn:credential-authentication-complete": OWN_ACCOUNT,
    "otp_webauthn:js-i18n-catalog": "the script's words",
}


def test_every_route_is_in_the_table() -> None:
    assert not set(LOGGED) & set(NOT_LOGGED), "a route is in both tables"
    unlisted = sorted(set(ROUTES) - set(LOGGED) - set(NOT_LOGGED))
    assert not unlisted, f"say whether these routes write the access log: {unlisted}"
    assert not (set(LOGGED) | set(NOT_LOGGED)) - set(ROUTES), "a row for a route that is gone"


def _caller(name: str) -> str:
    logged = LOGGED.get(name)
    if isinstance(logged, tuple):
        return logged[1]
    route = ROUTES[name]
    for role in CALLERS:
        if role in route.allowed or (role == "staff" and AUTHOR in route.allowed):
            return role
    return "dsl"  # a public route: anyone


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_route_writes_the_access_log_rows_the_table_says(
    client: Any, world: World, records: dict[str, Records], name: str
) -> None:
    route = ROUTES[name]
    role = _caller(name)
    person = world.users[role]
    client.force_login(person)
    url = reverse(name, kwargs=route.kwargs(world, records, "own") if route.kwargs else None)
    data = route.data(world, "own") if route.data else {}
    seen = set(AccessLog.objects.values_list("pk", flat=True))
    response = getattr(client, route.method)(url, data, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == expected_status(route, role, "own"), (name, role)
    rows = list(AccessLog.objects.exclude(pk__in=seen))
    logged = LOGGED.get(name)
    if logged is None:
        assert not rows, f"{name} writes access-log rows: put it in LOGGED"
        return
    what = logged[0] if isinstance(logged, tuple) else logged
    assert rows, f"{name} wrote no access-log row"
    assert {r.what for r in rows} == {what}
    assert all(r.user_id == person.pk and r.ip_address == "192.0.2.7" for r in rows)
    assert {r.school_id for r in rows} == {world.school.pk}
    # Every pupil of school A the page names has a row of their own (a list: each pupil shown).
    logged_pupils = {r.pupil_id for r in rows}
    body = _body(response)
    for pupil in Pupil.objects.filter(school=world.school):
        if pupil.legal_last_name in body or pupil.display_name in body:
            assert pupil.pk in logged_pupils, (name, pupil.display_name)
