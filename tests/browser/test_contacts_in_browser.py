"""Contacts pages on a phone and the service navigation at a desk, in real Chromium."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
NAV_ROWS = """Array.from(document.querySelectorAll('.govuk-service-navigation__item'))
    .map(item => Math.round(item.getBoundingClientRect().top))"""


def test_contacts_pages_fit_a_phone(new_page: Callable[..., Page], live_server, demo) -> None:
    base = live_server.url
    for email, paths in [
        ("staff@alderbrook.example", ["/", "/school/key-roles/", "/who-to-call/"]),
        ("tso@northgate.example", ["/trust/agencies/", "/school/key-roles/", "/who-to-call/"]),
    ]:
        page = new_page(viewport=PHONE)
        sign_in(page, base, email)
        for path in paths:
            page.goto(f"{base}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width}px wide on a phone for {email}"


def test_service_navigation_fits_one_row_at_a_desk(
    new_page: Callable[..., Page], live_server, demo
) -> None:
    base = live_server.url
    for email in [
        "dsl@alderbrook.example",
        "head@alderbrook.example",
        "admin@alderbrook.example",
        "tso@northgate.example",
    ]:
        page = new_page(viewport=DESK)
        sign_in(page, base, email)
        tops = page.evaluate(NAV_ROWS)
        labels = page.locator(".govuk-service-navigation__item").all_inner_texts()
        assert len(set(tops)) == 1, f"the menu wraps for {email}: {labels} at {tops}"


def test_a_family_contact_with_a_long_unbroken_name_fits_a_phone(
    new_page: Callable[..., Page], live_server, demo
) -> None:
    from contacts import services
    from schools.models import Pupil, User

    base = live_server.url
    admin = User.objects.get(email="admin@alderbrook.example")
    pupil = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True).first()
    name = "Wolfeschlegelsteinhausenbergerdorff" * 4 + "Jr" * 5  # 150 characters, no spaces
    contact = services.family_contact_create(
        actor=admin, pupil=pupil, name=name, relationship="other", relationship_other=name[:100],
        email=f"{name[:60].lower()}@example.com", restrictions=name,
    )  # fmt: skip
    services.family_contact_update(actor=admin, contact=contact, notes=name)
    page = new_page(viewport=PHONE)
    sign_in(page, base, "admin@alderbrook.example")
    for path in [
        f"/pupils/{pupil.pk}/family-contacts/",
        f"/family-contacts/{contact.pk}/edit/",
        f"/family-contacts/{contact.pk}/remove/",
    ]:
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
    page.goto(f"{base}/family-contacts/{contact.pk}/edit/")
    page.get_by_role("button", name="Save").click()  # the name comes back in the message
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
