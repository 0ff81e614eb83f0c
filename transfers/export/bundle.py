"""The open bundle: one pupil's child-protection file as documented JSON, zipped with its
attachments and the signed PDF, under a signed manifest (`docs/bundle/README.md`).

`bundle_build` turns the pupil's records into the JSON document (format version "1");
`bundle_package` zips it with the attachments, the PDF and the files received from the pupil's
previous schools (`previous/<id>/...`, byte for byte as received), lists every file's SHA-256
and size in `manifest.json` and signs the manifest with the school's key (detached CMS);
`bundle_open` checks a received zip from the outside in (a safe zip, the manifest's signature,
every file's hash, the schema, every record's content hash, the chronology's hashes and links,
the received files against their descriptions, the PDF's signature) and
refuses with a plain-English reason naming what is wrong; its memory is bounded whatever the zip
claims (`safe_zip`: the directory judged first, members streamed through their hashes, JSON
parsed with limits; ADR 0031).

The signed content of each record is carried exactly as it was hashed (`safeguard/signing.py`:
canonical JSON), so any reader recomputes a record's hash from the bundle alone.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from chronology.ledger.content import SIGNED_FIELDS, entry_content
from concerns.content import (  # the records' canonical content: defined once, used to sign
    action_done_content,
    addendum_content,
    concern_content,
    dsl_record_content,
)
from concerns.missing.content import (
    absence_content,
    episode_closed_content,
    episode_start_content,
    step_content,
)
from concerns.models import Attachment
from referrals.content import referral_content, referral_update_content
from safeguard.signing import canonical_json, content_hash

from ..models import IncomingState, IncomingTransfer
from ..signing.keys import data_sign
from ..signing.verify import SignatureCheck, data_signature_check, pdf_signature_check
from .files import PREVIOUS_FOLDER, PREVIOUS_NAMES, pdf_page_count, previous_path
from .gather import cp_records_for_export, received_copy_read
from .safe_zip import BundleRefused as BundleRefused  # re-exported: the interface's refusal
from .safe_zip import ReceivedZip, json_with_limits

if TYPE_CHECKING:
    from schools.models import Pupil, School, User

FORMAT = "safeguard-cp-file-bundle"
VERSION = "1"
SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "bundle" / "cp-file-bundle.schema.json"
GENESIS_HASH = "0" * 64

BUNDLE_JSON = "bundle.json"
PDF_NAME = "cp-file.pdf"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.json.p7s"
REQUIRED_FILES = (BUNDLE_JSON, PDF_NAME, MANIFEST, MANIFEST_SIGNATURE)

# The members the checks read whole into memory, each capped far below any other file (ADR 0031;
# the zip's own limits are in `safe_zip`): a manifest lists at most 5,000 files in some 150
# bytes each, a signature is a few KB, and the bundle.json of a pupil with 500 chronology entries
# and 50 concerns is under 2 MB.
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_SCHEMA_ERRORS = 1_000  # a hostile document is not searched for every last error


class BundleBuildError(Exception):
    """The pupil's records cannot be exported as they stand (a signed record no longer matches
    its hash); the message says which."""


@dataclass(frozen=True)
class CheckedFile:
    """A file of a received bundle whose SHA-256 and size match its signed manifest."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class OpenedBundle:
    """A received bundle that passed every check. Its files stay in the zip (read on demand), so
    opening a large bundle holds only its JSON in memory; the PDF is a spooled copy."""

    bundle: dict[str, Any]
    pdf_file: IO[bytes]  # the checked PDF, at any position: seek before reading
    files: Mapping[str, CheckedFile]  # every file the signed manifest lists, by path
    manifest_signature: SignatureCheck
    pdf_signature: SignatureCheck
    pupil: dict[str, Any]
    sending_school: dict[str, Any]
    received: ReceivedZip
    warnings: list[str] = field(default_factory=list)
    attachment_paths: tuple[str, ...] = ()
    # The files received from previous schools (`previous_files`), by path in the zip.
    previous_paths: tuple[str, ...] = ()

    @property
    def trusted(self) -> bool:
        """Both signatures chain to a certificate the platform issued or registered."""
        return self.manifest_signature.trusted and self.pdf_signature.trusted

    @property
    def pdf(self) -> bytes:
        """The signed PDF's bytes (read whole: for small files and tests)."""
        self.pdf_file.seek(0)
        return self.pdf_file.read()

    @property
    def pdf_sha256(self) -> str:
        return self.files[PDF_NAME].sha256

    @property
    def attachments(self) -> dict[str, bytes]:
        """Each concern's attachment by its path in the zip (read whole)."""
        return {path: self.received.read(path) for path in self.attachment_paths}

    @property
    def previous(self) -> dict[str, bytes]:
        """Each file received from a previous school by its path in the zip (read whole)."""
        return {path: self.received.read(path) for path in self.previous_paths}


