"""Each chain's head is published outside the database every night (the platform administrators'
email) and by `export_chain_heads`; `compare_chain_heads` says whether today's chains still start
with those entries, which catches a chain rewritten whole (every hash recomputed), which no check
inside the database can (docs/adr/0030)."""

from __future__ import annotations

import datetime
import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from chronology import services
from chronology.ledger.content import SIGNED_FIELDS, entry_content
from chronology.ledger.heads import PublishedHead, heads_from_text
from chronology.ledger.verification import verify_chain
from chronology.models import GENESIS_HASH, ChainHead, ChronologyEntry, EntryKind
from chronology.tasks import verify_all_chains
from concerns import services as concern_services
from safeguard.signing import content_hash
from tests.concerns.conftest import draft
from tests.support.factories import UserFactory
from tests.support.guards import bypassing_guards
from tests.support.world import World

pytestmark = pytest.mark.django_db

DETAILS = "Phoned the social worker about the bruise on Sam's arm"


def _notes(world: World, count: int) -> list[ChronologyEntry]:
    return [
        services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind=EntryKind.PHONE_CALL,
            occurred_at=timezone.now() - datetime.timedelta(hours=2),
            details=f"{DETAILS} ({n})",
        )
        for n in range(count)
    ]


def _rewrite_from(school_id: int, sequence: int, details: str) -> None:
    """Rewrite an entry and recompute every hash after it, as someone who knows how the chain is
    made could: every check inside the database then passes."""
    previous = ChronologyEntry.objects.get(school_id=school_id, sequence=sequence - 1).entry_hash
    for entry in ChronologyEntry.objects.filter(
        school_id=school_id, sequence__gte=sequence
    ).order_by("sequence"):
        if entry.sequence == sequence:
            entry.details = details
        entry.previous_hash = previous
        entry.entry_hash = content_hash(
            entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS})
        )
        bypassing_guards(
            "UPDATE chronology_chronologyentry SET details = %s, previous_hash = %s, "
            "entry_hash = %s WHERE id = %s",
            [entry.details, entry.previous_hash, entry.entry_hash, entry.pk],
        )
        previous = entry.entry_hash
    bypassing_guards(
        "UPDATE chronology_chainhead SET last_hash = %s WHERE school_id = %s", [previous, school_id]
    )


def _compare(source: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = StringIO()
    call_command("compare_chain_heads", source, stdout=out)
    return out.getvalue()


def _refused(source: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    out = StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(CommandError, match="no longer start with their published head"):
        call_command("compare_chain_heads", source, stdout=out)
    return out.getvalue()


def test_the_nightly_email_carries_each_schools_chain_head(world: World, categories) -> None:
    UserFactory(email="platform@safeguard.example", is_staff=True)  # the platform administrator
    UserFactory(email="ordinary@safeguard.example")
    _notes(world, 3)
    staff = world.users["staff"]
    concern_services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))
    assert verify_all_chains() == []
    (email,) = mail.outbox
    assert email.to == ["platform@safeguard.example"]
    assert email.subject == "Safeguard: record-integrity check passed"
    head = ChainHead.objects.get(school=world.school)
    assert head.last_sequence == 4
    school, other = world.school, world.other_school
    assert (
        f"{school.name} ({school.slug}, id {school.pk}): entry 4, head hash {head.last_hash}"
        in email.body.splitlines()
    )
    assert heads_from_text(email.body) == sorted(
        [
            PublishedHead(school.pk, school.slug, school.name, 4, head.last_hash),
            PublishedHead(other.pk, other.slug, other.name, 0, GENESIS_HASH),
        ],
        key=lambda h: h.name,
    )
    assert "compare_chain_heads" in email.body
    assert "No child's details are in this email." in email.body
    for words in ("bruise", "belt", world.pupil.legal_first_name, world.pupil.legal_last_name):
        assert words not in email.body


def test_the_email_names_a_changed_record_by_school_entry_kind_and_id(
    world: World, categories
) -> None:
    UserFactory(email="platform@safeguard.example", is_superuser=True, is_staff=True)
    staff = world.users["staff"]
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories)
    )
    entry = ChronologyEntry.objects.get(source_id=str(concern.pk))
    bypassing_guards(
        "UPDATE concerns_concern SET account = %s WHERE id = %s", ["Nothing happened", concern.pk]
    )
    (line,) = verify_all_chains()
    (email,) = mail.outbox
    assert email.subject == "Safeguard: record-integrity check failed"
    assert line == (
        f"{world.school.name} (id {world.school.pk}): entry {entry.sequence}: concern "
        f"{concern.pk} (concerns.Concern) has changed since it was signed: its row no longer "
        "gives the hash its entry holds"
    )
    assert line in email.body.splitlines()
    # The chain itself still recomputes, so its head is still published.
    head = ChainHead.objects.get(school=world.school)
    assert [
        h.entry_hash for h in heads_from_text(email.body) if h.school_id == world.school.pk
    ] == [head.last_hash]
    for words in ("Nothing happened", "belt", concern.reference, world.pupil.legal_last_name):
        assert words not in email.body


