"""The destruction log and its replay after a database restore (docs/operations.md, "Destruction
and backups"): every destruction writes a record of ids and hashes outside the database; after
the database is taken back to a backup, `manage.py replay_destructions --since <backup>` destroys
again, through the product's own destruction, what the restored database still holds, once."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import boto3
import pytest
import time_machine
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Model
from django.test import TestCase

from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry
from concerns.models import Concern
from tests.support.transfers import DESTROY_ON, after, kept, run_at
from tests.support.world import World
from transfers.models import (
    Export,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionEvent,
    RetentionState,
)
from transfers.retention import destruction_log
from transfers.retention import services as svc

pytestmark = pytest.mark.django_db

BACKUP = after(DESTROY_ON - datetime.timedelta(days=20))  # the moment the backup was taken
LATER = after(DESTROY_ON + datetime.timedelta(days=2))  # the restore, and the replay


@pytest.fixture
def log_dir(settings: Any, tmp_path: Path) -> Path:
    """The destruction log in a storage of its own (as DESTRUCTION_LOG_STORAGE lets an operator
    set), so each test reads only its own records."""
    location = tmp_path / "destruction-log-storage"
    settings.DESTRUCTION_LOG_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location)},
    }
    return location


# A backup and a restore ---------------------------------------------------------------------


def _tables() -> list[type[Model]]:
    """Every table destruction changes."""
    blanked = svc.destroyed_rows(school_id=0, pupil_id=None, concern_ids=[], assessment_ids=[])
    return [*blanked, Export, IncomingTransfer, Retention, RetentionEvent]


def backup(world: World, records: dict[str, Any]) -> dict[Any, Any]:
    """What a backup taken now holds: each row of those tables, and the stored files' bytes."""
    rows = {model: list(model._default_manager.values()) for model in _tables()}
    files = {}
    for each in records.values():
        with default_storage.open(each.attachment.file.name, "rb") as handle:
            files[each.attachment.file.name] = handle.read()
    return {"rows": rows, "files": files}


