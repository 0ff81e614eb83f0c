"""A file received from a previous school moves on with the child (KCSIE Annex C): a pupil whose
CP file school B received from school A and accepted, then exported again by school B. The PDF
lists the received file (read back with pdftotext); the bundle carries its signed PDF and bundle
byte for byte under previous/, and a changed byte is refused."""

# ruff: noqa: F811 (fixtures imported from tests/support/transfer_fixtures.py are arguments of the tests)

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from schools.models import Pupil
from tests.support.records.cp_file import PART_1_WORDS
from tests.support.transfer_fixtures import ready  # noqa: F401 (the fixture, by name)
from tests.support.transfers import ReadPdf
from tests.support.world import World
from transfers import services
from transfers.export import bundle as bundles
from transfers.export.bundle import BundleBuildError, BundleRefused, bundle_build, bundle_open
from transfers.export.gather import cp_records_for_export
from transfers.export.pdf import RenderedPdf
from transfers.models import Export, ExportState, IncomingTransfer, Transfer
from transfers.signing.keys import data_sign, signing_key_active
from transfers.signing.verify import pdf_signature_check


@dataclass
class Again:
    """School B's export of the pupil it received from school A."""

    world: World
    incoming: IncomingTransfer  # at school B, accepted
    pupil: Pupil  # school B's pupil
    export: Export
    received_pdf: bytes
    received_bundle: bytes
    pdf: bytes  # school B's export, as stored
    zipped: bytes

    @property
    def pdf_path(self) -> str:
        return f"previous/{self.incoming.pk}/cp-file.pdf"

    @property
    def bundle_path(self) -> str:
        return f"previous/{self.incoming.pk}/cp-file-bundle.zip"


def _received(world: World, transfer: Transfer) -> IncomingTransfer:
    """School A sends the file in the service and school B's DSL accepts it."""
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=transfer)
    return services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)


@pytest.fixture
def again(world: World, ready: Transfer, django_capture_on_commit_callbacks: Any) -> Again:
    incoming = _received(world, ready)
    pupil = incoming.pupil
    assert pupil is not None
    assert pupil.school_id == world.other_school.pk
    with django_capture_on_commit_callbacks(execute=False):
        transfer = services.transfer_start(
            actor=world.users["other_dsl"],
            pupil=pupil,
            leaving_date=timezone.localdate() + datetime.timedelta(days=1),
            destination_name="Gamma Academy",
            destination_address="3 Gamma Road\nLeigh",
        )
    export = services.export_run(export_id=transfer.export_id)
    assert export.state == ExportState.DONE, export.error
    return Again(
        world, incoming, pupil, export, incoming.pdf.read(), incoming.bundle.read(),
        export.pdf.read(), export.bundle.read(),
    )  # fmt: skip


def _text(pdf: bytes, folder: Path) -> str:
    path = folder / "again.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)  # noqa: S603, S607
    return " ".join(done.stdout.split())


def _files(zipped: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _resigned(school: Any, files: dict[str, bytes]) -> bytes:
    """A fresh manifest over the files, signed with the school's key: only the record checks
    stand between a changed file and the importer."""
    files = {
        k: v for k, v in files.items() if k not in (bundles.MANIFEST, bundles.MANIFEST_SIGNATURE)
    }
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
    signature = data_sign(school=school, data=manifest)
    return _zip({bundles.MANIFEST: manifest, bundles.MANIFEST_SIGNATURE: signature, **files})


def _refused(data: bytes) -> str:
    with pytest.raises(BundleRefused) as refused:
        bundle_open(data)
    return refused.value.reason


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- The records -----------------------------------------------------------------------------------


def test_the_accepted_file_is_part_of_the_pupils_records(world: World, ready: Transfer) -> None:
    incoming = _received(world, ready)
    assert incoming.pupil is not None
    records = cp_records_for_export(actor=world.users["other_dsl"], pupil=incoming.pupil)
    assert records.received_files == [incoming]
    assert records.received_files[0].decided_by == world.users["other_dsl"]
    assert not records.is_empty
    # School A's own export of its pupil holds no file received by school B.
    assert cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil).received_files == []


