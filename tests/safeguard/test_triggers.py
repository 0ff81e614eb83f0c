"""The signed-record triggers are installed after migrate, on PostgreSQL and on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.db import connection

from safeguard.triggers import installed_names, registered

ROOT = Path(__file__).resolve().parents[2]


def test_every_guard_is_installed_in_the_test_database(db) -> None:
    assert {f"sg_guard_{g.name}" for g in registered()} <= installed_names(connection)
    assert len(registered()) >= 21


def test_sqlite_migrates_with_guards_that_refuse_changes(tmp_path: Path) -> None:
    """`make run` uses SQLite: migrate from nothing, sign a concern, then try to rewrite it."""
    script = textwrap.dedent(
        """
        import datetime, django
        django.setup()
        from django.core.management import call_command
        from django.db import IntegrityError, connection
        from django.utils import timezone
        call_command("migrate", verbosity=0)
        call_command("migrate", "concerns", "0001", verbosity=0)  # SQLite rebuilds tables...
        call_command("migrate", verbosity=0)  # ...and the guards come back afterwards
        from safeguard.triggers import installed_names, registered
        assert len(installed_names(connection)) == len(registered()), installed_names(connection)
        from demo.seed import seed_demo
        seed_demo(password="x-long-password-123", today=datetime.date(2026, 11, 22), history=False)
        from concerns import services
        from concerns.models import Concern
        from schools.models import Pupil, User
        staff = User.objects.get(email="staff@alderbrook.example")
        pupil = Pupil.objects.filter(school__slug="alderbrook").first()
        c = services.concern_start(actor=staff, school=pupil.school, pupil=pupil)
        i = c.involvements.get()
        cat = services.categories_for(school=pupil.school)[0]
        services.involvement_update(actor=staff, involvement=i, kind="experienced", category_ids=[cat.pk])
        services.concern_draft_update(actor=staff, concern=c, values={
            "incident_at": timezone.now() - datetime.timedelta(hours=1), "reason_for_recording": "r",
            "account": "a", "immediate_danger": False})
        c = services.concern_submit(actor=staff, concern=c)
        try:
            Concern.objects.filter(pk=c.pk).update(account="rewritten")
        except IntegrityError as e:
            print("REFUSED", e)
        from chronology.models import ChronologyEntry
        entry = ChronologyEntry.objects.filter(source_id=str(c.pk)).get()
        for attempt in (lambda: ChronologyEntry.objects.filter(pk=entry.pk).update(details="x"),
                        lambda: ChronologyEntry.objects.filter(pk=entry.pk).delete()):
            try:
                attempt()
            except IntegrityError as e:
                print("CHRONOLOGY REFUSED", e)
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safeguard.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REFUSED signed record cannot be changed" in result.stdout
    assert result.stdout.count("CHRONOLOGY REFUSED signed record cannot be changed") == 2
