"""The concern record as the DSL reads it (issue 20, docs/adr/0043): the body map drawn with
numbered marks for each pupil and the body part in words, the concern's print view, the
chronology line that says what the concern is about, and GOV.UK's error summaries and date input
in the concern's flow."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from chronology.ledger.verification import verify_chain
from chronology.models import ChronologyEntry
from concerns import services
from concerns.body_outline import body_map_figures, body_part
from tests.concerns.conftest import draft, draft_post
from tests.support.factories import PupilFactory
from tests.support.roll import form_data
from tests.support.world import World


@pytest.fixture
def staff_client(client: Any, world: World) -> Any:
    client.force_login(world.users["staff"])
    return client


def _html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _text(html: str) -> str:
    """The words of a page, tags taken out and whitespace made single."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def summary_links(html: str) -> list[str]:
    summary = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', summary)


def _two_pupil_concern(world: World, categories: dict[str, Any], *, submit: bool = True) -> Any:
    """A concern about two pupils, a mark on each (and a hostile description)."""
    second = PupilFactory(school=world.school, legal_first_name="Bea", legal_last_name="Second")
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil, second], categories)
    services.body_mark_add(
        actor=staff, concern=concern, side="front", x=77, y=36.5,
        description="Purple bruise <b>3cm</b>", pupil=world.pupil,
    )  # fmt: skip
    services.body_mark_add(
        actor=staff, concern=concern, side="back", x=50, y=35,
        description="Graze", pupil=second,
    )  # fmt: skip
    if submit:
        concern = services.concern_submit(actor=staff, concern=concern)
    return concern, second


# --- The body part under a mark ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "x", "y", "part"),
    [
        ("front", 50, 7, "head"),
        ("front", 50, 22, "chest"),
        # The child's left is on the viewer's right from the front, on the left from the back.
        ("front", 77, 36.5, "left forearm"),
        ("back", 77, 36.5, "right forearm"),
        ("front", 27, 23, "right upper arm"),
        ("back", 50, 35, "lower back"),
        ("front", 42, 93, "right foot"),
        ("front", 20, 22, "right upper arm"),  # just off the outline: the nearest part
        ("front", 2, 2, "beside the body"),
    ],
)
def test_the_body_part_is_found_from_where_the_mark_is(
    side: str, x: float, y: float, part: str
) -> None:
    assert body_part(side, x, y) == part


def test_marks_are_numbered_in_order_and_drawn_for_their_own_pupil() -> None:
    class Mark:
        def __init__(self, pupil_id: Any, side: str) -> None:
            self.pk, self.pupil_id, self.side = pupil_id, pupil_id, side
            self.x, self.y, self.description = 50, 7, "seen"

    figures = body_map_figures(
        [Mark("a", "front"), Mark("b", "back"), Mark("a", "back"), Mark(None, "front")],
        [("a", "Ann"), ("b", "Ben")],
    )
    assert [(f.title, [m.number for m in f.marks]) for f in figures] == [
        ("Marks on Ann", [1, 3]),
        ("Marks on Ben", [2]),
        ("Marks naming no pupil", [4]),
    ]
    # With one pupil, a mark naming none is theirs.
    only = body_map_figures([Mark(None, "front")], [("a", "Ann")])
    assert [f.title for f in only] == ["Marks on Ann"]


# --- The drawing on the concern's page and "Check your answers" -------------------------------


def _drawings(html: str) -> list[str]:
    return html.split('data-testid="body-map-drawing"')[1:]