# --- Serialising the records ----------------------------------------------------------------------


def _json(content: dict[str, Any]) -> dict[str, Any]:
    """The content as JSON values, exactly as `canonical_json` writes them (times in UTC)."""
    result: dict[str, Any] = json.loads(canonical_json(content))
    return result


def _time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone(datetime.UTC).isoformat()


def _date(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _signed(content: dict[str, Any], stored_hash: str, what: str) -> dict[str, Any]:
    """`signed` and `content_hash` for a record, refusing to export one whose hash is wrong."""
    if content_hash(content) != stored_hash:
        raise BundleBuildError(
            f"{what} no longer matches its signature, so it cannot be exported. "
            "Run verify_records and tell the platform administrator."
        )
    return {"signed": _json(content), "content_hash": stored_hash}


def _name(user: Any) -> str:
    return user.full_name if user is not None else ""


def _in_order(attachments: Iterable[Any]) -> list[Any]:
    return sorted(attachments, key=lambda a: (a.created_at, a.pk))


def attachment_path(attachment: Any) -> str:
    """Where an attachment sits in the zip: its id and a safe version of its name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", attachment.original_name).strip(".-")[:80]
    return f"attachments/{attachment.pk}/{safe or 'file'}"


def _concern(record: Any) -> dict[str, Any]:
    """One `transfers.export.gather.ConcernRecord`: only this pupil's involvement and body-map marks
    (ADR 0013), so a concern that involves other children is exported `redacted`."""
    concern = record.concern
    reference = concern.reference
    content = concern_content(concern, [record.involvement], record.body_marks, record.attachments)
    redacted = record.other_pupils > 0
    if redacted:  # the other children's part of the signed content stays behind
        signed = {"signed": _json(content), "content_hash": concern.content_hash}
    else:
        signed = _signed(content, concern.content_hash, f"Concern {reference}")
    dsl: dict[str, Any] | None = None
    if record.dsl_record is not None:
        dsl = {
            "id": str(record.dsl_record.pk),
            **_signed(
                dsl_record_content(record.dsl_record, concern, record.advice),
                record.dsl_record.content_hash,
                f"The DSL record of concern {reference}",
            ),
        }
    return {
        "id": str(concern.pk),
        "reference": reference,
        "status": concern.status,
        "restricted": concern.restricted,
        "opened_at": _time(concern.opened_at),
        "closed_at": _time(concern.closed_at),
        "other_pupils": record.other_pupils,
        "redacted": redacted,
        **signed,
        "attachments": [
            {
                "id": str(a.pk),
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "path": attachment_path(a),
            }
            for a in _in_order(record.attachments)
        ],
        "addenda": [
            {
                "id": str(a.pk),
                **_signed(
                    addendum_content(a, concern),
                    a.content_hash,
                    f"An addendum to concern {reference}",
                ),
            }
            for a in sorted(record.addenda, key=lambda a: (a.signed_at, a.pk))
        ],
        "dsl_record": dsl,
        "dsl_record_in_draft": record.dsl_record_in_draft,
        "actions": [_action(a) for a in sorted(record.actions, key=_action_order)],
    }


def _action_order(action: Any) -> tuple[Any, ...]:
    return (action.due_on, action.created_at, action.pk)


def _action(action: Any) -> dict[str, Any]:
    done = action.done_at is not None
    content = action_done_content(action) if done else None
    return {
        "id": str(action.pk),
        "description": action.description,
        "owner_name": _name(action.owner),
        "due_on": _date(action.due_on),
        "created_by_name": _name(action.created_by),
        "done_at": _time(action.done_at),
        "done_by_name": _name(action.done_by),
        "done_note": action.done_note,
        "signed": _json(content) if content is not None else None,
        "content_hash": content_hash(content) if content is not None else None,
    }


def chronology_entry(entry: Any) -> dict[str, Any]:
    content = entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS})
    if content_hash(content) != entry.entry_hash:
        raise BundleBuildError(
            f"Chronology entry {entry.sequence} no longer matches its hash, so the file cannot "
            "be exported. Run verify_records and tell the platform administrator."
        )
    return {
        "id": str(entry.pk),
        "kind_label": str(entry.get_kind_display()),
        "signed": _json(content),
        "entry_hash": entry.entry_hash,
    }


def _cp_file(cp_file: Any) -> dict[str, Any]:
    return {
        "id": str(cp_file.pk),
        "opened_at": _time(cp_file.opened_at),
        "opened_by_name": _name(cp_file.opened_by),
        "open_reason": cp_file.open_reason,
        "closed_at": _time(cp_file.closed_at),
        "closed_by_name": _name(cp_file.closed_by),
        "close_reason": cp_file.close_reason,
    }


def _status(status: Any) -> dict[str, Any]:
    return {
        "id": str(status.pk),
        "kind": status.kind,
        "kind_label": str(status.get_kind_display()),
        "start_date": _date(status.start_date),
        "end_date": _date(status.end_date),
        "review_date": _date(status.review_date),
        "lead_professional": status.lead_professional,
        "lead_professional_contact": status.lead_professional_contact,
        "notes": status.notes,
        "recorded_by_name": _name(status.created_by),
        "recorded_at": _time(status.created_at),
    }


def _risk_assessment(record: Any) -> dict[str, Any]:
    assessment = record.assessment
    return {
        "id": str(assessment.pk),
        "concern_id": str(assessment.concern_id) if assessment.concern_id else None,
        "title": assessment.title,
        "risks": assessment.risks,
        "measures": assessment.measures,
        "other_pupils_considered": assessment.other_pupils_considered,
        "pupil_contributed": assessment.pupil_contributed,
        "parents_contributed": assessment.parents_contributed,
        "other_contributors": assessment.other_contributors,
        "review_date": _date(assessment.review_date),
        "closed_at": _time(assessment.closed_at),
        "created_by_name": _name(assessment.created_by),
        "created_at": _time(assessment.created_at),
        "other_pupils": record.other_pupils,
        "reviews": [
            {
                "id": str(r.pk),
                "reviewed_on": _date(r.reviewed_on),
                "reviewed_by_name": _name(r.reviewed_by),
                "notes": r.notes,
                "outcome": r.outcome,
                "next_review_date": _date(r.next_review_date),
            }
            for r in record.reviews
        ],
    }


def _referral(record: Any) -> dict[str, Any]:
    referral = record.referral
    made_on = timezone.localtime(referral.made_at)
    made = f"The referral to {referral.agency_name} of {made_on:%d/%m/%Y}"
    return {
        "id": str(referral.pk),
        "status": referral.status,
        "follow_up_at": _time(referral.follow_up_at),
        "acknowledged_at": _time(referral.acknowledged_at),
        "outcome": referral.outcome,
        "outcome_at": _time(referral.outcome_at),
        **_signed(referral_content(referral), referral.content_hash, made),
        "updates": [
            {
                "id": str(u.pk),
                **_signed(
                    referral_update_content(u),
                    u.content_hash,
                    f"An update to {made[0].lower()}{made[1:]}",
                ),
            }
            for u in record.updates
        ],
    }


def _missing_episode(record: Any, chronicled_steps: set[str]) -> dict[str, Any]:
    """A missing episode; once closed, its signed content holds the steps recorded by then (a
    step recorded after closing, the return interview, has a chronology entry of its own)."""
    episode = record.episode
    steps = {s.step: s for s in record.steps if str(s.pk) not in chronicled_steps}
    if episode.content_hash:
        content = episode_closed_content(episode, steps)
        signed = _signed(content, episode.content_hash, "A closed missing episode")
    else:
        content = episode_start_content(episode)
        signed = {"signed": _json(content), "content_hash": content_hash(content)}
    return {
        "id": str(episode.pk),
        "closed_at": _time(episode.closed_at),
        **signed,
        "steps": [
            {
                "id": str(s.pk),
                "signed": _json(step_content(s)),
                "content_hash": content_hash(step_content(s)),
            }
            for s in record.steps
        ],
    }


def _absence(absence: Any) -> dict[str, Any]:
    return {
        "id": str(absence.pk),
        **_signed(absence_content(absence), absence.content_hash, "A continuous absence"),
    }


def _pupil(pupil: Pupil) -> dict[str, Any]:
    return {
        "id": str(pupil.pk),
        "legal_first_name": pupil.legal_first_name,
        "legal_middle_names": pupil.legal_middle_names,
        "legal_last_name": pupil.legal_last_name,
        "preferred_first_name": pupil.preferred_first_name,
        "preferred_last_name": pupil.preferred_last_name,
        "date_of_birth": _date(pupil.date_of_birth),
        "upn": pupil.upn,
        "year_group": pupil.year_group,
        "year_group_label": str(pupil.get_year_group_display()),
        "registration_group": pupil.registration_group,
        "joined_on": _date(pupil.joined_on),
        "left_on": _date(pupil.left_on),
    }


def _received_copy(incoming: Any, which: str) -> Any:
    """The stored copy, refusing to export one that is missing or changed since receipt."""
    copy = received_copy_read(incoming, which)
    what = "PDF" if which == "pdf" else "bundle"
    if copy is not None and copy.state != "ok":
        problem = "is missing" if copy.state == "missing" else "no longer matches its SHA-256"
        raise BundleBuildError(
            f"The stored {what} of the file received from {incoming.from_school_name} {problem}, "
            "so the file cannot be exported. Tell the platform administrator."
        )
    return copy


def _signature(check: SignatureCheck) -> dict[str, Any]:
    return {
        "valid": check.valid,
        "intact": check.intact,
        "trusted": check.trusted,
        "signer": check.signer,
        "school_name": check.school_name,
        "signed_at": _time(check.signed_at),
        "problem": check.problem,
        "summary": check.summary,
    }


def _previous_file(incoming: Any) -> dict[str, Any]:
    """A file this school received from a previous school and accepted (ADR 0014): described
    here, carried under previous/ byte for byte as received, its PDF's signature checked now."""
    pdf = _received_copy(incoming, "pdf")
    if pdf is None or pdf.data is None:
        raise BundleBuildError(
            f"The file received from {incoming.from_school_name} has no stored PDF, so the file "
            "cannot be exported. Tell the platform administrator."
        )
    bundle = _received_copy(incoming, "bundle")
    decided_by = incoming.decided_by
    return {
        "id": str(incoming.pk),
        "from_school_name": incoming.from_school_name,
        "from_school_address": [
            line for line in incoming.from_school_address.splitlines() if line.strip()
        ],
        "source": incoming.source,
        "received_at": _time(incoming.created_at),
        "accepted_at": _time(incoming.decided_at),
        "accepted_by_name": _name(decided_by),
        "accepted_by_job_title": decided_by.job_title if decided_by is not None else "",
        "pupil_as_sent": {
            "legal_first_name": incoming.legal_first_name,
            "legal_middle_names": incoming.legal_middle_names,
            "legal_last_name": incoming.legal_last_name,
            "date_of_birth": _date(incoming.date_of_birth),
            "upn": incoming.upn,
        },
        "pdf": {
            "path": previous_path(incoming, "pdf"),
            "sha256": pdf.recorded_sha256,
            "size": len(pdf.data),
            "pages": pdf_page_count(pdf.data) or incoming.pages,
            "signature_at_export": _signature(pdf_signature_check(pdf.data)),
        },
        "bundle": None
        if bundle is None or bundle.data is None
        else {
            "path": previous_path(incoming, "bundle"),
            "sha256": bundle.recorded_sha256,
            "size": len(bundle.data),
        },
    }


def _school(school: School) -> dict[str, Any]:
    return {
        "name": school.name,
        "urn": school.urn or None,
        "local_authority": school.local_authority,
        "return_address": school.return_address,
        "phone": school.phone,
        "email": school.email,
    }


# --- Build -------------------------------------------------------------------------------------


def bundle_build(*, actor: User, pupil: Pupil) -> dict[str, Any]:
    """The pupil's whole CP file as a format-"1" bundle document (JSON values only).

    Who may: as `transfers.export.gather.cp_records_for_export` (the DSL and deputies of the pupil's
    school; anyone else gets a 404, and `ExportRefused` when a restricted record is hidden)."""
    records = cp_records_for_export(actor=actor, pupil=pupil)
    return bundle_from_records(records=records, actor=actor)


def bundle_from_records(*, records: Any, actor: User) -> dict[str, Any]:
    """The bundle document from the gathered records (`transfers.export.gather.CpRecords`)."""
    chronicled_steps = {
        e.source_id for e in records.chronology if e.source_label == "concerns.MissingEpisodeStep"
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _time(records.produced_at),
        "exported_by": {"name": actor.full_name, "job_title": actor.job_title},
        "sending_school": _school(records.school),
        "pupil": _pupil(records.pupil),
        "concerns": [_concern(c) for c in records.concerns],
        "chronology": [chronology_entry(e) for e in sorted(records.chronology, key=_sequence)],
        "cp_files": [_cp_file(f) for f in records.cp_files],
        "statuses": [_status(s) for s in records.statuses],
        "risk_assessments": [_risk_assessment(a) for a in records.risk_assessments],
        "referrals": [_referral(r) for r in records.referrals],
        "missing_episodes": [
            _missing_episode(e, chronicled_steps) for e in records.missing_episodes
        ],
        "absences": [_absence(a) for a in records.absences],
        "previous_files": [_previous_file(f) for f in records.received_files],
    }


def _sequence(entry: Any) -> int:
    return int(entry.sequence)


# --- Package -------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_package(*, school: School, bundle: dict[str, Any], pdf: bytes) -> bytes:
    """The zip: bundle.json, attachments/..., cp-file.pdf, manifest.json (SHA-256 and size of
    every other file) and manifest.json.p7s (the manifest signed with the school's key)."""
    files: dict[str, bytes] = {
        BUNDLE_JSON: json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8"),
        PDF_NAME: pdf,
    }
    wanted = {
        a["id"]: a for concern in bundle.get("concerns", []) for a in concern.get("attachments", [])
    }
    # Only the school's own attachments: the school is the tenant, never the document's say-so.
    stored = Attachment.objects.filter(school=school, pk__in=list(wanted))
    found = {str(a.pk): a for a in stored}
    for attachment_id, meta in wanted.items():
        row = found.get(attachment_id)
        if row is None:
            raise BundleBuildError(f"The attachment {meta['name']} is not one of this school's.")
        with row.file.open("rb") as handle:
            data = handle.read()
        if _sha256(data) != meta["sha256"]:
            raise BundleBuildError(
                f"The stored file of the attachment {meta['name']} no longer matches its SHA-256."
            )
        files[meta["path"]] = data
    files.update(_previous_files(school, bundle.get("previous_files", [])))
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "files": [
            {"path": path, "sha256": _sha256(data), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode("utf-8")
    signature = data_sign(school=school, data=manifest_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(MANIFEST_SIGNATURE, signature)
        for path, data in sorted(files.items()):
            packed = path == PDF_NAME or path.startswith(PREVIOUS_FOLDER)  # already compressed
            kind = zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
            archive.writestr(path, data, compress_type=kind)
    return out.getvalue()


def _previous_files(school: School, described: list[dict[str, Any]]) -> dict[str, bytes]:
    """The received files the document describes, read from this school's own storage and
    checked against the SHA-256 it gives."""
    # Only files this school accepted: the school is the tenant, never the document's say-so.
    stored = IncomingTransfer.objects.filter(
        school=school, state=IncomingState.ACCEPTED, pk__in=[d["id"] for d in described]
    )
    found = {str(i.pk): i for i in stored}
    files: dict[str, bytes] = {}
    for meta in described:
        incoming = found.get(meta["id"])
        if incoming is None:
            raise BundleBuildError(
                f"The file received from {meta['from_school_name']} is not one this school "
                "accepted."
            )
        for which in ("pdf", "bundle"):
            if meta[which] is None:
                continue
            copy = _received_copy(incoming, which)
            if copy is None or copy.data is None or copy.sha256 != meta[which]["sha256"]:
                what = "PDF" if which == "pdf" else "bundle"
                raise BundleBuildError(
                    f"The stored {what} of the file received from {incoming.from_school_name} "
                    "no longer matches its SHA-256."
                )
            files[meta[which]["path"]] = copy.data
    return files


# --- Open --------------------------------------------------------------------------------------


@functools.cache
def bundle_schema() -> dict[str, Any]:
    """The JSON Schema of format version "1" (the file in docs/bundle is the one enforced)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _field_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def bundle_schema_problems(bundle: Any) -> list[str]:
    """Every place the document breaks the schema, as "field: what is wrong" (empty when fine)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        bundle_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(
        itertools.islice(validator.iter_errors(bundle), MAX_SCHEMA_ERRORS),
        key=lambda e: [
            (0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path
        ],
    )
    return [f"{_field_path(e.absolute_path)}: {e.message}" for e in errors]


def _check_signed(record: dict[str, Any], what: str) -> None:
    if content_hash(record["signed"]) != record["content_hash"]:
        raise BundleRefused(f"{what} has been changed: its content does not match its hash.")


def bundle_verify_records(bundle: dict[str, Any]) -> None:
    """Recompute every record's content hash and the chronology's hashes and links; refuse the
    first that does not match. Assumes the document already follows the schema."""
    known: dict[str, set[str]] = {}  # record id -> hashes a chronology entry may cite
    for concern in bundle["concerns"]:
        _verify_concern(concern, known)
    for referral in bundle["referrals"]:
        _verify_referral(referral, known)
    for episode in bundle["missing_episodes"]:
        _verify_missing_episode(episode, known)
    for absence in bundle["absences"]:
        _check_signed(absence, "A continuous absence")
    _verify_chronology(bundle["chronology"], known, bundle["pupil"]["id"])


def _remember(known: dict[str, set[str]], record: dict[str, Any], *hashes: str) -> None:
    """The hashes a chronology entry may cite for this record."""
    known.setdefault(record["id"], set()).update(hashes)


def _verify_concern(concern: dict[str, Any], known: dict[str, set[str]]) -> None:
    """A concern (Part 1), its attachments, addenda, DSL record (Part 2) and actions."""
    name = f"Concern {concern['reference']}"
    if concern["redacted"]:
        # The other children's part of the signed content stayed behind (ADR 0013), so the
        # hash cannot be recomputed; it is still cited by the chronology, addenda and Part 2.
        if concern["other_pupils"] < 1:
            raise BundleRefused(f"{name} is marked redacted but involves no other child.")
    else:
        _check_signed(concern, name)
    if concern["signed"]["id"] != concern["id"]:
        raise BundleRefused(f"{name} carries the signed content of another concern.")
    _remember(known, concern, concern["content_hash"])
    _verify_concern_attachments(concern, name)
    _verify_concern_records(concern, name, known)


def _verify_concern_attachments(concern: dict[str, Any], name: str) -> None:
    """The attachments exported are exactly the files the reporter signed."""
    signed_files = {(a["name"], a["sha256"]) for a in concern["signed"]["attachments"]}
    exported_files = {(a["name"], a["sha256"]) for a in concern["attachments"]}
    for attachment in concern["attachments"]:
        if (attachment["name"], attachment["sha256"]) not in signed_files:
            raise BundleRefused(
                f"The attachment {attachment['name']} of {name} is not the file the "
                "reporter signed."
            )
    for missing_name, _ in sorted(signed_files - exported_files):
        raise BundleRefused(f"The attachment {missing_name} of {name} is not in the bundle.")


def _verify_concern_records(concern: dict[str, Any], name: str, known: dict[str, set[str]]) -> None:
    """The records signed after the concern: addenda and Part 2 cite its hash; actions."""
    for addendum in concern["addenda"]:
        _check_signed(addendum, f"An addendum to {name}")
        if addendum["signed"]["concern_hash"] != concern["content_hash"]:
            raise BundleRefused(f"An addendum to {name} was signed for different words.")
        _remember(known, addendum, addendum["content_hash"])
    dsl = concern["dsl_record"]
    if dsl is not None:
        _check_signed(dsl, f"The DSL record (Part 2) of {name}")
        if dsl["signed"]["concern_hash"] != concern["content_hash"]:
            raise BundleRefused(
                f"The DSL record (Part 2) of {name} was signed for different words."
            )
        _remember(known, dsl, dsl["content_hash"])
    for action in concern["actions"]:
        if action["signed"] is not None:
            _check_signed(action, f"A completed action on {name}")
            _remember(known, action, action["content_hash"])


def _verify_referral(referral: dict[str, Any], known: dict[str, set[str]]) -> None:
    """A referral and its updates."""
    name = f"The referral to {referral['signed']['agency_name']}"
    _check_signed(referral, name)
    _remember(known, referral, referral["content_hash"])
    for update in referral["updates"]:
        _check_signed(update, f"An update to {name[0].lower()}{name[1:]}")
        _remember(known, update, update["content_hash"])


def _verify_missing_episode(episode: dict[str, Any], known: dict[str, set[str]]) -> None:
    """A missing episode and its steps; the chronology may cite it as opened or as closed."""
    _check_signed(episode, "A missing episode")
    start = {k: v for k, v in episode["signed"].items() if k not in _CLOSED_ONLY}
    _remember(known, episode, episode["content_hash"], content_hash(start))
    for step in episode["steps"]:
        _check_signed(step, "A step of a missing episode")
        _remember(known, step, step["content_hash"])


_CLOSED_ONLY = ("steps", "closed_at", "closed_by")
# Sources whose chronology entries cite the hash of the record as exported.
_SINGLE_HASH_SOURCES = {
    "concerns.Concern",
    "concerns.Addendum",
    "concerns.DslRecord",
    "concerns.Action",
    "concerns.MissingEpisode",
    "concerns.MissingEpisodeStep",
    "referrals.Referral",
    "referrals.ReferralUpdate",
}


def _verify_chronology(
    entries: list[dict[str, Any]], known: dict[str, set[str]], pupil_id: str
) -> None:
    previous: dict[str, Any] | None = None
    hashes: dict[str, str] = {}
    for entry in entries:
        signed = entry["signed"]
        number = signed["sequence"]
        if content_hash(signed) != entry["entry_hash"]:
            raise BundleRefused(
                f"Chronology entry {number} has been changed: its content does not match its hash."
            )
        if signed["pupil_id"] != pupil_id:
            raise BundleRefused(f"Chronology entry {number} belongs to another pupil.")
        if previous is not None and signed["school_id"] != previous["signed"]["school_id"]:
            raise BundleRefused(f"Chronology entry {number} comes from another school's chain.")
        if previous is not None:
            if number <= previous["signed"]["sequence"]:
                raise BundleRefused(
                    f"Chronology entry {number} is out of order: the entries must be in the "
                    "order of their sequence numbers."
                )
            if number == previous["signed"]["sequence"] + 1 and (
                signed["previous_hash"] != previous["entry_hash"]
            ):
                raise BundleRefused(
                    f"Chronology entry {number} does not link to entry {number - 1}: "
                    "its previous hash does not match."
                )
        elif number == 1 and signed["previous_hash"] != GENESIS_HASH:
            raise BundleRefused("Chronology entry 1 does not start the chain.")
        label, source_id = signed["source_label"], signed["source_id"]
        if label in _SINGLE_HASH_SOURCES and signed["source_hash"] and source_id in known:
            if signed["source_hash"] not in known[source_id]:
                raise BundleRefused(
                    f"Chronology entry {number} cites a different version of its record "
                    f"({label.split('.')[-1]} {source_id}) than the one in the bundle."
                )
        corrects = signed["corrects_id"]
        if corrects and corrects in hashes and signed["source_hash"] != hashes[corrects]:
            raise BundleRefused(
                f"Chronology entry {number} corrects an entry that is not the one in the bundle."
            )
        hashes[entry["id"]] = entry["entry_hash"]
        previous = entry


def bundle_open(source: bytes | IO[bytes]) -> OpenedBundle:
    """Check a received bundle from the outside in; refuse with the first problem found.

    In an order that bounds what a hostile zip can cost (ADR 0031): the central directory first
    (sizes, count, compression), then the manifest's signature over the manifest alone, then
    each listed file streamed through SHA-256 against the manifest, and only then is bundle.json
    parsed (with limits) and the records checked. `source` may be a seekable file (an upload on
    disk), which is read where it lies."""
    caps = {  # the members read whole into memory
        MANIFEST: MAX_MANIFEST_BYTES,
        MANIFEST_SIGNATURE: MAX_SIGNATURE_BYTES,
        BUNDLE_JSON: MAX_DOCUMENT_BYTES,
    }
    received = ReceivedZip(source, required=REQUIRED_FILES, caps=caps)
    manifest_signature, listed = _manifest_checked(received)
    files = _files_checked(received, listed)
    bundle = _bundle_document(received, files[BUNDLE_JSON])
    bundle_verify_records(bundle)
    attachment_paths = _attachments_checked(bundle, files)
    # Optional in format 1: bundles made before it existed carry no files from earlier schools.
    previous_files = bundle.get("previous_files", [])
    previous_paths = _previous_checked(previous_files, files)
    described = {BUNDLE_JSON, PDF_NAME, *attachment_paths, *previous_paths}
    for path in files:
        if path not in described:  # "Nothing else may be in the zip" (docs/bundle)
            raise BundleRefused(f"{path} is in the zip but no record in bundle.json describes it.")
    pdf_file = received.spooled(PDF_NAME)
    pdf_signature = pdf_signature_check(pdf_file)
    if not pdf_signature.valid:
        raise BundleRefused(
            "The PDF's signature is not valid"
            + (f": {pdf_signature.problem}" if pdf_signature.problem else ".")
        )
    return OpenedBundle(
        bundle=bundle,
        pdf_file=pdf_file,
        files=files,
        manifest_signature=manifest_signature,
        pdf_signature=pdf_signature,
        pupil=bundle["pupil"],
        sending_school=bundle["sending_school"],
        received=received,
        warnings=_warnings(bundle, manifest_signature, pdf_signature)
        + _previous_warnings(previous_files, received),
        attachment_paths=attachment_paths,
        previous_paths=previous_paths,
    )


def _manifest_checked(received: ReceivedZip) -> tuple[SignatureCheck, dict[str, dict[str, Any]]]:
    """The manifest's signature, once it is valid, and the files the manifest lists, once they
    are the zip's files at the sizes its central directory declares. Nothing else is read."""
    manifest_bytes = received.read(MANIFEST)
    manifest_signature = data_signature_check(
        data=manifest_bytes, signature=received.read(MANIFEST_SIGNATURE)
    )
    if not manifest_signature.valid:
        raise BundleRefused(
            "The signature on the bundle's manifest is not valid"
            + (f": {manifest_signature.problem}" if manifest_signature.problem else ".")
        )
    listed = _listed(json_with_limits(MANIFEST, manifest_bytes))
    for path, item in listed.items():
        if path not in received.members:
            raise BundleRefused(f"{path} is listed in the manifest but missing from the zip.")
        if received.size(path) != item["size"]:
            raise BundleRefused(f"{path} has been changed: its size does not match the manifest.")
    for path in received.members:
        if path not in listed and path not in (MANIFEST, MANIFEST_SIGNATURE):
            raise BundleRefused(f"{path} is in the zip but not in its signed manifest.")
    return manifest_signature, listed


def _listed(manifest: Any) -> dict[str, dict[str, Any]]:
    """The manifest's files by path, once it is a manifest of this format and version."""
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), list)
    ):
        raise BundleRefused(f"{MANIFEST} is not a manifest of a {FORMAT} bundle.")
    if manifest.get("version") != VERSION:
        raise BundleRefused(
            f"The bundle is format version {manifest.get('version')!r}; this system reads "
            f"version {VERSION!r}."
        )
    listed: dict[str, dict[str, Any]] = {}
    for item in manifest["files"]:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("path"), str)
            or not isinstance(item.get("sha256"), str)
            or not isinstance(item.get("size"), int)
        ):
            raise BundleRefused(f"{MANIFEST} lists a file without its path, SHA-256 and size.")
        listed[item["path"]] = item
    return listed


