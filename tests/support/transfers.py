"""Helpers several transfer test modules share (so no test module imports another)."""

from __future__ import annotations

import datetime
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.test import TestCase
from django.utils import timezone

from safeguard.workdays import LONDON
from tests.support.transfer_fixtures import LEAVING
from tests.support.world import World
from transfers.export.pdf import RenderedPdf
from transfers.models import Export, Retention, RetentionBasis, Transfer
from transfers.retention import services as svc

DESTROY_ON = datetime.date(2027, 1, 4)


# Signing ---------------------------------------------------------------------------------------


def pkcs12_file(
    *,
    password: bytes = b"correct horse",
    days: int = 365,
    start_days_ago: int = 1,
    key_usage: dict[str, bool] | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    with_key: bool = True,
    ca: bool = False,
    key_size: int = 2048,
) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Jo Bloggs, DSL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha School"),
        ]
    )
    now = timezone.now()
    usage = {
        "digital_signature": True,
        "content_commitment": True,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "key_cert_sign": ca,
        "crl_sign": False,
        "encipher_only": False,
        "decipher_only": False,
    } | (key_usage or {})
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=start_days_ago))
        .not_valid_after(
            now - datetime.timedelta(days=start_days_ago) + datetime.timedelta(days=days)
        )
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"school", key if with_key else None, cert, None, encryption
    )


# Transfers out and in --------------------------------------------------------------------------


def tampered_bundle(data: bytes) -> bytes:
    """The bundle with one record's text changed after it was signed."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.endswith(".json") and b"legal_last_name" in content:
                document = json.loads(content)
                document["pupil"]["legal_last_name"] = "Changed"
                content = json.dumps(document).encode()
            target.writestr(info, content)
    return out.getvalue()


def bundle_files(data: bytes) -> dict[str, bytes]:
    """Each file in a bundle (a zip), by its path."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def transfer_row(world: World, **fields: Any) -> Transfer:
    export = Export.objects.create(
        school=world.school, pupil=world.pupil, requested_by=world.users["dsl"],
        receiving_school="Elm School",
    )  # fmt: skip
    values: dict[str, Any] = {
        "school": world.school, "pupil": world.pupil, "leaving_date": LEAVING,
        "deadline": datetime.date(2026, 11, 25), "destination_name": "Elm School",
        "export": export, "created_by": world.users["dsl"],
    }  # fmt: skip
    values.update(fields)
    return Transfer.objects.create(**values)


# The PDF ---------------------------------------------------------------------------------------


class ReadPdf:
    """A rendered PDF as poppler reads it."""

    def __init__(self, rendered: RenderedPdf, folder: Path) -> None:
        self.path = folder / "file.pdf"
        self.path.write_bytes(rendered.data)
        info = self._run("pdfinfo", str(self.path))
        self.info = info
        self.pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)[1])  # type: ignore[index]
        self.page_texts = [
            " ".join(
                self._run("pdftotext", "-f", str(n), "-l", str(n), str(self.path), "-").split()
            )
            for n in range(1, self.pages + 1)
        ]
        self.text = " ".join(self.page_texts)
        # Hashes wrap inside narrow table cells: search them with the spaces taken out.
        self.squeezed = "".join(self.text.split())

    @staticmethod
    def _run(*command: str) -> str:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603

    def images(self) -> int:
        listing = self._run("pdfimages", "-list", str(self.path)).splitlines()
        return len(listing) - 2  # two header lines


# Retention -------------------------------------------------------------------------------------


def after(day: datetime.date, hour: int = 3) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def kept(world: World, pupil: Any = None, **extra: Any) -> Retention:
    return Retention.objects.create(
        school=world.school,
        pupil=pupil or world.pupil,
        basis=RetentionBasis.LAST_SCHOOL,
        destroy_on=DESTROY_ON,
        **extra,
    )


def run_at(moment: datetime.datetime) -> svc.RetentionReport:
    """The nightly job at `moment`, its after-commit work (deleting stored files) done."""
    with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return svc.retention_run()
