"""Rotating SIGNING_KEY_ENCRYPTION_KEY (docs/adr/0041): every stored private key is sealed again
under the new key by `manage.py rotate_signing_key_encryption`, keeps signing PDFs that check as
valid and trusted, and is no longer readable with the old key alone; the service reads keys
under either key mid-rotation; a wrong previous key is refused and nothing changes."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support.production_settings import PRODUCTION_ENV, django_setup_with
from tests.support.world import World, add_sibling
from transfers.models import SigningKey, TrustCertificateAuthority
from transfers.signing import keys as signing
from transfers.signing import verify

pytestmark = pytest.mark.django_db

KEY_A, KEY_B, KEY_C = b"A" * 32, b"B" * 32, b"C" * 32


def _setting(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _use(settings, current: bytes, previous: bytes | None = None) -> None:  # type: ignore[no-untyped-def]
    settings.SIGNING_KEY_ENCRYPTION_KEY = _setting(current)
    settings.SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS = _setting(previous) if previous else ""


def _stored() -> list[SigningKey | TrustCertificateAuthority]:
    return [*TrustCertificateAuthority.objects.all(), *SigningKey.objects.all()]


def _snapshot() -> dict[str, tuple[bytes, str]]:
    return {str(o.pk): (bytes(o.private_key_encrypted), o.encryption_key_id) for o in _stored()}


@pytest.fixture(scope="module")
def small_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>CONFIDENTIAL</h1><p>A chronology entry.</p>").write_pdf()


@pytest.fixture
def keys_under_a(world: World, settings) -> World:  # type: ignore[no-untyped-def]
    """Under key A: the trust's CA, a retired and an active key of school A, and a self-signed
    key of the sibling school."""
    add_sibling(world)
    _use(settings, KEY_A)
    signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    assert world.sibling_school is not None
    signing.signing_key_generate(actor=None, school=world.sibling_school, issuer="self")
    assert {o.encryption_key_id for o in _stored()} == {signing._key_id(KEY_A)}
    assert len(_stored()) == 4
    return world


def _signs_and_validates(school, pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    signed = signing.pdf_sign(school=school, pdf=pdf, reason="CP file transfer")
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.intact, check.trusted) == (True, True, True), check


def _rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_signing_key_encryption", *args, stdout=out)
    return out.getvalue()


def test_rotation_reseals_every_key_under_the_new_key(
    keys_under_a: World,
    settings,
    small_pdf: bytes,  # type: ignore[no-untyped-def]
) -> None:
    world = keys_under_a
    _use(settings, KEY_B, previous=KEY_A)

    # Mid-rotation (new key current, old key previous, command not run yet): the service reads
    # keys sealed under A, and a new key is sealed under B.
    assert all(signing.private_key_readable(o) for o in _stored())
    _signs_and_validates(world.school, small_pdf)
    _signs_and_validates(world.sibling_school, small_pdf)

    dry = _rotate("--dry-run")
    assert "4 would be re-encrypted" in dry
    assert {o.encryption_key_id for o in _stored()} == {signing._key_id(KEY_A)}

    assert "4 stored keys re-encrypted under SIGNING_KEY_ENCRYPTION_KEY; 0 already were" in (
        _rotate()
    )
    assert {o.encryption_key_id for o in _stored()} == {signing._key_id(KEY_B)}
    # Idempotent: a second run finds nothing to do and changes nothing.
    before = _snapshot()
    assert "0 stored keys re-encrypted under SIGNING_KEY_ENCRYPTION_KEY; 4 already were" in (
        _rotate()
    )
    assert _snapshot() == before

    # The previous key removed: every key (retired ones too) still opens and signs.
    _use(settings, KEY_B)
    for obj in _stored():
        assert signing.private_key_readable(obj)
        der = signing.private_key_decrypt(
            ciphertext=obj.private_key_encrypted, bound_to=signing._binding(obj)
        )
        with pytest.raises(signing.SigningKeyUnreadableError):  # A alone no longer opens it
            signing.private_key_decrypt(
                ciphertext=obj.private_key_encrypted, bound_to=signing._binding(obj), kek=KEY_A
            )
        assert der
    _signs_and_validates(world.school, small_pdf)
    _signs_and_validates(world.sibling_school, small_pdf)
    # The trust's CA still issues: a new school key made by it signs a trusted PDF.
    signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    _signs_and_validates(world.school, small_pdf)

    # With A as the current key (a server left on the old setting) nothing opens.
    _use(settings, KEY_A)
    assert not any(signing.private_key_readable(o) for o in _stored())
    with pytest.raises(signing.SigningKeyUnreadableError):
        signing.pdf_sign(school=world.school, pdf=small_pdf, reason="x")


def test_a_wrong_previous_key_is_refused_and_nothing_changes(
    keys_under_a: World,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    before = _snapshot()
    _use(settings, KEY_B, previous=KEY_C)
    with pytest.raises(CommandError) as refused:
        _rotate()
    message = str(refused.value)
    assert message.startswith("Nothing was changed: 4 of 4 stored keys cannot be read")
    assert "the signing key of Alpha School" in message
    assert "the certificate authority of" in message
    assert "Check that SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS is the key" in message
    assert "Traceback" not in message
    assert _snapshot() == before


def test_one_unreadable_key_stops_the_whole_rotation(
    keys_under_a: World,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """A key sealed under a third key (an earlier, forgotten rotation) blocks every change."""
    _use(settings, KEY_C)
    assert keys_under_a.sibling_school is not None
    signing.signing_key_generate(actor=None, school=keys_under_a.sibling_school, issuer="self")
    before = _snapshot()
    _use(settings, KEY_B, previous=KEY_A)
    with pytest.raises(CommandError, match=r"1 of 5 stored keys cannot be read.*Gamma School"):
        _rotate()
    assert _snapshot() == before


def test_without_the_previous_key_the_command_says_to_set_it(
    keys_under_a: World,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    _use(settings, KEY_B)
    with pytest.raises(CommandError, match="Set SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS to the key"):
        _rotate()


def test_production_checks_the_previous_key_when_set() -> None:
    ok = django_setup_with(
        {**PRODUCTION_ENV, "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS": _setting(KEY_A)}
    )
    assert ok.returncode == 0, ok.stderr
    bad = django_setup_with(
        {**PRODUCTION_ENV, "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS": "dG9vIHNob3J0"}
    )
    assert bad.returncode != 0
    assert "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS, when set, must be the previous key" in bad.stderr
