"""Who to call now, at fixed instants (London time, bank holidays, both clock changes).

Instants are given in UTC where the clock change matters, so a mistake that read UTC as London
time (or the other way round) gives the wrong answer and fails.
"""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.urls import reverse

from contacts.models import Agency, AgencyKind
from contacts.selectors import CallNow, WhoToCall, who_to_call_now
from safeguard.workdays import LONDON
from tests.support.world import World

from .conftest import Authorities

UTC = datetime.UTC
FIRST_RESPONSE = "0116 305 0005"
LEICS_LADO = "0116 305 4141"


def london(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _call(now: WhoToCall, kind: str) -> CallNow:
    [call] = [c for c in now.calls if c.agency.kind == kind]
    return call


def _lado(authorities: Authorities, at: datetime.datetime) -> CallNow:
    return _call(who_to_call_now(school=authorities.leicestershire, at=at), AgencyKind.LADO)


def test_order_is_999_then_social_care_lado_police_nspcc(authorities: Authorities) -> None:
    now = who_to_call_now(school=authorities.leicestershire, at=london(2026, 11, 24, 10, 0))
    assert now.emergency is not None
    assert now.emergency.phone == "999"
    assert [c.agency.kind for c in now.calls] == [
        "social_care",
        "lado",
        "police",
        "nspcc",
        "whistleblowing",
    ]
    assert now.calls[0].number == FIRST_RESPONSE


def test_tuesday_at_ten_the_lado_is_open(authorities: Authorities) -> None:
    call = _lado(authorities, london(2026, 11, 24, 10, 0))
    assert call.answering
    assert call.number == LEICS_LADO
    assert call.status == "Open now until 17:00"
    assert call.advice == f"Call {LEICS_LADO}."


def test_friday_at_quarter_to_five_the_lado_has_closed_so_first_response(
    authorities: Authorities,
) -> None:
    call = _lado(authorities, london(2026, 11, 27, 16, 45))
    assert not call.answering
    assert call.number == FIRST_RESPONSE
    assert call.status == "Closed now: office opens Monday 08:30"
    assert call.advice == (
        f"Call the out-of-hours team on {FIRST_RESPONSE} "
        "(Leicestershire First Response Children's Duty Team)."
    )


def test_friday_before_half_past_four_the_lado_is_open(authorities: Authorities) -> None:
    call = _lado(authorities, london(2026, 11, 27, 16, 15))
    assert call.status == "Open now until 16:30"
    assert call.number == LEICS_LADO


def test_saturday(authorities: Authorities) -> None:
    now = who_to_call_now(school=authorities.leicestershire, at=london(2026, 11, 28, 11, 0))
    lado = _call(now, AgencyKind.LADO)
    assert lado.status == "Closed now: office opens Monday 08:30"
    assert lado.number == FIRST_RESPONSE
    assert _call(now, AgencyKind.SOCIAL_CARE).number == FIRST_RESPONSE
    assert _call(now, AgencyKind.NSPCC).number == "0808 800 5000"
    assert _call(now, AgencyKind.POLICE).number == "101"
    whistle = _call(now, AgencyKind.WHISTLEBLOWING)
    assert whistle.status == "Closed now: office opens Monday 08:00"
    assert whistle.number == ""
    assert whistle.advice == "No out-of-hours number is recorded. Email help@nspcc.org.uk."


def test_easter_monday_is_a_bank_holiday(authorities: Authorities) -> None:
    call = _lado(authorities, london(2026, 4, 6, 10, 0))
    assert call.status == "Closed now (Easter Monday): office opens Tuesday 08:30"
    assert call.number == FIRST_RESPONSE
    # The next day is an ordinary Tuesday.
    assert _lado(authorities, london(2026, 4, 7, 10, 0)).number == LEICS_LADO


def test_good_friday_closed_until_the_tuesday_after_easter(authorities: Authorities) -> None:
    call = _lado(authorities, london(2026, 4, 3, 9, 0))
    assert call.status == "Closed now (Good Friday): office opens Tuesday 08:30"


def test_march_clock_change(authorities: Authorities) -> None:
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026. 07:45 UTC on Monday 30 March is
    # 08:45 in London: open. Read as UTC it would be before 08:30 and closed.
    call = _lado(authorities, utc(2026, 3, 30, 7, 45))
    assert call.status == "Open now until 17:00"
    assert call.number == LEICS_LADO
    # 07:15 UTC is 08:15 London time: not open yet, opening today.
    early = _lado(authorities, utc(2026, 3, 30, 7, 15))
    assert early.status == "Closed now: office opens today at 08:30"
    assert early.number == FIRST_RESPONSE
    # On the Sunday of the change itself.
    sunday = _lado(authorities, utc(2026, 3, 29, 12, 0))
    assert sunday.status == "Closed now: office opens Monday 08:30"
    # Friday 27 March is still GMT: 16:15 UTC is 16:15 in London, open until 16:30.
    assert _lado(authorities, utc(2026, 3, 27, 16, 15)).status == "Open now until 16:30"


def test_october_clock_change(authorities: Authorities) -> None:
    # Friday 23 October 2026 is still BST: 15:45 UTC is 16:45 in London, after Friday's 16:30.
    friday = _lado(authorities, utc(2026, 10, 23, 15, 45))
    assert friday.status == "Closed now: office opens Monday 08:30"
    assert friday.number == FIRST_RESPONSE
    # Clocks go back at 01:00 UTC on Sunday 25 October. On Monday 26 October London is on GMT:
    # 08:15 UTC is 08:15 in London (closed); read as BST it would be 09:15 and wrongly open.
    monday = _lado(authorities, utc(2026, 10, 26, 8, 15))
    assert monday.status == "Closed now: office opens today at 08:30"
    assert monday.number == FIRST_RESPONSE
    assert _lado(authorities, utc(2026, 10, 26, 8, 45)).number == LEICS_LADO
    # The Sunday of the change: closed, opening Monday.
    assert _lado(authorities, utc(2026, 10, 25, 9, 0)).status == (
        "Closed now: office opens Monday 08:30"
    )


SOUTHEND_OOH = "0345 606 1212"
OOH_ADVICE = f"Call the out-of-hours team on {SOUTHEND_OOH} (Southend out-of-hours social care)."
ESSEX_OOH_ADVICE = (
    f"Call the out-of-hours team on {SOUTHEND_OOH} (Essex out-of-hours Emergency Duty Service)."
)
ASK_ADVICE = "No telephone number is recorded: ask the DSL or the trust safeguarding officer."


def test_hours_not_recorded_on_a_weekday_morning_office_first_then_out_of_hours(
    authorities: Authorities,
) -> None:
    now = who_to_call_now(school=authorities.southend, at=london(2026, 11, 24, 10, 0))
    spoc = _call(now, AgencyKind.SOCIAL_CARE)
    assert spoc.agency.email == "C-SPOC@southend.gov.uk"
    assert spoc.state.opening == "unknown"
    assert spoc.status == "Probably open now (weekday working hours)"
    assert spoc.number == "01702 215007"
    assert spoc.advice == (
        f"Call 01702 215007 first; if there is no answer, call {SOUTHEND_OOH} "
        "(Southend out-of-hours social care)."
    )
    assert 'href="tel:01702215007"' in spoc.advice_html
    assert spoc.keeper_notes == []  # a teacher is not told what the trust must add
    lado = _call(now, AgencyKind.LADO)
    assert lado.agency.name == "Southend LADO"
    assert lado.advice == ASK_ADVICE
    assert "the trust must add" not in lado.advice


@pytest.mark.parametrize(
    ("at", "closed_for"),
    [
        pytest.param(london(2026, 11, 29, 15, 0), "", id="sunday-afternoon"),
        pytest.param(london(2026, 11, 28, 10, 0), "", id="saturday-morning"),
        pytest.param(london(2026, 12, 25, 11, 0), "Christmas Day", id="bank-holiday-friday"),
        pytest.param(london(2026, 4, 6, 10, 0), "Easter Monday", id="easter-monday"),
        pytest.param(london(2026, 11, 24, 19, 30), "", id="tuesday-evening"),
        pytest.param(london(2026, 11, 24, 18, 0), "", id="tuesday-at-six"),
        pytest.param(london(2026, 11, 24, 7, 45), "", id="tuesday-early-morning"),
        # 17:30 UTC in June is 18:30 in London: closed. Read as UTC it would be before 18:00.
        pytest.param(utc(2026, 6, 23, 17, 30), "", id="summer-evening-in-bst"),
    ],
)
def test_hours_not_recorded_but_certainly_closed_gives_the_out_of_hours_number_only(
    authorities: Authorities, at: datetime.datetime, closed_for: str
) -> None:
    southend = who_to_call_now(school=authorities.southend, at=at)
    why = f" ({closed_for})" if closed_for else ""
    for kind in (AgencyKind.SOCIAL_CARE, AgencyKind.LADO):
        call = _call(southend, kind)
        assert call.closed
        assert call.status == f"Closed now{why}"
        assert call.number == SOUTHEND_OOH
        assert call.advice == OOH_ADVICE
        assert "01702" not in call.advice_html
    essex = who_to_call_now(school=authorities.essex, at=at)
    for kind in (AgencyKind.SOCIAL_CARE, AgencyKind.LADO):
        call = _call(essex, kind)
        assert call.status == f"Closed now{why}"
        assert call.advice == ESSEX_OOH_ADVICE


@pytest.mark.parametrize(
    "at",
    [
        pytest.param(london(2026, 11, 24, 8, 0), id="tuesday-at-eight"),
        pytest.param(london(2026, 11, 27, 17, 59), id="friday-before-six"),
        # 07:30 UTC in June is 08:30 in London: within the window. Read as UTC it would not be.
        pytest.param(utc(2026, 6, 23, 7, 30), id="summer-morning-in-bst"),
    ],
)
def test_hours_not_recorded_within_the_weekday_window_office_first(
    authorities: Authorities, at: datetime.datetime
) -> None:
    hub = _call(who_to_call_now(school=authorities.essex, at=at), AgencyKind.SOCIAL_CARE)
    assert hub.status == "Probably open now (weekday working hours)"
    assert hub.advice == (
        f"Call 0345 603 7627 first; if there is no answer, call {SOUTHEND_OOH} "
        "(Essex out-of-hours Emergency Duty Service)."
    )


def test_the_trust_safeguarding_officer_is_told_what_to_add(authorities: Authorities) -> None:
    now = who_to_call_now(school=authorities.southend, at=london(2026, 11, 24, 10, 0), keeper=True)
    lado = _call(now, AgencyKind.LADO)
    assert lado.advice == "Telephone not recorded: the trust must add it."
    assert lado.keeper_notes[0].startswith("Office hours not recorded: the trust must add them")
    assert "Telephone not recorded: the trust must add it." in lado.keeper_notes
    leics = who_to_call_now(
        school=authorities.leicestershire, at=london(2026, 11, 24, 10, 0), keeper=True
    )
    assert _call(leics, AgencyKind.LADO).keeper_notes == []


def test_page_with_hours_not_recorded_on_a_sunday(
    client, world: World, authorities: Authorities
) -> None:
    client.force_login(world.users["staff"])  # school A, in Essex
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 29, 15, 0)):
        body = client.get(reverse("who-to-call")).content.decode()
    hub = body[body.index('data-testid="call-social_care"') :]
    hub = hub[: hub.index('data-testid="call-lado"')]
    assert "Closed now" in hub
    assert (
        'Call the out-of-hours team on <a class="govuk-link" href="tel:03456061212">'
        f"{SOUTHEND_OOH}</a>" in hub
    )
    assert "0345 603 7627" not in hub.split("Office hours")[0]  # the office number is not offered
    assert "Hours unknown" not in body
    assert "the trust must add" not in body
    assert 'data-testid="keeper-note"' not in body
    client.force_login(world.users["tso"])
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 29, 15, 0)):
        body = client.get(reverse("who-to-call")).content.decode()
    assert "Office hours not recorded: the trust must add them" in body


