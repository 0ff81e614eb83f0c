"""`seed_demo` keeps the contract of docs/architecture.md section 10, and running it twice changes nothing."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission

from chronology.models import ChronologyEntry, EntryKind
from concerns.models import Concern
from safeguard.access import access_for
from safeguard.models import Notification
from safeguard.roles import Perm
from schools.models import (
    Pupil,
    School,
    SchoolClosure,
    SchoolMembership,
    Trust,
    TrustMembership,
    User,
)
from tests.support.auth import demo_code
from transfers import selectors as transfer_selectors
from transfers.models import (
    Export,
    ExportState,
    IncomingState,
    IncomingTransfer,
    SentHow,
    Transfer,
    TransferState,
)
from transfers.services import sha256
from transfers.signing.verify import pdf_signature_check

CONTRACT_EMAILS = {
    f"{role}@{slug}.example"
    for slug in ["alderbrook", "southend-bay", "leicester-road"]
    for role in ["staff", "dsl", "deputy", "head", "admin", "governor"]
} | {"tso@northgate.example", "deputy.shared@northgate.example"}


def _counts() -> tuple[int, ...]:
    return (
        Trust.objects.count(),
        School.objects.count(),
        User.objects.count(),
        Pupil.objects.count(),
        SchoolMembership.objects.count(),
        TrustMembership.objects.count(),
        UserObjectPermission.objects.count(),
        SchoolClosure.objects.count(),
        Transfer.objects.count(),
        IncomingTransfer.objects.count(),
        Export.objects.count(),
        ChronologyEntry.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_creates_the_contract_and_is_idempotent(
    django_capture_on_commit_callbacks: Any,
) -> None:
    out = StringIO()
    # `make run` seeds before any worker runs: the demo transfer's file is prepared at once, and
    # no export task is queued (notifications are, as ever, for the worker to email later).
    with (
        mock.patch("transfers.tasks.export_render.delay") as export_queued,
        mock.patch("safeguard.notifications._enqueue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("seed_demo", stdout=out)
    assert not export_queued.called
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first

    assert set(User.objects.values_list("email", flat=True)) == CONTRACT_EMAILS
    trust = Trust.objects.get()
    assert trust.name == "Northgate Learning Trust"
    schools = {s.slug: s for s in School.objects.all()}
    assert {(s.name, s.local_authority) for s in schools.values()} == {
        ("Alderbrook Primary", "Essex"),
        ("Southend Bay Academy", "Southend-on-Sea"),
        ("Leicester Road School", "Leicestershire"),
    }
    for school in schools.values():
        assert 50 <= Pupil.objects.filter(school=school).count() <= 70
        assert school.trust == trust
    for email in CONTRACT_EMAILS:
        assert User.objects.get(email=email).check_password("demo-password-123")
    assert "dsl@alderbrook.example" in out.getvalue()

    tso = User.objects.get(email="tso@northgate.example")
    assert len(access_for(tso).schools_with(Perm.READ_CP_RECORDS)) == 3
    dsl = User.objects.get(email="dsl@alderbrook.example")
    assert access_for(dsl).schools_with(Perm.READ_CP_RECORDS) == [schools["alderbrook"].pk]
    _assert_the_demo_transfer(schools)
    _assert_the_person_in_two_schools(schools)


def _assert_the_person_in_two_schools(schools: dict[str, School]) -> None:
    """Issue 14: one account, deputy DSL at Alderbrook and Southend Bay, each role given by the
    school's administrator and confirmed by its head, in each school's history (once)."""
    from schools.models import MembershipAction, MembershipEvent, RoleRequest

    shared = User.objects.get(email="deputy.shared@northgate.example")
    assert sorted(access_for(shared).schools_with(Perm.MANAGE_CP_RECORDS)) == sorted(
        [schools["alderbrook"].pk, schools["southend-bay"].pk]
    )
    assert not access_for(shared).has(Perm.READ_CP_RECORDS, schools["leicester-road"])
    for slug in ["alderbrook", "southend-bay"]:
        request = RoleRequest.objects.get(user=shared, school=schools[slug])
        assert request.status == RoleRequest.Status.CONFIRMED
        assert request.decided_by.email == f"head@{slug}.example"
        actions = set(
            MembershipEvent.objects.filter(person=shared, school=schools[slug]).values_list(
                "action", flat=True
            )
        )
        assert {MembershipAction.ROLE_REQUESTED, MembershipAction.ROLE_CONFIRMED} <= actions


def _assert_the_demo_transfer(schools: dict[str, School]) -> None:
    """One pupil of Alderbrook left a few school days ago for Southend Bay: the signed file was
    sent through the service and waits at Southend Bay for its DSL (once, however many runs)."""
    transfer = Transfer.objects.select_related("export", "pupil").get()
    pupil = transfer.pupil
    assert transfer.school == schools["alderbrook"]
    assert transfer.destination_school == schools["southend-bay"]
    assert (transfer.state, transfer.sent_how) == (TransferState.SENT, SentHow.PLATFORM)
    today = timezone.localdate()
    assert today - datetime.timedelta(days=14) < transfer.leaving_date < today
    assert pupil.left_on == transfer.leaving_date
    assert transfer.leaving_date < transfer.deadline
    # A pupil with a history (concerns, a referral), not the one the browser test sends.
    browser_concern = Concern.objects.get(
        school__slug="alderbrook", reason_for_recording="Injury and fear of going home."
    )
    browser_pupil = browser_concern.involvements.get().pupil
    assert pupil != browser_pupil
    assert pupil.involvements.filter(concern__status="closed").exists()
    assert pupil.referrals.exists()
    export = transfer.export
    assert export is not None
    assert export.state == ExportState.DONE
    assert (export.pages or 0) > 1
    sent = ChronologyEntry.objects.get(pupil=pupil, kind=EntryKind.TRANSFER_SENT)
    assert "Southend Bay Academy" in sent.details
    assert sent.source_hash == export.pdf_sha256

    incoming = IncomingTransfer.objects.get()
    assert incoming.transfer == transfer
    assert incoming.school == schools["southend-bay"]
    assert incoming.state == IncomingState.WAITING
    assert incoming.pupil is None  # Southend Bay's DSL has not accepted it yet
    with incoming.pdf.open("rb") as f:
        pdf = f.read()
    assert sha256(pdf) == incoming.pdf_sha256 == export.pdf_sha256
    check = pdf_signature_check(pdf)
    assert (check.valid, check.trusted) == (True, True), check.problem
    assert check.school_name == "Alderbrook Primary"

    # Southend Bay's DSL sees it waiting and was told; Alderbrook's DSL cannot open the copy.
    southend_dsl = User.objects.get(email="dsl@southend-bay.example")
    waiting = transfer_selectors.incoming_waiting_count(
        actor=southend_dsl, school=schools["southend-bay"]
    )
    assert waiting == 1
    assert Notification.objects.filter(
        recipient=southend_dsl, kind="transfer_incoming", school=schools["southend-bay"]
    ).exists()
    alderbrook_dsl = User.objects.get(email="dsl@alderbrook.example")
    with pytest.raises(Http404):
        transfer_selectors.incoming_get_for(actor=alderbrook_dsl, pk=incoming.pk)
    assert transfer_selectors.transfer_get_for(actor=alderbrook_dsl, pk=transfer.pk) == transfer
    with pytest.raises(Http404):
        transfer_selectors.transfer_get_for(actor=southend_dsl, pk=transfer.pk)


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    call_command("seed_demo", stdout=StringIO())
    assert User.objects.get(email="staff@alderbrook.example").check_password(
        "another-demo-password"
    )


@pytest.mark.django_db
def test_alderbrook_dsl_sees_alderbrook_pupils_only(client) -> None:
    call_command("seed_demo", stdout=StringIO())
    client.post(
        reverse("login"),
        {"username": "dsl@alderbrook.example", "password": "demo-password-123"},
    )
    # The demo's shared authenticator key, as printed by seed_demo (docs/adr/0028).
    client.post(reverse("two-factor-verify"), {"code": demo_code()})
    page = client.get(reverse("pupil-list"), {"include_left": "on"}).content.decode()
    alderbrook = Pupil.objects.filter(school__slug="alderbrook")
    assert f"{alderbrook.count()} pupils" in page
    for other in Pupil.objects.exclude(school__slug="alderbrook"):
        assert str(other.pk) not in page


@pytest.mark.django_db
def test_seed_demo_is_idempotent_across_the_new_school_year() -> None:
    from demo.seed import seed_demo

    seed_demo(password="demo-password-123", today=datetime.date(2026, 8, 31))
    first = _counts()
    seed_demo(password="demo-password-123", today=datetime.date(2026, 9, 1))
    assert _counts() == first


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["seed_demo", "seed_oversight_benchmark"])
def test_the_seeders_change_nothing_where_demo_seeding_is_off(command: str, settings: Any) -> None:
    settings.DEMO_SEEDING = False
    with pytest.raises(CommandError, match="DEMO_SEEDING is off"):
        call_command(command, stdout=StringIO())
    assert not Trust.objects.exists()
    assert not User.objects.exists()
