"""School signing keys and PAdES signatures: pyHanko and poppler's pdfsig agree."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.support.factories import SchoolFactory
from tests.support.transfers import pkcs12_file
from tests.support.world import World
from transfers.models import SigningKey, SigningKeyOrigin, TrustCertificateAuthority
from transfers.signing import keys as signing
from transfers.signing import verify

pytestmark = pytest.mark.django_db

# Checked by a second implementation, never skipped: `make test` installs both
# (scripts/system-packages.sh), and a machine without them must fail, not pass quietly.
PDFSIG = shutil.which("pdfsig")
OPENSSL = shutil.which("openssl")


def test_the_second_implementations_are_installed() -> None:
    assert PDFSIG, "poppler-utils (pdfsig) is missing: run make system-packages"
    assert OPENSSL, "openssl is missing: run make system-packages"


@pytest.fixture(scope="module")
def weasy_pdf() -> bytes:
    """A small PDF made the way the CP-file export makes them (WeasyPrint)."""
    from weasyprint import HTML

    html = (
        "<html><body><h1>CONFIDENTIAL</h1>"
        "<p>For the attention of the Designated Safeguarding Lead.</p>"
        + "".join(f"<p>Chronology entry {n}: a call with the social worker.</p>" for n in range(60))
        + "</body></html>"
    )
    return HTML(string=html).write_pdf()


@pytest.fixture
def school_key(world: World) -> SigningKey:
    return signing.signing_key_generate(
        actor=world.users["dsl"], school=world.school, issuer="trust"
    )


def _pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed tool on a file we wrote)
        [PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return result.stdout + result.stderr


def _byte_in_signed_content(pdf: bytes) -> int:
    """The offset of a byte the signature covers: inside the page content, not the signature."""
    start = pdf.index(b"stream\n", pdf.index(b"/Length")) + len(b"stream\n")
    contents = pdf.index(b"/Contents <")
    assert start < contents  # the first stream comes before the signature dictionary
    return start + 10


def _flip(pdf: bytes, offset: int) -> bytes:
    return pdf[:offset] + bytes([pdf[offset] ^ 0x01]) + pdf[offset + 1 :]


# Keys ------------------------------------------------------------------------------------------


def test_generated_key_is_issued_by_the_trust_ca(world: World, school_key: SigningKey) -> None:
    cert = x509.load_pem_x509_certificate(school_key.certificate_pem.encode())
    ca = TrustCertificateAuthority.objects.get(trust=world.school.trust)
    ca_cert = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    assert cert.issuer == ca_cert.subject
    ca_cert.public_key().verify(
        cert.signature,
        cert.tbs_certificate_bytes,
        __import__(
            "cryptography.hazmat.primitives.asymmetric.padding", fromlist=["PKCS1v15"]
        ).PKCS1v15(),
        cert.signature_hash_algorithm,
    )
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "Alpha School Designated Safeguarding Lead"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Alpha School"
    assert f"DfE URN {world.school.urn}" in cert.subject.rfc4514_string()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not usage.key_cert_sign
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 3 <= years <= 5
    assert school_key.origin == SigningKeyOrigin.TRUST_CA
    assert school_key.issuer_ca == ca
    assert school_key.fingerprint_sha256 == cert.fingerprint(hashes.SHA256()).hex()
    assert school_key.created_by == world.users["dsl"]
    assert school_key.active


def test_a_long_school_name_still_fits_the_common_name(world: World) -> None:
    school = SchoolFactory(
        trust=world.school.trust, name="The " + "Very Long Name " * 6 + "Academy"
    )
    key = signing.signing_key_generate(actor=None, school=school, issuer="self")
    assert len(key.subject_common_name) <= 64
    assert key.subject_common_name.endswith("DSL")
    assert key.organisation.startswith("The Very Long Name")


def test_one_trust_ca_for_every_school_of_the_trust(world: World) -> None:
    sibling = SchoolFactory(trust=world.school.trust)
    first = signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    second = signing.signing_key_generate(actor=None, school=sibling, issuer="trust")
    assert first.issuer_ca_id == second.issuer_ca_id
    assert TrustCertificateAuthority.objects.filter(trust=world.school.trust).count() == 1


def test_a_new_key_retires_the_old_one_and_keeps_it(world: World, school_key: SigningKey) -> None:
    newer = signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    school_key.refresh_from_db()
    assert not school_key.active
    assert school_key.retired_at is not None
    assert newer.active
    assert newer.origin == SigningKeyOrigin.SELF_SIGNED
    assert signing.signing_key_active(school=world.school) == newer
    assert SigningKey.objects.filter(school=world.school).count() == 2


def test_the_database_allows_one_active_key_per_school(
    world: World, school_key: SigningKey
) -> None:
    twin = SigningKey.objects.get(pk=school_key.pk)
    twin.pk = None
    twin.id = __import__("uuid").uuid4()
    twin.fingerprint_sha256 = "0" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)


def test_private_key_is_encrypted_at_rest(world: World, school_key: SigningKey) -> None:
    stored = bytes(SigningKey.objects.values_list("private_key_encrypted", flat=True).get())
    assert b"PRIVATE KEY" not in stored
    assert b"-----BEGIN" not in stored
    binding = f"transfers.SigningKey:{school_key.pk}"
    der = signing.private_key_decrypt(ciphertext=stored, bound_to=binding)
    key = serialization.load_der_private_key(der, password=None)
    cert = x509.load_pem_x509_certificate(school_key.certificate_pem.encode())
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(serialization.Encoding.DER, spki) == (
        cert.public_key().public_bytes(serialization.Encoding.DER, spki)
    )
    # The DER key itself appears nowhere in the stored bytes.
    assert der not in stored
    assert der[40:80] not in stored
    # Another key-encryption key, or the ciphertext moved onto another row: unreadable.
    with pytest.raises(signing.SigningKeyUnreadableError):
        signing.private_key_decrypt(ciphertext=stored, bound_to=binding, kek=b"k" * 32)
    with pytest.raises(signing.SigningKeyUnreadableError):
        signing.private_key_decrypt(ciphertext=stored, bound_to="transfers.SigningKey:other")


def test_production_key_encryption_key_comes_from_the_setting(settings) -> None:
    import base64

    settings.SIGNING_KEY_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"p" * 32).decode()
    sealed, key_id = signing.private_key_encrypt(private_key_der=b"secret", bound_to="x")
    assert signing.private_key_decrypt(ciphertext=sealed, bound_to="x", kek=b"p" * 32) == b"secret"
    settings.SIGNING_KEY_ENCRYPTION_KEY = ""
    with pytest.raises(signing.SigningKeyUnreadableError):
        signing.private_key_decrypt(ciphertext=sealed, bound_to="x")
    assert key_id != signing.private_key_encrypt(private_key_der=b"s", bound_to="x")[1]


# PAdES -----------------------------------------------------------------------------------------


def test_signed_pdf_is_valid_and_trusted(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="warm-up")  # imports pyHanko
    started = time.perf_counter()
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file transfer")
    took = time.perf_counter() - started
    print(f"\none PAdES signature of a {len(weasy_pdf) // 1024} KB WeasyPrint PDF: {took:.3f}s")
    assert took < 5
    assert signed.startswith(weasy_pdf)  # an incremental update: the original bytes untouched
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.intact, check.trusted) == (True, True, True), check
    assert check.problem == ""
    assert check.signer == "Alpha School Designated Safeguarding Lead"
    assert check.school_name == "Alpha School"
    assert check.signed_at is not None
    assert abs(check.signed_at - timezone.now()) < dt.timedelta(minutes=1)
    assert check.summary.startswith("Valid signature by Alpha School Designated Safeguarding Lead")
    assert b"/SubFilter /ETSI.CAdES.detached" in signed
    assert b"/Reason (CP file transfer)" in signed


def test_pdfsig_says_the_signature_is_valid(
    world: World, school_key: SigningKey, weasy_pdf: bytes, tmp_path: Path
) -> None:
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file transfer")
    report = _pdfsig(signed, tmp_path)
    assert "Signature is Valid." in report, report
    assert "Alpha School Designated Safeguarding Lead" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signed Ranges" in report
    assert "Total document signed" in report


def test_one_changed_byte_is_detected_by_pyhanko(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file transfer")
    tampered = _flip(signed, _byte_in_signed_content(signed))
    assert len(tampered) == len(signed)
    assert tampered != signed
    from pyhanko_certvalidator import ValidationContext

    raw = validate_pdf_signature(
        PdfFileReader(BytesIO(tampered), strict=False).embedded_signatures[0],
        signer_validation_context=ValidationContext(trust_roots=[]),
    )
    assert raw.intact is False
    check = verify.pdf_signature_check(tampered)
    assert not check.valid
    assert not check.intact
    assert "changed after it was signed" in check.problem
    assert check.summary.startswith("Not a valid signature: The file was changed")


def test_one_changed_byte_is_detected_by_pdfsig(
    world: World, school_key: SigningKey, weasy_pdf: bytes, tmp_path: Path
) -> None:
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file transfer")
    report = _pdfsig(_flip(signed, _byte_in_signed_content(signed)), tmp_path)
    assert "Signature is Valid." not in report, report
    assert re.search(r"Signature is Invalid|Digest Mismatch|document (has been )?changed", report)


def test_content_added_after_signing_is_reported(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file transfer")
    check = verify.pdf_signature_check(signed + b"\n% a line added later\n")
    assert not check.intact
    assert not check.valid
    assert "added to the file after it was signed" in check.problem


def test_a_key_not_on_the_platform_is_valid_but_not_trusted(world: World, weasy_pdf: bytes) -> None:
    outsider = signing.signing_key_generate(actor=None, school=world.other_school, issuer="self")
    signed = signing.pdf_sign(school=world.other_school, pdf=weasy_pdf, reason="CP file")
    # The key leaves the platform: its certificate is registered nowhere here any more.
    SigningKey.objects.filter(pk=outsider.pk).delete()
    check = verify.pdf_signature_check(signed)
    assert check.valid
    assert check.intact
    assert not check.trusted
    assert check.signer == "Beta School Designated Safeguarding Lead"
    assert "not one this platform issued or registered" in check.summary


def _forged_key(world: World) -> SigningKey:
    """A key Beta School registered (before the upload check) naming Alpha School in it."""
    key, cert, _ = pkcs12.load_key_and_certificates(pkcs12_file(), b"correct horse")
    assert key is not None
    assert cert is not None
    return signing._signing_key_store(
        actor=None,
        school=world.other_school,
        origin=SigningKeyOrigin.UPLOADED,
        cert=cert,
        private_key_der=signing._pkcs8(key),
    )


def test_the_school_shown_is_the_school_that_registered_the_key(
    world: World, weasy_pdf: bytes
) -> None:
    forged = _forged_key(world)
    assert forged.organisation == "Alpha School"
    check = verify.pdf_signature_check(
        signing.pdf_sign(school=world.other_school, pdf=weasy_pdf, reason="CP file")
    )
    assert check.valid
    assert check.trusted
    assert check.school_name == "Beta School"
    assert check.fingerprint == forged.fingerprint_sha256
    assert "Alpha School" not in check.summary.replace("Jo Bloggs, DSL", "")


def test_a_retired_key_still_identifies_its_signer(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    check = verify.pdf_signature_check(signed)
    assert check.valid
    assert check.trusted
    assert check.signer == school_key.subject_common_name


def test_a_retired_key_is_trusted_only_for_what_it_signed_before_it_was_retired(
    world: World, weasy_pdf: bytes
) -> None:
    old = signing.signing_key_generate(actor=None, school=world.school, issuer="self")
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    signing.signing_key_generate(actor=None, school=world.school, issuer="self")  # retires it
    old.refresh_from_db()
    assert not old.active
    assert old.retired_at is not None
    assert verify.pdf_signature_check(signed).trusted  # signed before it was retired
    # The same key used after it was retired: the claimed signing time is after retirement.
    SigningKey.objects.filter(pk=old.pk).update(retired_at=timezone.now() - dt.timedelta(hours=1))
    check = verify.pdf_signature_check(signed)
    assert check.valid
    assert not check.trusted
    assert "retired" in check.problem


def test_a_school_without_a_key_gets_one_from_its_trust_when_it_first_signs(
    world: World, weasy_pdf: bytes
) -> None:
    assert signing.signing_key_active(school=world.school) is None
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    key = signing.signing_key_active(school=world.school)
    assert key is not None
    assert key.origin == SigningKeyOrigin.TRUST_CA
    assert key.created_by is None
    assert verify.pdf_signature_check(signed).trusted


def test_not_a_pdf_and_an_unsigned_pdf_are_reported_plainly(weasy_pdf: bytes) -> None:
    assert verify.pdf_signature_check(b"hello").problem == (
        "The file is not a PDF that can be read, or it is damaged."
    )
    unsigned = verify.pdf_signature_check(weasy_pdf)
    assert not unsigned.valid
    assert unsigned.problem == "The PDF is not signed."


# Detached CMS ----------------------------------------------------------------------------------


def test_detached_cms_signature_round_trip(world: World, school_key: SigningKey) -> None:
    data = b'{"pupil": "Aaliyah Alphason", "records": []}'
    signature = signing.data_sign(school=world.school, data=data)
    assert data not in signature  # detached: the data is not inside
    check = verify.data_signature_check(data=data, signature=signature)
    assert (check.valid, check.intact, check.trusted) == (True, True, True), check
    assert check.signer == "Alpha School Designated Safeguarding Lead"
    assert check.signed_at is not None
    changed = verify.data_signature_check(data=data.replace(b"[]", b"[1"), signature=signature)
    assert not changed.valid
    assert not changed.intact
    assert "changed after it was signed" in changed.problem
    garbage = verify.data_signature_check(data=data, signature=b"not a signature")
    assert garbage.problem == "The signature file cannot be read: it is not a CMS signature."


def test_detached_cms_signature_verifies_with_openssl(
    world: World, school_key: SigningKey, tmp_path: Path
) -> None:
    data = b"bundle manifest"
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(signing.data_sign(school=world.school, data=data))
    ca = TrustCertificateAuthority.objects.get(trust=world.school.trust)
    (tmp_path / "ca.pem").write_text(ca.certificate_pem)
    result = subprocess.run(  # noqa: S603
        [
            shutil.which("openssl") or "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig"),
            "-content",
            str(tmp_path / "data"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification successful" in result.stderr, result.stderr


# PKCS#12 upload --------------------------------------------------------------------------------


def test_uploaded_pkcs12_signs_and_is_trusted(world: World, weasy_pdf: bytes) -> None:
    key = signing.signing_key_upload(
        actor=world.users["dsl"],
        school=world.school,
        pkcs12=pkcs12_file(),
        password="correct horse",
    )
    assert key.origin == SigningKeyOrigin.UPLOADED
    assert key.active
    assert key.subject_common_name == "Jo Bloggs, DSL"
    check = verify.pdf_signature_check(
        signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    )
    assert (check.valid, check.trusted, check.signer) == (True, True, "Jo Bloggs, DSL"), check


def test_pkcs12_without_a_password(world: World) -> None:
    key = signing.signing_key_upload(
        actor=None, school=world.school, pkcs12=pkcs12_file(password=b""), password=""
    )
    assert key.active


@pytest.mark.parametrize(
    ("kwargs", "password", "field", "message"),
    [
        pytest.param({}, "wrong", "password", "The password is wrong", id="wrong-password"),
        pytest.param(
            {"with_key": False}, "correct horse", "pkcs12", "has no private key", id="no-key"
        ),
        pytest.param(
            {"days": 30, "start_days_ago": 60},
            "correct horse",
            "pkcs12",
            "The certificate expired on",
            id="expired",
        ),
        pytest.param(
            {
                "key_usage": {
                    "digital_signature": False,
                    "content_commitment": False,
                    "key_encipherment": True,
                }
            },
            "correct horse",
            "pkcs12",
            "not for signing documents (its key usage",
            id="not-for-signing",
        ),
        pytest.param(
            {"eku": [ExtendedKeyUsageOID.SERVER_AUTH]},
            "correct horse",
            "pkcs12",
            "not for signing documents (its extended key usage",
            id="web-server-certificate",
        ),
        pytest.param(
            {"ca": True},
            "correct horse",
            "pkcs12",
            "certificate authority",
            id="ca-certificate",
        ),
        pytest.param(
            {"key_size": 1024}, "correct horse", "pkcs12", "The key is too short", id="short-key"
        ),
    ],
)
def test_pkcs12_refused_with_a_plain_reason(
    world: World, kwargs: dict, password: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        signing.signing_key_upload(
            actor=None, school=world.school, pkcs12=pkcs12_file(**kwargs), password=password
        )
    assert message in " ".join(error.value.message_dict[field])
    assert not SigningKey.objects.exists()


def test_a_file_that_is_not_pkcs12_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        signing.signing_key_upload(
            actor=None, school=world.school, pkcs12=b"-----BEGIN CERTIFICATE-----", password="x"
        )
    assert error.value.message_dict["pkcs12"] == [
        "The file is not a PKCS#12 file: choose the .p12 or .pfx file."
    ]


def test_the_same_certificate_twice_is_refused(world: World) -> None:
    data = pkcs12_file()
    signing.signing_key_upload(
        actor=None, school=world.school, pkcs12=data, password="correct horse"
    )
    with pytest.raises(ValidationError, match="already registered"):
        signing.signing_key_upload(
            actor=None, school=world.school, pkcs12=data, password="correct horse"
        )


def test_a_certificate_naming_another_school_is_refused_at_upload(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        signing.signing_key_upload(
            actor=world.users["other_dsl"],
            school=world.other_school,  # Beta School uploads a certificate of "Alpha School"
            pkcs12=pkcs12_file(),
            password="correct horse",
        )
    (message,) = refused.value.message_dict["pkcs12"]
    assert "Alpha School" in message
    assert "Beta School" in message
    assert not SigningKey.objects.filter(school=world.other_school).exists()


def test_an_expired_key_is_replaced_before_signing(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    SigningKey.objects.filter(pk=school_key.pk).update(
        valid_until=timezone.now() - dt.timedelta(days=1)
    )
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    school_key.refresh_from_db()
    assert not school_key.active
    fresh = signing.signing_key_active(school=world.school)
    assert fresh is not None
    assert fresh.pk != school_key.pk
    assert fresh.created_by is None
    assert verify.pdf_signature_check(signed).trusted


def test_a_signature_made_before_its_certificate_expired_still_checks(
    world: World, school_key: SigningKey, weasy_pdf: bytes
) -> None:
    import time_machine

    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    with time_machine.travel(school_key.valid_until + dt.timedelta(days=30)):
        check = verify.pdf_signature_check(signed)
    assert (check.valid, check.trusted, check.problem) == (True, True, ""), check
    assert "after the file was signed" in check.summary


def test_a_signature_claiming_a_time_outside_the_certificate_is_not_trusted(
    world: World, weasy_pdf: bytes
) -> None:
    """A registered key used after its certificate ended (say, a copy kept by someone who left)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Alpha School DSL (2020)")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=2000))
        .not_valid_after(now - dt.timedelta(days=900))
        .sign(key, hashes.SHA256())
    )
    stored = signing._signing_key_store(
        actor=None,
        school=world.school,
        origin=SigningKeyOrigin.UPLOADED,
        cert=cert,
        private_key_der=signing._pkcs8(key),
    )
    signed = signing._pdf_sign_with(key=stored, pdf=weasy_pdf, reason="CP file")
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.intact, check.trusted) == (True, True, False), check
    assert check.problem.startswith("The signing certificate was not valid on")