def test_page_for_southend_staff_never_says_the_trust_must_add(
    client, world: World, authorities: Authorities
) -> None:
    from tests.support.factories import member

    client.force_login(member(authorities.southend, "staff"))
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 24, 10, 0)):
        body = client.get(reverse("who-to-call")).content.decode()
    assert "not recorded: the trust must add it" not in body
    assert "In working hours call" not in body
    assert ASK_ADVICE in body
    assert "if there is no answer, call" in body


def test_essex_uses_essex_agencies_only(authorities: Authorities) -> None:
    now = who_to_call_now(school=authorities.essex, at=london(2026, 11, 24, 10, 0))
    names = {c.agency.name for c in now.calls} | {a.name for a in now.others}
    assert "Essex Children and Families Hub" in names
    assert "Essex LADO (Children's Workforce Allegations Management Team)" in names
    assert not any("Leicestershire" in n or "Southend" in n for n in names)
    assert _call(now, AgencyKind.LADO).agency.phone == "03330 139 797"


def test_a_changed_hours_take_effect(authorities: Authorities) -> None:
    lado = Agency.objects.get(trust=authorities.leicestershire.trust, name="Leicestershire LADO")
    lado.hours = {"5": ["09:00", "12:00"]}  # a Saturday morning line
    lado.save()
    assert _lado(authorities, london(2026, 11, 28, 11, 0)).status == "Open now until 12:00"


