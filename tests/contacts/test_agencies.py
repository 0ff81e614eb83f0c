"""The trust safeguarding officer keeps the trust's agencies; nobody sees another trust's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts import services
from contacts.models import Agency
from contacts.selectors import agency_get_for, agency_list_for
from tests.support.world import World

from .conftest import Authorities


def _lado(world: World) -> Agency:
    return Agency.objects.get(trust=world.school.trust, name="Leicestershire LADO")


def _post_data(agency: Agency, **changes: Any) -> dict[str, Any]:
    from contacts.forms import AgencyForm

    data = {k: v for k, v in AgencyForm.initial_for(agency).items() if v not in (None, False)}
    data["out_of_hours"] = agency.out_of_hours_id or ""
    for key in ("open_all_hours", "closed_on_bank_holidays", "to_confirm"):
        if data.get(key) is True:
            data[key] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_list_never_returns_another_trusts_agencies(world: World, authorities: Authorities) -> None:
    tso = world.users["tso"]
    mine = agency_list_for(actor=tso)
    assert mine.exists()
    assert set(mine.values_list("trust_id", flat=True)) == {world.school.trust_id}
    theirs = Agency.objects.filter(trust=world.other_school.trust).first()
    assert theirs is not None
    assert not mine.filter(pk=theirs.pk).exists()
    # Nobody else keeps agencies: a DSL's list is empty, even in their own trust.
    assert not agency_list_for(actor=world.users["dsl"]).exists()
    assert not agency_list_for(actor=world.users["other_dsl"]).exists()


def test_list_page_shows_the_trusts_agencies_by_local_authority(
    client, world: World, authorities: Authorities
) -> None:
    Agency.objects.create(
        trust=world.other_school.trust, kind="other", name="Elsewhere Only Agency", phone="101"
    )
    client.force_login(world.users["tso"])
    body = client.get(reverse("agency-list")).content.decode()
    assert "Leicestershire LADO" in body
    assert "Southend-on-Sea" in body
    assert "Elsewhere Only Agency" not in body
    assert "To be confirmed" in body
    assert "not recorded: the trust must add it" in body  # the Southend LADO's telephone


def test_edit_rejects_closing_before_opening_and_letters_in_a_phone_keeping_what_was_typed(
    client, world: World, authorities: Authorities
) -> None:
    lado = _lado(world)
    client.force_login(world.users["tso"])
    url = reverse("agency-edit", kwargs={"pk": lado.pk})
    response = client.post(
        url,
        _post_data(
            lado, phone="0116 305 41A1", opens_4="16:30", closes_4="08:30", guidance="Typed"
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "On Friday it closes before it opens: enter a closing time later than 16:30" in body
    assert "Enter a telephone number using only numbers and spaces" in body
    # Errors sit next to their fields, and the summary links to them.
    assert 'id="id_closes_4-error"' in body
    assert 'href="#id_phone"' in body
    # Everything typed is kept.
    assert 'value="0116 305 41A1"' in body
    assert 'value="16:30"' in body
    assert "Typed</textarea>" in body
    lado.refresh_from_db()
    assert lado.phone == "0116 305 4141"
    assert lado.hours["4"] == ["08:30", "16:30"]


def test_edit_one_time_without_the_other_is_explained(
    client, world: World, authorities: Authorities
) -> None:
    lado = _lado(world)
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-edit", kwargs={"pk": lado.pk}), _post_data(lado, opens_5="09:00")
    )
    assert "Enter the time it closes on Saturday, or clear both" in response.content.decode()


def test_edit_saves_new_hours(client, world: World, authorities: Authorities) -> None:
    lado = _lado(world)
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-edit", kwargs={"pk": lado.pk}),
        _post_data(lado, closes_4="17:00", phone="0116 305 4142"),
    )
    assert response.status_code == 302
    lado.refresh_from_db()
    assert lado.hours["4"] == ["08:30", "17:00"]
    assert lado.phone == "0116 305 4142"
    assert lado.out_of_hours.name == "Leicestershire First Response Children's Duty Team"


def test_out_of_hours_alternative_must_be_the_trusts_own(
    client, world: World, authorities: Authorities
) -> None:
    lado = _lado(world)
    theirs = Agency.objects.filter(trust=world.other_school.trust).first()
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-edit", kwargs={"pk": lado.pk}), _post_data(lado, out_of_hours=theirs.pk)
    )
    assert "Choose an agency from the list" in response.content.decode()
    lado.refresh_from_db()
    assert lado.out_of_hours.trust_id == world.school.trust_id


def test_answers_24_hours_with_office_hours_is_refused(
    client, world: World, authorities: Authorities
) -> None:
    lado = _lado(world)
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-edit", kwargs={"pk": lado.pk}), _post_data(lado, open_all_hours="on")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_open_all_hours-error"' in body
    assert "Clear the office hours, or untick" in body
    lado.refresh_from_db()
    assert not lado.open_all_hours
    # The service refuses it too, whoever calls it.
    with pytest.raises(ValidationError) as error:
        services.agency_update(actor=world.users["tso"], agency=lado, open_all_hours=True)
    assert "open_all_hours" in error.value.message_dict


def test_out_of_hours_alternative_from_another_local_authority_is_refused(
    client, world: World, authorities: Authorities
) -> None:
    lado = _lado(world)  # Leicestershire
    southend_ooh = Agency.objects.get(
        trust=world.school.trust, name="Southend out-of-hours social care"
    )
    client.force_login(world.users["tso"])
    url = reverse("agency-edit", kwargs={"pk": lado.pk})
    response = client.post(url, _post_data(lado, out_of_hours=southend_ooh.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_out_of_hours-error"' in body
    assert (
        "Southend out-of-hours social care is in Southend-on-Sea: choose Leicestershire&#x27;s own "
        "out-of-hours service, or a national service" in body
    )
    lado.refresh_from_db()
    assert lado.out_of_hours.local_authority == "Leicestershire"
    # A national service is accepted.
    nspcc = Agency.objects.get(trust=world.school.trust, name="NSPCC helpline")
    response = client.post(url, _post_data(lado, out_of_hours=nspcc.pk))
    assert response.status_code == 302
    # The service refuses it too; and a national service may not point to a local one.
    with pytest.raises(ValidationError, match="in Southend-on-Sea"):
        services.agency_update(actor=world.users["tso"], agency=lado, out_of_hours=southend_ooh)
    with pytest.raises(ValidationError, match="a national service's own"):
        services.agency_update(actor=world.users["tso"], agency=nspcc, out_of_hours=southend_ooh)


def test_add_an_agency(client, world: World, authorities: Authorities) -> None:
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-add"),
        {
            "name": "Essex Early Help",
            "kind": "early_help",
            "local_authority": "Essex",
            "phone": "01245 000 111",
            "opens_0": "09:00",
            "closes_0": "17:00",
            "closed_on_bank_holidays": "on",
            "source": "Typed by the TSO",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(trust=world.school.trust, name="Essex Early Help")
    assert agency.hours == {"0": ["09:00", "17:00"]}


def test_add_a_duplicate_name_is_explained(client, world: World, authorities: Authorities) -> None:
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("agency-add"),
        {"name": "Southend LADO", "kind": "lado", "local_authority": "Southend-on-Sea"},
    )
    assert response.status_code == 200
    assert "already has an agency with this name" in response.content.decode()


def test_another_trusts_agency_is_404_even_for_a_tso(
    world: World, authorities: Authorities
) -> None:
    import pytest
    from django.http import Http404

    theirs = Agency.objects.filter(trust=world.other_school.trust).first()
    with pytest.raises(Http404):
        agency_get_for(actor=world.users["tso"], pk=theirs.pk)


def test_agency_list_and_who_to_call_query_counts_do_not_grow(
    client, world: World, authorities: Authorities, django_assert_max_num_queries
) -> None:
    client.force_login(world.users["tso"])
    for url in [reverse("agency-list"), reverse("who-to-call")]:
        client.get(url)
        with django_assert_max_num_queries(20) as few:
            client.get(url)
        for n in range(10):
            Agency.objects.create(
                trust=world.school.trust,
                kind="nspcc",
                name=f"Extra line {url} {n}",
                phone="0808 800 5000",
                out_of_hours=Agency.objects.filter(trust=world.school.trust).first(),
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert "Extra line" in client.get(url).content.decode()
