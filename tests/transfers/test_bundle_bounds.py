"""A received bundle costs bounded memory whatever it holds (ADR 0031): its central directory is
judged before anything is read, the manifest's signature before any other file, every file is
streamed through its hash, and JSON is parsed with limits; each refusal is in plain English."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from tests.support.bundles import refused, resigned, signed_package, unregistered_signer, zip_of
from tests.support.peak_memory import peak_growth
from tests.support.transfers import bundle_files
from tests.support.world import World
from transfers import services
from transfers.export import bundle as bundles
from transfers.export import safe_zip
from transfers.export.bundle import MANIFEST, MANIFEST_SIGNATURE, PDF_NAME, bundle_build
from transfers.models import IncomingTransfer
from transfers.signing.keys import data_sign

MB = 1024 * 1024


@pytest.fixture
def files(world: World) -> dict[str, bytes]:
    """The files of a genuine bundle (a pupil with no records: small and quick to build)."""
    return bundle_files(
        signed_package(world, bundle_build(actor=world.users["dsl"], pupil=world.pupil))
    )


def _signed_manifest(world: World, files: dict[str, bytes], manifest: bytes) -> bytes:
    """The files under `manifest` exactly as written, signed with the school's own key."""
    files = {k: v for k, v in files.items() if k not in (MANIFEST, MANIFEST_SIGNATURE)}
    signature = data_sign(school=world.school, data=manifest)
    return zip_of({MANIFEST: manifest, MANIFEST_SIGNATURE: signature, **files})


