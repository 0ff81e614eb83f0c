"""The staff pages: what each person sees, errors beside fields, hostile input, query counts."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from schools.models import MembershipEvent, RoleRequest, User
from schools.staff import services
from tests.support.factories import member
from tests.support.world import World


def _signed_in(client: Any, user: User, school: Any = None) -> Any:
    client.force_login(user)
    if school is not None:
        session = client.session
        session["safeguard_acting_school_id"] = school.pk
        session.save()
    return client


def test_the_admin_has_a_staff_link_and_others_do_not(world: World, client) -> None:
    body = _signed_in(client, world.users["admin"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("staff-list")}"' in body
    # The DSL (and the head) read the list without its buttons (docs/adr/0024); a deputy not.
    body = _signed_in(client, world.users["dsl"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("staff-list")}"' in body
    assert "invite people, give and change their roles" not in body
    assert f'href="{reverse("role-request-list")}"' in body
    body = _signed_in(client, world.users["deputy"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("staff-list")}"' not in body


def test_invite_page_shows_errors_beside_fields_and_keeps_what_was_typed(
    world: World,
    client,
) -> None:
    _signed_in(client, world.users["admin"])
    response = client.post(
        reverse("staff-invite"),
        {"full_name": "Jo Bloggs", "email": "not-an-email", "job_title": "TA"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_email"' in body
    assert 'href="#id_roles_0"' in body
    assert 'id="id_roles-error"' in body
    assert "Choose at least one role" in body
    assert 'value="Jo Bloggs"' in body
    assert 'value="not-an-email"' in body
    assert not User.objects.filter(full_name="Jo Bloggs").exists()


def test_a_service_refusal_lands_beside_its_field(world: World, client) -> None:
    _signed_in(client, world.users["admin"])
    response = client.post(
        reverse("staff-invite"),
        {"full_name": "Sam", "email": world.users["dsl"].email, "roles": ["staff"]},
    )
    assert response.status_code == 200
    assert "already works at Alpha School" in response.content.decode()
    assert 'id="id_email-error"' in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"full_name": "A\x00B", "email": "a@b.example", "roles": ["staff"]},
        {"full_name": "x" * 1_000_000, "email": "a@b.example", "roles": ["staff"]},
        {"full_name": "١٢٣", "email": "x" * 1_000_000 + "@b.example", "roles": ["staff"]},
        {"full_name": "Jo", "email": "a@b.example", "roles": ["superuser", "tso"]},
        {"full_name": "Jo", "email": "a@b.example\x00", "roles": ["staff"]},
        {"full_name": "Jo", "email": "a@b.example", "job_title": "\x00" * 10, "roles": ["dsl"]},
    ],
)
def test_hostile_input_is_refused_without_a_500(world: World, client, data: dict) -> None:
    _signed_in(client, world.users["admin"])
    response = client.post(reverse("staff-invite"), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not RoleRequest.objects.filter(user__email="a@b.example").exists()


def test_unicode_digits_in_a_name_are_just_a_name(world: World, client) -> None:
    _signed_in(client, world.users["admin"])
    response = client.post(
        reverse("staff-invite"),
        {"full_name": "Zoë O’Brien ١٢٣", "email": "zoe@alpha.example", "roles": ["governor"]},
    )
    assert response.status_code == 302
    assert User.objects.get(email="zoe@alpha.example").full_name == "Zoë O’Brien ١٢٣"


def test_a_person_in_two_schools_is_shown_with_this_schools_roles_only(
    world: World,
    client,
) -> None:
    shared = world.users["other_dsl"]
    services.staff_invite(
        actor=world.users["admin"],
        school=world.school,
        email=shared.email,
        full_name=shared.full_name,
        roles=["governor"],
    )
    _signed_in(client, world.users["admin"])
    listing = client.get(reverse("staff-list")).content.decode()
    assert escape(shared.full_name) in listing  # a generated name may have an apostrophe
    assert "Designated Safeguarding Governor" in listing
    page = client.get(reverse("staff-detail", kwargs={"pk": shared.pk})).content.decode()
    assert "Designated Safeguarding Governor" in page
    assert "Designated Safeguarding Lead" not in page
    assert "Beta School" not in page
    assert "Beta School" not in listing


def test_an_admin_of_one_school_never_reaches_another_schools_people(
    world: World,
    client,
) -> None:
    other_admin = member(world.other_school, "admin", email="admin@beta.example")
    _signed_in(client, other_admin)
    beta_listing = client.get(reverse("staff-list")).content.decode()
    assert world.users["dsl"].email not in beta_listing
    for name in ["staff-detail", "staff-roles", "staff-leaver"]:
        url = reverse(name, kwargs={"pk": world.users["dsl"].pk})
        assert client.get(url).status_code == 404
    for name in ["staff-invite-resend", "staff-password-reset", "staff-leaver"]:
        url = reverse(name, kwargs={"pk": world.users["dsl"].pk})
        assert client.post(url).status_code == 404
    assert world.users["dsl"].school_memberships.count() == 1
    assert client.get(reverse("staff-detail", kwargs={"pk": 10**30})).status_code == 404


def test_changing_roles_on_the_page(world: World, client) -> None:
    staff = world.users["staff"]
    _signed_in(client, world.users["admin"])
    url = reverse("staff-roles", kwargs={"pk": staff.pk})
    form = client.get(url).content.decode()
    assert 'value="staff" aria-describedby="id_roles_0-hint" checked' in form
    response = client.post(url, {"roles": ["staff", "deputy"]}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Waiting for the headteacher or the DSL to confirm" in body
    assert client.post(url, {"roles": []}).status_code == 200  # error beside the checkboxes


def test_leaver_page_then_list(world: World, client) -> None:
    staff = world.users["staff"]
    _signed_in(client, world.users["admin"])
    url = reverse("staff-leaver", kwargs={"pk": staff.pk})
    assert "Mark as a leaver" in client.get(url).content.decode()
    response = client.post(url, {"note": "Moved away"}, follow=True)
    body = response.content.decode()
    assert "their account is switched off" in body
    assert 'data-testid="staff-leavers"' in body
    assert escape(staff.full_name) in body
    assert client.post(url, {"note": "x" * 501}).status_code == 200  # refused beside the note


def test_confirm_and_decline_pages(world: World, client) -> None:
    admin = world.users["admin"]
    first = services.staff_invite(
        actor=admin, school=world.school, email="a@alpha.example", full_name="A A", roles=["dsl"]
    )
    second = services.staff_invite(
        actor=admin, school=world.school, email="b@alpha.example", full_name="B B", roles=["head"]
    )
    _signed_in(client, world.users["head"])
    waiting = client.get(reverse("role-request-list")).content.decode()
    assert "A A" in waiting
    assert "B B" in waiting
    first_request = RoleRequest.objects.get(user=first)
    response = client.post(reverse("role-request-confirm", kwargs={"pk": first_request.pk}))
    assert response.status_code == 302
    second_request = RoleRequest.objects.get(user=second)
    decline = reverse("role-request-decline", kwargs={"pk": second_request.pk})
    empty = client.post(decline, {"reason": ""})
    assert empty.status_code == 200
    assert "Enter why the role is declined" in empty.content.decode()
    assert client.post(decline, {"reason": "Not agreed by governors"}).status_code == 302
    history = client.get(reverse("staff-history")).content.decode()
    assert "Role confirmed: Designated Safeguarding Lead" in history
    assert "Not agreed by governors" in history
    # The person whose role was declined holds no role: the request is a 404 to them.
    _signed_in(client, second)
    detail = reverse("role-request-detail", kwargs={"pk": second_request.pk})
    assert client.get(detail).status_code == 404


def test_history_is_for_the_head_dsl_and_admin(world: World, client) -> None:
    for role, status in [
        ("head", 200),
        ("dsl", 200),
        ("admin", 200),
        ("deputy", 403),
        ("staff", 403),
        ("tso", 403),
    ]:
        _signed_in(client, world.users[role])
        assert client.get(reverse("staff-history")).status_code == status, role


def test_trust_pages(world: World, client) -> None:
    tso = world.users["tso"]
    _signed_in(client, tso)
    assert escape(tso.full_name) in client.get(reverse("trust-staff-list")).content.decode()
    bad = client.post(reverse("trust-staff-invite"), {"full_name": "", "email": "x"})
    assert bad.status_code == 200
    assert "There is a problem" in bad.content.decode()
    ok = client.post(
        reverse("trust-staff-invite"),
        {"full_name": "Second Officer", "email": "second@northgate-test.example"},
    )
    assert ok.status_code == 302
    own = client.post(reverse("trust-role-remove", kwargs={"pk": tso.pk}), follow=True)
    assert "own last trust role" in own.content.decode()
    second = User.objects.get(email="second@northgate-test.example")
    client.post(reverse("trust-role-remove", kwargs={"pk": second.pk}))
    assert not second.trust_memberships.exists()


def test_staff_list_query_count_is_constant(world: World, client) -> None:
    admin = world.users["admin"]
    _signed_in(client, admin)

    def count() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("staff-list"))
        assert response.status_code == 200
        return len(queries), response.content.decode()

    def add_people(n: int, start: int) -> None:
        for i in range(start, start + n):
            services.staff_invite(
                actor=admin,
                school=world.school,
                email=f"p{i}@alpha.example",
                full_name=f"Person Number{i}",
                roles=["staff", "deputy"] if i % 2 else ["governor"],
            )

    add_people(3, 0)
    count()  # the first request warms caches (content types)
    few, body = count()
    assert "Person Number0" in body
    assert body.count('data-testid="staff-row"') == 6 + 3
    add_people(9, 3)
    services.staff_deactivate(
        actor=admin, school=world.school, person=User.objects.get(email="p1@alpha.example")
    )
    many, body = count()
    assert body.count('data-testid="staff-row"') == 6 + 12 - 1
    assert "Person Number11" in body
    assert 'data-testid="staff-leavers"' in body
    assert many == few
    assert MembershipEvent.objects.filter(school=world.school).count() > 20


def test_details_page_corrects_a_name_and_says_why_not_for_a_shared_person(
    world: World,
    client,
) -> None:
    _signed_in(client, world.users["admin"])
    staff = world.users["staff"]
    url = reverse("staff-details", kwargs={"pk": staff.pk})
    empty = client.post(url, {"full_name": "", "job_title": "\x00"})
    assert empty.status_code == 200
    assert "Enter their full name" in empty.content.decode()
    assert client.post(url, {"full_name": "Robin Fixed", "job_title": "TA"}).status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "Robin Fixed"
    shared = world.users["other_dsl"]
    services.staff_invite(
        actor=world.users["admin"],
        school=world.school,
        email=shared.email,
        full_name=shared.full_name,
        roles=["staff"],
    )
    page = client.get(reverse("staff-details", kwargs={"pk": shared.pk})).content.decode()
    assert 'data-testid="staff-details-shared"' in page
    assert "<form" not in page.split('id="main-content"')[-1]


def test_a_second_click_on_confirm_by_the_tso_says_it_is_done(world: World, client) -> None:
    from tests.support.factories import SchoolFactory

    gamma = SchoolFactory(trust=world.school.trust, name="Gamma School", slug="gamma")
    admin = member(gamma, "admin", email="admin@gamma.example")
    head = services.staff_invite(
        actor=admin, school=gamma, email="head@gamma.example", full_name="G H", roles=["head"]
    )
    request = RoleRequest.objects.get(user=head)
    _signed_in(client, world.users["tso"])
    confirm = reverse("role-request-confirm", kwargs={"pk": request.pk})
    assert client.post(confirm).status_code == 302
    again = client.post(confirm, follow=True)
    assert again.status_code == 200
    assert "already confirmed" in again.content.decode()
    assert 'data-testid="role-request-status">Confirmed' in again.content.decode()
    assert head.school_memberships.get(school=gamma).role == "head"


def test_a_tso_never_reaches_another_trusts_officers_or_requests(world: World, client) -> None:
    from tests.support.factories import SchoolFactory, trust_member

    other_trust = world.other_school.trust
    assert other_trust != world.school.trust
    other_tso = trust_member(other_trust, "tso", email="tso@other-trust.example")
    # A school of the other trust going live: its CP roles are the other trust's TSO's to confirm.
    delta = SchoolFactory(trust=other_trust, name="Delta School", slug="delta")
    admin = member(delta, "admin", email="admin@delta.example")
    head = services.staff_invite(
        actor=admin, school=delta, email="head@delta.example", full_name="D H", roles=["head"]
    )
    request = RoleRequest.objects.get(user=head)
    _signed_in(client, world.users["tso"])
    assert "D H" not in client.get(reverse("role-request-list")).content.decode()
    for name in ["role-request-detail", "role-request-confirm", "role-request-decline"]:
        url = reverse(name, kwargs={"pk": request.pk})
        response = client.get(url) if name == "role-request-detail" else client.post(url)
        assert response.status_code == 404, name
    remove = reverse("trust-role-remove", kwargs={"pk": other_tso.pk})
    assert client.get(remove).status_code == 404
    assert client.post(remove).status_code == 404
    assert other_tso.trust_memberships.count() == 1
    assert RoleRequest.objects.get(pk=request.pk).status == RoleRequest.Status.PENDING
    _signed_in(client, other_tso)
    assert "D H" in client.get(reverse("role-request-list")).content.decode()


def test_the_staff_list_is_read_a_page_at_a_time(world: World, client, monkeypatch) -> None:
    """Issue 18: the people working here first, then the leavers, each by name, read a page at
    a time in the database; the roles waiting are counted over every page."""
    from schools.staff import selectors
    from schools.staff import views as staff_views

    monkeypatch.setattr(staff_views, "STAFF_PER_PAGE", 5)
    admin = world.users["admin"]
    _signed_in(client, admin)
    for i in range(6):
        services.staff_invite(
            actor=admin,
            school=world.school,
            email=f"p{i}@alpha.example",
            full_name=f"Person Number{i}",
            roles=["staff", "deputy"],  # the deputy's role waits for confirmation
        )
    for i in (0, 1):
        services.staff_deactivate(
            actor=admin, school=world.school, person=User.objects.get(email=f"p{i}@alpha.example")
        )
    rows = selectors.staff_rows(selectors.staff_list_for(actor=admin, school=world.school))
    working = [r.person.full_name for r in rows if r.works_here]
    leavers = [r.person.full_name for r in rows if not r.works_here]
    assert leavers == ["Person Number0", "Person Number1"]
    assert working == sorted(working)
    assert len(working) == 10  # six of the world's and four of these
    waiting = RoleRequest.objects.filter(school=world.school, status="pending").count()
    assert waiting == 4

    pages = []
    for number in range(1, 4):
        body = client.get(reverse("staff-list") + f"?page={number}").content.decode()
        assert f"{waiting} roles waiting" in body, number  # every page says how many wait
        pages.append(body)
    shown = [  # the names as the reader sees them: an O'Sullivan is escaped in the HTML
        [
            html.unescape(name)
            for name in re.findall(
                r'data-testid="staff-row">\s*<th scope="row" class="govuk-table__header">'
                r'<a class="govuk-link" href="[^"]+">([^<]+)</a>',
                page,
            )
        ]
        for page in pages
    ]
    assert shown[0] == working[:5]
    assert shown[1] == working[5:10]
    # The leavers follow the last of those working here, on the page where they end.
    last = (len(working) + len(leavers) - 1) // 5
    assert 'data-testid="staff-leavers"' in pages[last]
    assert all('data-testid="staff-leavers"' not in p for i, p in enumerate(pages) if i < last)
    assert escape("Person Number0") in pages[last]
    assert not shown[last]  # ten working here: the third page holds the leavers alone, with no
    # empty table of people with a role
    assert 'data-testid="staff-list"' not in pages[last]
