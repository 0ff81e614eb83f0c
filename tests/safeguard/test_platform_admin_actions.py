"""The platform administrator cannot give roles or set passwords, invites and sends reset links
instead, and every action that touches a school is recorded and told to its head and DSL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, InternalError, transaction
from django.test import Client
from django.urls import reverse

from audit.models import PlatformAdminEvent
from safeguard.access import access_for
from safeguard.models import Notification
from safeguard.roles import Perm
from schools.models import SchoolMembership, TrustMembership, User
from tests.support.factories import SchoolFactory, UserFactory
from tests.support.world import World

ROOT_EMAIL = "root@platform.example"


@pytest.fixture
def root(client: Client, world: World) -> User:
    user = UserFactory(is_superuser=True, is_staff=True, email=ROOT_EMAIL, full_name="Pat Platform")
    client.force_login(user)
    return user


def _told(school: Any) -> set[str]:
    return set(
        Notification.objects.filter(school=school, kind="platform_admin_action").values_list(
            "recipient__email", flat=True
        )
    )


# --- No roles, no passwords -----------------------------------------------------------------------


def test_memberships_can_be_read_but_not_added_or_changed(
    client: Client, world: World, root: User
) -> None:
    assert client.get(reverse("admin:schools_schoolmembership_changelist")).status_code == 200
    assert client.get(reverse("admin:schools_schoolmembership_add")).status_code == 403
    assert client.get(reverse("admin:schools_trustmembership_add")).status_code == 403
    dsl = SchoolMembership.objects.get(user=world.users["dsl"], role="dsl")
    refused = client.post(
        reverse("admin:schools_schoolmembership_change", args=[dsl.pk]),
        {"user": root.pk, "school": world.school.pk, "role": "dsl"},
    )
    assert refused.status_code == 403
    add = client.post(
        reverse("admin:schools_schoolmembership_add"),
        {"user": root.pk, "school": world.school.pk, "role": "dsl"},
    )
    assert add.status_code == 403
    # Deleting is refused with the admin's own message on the role's page, never the school
    # product's 403 page ("ask your DSL"), which means nothing to the platform administrator.
    deleted = client.post(
        reverse("admin:schools_schoolmembership_delete", args=[dsl.pk]), {"post": "yes"}
    )
    assert deleted["Location"] == reverse("admin:schools_schoolmembership_change", args=[dsl.pk])
    page = client.get(
        reverse("admin:schools_schoolmembership_delete", args=[dsl.pk]), follow=True
    ).content.decode()
    assert "Roles are not taken away here: the school administrator does it" in page
    assert "You do not work in any school" not in page
    trust_role = TrustMembership.objects.get(user=world.users["tso"])
    trust_page = client.get(
        reverse("admin:schools_trustmembership_delete", args=[trust_role.pk]), follow=True
    ).content.decode()
    assert "Roles are not taken away here" in trust_page
    assert TrustMembership.objects.filter(pk=trust_role.pk).exists()
    assert not SchoolMembership.objects.filter(user=root).exists()
    assert not access_for(root).has(Perm.READ_CP_RECORDS, world.school)
    assert SchoolMembership.objects.filter(pk=dsl.pk, user=world.users["dsl"]).exists()


def test_the_school_page_cannot_add_a_member(client: Client, world: World, root: User) -> None:
    page = client.get(reverse("admin:schools_school_change", args=[world.school.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    # The members are listed read-only: no field to choose a person or a role.
    assert not re.search(r'<select[^>]*name="[^"]*-(user|role)"', body)
    assert "Invite a school administrator" in body


def test_another_persons_password_cannot_be_set(client: Client, world: World, root: User) -> None:
    dsl = world.users["dsl"]
    before = User.objects.get(pk=dsl.pk).password
    url = reverse("admin:schools_user_password_change", args=[dsl.pk])
    page = client.get(url, follow=True)
    # The refusal is shown, on the person's page where the reset link is sent from.
    assert page.redirect_chain[-1][0] == reverse("admin:schools_user_change", args=[dsl.pk])
    assert "Nobody sets another person&#x27;s password" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()
    client.post(url, {"password1": "taken-over-123!", "password2": "taken-over-123!"})
    assert User.objects.get(pk=dsl.pk).password == before
    assert not User.objects.get(pk=dsl.pk).check_password("taken-over-123!")
    # Their own: the admin's own password page.
    own = client.get(reverse("admin:schools_user_password_change", args=[root.pk]))
    assert own["Location"] == reverse("admin:password_change")


def test_the_change_page_has_no_password_form(client: Client, world: World, root: User) -> None:
    body = client.get(
        reverse("admin:schools_user_change", args=[world.users["dsl"].pk])
    ).content.decode()
    assert "password/" not in body
    assert "send them a password reset link" in body


def test_a_new_account_gets_no_password_and_is_emailed_a_link(
    client: Client, world: World, root: User, django_capture_on_commit_callbacks: Any
) -> None:
    page = client.get(reverse("admin:schools_user_add")).content.decode()
    assert 'name="password1"' not in page
    assert 'name="password2"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:schools_user_add"),
            {"email": "New.Admin@Platform.example", "full_name": "Nia New", "job_title": ""},
        )
    assert response.status_code == 302
    person = User.objects.get(email="new.admin@platform.example")
    assert not person.has_usable_password()
    assert [m.to for m in mail.outbox] == [["new.admin@platform.example"]]
    assert "/password-reset/" in mail.outbox[0].body


def test_people_are_deactivated_not_deleted(client: Client, world: World, root: User) -> None:
    dsl = world.users["dsl"]
    url = reverse("admin:schools_user_delete", args=[dsl.pk])
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == reverse("admin:schools_user_change", args=[dsl.pk])
    body = page.content.decode()
    assert "People are never deleted" in body
    assert "deactivate" in body
    assert "You do not work in any school" not in body
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert User.objects.filter(pk=dsl.pk).exists()
    # A person who does not exist: the list of people, with the same message.
    gone = client.get(reverse("admin:schools_user_delete", args=[999999]), follow=True)
    assert gone.redirect_chain[-1][0] == reverse("admin:schools_user_changelist")
    assert "People are never deleted" in gone.content.decode()


def test_a_school_member_cannot_be_made_a_platform_administrator_nor_have_their_email_changed(
    client: Client, world: World, root: User
) -> None:
    dsl = world.users["dsl"]
    url = reverse("admin:schools_user_change", args=[dsl.pk])
    response = client.post(
        url,
        {
            "email": ROOT_EMAIL.replace("root", "me"),
            "full_name": dsl.full_name,
            "job_title": dsl.job_title,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 200
    assert "cannot be a platform administrator" in response.content.decode()
    dsl.refresh_from_db()
    assert not dsl.is_staff
    assert not dsl.is_superuser
    assert dsl.email == "dsl@alpha.example"


# --- Invitations and reset links, recorded and told ------------------------------------------------


def test_inviting_a_school_administrator(
    client: Client, world: World, root: User, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("admin:schools_school_invite", args=[world.school.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"full_name": "Ada Office", "email": "ada@alpha.example", "job_title": "Bursar"}
        )
    assert response.status_code == 302
    ada = User.objects.get(email="ada@alpha.example")
    assert set(SchoolMembership.objects.filter(user=ada).values_list("role", flat=True)) == {
        "admin"
    }
    event = PlatformAdminEvent.objects.get(school=world.school, action="admin_invited")
    assert (event.actor, event.subject) == (root, "Ada Office (ada@alpha.example)")
    assert _told(world.school) == {"dsl@alpha.example", "head@alpha.example"}
    assert any(m.to == ["ada@alpha.example"] for m in mail.outbox)
    assert not PlatformAdminEvent.objects.filter(school=world.other_school).exists()


def test_the_admin_cannot_invite_itself(client: Client, world: World, root: User) -> None:
    url = reverse("admin:schools_school_invite", args=[world.school.pk])
    response = client.post(url, {"full_name": "Pat Platform", "email": ROOT_EMAIL})
    assert response.status_code == 200
    body = response.content.decode()
    # The message sits after the email field (not between the name and the email) and in the
    # summary at the top, which links to the field.
    email_row = body[body.index('data-testid="invite-row-email"') :]
    email_row = email_row[: email_row.index('data-testid="invite-row-job_title"')]
    assert email_row.index('name="email"') < email_row.index(
        "You cannot give yourself a role in a school"
    )
    name_row = body[body.index('data-testid="invite-row-full_name"') :]
    name_row = name_row[: name_row.index('data-testid="invite-row-email"')]
    assert "You cannot give yourself" not in name_row
    summary = body[body.index('data-testid="invite-error-summary"') :]
    assert '<a href="#id_email">Email address: You cannot give yourself' in summary
    assert not SchoolMembership.objects.filter(user=root).exists()
    assert not PlatformAdminEvent.objects.exists()


def test_inviting_a_trust_safeguarding_officer_tells_every_school_of_the_trust(
    client: Client, world: World, root: User
) -> None:
    sister = SchoolFactory(trust=world.school.trust, name="Sister School", slug="sister")
    url = reverse("admin:schools_trust_invite", args=[world.school.trust.pk])
    response = client.post(url, {"full_name": "Tess Trust", "email": "tess@northgate.example"})
    assert response.status_code == 302
    tess = User.objects.get(email="tess@northgate.example")
    assert TrustMembership.objects.filter(user=tess, role="tso").exists()
    schools = set(
        PlatformAdminEvent.objects.filter(action="tso_invited").values_list("school", flat=True)
    )
    assert schools == {world.school.pk, sister.pk}
    assert _told(world.school) == {"dsl@alpha.example", "head@alpha.example"}


def test_a_password_reset_link_is_recorded_at_the_persons_school(
    client: Client, world: World, root: User, django_capture_on_commit_callbacks: Any
) -> None:
    staff = world.users["staff"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:schools_user_changelist"),
            {"action": "send_password_reset", "_selected_action": [staff.pk]},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "/password-reset/" in mail.outbox[0].body
    assert "platform administrator" in mail.outbox[0].body
    event = PlatformAdminEvent.objects.get(action="password_reset_sent")
    assert (event.school, event.subject) == (world.school, f"{staff.full_name} ({staff.email})")
    assert _told(world.school) == {"dsl@alpha.example", "head@alpha.example"}


def test_a_change_to_a_school_is_recorded_with_what_changed(
    client: Client, world: World, root: User
) -> None:
    school = world.school
    url = reverse("admin:schools_school_change", args=[school.pk])
    data = {
        "trust": school.trust_id,
        "name": school.name,
        "slug": school.slug,
        "urn": school.urn,
        "dfe_number": school.dfe_number,
        "local_authority": school.local_authority,
        "reference_prefix": school.reference_prefix,
        "address_line_1": school.address_line_1,
        "address_line_2": school.address_line_2,
        "town": school.town,
        "postcode": "ZZ1 1ZZ",
        "phone": school.phone,
        "email": school.email,
    }
    page = client.get(url).content.decode()
    # The read-only list of members is a formset: its management form goes back as shown.
    for name, value in re.findall(
        r'name="([^"]*-(?:TOTAL|INITIAL)_FORMS)"[^>]*value="(\d+)"', page
    ):
        data[name] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = PlatformAdminEvent.objects.get(action="school_changed")
    assert (event.school, event.subject, event.detail) == (school, school.name, "Changed: postcode")
    assert _told(school) == {"dsl@alpha.example", "head@alpha.example"}


def test_deactivating_a_member_is_recorded(client: Client, world: World, root: User) -> None:
    staff = world.users["staff"]
    response = client.post(
        reverse("admin:schools_user_change", args=[staff.pk]),
        {"email": staff.email, "full_name": staff.full_name, "job_title": staff.job_title},
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=staff.pk).is_active
    event = PlatformAdminEvent.objects.get(action="account_deactivated")
    assert event.school == world.school
    assert "is active" in event.detail.lower()


# --- The record: append-only, and the head's and DSL's page ---------------------------------------


def test_the_record_cannot_be_changed_or_removed(world: World, root: User) -> None:
    from audit.services import platform_admin_event_record

    (event,) = platform_admin_event_record(
        actor=root, schools=[world.school], action="school_changed", subject="Alpha School"
    )
    for attempt in (
        lambda: PlatformAdminEvent.objects.filter(pk=event.pk).update(detail="nothing"),
        lambda: PlatformAdminEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            attempt()
    assert PlatformAdminEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.parametrize("role", ["dsl", "head"])
def test_the_head_and_dsl_read_what_the_platform_did(
    client: Client, world: World, root: User, role: str, django_assert_max_num_queries: Any
) -> None:
    from audit.services import platform_admin_event_record

    for n in range(30):
        platform_admin_event_record(
            actor=root,
            schools=[world.school],
            action="school_changed",
            subject="Alpha School",
            detail=f"Changed: change number {n}",
        )
    platform_admin_event_record(
        actor=root, schools=[world.other_school], action="school_changed", subject="Beta School"
    )
    client.force_login(world.users[role])
    client.get(reverse("home"))  # a session's first request also gets its new key (issue 16)
    # 15 on 2026-12-05 (session, user, access, header badges, the page and its count), 16 with
    # the second factor's device: the same for 1 row as for 30, since every name shown is copied.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("platform-admin-event-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="platform-admin-event"') == 30
    assert "change number 29" in body
    assert ROOT_EMAIL in body
    assert "Beta School" not in body
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-platform-admin-events"' in home


def test_an_empty_school_can_still_be_deleted(client: Client, world: World, root: User) -> None:
    from schools.models import School

    empty = SchoolFactory(trust=world.school.trust, name="Opened By Mistake", slug="mistake")
    url = reverse("admin:schools_school_delete", args=[empty.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not School.objects.filter(pk=empty.pk).exists()
    # A school that holds anything is refused, with the kinds of rows it holds and no list.
    refused = client.get(
        reverse("admin:schools_school_delete", args=[world.school.pk]), follow=True
    ).content.decode()
    assert "Alpha School cannot be deleted: it holds" in refused
    assert world.pupil.legal_last_name not in refused


def test_a_reset_link_from_the_persons_page(
    client: Client, world: World, root: User, django_capture_on_commit_callbacks: Any
) -> None:
    dsl = world.users["dsl"]
    change = client.get(reverse("admin:schools_user_change", args=[dsl.pk])).content.decode()
    url = reverse("admin:schools_user_password_reset", args=[dsl.pk])
    assert url in change
    ask = client.get(url).content.decode()
    assert "Alpha School" in ask
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response["Location"] == reverse("admin:schools_user_change", args=[dsl.pk])
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert PlatformAdminEvent.objects.filter(
        school=world.school, action="password_reset_sent"
    ).exists()
