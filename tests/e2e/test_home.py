"""The home page in a real browser, on a phone, in English and French."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_page_works_on_a_360px_phone_and_switches_to_french(live_server: Any, phone: Any) -> None:
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_role("heading", level=1).is_visible()
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="FR").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "fr"
    assert phone.get_by_role("link", name="Vérifier une attestation").is_visible()
    phone.get_by_role("button", name="EN").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("link", name="Verify a credential").is_visible()


def test_the_api_documentation_runs_from_our_own_files_under_the_content_security_policy(
    live_server: Any, page: Any
) -> None:
    from urllib.parse import urlsplit

    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    response = page.goto(live_server.url + "/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    assert page.get_by_text("/api/v1/verify").first.is_visible()
    assert hosts == {urlsplit(live_server.url).netloc}  # no CDN: works offline, nothing third-party
    assert errors == []