def test_an_uploaded_certificate_from_an_outside_authority_is_trusted_once_registered(
    world: World, weasy_pdf: bytes
) -> None:
    """A school's own provider's CA is not on the platform; registering the certificate is what
    makes its signatures count as registered here."""
    now = timezone.now()
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Outside Provider CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "Alpha School DSL"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha School"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"dsl", key, cert, [ca_cert], serialization.BestAvailableEncryption(b"pw")
    )
    stored = signing.signing_key_upload(actor=None, school=world.school, pkcs12=data, password="pw")
    assert stored.issuer_name == "Outside Provider CA"
    assert "Outside Provider CA" not in stored.certificate_pem
    assert len(x509.load_pem_x509_certificates(stored.chain_pem.encode())) == 1
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.trusted, check.signer) == (True, True, "Alpha School DSL"), check
    # Removed from the platform, the same signature is intact but no longer confirmed.
    SigningKey.objects.all().delete()
    assert not verify.pdf_signature_check(signed).trusted


def test_a_registered_certificate_not_meant_for_signing_is_not_trusted(
    world: World, weasy_pdf: bytes
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Alpha School mail server")])
    now = timezone.now()
    usage = dict.fromkeys(
        [
            "digital_signature",
            "content_commitment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ],
        False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.KeyUsage(key_encipherment=True, **usage), critical=True)
        .sign(key, hashes.SHA256())
    )
    stored = signing._signing_key_store(
        actor=None,
        school=world.school,
        origin=SigningKeyOrigin.UPLOADED,
        cert=cert,
        private_key_der=signing._pkcs8(key),
    )
    check = verify.pdf_signature_check(
        signing._pdf_sign_with(key=stored, pdf=weasy_pdf, reason="CP file")
    )
    assert (check.valid, check.trusted) == (True, False), check
    assert check.problem == "The signing certificate is not meant for signing documents."
    assert "cannot be relied on" in check.summary


def test_an_uploaded_elliptic_curve_key_signs_for_pdfsig_too(
    world: World, weasy_pdf: bytes, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Alpha School DSL (EC)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha School"),
        ]
    )
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"dsl", key, cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    signing.signing_key_upload(actor=None, school=world.school, pkcs12=data, password="pw")
    signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.trusted, check.signer) == (True, True, "Alpha School DSL (EC)")
    assert "Signature is Valid." in _pdfsig(signed, tmp_path)


# Committed data: code inside the loop may use another database connection than the test's.
@pytest.mark.django_db(transaction=True)
def test_signing_and_checking_work_where_an_event_loop_is_running(
    world: World,
    school_key: SigningKey,
    weasy_pdf: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pyHanko calls asyncio.run(): from a thread already running an event loop (the demo seed
    under Playwright's sync API in the browser tests) signing and checking still work."""
    import asyncio

    from django.db import connections

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM from inside the loop

    async def inside_a_running_loop() -> tuple[verify.SignatureCheck, verify.SignatureCheck]:
        try:
            signed = signing.pdf_sign(school=world.school, pdf=weasy_pdf, reason="CP file")
            signature = signing.data_sign(school=world.school, data=b"{}")
            return (
                verify.pdf_signature_check(signed),
                verify.data_signature_check(data=b"{}", signature=signature),
            )
        finally:
            connections.close_all()  # the loop's own connection, so the test database can go

    pdf_check, data_check = asyncio.run(inside_a_running_loop())
    assert (pdf_check.valid, pdf_check.trusted) == (True, True), pdf_check
    assert (data_check.valid, data_check.trusted) == (True, True), data_check