def test_a_broken_chain_publishes_no_head(world: World) -> None:
    UserFactory(email="platform@safeguard.example", is_staff=True)
    entries = _notes(world, 3)
    bypassing_guards(
        "UPDATE chronology_chronologyentry SET details = %s WHERE id = %s", ["x", entries[1].pk]
    )
    verify_all_chains()
    body = mail.outbox[0].body
    assert [h.school_id for h in heads_from_text(body)] == [world.other_school.pk]
    assert (
        f"{world.school.name} (id {world.school.pk}): no head: the chain is broken at entry 2"
        in (body)
    )


def test_compare_passes_an_untouched_chain_and_fails_once_an_entry_is_rewritten(
    world: World, tmp_path: Path
) -> None:
    _notes(world, 4)
    exported = tmp_path / "heads.json"
    call_command("export_chain_heads", "--output", str(exported), stderr=StringIO())
    text = _compare(str(exported))
    assert f"{world.school.name}: same chain through entry 4." in text
    assert f"{world.other_school.name}: same chain through entry 0." in text
    # The chain grows: it still starts with the same entries.
    _notes(world, 2)
    assert f"{world.school.name}: same chain through entry 4." in _compare(str(exported))
    # Rewritten whole from entry 2 on: every check inside the database passes...
    _rewrite_from(world.school.pk, 2, "Nothing of note")
    assert verify_chain(school_id=world.school.pk).ok
    # ...but the published head no longer matches.
    text = _refused(str(exported))
    assert (
        f"{world.school.name}: DIFFERENT at entry 4: entry 4 holds a different hash: the chain "
        "was rewritten at or before it." in text
    )
    assert f"{world.other_school.name}: same chain through entry 0." in text
    assert "Nothing of note" not in text


def test_compare_reads_the_nightly_emails_lines(world: World, monkeypatch) -> None:
    UserFactory(email="platform@safeguard.example", is_staff=True)
    _notes(world, 3)
    verify_all_chains()
    quoted = "\n".join(f"> {line}" for line in mail.outbox[0].body.splitlines())  # a forward
    assert "same chain through entry 3" in _compare("-", quoted, monkeypatch)
    _rewrite_from(world.school.pk, 3, "Nothing of note")
    assert "DIFFERENT at entry 3" in _refused("-", mail.outbox[0].body, monkeypatch)


def test_compare_finds_a_chain_cut_short_or_a_school_gone(world: World, monkeypatch) -> None:
    entries = _notes(world, 3)
    heads = StringIO()
    call_command("export_chain_heads", stdout=heads)
    bypassing_guards("DELETE FROM chronology_chronologyentry WHERE id = %s", [entries[-1].pk])
    text = _refused("-", heads.getvalue(), monkeypatch)
    assert (
        f"{world.school.name}: DIFFERENT at entry 3: the chain breaks at entry 3: entry 3 is missing."
        in text
    )
    gone = PublishedHead(999_999, "closed-school", "Closed School", 1, "a" * 64).line()
    assert "Closed School (closed-school): DIFFERENT: no such school here." in _refused(
        "-", gone, monkeypatch
    )


def test_export_leaves_out_a_broken_chains_head(world: World) -> None:
    entries = _notes(world, 2)
    bypassing_guards(
        "UPDATE chronology_chronologyentry SET details = %s WHERE id = %s", ["x", entries[0].pk]
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 school chain"):
        call_command("export_chain_heads", stdout=out, stderr=err)
    assert [h.school_id for h in heads_from_text(out.getvalue())] == [world.other_school.pk]
    assert f"Not exported: {world.school.name}" in err.getvalue()


@pytest.mark.parametrize(
    "text",
    ["", "Hello\nNothing here", '{"format": "something-else", "heads": []}', "{not json"],
    ids=["empty", "no head lines", "another JSON", "broken JSON"],
)
def test_compare_refuses_what_holds_no_head(world: World, monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    with pytest.raises(CommandError):
        call_command("compare_chain_heads", "-", stdout=StringIO())


def test_a_head_line_reads_back_whatever_the_schools_name() -> None:
    head = PublishedHead(7, "st-mary-s", "St Mary's (C of E) Primary: Juniors", 12, "f" * 64)
    assert heads_from_text(f"Some prose.\n{head.line()}\nMore prose.") == [head]
