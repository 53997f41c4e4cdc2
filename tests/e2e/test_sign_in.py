"""Signing in, in a real browser: the page looks like the rest of the site on a desktop and a phone, and the person
lands where they were going, else in their own area. And the home page's icons, the site's own (no emoji font)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress

from europass.accounts.models import Membership, User
from europass.registry.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-Passphrase-42"
SITE_BLUE = "rgb(14, 71, 203)"  # --blue in static/css/portal.css
WHITE = "rgb(255, 255, 255)"


def _user(email: str, **extra: bool) -> User:
    user = User.objects.create_user(email, PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _staff() -> User:
    organisation = Organisation.objects.create(
        slug="school", legal_name="Demo School", legal_identifier="VATFR-1", country="FR"
    )
    user = _user("staff@school.example", is_staff=True)
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return user


def _style(locator: Any, prop: str) -> str:
    return str(locator.evaluate(f"(element) => getComputedStyle(element).{prop}"))


def _sign_in(page: Any, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_sign_in_page_has_the_sites_primary_button_and_fields_on_a_desktop_and_a_phone(
    live_server: Any, browser: Any, size: str
) -> None:
    width = 1280 if size == "desktop" else 360
    context = browser.new_context(
        viewport={"width": width, "height": 800}, is_mobile=size == "phone", device_scale_factor=2
    )
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    assert page.get_by_role("heading", level=1, name="Sign In").is_visible()
    button = page.get_by_role("button", name="Sign In")
    assert _style(button, "backgroundColor") == SITE_BLUE
    assert _style(button, "color") == WHITE
    assert _style(button, "borderRadius") == "8px"
    # The form is one of the site's cards, its fields the site's fields, inside the page at any width.
    form = page.locator("form.auth-form")
    assert _style(form, "backgroundColor") == WHITE and _style(form, "borderRadius") == "10px"
    email = page.get_by_label("Email")
    assert _style(email, "borderTopColor") == "rgb(139, 149, 163)"
    box = email.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The header's language switch keeps its own look (outlined on the blue bar), not the default button's.
    french = page.get_by_role("button", name="FR")
    assert _style(french, "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert _style(french, "fontWeight") == "400"
    # In French too.
    french.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert _style(page.locator("form.auth-form button[type=submit]"), "backgroundColor") == SITE_BLUE
    context.close()


def test_staff_of_an_awarding_body_land_on_the_issuing_face(live_server: Any, page: Any) -> None:
    _staff()
    page.goto(live_server.url + "/accounts/login/")
    _sign_in(page, "staff@school.example")
    assert page.url == live_server.url + "/issuing/"
    assert page.get_by_text("Demo School").first.is_visible()


def test_a_citizen_lands_on_their_wallet(live_server: Any, phone: Any) -> None:
    _user("citizen@example.org")
    phone.goto(live_server.url + "/accounts/login/")
    _sign_in(phone, "citizen@example.org")
    assert phone.url == live_server.url + "/wallet/"


def test_signing_in_from_a_page_that_asked_for_it_returns_to_that_page(live_server: Any, page: Any) -> None:
    _user("citizen@example.org")
    page.goto(live_server.url + "/wallet/upload/")
    assert "/accounts/login/" in page.url and "next=" in page.url
    _sign_in(page, "citizen@example.org")
    assert page.url == live_server.url + "/wallet/upload/"


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("en", ["Awarding body", "Wallet", "A verified seal"]),
        ("fr", ["Organisme certificateur", "Portefeuille", "Un sceau vérifié"]),
    ],
)
def test_the_home_pages_icons_are_the_sites_own_drawings_with_text_alternatives(
    live_server: Any, phone: Any, lang: str, names: list[str]
) -> None:
    phone.goto(live_server.url + "/")
    if lang == "fr":
        phone.get_by_role("button", name="FR").click()
        phone.wait_for_load_state()
    main = phone.locator("main").inner_text()
    # No emoji left, to show as empty boxes where no emoji font is installed.
    assert not any(glyph in main for glyph in ("\U0001f3db", "\U0001f45b", "\u2714"))
    for name in names:
        icon = phone.get_by_role("img", name=name)
        assert icon.is_visible()
        box = icon.bounding_box()
        assert box is not None and box["width"] >= 40 and box["height"] >= 40
        # The drawing itself is there (the sprite loaded): its shapes take room inside the icon.
        drawn = icon.locator("use").evaluate(
            "(use) => { const b = use.getBBox(); return b.width * b.height; }"
        )
        assert drawn > 100
        assert _style(icon, "color") == SITE_BLUE
