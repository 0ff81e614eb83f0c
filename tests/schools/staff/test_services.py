"""Staff accounts and roles: invitations, CP-role confirmation, leavers, trust roles, history."""

from __future__ import annotations

import datetime
import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from safeguard.access import access_for
from safeguard.models import Notification
from safeguard.roles import Perm
from schools.models import (
    MembershipAction,
    MembershipEvent,
    RoleRequest,
    SchoolMembership,
    TrustMembership,
    TrustMembershipEvent,
    User,
)
from schools.staff import services
from schools.staff.tokens import InvitationTokenGenerator, invitation_tokens
from tests.support.factories import PASSWORD, SchoolFactory, UserFactory, member
from tests.support.world import World

NEW_PASSWORD = "a lighthouse keeps nine otters"


@pytest.fixture
def emails(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the after-commit callbacks (the emails) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _link(message: Any) -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _actions(school: Any, person: User) -> list[str]:
    return list(
        MembershipEvent.objects.filter(school=school, person=person)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def _invite(world: World, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "actor": world.users["admin"],
        "school": world.school,
        "email": "Jo.Bloggs@Alpha.example",
        "full_name": "Jo Bloggs",
        "job_title": "Teaching assistant",
        "roles": ["staff"],
    }
    fields.update(overrides)
    return services.staff_invite(**fields)


# --- Invitations ----------------------------------------------------------------------------------


def test_invite_a_new_person_emails_a_single_use_link(world: World, emails: Any, client) -> None:
    with emails():
        person = _invite(world)
    assert person.email == "jo.bloggs@alpha.example"
    assert not person.has_usable_password()
    assert access_for(person).has(Perm.LOG_CONCERN, world.school)
    assert _actions(world.school, person) == [
        MembershipAction.INVITED,
        MembershipAction.ROLE_GRANTED,
    ]
    (message,) = mail.outbox
    assert message.to == ["jo.bloggs@alpha.example"]
    assert "Alpha School" in message.body
    assert "Staff member or volunteer" in message.body
    assert "does not contain any details about a child" in message.body

    link = _link(message)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert b"Choose your password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("invitation-done")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    # Used once: the same link now says so, and offers the way forward.
    client.logout()
    again = client.get(link, follow=True)
    assert b"This invitation link no longer works" in again.content
    assert b"Choose your password" not in again.content
    signed_in = client.post(reverse("login"), {"username": person.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.wsgi_request.user == person


def test_the_link_refuses_a_weak_password_and_keeps_it_valid(world: World, emails, client) -> None:
    with emails():
        person = _invite(world)
    page = client.get(_link(mail.outbox[0]), follow=True)
    weak = client.post(
        page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    )
    assert weak.status_code == 200
    assert b"govuk-error-summary" in weak.content
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_the_link_expires_after_the_setting(world: World, settings) -> None:
    settings.STAFF_INVITATION_DAYS = 7
    person = _invite(world)
    token = invitation_tokens.make_token(person)
    start = datetime.datetime.now()  # noqa: DTZ005 (the generator's own clock)
    with mock.patch.object(
        InvitationTokenGenerator, "_now", return_value=start + datetime.timedelta(days=6)
    ):
        assert invitation_tokens.check_token(person, token)
    with mock.patch.object(
        InvitationTokenGenerator, "_now", return_value=start + datetime.timedelta(days=7, hours=1)
    ):
        assert not invitation_tokens.check_token(person, token)


def test_a_password_reset_token_is_not_an_invitation(world: World) -> None:
    from django.contrib.auth.tokens import default_token_generator

    person = _invite(world)
    assert not invitation_tokens.check_token(person, default_token_generator.make_token(person))
    assert not invitation_tokens.check_token(person, "garbage")
    assert not invitation_tokens.check_token(person, "zzzzzzzzzzzzzzzzzzzzzz-abc")


def test_invite_a_person_who_works_in_another_school_adds_the_role(
    world: World, emails: Any
) -> None:
    other_dsl = world.users["other_dsl"]
    with emails():
        person = _invite(world, email=other_dsl.email.upper(), full_name="Someone Else")
    assert person.pk == other_dsl.pk
    person.refresh_from_db()
    assert person.full_name != "Someone Else"  # their name is theirs, not the inviter's to change
    assert person.check_password(PASSWORD)
    assert access_for(person).has(Perm.LOG_CONCERN, world.school)
    assert access_for(person).has(Perm.MANAGE_CP_RECORDS, world.other_school)
    assert not access_for(person).has(Perm.READ_CP_RECORDS, world.school)
    (message,) = mail.outbox
    assert "added to Alpha School" in message.body
    assert "/invitation/" not in message.body  # they have a password already
    assert (
        MembershipEvent.objects.get(person=person, action=MembershipAction.INVITED).note
        == "Already had an account"
    )


def test_inviting_someone_already_here_is_refused_beside_the_email(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        _invite(world, email=world.users["staff"].email)
    assert "already works at Alpha School" in error.value.message_dict["email"][0]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not an email", "Enter an email address like"),
        ("email", "a\x00b@alpha.example", "Enter an email address like"),
        ("email", "", "Enter their email address"),
        ("full_name", "   ", "Enter their full name"),
        ("full_name", "x" * 1_000_000, "150 characters or fewer"),
        ("job_title", "x" * 151, "150 characters or fewer"),
        ("roles", [], "Choose at least one role"),
        ("roles", ["tso"], "Choose roles from the list"),
        ("roles", ["superuser"], "Choose roles from the list"),
    ],
)
def test_invite_refuses_bad_input_beside_the_field(
    world: World, field: str, value: Any, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _invite(world, **{field: value})
    assert message in error.value.message_dict[field][0]
    assert not User.objects.filter(email="jo.bloggs@alpha.example").exists()


@pytest.mark.parametrize("role", ["staff", "dsl", "head", "governor", "tso"])
def test_only_the_school_administrator_invites(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _invite(world, actor=world.users[role])


def test_an_administrator_cannot_invite_into_another_school(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _invite(world, school=world.other_school)
    assert not User.objects.filter(email="jo.bloggs@alpha.example").exists()


def test_the_platform_administrator_invites_only_an_administrator_and_never_themselves(
    world: World,
) -> None:
    root = UserFactory(is_staff=True, is_superuser=True, email="root@platform.example")
    with pytest.raises(ValidationError) as error:
        _invite(world, actor=root, platform=True, roles=["dsl"])
    assert "roles" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _invite(world, actor=root, platform=True, roles=["admin"], email="ROOT@platform.example")
    assert "yourself" in error.value.message_dict["email"][0]
    other_root = UserFactory(is_staff=True, email="root2@platform.example")
    with pytest.raises(ValidationError):  # another platform administrator's account: no
        _invite(world, actor=root, platform=True, roles=["admin"], email=other_root.email)
    with pytest.raises(PermissionDenied):
        _invite(world, actor=world.users["admin"], platform=True, roles=["admin"])
    person = _invite(world, actor=root, platform=True, roles=["admin"])
    assert access_for(person).has(Perm.MANAGE_STAFF, world.school)
    event = MembershipEvent.objects.get(person=person, action=MembershipAction.ROLE_GRANTED)
    assert event.actor_name == "Platform administrator"
    assert access_for(root).school_ids() == []


def test_resend_and_password_reset_send_links_never_set_a_password(
    world: World, emails: Any
) -> None:
    admin = world.users["admin"]
    person = _invite(world)
    with emails():
        services.staff_invitation_resend(actor=admin, school=world.school, person=person)
    assert "/invitation/" in mail.outbox[-1].body
    with pytest.raises(ValidationError, match="not chosen a password"):
        services.staff_password_reset_send(actor=admin, school=world.school, person=person)
    staff = world.users["staff"]
    with pytest.raises(ValidationError, match="already chosen a password"):
        services.staff_invitation_resend(actor=admin, school=world.school, person=staff)
    with emails():
        services.staff_password_reset_send(actor=admin, school=world.school, person=staff)
    assert "/password-reset/" in mail.outbox[-1].body
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert MembershipAction.PASSWORD_RESET_SENT in _actions(world.school, staff)
    assert MembershipAction.INVITE_RESENT in _actions(world.school, person)


# --- Child-protection roles -------------------------------------------------------------------------


def _notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_a_cp_role_waits_for_the_head_or_dsl_and_they_are_told(world: World) -> None:
    person = _invite(world, roles=["staff", "dsl"])
    assert access_for(person).has(Perm.LOG_CONCERN, world.school)
    assert not access_for(person).has(Perm.READ_CP_RECORDS, world.school)
    request = RoleRequest.objects.get(user=person)
    assert (request.role, request.status) == ("dsl", RoleRequest.Status.PENDING)
    assert _notified("cp_role_requested") == {"dsl@alpha.example", "head@alpha.example"}
    note = Notification.objects.filter(kind="cp_role_requested").first()
    assert note.link == reverse("role-request-list")
    assert "Jo Bloggs" in note.title
    assert "Alpha School" in note.title

    services.role_request_confirm(actor=world.users["head"], role_request=request)
    request.refresh_from_db()
    assert request.status == RoleRequest.Status.CONFIRMED
    assert request.decided_by == world.users["head"]
    person = User.objects.get(pk=person.pk)  # permissions are cached per user object
    assert access_for(person).has(Perm.READ_CP_RECORDS, world.school)
    assert _notified("cp_role_confirmed") == {
        "dsl@alpha.example",
        "head@alpha.example",
        "jo.bloggs@alpha.example",  # now a DSL of the school
    }
    assert _actions(world.school, person) == [
        MembershipAction.INVITED,
        MembershipAction.ROLE_GRANTED,
        MembershipAction.ROLE_REQUESTED,
        MembershipAction.ROLE_CONFIRMED,
    ]
    with pytest.raises(ValidationError, match="already confirmed"):
        services.role_request_confirm(actor=world.users["dsl"], role_request=request)


def test_declining_needs_a_reason_and_gives_nothing(world: World) -> None:
    person = _invite(world, roles=["deputy"])
    request = RoleRequest.objects.get(user=person)
    with pytest.raises(ValidationError) as error:
        services.role_request_decline(actor=world.users["dsl"], role_request=request, reason=" ")
    assert "reason" in error.value.message_dict
    services.role_request_decline(
        actor=world.users["dsl"], role_request=request, reason="Not yet trained"
    )
    request.refresh_from_db()
    assert (request.status, request.reason) == (RoleRequest.Status.DECLINED, "Not yet trained")
    assert not SchoolMembership.objects.filter(user=person, role="deputy").exists()
    assert _notified("cp_role_declined") == {"dsl@alpha.example", "head@alpha.example"}
    event = MembershipEvent.objects.get(person=person, action=MembershipAction.ROLE_DECLINED)
    assert (event.note, event.actor_name) == ("Not yet trained", world.users["dsl"].full_name)


def test_nobody_confirms_their_own_role(world: World) -> None:
    head = world.users["head"]
    services.staff_roles_set(
        actor=world.users["admin"], school=world.school, person=head, roles=["head", "dsl"]
    )
    request = RoleRequest.objects.get(user=head)
    with pytest.raises(ValidationError, match="a role given to you"):
        services.role_request_confirm(actor=head, role_request=request)
    with pytest.raises(PermissionDenied):  # the administrator gives, never confirms
        services.role_request_confirm(actor=world.users["admin"], role_request=request)
    with pytest.raises(PermissionDenied):  # the TSO only while there is no head or DSL
        services.role_request_confirm(actor=world.users["tso"], role_request=request)
    with pytest.raises(PermissionDenied):  # another school's DSL
        services.role_request_confirm(actor=world.users["other_dsl"], role_request=request)
    services.role_request_confirm(actor=world.users["dsl"], role_request=request)
    assert access_for(head).has(Perm.VIEW_ALL_RESTRICTED, world.school)


def test_the_tso_confirms_while_a_school_has_no_head_or_dsl(world: World) -> None:
    new_school = SchoolFactory(trust=world.school.trust, name="Gamma School", slug="gamma")
    admin = member(new_school, "admin", email="admin@gamma.example")
    head = services.staff_invite(
        actor=admin,
        school=new_school,
        email="head@gamma.example",
        full_name="Gamma Head",
        roles=["head"],
    )
    request = RoleRequest.objects.get(user=head)
    assert _notified("cp_role_requested") == {"tso@northgate-test.example"}
    from schools.staff.selectors import role_requests_waiting_for

    tso = world.users["tso"]
    assert role_requests_waiting_for(actor=tso, school=world.school) == [request]
    services.role_request_confirm(actor=tso, role_request=request)
    assert access_for(head).has(Perm.CONFIRM_CP_ROLES, new_school)
    # Now the school has a head: the next CP role is theirs to confirm, not the TSO's.
    dsl = services.staff_invite(
        actor=admin, school=new_school, email="dsl@gamma.example", full_name="G D", roles=["dsl"]
    )
    dsl_request = RoleRequest.objects.get(user=dsl)
    assert role_requests_waiting_for(actor=tso, school=world.school) == []
    with pytest.raises(PermissionDenied):
        services.role_request_confirm(actor=tso, role_request=dsl_request)
    services.role_request_confirm(actor=head, role_request=dsl_request)


def test_changing_roles_withdraws_and_takes_away_and_tells_the_leads(world: World) -> None:
    admin = world.users["admin"]
    person = _invite(world, roles=["staff", "deputy"])
    services.staff_roles_set(actor=admin, school=world.school, person=person, roles=["staff"])
    assert RoleRequest.objects.get(user=person).status == RoleRequest.Status.WITHDRAWN
    assert _notified("cp_role_withdrawn") == {"dsl@alpha.example", "head@alpha.example"}
    deputy = world.users["deputy"]
    services.staff_roles_set(
        actor=admin, school=world.school, person=deputy, roles=["staff", "governor"]
    )
    assert not access_for(deputy).has(Perm.READ_CP_RECORDS, world.school)
    assert access_for(deputy).has(Perm.VIEW_SCHOOL_AGGREGATES, world.school)
    assert _notified("cp_role_revoked") == {"dsl@alpha.example", "head@alpha.example"}
    assert set(_actions(world.school, deputy)) == {
        MembershipAction.ROLE_REVOKED,
        MembershipAction.ROLE_GRANTED,
    }
    with pytest.raises(ValidationError) as error:
        services.staff_roles_set(actor=admin, school=world.school, person=admin, roles=["staff"])
    assert "your own administrator role" in error.value.message_dict["roles"][0]
    with pytest.raises(PermissionDenied):
        services.staff_roles_set(
            actor=admin, school=world.other_school, person=world.users["other_dsl"], roles=["staff"]
        )


# --- Leavers ----------------------------------------------------------------------------------------


def test_a_leaver_with_no_other_role_is_deactivated_and_signed_out(world: World, client) -> None:
    dsl = world.users["dsl"]
    client.force_login(dsl)
    assert client.get(reverse("triage-inbox")).status_code == 200
    deactivated = services.staff_deactivate(
        actor=world.users["admin"], school=world.school, person=dsl, note="Last day 31 August"
    )
    assert deactivated
    dsl.refresh_from_db()
    assert not dsl.is_active
    assert not dsl.has_usable_password()
    assert not SchoolMembership.objects.filter(user=dsl).exists()
    response = client.get(reverse("triage-inbox"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("home")).status_code == 302
    assert _notified("cp_role_revoked") == {"head@alpha.example"}
    assert _actions(world.school, dsl)[-2:] == [
        MembershipAction.DEACTIVATED,
        MembershipAction.ACCOUNT_DEACTIVATED,
    ]
    assert (
        MembershipEvent.objects.get(person=dsl, action=MembershipAction.DEACTIVATED).role == "dsl"
    )


def test_a_leaver_who_works_elsewhere_keeps_their_account_but_loses_this_school(
    world: World, client, emails: Any
) -> None:
    shared = world.users["other_dsl"]
    _invite(world, email=shared.email, roles=["staff"])
    client.force_login(shared)
    session = client.session
    session["safeguard_acting_school_id"] = world.school.pk
    session.save()
    assert client.get(reverse("concern-mine")).status_code == 200
    services.staff_deactivate(actor=world.users["admin"], school=world.school, person=shared)
    shared.refresh_from_db()
    assert shared.is_active
    assert shared.check_password(PASSWORD)
    # The next request acts in the school they still work in; Alpha's pages are closed to them.
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["acting_school"] == world.other_school
    assert b"Alpha School" not in home.content
    assert access_for(shared).school_ids() == [world.other_school.pk]


def test_nobody_marks_themselves_a_leaver(world: World) -> None:
    admin = world.users["admin"]
    with pytest.raises(ValidationError, match="yourself"):
        services.staff_deactivate(actor=admin, school=world.school, person=admin)


def test_inviting_a_leaver_again_reactivates_them_with_a_new_link(
    world: World, emails: Any
) -> None:
    staff = world.users["staff"]
    services.staff_deactivate(actor=world.users["admin"], school=world.school, person=staff)
    with emails():
        again = _invite(world, email=staff.email, full_name="Sam Staff", roles=["staff"])
    again.refresh_from_db()
    assert again.pk == staff.pk
    assert again.is_active
    assert not again.has_usable_password()
    assert "/invitation/" in mail.outbox[-1].body
    assert MembershipAction.ACCOUNT_REACTIVATED in _actions(world.school, staff)


def test_deactivation_kills_an_outstanding_invitation(world: World) -> None:
    person = _invite(world)
    token = invitation_tokens.make_token(person)
    services.staff_deactivate(actor=world.users["admin"], school=world.school, person=person)
    person.refresh_from_db()
    assert not invitation_tokens.check_token(person, token)


# --- Trust roles ----------------------------------------------------------------------------------


def test_the_tso_invites_and_removes_trust_officers_but_not_their_own_last_role(
    world: World, emails: Any
) -> None:
    tso, trust = world.users["tso"], world.school.trust
    with emails():
        second = services.trust_role_invite(
            actor=tso,
            trust=trust,
            email="second@northgate-test.example",
            full_name="Second Officer",
        )
    assert access_for(second).has(Perm.READ_CP_RECORDS, world.school)
    assert "/invitation/" in mail.outbox[-1].body
    with pytest.raises(ValidationError, match="own last trust role"):
        services.trust_role_revoke(actor=tso, trust=trust, person=tso)
    assert services.trust_role_revoke(actor=tso, trust=trust, person=second) is True
    second.refresh_from_db()
    assert not second.is_active
    assert not TrustMembership.objects.filter(user=second).exists()
    assert list(
        TrustMembershipEvent.objects.filter(person=second)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    ) == [
        MembershipAction.INVITED,
        MembershipAction.ROLE_GRANTED,
        MembershipAction.ROLE_REVOKED,
        MembershipAction.ACCOUNT_DEACTIVATED,
    ]
    for not_tso in ["dsl", "head", "admin"]:
        with pytest.raises(PermissionDenied):
            services.trust_role_invite(
                actor=world.users[not_tso], trust=trust, email="x@y.example", full_name="X"
            )
    with pytest.raises(PermissionDenied):  # another trust
        services.trust_role_invite(
            actor=tso, trust=world.other_school.trust, email="x@y.example", full_name="X"
        )


def test_the_platform_invites_a_tso(world: World) -> None:
    root = UserFactory(is_staff=True, is_superuser=True, email="root@platform.example")
    trust = world.other_school.trust
    person = services.trust_role_invite(
        actor=root, trust=trust, email="tso@elsewhere.example", full_name="T O", platform=True
    )
    assert trust.pk in access_for(person).trust_ids_with(Perm.MANAGE_TRUST_ROLES)
    with pytest.raises(ValidationError):
        services.trust_role_invite(
            actor=root, trust=trust, email=root.email, full_name="Me", platform=True
        )


# --- History --------------------------------------------------------------------------------------


def test_history_rows_are_append_only(world: World) -> None:
    _invite(world)
    event = MembershipEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        MembershipEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    services.trust_role_invite(
        actor=world.users["tso"],
        trust=world.school.trust,
        email="t2@northgate-test.example",
        full_name="T Two",
    )
    trust_event = TrustMembershipEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        TrustMembershipEvent.objects.filter(pk=trust_event.pk).update(person_name="changed")
    assert MembershipEvent.objects.get(pk=event.pk).note == event.note


def test_history_keeps_names_as_they_were(world: World) -> None:
    person = _invite(world)
    User.objects.filter(pk=person.pk).update(full_name="Jo Renamed")
    event = MembershipEvent.objects.filter(person=person).first()
    assert event.person_name == "Jo Bloggs"
    assert event.actor_name == world.users["admin"].full_name


# --- Name and job title ---------------------------------------------------------------------------


def test_the_administrator_corrects_a_name_only_of_someone_working_here_alone(
    world: World,
) -> None:
    admin, staff = world.users["admin"], world.users["staff"]
    old_name = staff.full_name
    services.staff_details_change(
        actor=admin, school=world.school, person=staff, full_name="Sam  Corrected ", job_title=""
    )
    staff.refresh_from_db()
    assert (staff.full_name, staff.job_title) == ("Sam Corrected", "")
    event = MembershipEvent.objects.get(person=staff, action=MembershipAction.DETAILS_CHANGED)
    assert event.note.startswith(f"Was {old_name}")
    with pytest.raises(ValidationError) as error:
        services.staff_details_change(
            actor=admin, school=world.school, person=staff, full_name="", job_title=""
        )
    assert "full_name" in error.value.message_dict
    shared = world.users["other_dsl"]
    _invite(world, email=shared.email, roles=["staff"])
    with pytest.raises(ValidationError, match="also work elsewhere"):
        services.staff_details_change(
            actor=admin, school=world.school, person=shared, full_name="Renamed", job_title=""
        )
    with pytest.raises(PermissionDenied):
        services.staff_details_change(
            actor=world.users["dsl"], school=world.school, person=staff, full_name="X"
        )


# --- Review of issue 14 item 4: escalation, races and who is told -----------------------------


def test_an_invitation_never_switches_back_on_an_account_suspended_with_roles_elsewhere(
    world: World,
) -> None:
    # The platform switched the account off while it still holds Beta's DSL role: an invitation
    # from Alpha must not turn it back on (and with it Beta's records), nor touch its password.
    suspended = world.users["other_dsl"]
    User.objects.filter(pk=suspended.pk).update(is_active=False)
    with pytest.raises(ValidationError) as error:
        _invite(world, email=suspended.email, full_name="Someone Else", roles=["staff"])
    assert "switched off" in error.value.message_dict["email"][0]
    suspended.refresh_from_db()
    assert not suspended.is_active
    assert suspended.full_name != "Someone Else"
    assert suspended.check_password(PASSWORD)
    assert not SchoolMembership.objects.filter(user=suspended, school=world.school).exists()


def test_a_platform_account_gets_no_school_role_by_a_role_change_or_a_confirmation(
    world: World,
) -> None:
    admin, staff = world.users["admin"], world.users["staff"]
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    staff.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.staff_roles_set(
            actor=admin, school=world.school, person=staff, roles=["staff", "governor"]
        )
    assert "platform administrator" in error.value.message_dict["roles"][0]
    assert not SchoolMembership.objects.filter(user=staff, role="governor").exists()

    person = _invite(world, roles=["deputy"])
    request = RoleRequest.objects.get(user=person)
    User.objects.filter(pk=person.pk).update(is_superuser=True)
    with pytest.raises(ValidationError, match="platform administrator"):
        services.role_request_confirm(actor=world.users["head"], role_request=request)
    assert not SchoolMembership.objects.filter(user=person, role="deputy").exists()
    assert RoleRequest.objects.get(pk=request.pk).status == RoleRequest.Status.PENDING


def _notified_of(kind: str, name: str) -> set[str]:
    return set(
        Notification.objects.filter(kind=kind, title__contains=name).values_list(
            "recipient__email", flat=True
        )
    )


def test_cp_changes_in_a_school_with_no_head_or_dsl_are_told_to_the_tso(world: World) -> None:
    new_school = SchoolFactory(trust=world.school.trust, name="Gamma School", slug="gamma")
    admin = member(new_school, "admin", email="admin@gamma.example")
    tso = world.users["tso"]
    head = services.staff_invite(
        actor=admin, school=new_school, email="head@gamma.example", full_name="G H", roles=["head"]
    )
    services.role_request_decline(
        actor=tso, role_request=RoleRequest.objects.get(user=head), reason="Wrong person"
    )
    assert _notified_of("cp_role_declined", "G H") == {tso.email}
    # A link the TSO may open (they read no staff history).
    note = Notification.objects.get(kind="cp_role_declined", recipient=tso)
    assert note.link == reverse("role-request-list")
    dsl = services.staff_invite(
        actor=admin, school=new_school, email="dsl@gamma.example", full_name="G D", roles=["dsl"]
    )
    services.staff_deactivate(actor=admin, school=new_school, person=dsl)
    assert _notified_of("cp_role_withdrawn", "G D") == {tso.email}


def test_a_head_or_dsl_losing_their_role_is_told_and_the_last_one_tells_the_tso(
    world: World,
) -> None:
    admin, head, dsl = world.users["admin"], world.users["head"], world.users["dsl"]
    services.staff_roles_set(actor=admin, school=world.school, person=head, roles=["staff"])
    assert _notified_of("cp_role_revoked", head.full_name) == {head.email, dsl.email}
    links = dict(
        Notification.objects.filter(kind="cp_role_revoked").values_list("recipient__email", "link")
    )
    # The DSL reads the history; the former head may no longer, so theirs goes home.
    assert links == {dsl.email: reverse("staff-history"), head.email: reverse("home")}
    services.staff_roles_set(actor=admin, school=world.school, person=dsl, roles=["staff"])
    # Nobody is left to watch the school's CP roles: its TSO is told as well.
    assert _notified_of("cp_role_revoked", dsl.full_name) == {dsl.email, world.users["tso"].email}


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_racing_an_untick_waits_and_never_outlives_it(world: World) -> None:
    """Double trouble: the administrator unticks a waiting deputy role while the head clicks
    Confirm. Whichever wins, the person never ends up holding a role the history says was
    withdrawn."""
    import threading
    import time

    from django.db import close_old_connections, connection

    person = _invite(world, roles=["staff", "deputy"])
    request_pk = RoleRequest.objects.get(user=person).pk
    untick_holds_lock, confirm_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    original = services._withdraw_request

    def slow_withdraw(**kwargs: Any) -> None:
        untick_holds_lock.set()
        confirm_started.wait(5)
        time.sleep(1)  # the confirmation runs now, unless it waits for the school's lock
        original(**kwargs)

    def untick() -> None:
        try:
            services.staff_roles_set(
                actor=User.objects.get(pk=world.users["admin"].pk),
                school=world.school,
                person=User.objects.get(pk=person.pk),
                roles=["staff"],
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    def confirm() -> None:
        confirm_started.set()
        try:
            services.role_request_confirm(
                actor=User.objects.get(pk=world.users["head"].pk),
                role_request=RoleRequest.objects.get(pk=request_pk),
            )
        except ValidationError:
            pass  # it waited, and found the request withdrawn
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    with mock.patch.object(services, "_withdraw_request", slow_withdraw):
        first = threading.Thread(target=untick)
        first.start()
        assert untick_holds_lock.wait(10)
        second = threading.Thread(target=confirm)
        second.start()
        first.join(20)
        second.join(20)
    assert errors == []
    assert RoleRequest.objects.get(pk=request_pk).status == RoleRequest.Status.WITHDRAWN
    assert not SchoolMembership.objects.filter(user=person, role="deputy").exists()
    assert MembershipAction.ROLE_CONFIRMED not in _actions(world.school, person)


def test_every_trust_role_given_or_taken_is_told_to_the_heads_and_dsls_of_its_schools(
    world: World,
) -> None:
    # A trust role reads every school's CP records: the platform (or a TSO) making someone TSO
    # must not go unseen by the schools.
    root = UserFactory(is_staff=True, is_superuser=True, email="root@platform.example")
    person = services.trust_role_invite(
        actor=root,
        trust=world.school.trust,
        email="new.tso@elsewhere.example",
        full_name="Newly Made Officer",
        platform=True,
    )
    assert _notified_of("cp_role_granted", "Newly Made Officer") == {
        "dsl@alpha.example",
        "head@alpha.example",
    }
    granted = Notification.objects.filter(kind="cp_role_granted").first()
    assert granted.school == world.school
    assert "Platform administrator" in granted.title
    assert "Beta School" not in "".join(Notification.objects.values_list("title", flat=True))
    services.trust_role_revoke(actor=world.users["tso"], trust=world.school.trust, person=person)
    assert _notified_of("cp_role_revoked", "Newly Made Officer") == {
        "dsl@alpha.example",
        "head@alpha.example",
    }


def test_two_schools_inviting_the_same_new_person_at_once_is_no_server_error(
    world: World,
) -> None:
    # The other invitation commits between this one's look-up (nothing to lock) and its insert.
    taken = world.users["other_dsl"].email
    with (
        mock.patch.object(User.objects, "select_for_update", return_value=User.objects.none()),
        mock.patch.object(User, "full_clean"),  # it ran before the other commit
        pytest.raises(ValidationError) as error,
    ):
        _invite(world, email=taken)
    assert "at the same moment" in error.value.message_dict["email"][0]
    assert not MembershipEvent.objects.filter(school=world.school, person_email=taken).exists()


def test_a_mail_server_that_refuses_keeps_the_invitation_and_queues_it(
    world: World, emails: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invitation is saved, no error reaches the administrator, and the email is handed to
    the worker to try again, composed afresh (its link made when it goes)."""
    import smtplib

    from schools import tasks

    def refuse(**kwargs: Any) -> None:
        raise smtplib.SMTPServerDisconnected("the relay is down")

    queued: list[dict[str, Any]] = []
    monkeypatch.setattr(services, "send_mail", refuse)
    monkeypatch.setattr(tasks.staff_email_retry, "delay", lambda **kw: queued.append(kw))
    with emails():
        person = _invite(world)
    assert User.objects.filter(pk=person.pk, is_active=True).exists()
    assert queued == [
        {
            "kind": services.INVITATION,
            "user_id": person.pk,
            "place": world.school.name,
            "roles": ["staff"],
            "waiting": [],
        }
    ]
    monkeypatch.undo()
    tasks.staff_email_retry.run(**queued[0])  # what the worker does
    (message,) = mail.outbox
    assert message.to == [person.email]
    assert "/invitation/" in message.body
