"""Each report has its own short-lived address: a browser's verification lands on /verify/r/<id>/, which shows the
kept report (never the document) for as long as it is kept, then says that it expired and how to verify again.
Links to this portal are resolved here, by URL routing, on the page and in the API."""

from __future__ import annotations

import html as htmllib
import re
import time
import zlib
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from europass.credentials.example import example_credential
from europass.sealing.demo import DemoPKI
from europass.sealing.seal import Sealer

pytestmark = pytest.mark.django_db
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
API = "/api/v1/verify"


def _browser_post(client: Client, data: dict[str, Any], **headers: Any) -> Any:
    return client.post("/verify/", data, HTTP_ACCEPT=BROWSER, **headers)


def _address(response: Any) -> str:
    assert response.status_code == 303, response.status_code
    location = response["Location"]
    assert re.fullmatch(r"/verify/r/[\w-]{32}/", location), location
    return str(location)


def _share_link(document: bytes) -> Any:
    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create

    owner = User.objects.create_user("holder@address.example", "a-long-Passphrase-42")
    return share_link_create(credential=credential_receive(owner=owner, xml=document))


def test_a_browsers_verification_lands_on_the_reports_own_address(client: Client, ours: bytes) -> None:
    address = _address(_browser_post(client, {"xml": ours.decode()}))
    page = client.get(address)
    html = htmllib.unescape(page.content.decode())
    assert page.status_code == 200 and 'data-verdict="verified"' in html
    assert f'value="http://testserver{address}"' in html  # the address to bookmark or send, in full
    assert "Bookmark it or send it: it shows this report until " in html
    assert f'name="next" value="{address}"' in html  # the language switch comes back here
    assert page["Referrer-Policy"] == "same-origin" and "noindex" in page["X-Robots-Tag"]
    french = htmllib.unescape(client.get(address, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert (
        "Vérifiée : cette attestation est authentique et valide." in french
        and "Adresse de ce rapport" in french
    )


def test_the_address_shows_the_kept_report_without_verifying_again_and_keeps_nothing_of_the_document(
    client: Client, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import verification.views

    address = _address(_browser_post(client, {"xml": ours.decode()}))
    token = address.split("/")[3]
    monkeypatch.setattr(verification.views, "verify_document", lambda document: pytest.fail("verified again"))
    assert 'data-verdict="verified"' in client.get(address).content.decode()
    assert client.get(f"/verify/report/{token}.json").json()["verdict"] == "verified"
    kept = zlib.decompress(cache.get(f"verification:report:{token}"))
    assert ours not in kept and b"SignatureValue" not in kept and b"Camille" in kept


def test_after_its_lifetime_the_address_says_the_report_expired_and_how_to_verify_again(
    client: Client, ours: bytes, settings: Any
) -> None:
    settings.VERIFY_REPORT_SECONDS = 1
    address = _address(_browser_post(client, {"xml": ours.decode()}))
    assert client.get(address).status_code == 200
    time.sleep(1.2)
    expired = client.get(address)
    html = htmllib.unescape(expired.content.decode())
    assert expired.status_code == 404
    assert 'data-testid="report-expired"' in html and "This report has expired" in html
    assert "A verification report is kept for 1 minutes after the check" in html
    assert "verify the credential again" in html and 'action="/verify/"' in html  # the form, to verify again
    french = htmllib.unescape(client.get(address, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Ce rapport a expiré" in french and "vérifiez à nouveau l'attestation" in french


def test_an_address_that_never_was_says_the_same(client: Client, db: None) -> None:
    response = client.get("/verify/r/" + "x" * 32 + "/")
    assert response.status_code == 404 and "This report has expired" in response.content.decode()


def test_a_report_too_large_to_keep_is_shown_at_once_without_an_address(
    client: Client, ours: bytes, settings: Any
) -> None:
    settings.VERIFY_REPORT_MAX_BYTES = 100
    response = _browser_post(client, {"xml": ours.decode()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="verified"' in html
    assert 'data-testid="report-not-kept"' in html and "/verify/r/" not in html


def test_a_form_error_stays_on_the_form(client: Client, db: None) -> None:
    response = _browser_post(client, {})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


# --- links of this portal, on the page and in the API --------------------------------------------------------------


def test_the_api_verifies_a_share_link(ours: bytes, settings: Any) -> None:
    from wallet.services import share_link_revoke

    link = _share_link(ours)
    api = APIClient(enforce_csrf_checks=True)
    url = f"{settings.SITE_URL}/wallet/s/{link.token}/"
    response = api.post(API, data={"url": url}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == "verified"
    assert response.json()["credential"]["holder"]["name"] == "Camille Martin"
    multipart = api.post(API, data={"url": url}, format="multipart")
    assert multipart.status_code == 200 and multipart.json()["verdict"] == "verified"
    share_link_revoke(link=link)
    ended = api.post(API, data={"url": url}, format="json")
    assert ended.status_code in (404, 410) and ended.json()["error"]


def test_the_api_says_what_is_wrong_with_a_link(db: None, settings: Any) -> None:
    api = APIClient()
    not_shared = api.post(API, data={"url": f"{settings.SITE_URL}/registry/"}, format="json")
    assert not_shared.status_code == 400 and not_shared.json()["error"] == "not_a_share_link"
    wrong = api.post(API, data={"url": "ftp://example.org/credential.xml"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_url"
    internal = api.post(API, data={"url": "http://10.1.2.3/credential.xml"}, format="json")
    assert internal.status_code == 400 and internal.json()["error"] == "link_unreachable"


def test_in_development_a_link_on_the_address_the_request_came_in_on_is_opened_here_without_the_network(
    client: Client, ours: bytes, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import verification.inputs

    fetched: list[str] = []

    def fetch(url: str, **kwargs: Any) -> Any:
        fetched.append(url)
        raise verification.inputs.FetchError("internal", "This address is not a public one.")

    monkeypatch.setattr(verification.inputs, "fetch_public", fetch)
    link = _share_link(ours)
    url = f"http://localhost:8123/wallet/s/{link.token}/"  # make run on another port than SITE_URL's

    settings.DEBUG = True
    address = _address(_browser_post(client, {"url": url}, HTTP_HOST="localhost:8123"))
    assert 'data-verdict="verified"' in client.get(address, HTTP_HOST="localhost:8123").content.decode()
    api = APIClient().post(API, data={"url": url}, format="json", HTTP_HOST="localhost:8123")
    assert api.status_code == 200 and api.json()["verdict"] == "verified"
    assert fetched == []

    settings.DEBUG = False  # in production only SITE_URL is this portal's own address
    refused = _browser_post(client, {"url": url}, HTTP_HOST="localhost:8123")
    assert refused.status_code == 400 and "The link could not be opened" in htmllib.unescape(
        refused.content.decode()
    )
    assert fetched == [url]


def test_in_development_register_addresses_on_the_address_used_are_this_registers(
    client: Client, register: Any, pki: DemoPKI, settings: Any
) -> None:
    xml = Sealer(pki.seal).seal(example_credential(site="http://localhost:8123").to_xml())

    def statuses(debug: bool) -> dict[str, str]:
        settings.DEBUG = debug
        html = client.post("/verify/", {"xml": xml.decode()}, HTTP_HOST="localhost:8123").content.decode()
        return dict(re.findall(r'data-check="([a-z_]+)" data-status="([a-z_]+)"', html))

    development = statuses(True)
    assert development["issuer_accredited"] == development["qualification_registered"] == "passed"
    production = statuses(False)
    assert production["qualification_registered"] == "warning"
