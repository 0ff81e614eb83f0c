"""The trust's retention policy in the platform admin (docs/adr/0025): values that would destroy or
freeze files early are refused beside the field, a change is recorded and told to the schools'
heads and DSLs, and correcting a wrong setting brings files back out of retention (or gives them
their later date); a destroyed file cannot come back."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from audit.models import PlatformAdminEvent
from safeguard.models import Notification
from tests.support.factories import UserFactory
from tests.support.transfers import after, kept, run_at
from tests.support.world import World
from transfers.models import Retention, RetentionBasis, RetentionPolicy, RetentionState
from transfers.retention import services as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client: Client, world: World) -> Any:
    user = UserFactory(is_superuser=True, is_staff=True, email="root@platform.example")
    client.force_login(user)
    return user


def _set(client: Client, world: World, years: Any, days: Any) -> Any:
    # Signed in again at the (travelled) time: a session idle since another day has ended.
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    policy = RetentionPolicy.objects.filter(trust=world.school.trust).first()
    if policy is None:
        return client.post(
            reverse("admin:transfers_retentionpolicy_add"),
            {
                "trust": world.school.trust.pk,
                "years_after_birth": years,
                "days_after_receipt": days,
            },
        )
    return client.post(
        reverse("admin:transfers_retentionpolicy_change", args=[policy.pk]),
        {"years_after_birth": years, "days_after_receipt": days},
    )


@pytest.mark.parametrize(
    ("years", "days", "field", "message"),
    [
        ("24", "30", "years_after_birth", "Enter 25 or more"),
        ("0", "30", "years_after_birth", "Enter 25 or more"),
        ("101", "30", "years_after_birth", "Enter a number of years of 100 or fewer"),
        ("١٢٣", "30", "years_after_birth", "Enter a number of years of 100 or fewer"),
        ("25", "29", "days_after_receipt", "Enter 30 or more"),
        ("25", "0", "days_after_receipt", "Enter 30 or more"),
        ("25", "366", "days_after_receipt", "Enter 365 or fewer"),
        ("25\x00", "30", "years_after_birth", "Enter a whole number"),
        ("9" * 1_000_000, "30", "years_after_birth", ""),
        ("-5", "30", "years_after_birth", ""),
    ],
)
def test_values_that_would_destroy_files_early_are_refused_beside_the_field(
    client: Client, world: World, root: Any, years: str, days: str, field: str, message: str
) -> None:
    response = _set(client, world, years, days)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not RetentionPolicy.objects.exists()
    assert not PlatformAdminEvent.objects.exists()


def test_a_valid_policy_is_saved_recorded_and_told(client: Client, world: World, root: Any) -> None:
    assert _set(client, world, "25", "30").status_code == 302
    assert _set(client, world, "30", "45").status_code == 302
    policy = RetentionPolicy.objects.get(trust=world.school.trust)
    assert (policy.years_after_birth, policy.days_after_receipt) == (30, 45)
    events = PlatformAdminEvent.objects.filter(action="retention_changed").order_by("created_at")
    assert [e.school for e in events] == [world.school, world.school]
    assert events.last().detail == (
        "was date of birth plus 25 years and 30 days after receipt; now date of birth plus 30 "
        "years and 45 days after receipt"
    )
    assert not PlatformAdminEvent.objects.filter(school=world.other_school).exists()
    told = Notification.objects.filter(school=world.school, kind="platform_admin_action")
    assert set(told.values_list("recipient__email", flat=True)) == {
        "dsl@alpha.example",
        "head@alpha.example",
    }
    # The delete page is not offered: without a row the defaults would apply.
    delete = reverse("admin:transfers_retentionpolicy_delete", args=[policy.pk])
    assert client.get(delete).status_code == 403


def test_files_moved_into_retention_by_a_wrong_setting_come_back_out_when_it_is_corrected(
    client: Client, world: World, root: Any, records: dict[str, Any]
) -> None:
    """Both directions: 30 years set to 25 by mistake freezes a 25-year-old's file and schedules
    it; putting 30 back makes it live again (not read-only, not scheduled); the next runs leave
    it alone until 30 years."""
    world.pupil.date_of_birth = datetime.date(2001, 12, 20)
    world.pupil.save()
    with time_machine.travel(after(datetime.date(2026, 11, 20), 10), tick=False):
        assert _set(client, world, "30", "30").status_code == 302
    assert run_at(after(datetime.date(2026, 12, 1))).scheduled == 0
    with time_machine.travel(after(datetime.date(2026, 12, 1), 10), tick=False):
        assert _set(client, world, "25", "30").status_code == 302  # the mistake
    assert run_at(after(datetime.date(2026, 12, 2))).scheduled == 1
    wrong = Retention.objects.get(pupil=world.pupil, state=RetentionState.KEPT)
    assert wrong.destroy_on == datetime.date(2026, 12, 20)
    assert svc.retention_read_only(school_id=world.school.pk, pupil_id=world.pupil.pk)

    with time_machine.travel(after(datetime.date(2026, 12, 3), 10), tick=False):
        response = _set(client, world, "30", "30")  # corrected
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert wrong.state == RetentionState.ENDED
    assert "retention policy was corrected" in wrong.events.last().reason
    assert not svc.retention_read_only(school_id=world.school.pk, pupil_id=world.pupil.pk)
    released = Notification.objects.filter(kind="retention_released")
    assert set(released.values_list("recipient__email", flat=True)) == {
        "dsl@alpha.example",
        "deputy@alpha.example",
    }
    assert all(world.pupil.legal_last_name not in n.title for n in released)

    report = run_at(after(datetime.date(2026, 12, 20)))
    assert (report.scheduled, report.destroyed) == (0, 0)
    assert not Retention.objects.filter(pupil=world.pupil, state=RetentionState.KEPT).exists()
    assert records["own"].concern.__class__.objects.get(pk=records["own"].concern.pk).account
    # When the corrected date comes, the file is scheduled again as usual.
    assert run_at(after(datetime.date(2031, 11, 25))).scheduled == 1
    assert Retention.objects.get(
        pupil=world.pupil, state=RetentionState.KEPT
    ).destroy_on == datetime.date(2031, 12, 20)


def test_a_later_date_replaces_an_earlier_one_and_keeps_the_legal_hold(
    world: World, records: dict[str, Any]
) -> None:
    """A file inside the look-ahead keeps being read-only, with the corrected (later) date; the
    database never changes a retention's date, so the old one ends and a new one starts."""
    root = UserFactory(is_superuser=True, is_staff=True)
    world.pupil.date_of_birth = datetime.date(2001, 12, 20)
    world.pupil.save()
    with time_machine.travel(after(datetime.date(2026, 11, 20), 10), tick=False):
        svc.retention_policy_set(
            actor=root, trust=world.school.trust, years_after_birth=25, days_after_receipt=30
        )
    assert run_at(after(datetime.date(2026, 11, 21))).scheduled == 1
    first = Retention.objects.get(pupil=world.pupil, state=RetentionState.KEPT)
    svc.legal_hold_set(actor=world.users["dsl"], retention=first, reason="Court case")
    # The trust raises its policy to 26 years (written directly here, as a shell would).
    RetentionPolicy.objects.filter(trust=world.school.trust).update(years_after_birth=26)
    with time_machine.travel(after(datetime.date(2026, 11, 22), 10), tick=False):
        correction = svc.retention_policy_reconcile(today=datetime.date(2026, 11, 22))
    # 2027-12-20 is beyond the look-ahead, but the file is under a legal hold: it stays kept.
    assert correction == svc.PolicyCorrection(released=0, redated=0)
    first.refresh_from_db()
    assert first.state == RetentionState.KEPT

    svc.legal_hold_lift(actor=world.users["dsl"], retention=first, reason="Case closed")
    RetentionPolicy.objects.filter(trust=world.school.trust).update(years_after_birth=25)
    # Within the look-ahead a later date (a corrected date of birth) re-dates the file.
    world.pupil.date_of_birth = datetime.date(2001, 12, 21)
    world.pupil.save()
    svc.legal_hold_set(actor=world.users["dsl"], retention=first, reason="Court case again")
    correction = svc.retention_policy_reconcile(today=datetime.date(2026, 11, 22))
    assert correction == svc.PolicyCorrection(released=0, redated=1)
    first.refresh_from_db()
    assert first.state == RetentionState.ENDED
    renewed = Retention.objects.get(pupil=world.pupil, state=RetentionState.KEPT)
    assert renewed.destroy_on == datetime.date(2026, 12, 21)
    assert (renewed.legal_hold, renewed.legal_hold_reason) == (True, "Court case again")
    assert renewed.basis == RetentionBasis.LAST_SCHOOL
    assert svc.retention_read_only(school_id=world.school.pk, pupil_id=world.pupil.pk)
    # Running it again changes nothing.
    assert svc.retention_policy_reconcile(today=datetime.date(2026, 11, 22)) == (
        svc.PolicyCorrection()
    )


