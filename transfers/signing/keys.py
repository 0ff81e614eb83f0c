"""School signing keys, and PAdES signatures on exported CP files (pyHanko).

Every school signs with its own key. Keys are made here (issued by the trust's certificate
authority, which the platform creates, or self-signed) or uploaded as PKCS#12. The private key is
kept encrypted at rest (AES-256-GCM; the key-encryption key comes from the environment in
production) and is only ever decrypted in memory to sign. A signature is "trusted" when its
certificate chains to a certificate this platform issued or registered. docs/adr/0012.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Literal, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from schools.models import School, Trust

from ..models import SigningKey, SigningKeyOrigin, TrustCertificateAuthority

T = TypeVar("T")


def _outside_event_loop(call: Callable[[], T]) -> T:
    """Run `call`, which uses `asyncio.run` (pyHanko's signing and validation do), also where this
    thread already runs an event loop (Playwright's sync API around the demo seed in the browser
    tests, an async server): there, in a thread of its own. The call touches no database."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="signing") as pool:
        return pool.submit(call).result()


KEY_BITS = 3072
SCHOOL_KEY_YEARS = 3
CA_YEARS = 10
PKCS12_MAX_BYTES = 100_000
SIGNATURE_FIELD = "SafeguardSignature"

# Extended key usages that allow signing documents (as Adobe Acrobat reads them); a certificate
# with an extended key usage extension must name one of them.
_DOCUMENT_SIGNING_EKUS = {
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string,
    ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string,
    ExtendedKeyUsageOID.CODE_SIGNING.dotted_string,
    "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
    "1.2.840.113583.1.1.5",  # Adobe Authentic Documents Trust
    "1.3.6.1.4.1.311.10.3.12",  # Microsoft document signing
}


class SigningKeyUnreadableError(Exception):
    """The stored private key cannot be decrypted with this server's key-encryption key."""


# Key encryption at rest -------------------------------------------------------------------------


def _decoded_key(name: str, configured: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(configured.encode() + b"=" * (-len(configured) % 4))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must encode 32 bytes.")
    return key


def _key_encryption_key() -> bytes:
    """The 32-byte key that encrypts private keys at rest.

    Production sets SIGNING_KEY_ENCRYPTION_KEY (32 random bytes, URL-safe base64) from the
    environment and refuses to start without it; elsewhere it is derived from SECRET_KEY.
    """
    configured = getattr(settings, "SIGNING_KEY_ENCRYPTION_KEY", "")
    if configured:
        return _decoded_key("SIGNING_KEY_ENCRYPTION_KEY", configured)
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY or SIGNING_KEY_ENCRYPTION_KEY must be set.")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"safeguard signing-key encryption"
    ).derive(settings.SECRET_KEY.encode())


def _previous_key_encryption_key() -> bytes | None:
    """The key being rotated away from (SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS), set only while a
    rotation is under way: keys it sealed stay readable until `rotate_signing_key_encryption`
    has sealed them again under the current key (docs/adr/0041)."""
    configured = getattr(settings, "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS", "")
    if not configured:
        return None
    return _decoded_key("SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS", configured)


def _key_encryption_keys() -> list[bytes]:
    """The keys a private key may be read with: the current one first, then the previous one."""
    previous = _previous_key_encryption_key()
    current = _key_encryption_key()
    return [current] + ([previous] if previous is not None and previous != current else [])


def _key_id(kek: bytes) -> str:
    """A short name for a key-encryption key, stored beside what it encrypted (for rotation)."""
    return hashlib.sha256(b"safeguard kek id" + kek).hexdigest()[:16]


def private_key_readable(obj: SigningKey | TrustCertificateAuthority) -> bool:
    """Whether a key-encryption key this server holds (the current one, or the previous one
    during a rotation) is the one that sealed the private key."""
    return obj.encryption_key_id in {_key_id(kek) for kek in _key_encryption_keys()}


def private_key_encrypt(*, private_key_der: bytes, bound_to: str) -> tuple[bytes, str]:
    """AES-256-GCM ciphertext (nonce first) of a PKCS#8 DER key, bound to one row's identity.
    Always sealed with the current key-encryption key."""
    kek = _key_encryption_key()
    nonce = os.urandom(12)
    return nonce + AESGCM(kek).encrypt(nonce, private_key_der, bound_to.encode()), _key_id(kek)


def private_key_decrypt(
    *, ciphertext: bytes | memoryview, bound_to: str, kek: bytes | None = None
) -> bytes:
    """The PKCS#8 DER key, or SigningKeyUnreadableError when the key or the binding is wrong.

    Without `kek`, the current key-encryption key is tried, then the previous one if set (so
    the service keeps signing while a rotation is under way)."""
    candidates = [kek] if kek is not None else _key_encryption_keys()
    data = bytes(ciphertext)
    for candidate in candidates:
        try:
            return AESGCM(candidate).decrypt(data[:12], data[12:], bound_to.encode())
        except (InvalidTag, ValueError):
            continue
    raise SigningKeyUnreadableError(
        "The signing key cannot be read with this server's key-encryption key "
        "(SIGNING_KEY_ENCRYPTION_KEY changed?). Make or upload a new signing certificate."
    )


def _binding(obj: SigningKey | TrustCertificateAuthority) -> str:
    return f"{obj._meta.label}:{obj.pk}"


class KeyRotationRefusedError(Exception):
    """Some stored private key cannot be read with either key-encryption key: nothing changed."""


@dataclass(frozen=True)
class KeyRotationResult:
    resealed: int  # sealed again under the current key-encryption key
    already_current: int  # already sealed under it (an earlier, possibly interrupted, run)


def _describe(obj: SigningKey | TrustCertificateAuthority) -> str:
    if isinstance(obj, SigningKey):
        return f"the signing key of {obj.school.name} ({obj.fingerprint_sha256[:16]})"
    return f"the certificate authority of {obj.trust.name} ({obj.fingerprint_sha256[:16]})"


def signing_keys_reseal(*, dry_run: bool = False) -> KeyRotationResult:
    """Seal every stored private key (schools' signing keys and trusts' certificate authorities)
    under the current SIGNING_KEY_ENCRYPTION_KEY, reading each with the current key or
    SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS.

    One transaction, with every row locked: every key is read first, and if any cannot be read
    with either key the whole rotation is refused (KeyRotationRefusedError) and nothing changes.
    Running it again finds everything already current and changes nothing (idempotent).
    """
    current = _key_encryption_key()
    current_id = _key_id(current)
    with transaction.atomic():
        rows: list[SigningKey | TrustCertificateAuthority] = [
            *TrustCertificateAuthority.objects.select_for_update(of=("self",))
            .select_related("trust")
            .order_by("pk"),
            *SigningKey.objects.select_for_update(of=("self",))
            .select_related("school")
            .order_by("pk"),
        ]
        opened: list[tuple[SigningKey | TrustCertificateAuthority, bytes]] = []
        unreadable: list[str] = []
        for obj in rows:
            try:
                der = private_key_decrypt(
                    ciphertext=obj.private_key_encrypted, bound_to=_binding(obj)
                )
            except SigningKeyUnreadableError:
                unreadable.append(_describe(obj))
                continue
            opened.append((obj, der))
        if unreadable:
            previous_set = _previous_key_encryption_key() is not None
            hint = (
                "Check that SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS is the key they were encrypted "
                "with."
                if previous_set
                else "Set SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS to the key they were encrypted with."
            )
            shown = "; ".join(unreadable[:5]) + (
                f"; and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
            )
            raise KeyRotationRefusedError(
                f"Nothing was changed: {len(unreadable)} of {len(rows)} stored keys cannot be "
                f"read with SIGNING_KEY_ENCRYPTION_KEY or SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS "
                f"({shown}). {hint}"
            )
        resealed = 0
        for obj, der in opened:
            if obj.encryption_key_id == current_id:
                continue
            resealed += 1
            if dry_run:
                continue
            sealed, key_id = private_key_encrypt(private_key_der=der, bound_to=_binding(obj))
            type(obj).objects.filter(pk=obj.pk).update(
                private_key_encrypted=sealed, encryption_key_id=key_id
            )
        return KeyRotationResult(resealed=resealed, already_current=len(opened) - resealed)


# Certificates ---------------------------------------------------------------------------------


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _readable_name(name: x509.Name) -> str:
    return _name_part(name, NameOID.COMMON_NAME) or name.rfc4514_string()


def _fit(text: str, limit: int = 64) -> str:
    """X.520 upper bound for a common name: 64 characters."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def school_signer_name(school: School) -> str:
    """The certificate's common name: "<School name> Designated Safeguarding Lead"."""
    full = f"{school.name} Designated Safeguarding Lead"
    return full if len(full) <= 64 else f"{_fit(school.name, 60)} DSL"


def _new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _pkcs8(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _load_private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


@transaction.atomic
def trust_ca_get_or_create(*, trust: Trust, actor: Any = None) -> TrustCertificateAuthority:
    """The trust's active certificate authority, created (10 years, RSA 3072) the first time."""
    Trust.objects.select_for_update().filter(pk=trust.pk).first()  # one CA made at a time
    existing = TrustCertificateAuthority.objects.filter(trust=trust, active=True).first()
    if existing is not None:
        return existing
    key = _new_private_key()
    now = timezone.now()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(trust.name)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(f"{trust.name} Safeguarding Signing CA")),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    ca = TrustCertificateAuthority(
        id=uuid.uuid4(),
        trust=trust,
        subject=_readable_name(cert.subject),
        certificate_pem=_pem(cert),
        fingerprint_sha256=_fingerprint(cert),
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
        created_by=actor,
    )
    ca.private_key_encrypted, ca.encryption_key_id = private_key_encrypt(
        private_key_der=_pkcs8(key), bound_to=_binding(ca)
    )
    ca.full_clean()
    ca.save()
    return ca


def _school_subject(school: School) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(school.name)),
    ]
    if getattr(school, "urn", ""):
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"DfE URN {school.urn}")
        )
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, school_signer_name(school)))
    return x509.Name(attributes)


