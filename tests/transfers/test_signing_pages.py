"""The school's "Signing certificate" pages: who sees them, making and uploading keys, downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.support.pages import error_beside, page_text
from tests.support.transfers import pkcs12_file
from tests.support.world import World
from transfers.models import SigningKey, SigningKeyOrigin
from transfers.signing import keys as signing

pytestmark = pytest.mark.django_db

PAGE = "signing-certificate"


def _login(client, world: World, role: str = "dsl"):
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", ["dsl", "deputy"])
def test_the_dsl_and_deputies_see_the_page_before_any_key(client, world: World, role: str) -> None:
    response = _login(client, world, role).get(reverse(PAGE))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha School has no signing certificate yet" in body
    assert "Make a new certificate" in body


@pytest.mark.parametrize("role", ["staff", "head", "admin", "governor", "tso"])
def test_other_roles_may_not_see_or_change_the_key(client, world: World, role: str) -> None:
    _login(client, world, role)
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.post(reverse("signing-key-new"), {"issuer": "trust"}).status_code == 403
    upload = SimpleUploadedFile("school.p12", pkcs12_file())
    response = client.post(
        reverse("signing-key-upload"), {"pkcs12": upload, "password": "correct horse"}
    )
    assert response.status_code == 403
    assert not SigningKey.objects.exists()


def test_the_dsl_makes_a_key_issued_by_the_trust(client, world: World) -> None:
    _login(client, world)
    form = client.get(reverse("signing-key-new"))
    assert "Northgate&#x27;s certificate authority (recommended)" in form.content.decode()
    response = client.post(reverse("signing-key-new"), {"issuer": "trust"})
    assert response.status_code == 302
    assert response.url == reverse(PAGE)
    key = SigningKey.objects.get(school=world.school)
    assert key.origin == SigningKeyOrigin.TRUST_CA
    assert key.created_by == world.users["dsl"]
    page = client.get(reverse(PAGE)).content.decode()
    assert "signs every file sent from now on" in page
    assert "Alpha School Designated Safeguarding Lead" in page
    assert "Northgate Safeguarding Signing CA" in page
    assert key.fingerprint_display in page
    assert key.valid_until.strftime("%-d %B %Y") in page
    assert f"by {world.users['dsl'].full_name}" in page
    assert "Earlier certificates" not in page


def test_choosing_no_issuer_is_an_error_beside_the_question(client, world: World) -> None:
    response = _login(client, world).post(reverse("signing-key-new"), {})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'id="id_issuer-error"' in body
    assert "Choose who issues the certificate" in body
    assert not SigningKey.objects.exists()


def test_upload_with_the_wrong_password_says_so_beside_the_password(client, world: World) -> None:
    upload = SimpleUploadedFile("school.p12", pkcs12_file())
    response = _login(client, world).post(
        reverse("signing-key-upload"), {"pkcs12": upload, "password": "not it"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#id_password">The password is wrong' in body
    assert 'id="id_password-error"' in body
    assert not SigningKey.objects.exists()


def test_the_upload_page_says_why_beside_the_field(client, world: World) -> None:
    client.force_login(world.users["other_dsl"])
    response = client.post(
        reverse("signing-key-upload"),
        {
            "pkcs12": SimpleUploadedFile("cert.p12", pkcs12_file()),
            "password": "correct horse",
        },
    )
    error_beside(page_text(response), "pkcs12", "not to Beta School")


def test_upload_without_a_file(client, world: World) -> None:
    response = _login(client, world).post(reverse("signing-key-upload"), {"password": "x"})
    assert response.status_code == 200
    assert "Choose a PKCS#12 file (.p12 or .pfx)" in response.content.decode()


def test_upload_replaces_the_key_and_keeps_the_old_one_listed(client, world: World) -> None:
    old = signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    upload = SimpleUploadedFile("school.p12", pkcs12_file())
    response = _login(client, world).post(
        reverse("signing-key-upload"), {"pkcs12": upload, "password": "correct horse"}
    )
    assert response.status_code == 302
    new = SigningKey.objects.get(school=world.school, active=True)
    assert new.origin == SigningKeyOrigin.UPLOADED
    page = client.get(reverse(PAGE)).content.decode()
    assert "Jo Bloggs, DSL" in page
    assert "Earlier certificates" in page
    history = page.split('data-testid="signing-history"')[1]
    assert old.fingerprint_display[:23] in history
    assert new.fingerprint_display[:23] not in history
    assert "automatically, when the school" not in page  # the active key was made by a person


def test_a_key_near_its_end_is_flagged(client, world: World) -> None:
    key = signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    SigningKey.objects.filter(pk=key.pk).update(valid_until=timezone.now() + dt.timedelta(days=30))
    page = _login(client, world).get(reverse(PAGE)).content.decode()
    assert "This certificate expires in 29 days" in page
    assert "automatically, when the school first signed a file" in page
    SigningKey.objects.filter(pk=key.pk).update(valid_until=timezone.now() - dt.timedelta(days=1))
    page = client.get(reverse(PAGE)).content.decode()
    assert "This certificate expired on" in page


def test_certificate_download_holds_the_certificate_and_its_issuer(client, world: World) -> None:
    key = signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    response = _login(client, world).get(reverse("signing-certificate-download", args=[key.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert "attachment" in response["Content-Disposition"]
    certs = x509.load_pem_x509_certificates(response.content)
    assert [c.subject.rfc4514_string().split(",")[0] for c in certs] == [
        "CN=Alpha School Designated Safeguarding Lead",
        "CN=Northgate Safeguarding Signing CA",
    ]
    assert certs[0].issuer == certs[1].subject
    assert b"PRIVATE KEY" not in response.content


def test_another_schools_key_is_not_found(client, world: World) -> None:
    key = signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    client.force_login(world.users["other_dsl"])
    assert client.get(reverse("signing-certificate-download", args=[key.pk])).status_code == 404
    client.force_login(world.users["admin"])
    assert client.get(reverse("signing-certificate-download", args=[key.pk])).status_code == 404


def test_home_links_to_the_page_for_those_who_send_files(client, world: World) -> None:
    assert (
        'data-testid="home-signing-certificate"' in _login(client, world).get("/").content.decode()
    )
    client.force_login(world.users["admin"])
    assert 'data-testid="home-signing-certificate"' not in client.get("/").content.decode()


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(PAGE)).status_code == 200
    keys = [q for q in queries.captured_queries if "transfers_signingkey" in q["sql"]]
    assert len(keys) == 1  # the keys, their issuers and makers in one query
    return len(queries)


def test_page_query_count_does_not_grow_with_the_history(client, world: World) -> None:
    signing.signing_key_generate(actor=world.users["dsl"], school=world.school, issuer="trust")
    _login(client, world)
    _page_queries(client)  # warm the session and content-type caches
    one = _page_queries(client)
    for _ in range(3):
        signing.signing_key_generate(
            actor=world.users["deputy"], school=world.school, issuer="self"
        )
    assert _page_queries(client) == one
    # Session, user, second factor, permissions, schools, keys, header counts, session save (+
    # savepoints).
    assert one <= 13, one


def test_a_key_this_server_cannot_read_is_flagged_and_the_trust_ca_refused(
    client, world: World, settings
) -> None:
    import base64

    signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    settings.SIGNING_KEY_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
    page = _login(client, world).get(reverse(PAGE)).content.decode()
    assert "private key cannot be read on this server" in page
    response = client.post(reverse("signing-key-new"), {"issuer": "trust"})
    assert response.status_code == 200
    assert "cannot issue certificates on this server" in response.content.decode()
    assert client.post(reverse("signing-key-new"), {"issuer": "self"}).status_code == 302
    assert "private key cannot be read" not in client.get(reverse(PAGE)).content.decode()
