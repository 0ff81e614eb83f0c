"""History received with a CP file: the sending school's chronology brought into the receiving
school's chronology as received entries, and each one's check against the signed bundle kept with
the file (docs/adr/0045).

When the receiving DSL accepts a file (sent in the service, or an open bundle imported from a
school outside it), every chronology entry of its bundle becomes a new entry of the receiving
school's chain, for the matched pupil: dated as the sender dated it, printed with the name and
role its sender recorded (and the sending school), its words as signed, a concern's entry with
the concern's reason for recording and categories. Each cites a `ReceivedEntry` row and, as its
source hash, the hash the sender's chain gave the entry, so it can be found in the bundle again
and checked. Nothing of the sending school is read but the bundle this school holds: its later
records never reach here.
"""

from __future__ import annotations

import datetime
import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from chronology.ledger.content import SIGNED_FIELDS, entry_content
from chronology.ledger.services import chronology_append
from chronology.models import ChronologyEntry, EntryKind
from safeguard.signing import content_hash

from .export.bundle import BundleRefused, OpenedBundle, bundle_open
from .models import IncomingTransfer, ReceivedEntry

SOURCE_LABEL = "transfers.ReceivedEntry"
CHUNK = 1024 * 1024
# A bundle up to this size is checked in memory; a larger one on disk.
IN_MEMORY = 16 * 1024 * 1024


class StoredBundleError(Exception):
    """The stored bundle of a file received cannot be read or no longer passes its checks; the
    message says so in plain English."""