def test_naive_instants_are_refused(authorities: Authorities) -> None:
    with pytest.raises(ValueError, match="aware"):
        who_to_call_now(school=authorities.essex, at=datetime.datetime(2026, 11, 24, 10))  # noqa: DTZ001


def test_page_shows_999_first_then_the_number_answering_now(
    client, world: World, authorities: Authorities
) -> None:
    from tests.support.factories import member

    person = member(authorities.leicestershire, "staff")
    client.force_login(person)
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 27, 16, 45)):
        response = client.get(reverse("who-to-call"))
        body = response.content.decode()
    assert response.status_code == 200, body[:3000]
    assert body.index("999") < body.index(FIRST_RESPONSE)
    assert "Closed now: office opens Monday 08:30" in body
    assert (
        f'Call the out-of-hours team on <a class="govuk-link" href="tel:01163050005">{FIRST_RESPONSE}</a>'
        in body
    )
    assert "Essex" not in body


def test_concern_form_danger_panel_shows_local_numbers(
    client, world: World, authorities: Authorities
) -> None:
    from concerns import services as concern_services

    staff = world.users["staff"]
    client.force_login(staff)
    concern = concern_services.concern_start(actor=staff, school=world.school)
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 28, 11, 0)):
        body = client.get(reverse("concern-draft", kwargs={"pk": concern.pk})).content.decode()
    panel = body[body.index('data-testid="who-to-call-panel"') :]
    panel = panel[: panel.index("</div>")]
    assert "Essex Children and Families Hub" in panel
    # Saturday: the Hub's hours are not recorded, but it is certainly closed: one number.
    assert f"Closed now. {ESSEX_OOH_ADVICE}".replace(SOUTHEND_OOH, "") in panel.replace(
        f'<a class="govuk-link" href="tel:03456061212">{SOUTHEND_OOH}</a>', ""
    )
    assert "0345 603 7627" not in panel
    assert "101" in panel
    assert "the trust must add" not in panel


