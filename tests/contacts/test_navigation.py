"""How people reach the contacts pages: the home page, the school bar and who to call."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.world import World


@pytest.mark.parametrize("role", ["staff", "dsl", "head", "admin", "governor", "tso"])
def test_home_links_key_roles_and_who_to_call_for_everyone_in_a_school(
    client, world: World, role: str
) -> None:
    client.force_login(world.users[role])
    body = client.get(reverse("home")).content.decode()
    home = body[body.index('data-testid="home-contacts"') :]
    assert f'href="{reverse("school-key-roles")}"' in home
    assert f'href="{reverse("who-to-call")}"' in home
    # The trust's agencies: only for the person who keeps them.
    assert (f'href="{reverse("agency-list")}"' in home) is (role == "tso")


def test_who_to_call_is_in_the_school_bar_and_sign_out_in_the_header(client, world: World) -> None:
    client.force_login(world.users["dsl"])
    body = client.get(reverse("home")).content.decode()
    header = body[
        body.index('<div class="govuk-header"') : body.index('class="govuk-service-navigation"')
    ]
    assert f'action="{reverse("logout")}"' in header
    assert "Sign out" in header
    nav = body[body.index('class="govuk-service-navigation"') :]
    nav = nav[: nav.index("</section>")]
    assert "Sign out" not in nav
    assert 'data-testid="who-to-call-link"' not in nav
    bar = body[body.index('class="app-school-bar"') :]
    assert f'href="{reverse("who-to-call")}"' in bar[: bar.index("</div>\n</div>")]


def test_who_to_call_links_key_roles_and_for_the_tso_the_agencies(client, world: World) -> None:
    client.force_login(world.users["staff"])
    body = client.get(reverse("who-to-call")).content.decode()
    links = body[body.index('data-testid="who-to-call-links"') :]
    links = links[: links.index("</p>")]
    assert reverse("school-key-roles") in links
    assert reverse("agency-list") not in links
    client.force_login(world.users["tso"])
    body = client.get(reverse("who-to-call")).content.decode()
    links = body[body.index('data-testid="who-to-call-links"') :]
    assert reverse("agency-list") in links[: links.index("</p>")]