def _manifest_text(files: dict[str, bytes]) -> str:
    return json.dumps(
        {
            "format": bundles.FORMAT,
            "version": bundles.VERSION,
            "files": [
                {"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                for p, d in sorted(files.items())
                if p not in (MANIFEST, MANIFEST_SIGNATURE)
            ],
        }
    )


# --- The order of the checks --------------------------------------------------------------------


def test_nothing_but_the_manifest_is_read_before_its_signature_checks_out(
    files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {**files, MANIFEST: files[MANIFEST].replace(b'"size": ', b'"size":  ', 1)}
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(archive: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(archive, name, *args, **kwargs)

    zipped = zip_of(files)
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    assert refused(zipped).startswith("The signature on the bundle's manifest is not valid")
    assert sorted(opened) == [MANIFEST, MANIFEST_SIGNATURE]


def test_a_file_whose_size_differs_from_the_manifest_is_refused_before_it_is_read(
    files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {**files, PDF_NAME: files[PDF_NAME] + b"% appended after signing\n"}
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(archive: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(archive, name, *args, **kwargs)

    zipped = zip_of(files)
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    assert refused(zipped) == (
        "cp-file.pdf has been changed: its size does not match the manifest."
    )
    assert PDF_NAME not in opened


def test_the_files_read_whole_have_limits_of_their_own(
    files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundles, "MAX_DOCUMENT_BYTES", 1024)
    assert refused(zip_of(files)).endswith(" KB once unzipped; bundle.json may be at most 1 KB.")
    monkeypatch.setattr(bundles, "MAX_MANIFEST_BYTES", 100)
    assert "manifest.json may be at most 1 KB" in refused(zip_of(files))


def test_a_file_that_unzips_longer_than_its_header_says_is_cut_off_and_refused(
    world: World, files: dict[str, bytes]
) -> None:
    """A member whose headers claim 1,000 bytes but whose data unzips to 8 MB: reading stops
    at 1,000 bytes and the member is refused, however honest its manifest entry."""
    long = b"\0" * (8 * MB)
    listed = {**files, "attachments/x/photo.png": long[:1000]}
    zipped = _signed_manifest(world, listed, _manifest_text(listed).encode())
    zipped = _zip_with(zipped, _replace(files, "attachments/x/photo.png", long))
    reason = refused(_lie_about_size(zipped, "attachments/x/photo.png", 1000))
    assert reason.startswith("attachments/x/photo.png in the zip is damaged")


def _replace(files: dict[str, bytes], name: str, data: bytes) -> dict[str, bytes]:
    return {**files, name: data}


def _zip_with(signed: bytes, files: dict[str, bytes]) -> bytes:
    """The signed manifest of `signed` with `files`."""
    kept = {k: v for k, v in bundle_files(signed).items() if k in (MANIFEST, MANIFEST_SIGNATURE)}
    return zip_of({**kept, **{k: v for k, v in files.items() if k not in kept}})


def _lie_about_size(zipped: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size rewritten in its local and central headers."""
    data = bytearray(zipped)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(encoded)] == encoded:
                data[at + offset : at + offset + 4] = struct.pack("<I", size)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_a_file_that_no_record_describes_is_refused(world: World, files: dict[str, bytes]) -> None:
    """docs/bundle: nothing else may be in the zip, even listed in a signed manifest."""
    extra = {**files, "attachments/extra/photo.png": b"\x89PNG not described"}
    assert refused(resigned(world, extra)) == (
        "attachments/extra/photo.png is in the zip but no record in bundle.json describes it."
    )


# --- JSON with limits ---------------------------------------------------------------------------


def test_a_5000_digit_number_in_the_manifest_is_refused_beside_the_upload_field(
    client: Any, world: World, files: dict[str, bytes]
) -> None:
    manifest = re.sub(r'"size": \d+', '"size": ' + "9" * 5000, _manifest_text(files), count=1)
    zipped = _signed_manifest(world, files, manifest.encode())
    client.force_login(world.users["other_dsl"])
    upload = SimpleUploadedFile("bundle.zip", zipped, content_type="application/zip")
    response = client.post(reverse("transfer-import"), {"bundle": upload})
    assert response.status_code == 200
    errors = response.context["form"].errors["bundle"]
    assert errors == [
        "This bundle is damaged or has been changed, so it cannot be trusted. Ask the school "
        "that sent it to send it again. (Detail: manifest.json holds a number 5,000 digits long; "
        "no number in a bundle has more than 20.)"
    ]
    assert not IncomingTransfer.objects.exists()


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b'{"format": ' + b"1" * 5000 + b"}", "bundle.json holds a number 5,000 digits long"),
        (b'{"n": 1' + b"0" * 4999 + b".5}", "bundle.json holds a number 5,001 digits long"),
        (b'{"n": 1e999}', "bundle.json holds a number too large to read (1e999)."),
        (b'{"n": NaN}', "bundle.json holds NaN, which is not a number JSON allows."),
        (b"[" * 100_000 + b"]" * 100_000, "bundle.json is nested too deeply to be a bundle."),
    ],
)
def test_hostile_json_in_bundle_json_is_refused_with_the_reason(
    world: World, files: dict[str, bytes], document: bytes, reason: str
) -> None:
    assert refused(resigned(world, {**files, "bundle.json": document})).startswith(reason)


def test_json_with_more_values_than_any_bundle_holds_is_refused_before_it_is_parsed(
    world: World, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_zip, "MAX_JSON_VALUES", 1_000)
    document = b"[" + b"[]," * 2_000 + b"[]]"
    assert refused(resigned(world, {**files, "bundle.json": document})) == (
        "bundle.json holds more than 1,000 values; no bundle holds so many."
    )
    assert bundles.bundle_open(resigned(world, files)).pupil["id"] == str(world.pupil.pk)


# --- The upload read where it lies ---------------------------------------------------------------


def test_an_upload_on_disk_is_imported_without_being_read_whole(
    world: World, files: dict[str, bytes]
) -> None:
    zipped = zip_of(files)
    upload = TemporaryUploadedFile("bundle.zip", "application/zip", len(zipped), None)
    upload.write(zipped)
    upload.seek(0)
    incoming = services.incoming_import(
        actor=world.users["other_dsl"], school=world.other_school, data=upload
    )
    assert incoming.bundle_sha256 == hashlib.sha256(zipped).hexdigest()
    assert incoming.bundle.read() == zipped
    assert incoming.pdf.read() == files[PDF_NAME]
    assert incoming.pdf_sha256 == hashlib.sha256(files[PDF_NAME]).hexdigest()


# --- Peak memory, measured ----------------------------------------------------------------------


def _bomb(size: int) -> bytes:
    """`size` bytes that deflate about 190 to 1: under the compression limit, so only the
    signed manifest and the hashes can refuse it."""
    block = os.urandom(800) + b"\0" * (190 * 1024)
    return (block * (size // len(block) + 1))[:size]


def test_a_3_mb_bundle_that_unzips_to_600_mb_opens_in_bounded_memory(
    world: World, files: dict[str, bytes], tmp_path: Path
) -> None:
    """The issue's bundle: 3 MB uploaded, three members of 200 MB once unzipped, listed in a
    manifest validly signed (by a stranger). Before ADR 0031 opening it grew the process by
    more than 600 MB; now every member streams through its hash."""
    bomb = _bomb(200 * MB)
    members = {f"attachments/{n}/photo.png": bomb for n in range(3)}
    zipped = resigned(world, {**files, **members}, signer=unregistered_signer())
    del bomb, members
    assert 2 * MB < len(zipped) < 4 * MB
    path = tmp_path / "bundle.zip"
    path.write_bytes(zipped)
    measured = peak_growth("bundle", path)
    assert measured["outcome"] == (
        "refused: attachments/0/photo.png is in the zip but no record in bundle.json describes it."
    )
    assert measured["growth_mb"] < 100, measured


def test_a_bundle_refused_for_its_compression_is_refused_from_its_directory(
    world: World, files: dict[str, bytes], tmp_path: Path
) -> None:
    zipped = resigned(world, {**files, "attachments/0/photo.png": b"\0" * (200 * MB)})
    assert len(zipped) < MB
    path = tmp_path / "bundle.zip"
    path.write_bytes(zipped)
    measured = peak_growth("bundle", path)
    assert "more than 200 times its packed size" in measured["outcome"]
    assert measured["growth_mb"] < 20, measured
