"""Development mode (DEBUG on, as `make run` starts) shows visitors the site's own error pages, as production does;
DEBUG_TECHNICAL_ERRORS=true brings Django's technical pages back for the developer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

import europass.urls

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# The portal's pages, and one view that fails (for the 500 page).
urlpatterns = [path("boom/", _boom), *europass.urls.urlpatterns]
handler400 = europass.urls.handler400
handler403 = europass.urls.handler403
handler404 = europass.urls.handler404
handler500 = europass.urls.handler500

TECHNICAL = "DEBUG = True"  # what every Django technical page says


@pytest.fixture
def development(settings: Any) -> Any:
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_ERRORS = False
    return settings


def _page(response: Any) -> str:
    return response.content.decode()


def test_an_address_that_does_not_exist_shows_the_sites_404_page_in_development(
    client: Client, development: Any
) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = _page(response)
    assert "<h1>Page not found</h1>" in page and "Back to the home page" in page
    assert 'class="site"' in page  # the site's header and footer around it
    assert TECHNICAL not in page and "URLconf" not in page


def test_a_page_whose_object_does_not_exist_shows_the_sites_404_page_in_development(
    client: Client, development: Any
) -> None:
    response = client.get(f"/status/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in _page(response) and TECHNICAL not in _page(response)


def test_the_404_page_speaks_the_visitors_language(client: Client, development: Any) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404 and "<h1>Page introuvable</h1>" in _page(response)


def test_an_address_without_its_final_slash_is_still_redirected_in_development(
    client: Client, development: Any
) -> None:
    response = client.get("/issuing")
    assert response.status_code == 301 and response.headers["Location"] == "/issuing/"


@pytest.mark.urls(__name__)
def test_a_failing_view_shows_the_sites_500_page_and_logs_the_traceback(
    development: Any, caplog: pytest.LogCaptureFixture
) -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = _page(response)
    assert "<h1>Something went wrong</h1>" in page
    assert TECHNICAL not in page and "a bug in a view" not in page
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "DEBUG_TECHNICAL_ERRORS" in logged[0].getMessage()


@pytest.mark.urls(__name__)
def test_debug_technical_errors_shows_djangos_technical_pages_again(client: Client, development: Any) -> None:
    development.DEBUG_TECHNICAL_ERRORS = True
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and TECHNICAL in _page(missing)
    failing = Client(raise_request_exception=False).get("/boom/")
    assert failing.status_code == 500 and "a bug in a view" in _page(failing)


def test_production_shows_the_sites_404_page_as_before(client: Client, settings: Any) -> None:
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "<h1>Page not found</h1>" in _page(response)


def test_the_api_still_answers_its_errors_in_json_in_development(client: Client, development: Any) -> None:
    response = client.get(f"/api/v1/issuing/batches/{uuid.uuid4()}")
    assert response.status_code in (401, 403)
    assert response.headers["Content-Type"].startswith("application/json")
