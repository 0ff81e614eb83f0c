"""Transfers' chronology entries checked against the files they cite, many at once, for the chain
ledger's check (registered in `TransfersConfig.ready()`; docs/adr/0030).

A transfer's entries hold the SHA-256 of the signed PDF sent or received, not of a database row:
each is compared with the hash the export or the received file keeps. The file itself is not read
again here (retention deletes it, and its PAdES signature is checked when it is opened)."""

from __future__ import annotations

from collections.abc import Sequence

from chronology.ledger.sources import Answer, Cited, Context, answer, cited_ids

from .models import IncomingTransfer, ReceivedEntry, Transfer


def transfers_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """A file sent, and its receipt: the hash of the export that was sent."""
    sent = Transfer.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    rows = sent.values_list("pk", "export__pdf_sha256")
    return answer(cited, {pk: {pdf_sha256 or ""} for pk, pdf_sha256 in rows})


def incoming_transfers_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """A file received and accepted: the hash of the PDF received."""
    received = IncomingTransfer.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {pk: {h} for pk, h in received.values_list("pk", "pdf_sha256")})


def received_entries_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """An entry received from another school: the hash the sending school's chain gave it (the
    nightly check compares; `received_entry_verify` checks it against the signed bundle)."""
    rows = ReceivedEntry.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {pk: {h} for pk, h in rows.values_list("pk", "original_hash")})