def test_a_sent_files_copy_gets_the_corrected_later_date(world: World, ready: Any) -> None:
    from transfers import services as transfer_services

    root = UserFactory(is_superuser=True, is_staff=True)
    incoming = transfer_services.transfer_send(actor=world.users["dsl"], transfer=ready)
    transfer_services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    first = Retention.objects.get(school=world.school, pupil=world.pupil)
    received_on = first.destroy_on - datetime.timedelta(days=30)
    _, correction = svc.retention_policy_set(
        actor=root, trust=world.school.trust, years_after_birth=25, days_after_receipt=90
    )
    assert correction.redated == 1
    renewed = Retention.objects.get(
        school=world.school, pupil=world.pupil, state=RetentionState.KEPT
    )
    assert renewed.destroy_on == received_on + datetime.timedelta(days=90)
    assert (renewed.basis, renewed.transfer) == (RetentionBasis.SENT, ready)
    # Shortening again leaves the later date the DSL was told.
    _, correction = svc.retention_policy_set(
        actor=root, trust=world.school.trust, years_after_birth=25, days_after_receipt=30
    )
    assert correction == svc.PolicyCorrection()
    renewed.refresh_from_db()
    assert renewed.destroy_on == received_on + datetime.timedelta(days=90)


def test_a_destroyed_file_does_not_come_back(world: World, records: dict[str, Any]) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    retention = kept(world)
    run_at(after(retention.destroy_on))
    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    svc.retention_policy_set(
        actor=root, trust=world.school.trust, years_after_birth=100, days_after_receipt=365
    )
    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    concern = records["own"].concern.__class__.objects.get(pk=records["own"].concern.pk)
    assert concern.account == ""