def _school_certificate(
    *, school: School, key: rsa.RSAPrivateKey, ca: TrustCertificateAuthority | None
) -> x509.Certificate:
    now = timezone.now()
    subject = _school_subject(school)
    not_after = now + dt.timedelta(days=365 * SCHOOL_KEY_YEARS)
    if ca is not None:
        ca_cert = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
        ca_key = _load_private_key(
            private_key_decrypt(ciphertext=ca.private_key_encrypted, bound_to=_binding(ca))
        )
        issuer_name, signing_key = ca_cert.subject, ca_key
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
        not_after = min(not_after, ca_cert.not_valid_after_utc)
    else:
        issuer_name, signing_key = subject, key
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .sign(signing_key, hashes.SHA256())
    )


def _signing_key_store(
    *,
    actor: Any,
    school: School,
    origin: str,
    cert: x509.Certificate,
    private_key_der: bytes,
    issuer_ca: TrustCertificateAuthority | None = None,
    chain: Iterable[x509.Certificate] = (),
) -> SigningKey:
    """Save a new active key for the school; the previous active key is retired, not removed."""
    School.objects.select_for_update().filter(pk=school.pk).first()  # one new key at a time
    now = timezone.now()
    fingerprint = _fingerprint(cert)
    if SigningKey.objects.filter(school=school, fingerprint_sha256=fingerprint).exists():
        raise ValidationError({"pkcs12": "This certificate is already registered for this school."})
    if SigningKey.objects.filter(fingerprint_sha256=fingerprint).exclude(school=school).exists():
        # A signature names the school that registered its certificate: one school per certificate.
        raise ValidationError({"pkcs12": "This certificate is registered to another school."})
    SigningKey.objects.filter(school=school, active=True).update(active=False, retired_at=now)
    key = SigningKey(
        id=uuid.uuid4(),
        school=school,
        origin=origin,
        issuer_ca=issuer_ca,
        certificate_pem=_pem(cert),
        chain_pem="".join(_pem(c) for c in chain),
        subject_common_name=_readable_name(cert.subject)[:300],
        organisation=_name_part(cert.subject, NameOID.ORGANIZATION_NAME)[:300],
        issuer_name=_readable_name(cert.issuer)[:300],
        serial_number=format(cert.serial_number, "x")[:64],
        fingerprint_sha256=fingerprint,
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
        active=True,
        created_by=actor,
    )
    key.private_key_encrypted, key.encryption_key_id = private_key_encrypt(
        private_key_der=private_key_der, bound_to=_binding(key)
    )
    key.full_clean()
    key.save()
    return key


