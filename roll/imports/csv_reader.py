"""Reading a CSV export of the roll: its encoding, its delimiter, its headings and its rows.

Row numbers are the spreadsheet's: the heading is row 1, and a blank line is a row too, so the
number in a problem is the row the school business manager sees when the file is opened in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .fields import UNREADABLE

# Python's csv module refuses a cell over its limit (128 KB: a 1 MB "name" is not a name) with an
# error turned into a plain message here.
DELIMITERS = [",", ";", "\t"]
# A roll export has a few dozen columns and at most a few thousand pupils; far more is not a roll
# (and would make the column chooser and the preview unusable).
MOST_COLUMNS = 200
MOST_ROWS = 20_000
LONGEST_HEADING = 100
# Bounds on what is read before a row is judged (ADR 0031): a 10 MB file of empty lines, or of one
# line of millions of two-letter cells, would otherwise cost Python hundreds of MB. A roll's blank
# lines are few, and its longest line is a few KB.
MOST_LINES = 2 * MOST_ROWS
LONGEST_LINE = 2 * 1024 * 1024  # above csv's 128 KB cell limit, so a long cell is named as one


class FileRefusedError(ValueError):
    """A file that cannot be read at all; the message says why, in plain English."""


@dataclass
class CsvTable:
    headings: list[str]
    rows: list[list]  # [spreadsheet row number, [cells]]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding: UTF-8 (with or without a byte-order mark),
    UTF-16 with a byte-order mark, else Windows-1252 (what Excel saves as "CSV" in England)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    elif (utf16 := _utf16_without_mark(data)) is not None:
        try:
            return data.decode(utf16), "UTF-16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            pass
        # UTF-8 text with a stray byte or two (a cell pasted from elsewhere): read as UTF-8, the
        # bad bytes marked so their rows are reported. Read as Windows-1252 instead, every accent
        # in the file would turn silently into two wrong letters ("Zoë" into "ZoÃ«") and be
        # offered as a change to every such pupil's name.
        text = data.decode("utf-8-sig", errors="replace")
        if any(ord(c) > 127 and c != UNREADABLE for c in text):
            return text, "UTF-8"
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            pass
    raise FileRefusedError(
        "The file's text could not be read: it is not UTF-8 or Windows-1252. Save it from the "
        "MIS or Excel as “CSV UTF-8 (comma delimited)” and upload it again"
    )


def _utf16_without_mark(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the text is plainly UTF-16 with no byte-order mark (every
    other byte of a heading row of Latin letters is a NUL), else None."""
    head = data[:200]
    if len(head) < 4 or len(head) % 2:
        return None
    if head[1::2].count(0) > 0.9 * (len(head) // 2) and 0 not in head[0::2]:
        return "utf-16-le"
    if head[0::2].count(0) > 0.9 * (len(head) // 2) and 0 not in head[1::2]:
        return "utf-16-be"
    return None


# Excel's first line naming the delimiter ("sep=," or "sep=;"): Excel hides it when it opens the
# file, so the heading is still row 1 there.
_SEP_LINE = re.compile(r'^"?sep=(.)"?[ \t]*(?:\r\n|\r|\n|$)')


def sniff_delimiter(first_line: str) -> str:
    """Comma, semicolon or tab: whichever the heading row has most of (outside quotes)."""
    outside, quoted = [], False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes) -> CsvTable:
    """The headings and rows of a CSV file; refuses (FileRefusedError) what cannot be read."""
    if not data.strip():
        raise FileRefusedError("The file is empty")
    text, encoding = decode(data)
    # NULs are kept as a visible mark, so the row that held one is reported, not the file refused.
    text, delimiter = _delimited(text.replace("\x00", UNREADABLE))
    records = _records(text, delimiter)
    heading_index = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if heading_index is None:
        raise FileRefusedError("The file is empty")
    headings = _headings(records[heading_index])
    rows = _pupil_rows(records, after=heading_index, width=len(headings))
    return CsvTable(headings=headings, rows=rows, encoding=encoding, delimiter=delimiter)


def _delimited(text: str) -> tuple[str, str]:
    """The text without Excel's "sep=" line, and its delimiter: the one that line names, else
    the one the heading row has most of."""
    sep = _SEP_LINE.match(text)
    if sep:
        text = text[sep.end() :]
    # Line by line, not splitlines(): a list of every line of a hostile file is itself large.
    lines = io.StringIO(text, newline="")
    first_line = next((line for line in lines if line.strip()), "").rstrip("\r\n")
    delimiter = sniff_delimiter(first_line)
    if sep and sep.group(1) in DELIMITERS:
        delimiter = sep.group(1)
    return text, delimiter


def _lines(text: str) -> Iterator[str]:
    """The file's lines, refused past `MOST_LINES` or `LONGEST_LINE` before csv splits them."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if number > MOST_LINES:
            raise FileRefusedError(
                f"The file has more than {MOST_LINES:,} lines: a school's roll is smaller. Check "
                "it is the right file"
            )
        if len(line) > LONGEST_LINE:
            raise FileRefusedError(
                f"Line {number} is over {LONGEST_LINE // (1024 * 1024)} MB long: this is not a "
                "roll export. Check the file"
            )
        yield line


def _records(text: str, delimiter: str) -> list[list[str]]:
    """Every line of the file as its cells, blank lines included (they count as rows)."""
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as error:
        row = len(records) + 1
        if "field larger than field limit" in str(error):
            raise FileRefusedError(
                f"Row {row} has a cell over {csv.field_size_limit() // 1024} KB long: this is "
                "not a roll export. Check the file"
            ) from None
        raise FileRefusedError(f"Row {row} could not be read: {error}") from None
    return records


def _headings(record: list[str]) -> list[str]:
    """The heading row's cells, tidied and bounded; refuses a row that is not a roll's."""
    headings = [" ".join(h.replace("\ufeff", "").split())[:LONGEST_HEADING] for h in record]
    if len(headings) > MOST_COLUMNS:
        raise FileRefusedError(
            f"The file has {len(headings)} columns: a roll export has far fewer. Check it is the "
            "right file"
        )
    if len(headings) < 2:
        raise FileRefusedError(
            "The file has only one column: it may not be a CSV file. Export the roll from the "
            "MIS as CSV, with a heading row and one pupil per row"
        )
    return headings


def _pupil_rows(records: list[list[str]], *, after: int, width: int) -> list[list]:
    """The rows below the heading as [spreadsheet row number, cells padded or cut to `width`]."""
    rows: list[list] = []
    for index in range(after + 1, len(records)):
        cells = records[index]
        if not any(c.strip() for c in cells):
            continue  # a blank line: still counted, so later row numbers match the spreadsheet
        cells = (cells + [""] * width)[:width]
        rows.append([index + 1, cells])
        if len(rows) > MOST_ROWS:
            raise FileRefusedError(
                f"The file has more than {MOST_ROWS:,} pupil rows: a school's roll is smaller. "
                "Check it is the right file"
            )
    return rows
