"""Fixtures of the transfer-flow tests: a transfer started, and one whose file is ready."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.support.records.cp_file import full_file, seed_categories
from tests.support.world import World
from transfers import services
from transfers.models import ExportState, Transfer

LEAVING = datetime.date(2026, 11, 18)  # a Wednesday in term


def _start(world: World, django_capture_on_commit_callbacks: Any, **kwargs: Any) -> Transfer:
    arguments: dict[str, Any] = {
        "actor": world.users["dsl"],
        "pupil": world.pupil,
        "leaving_date": LEAVING,
        "destination_school": world.other_school,
    }
    arguments.update(kwargs)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfer = services.transfer_start(**arguments)
    assert len(callbacks) == 1  # the export task, queued after commit
    return transfer


@pytest.fixture
def ready(world: World, django_capture_on_commit_callbacks: Any) -> Transfer:
    """A pupil with a full CP file, leaving for school B; the export run as the task runs it."""
    full_file(world, seed_categories(world), concerns=1)
    transfer = _start(world, django_capture_on_commit_callbacks)
    export = services.export_run(export_id=transfer.export_id)
    assert export.state == ExportState.DONE, export.error
    transfer.refresh_from_db()
    return transfer


@pytest.fixture
def ready_elsewhere(world: World, django_capture_on_commit_callbacks: Any) -> Transfer:
    transfer = _start(
        world, django_capture_on_commit_callbacks, destination_school=None,
        destination_name="Elm Tree Primary", destination_address="2 Elm Road\nLeigh",
        destination_dsl="Jo Reed",
    )  # fmt: skip
    assert services.export_run(export_id=transfer.export_id).state == ExportState.DONE
    transfer.refresh_from_db()
    return transfer
