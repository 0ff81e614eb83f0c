"""The open bundle (docs/bundle): built from the pupil's records, packaged under a signed
manifest, opened and checked; each kind of tampering refused with its reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator

from chronology import services as chronology_services
from chronology.models import ChronologyEntry
from concerns import services as concern_services
from concerns.models import Addendum, Attachment, Concern, DslRecord
from referrals import services as referral_services
from referrals.models import Referral, ReferralUpdate
from safeguard.signing import content_hash
from tests.concerns.conftest import draft
from tests.support.bundles import refused, resigned, signed_package, unregistered_signer, zip_of
from tests.support.factories import PupilFactory
from tests.support.transfers import bundle_files
from tests.support.world import PDF_BYTES, Records, World, make_records
from transfers.export import bundle as bundles
from transfers.export import safe_zip
from transfers.export.bundle import (
    MANIFEST,
    MANIFEST_SIGNATURE,
    PDF_NAME,
    BundleRefused,
    bundle_build,
    bundle_open,
    bundle_package,
)
from transfers.signing.keys import pdf_sign


@dataclass
class Exported:
    world: World
    records: Records
    shared: Concern  # a concern about the pupil and another child
    bundle: dict[str, Any]
    zipped: bytes


def _full_history(world: World) -> tuple[Records, Concern]:
    """make_records' records for the pupil, then Part 2 signed, an addendum, a completed action,
    a referral's follow-up, a chronology correction, and a concern shared with another child
    with body-map marks on both."""
    world.pupil.upn = "A12345678901B"
    world.pupil.save(update_fields=["upn"])
    records = make_records(world)["own"]
    dsl, staff = world.users["dsl"], world.users["staff"]
    concern = records.concern
    record = concern_services.concern_open(actor=dsl, concern=concern)
    concern_services.dsl_record_save(
        actor=dsl,
        record=record,
        values={
            "actions": ["monitoring"],
            "action_reasons": "Watch at break times",
            "level_of_need": "additional",
            "level_of_need_reason": "A single disclosure",
            "parents_informed": True,
            "parents_informed_reason": "No risk in telling them",
            "cp_file_decision": "already_open",
        },
        expected_version=record.version,
    )
    concern_services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version + 1)
    concern_services.addendum_add(actor=staff, concern=concern, text="She said it again at lunch.")
    concern_services.action_complete(actor=staff, action=records.action, note="Spoke to her")
    referral_services.referral_record_follow_up(
        actor=dsl, referral=records.referral, occurred_at=timezone.now(), sent_to="Front door"
    )
    chronology_services.chronology_correct(
        actor=dsl, entry=records.entry, details="The incident was at 10:45, not 10:40"
    )
    categories = {c.label: c for c in concern_services.categories_for(school=world.school)}
    friend = PupilFactory(school=world.school, legal_first_name="Zebedee", legal_last_name="Friend")
    shared = draft(staff, [world.pupil, friend], categories)
    for pupil, seen in ((world.pupil, "Bruise on the left forearm"), (friend, "Scratch on cheek")):
        concern_services.body_mark_add(
            actor=staff, concern=shared, side="front", x=Decimal("12.5"), y=30, description=seen,
            pupil=pupil,
        )  # fmt: skip
    shared = concern_services.concern_submit(actor=staff, concern=shared)
    return records, shared


@pytest.fixture
def exported(world: World) -> Exported:
    records, shared = _full_history(world)
    bundle = bundle_build(actor=world.users["dsl"], pupil=world.pupil)
    return Exported(world, records, shared, bundle, signed_package(world, bundle))


# --- Helpers that take a bundle apart and put it back together -----------------------------------


def _with_json(world: World, zipped: bytes, change: Any) -> bytes:
    files = bundle_files(zipped)
    bundle = json.loads(files["bundle.json"])
    change(bundle)
    files["bundle.json"] = json.dumps(bundle).encode()
    return resigned(world, files)


# --- Round trip ---------------------------------------------------------------------------------


def test_round_trip_gives_the_same_records_and_hashes_as_the_source_rows(
    exported: Exported,
) -> None:
    world = exported.world
    opened = bundle_open(exported.zipped)
    bundle = opened.bundle
    assert opened.manifest_signature.valid
    assert opened.manifest_signature.trusted
    assert opened.pdf_signature.valid
    assert opened.pdf_signature.trusted
    assert opened.warnings == []
    assert opened.sending_school["name"] == world.school.name
    assert opened.sending_school["urn"] == world.school.urn
    assert opened.pupil["legal_last_name"] == "Alphason"
    assert opened.pupil["date_of_birth"] == world.pupil.date_of_birth.isoformat()
    assert opened.pupil["upn"] == "A12345678901B"

    concerns = {c["id"]: c for c in bundle["concerns"]}
    source = Concern.objects.filter(involvements__pupil=world.pupil, content_hash__gt="")
    assert {str(c.pk): c.content_hash for c in source} == {
        k: c["content_hash"] for k, c in concerns.items()
    }
    concern = concerns[str(exported.records.concern.pk)]
    assert not concern["redacted"]
    assert content_hash(concern["signed"]) == exported.records.concern.content_hash
    assert concern["signed"]["account"] == exported.records.concern.account
    addendum = Addendum.objects.get(concern=exported.records.concern)
    assert [(a["id"], a["content_hash"]) for a in concern["addenda"]] == [
        (str(addendum.pk), addendum.content_hash)
    ]
    assert concern["signed"]["pupils"][0]["categories"] == ["Physical abuse"]
    record = DslRecord.objects.get(concern=exported.records.concern)
    assert concern["dsl_record"]["content_hash"] == record.content_hash
    assert concern["dsl_record"]["signed"]["action_reasons"] == "Watch at break times"
    (action,) = concern["actions"]
    done_entry = ChronologyEntry.objects.get(pupil=world.pupil, kind="action_done")
    assert action["content_hash"] == done_entry.source_hash
    assert action["done_note"] == "Spoke to her"

    attachment = Attachment.objects.get(concern=exported.records.concern)
    (meta,) = concern["attachments"]
    assert (meta["sha256"], meta["size"]) == (attachment.sha256, attachment.size)
    with attachment.file.open("rb") as handle:
        assert opened.attachments[meta["path"]] == handle.read()

    entries = ChronologyEntry.objects.filter(pupil=world.pupil).order_by("sequence")
    assert [(e["signed"]["sequence"], e["entry_hash"]) for e in bundle["chronology"]] == [
        (e.sequence, e.entry_hash) for e in entries
    ]
    correction = next(e for e in bundle["chronology"] if e["signed"]["kind"] == "correction")
    assert correction["signed"]["corrects_id"] == str(exported.records.entry.pk)

    referral = Referral.objects.get(pupil=world.pupil)
    (exported_referral,) = bundle["referrals"]
    assert exported_referral["content_hash"] == referral.content_hash
    assert [u["content_hash"] for u in exported_referral["updates"]] == [
        u.content_hash for u in ReferralUpdate.objects.filter(referral=referral)
    ]
    assert [f["open_reason"] for f in bundle["cp_files"]] == ["Disclosure"]
    assert [s["kind"] for s in bundle["statuses"]] == ["child_in_need"]
    assert [a["title"] for a in bundle["risk_assessments"]] == ["Playground supervision"]
    (episode,) = bundle["missing_episodes"]
    assert episode["id"] == str(exported.records.missing_episode.pk)
    reported = ChronologyEntry.objects.get(pupil=world.pupil, kind="missing_reported")
    assert episode["content_hash"] == reported.source_hash
    assert [s["signed"]["step"] for s in episode["steps"]] == ["searched"]
    (absence,) = bundle["absences"]
    assert absence["content_hash"] == exported.records.absence.content_hash
    assert opened.pdf.startswith(b"%PDF")


def test_the_bundle_follows_its_published_schema(exported: Exported) -> None:
    schema = json.loads(bundles.SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(exported.bundle)) == []
    assert bundles.bundle_schema_problems({**exported.bundle, "extra": 1}) == [
        "the top level: Additional properties are not allowed ('extra' was unexpected)"
    ]


def test_every_field_of_the_schema_is_documented() -> None:
    readme = (bundles.SCHEMA_PATH.parent / "README.md").read_text()
    schema = json.loads(bundles.SCHEMA_PATH.read_text())
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_a_concern_about_other_children_goes_without_them_and_keeps_its_hash(
    exported: Exported,
) -> None:
    concern = next(c for c in exported.bundle["concerns"] if c["id"] == str(exported.shared.pk))
    assert concern["redacted"]
    assert concern["other_pupils"] == 1
    assert concern["content_hash"] == exported.shared.content_hash
    assert [p["name"] for p in concern["signed"]["pupils"]] == ["Aaliyah Alphason"]
    assert [m["description"] for m in concern["signed"]["body_map"]] == [
        "Bruise on the left forearm"
    ]
    assert concern["signed"]["body_map"][0]["x"] == "12.50"
    text = bundle_files(exported.zipped)["bundle.json"].decode()
    assert "Zebedee" not in text
    assert "Scratch on cheek" not in text
    # Its chronology entry still cites the hash of the whole concern as signed.
    entry = next(
        e for e in exported.bundle["chronology"] if e["signed"]["source_id"] == concern["id"]
    )
    assert entry["signed"]["source_hash"] == concern["content_hash"]


def test_a_pupil_with_no_records_exports_and_opens(world: World) -> None:
    bundle = bundle_build(actor=world.users["dsl"], pupil=world.pupil)
    assert [bundle[k] for k in ("concerns", "chronology", "referrals", "absences")] == [[]] * 4
    opened = bundle_open(signed_package(world, bundle))
    assert opened.pupil["id"] == str(world.pupil.pk)
    assert set(bundle_files(signed_package(world, bundle))) == {
        "bundle.json",
        PDF_NAME,
        MANIFEST,
        MANIFEST_SIGNATURE,
    }


def test_with_the_rendered_pdf_of_the_same_file(world: World) -> None:
    from transfers.export.pdf import cp_file_pdf

    records, _ = _full_history(world)
    dsl = world.users["dsl"]
    rendered = cp_file_pdf(actor=dsl, pupil=world.pupil, receiving_school="Beta School")
    pdf = pdf_sign(school=world.school, pdf=rendered.data, reason="Transfer")
    bundle = bundle_build(actor=dsl, pupil=world.pupil)
    opened = bundle_open(bundle_package(school=world.school, bundle=bundle, pdf=pdf))
    assert opened.pdf == pdf
    assert opened.pdf_signature.valid
    assert records.concern.reference in {c["reference"] for c in opened.bundle["concerns"]}


def test_a_closed_missing_episode_carries_every_step_and_opens(world: World) -> None:
    from concerns.missing import episodes
    from tests.support.records.missing import episode_all_steps, episode_start, episode_step

    episode = episode_start(world)
    episode_all_steps(world, episode)
    episode = episodes.missing_episode_close(actor=world.users["dsl"], episode=episode)
    episode_step(world, episode, "return_interview", timezone.now(), person="LA return worker")
    bundle = bundle_build(actor=world.users["dsl"], pupil=world.pupil)
    (exported,) = bundle["missing_episodes"]
    assert exported["content_hash"] == episode.content_hash
    assert content_hash(exported["signed"]) == episode.content_hash
    assert [s["step"] for s in exported["signed"]["steps"]][-1] == "police_told_of_return"
    assert len(exported["steps"]) == len(exported["signed"]["steps"]) + 1
    assert "return_interview" in {s["signed"]["step"] for s in exported["steps"]}
    cited = {
        e["signed"]["source_hash"]
        for e in bundle["chronology"]
        if e["signed"]["source_label"].startswith("concerns.Missing")
    }
    # The report, the closed episode and the return interview after closing: each checked.
    assert len(cited) == 3
    opened = bundle_open(signed_package(world, bundle))
    assert opened.bundle["missing_episodes"][0]["closed_at"] is not None


def test_only_the_dsl_and_deputies_of_the_school_build_it(world: World) -> None:
    from django.http import Http404

    for role in ("staff", "head", "admin", "other_dsl", "tso"):
        with pytest.raises(Http404):
            bundle_build(actor=world.users[role], pupil=world.pupil)
    assert bundle_build(actor=world.users["deputy"], pupil=world.pupil)["pupil"]["upn"] == ""


def test_a_record_changed_in_the_database_is_not_exported(exported: Exported) -> None:
    # A completed action is guarded; someone with the database owner's password switches the
    # guards off and rewrites it. Its chronology entry holds the hash of what it said.
    from django.db import connection

    from concerns.models import Action

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            Action.objects.filter(pk=exported.records.action.pk).update(
                done_note="Never spoke to her"
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    bundle = bundle_build(actor=exported.world.users["dsl"], pupil=exported.world.pupil)
    with pytest.raises(BundleRefused, match="cites a different version of its record"):
        bundles.bundle_verify_records(bundle)


def test_build_takes_the_same_few_queries_however_many_records(world: World) -> None:
    dsl = world.users["dsl"]
    _full_history(world)
    bundle_build(actor=dsl, pupil=world.pupil)  # the actor's permissions are read once, here
    with CaptureQueriesContext(connection) as first:
        small = bundle_build(actor=dsl, pupil=world.pupil)
    categories = {c.label: c for c in concern_services.categories_for(school=world.school)}
    for _ in range(3):
        concern = draft(world.users["staff"], [world.pupil], categories)
        concern_services.attachment_add(
            actor=world.users["staff"],
            concern=concern,
            upload=SimpleUploadedFile("note.pdf", PDF_BYTES),
        )
        concern = concern_services.concern_submit(actor=world.users["staff"], concern=concern)
        concern_services.addendum_add(actor=dsl, concern=concern, text="More")
    with CaptureQueriesContext(connection) as second:
        large = bundle_build(actor=dsl, pupil=world.pupil)
    assert len(large["concerns"]) == len(small["concerns"]) + 3
    assert len(second) == len(first)
    assert len(first) <= 25


def _reference_check(zipped: bytes, folder: Any, *args: str) -> tuple[int, str]:
    """docs/bundle/verify_bundle.py (standard library and openssl only) on the zip."""
    import subprocess
    import sys

    path = folder / "bundle.zip"
    path.write_bytes(zipped)
    script = bundles.SCHEMA_PATH.parent / "verify_bundle.py"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(script), str(path), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.strip()


def test_the_reference_checker_in_the_docs_agrees(exported: Exported, tmp_path: Any) -> None:
    from transfers.signing.keys import signing_key_active

    key = signing_key_active(school=exported.world.school)
    assert key is not None
    ca = tmp_path / "sender.pem"
    ca.write_text(key.issuer_ca.certificate_pem if key.issuer_ca else key.certificate_pem)
    status, said = _reference_check(exported.zipped, tmp_path, "--ca", str(ca))
    assert status == 0, said
    assert said.startswith("OK: Aaliyah Alphason from Alpha School; ")
    assert "(1 redacted); manifest signature verified" in said
    files = bundle_files(exported.zipped)
    files["bundle.json"] = files["bundle.json"].replace(b"my dad hit me", b"my dad saw me")
    assert _reference_check(resigned(exported.world, files), tmp_path) == (
        1,
        "REFUSED: concerns[0]: its content does not match its hash",
    )
    stranger = resigned(exported.world, bundle_files(exported.zipped), signer=unregistered_signer())
    status, said = _reference_check(stranger, tmp_path, "--ca", str(ca))
    assert status == 1
    assert said.startswith("REFUSED: the manifest's signature does not verify")


# --- Refusals -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_zip_is_refused() -> None:
    assert refused(b"%PDF-1.4 not a zip") == (
        "This is not a zip file, so it is not a CP-file bundle. Upload the .zip you were sent."
    )


def test_a_path_outside_the_bundle_is_refused(exported: Exported) -> None:
    for name in ("../outside.txt", "attachments/../../etc/passwd", "/etc/passwd", "C:/x", "a\\b"):
        files = {**bundle_files(exported.zipped), name: b"x"}
        assert refused(zip_of(files)) == (
            f"The zip contains an unsafe path ({name!r}): a file that would be written outside "
            "the bundle. It was refused."
        )


def test_a_zip_bomb_is_refused(exported: Exported) -> None:
    files = {**bundle_files(exported.zipped), "attachments/bomb": b"\0" * (4 * 1024 * 1024)}
    assert "more than 200 times its packed size" in refused(zip_of(files))


def test_too_many_or_too_large_files_are_refused(
    exported: Exported, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_zip, "MAX_FILES", 4)
    assert refused(exported.zipped) == "The zip contains 5 files; a bundle may hold at most 4."
    monkeypatch.setattr(safe_zip, "MAX_FILES", 5_000)
    monkeypatch.setattr(safe_zip, "MAX_TOTAL_BYTES", 20 * 1024)
    assert refused(exported.zipped).endswith(" KB once unzipped; a bundle may be at most 20 KB.")
    monkeypatch.setattr(safe_zip, "MAX_FILE_BYTES", 10 * 1024)
    assert refused(exported.zipped).endswith(" KB once unzipped; a file may be at most 10 KB.")
    monkeypatch.setattr(safe_zip, "MAX_BUNDLE_BYTES", 10 * 1024)
    assert refused(exported.zipped).endswith("; a bundle may be at most 10 KB.")


def test_a_missing_file_is_refused(exported: Exported) -> None:
    files = bundle_files(exported.zipped)
    del files[PDF_NAME]
    assert refused(zip_of(files)) == "The bundle has no cp-file.pdf: it is incomplete."
    files = bundle_files(exported.zipped)
    (path,) = [p for p in files if p.startswith("attachments/")]
    del files[path]
    assert refused(zip_of(files)) == f"{path} is listed in the manifest but missing from the zip."
    # Even re-signed, the record still names its attachment.
    assert refused(resigned(exported.world, files)) == (
        f"The attachment note.pdf ({path}) is missing."
    )


def test_a_file_the_manifest_does_not_list_is_refused(exported: Exported) -> None:
    files = {**bundle_files(exported.zipped), "attachments/extra/readme.txt": b"Open me"}
    assert refused(zip_of(files)) == (
        "attachments/extra/readme.txt is in the zip but not in its signed manifest."
    )


def test_an_attachment_left_out_of_the_record_is_refused(exported: Exported) -> None:
    def drop(bundle: dict[str, Any]) -> None:
        concern = next(c for c in bundle["concerns"] if c["attachments"])
        concern["attachments"] = []

    assert refused(_with_json(exported.world, exported.zipped, drop)) == (
        f"The attachment note.pdf of Concern {exported.records.concern.reference} is not in the "
        "bundle."
    )


def test_a_missing_or_broken_manifest_signature_is_refused(exported: Exported) -> None:
    files = bundle_files(exported.zipped)
    del files[MANIFEST_SIGNATURE]
    assert refused(zip_of(files)) == "The bundle has no manifest.json.p7s: it is incomplete."
    files = bundle_files(exported.zipped)
    files[MANIFEST] = files[MANIFEST].replace(b'"size": ', b'"size":  ', 1)
    assert refused(zip_of(files)).startswith("The signature on the bundle's manifest is not valid")


def test_a_changed_word_in_a_concern_is_refused(exported: Exported) -> None:
    world = exported.world
    files = bundle_files(exported.zipped)
    files["bundle.json"] = files["bundle.json"].replace(b"my dad hit me", b"my dad saw me")
    assert refused(zip_of(files)) == (
        "bundle.json has been changed: its SHA-256 does not match the signed manifest."
    )
    # Re-signed by the sending school's own key, the record's hash still gives it away.
    reference = exported.records.concern.reference
    assert refused(resigned(world, files)) == (
        f"Concern {reference} has been changed: its content does not match its hash."
    )


def test_a_changed_attachment_byte_is_refused(exported: Exported) -> None:
    files = bundle_files(exported.zipped)
    (path,) = [p for p in files if p.startswith("attachments/")]
    files[path] = files[path][:-2] + b"X\n"
    assert refused(zip_of(files)) == (
        f"{path} has been changed: its SHA-256 does not match the signed manifest."
    )
    assert refused(resigned(exported.world, files)) == (
        "The attachment note.pdf has been changed: its SHA-256 does not match the record."
    )


def test_a_changed_chronology_entry_or_hash_is_refused(exported: Exported) -> None:
    world = exported.world
    first = exported.bundle["chronology"][0]["signed"]["sequence"]

    def new_hash(bundle: dict[str, Any]) -> None:
        bundle["chronology"][0]["entry_hash"] = "0" * 64

    def new_details(bundle: dict[str, Any]) -> None:
        bundle["chronology"][0]["signed"]["details"] += " (and more)"

    expected = f"Chronology entry {first} has been changed: its content does not match its hash."
    assert refused(_with_json(world, exported.zipped, new_hash)) == expected
    assert refused(_with_json(world, exported.zipped, new_details)) == expected


def test_a_chronology_entry_that_does_not_link_to_the_one_before_is_refused(
    exported: Exported,
) -> None:
    entries = exported.bundle["chronology"]
    pairs = [
        (a, b)
        for a, b in zip(entries, entries[1:], strict=False)
        if b["signed"]["sequence"] == a["signed"]["sequence"] + 1
    ]
    assert pairs, "the pupil's entries include consecutive links"
    later = pairs[0][1]["signed"]["sequence"]

    def relink(bundle: dict[str, Any]) -> None:
        for entry in bundle["chronology"]:
            if entry["signed"]["sequence"] == later:
                entry["signed"]["previous_hash"] = "1" * 64
                entry["entry_hash"] = content_hash(entry["signed"])

    assert refused(_with_json(exported.world, exported.zipped, relink)) == (
        f"Chronology entry {later} does not link to entry {later - 1}: "
        "its previous hash does not match."
    )


def test_an_addendum_moved_to_other_words_is_refused(exported: Exported) -> None:
    def rebind(bundle: dict[str, Any]) -> None:
        concern = next(c for c in bundle["concerns"] if c["addenda"])
        addendum = concern["addenda"][0]
        addendum["signed"]["concern_hash"] = "2" * 64
        addendum["content_hash"] = content_hash(addendum["signed"])

    reason = refused(_with_json(exported.world, exported.zipped, rebind))
    assert reason.startswith("An addendum to Concern ")
    assert "signed for different words" in reason


def test_a_schema_violation_names_the_field(exported: Exported) -> None:
    def break_it(bundle: dict[str, Any]) -> None:
        bundle["concerns"][0]["signed"]["account"] = 5

    assert refused(_with_json(exported.world, exported.zipped, break_it)) == (
        "bundle.json does not follow the format at concerns[0].signed.account: "
        "5 is not of type 'string'."
    )

    def bad_date(bundle: dict[str, Any]) -> None:
        bundle["pupil"]["date_of_birth"] = "14/03/2015"

    assert "at pupil.date_of_birth: '14/03/2015'" in refused(
        _with_json(exported.world, exported.zipped, bad_date)
    )


def test_json_that_is_not_json_or_nested_without_end_is_refused(exported: Exported) -> None:
    files = bundle_files(exported.zipped)
    files["bundle.json"] = b"{" + b'"a":[' * 100_000
    assert refused(resigned(exported.world, files)).startswith("bundle.json is not valid JSON")
    files["bundle.json"] = b"[" * 100_000 + b"]" * 100_000
    assert refused(resigned(exported.world, files)) == (
        "bundle.json is nested too deeply to be a bundle."
    )


def test_a_changed_pdf_is_refused(exported: Exported) -> None:
    files = bundle_files(exported.zipped)
    pdf = bytearray(files[PDF_NAME])
    pdf[pdf.index(b"endstream") - 5] ^= 1  # inside the first page's content, which is signed
    files[PDF_NAME] = bytes(pdf)
    assert refused(resigned(exported.world, files)).startswith("The PDF's signature is not valid")


def test_a_bundle_signed_by_an_unknown_key_opens_untrusted_with_a_warning(
    exported: Exported,
) -> None:
    opened = bundle_open(
        resigned(exported.world, bundle_files(exported.zipped), signer=unregistered_signer())
    )
    assert opened.manifest_signature.valid
    assert not opened.manifest_signature.trusted
    assert not opened.trusted
    assert opened.warnings[0] == (
        "The bundle is signed by Someone Else, whose certificate this platform did not issue or "
        "register: check with the sending school that it is theirs."
    )
    assert "The bundle is signed by Someone Else but the PDF by " in opened.warnings[1]


def test_a_bundle_made_before_previous_files_existed_still_opens(exported: Exported) -> None:
    """`previous_files` is optional in format 1: a bundle without it (made before it was added)
    carries no earlier schools' files and opens; a file under previous/ in it is still refused."""
    older = _with_json(exported.world, exported.zipped, lambda b: b.pop("previous_files"))
    opened = bundle_open(older)
    assert opened.previous == {}
    files = bundle_files(older)
    files["previous/x/cp-file.pdf"] = b"%PDF-1.4 smuggled"
    assert "previous/" in refused(resigned(exported.world, files))
