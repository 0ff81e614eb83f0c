"""Two-factor sign-in (issue 16): who is asked, setting up an app, passing the check with the
app or a recovery code, asking again after TWO_FACTOR_STEP_UP_AFTER, and a lost device reset by
the school's DSL or headteacher with a record."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import MembershipEvent, RecoveryCode, RecoveryCodeDevice
from schools.twofactor import services
from schools.twofactor.codes import recovery_code_hash
from tests.support.auth import app_for, demo_code, force_login_password_only
from tests.support.world import World

pytestmark = pytest.mark.django_db

HOME = reverse("home")
VERIFY = reverse("two-factor-verify")
SETUP = reverse("two-factor-setup")


def _key_from(page: str) -> str:
    """The key as the set-up page shows it for typing into an app (base 32, in groups)."""
    match = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page)
    assert match, "the set-up page shows the key"
    return base64.b32decode(match.group(1).replace(" ", "")).hex()


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "admin", "tso"])
def test_a_role_that_reaches_records_or_accounts_must_set_up_a_second_factor(
    world: World, client: Client, role: str
) -> None:
    force_login_password_only(client, world.users[role])
    response = client.get(reverse("pupil-list"))
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fpupils%2F"


@pytest.mark.parametrize("role", ["staff", "governor"])
def test_staff_and_governors_go_on_without_one(world: World, client: Client, role: str) -> None:
    force_login_password_only(client, world.users[role])
    assert client.get(HOME).status_code == 200


def test_a_platform_administrator_must_too(client: Client, django_user_model: Any) -> None:
    admin = django_user_model.objects.create_superuser(
        email="root@platform.example", password="a-long-password-123", full_name="Root Admin"
    )
    force_login_password_only(client, admin)
    response = client.get("/platform-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_someone_with_an_app_is_asked_for_its_code_and_sees_no_menu_until_then(
    world: World, client: Client
) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    response = client.get(reverse("triage-inbox"))
    assert response["Location"] == f"{VERIFY}?next=%2Ftriage%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Code from your authenticator app" in page
    assert "Concerns" not in page
    assert "triage-badge" not in page


def test_the_app_code_lets_them_in_and_goes_where_they_were_going(
    world: World, client: Client
) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    before = client.cookies["safeguard_session"].value
    response = client.post(VERIFY, {"code": demo_code(), "next": "/triage/"})
    assert response.status_code == 302
    assert response["Location"] == "/triage/"
    assert client.get("/triage/").status_code == 200
    # Passing the second factor completes signing in: the session has a new key.
    assert client.cookies["safeguard_session"].value != before


@pytest.mark.parametrize(
    "next_page", ["²", "pupil-list", "https://elsewhere.example/", "/nowhere/"]
)
def test_a_next_page_not_of_this_site_goes_home(
    world: World, client: Client, next_page: str
) -> None:
    """Issue 16: "²" was taken for a view's name (a server error); now anything but a page of
    this site goes home."""
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    response = client.post(VERIFY, {"code": demo_code(), "next": next_page})
    assert response["Location"] == reverse("home")
    assert client.get(f"{reverse('two-factor-recovery-codes')}?next={next_page}")[
        "Location"
    ] == reverse("home")


@pytest.mark.parametrize(
    "typed",
    ["000000", "12345", "²³⁴⁵⁶⁷", "١٢٣٤٥٦", "12\x003456", "1" * 10_000, "\u202e123456", ""],
)
def test_a_wrong_code_is_said_beside_the_field_and_kept(
    world: World, client: Client, typed: str
) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    response = client.post(VERIFY, {"code": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="govuk-error-summary' in page
    assert 'id="id_code-error"' in page
    assert client.get(HOME).status_code == 302  # still not in


def test_a_code_cannot_be_used_twice(world: World, client: Client) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    code = demo_code()
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = Client()
    force_login_password_only(other, dsl)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "not right" in response.content.decode()


def test_wrong_codes_in_a_row_make_them_wait(world: World, client: Client) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": "000001"})
    response = client.post(VERIFY, {"code": demo_code()})  # right, but too soon
    assert "Too many wrong codes" in response.content.decode()


def test_setting_up_an_app_shows_a_qr_code_and_then_the_recovery_codes_once(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    head = world.users["head"]
    force_login_password_only(client, head)
    page = client.get(f"{SETUP}?next=/pupils/").content.decode()
    assert "<svg" in page
    assert "QR code for your authenticator app" in page
    key = _key_from(page)
    assert _key_from(client.get(SETUP).content.decode()) == key  # a reload keeps the same key
    wrong = client.post(SETUP, {"code": "000000", "next": "/pupils/"})
    assert wrong.status_code == 200
    assert 'id="id_code-error"' in wrong.content.decode()
    # A second later (a wrong code makes the next wait a second, as django-otp's throttle does).
    with (
        time_machine.travel(timezone.now() + timedelta(seconds=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(SETUP, {"code": demo_code(key), "next": "/pupils/"})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li>([0-9A-Z]{6}(?:-[0-9A-Z]{6}){3})</li>", codes_page)
    assert len(codes) == 10
    # Stored as hashes only: no code appears in the database.
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {recovery_code_hash(c) for c in codes}
    assert not stored & set(codes)
    done = client.post(response["Location"], {"next": "/pupils/"})
    assert done["Location"] == "/pupils/"
    assert "recovery-codes" not in client.get(response["Location"]).get("Location", "")
    assert client.get("/pupils/").status_code == 200
    assert [m.subject for m in mail.outbox] == [
        "A new sign-in method was added to your Safeguard account"
    ]
    assert "child" not in mail.outbox[0].body.replace("details about a child", "")


def test_with_an_app_already_a_password_alone_cannot_add_another(
    world: World, client: Client
) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert client.get(reverse("two-factor-setup-key")).status_code == 302
    # Nor through django-otp-webauthn's own endpoint.
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code in (401, 403)
    assert TOTPDevice.objects.filter(user=dsl).count() == 1


def test_a_recovery_code_works_once(world: World, client: Client) -> None:
    dsl = world.users["dsl"]
    app_for(dsl)
    codes = services.recovery_codes_make(actor=dsl)
    force_login_password_only(client, dsl)
    url = reverse("two-factor-recovery")
    typed = codes[0].lower().replace("-", " ")  # as read aloud or copied by hand
    assert client.post(url, {"code": typed, "next": "/pupils/"})["Location"] == "/pupils/"
    again = Client()
    force_login_password_only(again, dsl)
    refused = again.post(url, {"code": codes[0]})
    assert refused.status_code == 200
    assert "has been used" in refused.content.decode()
    device = RecoveryCodeDevice.objects.get(user=dsl)
    assert device.codes.filter(used_at__isnull=True).count() == 9


def test_it_is_asked_again_after_the_step_up_time(
    world: World, client: Client, settings: Any
) -> None:
    settings.SESSION_ABSOLUTE_TIMEOUT = timedelta(days=2)
    settings.SESSION_COOKIE_AGE = int(timedelta(days=2).total_seconds())
    settings.SESSION_IDLE_TIMEOUT = timedelta(days=2)
    dsl = world.users["dsl"]
    app_for(dsl)
    force_login_password_only(client, dsl)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(VERIFY, {"code": demo_code()})
        assert client.get("/triage/").status_code == 200
        clock.shift(timedelta(hours=11))
        assert client.get("/triage/").status_code == 200
        clock.shift(timedelta(hours=2))
        response = client.get("/triage/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert "confirmed it is you" in client.get(response["Location"]).content.decode()


def _reset(client: Client, world: World, person: str, reason: str = "Phone lost on a trip") -> Any:
    url = reverse("staff-two-factor-reset", args=[world.users[person].pk])
    return client.post(url, {"reason": reason})


def test_the_dsl_resets_a_colleagues_lost_device_with_a_record(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    deputy = world.users["deputy"]
    app_for(deputy)
    services.recovery_codes_make(actor=deputy)
    theirs = Client()
    theirs.force_login(deputy)  # signed in somewhere with the app
    assert theirs.get("/triage/").status_code == 200
    client.force_login(world.users["dsl"])
    staff_list = client.get(reverse("staff-list")).content.decode()
    reset_url = reverse("staff-two-factor-reset", args=[deputy.pk])
    assert f'href="{reset_url}"' in staff_list  # reached from the staff list
    with django_capture_on_commit_callbacks(execute=True):
        response = _reset(client, world, "deputy")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=deputy).exists()
    assert not RecoveryCodeDevice.objects.filter(user=deputy).exists()
    event = MembershipEvent.objects.get(school=world.school, person=deputy)
    assert event.action == "two_factor_reset"
    assert event.note == "Phone lost on a trip"
    assert event.actor == world.users["dsl"]
    assert mail.outbox[-1].to == [deputy.email]
    # Their session is no longer verified: they must set up again.
    assert theirs.get("/triage/")["Location"].startswith(SETUP)


def test_a_reset_needs_a_reason_said_beside_the_field(world: World, client: Client) -> None:
    app_for(world.users["deputy"])
    client.force_login(world.users["head"])
    response = _reset(client, world, "deputy", reason="   ")
    assert response.status_code == 200
    assert 'id="id_reason-error"' in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.users["deputy"]).exists()


@pytest.mark.parametrize("role", ["staff", "deputy", "admin", "governor", "tso"])
def test_only_the_dsl_and_head_reset(world: World, client: Client, role: str) -> None:
    app_for(world.users["head"])
    client.force_login(world.users[role])
    assert _reset(client, world, "head").status_code in (403, 404)
    assert TOTPDevice.objects.filter(user=world.users["head"]).exists()


def test_nobody_resets_their_own_or_another_schools_person(world: World, client: Client) -> None:
    dsl = world.users["dsl"]
    client.force_login(dsl)
    own = _reset(client, world, "dsl")
    assert own.status_code == 200
    assert "your own" in own.content.decode()
    app_for(world.users["other_dsl"])
    assert _reset(client, world, "other_dsl").status_code == 404
    assert TOTPDevice.objects.filter(user=world.users["other_dsl"]).exists()
