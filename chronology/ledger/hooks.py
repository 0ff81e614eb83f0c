"""What the ledger asks retention, without importing it (retention sits far above the ledger).

`transfers` registers its provider in `TransfersConfig.ready()`; the ledger's system check
(`chronology.E001`) refuses to start when `transfers` is installed and nothing is registered, and
so does every call here: an empty hook must not fail open (an append to a file in retention would
then be let through, and a destroyed entry reported as broken).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError


class RetentionProvider(Protocol):
    """Retention's answers to the ledger (see `transfers/retention/ledger.py`)."""

    def is_read_only(self, *, school_id: int, pupil_id: Any) -> bool: ...

    def read_only_pupils(self, *, school_id: int, pupil_ids: list[Any]) -> set[Any]: ...

    def read_only_error(self, pupil_id: Any) -> ValidationError: ...

    def destroyed_entries(self, school_id: int) -> dict[str, tuple[str, str]]: ...

    def destroyed_pupils(self, school_id: int) -> set[str]: ...

    def on_skipped(self, *, school_id: int, concern_id: Any) -> None: ...


class NoRetention:
    """Without the `transfers` app there is no retention: nothing is read-only or destroyed."""

    def is_read_only(self, *, school_id: int, pupil_id: Any) -> bool:
        return False

    def read_only_pupils(self, *, school_id: int, pupil_ids: list[Any]) -> set[Any]:
        return set()

    def read_only_error(self, pupil_id: Any) -> ValidationError:
        return ValidationError("This child's child-protection file is read-only.")

    def destroyed_entries(self, school_id: int) -> dict[str, tuple[str, str]]:
        return {}

    def destroyed_pupils(self, school_id: int) -> set[str]:
        return set()

    def on_skipped(self, *, school_id: int, concern_id: Any) -> None:
        return None


_retention: RetentionProvider | None = None


def register_retention(provider: RetentionProvider) -> None:
    """Called once, from the retention app's `ready()`."""
    global _retention
    _retention = provider


def retention_provider() -> RetentionProvider | None:
    """The registered provider, if any (for the system check)."""
    return _retention


def _provider() -> RetentionProvider:
    if _retention is not None:
        return _retention
    if apps.is_installed("transfers"):
        raise ImproperlyConfigured("transfers is installed but registered no retention provider.")
    return NoRetention()


def is_read_only(*, school_id: int, pupil_id: Any) -> bool:
    """Whether the pupil's CP file at this school is in retention (nothing may be added)."""
    return _provider().is_read_only(school_id=school_id, pupil_id=pupil_id)


def read_only_pupils(*, school_id: int, pupil_ids: list[Any]) -> set[Any]:
    """Which of these pupils' files at the school are in retention."""
    return _provider().read_only_pupils(school_id=school_id, pupil_ids=pupil_ids)


def read_only_error(pupil_id: Any) -> ValidationError:
    """The refusal to add to a file in retention."""
    return _provider().read_only_error(pupil_id)


def destroyed_entries(school_id: int) -> dict[str, tuple[str, str]]:
    """Entry id -> (its hash when destroyed, its pupil), for the school's destroyed files."""
    return _provider().destroyed_entries(school_id)


def destroyed_pupils(school_id: int) -> set[str]:
    """The pupils (ids as text) whose file at the school retention destroyed."""
    return _provider().destroyed_pupils(school_id)


def on_skipped(*, school_id: int, concern_id: Any) -> None:
    """A signed record also names a child whose file is in retention: it was left out of their
    chronology; retention tells the DSL to pass it on."""
    _provider().on_skipped(school_id=school_id, concern_id=concern_id)
