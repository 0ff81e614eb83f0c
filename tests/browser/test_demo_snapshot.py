"""The browser tests' demo, restored from a snapshot, is the demo `seed_demo` writes
(tests/support/demo_snapshot.py): the same rows, ids included, and an app that works on it."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.support import demo_snapshot
from tests.support.demo_snapshot import public_tables, seed_demo_for_test

pytestmark = pytest.mark.django_db(transaction=True)


def _every_row() -> dict[str, Counter[tuple[str, ...]]]:
    """Every public table's rows, as text, order-independent."""
    rows: dict[str, Counter[tuple[str, ...]]] = {}
    with connection.cursor() as cursor:
        for table in public_tables():
            cursor.execute(f"SELECT t::text FROM public.{connection.ops.quote_name(table)} t")  # noqa: S608 (table names from the catalogue)
            rows[table] = Counter(row for row in cursor.fetchall())
    return rows


def _empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("TRUNCATE " + ", ".join(public_tables()))
        cursor.execute("SET session_replication_role = DEFAULT")


def test_a_restored_demo_is_row_for_row_the_seeded_one() -> None:
    demo_snapshot._snapshots.clear()
    assert seed_demo_for_test(history=False) == "seeded"
    seeded = _every_row()
    assert sum(len(rows) for rows in seeded.values()) > 1000
    # The state a browser test meets after pytest-django's flush: empty tables, then content
    # types and permissions written again by post_migrate with new ids.
    call_command("flush", interactive=False, stdout=StringIO())
    assert _every_row() != seeded
    assert seed_demo_for_test(history=False) == "restored"
    restored = _every_row()
    differ = [t for t in seeded if seeded[t] != restored[t]]
    assert not differ, f"tables that differ: {differ}"
    # Another table state altogether (rows the seed never wrote): restored all the same.
    _empty()
    assert seed_demo_for_test(history=False) == "restored"
    assert _every_row() == seeded


def test_the_restored_demo_works_through_the_app() -> None:
    from chronology.ledger.verification import verify_chain
    from schools.models import Pupil, School, User
    from transfers.models import Transfer

    seed_demo_for_test(history=False)
    call_command("flush", interactive=False, stdout=StringIO())
    assert seed_demo_for_test(history=False) == "restored"

    for school in School.objects.all():
        report = verify_chain(school_id=school.pk)
        assert report.broken_at is None, report
        assert not report.broken_records, report
        assert report.checked > 0

    client = Client()
    client.force_login(User.objects.get(email="dsl@alderbrook.example"))
    inbox = client.get("/triage/")
    assert inbox.status_code == 200
    assert "<title>Concerns to t" in inbox.content.decode()
    assert "Alderbrook" in inbox.content.decode()
    pupil = Pupil.objects.filter(school__slug="alderbrook").order_by("legal_last_name").first()
    page = client.get(f"/pupils/{pupil.pk}/")
    assert page.status_code == 200
    assert pupil.legal_last_name in page.content.decode()

    transfer = Transfer.objects.get(school__slug="alderbrook")
    pdf = client.get(f"/transfers/{transfer.pk}/files/pdf/")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_removed_demo_file_comes_back_with_the_rows() -> None:
    from django.core.files.storage import default_storage

    from transfers.models import Transfer

    seed_demo_for_test(history=False)
    export = Transfer.objects.get(school__slug="alderbrook").export
    default_storage.delete(export.pdf.name)
    call_command("flush", interactive=False, stdout=StringIO())
    assert seed_demo_for_test(history=False) == "restored"
    assert default_storage.exists(export.pdf.name)


@pytest.mark.django_db(transaction=False)
def test_inside_a_transaction_the_real_command_runs() -> None:
    assert seed_demo_for_test(history=False) == "seeded"
