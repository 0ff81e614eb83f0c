"""Values read straight from a request (`safeguard/params.py`): only what the product writes
counts (issue 16)."""

from __future__ import annotations

import pytest

from safeguard.params import one_of, search_text, whole_number, whole_numbers


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("42", 42),
        ("0", 0),
        ("9" * 18, int("9" * 18)),
        ("²", None),  # str.isdigit() says yes; int() says no
        ("١٢", None),  # int() reads 12: not a number the product writes
        ("𝟙", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1\x00", None),
        ("9" * 19, None),  # longer than PostgreSQL's bigint
        ("9" * 5000, None),  # longer than int() reads
        ("", None),
        (None, None),
        (["1"], None),
    ],
)
def test_a_whole_number_is_written_with_the_digits_0_to_9(typed: object, number: object) -> None:
    assert whole_number(typed) == number


def test_whole_numbers_leave_out_the_rest() -> None:
    assert whole_numbers(["3", "²", "", "9" * 5000, "1"]) == [3, 1]


def test_one_of_and_search_text() -> None:
    assert one_of("new", ["new", "closed"]) == "new"
    assert one_of("new\x00", ["new"], default="all") == "all"
    assert one_of(None, ["new"]) == ""
    assert search_text("  Alpha\x00son  ") == "Alphason"
    assert search_text("x" * 1_000_000) == "x" * 100
    assert search_text(None) == ""
