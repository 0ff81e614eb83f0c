"""Reading a received zip within fixed bounds (ADR 0014, ADR 0031).

Everything that decides how much memory, disk or time a zip may cost is judged from its central
directory before any member is read: the number of members, each one's size once unzipped, the
total, and how far each one unzips beyond its packed size. Members are then read in chunks with a
hard cap (a member that unzips to more than its header said is cut off and refused), hashed as they
pass, and only the small ones the checks must parse are held in memory; a large one is copied to a
spooled temporary file. JSON is parsed with limits on its number of values, its numbers and its
nesting. Every refusal is a `BundleRefused` whose reason a DSL can read.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

# The zip as received, and what it may hold once unzipped (ADR 0014): a concern holds at most 10
# files of 10 MB, so these leave room for a long file while bounding a hostile one.
MAX_BUNDLE_BYTES = 512 * 1024 * 1024
MAX_FILES = 5_000
MAX_FILE_BYTES = 256 * 1024 * 1024  # any one file, uncompressed
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # every file together, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for files over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024

# JSON is parsed whole, so its cost is bounded by what it may contain (ADR 0031): a value costs
# Python some 50 to 100 bytes however short its text, so a document of a few MB written as
# `[[],[],...]` would otherwise take gigabytes.
MAX_JSON_VALUES = 2_000_000
MAX_NUMBER_DIGITS = (
    20  # no number in a bundle needs more: sizes and sequence numbers fit in 64 bits
)

CHUNK = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # a copied member stays in memory up to this, then goes to disk

_DRIVE = re.compile(r"^[A-Za-z]:")
_MB = 1024 * 1024
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError)


class BundleRefused(Exception):  # noqa: N818 (the shared interface's name)
    """A received bundle that cannot be trusted, with the reason in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def size_text(n: int) -> str:
    """A size as a person reads it: "3 MB", "20 KB"."""
    return f"{n // _MB} MB" if n >= _MB else f"{max(n // 1024, 1)} KB"


def _source_size(source: bytes | IO[bytes]) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


class ReceivedZip:
    """A received zip whose central directory passed every bound; members are read on demand.

    `caps` gives a smaller limit to the members read whole into memory (by name)."""

    def __init__(
        self,
        source: bytes | IO[bytes],
        *,
        required: tuple[str, ...] = (),
        caps: Mapping[str, int] | None = None,
    ) -> None:
        size = _source_size(source)
        if size > MAX_BUNDLE_BYTES:
            raise BundleRefused(
                f"The file is {size_text(size)}; a bundle may be at most "
                f"{size_text(MAX_BUNDLE_BYTES)}."
            )
        stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        try:
            self._archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise BundleRefused(
                "This is not a zip file, so it is not a CP-file bundle. Upload the .zip you were "
                "sent."
            ) from exc
        self.members = {i.filename: i for i in _safe_members(self._archive, caps or {})}
        for name in required:
            if name not in self.members:
                raise BundleRefused(f"The bundle has no {name}: it is incomplete.")

    def size(self, name: str) -> int:
        """The member's size once unzipped, as the central directory declares it."""
        return self.members[name].file_size

    def read(self, name: str) -> bytes:
        """A member's bytes, never more than its header declared (a longer one is refused)."""
        info = self.members[name]
        with self._reading(info) as handle:
            data = handle.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise BundleRefused(f"{name} is not the size the zip says it is.")
        return data

    def sha256(self, name: str) -> str:
        """The member's SHA-256, read in chunks and cut off at its declared size."""
        digest = hashlib.sha256()
        for chunk in self._chunks(name):
            digest.update(chunk)
        return digest.hexdigest()

    def spooled(self, name: str) -> IO[bytes]:
        """A copy of the member in a temporary file (in memory while small), at its start."""
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            for chunk in self._chunks(name):
                copy.write(chunk)
        except BaseException:
            copy.close()
            raise
        copy.seek(0)
        return copy

    def _chunks(self, name: str) -> Iterator[bytes]:
        info = self.members[name]
        total = 0
        with self._reading(info) as handle:
            while chunk := handle.read(CHUNK):
                total += len(chunk)
                if total > info.file_size:  # zipfile stops at the header's size; so do we
                    raise BundleRefused(f"{name} is not the size the zip says it is.")
                yield chunk
        if total != info.file_size:
            raise BundleRefused(f"{name} is not the size the zip says it is.")

    @contextmanager
    def _reading(self, info: zipfile.ZipInfo) -> Iterator[IO[bytes]]:
        try:
            with self._archive.open(info) as handle:
                yield handle
        except BundleRefused:
            raise
        except _DAMAGED as exc:
            raise BundleRefused(f"{info.filename} in the zip is damaged ({exc}).") from exc
        except NotImplementedError as exc:
            raise BundleRefused(
                f"{info.filename} in the zip is packed in a way that is not supported ({exc})."
            ) from exc


