"""A preview nobody applies or discards is thrown away after a week, rows and all: the school's
roll is not kept twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from roll import tasks
from roll.imports.services import PREVIEW_KEPT, roll_imports_expire
from schools.models import RollImport
from tests.support.roll_imports import csv_bytes, preview_csv, upn
from tests.support.world import World

pytestmark = pytest.mark.django_db


def test_a_week_old_preview_is_discarded_and_emptied_and_a_newer_one_kept(world: World) -> None:
    admin = world.users["admin"]
    old = preview_csv(admin, world.school, csv_bytes(f"{upn(1)},Oldrow,Olive,01/02/2016,5"))
    new = preview_csv(admin, world.school, csv_bytes(f"{upn(2)},Newrow,Nina,01/02/2016,5"))
    assert old.rows
    RollImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - PREVIEW_KEPT - datetime.timedelta(minutes=1)
    )

    assert tasks.roll_imports_expire() == 1
    assert roll_imports_expire() == 0  # again: nothing more

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == RollImport.Status.DISCARDED
    assert old.rows == []
    assert "Oldrow" not in str(old.plan)
    assert new.status == RollImport.Status.PREVIEW
    assert new.rows
