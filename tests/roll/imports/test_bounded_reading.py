"""A roll file costs bounded memory whatever it holds (ADR 0031): lines and their length are
bounded before the CSV reader splits them, and a CTF's tags are counted before it is parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from roll.imports.csv_reader import FileRefusedError, read_csv
from roll.imports.ctf_reader import read_ctf
from tests.support.peak_memory import peak_growth

TEN_MB = 10 * 1024 * 1024


def test_a_file_of_empty_lines_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """10 MB of line endings: before ADR 0031 reading it grew the process by 776 MB."""
    path = tmp_path / "roll.csv"
    path.write_bytes(b"UPN,Surname\n" + b"\n" * (TEN_MB - 20))
    measured = peak_growth("csv", path)
    assert measured["outcome"] == (
        "refused: The file has more than 40,000 lines: a school's roll is smaller. Check it is "
        "the right file"
    )
    assert measured["growth_mb"] < 80, measured  # about 6 times the 10 MB upload, at most


def test_a_line_of_millions_of_cells_is_refused_before_it_is_split(tmp_path: Path) -> None:
    """Three million two-letter cells on one line: 276 MB before ADR 0031."""
    path = tmp_path / "roll.csv"
    path.write_bytes(b"UPN,Surname\n" + b"ab," * (3 * 1024 * 1024))
    measured = peak_growth("csv", path)
    assert measured["outcome"] == (
        "refused: Line 2 is over 2 MB long: this is not a roll export. Check the file"
    )
    assert measured["growth_mb"] < 80, measured  # about 6 times the 10 MB upload, at most


def test_a_ctf_of_millions_of_empty_elements_is_refused_before_it_is_parsed(
    tmp_path: Path,
) -> None:
    """2.5 million `<x/>` elements in 10 MB: 218 MB before ADR 0031."""
    path = tmp_path / "roll.xml"
    path.write_bytes(
        b"<CTfile><Header/><CTFpupilData>" + b"<x/>" * 2_500_000 + b"</CTFpupilData></CTfile>"
    )
    measured = peak_growth("ctf", path)
    assert measured["outcome"].startswith(
        "refused: The file has more than 1,000,000 XML tags: a Common Transfer File of a "
        "school's roll has far fewer."
    )
    assert measured["growth_mb"] < 20, measured


def test_a_roll_with_blank_lines_and_old_mac_line_endings_still_reads() -> None:
    table = read_csv(b"UPN,Surname\r\r\rA123,Smith\r\rB456,Jones\r")
    assert table.headings == ["UPN", "Surname"]
    assert [cells for _, cells in table.rows] == [["A123", "Smith"], ["B456", "Jones"]]
    with pytest.raises(FileRefusedError):
        read_ctf(b"<CTfile>" + b"<a/>" * 1_000_001 + b"</CTfile>")
