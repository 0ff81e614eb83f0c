"""Recovery codes: made at random, shown once, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand is not misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LENGTH = 4, 6  # 24 characters, 120 random bits


def recovery_code_make() -> str:
    """A new code, in groups for reading: `7K2M9Q-...`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def recovery_code_normalise(typed: str) -> str:
    """What a person typed, as stored: no spaces or dashes, upper case, misreadings folded."""
    kept = "".join(ch for ch in typed.upper() if ch.isascii() and ch.isalnum())
    return kept.translate(str.maketrans("OIL", "011"))


def recovery_code_hash(typed: str) -> str:
    """SHA-256 of the normalised code (enough for a 120-bit random secret, ASVS 5.0 6.5.2)."""
    return hashlib.sha256(recovery_code_normalise(typed).encode()).hexdigest()
