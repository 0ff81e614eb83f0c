"""A person's own account (issue 16): changing the password signs them out everywhere else;
the list of where they are signed in, and signing out everywhere else; an idle session ends even
while a page polls by itself, and the sign-in page says why."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import SignedInSession
from tests.support.factories import PASSWORD
from tests.support.world import World

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Mobile/15E148 Safari/604.1"
)


def _signed_in(email: str, agent: str = CHROME_WINDOWS, ip: str = "81.2.69.142") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_changing_the_password_signs_out_everywhere_else_and_emails(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    here, there = _signed_in("staff@alpha.example"), _signed_in("staff@alpha.example")
    url = reverse("account-password")
    wrong = here.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert wrong.status_code == 200
    page = wrong.content.decode()
    assert 'id="id_old_password-error"' in page
    assert "current password is not right" in page
    new = "a-brand-new-passphrase-42"
    with django_capture_on_commit_callbacks(execute=True):
        done = here.post(
            url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True
        )
    assert done.redirect_chain == [(reverse("account-security"), 302)]
    assert "You were signed out in 1 other place" in done.content.decode()
    assert here.get(reverse("home")).status_code == 200
    assert there.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert mail.outbox[-1].subject == "Your Safeguard password was changed"


def test_the_list_of_where_they_are_signed_in_is_theirs_alone(world: World) -> None:
    laptop = _signed_in("staff@alpha.example")
    phone = _signed_in("staff@alpha.example", SAFARI_IPHONE, "203.0.113.9")
    _signed_in("governor@alpha.example", ip="198.51.100.7")  # someone else
    page = laptop.get(reverse("account-sessions")).content.decode()
    assert "Chrome on Windows" in page
    assert "Safari on iPhone" in page
    assert "203.0.113.9" in page
    assert "198.51.100.7" not in page
    assert page.count("This one") == 1
    assert phone.get(reverse("home")).status_code == 200
    laptop.post(reverse("account-sessions-end"))
    assert phone.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert laptop.get(reverse("home")).status_code == 200
    assert SignedInSession.objects.filter(user=world.users["staff"]).count() == 1
    assert SignedInSession.objects.filter(user=world.users["governor"]).count() == 1


def test_the_list_takes_the_same_queries_however_many_places(world: World) -> None:
    """Session, user 2; savepoints 4; the person's permissions 1, acting school 1, the sessions
    still live (one query, EXISTS on Django's sessions) 1; the header's restricted concerns 1 and
    badges 1; the session's last activity written 1 (the second factor: none for staff)."""
    laptop = _signed_in("staff@alpha.example")
    url = reverse("account-sessions")
    laptop.get(url)  # once first: a session's first request costs more

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert laptop.get(url).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for n in range(5):
        _signed_in("staff@alpha.example", SAFARI_IPHONE, f"203.0.113.{n + 10}")
    page = laptop.get(url).content.decode()
    assert page.count("Safari on iPhone") == 5
    assert count() == few == 12


def test_a_page_polling_by_itself_does_not_keep_an_idle_session_alive(world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in("staff@alpha.example")
        background = {"X-Safeguard-Background": "1"}
        for _ in range(6):  # 6 x 5 minutes of polling with nobody there
            clock.shift(datetime.timedelta(minutes=5))
            assert client.get(reverse("home"), headers=background).status_code == 200
        clock.shift(datetime.timedelta(minutes=1))
        ended = client.get(reverse("home"), follow=True)
    assert ended.redirect_chain[0][0].startswith(reverse("login"))
    assert "had not used Safeguard for 30 minutes" in ended.content.decode()


def test_staying_signed_in_counts_and_the_person_is_told_when_the_server_ended_it(
    world: World,
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        client = _signed_in("staff@alpha.example")
        clock.shift(datetime.timedelta(minutes=26))
        assert client.get(reverse("account-keep-alive")).status_code == 204
        clock.shift(datetime.timedelta(minutes=26))
        assert client.get(reverse("home")).status_code == 200  # 26 minutes since "stay"
        clock.shift(datetime.timedelta(minutes=45))  # the browser was closed on the laptop lid
        page = client.get(reverse("login")).content.decode()
    assert "had not used Safeguard for 30 minutes" in page
