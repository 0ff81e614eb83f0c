"""Sign-in, lock-out, session expiry and password reset."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.support.auth import app_for, demo_code
from tests.support.factories import PASSWORD
from tests.support.world import World

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def _sign_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def _sign_in_with_app(client, world: World, email: str = "dsl@alpha.example"):
    """The password, then the code from the person's authenticator app (docs/adr/0028)."""
    app_for(next(u for u in world.users.values() if u.email == email))
    response = _sign_in(client, email)
    client.post(reverse("two-factor-verify"), {"code": demo_code()})
    return response


def test_right_password_signs_in_and_lands_home(client, world: World) -> None:
    app_for(world.users["dsl"])
    response = _sign_in(client, "DSL@Alpha.Example")  # email is not case-sensitive
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    # A DSL then confirms it is them with their authenticator app, and is home.
    second = client.get(reverse("home"))
    assert second["Location"] == f"{reverse('two-factor-verify')}?next=%2F"
    assert client.post(second["Location"], {"code": demo_code()})["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_wrong_password_says_so_next_to_the_form(client, world: World) -> None:
    response = _sign_in(client, "dsl@alpha.example", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    # The message sits at the email field, the summary links to it, and both inputs are marked.
    assert '<p id="id_username-error" class="govuk-error-message">' in page
    assert '<a href="#id_username">The email address or password is not right.' in page
    assert page.count("govuk-input--error") == 2
    assert 'value="dsl@alpha.example"' in page  # what was typed is kept


def test_empty_form_names_each_field(client, world: World) -> None:
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert "Enter your email address" in page
    assert "Enter your password" in page


def test_account_locks_after_ten_failures_even_with_the_right_password(
    client, world: World
) -> None:
    for _ in range(9):
        assert _sign_in(client, "dsl@alpha.example", "wrong").status_code == 200
    tenth = _sign_in(client, "dsl@alpha.example", "wrong")
    assert tenth.status_code == 429
    assert "Your account is locked" in tenth.content.decode()
    locked = _sign_in(client, "dsl@alpha.example")
    assert locked.status_code == 429
    assert "30 minutes" in locked.content.decode()
    # Another person at the same school (same IP) can still sign in.
    assert _sign_in(client, "staff@alpha.example").status_code == 302


def test_lock_lifts_after_thirty_minutes(client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(10):
            _sign_in(client, "dsl@alpha.example", "wrong")
        assert _sign_in(client, "dsl@alpha.example").status_code == 429
        clock.shift(datetime.timedelta(minutes=31))
        assert _sign_in(client, "dsl@alpha.example").status_code == 302


def test_session_ends_after_thirty_minutes_idle(client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        assert _sign_in_with_app(client, world).status_code == 302
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200  # activity renews the session
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("pupil-list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_session_ends_twelve_hours_after_sign_in_however_active(client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        assert _sign_in_with_app(client, world).status_code == 302
        for _ in range(12 * 3):  # a request every 20 minutes for 12 hours
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=20))
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert "signed out 12 hours after signing in" in response.content.decode()


def test_session_cookie_is_http_only_and_ends_with_the_browser(client, world: World) -> None:
    _sign_in(client, "dsl@alpha.example")
    cookie = client.cookies["safeguard_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]  # a browser-session cookie: closing the browser ends it


def test_password_reset_by_email(client, world: World) -> None:
    response = client.post(reverse("password_reset"), {"email": "Staff@alpha.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff@alpha.example"]
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "a-brand-new-long-password"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert _sign_in(client, "staff@alpha.example", new).status_code == 302
    # The link works once.
    assert "This link has expired" in client.get(link, follow=True).content.decode()


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client, db) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("bad", ["", "not-an-email"])
def test_password_reset_validates_the_address(client, db, bad: str) -> None:
    page = client.post(reverse("password_reset"), {"email": bad}).content.decode()
    assert "There is a problem" in page
    assert mail.outbox == []


def test_changing_the_emails_case_does_not_get_round_the_lock(client, world: World) -> None:
    variants = ["dsl@alpha.example", "DSL@alpha.example", "Dsl@Alpha.Example", " dsl@ALPHA.example"]
    for n in range(10):
        _sign_in(client, variants[n % len(variants)], "wrong")
    for variant in variants:
        assert _sign_in(client, variant).status_code == 429


def test_resetting_the_password_lifts_the_lock(client, world: World) -> None:
    for _ in range(10):
        _sign_in(client, "staff@alpha.example", "wrong")
    assert _sign_in(client, "staff@alpha.example").status_code == 429
    client.post(reverse("password_reset"), {"email": "staff@alpha.example"})
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    new = "another-long-new-password"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert _sign_in(client, "staff@alpha.example", new).status_code == 302


def test_signing_out_says_so(client, world: World) -> None:
    _sign_in(client, "dsl@alpha.example")
    page = client.post(reverse("logout"), follow=True).content.decode()
    assert "You have signed out." in page
    assert client.get(reverse("home")).status_code == 302


def test_pages_are_never_stored_by_the_browser(client, world: World) -> None:
    _sign_in(client, "dsl@alpha.example")
    response = client.get(reverse("pupil-list"))
    assert response["Cache-Control"] == "no-store"
    assert "HX-Request" in response["Vary"]


def test_expired_session_sends_an_htmx_search_to_sign_in(client, world: World) -> None:
    with time_machine.travel(START, tick=False) as clock:
        _sign_in(client, "dsl@alpha.example")
        clock.shift(datetime.timedelta(minutes=45))
        response = client.post(reverse("pupil-list"), {"q": "al"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("login"))
        assert response.content == b""


@pytest.mark.parametrize("typed", ["dsl@alpha.example\x00", "a" * 1_000_000, "\x00" * 300])
def test_an_email_address_no_one_has_is_refused_like_any_other(
    client, world: World, typed: str
) -> None:
    """Issue 16: the name django-axes counts failures under is stored (no NUL, 254 characters at
    most) rather than a server error; the page says so at the email address, with what was
    typed."""
    response = _sign_in(client, typed, "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<p id="id_username-error" class="govuk-error-message">' in page
    assert f'value="{typed[:1000]}' in page