def _files_checked(
    received: ReceivedZip, listed: dict[str, dict[str, Any]]
) -> dict[str, CheckedFile]:
    """Every listed file streamed through SHA-256 and matched against the signed manifest."""
    files: dict[str, CheckedFile] = {}
    for path, item in sorted(listed.items()):
        if received.sha256(path) != item["sha256"]:
            raise BundleRefused(
                f"{path} has been changed: its SHA-256 does not match the signed manifest."
            )
        files[path] = CheckedFile(path=path, sha256=item["sha256"], size=item["size"])
    return files


def _bundle_document(received: ReceivedZip, checked: CheckedFile) -> dict[str, Any]:
    """bundle.json, once it is the file the manifest signed, of the version read here, and
    follows the schema."""
    data = received.read(BUNDLE_JSON)
    if _sha256(data) != checked.sha256:  # read again: the bytes parsed are the bytes checked
        raise BundleRefused(
            f"{BUNDLE_JSON} has been changed: its SHA-256 does not match the signed manifest."
        )
    bundle = json_with_limits(BUNDLE_JSON, data)
    del data
    if isinstance(bundle, dict) and bundle.get("version") not in (None, VERSION):
        raise BundleRefused(
            f"bundle.json is format version {bundle.get('version')!r}; this system reads "
            f"version {VERSION!r}."
        )
    problems = bundle_schema_problems(bundle)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BundleRefused(f"bundle.json does not follow the format at {problems[0]}{more}.")
    return bundle