def _stored_bundle(incoming: IncomingTransfer) -> tuple[IO[bytes], str]:
    """A spooled copy of the stored bundle and its SHA-256, read in chunks (it may be large, and
    in object storage)."""
    if not incoming.bundle:
        raise StoredBundleError(
            "The file received is no longer held here (returned, or destroyed under the "
            "retention policy), so it cannot be checked."
        )
    copy = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    digest = hashlib.sha256()
    try:
        # Through the storage, not the field: the field's own file is left as the caller had it.
        with incoming.bundle.storage.open(str(incoming.bundle.name), "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
    except FileNotFoundError:
        copy.close()
        raise StoredBundleError(
            "The stored bundle of the file received is missing, so it cannot be checked."
        ) from None
    copy.seek(0)
    return copy, digest.hexdigest()


def opened_stored_bundle(incoming: IncomingTransfer) -> OpenedBundle:
    """The stored bundle, once its SHA-256 is the one recorded on arrival and it passes every
    check of an import again (signatures, manifest, each record's hash)."""
    copy, digest = _stored_bundle(incoming)
    if incoming.bundle_sha256 and digest != incoming.bundle_sha256:
        copy.close()
        raise StoredBundleError(
            "The stored bundle has changed since it was received: its SHA-256 is not the one "
            "recorded on arrival, so it cannot be trusted."
        )
    try:
        return bundle_open(copy)
    except BundleRefused as refused:
        raise StoredBundleError(
            f"The stored bundle no longer passes its checks, so it cannot be trusted "
            f"(Detail: {refused.reason})"
        ) from None


# --- What a received entry says ------------------------------------------------------------------


def _when(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _concern_summary(concern: dict[str, Any] | None, pupil_id: str) -> str:
    """A concern's reason for recording and this child's categories, as the sender signed them."""
    if not concern:
        return ""
    signed = concern.get("signed") or {}
    parts = []
    reason = str(signed.get("reason_for_recording") or "").strip()
    if reason:
        parts.append(f"Reason for recording: {reason}")
    categories = [
        str(label)
        for child in signed.get("pupils") or []
        if str(child.get("pupil_id")) == pupil_id
        for label in child.get("categories") or []
    ]
    if categories:
        parts.append("Categories: " + ", ".join(categories))
    if concern.get("reference"):
        parts.append(f"Reference at the sending school: {concern['reference']}")
    return ". ".join(parts) + ("." if parts else "")


@dataclass(frozen=True)
class ReceivedWords:
    """The fields of the receiving school's entry for one received entry."""

    occurred_at: datetime.datetime
    details: str
    people_involved: str
    printed_name: str
    printed_role: str
    significant: bool


def received_words(
    *, item: dict[str, Any], bundle: dict[str, Any], from_school: str, withheld: bool
) -> ReceivedWords:
    """What the receiving school's entry says for a bundle's chronology entry: the same function
    writes it on accepting and recomputes it when the entry is checked."""
    signed = item["signed"]
    recorded = timezone.localtime(_when(signed["recorded_at"]))
    lead = (
        f"Received from {from_school}: {item.get('kind_label') or signed['kind']}, recorded "
        f"there on {date_format(recorded, 'j F Y')} at {recorded:%H:%M}."
    )
    if withheld:
        details = (
            f"{lead} It is about a concern restricted at {from_school}: its words are in the "
            "file received, which the DSL and deputies can open."
        )
        people = ""
    else:
        concern = None
        if signed.get("source_label") == "concerns.Concern":
            concern = _concerns(bundle).get(str(signed.get("source_id")))
        summary = _concern_summary(concern, str((bundle.get("pupil") or {}).get("id")))
        details = "\n".join(p for p in (lead, str(signed.get("details") or ""), summary) if p)
        people = str(signed.get("people_involved") or "")
    role = ", ".join(p for p in (str(signed.get("author_role") or ""), from_school) if p)
    return ReceivedWords(
        occurred_at=_when(signed["occurred_at"]),
        details=details.strip(),
        people_involved=people.strip()[:500],
        printed_name=str(signed.get("author_name") or "")[:150] or "Not recorded",
        printed_role=role[:150],
        significant=bool(signed.get("significant")),
    )


def _concerns(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(c.get("id")): c for c in bundle.get("concerns") or []}


def _restricted(bundle: dict[str, Any]) -> set[str]:
    return {cid for cid, c in _concerns(bundle).items() if c.get("restricted")}


def _withheld(item: dict[str, Any], restricted: set[str]) -> bool:
    signed = item["signed"]
    refs = {str(signed.get("concern_ref") or ""), str(signed.get("source_id") or "")}
    return bool(refs & restricted)


# --- Bringing it in -----------------------------------------------------------------------------


def received_history_bring_in(*, actor: Any, incoming: IncomingTransfer) -> int:
    """Bring the accepted file's chronology into the pupil's chronology here (inside the accept's
    transaction); returns how many entries were added. Idempotent: an entry already received for
    this pupil (by its original hash), or one that is this school's own (a pupil coming back,
    whose file carries entries it once received from here), is not added again."""
    if not incoming.bundle or incoming.pupil_id is None:
        return 0
    try:
        opened = opened_stored_bundle(incoming)
    except StoredBundleError as problem:
        raise ValidationError(
            f"{problem} Return the file to the sender and ask for it to be sent again."
        ) from None
    bundle = opened.bundle
    items = sorted(bundle.get("chronology") or [], key=lambda i: int(i["signed"]["sequence"]))
    hashes = {i["entry_hash"] for i in items} | {
        str(i["signed"].get("source_hash") or "")
        for i in items
        if i["signed"].get("source_label") == SOURCE_LABEL
    }
    hashes.discard("")
    ours = set(
        ChronologyEntry.objects.filter(
            school_id=incoming.school_id, entry_hash__in=hashes
        ).values_list("entry_hash", flat=True)
    )
    already = set(
        ReceivedEntry.objects.filter(
            school_id=incoming.school_id, pupil_id=incoming.pupil_id, original_hash__in=hashes
        ).values_list("original_hash", flat=True)
    )
    restricted = _restricted(bundle)
    added = 0
    for item in items:
        signed = item["signed"]
        original = item["entry_hash"]
        came_back = signed.get("source_label") == SOURCE_LABEL and (
            str(signed.get("source_hash") or "") in ours | already
        )
        if original in ours or original in already or came_back:
            continue
        withheld = _withheld(item, restricted)
        received = ReceivedEntry.objects.create(
            school_id=incoming.school_id,
            incoming=incoming,
            pupil_id=incoming.pupil_id,
            from_school_name=incoming.from_school_name,
            original_id=str(item["id"])[:40],
            original_sequence=int(signed["sequence"]),
            original_kind=str(signed["kind"])[:30],
            original_hash=original,
            withheld=withheld,
        )
        words = received_words(
            item=item, bundle=bundle, from_school=incoming.from_school_name, withheld=withheld
        )
        chronology_append(
            school_id=incoming.school_id,
            pupil_id=incoming.pupil_id,
            kind=EntryKind.RECEIVED_ENTRY,
            occurred_at=words.occurred_at,
            details=words.details,
            people_involved=words.people_involved,
            significant=words.significant,
            author=actor,
            printed_name=words.printed_name,
            printed_role=words.printed_role,
            source_label=SOURCE_LABEL,
            source_id=received.pk,
            source_hash=original,
        )
        already.add(original)
        added += 1
    return added


# --- Checking a received entry -------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedCheck:
    """A received entry checked against the signed bundle kept with the file received."""

    ok: bool
    problem: str = ""  # plain English; "" when it passed
    trusted: bool | None = None  # both signatures by certificates registered on this platform
    signer: str = ""


def received_entry_id(received: ReceivedEntry) -> Any:
    """The id of this school's chronology entry for a received entry (for a link to it)."""
    entry = _entry_of(received)
    return entry.pk if entry else None


def _entry_of(received: ReceivedEntry) -> ChronologyEntry | None:
    return ChronologyEntry.objects.filter(
        school_id=received.school_id, source_label=SOURCE_LABEL, source_id=str(received.pk)
    ).first()


def received_entry_verify(*, received: ReceivedEntry) -> ReceivedCheck:
    """Is the received entry what the sending school signed? The stored bundle must be the one
    received (its SHA-256) and pass every check of an import again; it must hold the entry with
    the original hash, recomputed from its signed fields; and this school's entry must say what
    that signed entry says (and recompute to its own hash in this school's chain)."""
    incoming = received.incoming
    try:
        opened = opened_stored_bundle(incoming)
    except StoredBundleError as problem:
        return ReceivedCheck(ok=False, problem=str(problem))
    items = opened.bundle.get("chronology") or []
    item = next((i for i in items if str(i.get("id")) == received.original_id), None)
    if (
        item is None
        or item.get("entry_hash") != received.original_hash
        or content_hash(item["signed"]) != received.original_hash
    ):
        return ReceivedCheck(
            ok=False,
            problem="The signed bundle does not hold this entry as it was received, so it "
            "cannot be trusted.",
        )
    entry = _entry_of(received)
    if entry is None:
        return ReceivedCheck(ok=False, problem="This school's entry for it is missing.")
    words = received_words(
        item=item,
        bundle=opened.bundle,
        from_school=received.from_school_name,
        withheld=received.withheld,
    )
    said = (
        entry.occurred_at,
        entry.details,
        entry.people_involved,
        entry.author_name,
        entry.author_role,
    )
    signed = (
        words.occurred_at,
        words.details,
        words.people_involved,
        words.printed_name,
        words.printed_role,
    )
    rehashed = content_hash(entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS}))
    if said != signed or entry.source_hash != received.original_hash:
        return ReceivedCheck(
            ok=False,
            problem="This school's entry no longer says what the sending school signed.",
        )
    if rehashed != entry.entry_hash:
        return ReceivedCheck(
            ok=False, problem="This school's entry no longer matches its own hash in the chain."
        )
    return ReceivedCheck(
        ok=True, trusted=opened.trusted, signer=opened.manifest_signature.signer or ""
    )
