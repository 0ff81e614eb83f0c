"""A signing key row for the tenancy matrix, written directly with one stand-in certificate per
test process: the matrix needs the row and its download, not a fresh RSA key for every case."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils import timezone

from transfers.models import SigningKey, SigningKeyOrigin


@functools.cache
def _stand_in_certificate_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stand-in signer")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def signing_key_record(school: Any) -> SigningKey:
    """The school's key, made the first time it is asked for."""
    existing = SigningKey.objects.filter(school=school).first()
    if existing is not None:
        return existing
    pem = _stand_in_certificate_pem()
    now = timezone.now()
    return SigningKey.objects.create(
        school=school,
        origin=SigningKeyOrigin.SELF_SIGNED,
        certificate_pem=pem,
        private_key_encrypted=b"stand-in: never decrypted",
        encryption_key_id="stand-in",
        subject_common_name="Stand-in signer",
        issuer_name="Stand-in signer",
        serial_number="1",
        fingerprint_sha256=hashlib.sha256(pem.encode()).hexdigest(),
        valid_from=now,
        valid_until=now + dt.timedelta(days=365),
    )
