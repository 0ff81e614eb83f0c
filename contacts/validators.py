"""Checks on what people type into contact details."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_PHONE_CHARACTERS = re.compile(r"^[0-9 +()\-]+$")


def validate_phone(value: str) -> None:
    """A telephone number: digits, spaces and + ( ) -, with at least three digits (999, 101)."""
    if not _PHONE_CHARACTERS.match(value):
        raise ValidationError(
            "Enter a telephone number using only numbers and spaces, like 0116 305 0005",
            code="phone_characters",
        )
    digits = sum(c.isdigit() for c in value)
    if digits < 3 or digits > 15:
        raise ValidationError(
            "Enter a telephone number of 3 to 15 digits, like 101 or 0116 305 0005",
            code="phone_length",
        )
