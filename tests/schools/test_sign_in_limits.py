"""Issue 16: the person's own address behind a trusted proxy; the lock on an account at one
address (failures elsewhere no longer lock a DSL out at school); limits on one address trying many
accounts and on one account tried from many addresses; and a cap on password-reset emails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.models import AccessLog
from safeguard.client_ip import client_ip
from tests.support.factories import PASSWORD
from tests.support.world import Records, World

pytestmark = pytest.mark.django_db

SCHOOL, ELSEWHERE, THIRD = "81.2.69.142", "203.0.113.9", "198.51.100.7"


def _sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = SCHOOL) -> Any:
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.5", "10.0.0.5"),  # no proxy trusted: the header is the client's
        (1, "1.2.3.4", "10.0.0.5", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "10.0.0.5", "1.2.3.4"),  # a forged entry to the left is ignored
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "10.0.0.5", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.5", "10.0.0.5"),  # shorter than the proxies: no guess
        (1, "not-an-address", "10.0.0.5", "10.0.0.5"),
        (1, "2001:db8::1", "10.0.0.5", "2001:db8::1"),
    ],
)
def test_the_persons_address_behind_trusted_proxies(
    settings: Any, proxies: int, forwarded: str, remote: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_the_access_log_records_the_persons_address_not_the_proxys(
    settings: Any, client: Client, world: World, records: dict[str, Records]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(world.users["dsl"])
    concern = records["own"].concern
    url = reverse("concern-detail", kwargs={"pk": concern.pk})
    response = client.get(url, HTTP_X_FORWARDED_FOR=SCHOOL, REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 200
    assert AccessLog.objects.filter(record_id=str(concern.pk)).latest("created_at").ip_address == (
        SCHOOL
    )


def test_failures_from_elsewhere_do_not_lock_the_dsl_out_at_school(
    client: Client, world: World
) -> None:
    for _ in range(12):
        _sign_in(client, "dsl@alpha.example", "wrong", ip=ELSEWHERE)
    assert _sign_in(client, "dsl@alpha.example", ip=ELSEWHERE).status_code == 429
    assert _sign_in(Client(), "dsl@alpha.example", ip=SCHOOL).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(
    settings: Any, client: Client, world: World
) -> None:
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 6
    for role in ["staff", "dsl", "deputy", "head", "admin", "governor"]:
        assert _sign_in(client, f"{role}@alpha.example", "wrong", ip=ELSEWHERE).status_code == 200
    refused = _sign_in(Client(), "staff@alpha.example", ip=ELSEWHERE)  # even the right password
    assert refused.status_code == 429
    assert "too many wrong attempts" in refused.content.decode()
    assert _sign_in(Client(), "staff@alpha.example", ip=SCHOOL).status_code == 302


def test_one_account_tried_from_many_addresses_is_stopped(
    settings: Any, client: Client, world: World
) -> None:
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 6
    for ip in [ELSEWHERE, THIRD]:
        for _ in range(3):
            _sign_in(client, "head@alpha.example", "wrong", ip=ip)
    assert _sign_in(Client(), "head@alpha.example", ip="192.0.2.44").status_code == 429
    assert _sign_in(Client(), "staff@alpha.example", ip="192.0.2.44").status_code == 302


def test_a_right_password_clears_the_accounts_failures(
    settings: Any, client: Client, world: World
) -> None:
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 4
    for _ in range(3):
        _sign_in(client, "head@alpha.example", "wrong", ip=ELSEWHERE)
    assert _sign_in(Client(), "head@alpha.example", ip=SCHOOL).status_code == 302
    _sign_in(client, "head@alpha.example", "wrong", ip=ELSEWHERE)
    assert _sign_in(Client(), "head@alpha.example", ip=THIRD).status_code == 302


def test_reset_emails_are_capped_and_the_page_says_the_same(client: Client, world: World) -> None:
    url = reverse("password_reset")
    pages = [client.post(url, {"email": "dsl@alpha.example"}) for _ in range(5)]
    assert len(mail.outbox) == 3
    assert {p["Location"] for p in pages} == {reverse("password_reset_done")}