@transaction.atomic
def signing_key_generate(
    *, actor: Any, school: School, issuer: Literal["self", "trust"]
) -> SigningKey:
    """A new RSA key and certificate for the school, which becomes its active signing key.

    `issuer="trust"`: issued by the trust's certificate authority (created if need be), so every
    school of the trust checks the others' signatures against one authority; `"self"`: a
    self-signed certificate, trusted on this platform because it is registered here.
    """
    if issuer not in ("self", "trust"):
        raise ValidationError({"issuer": "Choose who issues the certificate."})
    ca = trust_ca_get_or_create(trust=school.trust, actor=actor) if issuer == "trust" else None
    if ca is not None and not private_key_readable(ca):
        raise ValidationError(
            {
                "issuer": "The trust's certificate authority cannot issue certificates on this "
                "server (its key cannot be read). Choose self-signed, or ask the platform "
                "administrator."
            }
        )
    key = _new_private_key()
    cert = _school_certificate(school=school, key=key, ca=ca)
    return _signing_key_store(
        actor=actor,
        school=school,
        origin=SigningKeyOrigin.TRUST_CA if ca else SigningKeyOrigin.SELF_SIGNED,
        cert=cert,
        private_key_der=_pkcs8(key),
        issuer_ca=ca,
    )


def _is_pkcs12(data: bytes) -> bool:
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 (parse it all)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _signing_problem(cert: x509.Certificate) -> str:
    """Why this certificate cannot sign documents, or "" when it can."""
    not_for_signing = (
        "This certificate is not for signing documents ({why}). Ask your certificate provider "
        "for a document-signing certificate."
    )
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and constraints.ca:
        return not_for_signing.format(why="it is a certificate authority's certificate")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        return not_for_signing.format(why="its key usage does not allow digital signatures")
    try:
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        extended = None
    if extended is not None and not {o.dotted_string for o in extended} & _DOCUMENT_SIGNING_EKUS:
        return not_for_signing.format(why="its extended key usage is for other purposes")
    return ""


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _organisation_problem(cert: x509.Certificate, school: School) -> str:
    """Why the certificate may not sign for this school: its organisation is another's name.

    A received file is shown as coming from the school that registered its certificate, so a
    school may only register a certificate issued to itself (its name, or the name cut to the
    64 characters a certificate holds)."""
    organisation = _name_part(cert.subject, NameOID.ORGANIZATION_NAME)
    if _same_name(organisation, school.name) or _same_name(organisation, _fit(school.name)):
        return ""
    named = f'issued to "{organisation}"' if organisation else "issued to no organisation"
    return (
        f"The certificate is {named}, not to {school.name}. Upload a certificate whose "
        f"organisation is {school.name}."
    )


_UploadedKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _pkcs12_checked(pkcs12: bytes) -> None:
    """Refuse what is not a PKCS#12 file of an acceptable size."""
    if not pkcs12:
        raise ValidationError({"pkcs12": "Choose a PKCS#12 file (.p12 or .pfx)."})
    if len(pkcs12) > PKCS12_MAX_BYTES:
        raise ValidationError({"pkcs12": "The file must be smaller than 100 KB."})
    if not _is_pkcs12(pkcs12):
        raise ValidationError(
            {"pkcs12": "The file is not a PKCS#12 file: choose the .p12 or .pfx file."}
        )


def _pkcs12_opened(
    pkcs12: bytes, password: str
) -> tuple[PrivateKeyTypes, x509.Certificate, list[x509.Certificate]]:
    """The file's private key, its certificate and the other certificates it holds; refused for
    a wrong password, or a file without a private key or without a certificate."""
    loaded = None
    # An empty password may mean the file was exported with none at all.
    for candidate in [password.encode()] + ([None] if not password else []):
        try:
            loaded = crypto_pkcs12.load_key_and_certificates(pkcs12, candidate)
            break
        except ValueError:
            continue
    if loaded is None:
        raise ValidationError(
            {"password": "The password is wrong: enter the password the file was exported with."}
        )
    private_key, cert, extra = loaded
    if private_key is None:
        raise ValidationError(
            {
                "pkcs12": "The file has no private key in it: export the certificate together "
                "with its private key."
            }
        )
    if cert is None:
        raise ValidationError({"pkcs12": "The file has no certificate for its private key."})
    return private_key, cert, extra


def _key_pair_checked(private_key: PrivateKeyTypes, cert: x509.Certificate) -> _UploadedKey:
    """The private key, when it is of a kind and a length we sign with and is the
    certificate's own."""
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValidationError({"pkcs12": "The key must be an RSA or elliptic-curve key."})
    if isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size < 2048:
        raise ValidationError(
            {"pkcs12": f"The key is too short ({private_key.key_size} bits): use 2048 or more."}
        )
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(serialization.Encoding.DER, public) != (
        cert.public_key().public_bytes(serialization.Encoding.DER, public)
    ):
        raise ValidationError({"pkcs12": "The private key in the file is not the certificate's."})
    return private_key


def _validity_checked(cert: x509.Certificate) -> None:
    """Refuse a certificate that has expired or is not valid yet."""
    now = timezone.now()
    if cert.not_valid_after_utc <= now:
        raise ValidationError(
            {
                "pkcs12": f"The certificate expired on "
                f"{timezone.localtime(cert.not_valid_after_utc):%d/%m/%Y}: upload a current one."
            }
        )
    if cert.not_valid_before_utc > now:
        raise ValidationError(
            {
                "pkcs12": f"The certificate is not valid until "
                f"{timezone.localtime(cert.not_valid_before_utc):%d/%m/%Y}: upload it then."
            }
        )


