#!/usr/bin/env python3
"""Check a CP-file bundle (format version 1) with nothing but Python's standard library and,
for the signature, the `openssl` command.

    python3 verify_bundle.py cp-file-bundle.zip --ca sending-school.pem

A reference for other systems: it follows docs/bundle/README.md, not this product's code. It
checks the zip's paths, the manifest's signature (with --ca), every file's SHA-256, every record's
content hash, the chronology's hashes and the links between consecutive entries, each attachment
against its record, and each file received from a previous school (`previous/`) against its
SHA-256 and size in `previous_files`. It does not validate the JSON Schema (use any 2020-12
validator with cp-file-bundle.schema.json) or the PDF's signature (use any PAdES validator, e.g.
pdfsig).
Exit status 0 when every check passes, 1 with the reason when one fails.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REQUIRED = ("bundle.json", "cp-file.pdf", "manifest.json", "manifest.json.p7s")


class Refused(Exception):  # noqa: N818
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256(text.encode("utf-8"))


def read_zip(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Refused("not a zip file") from exc
    files = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                continue
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or ".." in parts or "." in parts or ":" in name:
                raise Refused(f"unsafe path in the zip: {name!r}")
            if name in files:
                raise Refused(f"{name} is in the zip twice")
            files[name] = archive.read(info)
    for name in REQUIRED:
        if name not in files:
            raise Refused(f"{name} is missing")
    return files


def check_signature(files: dict[str, bytes], ca: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        manifest, signature = Path(folder, "manifest.json"), Path(folder, "manifest.json.p7s")
        manifest.write_bytes(files["manifest.json"])
        signature.write_bytes(files["manifest.json.p7s"])
        done = subprocess.run(  # noqa: S603
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature),  # noqa: S607
             "-content", str(manifest), "-CAfile", str(ca), "-purpose", "any",
             "-out", str(Path(folder, "out"))],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise Refused(f"the manifest's signature does not verify: {done.stderr.strip()}")


def check_manifest(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["manifest.json"])
    listed = {item["path"]: item for item in manifest["files"]}
    for path, item in listed.items():
        if path not in files:
            raise Refused(f"{path} is in the manifest but not in the zip")
        if sha256(files[path]) != item["sha256"] or len(files[path]) != item["size"]:
            raise Refused(f"{path} does not match its SHA-256 in the manifest")
    extra = set(files) - set(listed) - {"manifest.json", "manifest.json.p7s"}
    if extra:
        raise Refused(f"{sorted(extra)[0]} is not in the manifest")


def signed_records(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object carrying `signed` and `content_hash` (README: "Signed content")."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("signed"), dict) and isinstance(node.get("content_hash"), str):
            found.append((where, node))
        for key, value in node.items():
            found += signed_records(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += signed_records(value, f"{where}[{i}]")
    return found


def check_signed_content(bundle: dict[str, Any]) -> tuple[int, int]:
    """Each signed record's content against its hash; returns (checked, redacted)."""
    checked = cited_only = 0
    for where, record in signed_records(bundle):
        if record.get("redacted"):
            cited_only += 1  # other children left out: checked where its hash is cited
            continue
        if canonical_hash(record["signed"]) != record["content_hash"]:
            raise Refused(f"{where}: its content does not match its hash")
        checked += 1
    return checked, cited_only


def check_chronology(chronology: list[dict[str, Any]]) -> None:
    """Each entry against its hash, in order, linked to the one before when consecutive."""
    previous = None
    for i, entry in enumerate(chronology):
        signed = entry["signed"]
        if canonical_hash(signed) != entry["entry_hash"]:
            raise Refused(f"chronology[{i}] (entry {signed['sequence']}) does not match its hash")
        if previous is not None:
            check_link(i, signed, previous)
        previous = entry


def check_link(i: int, signed: dict[str, Any], previous: dict[str, Any]) -> None:
    """Entries come in sequence; one right after another cites the other's hash."""
    if signed["sequence"] <= previous["signed"]["sequence"]:
        raise Refused(f"chronology[{i}] is out of order")
    consecutive = signed["sequence"] == previous["signed"]["sequence"] + 1
    if consecutive and signed["previous_hash"] != previous["entry_hash"]:
        raise Refused(f"chronology[{i}] does not link to the entry before it")


def check_concern(concern: dict[str, Any], files: dict[str, bytes]) -> None:
    """Its addenda and Part 2 cite its hash; its attachments match their records."""
    for addendum in concern["addenda"]:
        if addendum["signed"]["concern_hash"] != concern["content_hash"]:
            raise Refused(f"an addendum to {concern['reference']} cites other words")
    if concern["dsl_record"] and (
        concern["dsl_record"]["signed"]["concern_hash"] != concern["content_hash"]
    ):
        raise Refused(f"Part 2 of {concern['reference']} cites other words")
    for attachment in concern["attachments"]:
        data = files.get(attachment["path"])
        if data is None or sha256(data) != attachment["sha256"]:
            raise Refused(f"the attachment {attachment['path']} does not match its record")


def check_records(bundle: dict[str, Any], files: dict[str, bytes]) -> tuple[int, int, int]:
    """The signed records, the chronology, then each concern; returns (checked, redacted,
    chronology entries)."""
    checked, cited_only = check_signed_content(bundle)
    check_chronology(bundle["chronology"])
    for concern in bundle["concerns"]:
        check_concern(concern, files)
    return checked, cited_only, len(bundle["chronology"])


def check_previous(bundle: dict[str, Any], files: dict[str, bytes]) -> int:
    """Each received file under previous/ against its record; none undescribed. Nested bundles
    are not opened: check one by running this script on it (with its own sender's --ca)."""
    described = set()
    for i, item in enumerate(bundle.get("previous_files", [])):
        for which, name in (("pdf", "cp-file.pdf"), ("bundle", "cp-file-bundle.zip")):
            meta = item[which]
            if meta is None:
                continue
            path = meta["path"]
            if path != f"previous/{item['id']}/{name}":
                raise Refused(f"previous_files[{i}].{which} has the path of another file")
            data = files.get(path)
            if data is None or sha256(data) != meta["sha256"] or len(data) != meta["size"]:
                raise Refused(f"{path} does not match its record in previous_files")
            described.add(path)
    extra = sorted(p for p in files if p.startswith("previous/") and p not in described)
    if extra:
        raise Refused(f"{extra[0]} is not described in previous_files")
    return len(bundle.get("previous_files", []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--ca", type=Path, help="the sending school's certificate (PEM)")
    args = parser.parse_args(argv)
    try:
        files = read_zip(args.bundle.read_bytes())
        if args.ca:
            check_signature(files, args.ca)
        check_manifest(files)
        bundle = json.loads(files["bundle.json"])
        checked, cited_only, entries = check_records(bundle, files)
        previous = check_previous(bundle, files)
    except (Refused, KeyError, TypeError, ValueError) as exc:
        print(f"REFUSED: {exc}")
        return 1
    pupil = bundle["pupil"]
    print(
        f"OK: {pupil['legal_first_name']} {pupil['legal_last_name']} from "
        f"{bundle['sending_school']['name']}; {checked} signed records and {entries} chronology "
        f"entries match their hashes ({cited_only} redacted); manifest signature "
        + ("verified" if args.ca else "NOT checked (give --ca)")
        + f"; files received from previous schools, matching their records: {previous}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