def _attachments_checked(
    bundle: dict[str, Any], files: Mapping[str, CheckedFile]
) -> tuple[str, ...]:
    """Each concern's attachment path, once its file matches its record's hash and size."""
    paths: list[str] = []
    for concern in bundle["concerns"]:
        for attachment in concern["attachments"]:
            path = attachment["path"]
            if path not in files:
                raise BundleRefused(f"The attachment {attachment['name']} ({path}) is missing.")
            checked = files[path]
            if checked.sha256 != attachment["sha256"] or checked.size != attachment["size"]:
                raise BundleRefused(
                    f"The attachment {attachment['name']} has been changed: its SHA-256 does "
                    "not match the record."
                )
            paths.append(path)
    return tuple(paths)


def _previous_checked(
    described: list[dict[str, Any]], files: Mapping[str, CheckedFile]
) -> tuple[str, ...]:
    """Each file received from a previous school, checked against its description; a file under
    previous/ that the document does not describe is refused."""
    previous: list[str] = []
    for item in described:
        name = f"The file received from {item['from_school_name']}"
        for which in ("pdf", "bundle"):
            meta = item[which]
            if meta is None:
                continue
            what = "PDF" if which == "pdf" else "bundle"
            path = meta["path"]
            if path != f"{PREVIOUS_FOLDER}{item['id']}/{PREVIOUS_NAMES[which]}":
                raise BundleRefused(f"{name} gives its {what} a path of another file ({path}).")
            if path not in files:
                raise BundleRefused(f"{name}: its {what} ({path}) is missing.")
            checked = files[path]
            if checked.sha256 != meta["sha256"] or checked.size != meta["size"]:
                raise BundleRefused(
                    f"{name}: its {what} has been changed: its SHA-256 does not match the record."
                )
            previous.append(path)
    for path in files:
        if path.startswith(PREVIOUS_FOLDER) and path not in previous:
            raise BundleRefused(
                f"{path} is in the zip but no file received from a previous school is described "
                "by it."
            )
    return tuple(previous)


