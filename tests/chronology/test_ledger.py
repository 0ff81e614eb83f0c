"""The chain ledger asks retention through a hook; an empty hook must not fail open."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from chronology.ledger import hooks
from chronology.ledger.checks import check_retention_provider
from transfers.retention.ledger import RetentionLedger


def test_transfers_registers_its_provider_at_start_up() -> None:
    assert isinstance(hooks.retention_provider(), RetentionLedger)
    assert check_retention_provider() == []


def test_without_a_provider_the_check_fails_and_the_ledger_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hooks, "_retention", None)

    assert [e.id for e in check_retention_provider()] == ["chronology.E001"]
    with pytest.raises(ImproperlyConfigured):
        hooks.is_read_only(school_id=1, pupil_id=1)
    with pytest.raises(ImproperlyConfigured):
        hooks.destroyed_entries(1)


def test_without_the_transfers_app_nothing_is_in_retention(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hooks, "_retention", None)
    monkeypatch.setattr(hooks.apps, "is_installed", lambda name: name != "transfers")

    assert check_retention_provider() == []
    assert hooks.is_read_only(school_id=1, pupil_id=1) is False
    assert hooks.read_only_pupils(school_id=1, pupil_ids=[1, 2]) == set()
    assert hooks.destroyed_entries(1) == {}
