"""Refused requests are written to the security log (issue 16, docs/adr/0033): who, when, from
where, which route and id, and whether the record exists in one of the person's own schools or
another's; never the other school's data. The 404 itself, and the work done to answer it, are
the same for a record that is missing and one that is refused."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.support.world import Records, World

ADDRESS = "198.51.100.23"
# Every request may save the session (and the list of one's sessions): not the refusal's doing.
SESSION_TABLES = ('"django_session"', '"schools_signedinsession"')


def _events(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.security_event for r in caplog.records if r.name == "safeguard.security"]


@pytest.fixture
def security_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="safeguard.security")
    return caplog


def _ask(client: Any, url: str) -> tuple[Any, list[str]]:
    """The response, and the SQL statements that wrote (the session's own aside); the
    response carries how many statements were run in all (`queries`)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, REMOTE_ADDR=ADDRESS)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")
        and not any(table in q["sql"] for table in SESSION_TABLES)
    ]
    response.queries = len(queries.captured_queries)
    return response, writes


def _page(response: Any) -> str:
    """The page, less its CSRF token (masked afresh on every page)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


UUID_TEXT = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_another_schools_record_is_refused_and_logged_like_a_missing_one_answered(
    client: Any, world: World, records: dict[str, Records], security_log: Any
) -> None:
    dsl = world.users["dsl"]
    client.force_login(dsl)
    theirs = records["other"].concern
    client.get(reverse("concern-detail", args=[uuid.uuid4()]))  # warm the content-type cache
    security_log.clear()
    refused, refused_writes = _ask(client, reverse("concern-detail", args=[theirs.pk]))
    missing, missing_writes = _ask(client, reverse("concern-detail", args=[uuid.uuid4()]))
    # The same 404 for both, and nothing written to the database on the way.
    assert refused.status_code == missing.status_code == 404
    assert _page(refused) == _page(missing)
    assert refused_writes == missing_writes == []
    assert refused.queries == missing.queries  # the same work: no timing tells them apart

    first, second = _events(security_log)
    assert first["event"] == "record_refused"
    assert first["user"] == dsl.pk
    assert first["ip"] == ADDRESS
    assert first["method"] == "GET"
    assert first["route"] == "concern-detail"
    assert first["arguments"] == {"pk": str(theirs.pk)}
    assert f"arguments=pk:{theirs.pk}" in security_log.records[0].getMessage()
    assert first["model"] == "concerns.concern"
    assert first["record_id"] == str(theirs.pk)
    assert first["record_school"] == "other"
    assert first["at"]
    assert second["event"] == "record_missing"
    assert "record_school" not in second
    # The line says who asked for what; nothing of the record or of the school that holds it.
    lines = " ".join(r.getMessage() for r in security_log.records)
    for secret in (world.other_school.name, world.other_pupil.legal_last_name, theirs.reference):
        assert secret not in lines
    # The school's id as a value of its own: not a digit inside a record's UUID or the user's id.
    values = re.sub(rf"{UUID_TEXT}|user={dsl.pk}\b", "", lines)
    assert not re.search(rf"(?<![\w-]){world.other_school.pk}(?![\w-])", values), values
    assert f"user={dsl.pk}" in lines
    assert "record_refused" in lines


def test_a_record_of_ones_own_school_one_may_not_see_is_refused_as_own(
    client: Any, world: World, records: dict[str, Records], security_log: Any
) -> None:
    # The school's administrator sees pupils, not their CP records.
    client.force_login(world.users["admin"])
    response, writes = _ask(client, reverse("pupil-safeguarding", args=[world.pupil.pk]))
    assert response.status_code == 404
    assert writes == []
    (event,) = _events(security_log)
    assert (event["event"], event["model"], event["record_school"]) == (
        "record_refused",
        "schools.pupil",
        "own",
    )


def test_an_id_no_record_could_have_is_a_missing_record(
    client: Any, world: World, security_log: Any
) -> None:
    client.force_login(world.users["tso"])
    response = client.get(reverse("qa-sample-new", kwargs={"school_id": 2**63}))
    assert response.status_code == 404
    (event,) = _events(security_log)
    assert (event["event"], event["model"]) == ("record_missing", "schools.school")


def test_a_page_one_may_not_use_is_logged_as_forbidden(
    client: Any, world: World, security_log: Any
) -> None:
    staff = world.users["staff"]
    client.force_login(staff)
    response = client.get(reverse("triage-inbox"), {"pupil": "t-anything"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 403
    (event,) = _events(security_log)
    assert (event["event"], event["user"], event["ip"], event["route"]) == (
        "forbidden",
        staff.pk,
        ADDRESS,
        "triage-inbox",
    )
    # The query string is never written (it can carry a token for what someone searched for).
    assert "t-anything" not in security_log.text
    assert security_log.records[0].levelno == logging.WARNING


def test_a_page_shown_writes_no_security_line(
    client: Any, world: World, records: dict[str, Records], security_log: Any
) -> None:
    client.force_login(world.users["dsl"])
    assert client.get(reverse("concern-detail", args=[records["own"].concern.pk])).status_code == (
        200
    )
    assert _events(security_log) == []
