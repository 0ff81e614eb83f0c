"""Styled error pages, and never a stack trace."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import override_settings
from django.urls import include, path

from tests.support.world import World


def _explode(request: HttpRequest) -> None:
    raise RuntimeError("secret internal detail")


def _forbid(request: HttpRequest) -> None:
    raise PermissionDenied


urlpatterns = [
    path("explode/", _explode),
    path("forbid/", _forbid),
    path("", include("safeguard.urls")),
]


@pytest.fixture
def failing_urls():
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        yield


def test_server_error_page_has_no_stack_trace(client, failing_urls, db) -> None:
    client.raise_request_exception = False
    response = client.get("/explode/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page
    assert "secret internal detail" not in page


def test_403_page_is_styled(client, failing_urls, world: World) -> None:
    client.force_login(world.users["governor"])
    response = client.get("/forbid/")
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_404_page_is_styled(client, db) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_body_larger_than_any_form_takes_is_refused_before_it_is_read(
    client,
    world: World,
    settings,
) -> None:
    """A 413 with a plain page, the session untouched and nothing saved; a body under the limit
    reaches the view as before."""
    from schools.models import RollImport

    settings.MAX_REQUEST_BYTES = 1024
    client.force_login(world.users["admin"])
    big = b"x" * 2048
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/pupils/import/new/",
        {"source": "csv", "whole_roll": "no", "file": SimpleUploadedFile("roll.csv", big)},
    )
    assert response.status_code == 413
    assert b"The file is too large" in response.content
    assert b"up to 1 MB" in response.content
    assert not RollImport.objects.exists()
    assert client.get("/pupils/").status_code == 200  # still signed in
    small = client.post(
        "/pupils/import/new/",
        {"source": "csv", "whole_roll": "no", "file": SimpleUploadedFile("roll.csv", b"x")},
    )
    assert small.status_code in (200, 302)  # the view answered (here: the form's own message)
