"""The refusals the concern services raise that a page answers in its own way (beside the field,
or with the newer version shown), rather than as a ValidationError."""

from __future__ import annotations

from ..models import DslRecord


class SignedRecordError(Exception):
    """A signed record was asked to change."""


class DraftConflictError(Exception):
    """The draft was saved in another tab or on another device since this page read it."""

    def __init__(self, current_version: int) -> None:
        super().__init__("The draft was saved somewhere else.")
        self.current_version = current_version


class ConflictError(Exception):
    """Someone else saved the record since this person opened it."""

    def __init__(self, current: DslRecord) -> None:
        super().__init__("The record was saved by someone else.")
        self.current = current
