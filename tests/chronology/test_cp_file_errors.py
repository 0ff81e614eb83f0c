"""Opening or closing a CP file: a refusal shows in the form, beside the field, with a GOV.UK
error summary, and keeps what was typed; never a banner on another page (issue 20)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from chronology import services
from chronology.models import CpFile
from tests.support.world import World


def _in_form(page: str, message: str, typed: str = "") -> None:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary, "no error summary"
    assert f'<a href="#id_reason">{message}</a>' in summary[0]
    assert re.search(
        rf'<p id="id_reason-error" class="govuk-error-message">.*?{re.escape(message)}</p>',
        page,
        re.S,
    )
    assert "govuk-notification-banner" not in page  # not a banner
    assert "<title>Error:" in page
    if typed:
        assert f"{typed}</textarea>" in page


def test_opening_without_a_reason_shows_the_error_beside_the_field(
    client: Any, world: World
) -> None:
    client.force_login(world.users["dsl"])
    response = client.post(reverse("cp-file-open", kwargs={"pk": world.pupil.pk}), {"reason": ""})
    assert response.status_code == 200
    _in_form(response.content.decode(), "Enter why the file is being opened")
    assert not CpFile.objects.exists()


def test_opening_a_second_file_keeps_the_reason_typed(client: Any, world: World) -> None:
    services.cp_file_open(actor=world.users["deputy"], pupil=world.pupil, reason="First")
    client.force_login(world.users["dsl"])
    typed = "Disclosure in the playground"
    response = client.post(
        reverse("cp-file-open", kwargs={"pk": world.pupil.pk}), {"reason": typed}
    )
    assert response.status_code == 200
    _in_form(response.content.decode(), "A child-protection file is already open", typed)
    assert CpFile.objects.count() == 1


def test_closing_errors_show_in_the_form(client: Any, world: World) -> None:
    cp_file = services.cp_file_open(actor=world.users["dsl"], pupil=world.pupil, reason="Why")
    client.force_login(world.users["dsl"])
    url = reverse("cp-file-close", kwargs={"pk": cp_file.pk})
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    _in_form(response.content.decode(), "Enter why the file is being closed")
    services.cp_file_close(actor=world.users["deputy"], cp_file=cp_file, reason="Moved away")
    typed = "<script>alert(1)</script> left the area"
    page = client.post(url, {"reason": typed}).content.decode()
    _in_form(
        page, "This file is already closed", "&lt;script&gt;alert(1)&lt;/script&gt; left the area"
    )
    assert "<script>alert(1)" not in page


def test_a_good_reason_still_goes_back_to_the_safeguarding_page(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    response = client.post(
        reverse("cp-file-open", kwargs={"pk": world.pupil.pk}), {"reason": "Disclosure"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})
