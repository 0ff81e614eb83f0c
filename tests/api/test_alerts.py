"""The alert intake (issue 17): a monitoring system's alert becomes a concern in the school's
triage inbox through the services the pages use (signed, in the chronology, the DSLs told),
marked as raised by the system, once per alert; refused field by field with nothing written."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from api.models import ApiCall, ApiClient
from chronology.ledger.verification import verify_chain
from chronology.models import ChronologyEntry
from concerns import services as concern_services
from concerns.models import Category, Concern
from concerns.selectors import inbox_for
from concerns.services import alerts as alert_service
from reminders.services import reviews_run
from safeguard.models import Notification
from schools.models import Pupil, User
from tests.concerns.conftest import (
    categories,  # noqa: F401  (the trust's category list)
    draft,
)
from tests.support.api import bearer, problem_of, register_client
from tests.support.factories import PupilFactory
from tests.support.transfers import DESTROY_ON, after, kept, run_at
from tests.support.world import World, add_sibling
from transfers.export.gather import cp_records_for_export
from transfers.export.pdf import cp_file_html

UPN = "A123456789012"
SUMMARY = (
    'Search typed in Google Chrome: "how many paracetamol is too many". Device: ALD-LAPTOP-07 '
    "(Year 9 laptop trolley). Signed in as a.pupil@alpha.example."
)


def _url(school_id: Any) -> str:
    return f"/api/v1/schools/{school_id}/alerts/"


def _alert(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "alert_id": "SWM-7f3c2a91",
        "pupils": [{"upn": UPN}],
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=20)).isoformat(),
        "severity": "Level 4: high risk",
        "summary": SUMMARY,
        "link": "https://monitor.smoothwall.example/alerts/7f3c2a91",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _post(secret: str, school_id: Any, body: dict[str, Any]) -> Any:
    return bearer(secret).post(_url(school_id), body, content_type="application/json")


@pytest.fixture
def smoothwall(world: World, categories: dict[str, Category]) -> tuple[ApiClient, str]:  # noqa: F811
    Pupil.objects.filter(pk=world.pupil.pk).update(upn=UPN)
    return register_client(
        world.users["dsl"], school=world.school, scopes=["alerts:write"], name="Smoothwall Monitor"
    )


def _written(world: World) -> tuple[int, int, int]:
    """What an alert writes: concerns, chronology entries, notifications (school A)."""
    return (
        Concern.objects.filter(school=world.school).count(),
        ChronologyEntry.objects.filter(school=world.school).count(),
        Notification.objects.filter(school=world.school).count(),
    )


def test_an_alert_becomes_a_signed_concern_in_the_dsls_inbox(
    world: World, smoothwall: tuple[ApiClient, str], client: Any
) -> None:
    api_client, secret = smoothwall
    response = _post(secret, world.school.pk, _alert())

    assert response.status_code == 201, response.content
    body = response.json()
    concern = Concern.objects.get(school=world.school, source_alert_id="SWM-7f3c2a91")
    # Only what names the concern: the client never reads it back.
    assert body == {"reference": concern.reference, "id": str(concern.pk), "duplicate": False}
    assert concern.reference.startswith(f"{world.school.reference_prefix}-")
    assert concern.status == "received"
    assert concern.content_hash
    assert concern.author_id == api_client.user_id
    assert (concern.source_name, concern.source_link) == (
        "Smoothwall Monitor",
        "https://monitor.smoothwall.example/alerts/7f3c2a91",
    )
    assert concern.account == SUMMARY
    assert "Level 4: high risk" in concern.reason_for_recording
    assert concern.immediate_danger is None  # a system's risk level is not a person's judgement
    (involvement,) = concern.involvements.all()
    assert involvement.pupil_id == world.pupil.pk
    assert involvement.pupil_upn == UPN  # the snapshot signed with it
    assert involvement.involvement_other == "Named in an alert from Smoothwall Monitor"
    assert not involvement.categories.exists()  # none was given

    client.force_login(world.users["dsl"])
    inbox = client.get(reverse("triage-inbox"))
    assert inbox.status_code == 200
    page = inbox.content.decode()
    assert concern.reference in page
    assert "System alert" in page
    assert "Smoothwall Monitor" in page

    detail = client.get(reverse("concern-detail", kwargs={"pk": concern.pk}))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Smoothwall Monitor (system alert), through the API" in page
    assert "<code>SWM-7f3c2a91</code>" in page  # the alert's id, for the DSL
    assert 'href="https://monitor.smoothwall.example/alerts/7f3c2a91"' in page
    assert "Received from Smoothwall Monitor and signed" in page
    assert "a system cannot judge this" in page


def test_the_alert_is_in_the_pupils_chronology_and_the_chain_holds(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    assert _post(secret, world.school.pk, _alert()).status_code == 201
    concern = Concern.objects.get(source_alert_id="SWM-7f3c2a91")

    (entry,) = ChronologyEntry.objects.filter(pupil=world.pupil, source_id=str(concern.pk))
    assert entry.kind == "concern_submitted"
    assert entry.details == (  # with the reason for recording the alert gave (issue 20)
        f"Concern {concern.reference} raised by an alert from Smoothwall Monitor (system). "
        "Reason for recording: An alert from Smoothwall Monitor, which gave it the risk level "
        "“Level 4: high risk”."
    )
    assert entry.author_name == "Smoothwall Monitor (system)"
    assert entry.source_hash == concern.content_hash
    report = verify_chain(school_id=world.school.pk)
    assert report.ok, report
    assert report.records_checked == 1  # the concern re-hashed as signed


def test_the_dsls_are_told_as_for_any_new_concern_and_the_system_never(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    api_client, secret = smoothwall
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("safeguard.notifications._enqueue", lambda ids: None)
        assert _post(secret, world.school.pk, _alert()).status_code == 201
    concern = Concern.objects.get(source_alert_id="SWM-7f3c2a91")

    told = Notification.objects.filter(school=world.school, kind="concern_submitted")
    assert {n.recipient_id for n in told} == {world.users["dsl"].pk, world.users["deputy"].pk}
    assert {n.title for n in told} == {
        f"New concern {concern.reference} to triage: an alert from Smoothwall Monitor"
    }
    assert {n.link for n in told} == {reverse("concern-detail", kwargs={"pk": concern.pk})}

    # Triage, the DSL's record and a week of reminders later, the system's account is told nothing.
    record = concern_services.concern_open(actor=world.users["dsl"], concern=concern)
    assert record.received_from.startswith(
        "Smoothwall Monitor (system alert SWM-7f3c2a91, received through the API at "
    )
    reviews_run(now=timezone.now() + datetime.timedelta(days=7))
    assert not Notification.objects.filter(recipient=api_client.user).exists()
    assert all(api_client.user.email not in m.to for m in mail.outbox)


def test_the_cp_file_shows_the_system_that_raised_it(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    assert _post(secret, world.school.pk, _alert()).status_code == 201
    records = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)
    html = cp_file_html(records=records, receiving_school="Beta School", attachments=[])
    assert (
        "Raised by Smoothwall Monitor (system alert SWM-7f3c2a91), received through the API" in html
    )
    assert "Received from Smoothwall Monitor and signed electronically" in html
    assert "Not answered (raised by a system, which cannot judge this)" in html


def test_a_category_and_several_pupils_by_upn_or_id(
    world: World,
    smoothwall: tuple[ApiClient, str],
    categories: dict[str, Category],  # noqa: F811
) -> None:
    _, secret = smoothwall
    second = PupilFactory(school=world.school, upn="B123456789012")
    sub = categories["Online safety > Filtering and monitoring alert"]
    body = _alert(
        pupils=[{"upn": UPN.lower()}, {"pupil_id": str(second.pk)}, {"upn": UPN}],
        category_id=sub.pk,
    )
    assert _post(secret, world.school.pk, body).status_code == 201
    concern = Concern.objects.get(source_alert_id="SWM-7f3c2a91")
    involvements = {i.pupil_id: i for i in concern.involvements.all()}
    assert set(involvements) == {world.pupil.pk, second.pk}  # a pupil named twice is there once
    for involvement in involvements.values():
        # The sub-category, as the page keeps it (its heading went with it).
        assert [c.pk for c in involvement.categories.all()] == [sub.pk]


@pytest.mark.parametrize(
    "change",
    [{"source_alert_id": "SWM-other"}, {"source_name": "Someone"}, {"source_link": ""}],
)
def test_which_system_and_alert_never_change_once_signed(
    world: World, smoothwall: tuple[ApiClient, str], change: dict[str, str]
) -> None:
    _, secret = smoothwall
    assert _post(secret, world.school.pk, _alert()).status_code == 201
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(source_alert_id="SWM-7f3c2a91").update(**change)


def test_the_same_alert_again_is_the_same_concern(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    first = _post(secret, world.school.pk, _alert())
    assert first.status_code == 201
    written = _written(world)

    again = _post(secret, world.school.pk, _alert(summary="Sent again, reworded"))
    assert again.status_code == 200, again.content
    assert again.json() == {**first.json(), "duplicate": True}
    assert _written(world) == written  # nothing new: no concern, entry or notification


def test_the_same_alert_id_from_another_system_is_another_alert(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    _, other_secret = register_client(
        world.users["head"], school=world.school, scopes=["alerts:write"], name="Senso"
    )
    assert _post(secret, world.school.pk, _alert()).status_code == 201
    assert _post(other_secret, world.school.pk, _alert()).status_code == 201
    assert Concern.objects.filter(source_alert_id="SWM-7f3c2a91").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_calls_with_the_same_alert_at_once_raise_one_concern(
    world: World, smoothwall: tuple[ApiClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, secret = smoothwall
    # Both calls look for the alert, find nothing, and only then go on to write: the race the
    # database's constraint has to settle (the one that commits second is refused and answers
    # with the first one's concern).
    both_looked = threading.Barrier(2, timeout=20)
    looked_up = alert_service.concern_for_alert
    seen: set[int] = set()

    def look_then_wait(**kwargs: Any) -> Concern | None:
        found = looked_up(**kwargs)
        if threading.get_ident() not in seen:
            seen.add(threading.get_ident())
            both_looked.wait()
        return found

    monkeypatch.setattr(alert_service, "concern_for_alert", look_then_wait)
    answers: list[Any] = []

    def call() -> None:
        try:
            answers.append(_post(secret, world.school.pk, _alert()))
        finally:
            connection.close()  # each thread has its own connection to the database

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert len({a.json()["reference"] for a in answers}) == 1
    assert sorted(a.json()["duplicate"] for a in answers) == [False, True]
    assert Concern.objects.filter(source_alert_id="SWM-7f3c2a91").count() == 1
    assert ChronologyEntry.objects.filter(school=world.school).count() == 1


def _refusals(world: World) -> list[tuple[str, Any, str]]:
    return [
        ("unknown UPN", {"pupils": [{"upn": "Z999999999999"}]}, "pupils[0].upn"),
        ("another school's pupil", {"pupils": [{"upn": "C123456789012"}]}, "pupils[0].upn"),
        (
            "another school's pupil id",
            {"pupils": [{"upn": UPN}, {"pupil_id": str(world.other_pupil.pk)}]},
            "pupils[1].pupil_id",
        ),
        ("a pupil by nothing", {"pupils": [{"upn": ""}]}, "pupils[0]"),
        ("no pupils", {"pupils": []}, "pupils"),
        ("an unknown category", {"category_id": 2_000_000_000}, "category_id"),
        ("missing alert id", {"alert_id": None}, "alert_id"),
        ("an alert id of words", {"alert_id": "the pupil searched"}, "alert_id"),
        ("NUL bytes", {"summary": "Search\x00term"}, "summary"),
        ("1 MB of text", {"summary": "x" * 1_000_000}, "summary"),
        ("no summary", {"summary": "   "}, "summary"),
        (
            "in the future",
            {"occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
            "occurred_at",
        ),
        ("year 1", {"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
        ("a link that is not https", {"link": "javascript:alert(1)"}, "link"),
    ]


REFUSALS = [
    "unknown UPN",
    "another school's pupil",
    "another school's pupil id",
    "a pupil by nothing",
    "no pupils",
    "an unknown category",
    "missing alert id",
    "an alert id of words",
    "NUL bytes",
    "1 MB of text",
    "no summary",
    "in the future",
    "year 1",
    "a link that is not https",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_an_alert_that_cannot_be_a_concern_is_refused_by_field_with_nothing_written(
    world: World, smoothwall: tuple[ApiClient, str], case: str
) -> None:
    _, secret = smoothwall
    PupilFactory(school=world.other_school, upn="C123456789012")
    (changes, field) = next((c, f) for name, c, f in _refusals(world) if name == case)
    written = _written(world)

    response = _post(secret, world.school.pk, _alert(**changes))

    assert response.status_code == 400, response.content
    problem = problem_of(response)
    assert field in {e["field"] for e in problem["errors"]}, problem["errors"]
    assert all(e["message"] for e in problem["errors"])
    assert _written(world) == written
    assert not Concern.objects.filter(source_alert_id__gt="").exists()


def test_another_schools_category_is_refused(
    world: World,
    smoothwall: tuple[ApiClient, str],
    categories: dict[str, Category],  # noqa: F811
) -> None:
    _, secret = smoothwall
    elsewhere = Category.objects.filter(trust=world.other_school.trust).first()
    assert elsewhere is not None
    response = _post(secret, world.school.pk, _alert(category_id=elsewhere.pk))
    assert response.status_code == 400
    assert [e["field"] for e in problem_of(response)["errors"]] == ["category_id"]
    assert not Concern.objects.filter(school=world.school).exists()


def test_every_problem_is_listed_at_once(world: World, smoothwall: tuple[ApiClient, str]) -> None:
    _, secret = smoothwall
    body = _alert(pupils=[{"upn": "Z999999999999"}], category_id=2_000_000_000, link="http://x")
    response = _post(secret, world.school.pk, body)
    assert response.status_code == 400
    fields = {e["field"] for e in problem_of(response)["errors"]}
    assert fields == {"link"}  # the body's own shape first (a plain http link)...
    response = _post(secret, world.school.pk, _alert(**{**body, "link": None}))
    fields = {e["field"] for e in problem_of(response)["errors"]}
    assert fields == {"pupils[0].upn", "category_id"}  # ...then the roll and the list, together


def test_another_schools_id_is_the_same_404_as_a_missing_one(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    add_sibling(world)
    assert world.sibling_school is not None
    answers = [
        _post(secret, school_id, _alert())
        for school_id in (world.other_school.pk, world.sibling_school.pk, 999_999)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.content for a in answers}) == 1
    assert problem_of(answers[0])["status"] == 404
    assert not Concern.objects.exists()


def test_a_client_without_alerts_write_is_refused(world: World) -> None:
    _, secret = register_client(
        world.users["dsl"], school=world.school, scopes=["roll:write", "figures:read"]
    )
    response = _post(secret, world.school.pk, _alert())
    assert response.status_code == 403
    assert problem_of(response)["status"] == 403
    assert not Concern.objects.exists()
    call = ApiCall.objects.get()
    assert (call.route, call.scope, call.status) == (
        "/api/v1/schools/<int:school_id>/alerts/",
        "alerts:write",
        403,
    )


def test_no_secret_is_refused(world: World) -> None:
    response = bearer("sgd_not-a-secret").post(
        _url(world.school.pk), _alert(), content_type="application/json"
    )
    assert response.status_code == 401
    assert not Concern.objects.exists()


def test_a_trust_client_raises_an_alert_in_a_sibling_school(
    world: World,
    categories: dict[str, Category],  # noqa: F811
) -> None:
    add_sibling(world)
    sibling, sibling_pupil = world.sibling_school, world.sibling_pupil
    assert sibling is not None
    assert sibling_pupil is not None
    Pupil.objects.filter(pk=sibling_pupil.pk).update(upn="G123456789012")
    _, secret = register_client(
        world.users["tso"], trust=world.school.trust, scopes=["alerts:write"], name="Smoothwall"
    )
    response = _post(secret, sibling.pk, _alert(pupils=[{"upn": "G123456789012"}]))
    assert response.status_code == 201, response.content
    concern = Concern.objects.get(pk=response.json()["id"])
    assert concern.school_id == sibling.pk
    assert Notification.objects.filter(
        school=sibling, recipient=world.users["sibling_dsl"], kind="concern_submitted"
    ).exists()
    # The sibling's pupil is not on school A's roll, nor another trust's school reached.
    refused = _post(
        secret, world.school.pk, _alert(alert_id="SWM-2", pupils=[{"upn": "G123456789012"}])
    )
    assert refused.status_code == 400
    assert [e["field"] for e in problem_of(refused)["errors"]] == ["pupils[0].upn"]
    assert _post(secret, world.other_school.pk, _alert(alert_id="SWM-3")).status_code == 404


def test_a_pupil_who_has_left_is_not_on_the_roll(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    Pupil.objects.filter(pk=world.pupil.pk).update(left_on=timezone.localdate())
    response = _post(secret, world.school.pk, _alert())
    assert response.status_code == 400
    assert [e["field"] for e in problem_of(response)["errors"]] == ["pupils[0].upn"]


def test_a_revoked_client_raises_nothing(world: World, smoothwall: tuple[ApiClient, str]) -> None:
    from api.services import api_client_revoke

    api_client, secret = smoothwall
    api_client_revoke(actor=world.users["dsl"], client=api_client)
    assert _post(secret, world.school.pk, _alert()).status_code == 401
    assert not Concern.objects.exists()


def test_the_system_account_is_no_person(world: World, smoothwall: tuple[ApiClient, str]) -> None:
    api_client, _ = smoothwall
    account = User.objects.get(pk=api_client.user_id)
    assert account.full_name == "Smoothwall Monitor (system)"
    assert account.email.endswith("@api-clients.invalid")
    assert not account.has_usable_password()


def test_destruction_blanks_the_link_keeps_the_system_and_the_alert_id(
    world: World, smoothwall: tuple[ApiClient, str]
) -> None:
    _, secret = smoothwall
    first = _post(secret, world.school.pk, _alert())
    assert first.status_code == 201
    kept(world)
    assert run_at(after(DESTROY_ON)).destroyed == 1

    concern = Concern.objects.get(source_alert_id="SWM-7f3c2a91")
    assert (concern.account, concern.other_information, concern.source_link) == ("", "", "")
    assert concern.source_name == "Smoothwall Monitor"
    assert verify_chain(school_id=world.school.pk).ok
    # The same alert sent after destruction raises nothing again.
    again = _post(secret, world.school.pk, _alert())
    assert again.status_code == 200
    assert again.json() == {**first.json(), "duplicate": True}


def test_an_alert_is_triaged_in_its_turn_not_below_every_persons_concern(
    world: World,
    smoothwall: tuple[ApiClient, str],
    categories: dict[str, Category],  # noqa: F811
) -> None:
    _, secret = smoothwall
    staff = world.users["staff"]
    older = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories)
    )
    assert _post(secret, world.school.pk, _alert()).status_code == 201
    danger = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories, danger=True)
    )
    alert = Concern.objects.get(source_alert_id="SWM-7f3c2a91")
    order = list(inbox_for(actor=world.users["dsl"], school=world.school))
    assert order == [danger, alert, older]  # immediate danger first, then the newest
