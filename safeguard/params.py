"""Values read straight from a request (a query string, a posted field no form reads): only what
the product itself could have written there counts, and anything else is as if nothing had been
given, so a mistyped or hostile link shows the page unfiltered rather than a server error.

Forms check their own fields (a Django `CharField` refuses NUL, an `IntegerField` a word); these
are for the values views read without one. `str.isdigit()` is no check for a number: it is true
for "²", which `int()` refuses, and for "١٢", which `int()` reads as 12.
"""

from __future__ import annotations

from collections.abc import Iterable

# PostgreSQL's bigint holds 18 digits whatever they are; a longer "id" names no row (and int()
# refuses more than 4,300 digits).
_MOST_DIGITS = 18


def whole_number(value: object) -> int | None:
    """The number written with the digits 0 to 9 (as the product writes ids and versions), or
    None for anything else: empty, signed, other scripts' digits, too many digits."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > _MOST_DIGITS:
        return None
    return int(value)


def whole_numbers(values: Iterable[object]) -> list[int]:
    """The values that are whole numbers (`whole_number`), in order; the rest left out."""
    return [n for n in (whole_number(v) for v in values) if n is not None]


def one_of(value: object, choices: Iterable[str], default: str = "") -> str:
    """The value if it is one of the choices, else `default`."""
    return value if isinstance(value, str) and value in set(choices) else default


def search_text(value: object, longest: int = 100) -> str:
    """Words to search for: without NUL characters (no stored text has them, and PostgreSQL
    refuses them in a query), trimmed, and no longer than `longest`."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:longest]