def restore(snapshot: dict[Any, Any]) -> None:
    """Take the database (and the bucket) back to the backup: rows made since are gone, rows
    changed since are as they were (the guards are bypassed, as pg_restore bypasses them)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        for model in (RetentionEvent, Retention):
            kept_ids = [row["id"] for row in snapshot["rows"][model]]
            model._default_manager.exclude(pk__in=kept_ids).delete()
        for model, rows in snapshot["rows"].items():
            for row in rows:
                values = {k: v for k, v in row.items() if k != "id"}
                model._default_manager.filter(pk=row["id"]).update(**values)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    for name, body in snapshot["files"].items():
        if not default_storage.exists(name):
            assert default_storage.save(name, ContentFile(body)) == name


def kept_until(world: World, day: datetime.date, *, other: bool = False) -> Retention:
    """A file kept until `day` (school B's pupil's with `other`)."""
    return Retention.objects.create(
        school=world.other_school if other else world.school,
        pupil=world.other_pupil if other else world.pupil,
        basis=RetentionBasis.LAST_SCHOOL,
        destroy_on=day,
    )


def replay(*args: str, at: datetime.datetime = LATER) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("replay_destructions", "--since", BACKUP.isoformat(), *args, stdout=out)
    return out.getvalue()


def words_of(world: World, records: dict[str, Any], key: str = "own") -> dict[str, Any]:
    pupil = world.pupil if key == "own" else world.other_pupil
    return {
        "account": Concern.objects.get(pk=records[key].concern.pk).account,
        "details": {e.details for e in ChronologyEntry.objects.filter(pupil=pupil) if e.details},
        "file": default_storage.exists(records[key].attachment.file.name),
    }


def assert_destroyed(world: World, records: dict[str, Any], key: str = "own") -> None:
    assert words_of(world, records, key) == {"account": "", "details": set(), "file": False}


def assert_intact(world: World, records: dict[str, Any], key: str = "own") -> None:
    words = words_of(world, records, key)
    assert words["account"]
    assert words["details"]
    assert words["file"]


def logged(log_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(log_dir.rglob("*.json"))]


# The log ---------------------------------------------------------------------------------------


def test_each_destruction_writes_one_record_of_ids_and_hashes_only(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    retention = kept(world)
    # The destruction itself writes it, once its transaction has committed (not the nightly
    # job's catch-up, which is not run here).
    with (
        time_machine.travel(after(DESTROY_ON), tick=False),
        TestCase.captureOnCommitCallbacks() as after_commit,
    ):
        assert svc.retention_destroy(retention=retention)
        assert not list(log_dir.rglob("*.json"))
    for callback in after_commit:
        callback()
    retention.refresh_from_db()
    [path] = list(log_dir.rglob("*.json"))
    assert destruction_log.record_name(retention.pk, retention.destroyed_at) == str(
        path.relative_to(log_dir)
    )
    assert path.relative_to(log_dir).parts[:4] == ("destruction-log", "2027", "01", "04")
    record = json.loads(path.read_text())
    assert record["retention_id"] == str(retention.pk)
    assert (record["school_id"], record["pupil_id"]) == (world.school.pk, str(world.pupil.pk))
    assert record["tombstone"] == retention.tombstone
    own = records["own"]
    assert [str(own.attachment.pk), own.attachment.sha256] in record["tombstone"]["attachments"]
    # No name and no words: none of the pupil's names, nor anything they had written about them.
    text = path.read_text()
    pupil = world.pupil
    for name in (pupil.legal_first_name, pupil.legal_last_name, pupil.preferred_first_name):
        if name:
            assert name not in text
    assert own.concern.account not in text
    # The nightly job the next day finds it logged: it writes no second record.
    run_at(after(DESTROY_ON + datetime.timedelta(days=1)))
    assert len(list(log_dir.rglob("*.json"))) == 1
    assert run_at(after(DESTROY_ON + datetime.timedelta(days=2))).logged_late == 0


def test_the_log_goes_to_the_default_file_storage_unless_set(
    world: World, records: dict[str, Any], settings: Any
) -> None:
    settings.DESTRUCTION_LOG_STORAGE = None
    retention = kept(world)
    run_at(after(DESTROY_ON))
    retention.refresh_from_db()
    name = destruction_log.record_name(retention.pk, retention.destroyed_at)
    try:
        assert default_storage.exists(name)
        with default_storage.open(name, "rb") as handle:
            assert json.loads(handle.read())["retention_id"] == str(retention.pk)
    finally:
        default_storage.delete(name)


def test_a_failed_write_leaves_the_destruction_done_and_the_nightly_job_writes_it_later(
    world: World,
    records: dict[str, Any],
    settings: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A storage that cannot be written: its folder is under a plain file (refused even to root).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.DESTRUCTION_LOG_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(blocker / "log")},
    }
    retention = kept(world)
    with caplog.at_level("ERROR", logger="transfers.retention.destruction_log"):
        report = run_at(after(DESTROY_ON))
    assert report.destroyed == 1
    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    assert_destroyed(world, records)
    assert any(
        str(retention.pk) in r.getMessage()
        and "destroyed, but not written to the destruction log" in r.getMessage()
        for r in caplog.records
    )
    assert report.log_failing == 1  # the same night's catch-up could not write it either

    # Still failing the next night: counted and told again.
    with caplog.at_level("ERROR"):
        out = StringIO()
        err = StringIO()
        with time_machine.travel(after(DESTROY_ON + datetime.timedelta(days=1)), tick=False):
            call_command("retention_run", stdout=out, stderr=err)
    assert "1 destructions could not be written to the destruction log" in err.getvalue()

    # The storage works again: the next night writes the record, once.
    blocker.unlink()
    report = run_at(after(DESTROY_ON + datetime.timedelta(days=2)))
    assert (report.logged_late, report.log_failing) == (1, 0)
    [path] = list((blocker / "log").rglob("*.json"))
    assert json.loads(path.read_text())["retention_id"] == str(retention.pk)
    assert destruction_log.record_name(retention.pk, retention.destroyed_at) == str(
        path.relative_to(blocker / "log")
    )
    report = run_at(after(DESTROY_ON + datetime.timedelta(days=3)))
    assert (report.logged_late, report.log_failing) == (0, 0)


# The replay ------------------------------------------------------------------------------------


def test_a_file_kept_at_the_backup_and_destroyed_since_is_destroyed_again_once(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    retention = kept(world)
    snapshot = backup(world, records)
    run_at(after(DESTROY_ON))
    restore(snapshot)
    retention.refresh_from_db()
    assert retention.state == RetentionState.KEPT
    assert_intact(world, records)

    out = replay()
    assert "1 destructions in the log since" in out
    assert "1 files destroyed again, 0 already destroyed" in out
    assert f"destroyed again: retention {retention.pk}" in out
    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    assert retention.tombstone["replay_of"]["retention_id"] == str(retention.pk)
    assert_destroyed(world, records)
    events = list(retention.events.values_list("kind", "reason"))
    assert [kind for kind, _ in events] == ["destroyed"]
    assert events[0][1].startswith("Destroyed again after the database was restored")
    assert_intact(world, records, "other")  # the other school's file is untouched
    assert verify_chain(school_id=world.school.pk).ok

    # Idempotent: a second run destroys nothing (its own record of the replay is read too).
    out = replay()
    assert "0 files destroyed again, 2 already destroyed in this database" in out


def test_a_file_that_entered_retention_after_the_backup_is_made_again_and_destroyed(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    """The gap the runbook had: the restored database has no retention row for it at all."""
    snapshot = backup(world, records)
    retention = kept(world)
    run_at(after(DESTROY_ON))
    [record] = logged(log_dir)
    restore(snapshot)
    assert not Retention.objects.filter(pupil=world.pupil).exists()
    assert_intact(world, records)
    # The nightly job alone would not find it (nothing says this file is in retention).
    assert run_at(LATER).destroyed == 0
    assert_intact(world, records)

    out = replay()
    assert "1 files destroyed again" in out
    again = Retention.objects.get(pupil=world.pupil)
    assert again.pk == retention.pk  # the logged id, basis and date
    assert (again.state, again.destroy_on, again.basis) == (
        RetentionState.DESTROYED,
        DESTROY_ON,
        retention.basis,
    )
    assert again.tombstone["replay_of"] == {
        "retention_id": record["retention_id"],
        "destroyed_at": record["destroyed_at"],
    }
    kinds = [e.kind for e in again.events.all()]
    assert kinds == ["scheduled", "destroyed"]
    assert all("restored from a backup" in e.reason for e in again.events.all())
    assert_destroyed(world, records)
    assert_intact(world, records, "other")
    # The same records' hashes as the first destruction recorded.
    assert again.tombstone["chronology_entries"] == record["tombstone"]["chronology_entries"]
    assert verify_chain(school_id=world.school.pk).ok

    out = replay()
    assert "0 files destroyed again, 2 already destroyed" in out
    assert Retention.objects.filter(pupil=world.pupil).count() == 1


def test_the_live_retention_the_restored_database_holds_is_the_one_destroyed(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    """At the backup the file was kept under an earlier retention (a later date); after it, that
    one ended and another was destroyed. The restored database's own row is destroyed."""
    earlier = kept_until(world, DESTROY_ON + datetime.timedelta(days=90))
    snapshot = backup(world, records)
    svc.retention_end(actor=world.users["dsl"], retention=earlier, reason="Policy corrected")
    later = kept(world)
    run_at(after(DESTROY_ON))
    restore(snapshot)
    out = replay()
    assert "1 files destroyed again" in out
    earlier.refresh_from_db()
    assert earlier.state == RetentionState.DESTROYED
    assert earlier.tombstone["replay_of"]["retention_id"] == str(later.pk)
    assert not Retention.objects.filter(pk=later.pk).exists()
    assert_destroyed(world, records)
    assert "0 files destroyed again, 2 already destroyed" in replay()


