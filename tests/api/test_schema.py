"""The OpenAPI schema: generated without a warning, the same as the committed copy
(docs/api/openapi.yaml: `make schema` writes it), and served with its documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"


def test_the_schema_generates_without_warnings_and_matches_the_committed_copy(
    tmp_path: Path,
) -> None:
    generated = tmp_path / "openapi.yaml"
    # --fail-on-warn: drf-spectacular raises on any warning (an operation it cannot describe).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "The API changed: run `make schema` and commit docs/api/openapi.yaml"
    )


@pytest.mark.django_db
def test_the_schema_and_its_documentation_are_served_to_anyone() -> None:
    client = Client()
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["info"]["title"] == "Safeguard API"
    assert "/api/v1/schools/" in body["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "<script>" not in page  # its script is a file of our own (the CSP allows no other)