def test_a_file_waiting_or_returned_is_not_part_of_it(world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    pupil = Pupil.objects.create(
        school=world.other_school, legal_first_name=world.pupil.legal_first_name,
        legal_last_name=world.pupil.legal_last_name, date_of_birth=world.pupil.date_of_birth,
        year_group=world.pupil.year_group, joined_on=timezone.localdate(),
    )  # fmt: skip
    IncomingTransfer.objects.filter(pk=incoming.pk).update(pupil=pupil)  # waiting, yet attached
    records = cp_records_for_export(actor=world.users["other_dsl"], pupil=pupil)
    assert records.received_files == []
    services.incoming_reject(actor=world.users["other_dsl"], incoming=incoming, reason="Not ours")
    assert cp_records_for_export(actor=world.users["other_dsl"], pupil=pupil).received_files == []


# --- The PDF -----------------------------------------------------------------------------------


def test_the_pdf_lists_the_received_file_without_merging_it(again: Again, tmp_path: Path) -> None:
    read = ReadPdf(RenderedPdf(data=again.pdf, pages=again.export.pages or 0), tmp_path)
    found = re.search(r"Files received from previous schools[ .]+(\d+)", read.page_texts[1])
    assert found, "not in the contents"
    section = " ".join(read.page_texts[int(found[1]) - 1 :])
    assert section.startswith(read.page_texts[int(found[1]) - 1])
    section = section[section.index("Files received from previous schools") :]
    squeezed = "".join(section.split())
    assert "From Alpha School" in section
    assert "Sent in this service" in section
    accepted = timezone.localtime(again.incoming.decided_at)
    receiver = again.world.users["other_dsl"]
    assert f"Accepted {accepted:%-d %B %Y} at {accepted:%H:%M} by {receiver.full_name}" in section
    assert again.incoming.pdf_sha256 in squeezed
    assert again.incoming.bundle_sha256 in squeezed
    assert hashlib.sha256(again.received_pdf).hexdigest() == again.incoming.pdf_sha256
    pages = again.incoming.pages
    assert pages
    assert f"{pages} page{'s' if pages > 1 else ''}. In the bundle as" in section
    # pdftotext joins a path broken at a hyphen without the hyphen.
    assert again.pdf_path.replace("-", "") in squeezed.replace("-", "")
    check = pdf_signature_check(again.received_pdf)
    assert check.valid
    assert check.trusted
    assert "".join(check.summary.split()) in squeezed
    assert section.count("Matches the stored file") == 2
    assert "They are not reproduced in this PDF." in section
    assert "with 1 file received from previous schools" in read.page_texts[0]
    # Not merged in: the words of school A's records are not in school B's PDF.
    assert PART_1_WORDS in _text(again.received_pdf, tmp_path)
    assert PART_1_WORDS not in read.text


def test_a_received_file_changed_in_storage_is_flagged_in_the_pdf_and_stops_the_bundle(
    again: Again, tmp_path: Path
) -> None:
    from transfers.export.pdf import cp_file_pdf

    stored = again.incoming.pdf
    with stored.storage.open(str(stored.name), "wb") as changed:
        changed.write(_flip(again.received_pdf, 400))
    rendered = cp_file_pdf(
        actor=again.world.users["other_dsl"], pupil=again.pupil, receiving_school="Gamma"
    )
    text = _text(rendered.data, tmp_path)
    assert "The stored file does not match this SHA-256" in text
    assert "Not checked: the stored PDF could not be read." in text
    with pytest.raises(BundleBuildError, match="no longer matches its SHA-256"):
        bundle_build(actor=again.world.users["other_dsl"], pupil=again.pupil)


# --- The bundle --------------------------------------------------------------------------------


def test_the_bundle_carries_the_received_files_byte_for_byte(again: Again) -> None:
    zipped = again.zipped
    files = _files(zipped)
    assert files[again.pdf_path] == again.received_pdf
    assert files[again.bundle_path] == again.received_bundle
    manifest = {f["path"]: f for f in json.loads(files["manifest.json"])["files"]}
    for path, data in (
        (again.pdf_path, again.received_pdf),
        (again.bundle_path, again.received_bundle),
    ):
        assert manifest[path] == {
            "path": path,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
    (described,) = json.loads(files["bundle.json"])["previous_files"]
    receiver = again.world.users["other_dsl"]
    assert described["id"] == str(again.incoming.pk)
    assert described["from_school_name"] == "Alpha School"
    assert described["source"] == "platform"
    assert described["accepted_by_name"] == receiver.full_name
    assert described["pupil_as_sent"]["legal_last_name"] == again.world.pupil.legal_last_name
    assert described["pdf"]["sha256"] == again.incoming.pdf_sha256
    assert described["pdf"]["pages"] == again.incoming.pages
    assert described["pdf"]["signature_at_export"]["valid"] is True
    assert described["pdf"]["signature_at_export"]["trusted"] is True
    assert described["bundle"] == {
        "path": again.bundle_path,
        "sha256": again.incoming.bundle_sha256,
        "size": len(again.received_bundle),
    }
    assert bundles.bundle_schema_problems(json.loads(files["bundle.json"])) == []
    opened = bundle_open(zipped)
    assert opened.previous == {
        again.pdf_path: again.received_pdf,
        again.bundle_path: again.received_bundle,
    }
    assert opened.warnings == []
    # The received bundle inside still opens as school A sent it.
    inner = bundle_open(opened.previous[again.bundle_path])
    assert inner.sending_school["name"] == "Alpha School"
    assert inner.pdf == again.received_pdf


def test_the_whole_history_moves_on_again(again: Again) -> None:
    """School A imports school B's bundle: the file A once sent is inside it, as sent."""
    incoming = services.incoming_import(
        actor=again.world.users["dsl"], school=again.world.school, data=again.zipped
    )
    inner = _files(_files(incoming.bundle.read())[again.bundle_path])
    assert inner["cp-file.pdf"] == again.received_pdf


def test_a_changed_byte_in_a_received_file_is_refused(again: Again) -> None:
    school = again.world.other_school
    files = _files(again.zipped)
    for path in (again.pdf_path, again.bundle_path):
        changed = {**files, path: _flip(files[path], len(files[path]) // 2)}
        assert _refused(_zip(changed)) == (
            f"{path} has been changed: its SHA-256 does not match the signed manifest."
        )
        what = "PDF" if path.endswith(".pdf") else "bundle"
        assert _refused(_resigned(school, changed)) == (
            f"The file received from Alpha School: its {what} has been changed: its SHA-256 "
            "does not match the record."
        )


def test_a_received_file_missing_or_undescribed_is_refused(again: Again) -> None:
    school = again.world.other_school
    files = _files(again.zipped)
    missing = {k: v for k, v in files.items() if k != again.bundle_path}
    assert _refused(_resigned(school, missing)) == (
        f"The file received from Alpha School: its bundle ({again.bundle_path}) is missing."
    )
    extra = {**files, "previous/extra.pdf": files[again.pdf_path]}
    assert _refused(_resigned(school, extra)) == (
        "previous/extra.pdf is in the zip but no file received from a previous school is "
        "described by it."
    )
    document = json.loads(files["bundle.json"])
    document["previous_files"][0]["pdf"]["path"] = (
        again.bundle_path.replace(".zip", ".pdf")
        .replace("cp-file-bundle", "cp-file")
        .replace(str(again.incoming.pk), "0" * 8 + str(again.incoming.pk)[8:])
    )
    moved = {**files, "bundle.json": json.dumps(document).encode()}
    assert "gives its PDF a path of another file" in _refused(_resigned(school, moved))
    del document["previous_files"]  # optional (older bundles): then their files are undescribed
    assert "no file received from a previous school is described by it" in _refused(
        _resigned(school, {**files, "bundle.json": json.dumps(document).encode()})
    )


def test_the_reference_checker_checks_the_received_files(again: Again, tmp_path: Path) -> None:
    key = signing_key_active(school=again.world.other_school)
    assert key is not None
    ca = tmp_path / "sender.pem"
    ca.write_text(key.issuer_ca.certificate_pem if key.issuer_ca else key.certificate_pem)
    script = Path(settings.BASE_DIR) / "docs" / "bundle" / "verify_bundle.py"

    def check(zipped: bytes, *args: str) -> tuple[int, str]:
        path = tmp_path / "bundle.zip"
        path.write_bytes(zipped)
        done = subprocess.run(  # noqa: S603
            [sys.executable, str(script), str(path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stdout.strip()

    status, said = check(again.zipped, "--ca", str(ca))
    assert status == 0, said
    assert said.endswith("files received from previous schools, matching their records: 1")
    files = _files(again.zipped)
    files[again.pdf_path] = _flip(files[again.pdf_path], 300)
    assert check(_resigned(again.world.other_school, files)) == (
        1,
        f"REFUSED: {again.pdf_path} does not match its record in previous_files",
    )