def test_a_dry_run_changes_nothing(world: World, records: dict[str, Any], log_dir: Path) -> None:
    snapshot = backup(world, records)
    kept(world)
    run_at(after(DESTROY_ON))
    restore(snapshot)
    out = replay("--dry-run")
    assert "1 files would be destroyed again" in out
    assert "Dry run: nothing was changed." in out
    assert not Retention.objects.filter(pupil=world.pupil).exists()
    assert_intact(world, records)
    assert len(logged(log_dir)) == 1
    assert "1 files destroyed again" in replay()


def test_a_legal_hold_in_the_restored_database_is_left_and_reported(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    dsl = world.users["dsl"]
    retention = kept(world)
    svc.legal_hold_set(actor=dsl, retention=retention, reason="Family court proceedings")
    snapshot = backup(world, records)
    svc.legal_hold_lift(actor=dsl, retention=retention, reason="Proceedings concluded")
    run_at(after(DESTROY_ON))
    restore(snapshot)
    out = StringIO()
    with (
        pytest.raises(CommandError, match="1 logged destructions were not replayed"),
        time_machine.travel(LATER, tick=False),
    ):
        call_command("replay_destructions", "--since", BACKUP.isoformat(), stdout=out)
    assert f"Under a legal hold, not destroyed: retention {retention.pk}" in out.getvalue()
    assert "ask the school's DSL to confirm and lift it" in out.getvalue()
    retention.refresh_from_db()
    assert (retention.state, retention.legal_hold) == (RetentionState.KEPT, True)
    assert_intact(world, records)
    # The DSL lifts it again: the replay then destroys it.
    svc.legal_hold_lift(actor=dsl, retention=retention, reason="Confirmed: proceedings ended")
    assert "1 files destroyed again" in replay()
    assert_destroyed(world, records)


def test_a_record_destroys_only_its_own_school_and_pupil_and_never_on_a_mismatch(
    world: World, records: dict[str, Any], log_dir: Path
) -> None:
    own = kept_until(world, DESTROY_ON + datetime.timedelta(days=365))  # not due
    snapshot = backup(world, records)
    other = kept_until(world, DESTROY_ON, other=True)
    run_at(after(DESTROY_ON))
    [other_record] = logged(log_dir)
    assert other_record["school_id"] == world.other_school.pk
    restore(snapshot)
    assert_intact(world, records, "other")

    # Beside school B's true record, forged ones whose ids disagree.
    storage = destruction_log.log_storage()
    folder = destruction_log.day_folder(after(DESTROY_ON).astimezone(datetime.UTC).date())
    forged = [
        # B's pupil, said to be at school A.
        other_record | {"school_id": world.school.pk},
        # School A's retention, said to be B's pupil's.
        other_record | {"retention_id": str(own.pk)},
        # School A's pupil, with B's pupil's chronology entries among the logged records.
        other_record
        | {
            "retention_id": "00000000-0000-4000-8000-000000000001",
            "school_id": world.school.pk,
            "pupil_id": str(world.pupil.pk),
        },
        # Nonsense ids.
        other_record | {"pupil_id": "not an id"},
    ]
    for number, each in enumerate(forged):
        storage.save(f"{folder}/forged-{number}.json", ContentFile(json.dumps(each).encode()))
    out = StringIO()
    with (
        pytest.raises(CommandError, match="4 logged destructions were not replayed"),
        time_machine.travel(LATER, tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        call_command("replay_destructions", "--since", BACKUP.isoformat(), stdout=out)
    assert out.getvalue().count("Ids do not agree, not destroyed") == 4
    assert "1 files destroyed again" in out.getvalue()
    # B's true record destroyed B's file, and nothing of A's.
    other.refresh_from_db()
    assert other.state == RetentionState.DESTROYED
    assert_destroyed(world, records, "other")
    own.refresh_from_db()
    assert own.state == RetentionState.KEPT
    assert own.events.count() == 0
    assert_intact(world, records)


# A bucket of its own (DESTRUCTION_LOG_BUCKET), on a real S3 API ------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over HTTP: the test services' one (SAFEGUARD_TEST_S3_PORT) when it
    answers, else one started here, on a free port, and stopped after."""
    port = int(os.environ.get("SAFEGUARD_TEST_S3_PORT", "55900"))
    if _answers(port):
        yield f"http://127.0.0.1:{port}"
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = Path(sys.executable).parent / "moto_server"
    server = subprocess.Popen(  # noqa: S603  (our own venv's moto, fixed arguments)
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _answers(port):
            assert time.monotonic() < deadline, "moto's S3 server did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_destruction_log_bucket_keeps_the_log_in_a_versioned_bucket_of_its_own(
    world: World,
    records: dict[str, Any],
    settings: Any,
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The settings block, as production reads it from the environment.
    environment = {
        **os.environ,
        "DESTRUCTION_LOG_BUCKET": "replay-destruction-log",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "eu-west-2",
    }
    read = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.DESTRUCTION_LOG_STORAGE))",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    configured = json.loads(read.stdout.strip().splitlines()[-1])
    assert configured["OPTIONS"]["bucket_name"] == "replay-destruction-log"
    assert configured["OPTIONS"]["object_parameters"] == {"ServerSideEncryption": "AES256"}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2")
    # Unreachable first (no such bucket): the command says so in words and changes nothing.
    settings.DESTRUCTION_LOG_STORAGE = configured
    with pytest.raises(CommandError, match="The destruction log cannot be read"):
        replay()
    # The bucket as the runbook asks for it: versioned, with Object Lock in compliance mode (a
    # fresh name each run: a locked record cannot be removed, by this test or anyone).
    bucket = f"replay-destruction-log-{uuid.uuid4().hex[:12]}"
    client.create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
        ObjectLockEnabledForBucket=True,
    )
    client.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 35}},
        },
    )
    configured["OPTIONS"]["bucket_name"] = bucket

    snapshot = backup(world, records)
    retention = kept(world)
    run_at(after(DESTROY_ON))
    retention.refresh_from_db()
    key = destruction_log.record_name(retention.pk, retention.destroyed_at)
    [listed] = client.list_objects_v2(Bucket=bucket)["Contents"]
    assert listed["Key"] == key
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert json.loads(body)["retention_id"] == str(retention.pk)
    with pytest.raises(ClientError):  # locked: not even the app's credentials remove it
        client.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])

    restore(snapshot)
    assert "1 files destroyed again" in replay()
    assert_destroyed(world, records)
    assert "0 files destroyed again, 2 already destroyed" in replay()
