"""The kernel's view helpers (`safeguard/http.py`), role keys and notification kinds: the acting
school or 403, one way to run a service from a view, and names that cannot be mistyped."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from safeguard.forms import add_service_errors
from safeguard.http import acting_school_or_403, run_service
from safeguard.middleware import SchoolContext
from safeguard.models import Notification
from safeguard.notifications import NotificationKind, kind_label, notify
from safeguard.roles import ROLES, Perm, RoleKey, Scope, roles_with
from tests.support.factories import UserFactory
from tests.support.world import World

pytestmark = pytest.mark.django_db


def _request(user: Any, method: str = "get", data: dict[str, str] | None = None) -> Any:
    request = getattr(RequestFactory(), method)("/", data or {})
    request.user = user
    request.session = {}
    request.schools = SchoolContext(request)
    request._messages = FallbackStorage(request)
    return request


def test_the_acting_school_needs_the_permission_asked_for(world: World) -> None:
    staff, dsl = world.users["staff"], world.users["dsl"]
    assert acting_school_or_403(_request(dsl), Perm.MANAGE_CP_RECORDS) == world.school
    with pytest.raises(PermissionDenied):
        acting_school_or_403(_request(staff), Perm.MANAGE_CP_RECORDS)
    # Without a permission: anyone who works in the school; nobody who works in none.
    assert acting_school_or_403(_request(staff)) == world.school
    # A trust role acts in its trust's schools.
    assert acting_school_or_403(_request(world.users["tso"])).trust_id == world.school.trust_id
    nobody = UserFactory()
    with pytest.raises(PermissionDenied):
        acting_school_or_403(_request(nobody))


class _NameForm(forms.Form):
    name = forms.CharField()
    day = forms.CharField(required=False)
    month = forms.CharField(required=False)
    FIELD_FOR = {"date": ("day", "month")}


def test_run_service_puts_a_refusal_beside_its_field_and_keeps_what_was_typed(
    world: World,
) -> None:
    calls: list[dict[str, Any]] = []

    def refuse(*, actor: Any, **values: Any) -> None:
        calls.append(values)
        raise ValidationError({"name": "That name is taken", "date": "Enter a date"})

    request = _request(world.users["dsl"], "post", {"name": "Ada"})
    form = _NameForm(request.POST)
    assert run_service(request, form, refuse, done="Saved.", to="/", school="x") is None
    assert calls == [{"school": "x", "name": "Ada", "day": "", "month": ""}]
    assert form.errors == {"name": ["That name is taken"], "month": ["Enter a date"]}
    assert form["name"].value() == "Ada"


def test_run_service_redirects_with_the_message_when_the_service_succeeds(world: World) -> None:
    request = _request(world.users["dsl"], "post", {"name": "Ada"})
    response = run_service(
        request,
        _NameForm(request.POST),
        lambda *, actor, **values: values["name"],
        done=lambda name: f"{name} was saved.",
        to=lambda name: f"/people/{name}/",
    )
    assert response is not None
    assert (response.status_code, response["Location"]) == (302, "/people/Ada/")
    assert [str(m) for m in request._messages] == ["Ada was saved."]
    # A GET or an invalid form runs nothing.
    assert run_service(_request(world.users["dsl"]), _NameForm(), print, done="", to="/") is None
    post = _request(world.users["dsl"], "post", {})
    assert run_service(post, _NameForm(post.POST), print, done="", to="/") is None


def test_run_service_checks_the_services_rules_with_the_fields_so_every_problem_shows_at_once(
    world: World,
) -> None:
    ran: list[dict[str, Any]] = []
    checked: list[dict[str, Any]] = []

    def rules(**values: Any) -> dict[str, str]:
        checked.append(values)
        return {"date": "Enter a date"} if not values.get("day") else {}

    def save(*, actor: Any, **values: Any) -> str:
        ran.append(values)
        return "saved"

    # The name is missing and the date breaks a rule: both are told, and nothing runs.
    request = _request(world.users["dsl"], "post", {"name": "", "day": ""})
    form = _NameForm(request.POST)
    assert run_service(request, form, save, check=rules, done="", to="/", school="x") is None
    assert form.errors == {"name": ["This field is required."], "month": ["Enter a date"]}
    assert checked == [{"school": "x", "day": "", "month": ""}]
    assert ran == []
    # A rule broken by a form whose fields are right stops the service too.
    request = _request(world.users["dsl"], "post", {"name": "Ada"})
    form = _NameForm(request.POST)
    assert run_service(request, form, save, check=rules, done="", to="/", school="x") is None
    assert form.errors == {"month": ["Enter a date"]}
    assert ran == []
    # Nothing wrong: the service runs with the same values the rules were asked about.
    request = _request(world.users["dsl"], "post", {"name": "Ada", "day": "1"})
    response = run_service(
        request, _NameForm(request.POST), save, check=rules, done="Saved.", to="/", school="x"
    )
    assert response is not None
    assert response.status_code == 302
    assert ran == [checked[-1]] == [{"school": "x", "name": "Ada", "day": "1", "month": ""}]
    # Posted empty (`request.POST or None`): the form is shown again, and nothing is asked.
    request = _request(world.users["dsl"], "post", {})
    assert run_service(request, _NameForm(None), save, check=rules, done="", to="/") is None
    assert len(checked) == 3


def test_a_part_already_wrong_is_not_told_twice() -> None:
    form = _NameForm({"name": "Ada", "day": "", "month": ""})
    form.is_valid()
    form.add_error("day", "Enter the day")
    add_service_errors(form, {"date": ["Enter a real date"]})
    assert "month" not in form.errors
    add_service_errors(form, ValidationError("Something else went wrong"))
    assert form.non_field_errors() == ["Something else went wrong"]


def test_every_role_is_named_by_its_key_and_roles_with_finds_them() -> None:
    assert set(ROLES) == set(RoleKey)
    assert all(role.key == key for key, role in ROLES.items())
    assert roles_with(Perm.CONFIRM_CP_ROLES) == [RoleKey.DSL, RoleKey.HEAD]
    assert roles_with(Perm.MANAGE_TRUST_ROLES, Scope.TRUST) == [RoleKey.TSO]


def test_a_notification_kind_nobody_named_cannot_be_raised(world: World) -> None:
    with pytest.raises(ValueError, match="is not a valid NotificationKind"):
        notify(
            school=world.school,
            recipients=[world.users["dsl"]],
            kind="concern_submited",  # mistyped
            title="New concern",
            link="/",
        )
    assert not Notification.objects.exists()
    notify(
        school=world.school,
        recipients=[world.users["dsl"]],
        kind=NotificationKind.CONCERN_SUBMITTED,
        title="New concern",
        link="/",
    )
    assert kind_label(Notification.objects.get().kind) == "new concern to triage"
    assert kind_label("a_kind_from_long_ago") == "a kind from long ago"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/pupils/?q=a", "/pupils/?q=a"),
        ("/no-such-page/", "/fallback/"),
        ("https://elsewhere.example/", "/fallback/"),
        ("//elsewhere.example/pupils/", "/fallback/"),
        ("²", "/fallback/"),  # redirect() would take a word for a view's name
        ("pupil-list", "/fallback/"),
        ("/pupils/\x00", "/fallback/"),
        ("", "/fallback/"),
        (None, "/fallback/"),
    ],
)
def test_the_page_to_return_to_is_one_of_this_sites(target: Any, expected: str) -> None:
    from safeguard.http import page_to_return_to

    request = RequestFactory().post("/")
    assert page_to_return_to(request, target, "/fallback/") == expected