def _check_name(name: str) -> None:
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in name
        or _DRIVE.match(name)
        or any(p in ("..", ".") for p in parts)
        or "\x00" in name
    ):
        raise BundleRefused(
            f"The zip contains an unsafe path ({name!r}): a file that would be written outside "
            "the bundle. It was refused."
        )


def _safe_members(archive: zipfile.ZipFile, caps: Mapping[str, int]) -> list[zipfile.ZipInfo]:
    """The members, once the central directory shows none is unsafe and none too large."""
    entries = archive.infolist()
    if len(entries) > MAX_FILES:
        raise BundleRefused(
            f"The zip contains {len(entries)} files; a bundle may hold at most {MAX_FILES}."
        )
    members = [i for i in entries if not i.is_dir()]
    seen: set[str] = set()
    total = 0
    for info in members:
        _check_name(info.filename)
        if info.filename in seen:
            raise BundleRefused(f"The zip contains {info.filename} twice.")
        seen.add(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BundleRefused(f"The zip contains a link ({info.filename}), not a file.")
        if info.flag_bits & 0x1:
            raise BundleRefused(f"{info.filename} in the zip is encrypted; it cannot be checked.")
        _check_size(info, caps.get(info.filename, MAX_FILE_BYTES))
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BundleRefused(
            f"The zip would be {size_text(total)} once unzipped; a bundle may be at most "
            f"{size_text(MAX_TOTAL_BYTES)}."
        )
    return members


def _check_size(info: zipfile.ZipInfo, cap: int) -> None:
    if info.file_size > min(cap, MAX_FILE_BYTES):
        raise BundleRefused(
            f"{info.filename} would be {size_text(info.file_size)} once unzipped; "
            + (
                f"a file may be at most {size_text(MAX_FILE_BYTES)}."
                if cap >= MAX_FILE_BYTES
                else f"{info.filename} may be at most {size_text(cap)}."
            )
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise BundleRefused(
            f"{info.filename} unzips to more than {MAX_RATIO} times its packed size, like a "
            "zip bomb. It was refused."
        )


# --- JSON with limits ----------------------------------------------------------------------------


def json_with_limits(name: str, data: bytes) -> Any:
    """`data` parsed as JSON, refused when it is not JSON, holds too many values, a number too
    long or not finite, or is nested too deeply."""
    # Every value after the first in an array or object follows a comma, and every container opens
    # with a bracket; counted in the raw bytes (strings included), this never undercounts.
    values = data.count(b",") + data.count(b"[") + data.count(b"{") + 1
    if values > MAX_JSON_VALUES:
        raise BundleRefused(
            f"{name} holds more than {MAX_JSON_VALUES:,} values; no bundle holds so many."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleRefused(f"{name} is not valid JSON ({exc}).") from exc
    try:
        return json.loads(
            text,
            parse_int=_number(name, int),
            parse_float=_number(name, float),
            parse_constant=_constant(name),
        )
    except RecursionError as exc:  # the parser's own depth guard (the interpreter's limit)
        raise BundleRefused(f"{name} is nested too deeply to be a bundle.") from exc
    except ValueError as exc:  # JSONDecodeError, and anything int() or float() refuses
        raise BundleRefused(f"{name} is not valid JSON ({exc}).") from exc


def _number(name: str, kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        # Refused before int() or float() sees it: int() refuses over 4,300 digits with a
        # ValueError, and a long one costs time quadratic in its length.
        digits = sum(c.isdigit() for c in text)
        if digits > MAX_NUMBER_DIGITS:
            raise BundleRefused(
                f"{name} holds a number {digits:,} digits long; no number in a bundle has more "
                f"than {MAX_NUMBER_DIGITS}."
            )
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise BundleRefused(f"{name} holds a number too large to read ({text}).")
        return value

    return parse


def _constant(name: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        raise BundleRefused(f"{name} holds {text}, which is not a number JSON allows.")

    return parse