def test_the_concern_page_draws_each_pupils_marks_numbered_with_the_body_part(
    client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern, second = _two_pupil_concern(world, categories)
    client.force_login(world.users["dsl"])
    html = _html(client.get(reverse("concern-detail", kwargs={"pk": concern.pk})))
    drawings = _drawings(html)
    assert len(drawings) == 2
    first, other = drawings
    assert f"Marks on {world.pupil.display_name}" in first
    assert f"Marks on {second.display_name}" in other
    # Each drawing: the outline front and back, and its own numbered marks where they were put.
    assert first.count("<svg") == 2
    assert other.count("<svg") == 2
    assert re.search(r'data-mark="1"><circle cx="77.00" cy="73.00"', first)
    assert 'data-mark="2"' not in first
    assert re.search(r'data-mark="2"><circle cx="50.00" cy="70.00"', other)
    words = _text(html)
    assert (
        f"Mark 1 : {world.pupil.display_name}, front, left forearm. "
        "Purple bruise &lt;b&gt;3cm&lt;/b&gt;" in words
    )
    assert f"Mark 2 : {second.display_name}, back, lower back. Graze" in words
    assert "Left and right are the child's own left and right." in words
    assert "<b>3cm</b>" not in html


def test_check_your_answers_shows_the_drawing(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern, second = _two_pupil_concern(world, categories, submit=False)
    html = _html(staff_client.get(reverse("concern-check", kwargs={"pk": concern.pk})))
    assert len(_drawings(html)) == 2
    assert f"Mark 2 : {second.display_name}, back, lower back. Graze" in _text(html)


def test_the_draft_lists_marks_with_pupil_side_and_body_part(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern, second = _two_pupil_concern(world, categories, submit=False)
    html = _html(staff_client.get(reverse("concern-draft", kwargs={"pk": concern.pk})))
    words = _text(html)
    assert f"{world.pupil.display_name}, front, left forearm: Purple bruise" in words
    assert f"{second.display_name}, back, lower back: Graze" in words


# --- The print view ---------------------------------------------------------------------------


def test_the_print_view_is_part_1_and_part_2_in_the_seeds_words_and_logged(
    client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern, _second = _two_pupil_concern(world, categories)
    dsl = world.users["dsl"]
    record = services.concern_open(actor=dsl, concern=concern)
    record = services.dsl_record_save(
        actor=dsl,
        record=record,
        values={
            "received_from": "Marion Powell, in person",
            "actions": ["monitoring"],
            "action_reasons": "Watch and talk to the pupil",
            "level_of_need": "universal",
            "level_of_need_reason": "First concern",
            "parents_informed": True,
            "parents_informed_reason": "Told mum at pick-up",
            "cp_file_decision": "no",
            "cp_file_reason": "First concern",
        },
        expected_version=record.version,
    )
    services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    client.force_login(dsl)
    detail = _html(client.get(reverse("concern-detail", kwargs={"pk": concern.pk})))
    url = reverse("concern-print", kwargs={"pk": concern.pk})
    assert f'href="{url}"' in detail
    assert "Print this concern" in detail

    before = AccessLog.objects.filter(what="concern_print", record_id=str(concern.pk)).count()
    html = _html(client.get(url))
    assert AccessLog.objects.filter(what="concern_print", record_id=str(concern.pk)).count() == (
        before + 2  # a row for each pupil shown
    )
    words = _text(html)
    assert html.count("<main") == 1
    assert "govuk-header" not in html
    assert "<nav" not in html
    assert "CONFIDENTIAL" in words.split("Logging a concern")[0]  # the header
    assert "<footer" in html
    assert "CONFIDENTIAL." in html.split("<footer", 1)[1]
    for seed_words in [
        "Part 1 (for use by any staff)",
        "Pupil's Name",
        "Date and Time of Incident",
        "Date and Time (of writing)",
        "Note the reason(s) for recording the incident.",
        "Record the following factually: Who? What (if recording a verbal disclosure by a child "
        "use their words)? Where? When (date and time of incident)? Any witnesses?",
        "Professional opinion where relevant (how and why might this have happened?)",
        "Part 2 (for use by the Senior Designated Safeguarding Lead (DSL))",
        "Time and date information received by DSL, and from whom.",
        "Parent's informed Y/N and reasons.",
        "Should a concern/ confidential file be commenced if there is not already one? Why?",
        "Printed Name",
    ]:
        assert seed_words in words.replace("&#x27;", "'"), seed_words
    assert "Watch and talk to the pupil" in words
    assert len(_drawings(html)) == 2
    # No link in the print view prints its address: there are none, and the print CSS says so.
    assert "<a " not in html.split("<main", 1)[1]


def test_the_reporter_prints_part_1_only(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern, _second = _two_pupil_concern(world, categories)
    html = _html(staff_client.get(reverse("concern-print", kwargs={"pk": concern.pk})))
    assert "Part 1 (for use by any staff)" in html
    assert "Part 2" not in html


# --- The chronology's line ---------------------------------------------------------------------


def test_the_chronology_line_carries_the_reason_and_each_pupils_categories(
    world: World, categories: dict[str, Any]
) -> None:
    second = PupilFactory(school=world.school)
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil, second], categories)
    services.involvement_update(
        actor=staff,
        involvement=concern.involvements.get(pupil=second),
        kind="witnessed",
        category_ids=[categories["Emotional abuse"].pk],
    )
    concern = services.concern_draft_update(
        actor=staff,
        concern=concern,
        values={"reason_for_recording": "Bruise seen on the arm at morning registration. " * 10},
    )
    concern = services.concern_submit(actor=staff, concern=concern)
    lines = dict(
        ChronologyEntry.objects.filter(concern_ref=concern.pk).values_list("pupil_id", "details")
    )
    first = lines[world.pupil.pk]
    assert first.startswith(f"Concern {concern.reference} logged by {staff.full_name}. ")
    assert "Reason for recording: Bruise seen on the arm at morning registration." in first
    assert first.endswith("... Categories: Physical abuse.")
    assert len(first.split()) < 60
    assert lines[second.pk].endswith("Categories: Emotional abuse.")
    assert verify_chain(school_id=world.school.pk).chain_ok


def test_without_a_reason_the_line_carries_what_was_seen(
    world: World, categories: dict[str, Any]
) -> None:
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil], categories, account="Sam said his dad hit him.")
    concern = services.concern_draft_update(
        actor=staff, concern=concern, values={"reason_for_recording": " "}
    )
    concern.reason_for_recording = ""
    concern.save(update_fields=["reason_for_recording"])
    summary = services.submission._chronology_summary(concern, concern.involvements.get())
    assert "What was seen: Sam said his dad hit him." in summary


# --- Error summaries and the date input -------------------------------------------------------


def _marked(html: str) -> set[str]:
    """The incident date's boxes marked as wrong."""
    return {
        part
        for part in ("day", "month", "year")
        if re.search(rf'govuk-input--error" id="id_incident_{part}"', html)
    }


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "marked", "link"),
    [
        ("32", "1", "2024", "Date of incident must be a real date", {"day"}, "day"),
        ("31", "2", "2024", "Date of incident must be a real date", {"day", "month"}, "day"),
        ("3", "", "2024", "Date of incident must include a month", {"month"}, "month"),
        ("3", "13", "2024", "Date of incident must be a real date", {"month"}, "month"),
        ("3", "", "", "Date of incident must include a month and a year", {"month", "year"}, "month"),
        ("1", "1", "24", "Year must include 4 numbers", {"year"}, "year"),
        ("x", "1", "2024", "Date of incident must be a real date, in numbers", {"day"}, "day"),
        ("1", "1", "3000", "Date of incident must be today or in the past", {"day", "month", "year"}, "day"),
    ],
)  # fmt: skip
def test_the_incident_date_has_one_message_and_marks_the_boxes_at_fault(
    staff_client: Any,
    world: World,
    categories: dict[str, Any],
    day: str,
    month: str,
    year: str,
    message: str,
    marked: set[str],
    link: str,
) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    html = _html(
        staff_client.post(
            reverse("concern-draft", kwargs={"pk": concern.pk}),
            draft_post(
                concern,
                incident_day=day,
                incident_month=month,
                incident_year=year,
                incident_time="10:00",
                action="save",
            ),
        )
    )
    assert "Ensure this value" not in html
    assert summary_links(html) == [f"#id_incident_{link}"]
    assert html.count('class="govuk-error-message"') == 1
    assert re.search(
        r'id="incident-error" class="govuk-error-message">'
        rf'<span class="govuk-visually-hidden">Error:</span> {re.escape(message)}',
        html,
    )
    assert _marked(html) == marked
    assert f'value="{day}"' in html  # nothing typed is lost


