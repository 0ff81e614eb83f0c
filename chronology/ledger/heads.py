"""Chain heads published outside the database: each school's last entry and its hash, as a line
of the nightly email or as JSON (`export_chain_heads`), and read back by `compare_chain_heads`.

An entry's hash covers the hash of the entry before it, so a head kept somewhere the database's
owner cannot reach (a platform administrator's inbox) pins the whole chain up to it: to rewrite any
earlier entry unseen, one would have to rewrite that kept copy too. A head names the school, a
sequence number and a hash, never a child. Pure: no database.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

FORMAT = "safeguard-chain-heads"
VERSION = 1

# "Alderbrook Primary (alderbrook, id 3): entry 120, head hash 5f0c...": the email's line. A
# reply or a forward may quote it ("> "); a school's name may hold brackets, so read from the end.
_LINE = re.compile(
    r"^[>\s]*(?P<name>.+) \((?P<slug>[-\w]+), id (?P<school_id>\d+)\): "
    r"entry (?P<sequence>\d+), head hash (?P<entry_hash>[0-9a-f]{64})\s*$"
)


class HeadsUnreadableError(ValueError):
    """The text holds no chain head this command can read."""


@dataclass(frozen=True)
class PublishedHead:
    school_id: int
    slug: str
    name: str
    sequence: int
    entry_hash: str

    def line(self) -> str:
        """The head as a line of the nightly email (`heads_from_text` reads it back)."""
        return (
            f"{self.name} ({self.slug}, id {self.school_id}): "
            f"entry {self.sequence}, head hash {self.entry_hash}"
        )


def heads_to_json(heads: list[PublishedHead], *, generated_at: datetime.datetime) -> str:
    """The heads as the JSON document `export_chain_heads` writes."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": generated_at.isoformat(),
        "heads": [asdict(head) for head in heads],
    }
    return json.dumps(document, indent=2) + "\n"


def _head(item: Any) -> PublishedHead:
    try:
        head = PublishedHead(
            school_id=int(item["school_id"]),
            slug=str(item["slug"]),
            name=str(item["name"]),
            sequence=int(item["sequence"]),
            entry_hash=str(item["entry_hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise HeadsUnreadableError(f"A head in the JSON is incomplete: {exc}") from exc
    if head.sequence < 0 or not re.fullmatch(r"[0-9a-f]{64}", head.entry_hash):
        raise HeadsUnreadableError(f"The head of {head.name} has no valid sequence number or hash.")
    return head


def heads_from_text(text: str) -> list[PublishedHead]:
    """The heads in an `export_chain_heads` JSON document, or in the nightly email's lines (any
    other line of the email is passed over)."""
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HeadsUnreadableError(f"The JSON cannot be read: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise HeadsUnreadableError(f"This JSON is not a {FORMAT} document.")
        if document.get("version") != VERSION or not isinstance(document.get("heads"), list):
            raise HeadsUnreadableError(f"Only version {VERSION} of {FORMAT} can be read.")
        heads = [_head(item) for item in document["heads"]]
    else:
        heads = [
            _head(match.groupdict())
            for line in text.splitlines()
            if (match := _LINE.match(line)) is not None
        ]
    if not heads:
        raise HeadsUnreadableError(
            "No chain head found: give the nightly email's lines or a JSON export."
        )
    return heads