def _read_piece_by_piece(html: str) -> str:
    """The text as a screen reader or an accessibility tree gives it: each link a piece of its
    own, the pieces joined by spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_danger_panel_on_a_weekday_names_each_service_once_and_no_lone_semicolon(
    client, world: World, authorities: Authorities
) -> None:
    from concerns import services as concern_services

    staff = world.users["staff"]
    client.force_login(staff)
    concern = concern_services.concern_start(actor=staff, school=world.school)
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 24, 10, 0)):
        body = client.get(reverse("concern-draft", kwargs={"pk": concern.pk})).content.decode()
    panel = body[body.index('data-testid="who-to-call-panel"') :]
    panel = panel[: panel.index("</ul>")]
    police = panel[panel.index('data-testid="panel-police"') :].split("</li>")[0]
    assert "<strong>Police: non-emergency</strong>: Open now" in police
    assert "(Police: non-emergency)" not in panel
    hub = panel[panel.index('data-testid="panel-social_care"') :].split("</li>")[0]
    assert "(Essex Children and Families Hub)" in hub  # a name that says more is kept
    assert '0345 603 7627</a> first; if there is no answer, call <a class="govuk-link"' in hub
    text = _read_piece_by_piece(panel)
    assert "Call 0345 603 7627 first; if there is no answer, call 0345 606 1212" in text
    assert " ;" not in text


def test_a_who_to_call_card_does_not_repeat_a_name_that_is_its_kind(
    client, world: World, authorities: Authorities
) -> None:
    client.force_login(world.users["staff"])
    with mock.patch("contacts.selectors._now", return_value=london(2026, 11, 24, 10, 0)):
        body = client.get(reverse("who-to-call")).content.decode()
    card = body[body.index('data-testid="call-police"') :].split("</h3>")[0]
    assert card.count("Police: non-emergency") == 1
    hub = body[body.index('data-testid="call-social_care"') :].split("</h3>")[0]
    assert "Children&#x27;s social care front door</span>Essex Children and Families Hub" in hub
