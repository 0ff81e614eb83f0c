"""Keyset pagination (safeguard/keyset.py): every row once, in order, forwards and back, whatever
the mix of directions and ties; a token only ever a position in the list that gave it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.db.models import F, OrderBy
from django.test.utils import CaptureQueriesContext

from safeguard.keyset import KeysetPage, keyset_page
from schools.models import Pupil
from tests.support.factories import PupilFactory
from tests.support.world import World

pytestmark = pytest.mark.django_db

# Three runs of directions, ties within the first two keys: the referral list's shape, and more.
ORDER: tuple[OrderBy, ...] = (
    F("year_group").asc(),
    F("date_of_birth").desc(),
    F("legal_last_name").asc(),
    F("id").desc(),
)


@pytest.fixture
def pupils(world: World) -> list[Pupil]:
    made = [world.pupil]
    for n in range(17):
        made.append(
            PupilFactory(
                school=world.school,
                year_group=["5", "6", "7"][n % 3],
                date_of_birth=datetime.date(2015, 1, 1) + datetime.timedelta(days=n % 4),
                legal_last_name=["Able", "Baker", "Able"][n % 3],  # ties on every key but the id
            )
        )
    return made


def _sorted(pupils: list[Pupil]) -> list[Any]:
    """The order in Python: ascending, descending, ascending, descending."""
    rows = sorted(pupils, key=lambda p: p.pk.bytes, reverse=True)
    rows.sort(key=lambda p: p.legal_last_name)
    rows.sort(key=lambda p: p.date_of_birth, reverse=True)
    rows.sort(key=lambda p: p.year_group)
    return [p.pk for p in rows]


def _page(world: World, token: str | None, per_page: int = 4) -> KeysetPage[Pupil]:
    return keyset_page(
        Pupil.objects.filter(school=world.school),
        order=ORDER,
        token=token,
        per_page=per_page,
        name="test-pupils",
    )


def test_every_row_once_in_order_forwards_and_back(world: World, pupils: list[Pupil]) -> None:
    expected = _sorted(pupils)
    page = _page(world, None)
    assert not page.previous_token
    pages = [page]
    while page.next_token and len(pages) < 10:  # 5 pages: a broken position never ends
        page = _page(world, page.next_token)
        pages.append(page)
    assert [p.pk for page in pages for p in page.rows] == expected
    assert [len(page.rows) for page in pages] == [4, 4, 4, 4, 2]
    assert not pages[-1].next_token  # the last page says so
    # Back from the last page: the same pages, in reverse, to the first (which has no previous).
    back = [pages[-1]]
    while back[-1].previous_token and len(back) < 10:
        back.append(_page(world, back[-1].previous_token))
    assert [[p.pk for p in page.rows] for page in reversed(back)] == [
        [p.pk for p in page.rows] for page in pages
    ]
    assert back[-1].next_token
    assert not back[-1].previous_token


def test_a_page_is_one_query_however_far_in(world: World, pupils: list[Pupil]) -> None:
    page, pages = _page(world, None, per_page=3), 1
    while page.next_token and pages < 10:
        pages += 1
        with CaptureQueriesContext(connection) as queries:
            page = _page(world, page.next_token, per_page=3)
        assert len(queries.captured_queries) == 1
        (sql,) = [q["sql"] for q in queries.captured_queries]
        assert "OFFSET" not in sql
        assert "COUNT" not in sql
    assert pages == 6


@pytest.mark.parametrize(
    "token",
    [
        "2",  # an old page number
        "not a token",
        "",
        "x" * 5000,
        signing.Signer(salt="safeguard.keyset.test-pupils").sign_object(["a", 1]),  # too short
        signing.Signer(salt="safeguard.keyset.test-pupils").sign_object(
            ["a", "5", "not a date", "Able", "00000000-0000-0000-0000-000000000000"]
        ),
        signing.Signer(salt="safeguard.keyset.test-pupils").sign_object(
            ["sideways", "5", "2015-01-01", "Able", "00000000-0000-0000-0000-000000000000"]
        ),
        signing.Signer(salt="safeguard.keyset.test-pupils").sign_object(
            ["a", "5", "2015-01-01", ["Able"], "00000000-0000-0000-0000-000000000000"]
        ),
        signing.Signer(salt="safeguard.keyset.test-pupils").sign_object({"a": 1}),
    ],
)
def test_a_token_this_list_did_not_give_is_the_first_page(
    world: World, pupils: list[Pupil], token: str
) -> None:
    assert [p.pk for p in _page(world, token).rows] == _sorted(pupils)[:4]


def test_a_token_altered_or_of_another_list_is_the_first_page(
    world: World, pupils: list[Pupil]
) -> None:
    second = _page(world, None).next_token
    body, _, signature = second.rpartition(":")
    altered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + ":" + signature
    other = keyset_page(
        Pupil.objects.filter(school=world.school),
        order=ORDER,
        token=None,
        per_page=4,
        name="another-list",
    ).next_token
    first = _sorted(pupils)[:4]
    assert [p.pk for p in _page(world, altered).rows] == first
    assert [p.pk for p in _page(world, other).rows] == first
    assert [p.pk for p in _page(world, second).rows] == _sorted(pupils)[4:8]


def test_a_token_past_the_end_of_a_list_that_shrank_is_the_first_page(
    world: World, pupils: list[Pupil]
) -> None:
    page = _page(world, None, per_page=17)
    assert len(page.rows) == 17
    assert page.next_token
    # The one pupil after it is no longer in the list (here: the queryset narrows).
    last = _sorted(pupils)[-1]
    shrunk = keyset_page(
        Pupil.objects.filter(school=world.school).exclude(pk=last),
        order=ORDER,
        token=page.next_token,
        per_page=17,
        name="test-pupils",
    )
    assert [p.pk for p in shrunk.rows] == _sorted(pupils)[:17]


def test_an_order_must_end_in_the_primary_key_and_have_no_null_key(world: World) -> None:
    with pytest.raises(ValueError, match="primary key"):
        keyset_page(
            Pupil.objects.all(), order=ORDER[:-1], token=None, per_page=1, name="test-pupils"
        )
    PupilFactory(school=world.school)  # two pupils, so the first page has a next one
    with pytest.raises(ValueError, match="never NULL"):
        keyset_page(
            Pupil.objects.filter(school=world.school),
            order=(F("left_on").desc(), F("id").desc()),  # no one has left
            token=None,
            per_page=1,
            name="test-pupils",
        )