def test_a_value_below_the_minimum_already_in_the_database_is_never_used(
    world: World, records: dict[str, Any]
) -> None:
    """Set before the admin refused it, or from a shell: read as the statutory 25 years."""
    world.pupil.date_of_birth = datetime.date(2006, 12, 20)
    world.pupil.save()
    RetentionPolicy.objects.create(trust=world.school.trust)
    RetentionPolicy.objects.update(years_after_birth=20, days_after_receipt=1)
    assert run_at(after(datetime.date(2026, 12, 1))).scheduled == 0
    assert not Retention.objects.filter(pupil=world.pupil).exists()


def test_the_command_puts_right_every_trusts_files(world: World, records: dict[str, Any]) -> None:
    from io import StringIO

    from django.core.management import call_command

    world.pupil.date_of_birth = datetime.date(2001, 12, 20)
    world.pupil.save()
    wrong = kept(world)  # kept until 4 January 2027, though the policy says 20 December 2031
    RetentionPolicy.objects.create(trust=world.school.trust, years_after_birth=30)
    out = StringIO()
    with time_machine.travel(after(datetime.date(2026, 12, 1), 10), tick=False):
        call_command("retention_reconcile", stdout=out)
    assert "1 files live again" in out.getvalue()
    wrong.refresh_from_db()
    assert wrong.state == RetentionState.ENDED
