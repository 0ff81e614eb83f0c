"""After a database restore (docs/operations.md, "Destruction and backups"): a file destroyed
since the backup was taken is back, still in retention and past its date; `manage.py
retention_run` destroys it again at once, and only once."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from chronology.models import ChronologyEntry
from tests.support.transfers import DESTROY_ON, after, kept
from tests.support.world import World
from transfers.models import RetentionState

pytestmark = pytest.mark.django_db


def test_the_job_run_by_hand_destroys_what_is_past_its_date(
    world: World, records: dict[str, Any]
) -> None:
    retention = kept(world)
    entries = ChronologyEntry.objects.filter(school=world.school, pupil=world.pupil)
    assert any(e.details for e in entries)
    out = StringIO()
    with time_machine.travel(after(DESTROY_ON), tick=False):
        call_command("retention_run", stdout=out)
        assert out.getvalue().startswith("1 files destroyed, 0 newly scheduled, 0 past")
        retention.refresh_from_db()
        assert retention.state == RetentionState.DESTROYED
        assert not any(e.details for e in entries.all())
        out = StringIO()
        call_command("retention_run", stdout=out)
        assert out.getvalue().startswith("0 files destroyed")