def test_a_time_in_the_future_today_is_said_beside_the_time(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    later = timezone.localtime() + datetime.timedelta(hours=2)
    if later.date() != timezone.localdate():
        pytest.skip("two hours from now is tomorrow")
    html = _html(
        staff_client.post(
            reverse("concern-draft", kwargs={"pk": concern.pk}),
            draft_post(
                concern,
                incident_day=str(later.day),
                incident_month=str(later.month),
                incident_year=str(later.year),
                incident_time=later.strftime("%H:%M"),
                action="save",
            ),
        )
    )
    assert summary_links(html) == ["#id_incident_time"]
    assert "Time of incident must be in the past" in html
    assert _marked(html) == set()


def test_adding_a_mark_without_a_spot_or_words_has_a_summary_linked_to_each_field(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern = draft(world.users["staff"], [world.pupil], categories)
    response = staff_client.post(
        reverse("concern-draft", kwargs={"pk": concern.pk}),
        draft_post(concern, **{"mark-description": "", "action": "add_mark"}),
        HTTP_HX_REQUEST="true",
    )
    html = _html(response)
    # The summary is in the part of the page htmx swaps in beside the body map, and takes focus
    # (GOV.UK Frontend's error summary), linking to the drawing and to the words.
    summary = html.split('id="error-summary"', 1)[1].split('id="concern-form"', 1)[0]
    assert 'data-module="govuk-error-summary"' in summary
    assert summary_links(html) == ["#body-map-spot", "#id_mark-description"]
    assert 'id="body-map-spot"' in html
    assert 'id="body-map-spot-error"' in html
    assert "Choose where on the body the mark is" in html
    assert 'id="id_mark-description-error"' in html
    assert "Describe what you saw at this mark" in html
    # One message for where: not three (side, x and y).
    assert html.count("Choose where on the body") == 2  # the summary and beside the drawing
    draft_template = (
        '#draft-version,#error-summary"'  # the button swaps the summary in with the body map
    )
    assert draft_template in html


def test_check_your_answers_links_each_problem_to_its_answer_on_the_page(
    staff_client: Any, world: World, categories: dict[str, Any]
) -> None:
    concern = services.concern_start(actor=world.users["staff"], school=world.school)
    html = _html(staff_client.get(reverse("concern-check", kwargs={"pk": concern.pk})))
    links = summary_links(html)
    assert links[:2] == ["#change-pupils", "#change-incident"]
    draft_url = reverse("concern-draft", kwargs={"pk": concern.pk})
    for link in links:
        assert link.startswith("#change-")  # on this page, never the previous one
        row = link.removeprefix("#change-")
        assert f'id="{link[1:]}" href="{draft_url}#' in html, row
    row = html.split('id="check-incident"', 1)[1].split("</div>", 1)[0]
    assert "Enter the date and time of the incident" in row
    assert 'class="govuk-error-message"' in row
    row = html.split('id="check-danger"', 1)[1].split("</div>", 1)[0]
    assert "Select yes if a child is in immediate danger" in row
    assert f'href="{draft_url}#id_immediate_danger"' in row


def test_the_roll_date_input_marks_only_the_box_at_fault(client: Any, world: World) -> None:
    """The date input shared with the roll follows the same pattern."""
    client.force_login(world.users["admin"])
    html = _html(
        client.post(
            reverse("pupil-add"), form_data(date_of_birth_month="", date_of_birth_year="2015")
        )
    )
    assert "The date of birth must include a month" in html
    assert summary_links(html)[0] == "#id_date_of_birth_month"
    marked = re.findall(r'govuk-input--error" id="id_date_of_birth_(\w+)"', html)
    assert marked == ["month"]


def test_the_print_view_and_concern_page_cost_the_same_queries_for_more_pupils_and_marks(
    client: Any, world: World, categories: dict[str, Any]
) -> None:
    """The drawing is made from what the page already loaded: more pupils and marks, no more
    queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = world.users["staff"]
    client.force_login(world.users["dsl"])

    def queries(pupils: int, marks: int) -> dict[str, int]:
        children = [PupilFactory(school=world.school) for _ in range(pupils)]
        concern = draft(staff, children, categories)
        for n in range(marks):
            services.body_mark_add(
                actor=staff, concern=concern, side="front", x=10 + n, y=20,
                description=f"Mark {n}", pupil=children[n % pupils],
            )  # fmt: skip
        concern = services.concern_submit(actor=staff, concern=concern)
        counts = {}
        for name in ("concern-detail", "concern-print"):
            client.get(reverse(name, kwargs={"pk": concern.pk}))  # caches warmed (the session's)
            with CaptureQueriesContext(connection) as captured:
                _html(client.get(reverse(name, kwargs={"pk": concern.pk})))
            counts[name] = len(captured.captured_queries)
        return counts

    assert queries(pupils=1, marks=1) == queries(pupils=4, marks=8)
