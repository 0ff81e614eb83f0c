"""Category governance: the TSO keeps the trust's list (add, rename, retire, restore) with an
append-only history; a school's DSL asks for a category and the TSO approves or declines it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from concerns import services as concern_services
from concerns.models import Category, InvolvementCategory
from oversight.categories import services
from oversight.models import CategoryChange, CategoryRequest, CategoryRequestStatus
from safeguard.models import Notification
from tests.concerns.conftest import draft as make_draft
from tests.support.factories import TrustFactory, trust_member
from tests.support.world import World


@pytest.fixture
def trust_list(world: World) -> dict[str, Category]:
    """School A's trust with the default list, by label."""
    concern_services.category_seed_defaults(trust=world.school.trust)
    return {c.label: c for c in Category.objects.filter(trust=world.school.trust)}


def _offered(world: World) -> set[str]:
    return {c.label for c in concern_services.categories_for(school=world.school)}


def _error_beside(body: str, field_id: str, message: str) -> None:
    """The message is in the field's own error line (and so in the summary too)."""
    assert f'id="{field_id}-error" class="govuk-error-message">' in body
    after = body.split(f'id="{field_id}-error" class="govuk-error-message">', 1)[1]
    assert message in after.split("</p>", 1)[0]


# The TSO's list ------------------------------------------------------------------------------


