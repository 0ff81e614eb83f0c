"""The roll's pages: add a pupil, change details, record a leaver, undo a leaving. Errors beside
fields and in the summary, nothing typed lost, hostile input answered with a message, and the
administrator never shown a child-protection record (docs/adr/0022)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from roll import rules
from roll import services as roll_services
from schools.models import Pupil
from tests.support.roll import UPN_A, UPN_B, details, error_beside, form_data, summary_links
from tests.support.world import World

D = datetime.date


def page(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def admin(client: Any, world: World) -> Any:
    client.force_login(world.users["admin"])
    return client


# --- Add a pupil --------------------------------------------------------------------------------


def test_the_pupil_list_offers_add_a_pupil_to_roll_keepers_only(client: Any, world: World) -> None:
    for role, shown in [("admin", True), ("dsl", True), ("deputy", False), ("staff", False)]:
        client.force_login(world.users[role])
        html = page(client.get(reverse("pupil-list")))
        assert ('data-testid="pupil-add-link"' in html) is shown, role


def test_adding_a_pupil(admin: Any, world: World) -> None:
    html = page(admin.get(reverse("pupil-add")))
    for label in [
        "Legal first name",
        "Date of birth",
        "Unique pupil number (UPN)",
        "Year group",
        "Registration group",
        "Date joined",
        "Ethnicity",
        "Eligible for free school meals",
        "Pupil premium",
        "Looked after",
        "Admission number",
        "Gender",
    ]:
        assert label in html
    assert 'name="date_of_birth_day"' in html
    assert 'name="date_of_birth_year"' in html
    response = admin.post(reverse("pupil-add"), form_data())
    pupil = Pupil.objects.get(school=world.school, upn=UPN_A)
    assert response.status_code == 302
    assert response["Location"] == reverse("pupil-detail", kwargs={"pk": pupil.pk})
    assert (pupil.legal_first_name, pupil.legal_last_name) == ("Zoë", "O'Brien")
    assert pupil.date_of_birth == details()["date_of_birth"]
    assert (pupil.fsm_eligible, pupil.pupil_premium, pupil.looked_after) == (True, None, False)
    detail = page(admin.get(response["Location"]))
    assert "Zoë O&#x27;Brien was added to the roll." in detail


def test_an_empty_form_shows_each_problem_beside_its_field_and_in_the_summary(
    admin: Any, world: World
) -> None:
    response = admin.post(reverse("pupil-add"), {})
    html = page(response)
    assert response.status_code == 200
    assert "<title>Error: Add a pupil" in html
    assert "There is a problem" in html
    assert error_beside(html, "id_legal_first_name") == "Enter the pupil&#x27;s legal first name"
    assert error_beside(html, "date_of_birth") == "Enter the date of birth"
    assert error_beside(html, "joined_on") == "Enter the date the pupil joined"
    assert error_beside(html, "id_year_group") == "Choose the pupil&#x27;s year group"
    links = summary_links(html)
    assert {
        "id_legal_first_name",
        "id_legal_last_name",
        "id_date_of_birth_day",
        "id_joined_on_day",
        "id_year_group",
    } <= set(links)
    assert not Pupil.objects.filter(school=world.school).exclude(pk=world.pupil.pk).exists()


def test_nothing_typed_is_lost_on_error(admin: Any, world: World) -> None:
    data = form_data(
        upn="Z" + UPN_A[1:],
        date_of_birth_day="31",
        date_of_birth_month="2",
        legal_middle_names="Rose Ann",
        registration_group="4K",
    )
    html = page(admin.post(reverse("pupil-add"), data))
    assert error_beside(html, "date_of_birth") == "The date of birth must be a real date"
    for value in ["Zoë", "O&#x27;Brien", "Rose Ann", "4K", "Z" + UPN_A[1:], "WBRI"]:
        assert f'value="{value}"' in html, value
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="31"' in html
    assert (
        re.search(r'value="4"\s+selected|value="4" selected', html) or 'value="4" selected' in html
    )
    assert re.search(r'value="K"\s*checked', html)  # SEN support stays chosen
    assert re.search(
        r'id="id_fsm_eligible" name="fsm_eligible" type="radio" value="yes" checked', html
    )


def test_every_problem_shows_at_once(admin: Any, world: World) -> None:
    html = page(
        admin.post(
            reverse("pupil-add"),
            form_data(
                date_of_birth_day="31",
                date_of_birth_month="2",
                ethnicity="XX",
                upn="Z" + UPN_A[1:],
                legal_last_name="",
            ),
        )
    )
    assert error_beside(html, "date_of_birth") == "The date of birth must be a real date"
    assert "Enter a DfE ethnicity code" in error_beside(html, "id_ethnicity")
    assert "check letter" in error_beside(html, "id_upn")
    assert error_beside(html, "id_legal_last_name") == "Enter the pupil&#x27;s legal last name"
    assert summary_links(html) == [
        "id_legal_last_name",
        "id_date_of_birth_day",
        "id_upn",
        "id_ethnicity",
    ]


@pytest.mark.parametrize(
    ("overrides", "field_id", "words"),
    [
        ({"legal_first_name": "Zo\x00ë"}, "id_legal_first_name", "null character"),
        ({"legal_last_name": "x" * 1_000_000}, "id_legal_last_name", "100 characters or fewer"),
        ({"upn": "A" * 1_000_000}, "id_upn", "100 characters or fewer"),
        ({"date_of_birth_day": "١٢"}, "date_of_birth", "must be a real date, in numbers"),
        ({"date_of_birth_year": "9" * 1_000_000}, "date_of_birth", "must be a real date"),
        (
            {"date_of_birth_day": "31", "date_of_birth_month": "2"},
            "date_of_birth",
            "must be a real date",
        ),
        ({"date_of_birth_year": "9999"}, "date_of_birth", "must be in the past"),
        ({"date_of_birth_year": "15"}, "date_of_birth", "Year must include 4 numbers"),
        ({"date_of_birth_month": ""}, "date_of_birth", "must include a month"),
        ({"joined_on_year": "9999"}, "joined_on", "within the next year"),
        ({"joined_on_day": "\x00"}, "joined_on", "must be a real date"),
        ({"year_group": "\x00"}, "id_year_group", "Choose the pupil&#x27;s year group"),
        ({"gender": "x" * 100_000}, "id_gender", "Choose one of the answers"),
        ({"fsm_eligible": "maybe"}, "id_fsm_eligible", "Choose yes, no or not recorded"),
        ({"ethnicity": "١٢٣٤"}, "id_ethnicity", "Enter a DfE ethnicity code"),
        ({"upn": "Z" + UPN_A[1:]}, "id_upn", f"should be {UPN_A[0]}, not Z"),
        ({"upn": "A١٢٣٤٥٦٧٨٩٠١٢"}, "id_upn", "A UPN is a capital letter"),
    ],
)
def test_hostile_input_gets_a_message_never_a_500(
    admin: Any, world: World, overrides: dict[str, str], field_id: str, words: str
) -> None:
    response = admin.post(reverse("pupil-add"), form_data(**overrides))
    assert response.status_code == 200
    html = page(response)
    assert words in error_beside(html, field_id)
    assert "There is a problem" in html
    assert not Pupil.objects.filter(school=world.school, upn=UPN_A).exists()


def test_a_upn_already_used_links_to_that_pupil_beside_the_upn(admin: Any, world: World) -> None:
    Pupil.objects.filter(pk=world.pupil.pk).update(upn=UPN_A)
    html = page(admin.post(reverse("pupil-add"), form_data()))
    assert error_beside(html, "id_upn").startswith("This UPN is already used by Aaliyah Alphason")
    duplicate = html.split('data-testid="upn-duplicate"', 1)[1].split("</p>", 1)[0]
    assert reverse("pupil-detail", kwargs={"pk": world.pupil.pk}) in duplicate
    assert "id_upn" in summary_links(html)


def test_a_namesake_born_the_same_day_asks_for_a_check_then_saves(admin: Any, world: World) -> None:
    admin.post(reverse("pupil-add"), form_data(upn=""))
    first = Pupil.objects.get(school=world.school, legal_last_name="O'Brien")
    response = admin.post(
        reverse("pupil-add"),
        form_data(upn=UPN_B, legal_first_name="ZOE", legal_last_name="O’Brien"),
    )
    html = page(response)
    # The message is on the tick box it asks for: the summary's link lands there, and the
    # first name (which is fine) is not marked wrong.
    assert "born on the same day, is already on the roll" in error_beside(
        html, "id_different_child"
    )
    assert summary_links(html) == ["id_different_child"]
    assert 'id="id_legal_first_name-error"' not in html
    first_name_input = re.search(r'<input[^>]*id="id_legal_first_name"[^>]*>', html)
    assert first_name_input
    assert "govuk-input--error" not in first_name_input.group(0)
    assert "I have checked: this is a different child" in html
    assert 'name="different_child"' in html
    link = html.split('data-testid="name-duplicate"', 1)[1].split("</p>", 1)[0]
    assert reverse("pupil-detail", kwargs={"pk": first.pk}) in link
    response = admin.post(
        reverse("pupil-add"),
        form_data(
            upn=UPN_B, legal_first_name="ZOE", legal_last_name="O’Brien", different_child="on"
        ),
    )
    assert response.status_code == 302
    assert Pupil.objects.filter(school=world.school, date_of_birth=first.date_of_birth).count() == 2


def test_the_add_page_is_for_roll_keepers_of_the_acting_school(client: Any, world: World) -> None:
    for role, status in [
        ("staff", 403),
        ("deputy", 403),
        ("head", 403),
        ("governor", 403),
        ("tso", 403),
        ("dsl", 200),
        ("admin", 200),
    ]:
        client.force_login(world.users[role])
        assert client.get(reverse("pupil-add")).status_code == status, role
    # School B's DSL adds to school B, never to A.
    client.force_login(world.users["other_dsl"])
    assert client.post(reverse("pupil-add"), form_data()).status_code == 302
    assert Pupil.objects.get(upn=UPN_A).school == world.other_school


# --- Change details -----------------------------------------------------------------------------


def test_changing_details_starts_from_the_pupils_details(admin: Any, world: World) -> None:
    url = reverse("pupil-edit", kwargs={"pk": world.pupil.pk})
    html = page(admin.get(url))
    assert 'value="Aaliyah"' in html
    assert 'value="Alphason"' in html
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="14"' in html
    assert re.search(r'id="id_fsm_eligible" name="fsm_eligible" type="radio" value="yes"', html)
    assert re.search(r'value="not_recorded" checked', html)  # not recorded, as on the roll
    data = form_data(
        **{
            "legal_first_name": "Aaliyah",
            "legal_last_name": "Alphason",
            "upn": "",
            "date_of_birth_day": "14",
            "date_of_birth_month": "3",
            "date_of_birth_year": "2015",
            "year_group": "5",
            "joined_on_day": "1",
            "joined_on_month": "9",
            "joined_on_year": "2021",
            "preferred_first_name": "Liya",
            "looked_after": "yes",
        }
    )
    response = admin.post(url, data)
    assert response.status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.display_name == "Liya Alphason"
    assert world.pupil.looked_after is True


def test_the_pupil_page_links_to_the_roll_pages_for_roll_keepers(client: Any, world: World) -> None:
    url = reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
    for role, shown in [
        ("admin", True),
        ("dsl", True),
        ("deputy", False),
        ("staff", False),
        ("head", False),
    ]:
        client.force_login(world.users[role])
        html = page(client.get(url))
        assert ("Change details" in html) is shown, role
        assert ("Record that the pupil has left" in html) is shown, role


# --- Leavers ------------------------------------------------------------------------------------


def leave_data(**overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "left_on_day": str(today.day),
        "left_on_month": str(today.month),
        "left_on_year": str(today.year),
        "destination": "school",
        "new_school": "Oak Academy, Chelmsford",
        "other_destination": "",
    } | overrides


def test_recording_a_leaver_and_putting_them_back(admin: Any, world: World) -> None:
    url = reverse("pupil-leave", kwargs={"pk": world.pupil.pk})
    html = page(admin.get(url))
    assert "Where did the pupil go?" in html
    assert "Leaving date" in html
    response = admin.post(url, leave_data())
    assert response.status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.left_on == timezone.localdate()
    assert world.pupil.leaving_destination == "Oak Academy, Chelmsford"
    detail = page(admin.get(reverse("pupil-detail", kwargs={"pk": world.pupil.pk})))
    assert "Their records are kept." in detail
    assert 'data-testid="leaving-destination">Oak Academy, Chelmsford' in detail
    assert "Put back on the roll" in detail
    undo = reverse("pupil-leaving-undo", kwargs={"pk": world.pupil.pk})
    assert "recorded as leaving on" in page(admin.get(undo))
    assert admin.post(undo).status_code == 302
    world.pupil.refresh_from_db()
    assert world.pupil.left_on is None
    # Nothing left to undo: a message, not an error page.
    response = admin.post(undo)
    assert response.status_code == 200
    assert "there is no leaving to undo" in page(response)


@pytest.mark.parametrize(
    ("overrides", "field_id", "words", "stored"),
    [
        ({"destination": ""}, "id_destination", "Choose where the pupil went", None),
        ({"new_school": " "}, "id_new_school", "Enter the name of the new school", None),
        ({"destination": "other"}, "id_other_destination", "Enter where the pupil went", None),
        (
            {"left_on_year": "2000"},
            "left_on",
            "on or after the date they joined, 1 September 2021",
            None,
        ),
        ({"left_on_year": "9999"}, "left_on", "within the next year", None),
        ({"left_on_day": "31", "left_on_month": "2"}, "left_on", "must be a real date", None),
        ({"left_on_day": "٣"}, "left_on", "must be a real date", None),
        ({"new_school": "\x00"}, "id_new_school", "null character", None),
        ({"new_school": "x" * 1_000_000}, "id_new_school", "200 characters or fewer", None),
        ({"destination": "x" * 1_000_000}, "id_destination", "Choose where the pupil went", None),
    ],
)
def test_leaver_problems_are_shown_beside_the_field(
    admin: Any, world: World, overrides: dict[str, str], field_id: str, words: str, stored: Any
) -> None:
    response = admin.post(
        reverse("pupil-leave", kwargs={"pk": world.pupil.pk}), leave_data(**overrides)
    )
    assert response.status_code == 200
    html = page(response)
    assert words in error_beside(html, field_id)
    assert "There is a problem" in html
    world.pupil.refresh_from_db()
    assert world.pupil.left_on is None


def test_a_refusal_the_service_makes_shows_beside_the_field_it_is_about(
    admin: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something changed after the form was checked: the service's problems (named by the
    pupil's fields) show beside the boxes the person typed them in."""

    def refuse(problems: dict[str, str]) -> Any:
        def service(**_: Any) -> None:
            raise ValidationError(problems)

        return service

    monkeypatch.setattr(
        roll_services,
        "pupil_leave",
        refuse({"left_on": "The leaving date moved", "leaving_destination": "Say where again"}),
    )
    response = admin.post(reverse("pupil-leave", kwargs={"pk": world.pupil.pk}), leave_data())
    html = page(response)
    assert response.status_code == 200
    assert error_beside(html, "left_on") == "The leaving date moved"
    assert error_beside(html, "id_destination") == "Say where again"
    assert summary_links(html) == ["id_left_on_day", "id_destination"]

    monkeypatch.setattr(roll_services, "pupil_add", refuse({"date_of_birth": "Born too late"}))
    html = page(admin.post(reverse("pupil-add"), form_data(upn=UPN_B)))
    assert error_beside(html, "date_of_birth") == "Born too late"
    assert summary_links(html) == ["id_date_of_birth_day"]


