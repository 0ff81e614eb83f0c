"""Who reads the staff list and the platform administration page, "please confirm" requests
settled for every reader once decided, the home page's count of roles waiting, the invitation
page, back links, and a leaver invited again keeping their job title."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.models import Notification
from schools.models import RoleRequest, User
from schools.staff import services
from tests.support.factories import SchoolFactory, member
from tests.support.world import World


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _invite(world: World, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "actor": world.users["admin"],
        "school": world.school,
        "email": "jo.bloggs@alpha.example",
        "full_name": "Jo Bloggs",
        "job_title": "Teaching assistant",
        "roles": ["staff"],
    }
    fields.update(overrides)
    return services.staff_invite(**fields)


# --- A leaver invited again --------------------------------------------------------------------


def test_a_leaver_invited_again_with_no_job_title_keeps_their_old_one(world: World) -> None:
    staff = world.users["staff"]
    staff.job_title = "Class teacher"
    staff.save(update_fields=["job_title"])
    services.staff_deactivate(actor=world.users["admin"], school=world.school, person=staff)
    again = _invite(world, email=staff.email, full_name=staff.full_name, job_title="")
    again.refresh_from_db()
    assert again.pk == staff.pk
    assert again.is_active
    assert again.job_title == "Class teacher"
    # A job title that is given replaces the old one.
    services.staff_deactivate(actor=world.users["admin"], school=world.school, person=staff)
    _invite(world, email=staff.email, full_name=staff.full_name, job_title="Year 6 lead")
    assert User.objects.get(pk=staff.pk).job_title == "Year 6 lead"


# --- The head and the DSL read the staff list ----------------------------------------------


@pytest.mark.parametrize("role", ["head", "dsl"])
def test_the_head_and_dsl_read_the_staff_list_without_its_buttons(
    world: World, client: Client, role: str
) -> None:
    response = _signed_in(client, world.users[role]).get(reverse("staff-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="staff-row"') == 6
    assert world.users["staff"].email in body
    assert 'data-testid="staff-read-only"' in body
    assert reverse("staff-invite") not in body
    assert f'href="{reverse("staff-detail", kwargs={"pk": world.users["staff"].pk})}"' not in body
    # Their one link on a person: resetting a lost two-factor device (issue 16).
    reset = reverse("staff-two-factor-reset", kwargs={"pk": world.users["staff"].pk})
    assert f'href="{reset}"' in body
    # The administrator's pages stay closed to them.
    assert client.get(reverse("staff-invite")).status_code == 403
    person = reverse("staff-detail", kwargs={"pk": world.users["staff"].pk})
    assert client.get(person).status_code == 404


def test_the_administrator_still_has_the_buttons(world: World, client: Client) -> None:
    body = _signed_in(client, world.users["admin"]).get(reverse("staff-list")).content.decode()
    assert reverse("staff-invite") in body
    assert reverse("staff-detail", kwargs={"pk": world.users["staff"].pk}) in body
    assert 'data-testid="staff-read-only"' not in body


@pytest.mark.parametrize("role", ["deputy", "staff", "governor", "tso"])
def test_others_still_cannot_read_the_staff_list(world: World, client: Client, role: str) -> None:
    assert _signed_in(client, world.users[role]).get(reverse("staff-list")).status_code == 403


def test_the_platform_administration_page_speaks_to_its_reader(
    world: World, client: Client
) -> None:
    body = _signed_in(client, world.users["head"]).get(reverse("platform-admin-event-list"))
    text = body.content.decode()
    assert "The headteacher and the DSLs are told of each one" in text
    assert "You and the headteacher or DSL" not in text


def _unread_asks(school: Any) -> set[str]:
    return set(
        Notification.objects.filter(
            school=school, kind="cp_role_requested", read_at__isnull=True
        ).values_list("recipient__email", flat=True)
    )


@pytest.mark.parametrize("decide", ["confirm", "decline", "withdraw"])
def test_please_confirm_is_marked_read_for_everyone_once_decided(world: World, decide: str) -> None:
    first = _invite(world, roles=["deputy"])
    second = _invite(world, email="kim@alpha.example", full_name="Kim Other", roles=["deputy"])
    assert _unread_asks(world.school) == {"dsl@alpha.example", "head@alpha.example"}
    request = RoleRequest.objects.get(user=first)
    if decide == "confirm":
        services.role_request_confirm(actor=world.users["head"], role_request=request)
    elif decide == "decline":
        services.role_request_decline(
            actor=world.users["dsl"], role_request=request, reason="Not trained yet"
        )
    else:
        services.staff_roles_set(
            actor=world.users["admin"], school=world.school, person=first, roles=["staff"]
        )
    # The decided one is read for both the head and the DSL; Kim's still waits, unread.
    unread = Notification.objects.filter(
        school=world.school, kind="cp_role_requested", read_at__isnull=True
    )
    assert [n.title for n in unread.filter(recipient=world.users["head"])] == [
        n.title for n in unread.filter(recipient=world.users["dsl"])
    ]
    titles = set(unread.values_list("title", flat=True))
    assert len(titles) == 1
    assert "Kim Other" in titles.pop()
    # Once nothing waits at the school, none is left unread.
    services.role_request_confirm(
        actor=world.users["dsl"], role_request=RoleRequest.objects.get(user=second)
    )
    assert _unread_asks(world.school) == set()


def test_another_schools_asks_are_left_alone(world: World) -> None:
    _invite(world, roles=["deputy"])
    other = _invite(
        world,
        actor=member(world.other_school, "admin", email="admin@beta.example"),
        school=world.other_school,
        email="b@beta.example",
        roles=["deputy"],
    )
    services.role_request_confirm(
        actor=world.users["head"], role_request=RoleRequest.objects.get(school=world.school)
    )
    assert _unread_asks(world.other_school)
    assert RoleRequest.objects.get(user=other).status == RoleRequest.Status.PENDING


def test_the_home_page_counts_the_roles_waiting_in_constant_queries(
    world: World, client: Client
) -> None:
    _signed_in(client, world.users["head"])
    assert 'data-testid="home-roles-waiting"' not in client.get(reverse("home")).content.decode()

    def home() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        return len(queries), response.content.decode()

    _invite(world, roles=["deputy"])
    home()
    few, body = home()
    assert re.search(r'data-testid="home-roles-waiting">\s*1 waiting<', body)
    for n in range(4):
        _invite(world, email=f"p{n}@alpha.example", full_name=f"Person {n}", roles=["dsl"])
    many, body = home()
    assert re.search(r'data-testid="home-roles-waiting">\s*5 waiting<', body)
    assert many == few


def test_the_tso_home_counts_only_schools_with_no_head_or_dsl(world: World, client: Client) -> None:
    tso = world.users["tso"]
    new = SchoolFactory(trust=world.school.trust, name="New School", slug="new-school")
    _invite(
        world, actor=member(new, "admin"), school=new, roles=["dsl"]
    )  # nobody there to confirm: the TSO does
    _invite(world, email="x@alpha.example", roles=["deputy"])  # Alpha's head and DSL do
    body = _signed_in(client, tso).get(reverse("home")).content.decode()
    assert re.search(r'data-testid="home-roles-waiting">\s*1 waiting<', body)
    listed = client.get(reverse("role-request-list")).content.decode()
    assert "New School" in listed


# --- The invitation page -----------------------------------------------------------------------


def test_the_invitation_page_names_the_account_and_gives_one_short_hint(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _invite(world)
    link = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", mail.outbox[-1].body)
    assert link
    page = client.get(link.group(1), follow=True)
    body = page.content.decode()
    assert "Choose your password" in body
    assert re.search(
        r'data-testid="invitation-email">[^<]*<strong[^>]*>jo.bloggs@alpha.example<', body
    )
    assert "At least 12 characters, not a common password, and not like your name or email" in body
    # Django's list of rules, which repeated the page, is gone.
    assert "Your password can’t be too similar" not in body
    assert "<li>Your password" not in body
    weak = client.post(
        page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    ).content.decode()
    assert "jo.bloggs@alpha.example" in weak
    assert "govuk-error-summary" in weak


# --- Back links --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "back"),
    [
        ("staff-history", "staff-list"),
        ("platform-admin-event-list", "home"),
        ("role-request-list", "home"),
    ],
)
def test_back_links(world: World, client: Client, name: str, back: str) -> None:
    body = _signed_in(client, world.users["head"]).get(reverse(name)).content.decode()
    assert re.search(rf'<a href="{re.escape(reverse(back))}" class="govuk-back-link"', body), name