def test_tso_adds_a_heading_and_a_category_under_it_and_both_are_offered(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    tso = world.users["tso"]
    client.force_login(tso)
    response = client.post(reverse("category-add"), {"name": "Health", "parent": ""})
    assert response.status_code == 302
    heading = Category.objects.get(trust=world.school.trust, name="Health", parent=None)
    response = client.post(
        reverse("category-add"), {"name": "  Fabricated  or induced illness ", "parent": heading.pk}
    )
    assert response.status_code == 302
    assert "Health > Fabricated or induced illness" in _offered(world)
    change = CategoryChange.objects.filter(trust=world.school.trust).order_by("changed_at").last()
    assert change.kind == "added"
    assert change.to_label == "Health > Fabricated or induced illness"
    assert change.changed_by == tso
    assert change.changed_by_name == tso.full_name
    page = client.get(reverse("category-history")).content.decode()
    assert "Health &gt; Fabricated or induced illness" in page
    assert escape(tso.full_name) in page


def test_names_are_unique_within_a_heading_whatever_their_case(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    client.force_login(world.users["tso"])
    exploitation = trust_list["Exploitation"]
    response = client.post(
        reverse("category-add"),
        {"name": "child sexual exploitation", "parent": exploitation.pk},
    )
    assert response.status_code == 200
    _error_beside(
        response.content.decode(),
        "id_name",
        "There is already a category under Exploitation called Child sexual exploitation",
    )
    # The same name under another heading is a different category.
    response = client.post(
        reverse("category-add"),
        {"name": "Child sexual exploitation", "parent": trust_list["Sexual abuse"].pk},
    )
    assert response.status_code == 302
    response = client.post(reverse("category-add"), {"name": "NEGLECT", "parent": ""})
    _error_beside(response.content.decode(), "id_name", "There is already a category as a heading")


def test_a_name_is_required_and_cannot_look_like_two_levels(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    client.force_login(world.users["tso"])
    response = client.post(reverse("category-add"), {"name": "   ", "parent": ""})
    _error_beside(response.content.decode(), "id_name", "Enter the category&#x27;s name")
    response = client.post(reverse("category-add"), {"name": "Health > Diet", "parent": ""})
    _error_beside(response.content.decode(), "id_name", "cannot contain")
    assert not CategoryChange.objects.exists()
    retired = trust_list["Neglect"]
    services.category_retire(actor=world.users["tso"], category=retired)
    response = client.post(reverse("category-add"), {"name": "Diet", "parent": retired.pk})
    _error_beside(response.content.decode(), "id_parent", "Choose a heading in use")
    assert not Category.objects.filter(name="Diet").exists()


def test_rename_keeps_what_a_signed_concern_says_and_records_from_and_to(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    concern = make_draft(world.users["staff"], [world.pupil], trust_list)
    concern = concern_services.concern_submit(actor=world.users["staff"], concern=concern)
    still_draft = make_draft(world.users["staff"], [world.pupil], trust_list)
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("category-rename", kwargs={"pk": trust_list["Physical abuse"].pk}),
        {"name": "Physical harm"},
        follow=True,
    )
    assert "Physical abuse is now called Physical harm." in response.content.decode()
    change = CategoryChange.objects.get(kind="renamed")
    assert (change.from_label, change.to_label) == ("Physical abuse", "Physical harm")
    chosen = InvolvementCategory.objects.get(involvement__concern=concern)
    assert chosen.label == "Physical abuse"  # as signed
    # The signed concern's page shows what was signed; a draft shows the list as it is now.
    client.force_login(world.users["dsl"])
    page = client.get(reverse("concern-detail", kwargs={"pk": concern.pk})).content.decode()
    assert "Physical abuse" in page
    assert "Physical harm" not in page
    client.force_login(world.users["staff"])
    page = client.get(reverse("concern-check", kwargs={"pk": still_draft.pk})).content.decode()
    assert "Physical harm" in page


def test_renaming_to_the_same_name_or_a_sibling_name_is_refused(
    world: World, trust_list: dict[str, Category]
) -> None:
    tso = world.users["tso"]
    with pytest.raises(ValidationError, match="already called"):
        services.category_rename(actor=tso, category=trust_list["Neglect"], name="Neglect")
    with pytest.raises(ValidationError, match="already a category as a heading called Neglect"):
        services.category_rename(actor=tso, category=trust_list["Emotional abuse"], name="neglect")
    # Changing only the case of its own name is a rename.
    services.category_rename(actor=tso, category=trust_list["Neglect"], name="NEGLECT")
    assert CategoryChange.objects.filter(kind="renamed").count() == 1


def test_retiring_a_heading_retires_its_categories_and_old_records_keep_them(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    tso = world.users["tso"]
    exploitation = trust_list["Exploitation"]
    concern = make_draft(
        world.users["staff"], [world.pupil], {"Physical abuse": trust_list["Exploitation"]}
    )
    concern = concern_services.concern_submit(actor=world.users["staff"], concern=concern)
    # One of its categories was retired before: restoring the heading leaves that one retired.
    services.category_retire(
        actor=tso, category=trust_list["Exploitation > Gangs and organised crime groups"]
    )
    client.force_login(tso)
    page = client.get(reverse("category-retire", kwargs={"pk": exploitation.pk})).content.decode()
    assert "Its 3 categories are retired with it" in page
    assert "It or one of its categories was chosen for 1 pupil in concerns" in page
    # A draft that chose it is not yet a record.
    make_draft(world.users["staff"], [world.pupil], {"Physical abuse": trust_list["Neglect"]})
    page = client.get(reverse("category-retire", kwargs={"pk": trust_list["Neglect"].pk}))
    assert "No concern recorded in the trust's schools has chosen it." in page.content.decode()
    response = client.post(reverse("category-retire", kwargs={"pk": exploitation.pk}))
    assert response.status_code == 302
    assert not {label for label in _offered(world) if label.startswith("Exploitation")}
    assert InvolvementCategory.objects.filter(
        involvement__concern=concern, category=exploitation
    ).exists()
    change = CategoryChange.objects.filter(kind="retired").order_by("changed_at").last()
    assert change.from_label == "Exploitation"
    assert "Child sexual exploitation" in change.detail
    # A category under a retired heading waits for its heading.
    cse = trust_list["Exploitation > Child sexual exploitation"]
    with pytest.raises(ValidationError, match="restore the heading first"):
        services.category_restore(actor=tso, category=cse)
    response = client.post(reverse("category-restore", kwargs={"pk": exploitation.pk}))
    assert response.status_code == 302
    offered = _offered(world)
    assert "Exploitation" in offered
    assert cse.label in offered
    assert "Exploitation > Gangs and organised crime groups" not in offered
    kinds = list(CategoryChange.objects.order_by("changed_at").values_list("kind", flat=True))
    assert kinds == ["retired", "retired", "restored"]


def test_retiring_twice_or_restoring_a_category_in_use_is_refused(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    tso = world.users["tso"]
    neglect = trust_list["Neglect"]
    client.force_login(tso)
    response = client.post(reverse("category-restore", kwargs={"pk": neglect.pk}), follow=True)
    assert "Neglect is in use, not retired" in response.content.decode()
    services.category_retire(actor=tso, category=neglect)
    response = client.post(reverse("category-retire", kwargs={"pk": neglect.pk}))
    assert response.status_code == 200
    assert "Neglect is already retired" in response.content.decode()
    assert CategoryChange.objects.count() == 1


def test_retired_names_are_restored_not_added_again(
    world: World, trust_list: dict[str, Category]
) -> None:
    tso = world.users["tso"]
    services.category_retire(actor=tso, category=trust_list["Neglect"])
    with pytest.raises(ValidationError, match="A retired category as a heading is called Neglect"):
        services.category_create(actor=tso, trust=world.school.trust, name="Neglect")


def test_only_the_tso_of_the_trust_changes_its_list(
    world: World, trust_list: dict[str, Category]
) -> None:
    other_tso = trust_member(TrustFactory(), "tso")
    neglect = trust_list["Neglect"]
    for actor in (other_tso, world.users["dsl"], world.users["head"]):
        with pytest.raises(PermissionDenied):
            services.category_rename(actor=actor, category=neglect, name="Neglect of needs")
        with pytest.raises(PermissionDenied):
            services.category_retire(actor=actor, category=neglect)
        with pytest.raises(PermissionDenied):
            services.category_create(actor=actor, trust=world.school.trust, name="Health")
    neglect.refresh_from_db()
    assert neglect.name == "Neglect"
    assert neglect.retired_at is None
    assert not CategoryChange.objects.exists()


def test_another_trusts_tso_gets_404_for_this_trusts_categories_and_requests(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    other_trust = TrustFactory()
    other_tso = trust_member(other_trust, "tso")
    request = services.category_request_create(
        actor=world.users["dsl"],
        school=world.school,
        name="Health",
        parent=None,
        reason="Medical neglect",
    )
    client.force_login(other_tso)
    neglect = trust_list["Neglect"]
    assert client.get(reverse("category-rename", kwargs={"pk": neglect.pk})).status_code == 404
    assert client.post(reverse("category-retire", kwargs={"pk": neglect.pk})).status_code == 404
    for name in ("category-request-detail", "category-request-approve"):
        method = client.get if name.endswith("detail") else client.post
        assert method(reverse(name, kwargs={"pk": request.pk})).status_code == 404


def test_the_history_is_append_only_in_the_database(
    world: World, trust_list: dict[str, Category]
) -> None:
    services.category_rename(
        actor=world.users["tso"], category=trust_list["Neglect"], name="Neglect of needs"
    )
    change = CategoryChange.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        CategoryChange.objects.filter(pk=change.pk).update(to_label="Something else")
    with pytest.raises(DatabaseError), transaction.atomic():
        CategoryChange.objects.filter(pk=change.pk).delete()
    change.refresh_from_db()
    assert change.to_label == "Neglect of needs"


# Requests from schools -----------------------------------------------------------------------


def test_dsl_asks_tso_approves_and_the_dsl_sees_the_outcome(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    dsl, tso = world.users["dsl"], world.users["tso"]
    client.force_login(dsl)
    response = client.post(
        reverse("category-request-new"),
        {
            "name": "Fabricated or induced illness",
            "parent": trust_list["Neglect"].pk,
            "reason": "Two concerns this term where a parent described illnesses we never saw.",
        },
    )
    request = CategoryRequest.objects.get()
    assert response.status_code == 302
    assert request.school == world.school
    assert request.requested_by == dsl
    told = Notification.objects.get(kind="category_requested")
    assert told.recipient == tso
    assert told.school == world.school
    assert told.title == "Alpha School asks for a new category: Fabricated or induced illness"
    assert world.pupil.legal_last_name not in told.title
    page = client.get(reverse("category-request-list")).content.decode()
    assert "Waiting for the trust" in page

    client.force_login(tso)
    listing = client.get(reverse("category-list")).content.decode()
    assert 'data-testid="pending-requests"' in listing
    assert "Alpha School" in listing
    response = client.post(
        reverse("category-request-approve", kwargs={"pk": request.pk}),
        {"name": "Fabricated or induced illness (FII)", "approve_note": "Added for every school"},
    )
    assert response.status_code == 302
    added = Category.objects.get(name="Fabricated or induced illness (FII)")
    assert added.parent == trust_list["Neglect"]
    assert "Neglect > Fabricated or induced illness (FII)" in _offered(world)
    change = CategoryChange.objects.get(kind="added")
    assert change.request == request
    assert change.requesting_school_name == "Alpha School"
    decided = Notification.objects.filter(kind="category_request_decided")
    assert dsl in {n.recipient for n in decided}
    assert {n.school for n in decided} == {world.school}

    client.force_login(dsl)
    page = client.get(reverse("category-request-detail", kwargs={"pk": request.pk}))
    body = page.content.decode()
    assert "Approved by" in body
    assert "Neglect &gt; Fabricated or induced illness (FII)" in body
    assert "Added for every school" in body
    assert "Decline the request" not in body  # the DSL reads; the trust decides


def test_tso_declines_with_a_reason_the_dsl_reads(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    request = services.category_request_create(
        actor=world.users["dsl"],
        school=world.school,
        name="Fights",
        parent=None,
        reason="Lots of fights at lunch",
    )
    client.force_login(world.users["tso"])
    url = reverse("category-request-decline", kwargs={"pk": request.pk})
    response = client.post(url, {"decline_reason": "  "})
    assert response.status_code == 200
    _error_beside(response.content.decode(), "id_decline_reason", "Say why the request is declined")
    request.refresh_from_db()
    assert request.status == CategoryRequestStatus.PENDING
    response = client.post(
        url, {"decline_reason": "Use Harm outside the home > Serious violence and violent crime."}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == CategoryRequestStatus.DECLINED
    assert request.decided_by == world.users["tso"]
    assert not Category.objects.filter(name="Fights").exists()
    change = CategoryChange.objects.get()
    assert change.kind == "request_declined"
    assert "Serious violence" in change.detail
    assert Notification.objects.filter(
        kind="category_request_decided", recipient=world.users["dsl"]
    ).exists()
    # Deciding twice is refused.
    with pytest.raises(ValidationError, match="already declined"):
        services.category_request_approve(actor=world.users["tso"], request=request, name="Fights")
    client.force_login(world.users["dsl"])
    body = client.get(reverse("category-request-detail", kwargs={"pk": request.pk})).content
    assert b"Why it was declined" in body
    assert b"Serious violence and violent crime" in body


def test_a_request_needs_a_new_name_and_a_reason(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("category-request-new")
    response = client.post(url, {"name": "neglect", "parent": "", "reason": ""})
    body = response.content.decode()
    _error_beside(body, "id_reason", "Say why the school needs this category")
    response = client.post(url, {"name": "neglect", "parent": "", "reason": "Because"})
    _error_beside(
        response.content.decode(), "id_name", "There is already a category as a heading called"
    )
    services.category_request_create(
        actor=world.users["dsl"], school=world.school, name="Health", parent=None, reason="x"
    )
    response = client.post(url, {"name": "health", "parent": "", "reason": "Because"})
    _error_beside(response.content.decode(), "id_name", "Alpha School has already asked for Health")
    assert CategoryRequest.objects.count() == 1


def test_approving_under_a_heading_retired_since_is_refused_beside_the_name(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    request = services.category_request_create(
        actor=world.users["dsl"],
        school=world.school,
        name="Medical neglect",
        parent=trust_list["Neglect"],
        reason="x",
    )
    services.category_retire(actor=world.users["tso"], category=trust_list["Neglect"])
    client.force_login(world.users["tso"])
    response = client.post(
        reverse("category-request-approve", kwargs={"pk": request.pk}), {"name": "Medical neglect"}
    )
    assert response.status_code == 200
    assert "Neglect is retired: restore it first" in response.content.decode()
    request.refresh_from_db()
    assert request.is_pending


def test_staff_and_governors_cannot_ask_for_categories(world: World, trust_list: Any) -> None:
    for role in ("staff", "governor", "admin", "head", "tso"):
        with pytest.raises(PermissionDenied):
            services.category_request_create(
                actor=world.users[role], school=world.school, name="Health", parent=None, reason="x"
            )


def test_a_dsl_sees_only_their_own_schools_requests(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    concern_services.category_seed_defaults(trust=world.other_school.trust)
    theirs = services.category_request_create(
        actor=world.users["other_dsl"],
        school=world.other_school,
        name="Beta's request",
        parent=None,
        reason="x",
    )
    ours = services.category_request_create(
        actor=world.users["dsl"],
        school=world.school,
        name="Alpha's request",
        parent=None,
        reason="x",
    )
    client.force_login(world.users["dsl"])
    body = client.get(reverse("category-request-list")).content.decode()
    assert "Alpha&#x27;s request" in body
    assert "Beta" not in body
    detail = reverse("category-request-detail", kwargs={"pk": theirs.pk})
    assert client.get(detail).status_code == 404
    assert client.get(reverse("category-request-detail", kwargs={"pk": ours.pk})).status_code == 200


# Query counts --------------------------------------------------------------------------------


def _count(client: Any, url: str) -> int:
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def _grow(world: World, n: int, start: int = 0) -> None:
    tso = world.users["tso"]
    for i in range(start, start + n):
        heading = services.category_create(actor=tso, trust=world.school.trust, name=f"Heading {i}")
        services.category_create(
            actor=tso, trust=world.school.trust, name=f"Sub {i}", parent=heading
        )
        services.category_retire(actor=tso, category=heading)
        pending = services.category_request_create(
            actor=world.users["dsl"], school=world.school, name=f"Ask {i}", parent=None, reason="x"
        )
        decided = services.category_request_create(
            actor=world.users["deputy"],
            school=world.school,
            name=f"Ask more {i}",
            parent=None,
            reason="x",
        )
        services.category_request_decline(actor=tso, request=decided, reason="No")
        assert pending.is_pending


# Session and user, the acting school and permissions, the header's counts, then the page's own
# reads (the list and the requests waiting and decided; the history; the school's requests).
QUERIES = {"category-list": 15, "category-history": 13, "category-request-list": 13}


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("category-list", "tso"),
        ("category-history", "tso"),
        ("category-request-list", "dsl"),
    ],
)
def test_query_counts_do_not_grow_with_rows(
    client: Any, world: World, trust_list: dict[str, Category], name: str, role: str
) -> None:
    client.force_login(world.users[role])
    url = reverse(name)
    _grow(world, 1)
    assert _count(client, url) == QUERIES[name]
    _grow(world, 5, start=1)
    assert _count(client, url) == QUERIES[name]


def test_home_links_the_tso_to_the_list_and_the_dsl_to_requests(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    client.force_login(world.users["tso"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("category-list") in body
    assert 'data-testid="home-category-requests"' not in body  # nothing waiting
    services.category_request_create(
        actor=world.users["dsl"], school=world.school, name="Health", parent=None, reason="x"
    )
    body = client.get(reverse("home")).content.decode()
    assert "1 request from schools for a new category" in body
    client.force_login(world.users["dsl"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("category-request-list") in body
    assert reverse("category-list") not in body
    for role in ("staff", "governor", "head"):
        client.force_login(world.users[role])
        body = client.get(reverse("home")).content.decode()
        assert "category-request" not in body
        assert reverse("category-list") not in body


def test_a_retired_category_is_not_offered_on_the_concern_form(
    client: Any, world: World, trust_list: dict[str, Category]
) -> None:
    concern = make_draft(world.users["staff"], [world.pupil], trust_list)
    url = reverse("concern-draft", kwargs={"pk": concern.pk})
    client.force_login(world.users["staff"])
    assert "Upskirting" in client.get(url).content.decode()
    services.category_retire(
        actor=world.users["tso"], category=trust_list["Child-on-child abuse > Upskirting"]
    )
    body = client.get(url).content.decode()
    assert "Upskirting" not in body
    assert "Sharing nudes and semi-nudes" in body