def _previous_warnings(described: list[dict[str, Any]], received: ReceivedZip) -> list[str]:
    """A received PDF whose signature no longer checks out is carried as it was, and said."""
    notes = []
    for item in described:
        with received.spooled(item["pdf"]["path"]) as pdf:
            check = pdf_signature_check(pdf)
        if not check.valid:
            notes.append(
                f"The PDF received from {item['from_school_name']} ({item['pdf']['path']}) does "
                f"not carry a valid signature: {check.problem or 'it could not be checked'}"
            )
    return notes


def _warnings(bundle: dict[str, Any], manifest: SignatureCheck, pdf: SignatureCheck) -> list[str]:
    """What a receiving DSL should know that is not a reason to refuse."""
    notes: list[str] = []
    for what, check in (("bundle", manifest), ("PDF", pdf)):
        if not check.trusted:
            notes.append(
                f"The {what} is signed by {check.signer or 'an unknown signer'}, whose "
                "certificate this platform did not issue or register: check with the sending "
                "school that it is theirs."
            )
    if manifest.signer and pdf.signer and manifest.signer != pdf.signer:
        notes.append(f"The bundle is signed by {manifest.signer} but the PDF by {pdf.signer}.")
    sender = bundle["sending_school"]["name"]
    if manifest.school_name and not sender.startswith(manifest.school_name.removesuffix("...")):
        notes.append(
            f"The bundle says it is from {sender} but its signature names {manifest.school_name}."
        )
    return notes