@transaction.atomic
def signing_key_upload(*, actor: Any, school: School, pkcs12: bytes, password: str) -> SigningKey:
    """Register a key and certificate from a PKCS#12 file (.p12 or .pfx) as the active key.

    Refused with a plain reason on the `pkcs12` or `password` field: not a PKCS#12 file, wrong
    password, no private key, a key that does not match, an expired or not-yet-valid
    certificate, or a certificate not meant for signing.
    """
    _pkcs12_checked(pkcs12)
    opened_key, cert, extra = _pkcs12_opened(pkcs12, password)
    private_key = _key_pair_checked(opened_key, cert)
    _validity_checked(cert)
    problem = _signing_problem(cert) or _organisation_problem(cert, school)
    if problem:
        raise ValidationError({"pkcs12": problem})
    return _signing_key_store(
        actor=actor,
        school=school,
        origin=SigningKeyOrigin.UPLOADED,
        cert=cert,
        private_key_der=_pkcs8(private_key),
        chain=[c for c in extra if _fingerprint(c) != _fingerprint(cert)],
    )


def signing_key_active(*, school: School) -> SigningKey | None:
    """The school's active signing key, if it has one."""
    return SigningKey.objects.filter(school=school, active=True).first()


def _signing_key_for_use(school: School) -> SigningKey:
    """The active key. A school without one, or whose key has expired, is first given a key by
    its trust's authority (made by no person): a file is never sent unsigned, nor held up."""
    key = signing_key_active(school=school)
    if key is not None and key.valid_until > timezone.now():
        return key

    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()  # one new key, not two
        key = signing_key_active(school=school)
        if key is None or key.valid_until <= timezone.now():
            key = signing_key_generate(actor=None, school=school, issuer="trust")
    return key


# Signing ----------------------------------------------------------------------------------------


def _asn1_cert(pem: str | bytes) -> asn1_x509.Certificate:
    data = pem.encode() if isinstance(pem, str) else pem
    der = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _pem_blocks(text: str) -> list[str]:
    end = "-----END CERTIFICATE-----"
    return [block + end + "\n" for block in text.split(end) if "BEGIN CERTIFICATE" in block]


def _signer(key: SigningKey) -> Any:
    """A pyHanko signer holding the decrypted key in memory only."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class LoadedKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner re-reads and re-checks the key for every signature (twice per
        PDF: a dry run sizes the signature), which for RSA 3072 costs ~0.15 s each. The key is
        read once here; AES-GCM already proved it is the key we stored, checked when made."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if algorithm == "rsassa_pkcs1v15" and isinstance(loaded, rsa.RSAPrivateKey):
                return loaded.sign(data, padding.PKCS1v15(), hash_algorithm)
            if algorithm == "ecdsa" and isinstance(loaded, ec.EllipticCurvePrivateKey):
                return loaded.sign(data, ec.ECDSA(hash_algorithm))
            return bytes(super().sign_raw(data, digest_algorithm))

    der = private_key_decrypt(ciphertext=key.private_key_encrypted, bound_to=_binding(key))
    loaded = serialization.load_der_private_key(
        der, password=None, unsafe_skip_rsa_key_validation=True
    )
    chain = [_asn1_cert(block) for block in _pem_blocks(key.chain_pem)]
    if key.issuer_ca_id is not None:
        chain.append(_asn1_cert(key.issuer_ca.certificate_pem))  # type: ignore[union-attr]
    return LoadedKeySigner(
        signing_cert=_asn1_cert(key.certificate_pem),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def pdf_sign(*, school: School, pdf: bytes, reason: str) -> bytes:
    """The PDF with a PAdES baseline B-B signature (SHA-256) by the school's active key."""
    return _pdf_sign_with(key=_signing_key_for_use(school), pdf=pdf, reason=reason)


def _pdf_sign_with(*, key: SigningKey, pdf: bytes, reason: str) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    school = key.school
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=key.subject_common_name,
        location=", ".join(p for p in [school.name, getattr(school, "town", "")] if p),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=_signer(key))
    out = _outside_event_loop(lambda: pdf_signer.sign_pdf(writer))
    return out.getvalue()


def data_sign(*, school: School, data: bytes) -> bytes:
    """A detached CMS signature (DER, SHA-256) of `data` by the school's active key."""
    key = _signing_key_for_use(school)
    signer = _signer(key)
    signed = _outside_event_loop(
        lambda: asyncio.run(
            signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True)
        )
    )
    return bytes(signed.dump())