def test_other_destinations_are_kept_in_words(admin: Any, world: World) -> None:
    url = reverse("pupil-leave", kwargs={"pk": world.pupil.pk})
    admin.post(url, leave_data(destination="not_known", new_school=""))
    world.pupil.refresh_from_db()
    assert world.pupil.leaving_destination == "Not known"
    html = page(admin.get(url))  # changing it later starts from what was recorded
    assert re.search(r'value="not_known"\s*checked', html)
    assert (
        f'name="left_on_year" type="text" inputmode="numeric" value="{timezone.localdate().year}"'
        in html
    )
    admin.post(url, leave_data(destination="other", other_destination="Moved to Wales  "))
    world.pupil.refresh_from_db()
    assert world.pupil.leaving_destination == "Moved to Wales"


# --- The administrator never sees CP records ----------------------------------------------------


def test_the_administrator_never_sees_cp_records_on_these_pages(client: Any, world: World) -> None:
    from chronology import services as chronology_services
    from safeguard.models import Notification

    chronology_services.cp_file_open(actor=world.users["dsl"], pupil=world.pupil, reason="Secret")
    chronology_services.status_add(
        actor=world.users["dsl"], pupil=world.pupil, kind="child_in_need", start_date=D(2026, 9, 1)
    )
    client.force_login(world.users["admin"])
    pages = [
        reverse("pupil-detail", kwargs={"pk": world.pupil.pk}),
        reverse("pupil-edit", kwargs={"pk": world.pupil.pk}),
        reverse("pupil-leave", kwargs={"pk": world.pupil.pk}),
        reverse("pupil-leaving-undo", kwargs={"pk": world.pupil.pk}),
    ]
    for url in pages:
        html = page(client.get(url))
        for secret in [
            "Child-protection file open",
            "Child in Need",
            "cp-file-open",
            "status-badge",
            "Safeguarding records and chronology",
            "Secret",
        ]:
            assert secret not in html, (url, secret)
    # The leaver's confirmation reads the same whether or not the child has records.
    response = client.post(pages[2], leave_data(), follow=True)
    with_records = page(response).split("was recorded as leaving", 1)[1].split("</", 1)[0]
    other = Pupil.objects.create(
        school=world.school,
        legal_first_name="Ben",
        legal_last_name="Clear",
        date_of_birth=D(2015, 3, 14),
        year_group="5",
        joined_on=D(2021, 9, 1),
    )
    response = client.post(
        reverse("pupil-leave", kwargs={"pk": other.pk}), leave_data(), follow=True
    )
    without_records = page(response).split("was recorded as leaving", 1)[1].split("</", 1)[0]
    assert with_records == without_records
    # The administrator is never among those told (the DSL and deputies are).
    assert not Notification.objects.filter(recipient=world.users["admin"]).exists()
    assert Notification.objects.filter(recipient=world.users["dsl"], kind="pupil_left").exists()


def test_year_group_check_uses_the_school_year(admin: Any, world: World) -> None:
    start = rules.academic_year_start(timezone.localdate())
    html = page(admin.post(reverse("pupil-add"), form_data(year_group="R")))
    message = error_beside(html, "date_of_birth")
    # GOV.UK's dates ("12 November 2015"), and what is wrong in plain words.
    assert re.search(r"A pupil born on \d{1,2} [A-Z][a-z]+ \d{4} is too old for Reception", message)
    assert "would usually be" not in message
    assert "/" not in message
    assert start  # the school year the message counts from
