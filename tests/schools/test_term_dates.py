"""Term dates (closures) and school hours: the school administrator's pages, the rules on what
is typed, and the calendar every school-day deadline counts with."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard import workdays
from schools import services
from schools.models import SchoolClosure, SchoolHours
from tests.support.world import World

D = datetime.date
T = datetime.time
TODAY = D(2026, 11, 20)


def _closure(world: World, name: str, first: datetime.date, last: datetime.date) -> SchoolClosure:
    return services.school_closure_create(
        actor=world.users["admin"],
        school=world.school,
        name=name,
        first_day=first,
        last_day=last,
        today=TODAY,
    )


# --- The calendar -------------------------------------------------------------------------------


def test_a_calendar_loads_in_one_query(world: World) -> None:
    _closure(world, "October half term", D(2026, 10, 26), D(2026, 10, 30))
    _closure(world, "INSET day", D(2027, 1, 4), D(2027, 1, 4))
    services.school_hours_set(
        actor=world.users["admin"], school=world.school, hours={4: (T(8, 45), T(14, 0))}
    )
    with CaptureQueriesContext(connection) as queries:
        calendar = workdays.SchoolCalendar.load(world.school)
        # Every question after loading is answered from memory.
        assert not calendar.is_school_day(D(2026, 10, 27))
        assert not calendar.is_school_day(D(2027, 1, 4))
        assert calendar.school_day_number(D(2026, 10, 19), 10) == D(2026, 11, 6)
        friday = datetime.datetime(2026, 11, 20, 13, 30, tzinfo=workdays.LONDON)
        due = calendar.add_school_hours(friday, datetime.timedelta(hours=1))
        assert due == datetime.datetime(2026, 11, 23, 9, 0, tzinfo=workdays.LONDON)
    assert len(queries) == 1
    assert calendar.hours[4] == (T(8, 45), T(14, 0))
    assert calendar.hours[0] == (T(8, 30), T(15, 30))  # the default where none is recorded


def test_many_schools_calendars_load_in_one_query(world: World) -> None:
    _closure(world, "October half term", D(2026, 10, 26), D(2026, 10, 30))
    with CaptureQueriesContext(connection) as queries:
        calendars = workdays.calendars_for([world.school.pk, world.other_school.pk])
    assert len(queries) == 1
    # One school's closures never count for another.
    assert not calendars[world.school.pk].is_school_day(D(2026, 10, 27))
    assert calendars[world.other_school.pk].is_school_day(D(2026, 10, 27))


def test_module_functions_take_a_school(world: World) -> None:
    _closure(world, "October half term", D(2026, 10, 26), D(2026, 10, 30))
    assert not workdays.is_school_day(D(2026, 10, 27), world.school)
    assert workdays.is_school_day(D(2026, 10, 27), world.other_school)
    assert workdays.add_school_days(D(2026, 10, 23), 1, world.school) == D(2026, 11, 2)
    assert workdays.school_day_number(D(2026, 10, 19), 10, school=world.school.pk) == D(2026, 11, 6)
    assert workdays.school_day_number(D(2026, 10, 19), 10) == D(2026, 10, 30)  # no school
    at_10 = datetime.datetime(2026, 10, 27, 10, tzinfo=workdays.LONDON)
    assert not workdays.within_school_hours(at_10, world.school)
    assert workdays.add_school_hours(
        at_10, datetime.timedelta(minutes=15), world.school
    ) == datetime.datetime(2026, 11, 2, 8, 45, tzinfo=workdays.LONDON)


# --- The rules on what is typed -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (D(2026, 10, 30), D(2026, 10, 26), "last_day", "same as or after the first day"),
        (D(2026, 10, 28), D(2026, 11, 3), "first_day", "overlap October half term"),
        (D(2026, 10, 20), D(2026, 10, 26), "first_day", "overlap October half term"),
        (D(2206, 10, 26), D(2206, 10, 30), "first_day", "check the year"),
        (D(2026, 10, 19), D(2206, 10, 30), "last_day", "check the year"),
        (D(2020, 10, 19), D(2020, 10, 23), "first_day", "check the year"),
        (D(2027, 7, 21), D(2027, 12, 21), "last_day", "at most 92 days"),
    ],
)
def test_closures_that_cannot_be_right_are_refused(
    world: World, first: datetime.date, last: datetime.date, field: str, message: str
) -> None:
    _closure(world, "October half term", D(2026, 10, 26), D(2026, 10, 30))
    with pytest.raises(ValidationError) as refused:
        _closure(world, "Mistyped", first, last)
    assert message in refused.value.message_dict[field][0]
    assert SchoolClosure.objects.count() == 1


def test_closures_next_to_each_other_and_in_other_schools_are_fine(world: World) -> None:
    _closure(world, "October half term", D(2026, 10, 26), D(2026, 10, 30))
    _closure(world, "INSET day", D(2026, 11, 2), D(2026, 11, 2))
    services.school_closure_create(
        actor=None,  # seeding: no actor
        school=world.other_school,
        name="Half term",
        first_day=D(2026, 10, 26),
        last_day=D(2026, 10, 30),
        today=TODAY,
    )
    closure = SchoolClosure.objects.get(school=world.school, name="INSET day")
    # Changing a closure does not clash with itself.
    services.school_closure_update(
        actor=world.users["admin"],
        closure=closure,
        name="INSET days",
        first_day=D(2026, 11, 2),
        last_day=D(2026, 11, 3),
        today=TODAY,
    )
    assert SchoolClosure.objects.filter(school=world.school).count() == 2


def test_only_the_school_administrator_keeps_term_dates(world: World) -> None:
    for role in ["dsl", "head", "staff"]:
        with pytest.raises(PermissionDenied):
            services.school_closure_create(
                actor=world.users[role],
                school=world.school,
                name="Half term",
                first_day=D(2026, 10, 26),
                last_day=D(2026, 10, 30),
                today=TODAY,
            )
        with pytest.raises(PermissionDenied):
            services.school_hours_set(
                actor=world.users[role], school=world.school, hours={0: (T(9), T(15))}
            )
    with pytest.raises(PermissionDenied):  # another school's administrator
        services.school_hours_set(
            actor=world.users["admin"], school=world.other_school, hours={0: (T(9), T(15))}
        )


def test_school_hours_that_end_before_they_start_are_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.school_hours_set(
            actor=world.users["admin"], school=world.school, hours={2: (T(15, 30), T(8, 30))}
        )
    assert "ends before it starts" in refused.value.message_dict["closes_2"][0]
    assert not SchoolHours.objects.exists()


# --- The pages ----------------------------------------------------------------------------------


def test_the_administrator_adds_changes_and_removes_a_closure(client, world: World) -> None:
    client.force_login(world.users["admin"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("term-dates") in home
    response = client.post(
        reverse("closure-add"),
        {"name": "October half term", "first_day": "26/10/2026", "last_day": "30/10/2026"},
    )
    assert response.status_code == 302
    closure = SchoolClosure.objects.get()
    assert (closure.school, closure.first_day, closure.last_day) == (
        world.school,
        D(2026, 10, 26),
        D(2026, 10, 30),
    )
    page = client.get(reverse("term-dates")).content.decode()
    assert "October half term" in page
    assert "Mon 26 Oct 2026" in page
    assert "08:30 to 15:30" in page  # the default school hours
    response = client.post(
        reverse("closure-edit", kwargs={"pk": closure.pk}),
        {"name": "Autumn half term", "first_day": "26/10/2026", "last_day": "30/10/2026"},
    )
    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.name == "Autumn half term"
    question = client.get(reverse("closure-remove", kwargs={"pk": closure.pk}))
    assert "Are you sure you want to remove Autumn half term?" in question.content.decode()
    assert SchoolClosure.objects.exists()
    response = client.post(reverse("closure-remove", kwargs={"pk": closure.pk}))
    assert response.status_code == 302
    assert not SchoolClosure.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_day": "30/10/2026", "last_day": "26/10/2026"}, "last_day", "same as or after"),
        ({"first_day": "28/10/2026", "last_day": "03/11/2026"}, "first_day", "overlap Half term"),
        ({"first_day": "26/10/2206", "last_day": "30/10/2206"}, "first_day", "check the year"),
        ({"first_day": "31/02/2027", "last_day": "30/10/2026"}, "first_day", "like 26/10/2026"),
        ({"first_day": "", "last_day": "30/10/2026"}, "first_day", "Enter the first day"),
    ],
)
def test_a_mistyped_closure_shows_the_problem_by_its_field(
    client,
    world: World,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    _closure(world, "Half term", D(2026, 10, 26), D(2026, 10, 30))
    client.force_login(world.users["admin"])
    response = client.post(reverse("closure-add"), {"name": "Mistyped", **data})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors[field][0]
    body = response.content.decode()
    assert f'id="id_{field}-error"' in body
    # The input is marked and points at its message, as GOV.UK Frontend expects.
    assert re.search(rf'class="[^"]*govuk-input--error[^"]*"[^>]*id="id_{field}"', body)
    assert re.search(rf'aria-describedby="[^"]*id_{field}-error"', body)
    assert "There is a problem" in body
    assert 'value="Mistyped"' in body  # what was typed is kept
    assert f'value="{data["last_day"]}"' in body
    assert SchoolClosure.objects.count() == 1


def test_every_problem_with_a_closure_shows_at_once(client, world: World) -> None:
    """The service's rules run even when a field is already wrong (`run_service(check=...)`)."""
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("closure-add"), {"name": "", "first_day": "31/02/2027", "last_day": "30/10/2206"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["Enter a name, like October half term or INSET day"]
    assert errors["first_day"] == ["Enter the date like 26/10/2026"]  # the field's, not the rule's
    assert "check the year" in errors["last_day"][0]
    assert not SchoolClosure.objects.exists()


def test_a_changed_closure_may_not_overlap_another(client, world: World) -> None:
    _closure(world, "Half term", D(2026, 10, 26), D(2026, 10, 30))
    inset = _closure(world, "INSET day", D(2026, 11, 2), D(2026, 11, 2))
    client.force_login(world.users["admin"])
    url = reverse("closure-edit", kwargs={"pk": inset.pk})
    data = {"name": "INSET day", "first_day": "30/10/2026", "last_day": "02/11/2026"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "overlap Half term" in response.context["form"].errors["first_day"][0]
    inset.refresh_from_db()
    assert inset.first_day == D(2026, 11, 2)


def test_every_problem_with_school_hours_shows_at_once(client, world: World) -> None:
    client.force_login(world.users["admin"])
    data = {f"opens_{n}": "08:40" for n in range(5)} | {f"closes_{n}": "15:20" for n in range(5)}
    refused = client.post(reverse("school-hours"), data | {"opens_0": "nine", "closes_3": "07:00"})
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert errors["opens_0"] == ["Enter a time like 08:30 or 15:30"]
    assert "On Thursday the school day ends before it starts" in errors["closes_3"][0]
    assert not SchoolHours.objects.exists()


def test_school_hours_page(client, world: World) -> None:
    client.force_login(world.users["admin"])
    page = client.get(reverse("school-hours")).content.decode()
    assert 'value="08:30"' in page
    assert 'value="15:30"' in page
    data = {f"opens_{n}": "08:40" for n in range(5)} | {f"closes_{n}": "15:20" for n in range(5)}
    refused = client.post(reverse("school-hours"), data | {"closes_3": "07:00"})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "On Thursday the school day ends before it starts" in body
    assert 'id="id_closes_3-error"' in body
    assert 'aria-describedby="id_closes_3-error"' in body
    assert 'value="07:00"' in body  # kept as typed
    assert not SchoolHours.objects.exists()
    assert client.post(reverse("school-hours"), data | {"closes_4": "13:00"}).status_code == 302
    calendar = workdays.SchoolCalendar.load(world.school)
    assert calendar.hours[4] == (T(8, 40), T(13, 0))
    assert calendar.hours[0] == (T(8, 40), T(15, 20))
    assert "Friday" in client.get(reverse("term-dates")).content.decode()


def test_other_roles_see_no_link_and_no_page(client, world: World) -> None:
    client.force_login(world.users["dsl"])
    assert reverse("term-dates") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("term-dates")).status_code == 403
    closure = _closure(world, "Half term", D(2026, 10, 26), D(2026, 10, 30))
    assert client.get(reverse("closure-edit", kwargs={"pk": closure.pk})).status_code == 404
    client.force_login(world.users["other_dsl"])
    assert client.post(reverse("closure-remove", kwargs={"pk": closure.pk})).status_code == 404
    assert SchoolClosure.objects.exists()
