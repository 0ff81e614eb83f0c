"""Bundles taken apart and put back together (tests/transfers/): a school's signed package, a
bundle re-signed after its records were changed, a signer the platform never registered, and the
refusal a bundle gets when opened."""

from __future__ import annotations

import asyncio
import datetime
import functools
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest

from tests.support.world import World
from transfers.export import bundle as bundles
from transfers.export.bundle import (
    MANIFEST,
    MANIFEST_SIGNATURE,
    BundleRefused,
    bundle_open,
    bundle_package,
)
from transfers.signing.keys import data_sign, pdf_sign


@functools.cache
def blank_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>CONFIDENTIAL</p>").write_pdf()


def signed_package(world: World, bundle: dict[str, Any]) -> bytes:
    pdf = pdf_sign(school=world.school, pdf=blank_pdf(), reason="Transfer of a CP file")
    return bundle_package(school=world.school, bundle=bundle, pdf=pdf)


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def resigned(world: World, files: dict[str, bytes], signer: Any = None) -> bytes:
    """The files under a fresh manifest signed with the school's own key (or `signer`): what a
    sender who changed records after signing them would produce."""
    files = {k: v for k, v in files.items() if k not in (MANIFEST, MANIFEST_SIGNATURE)}
    manifest = json.dumps(
        {
            "format": bundles.FORMAT,
            "version": bundles.VERSION,
            "files": [
                {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                for p, d in sorted(files.items())
            ],
        }
    ).encode()
    if signer is None:
        signature = data_sign(school=world.school, data=manifest)
    else:
        signature = bytes(
            asyncio.run(
                signer.async_sign_general_data(manifest, "sha256", detached=True, use_cades=True)
            ).dump()
        )
    return zip_of({MANIFEST: manifest, MANIFEST_SIGNATURE: signature, **files})


def refused(data: bytes) -> str:
    with pytest.raises(BundleRefused) as excinfo:
        bundle_open(data)
    return excinfo.value.reason


def unregistered_signer() -> Any:
    """A signer whose self-signed certificate this platform never issued or registered."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha School"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Someone Else"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
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
        )  # fmt: skip
        .sign(key, hashes.SHA256())
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=None,
    )
