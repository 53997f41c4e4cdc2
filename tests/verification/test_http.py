"""The verifier over HTTP: ``POST /api/v1/verify`` and the ``/verify/`` pages, one engine."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from .conftest import ANF_SAMPLE, HALCOM_SAMPLE, sample

pytestmark = pytest.mark.django_db
API = "/api/v1/verify"
CODES = [
    "well_formed",
    "schema_valid",
    "seal_intact",
    "certificate_trusted",
    "seal_qualified",
    "sealer_is_issuer",
    "not_expired",
    "not_revoked",
    "issuer_accredited",
    "qualification_registered",
]


@pytest.fixture
def api() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


def _pdf(xml: bytes) -> bytes:
    from wallet.presenting import pdf_for_xml

    return pdf_for_xml(xml=xml, qr_url="http://127.0.0.1:8000/verify/", lang="en")


# --- API ----------------------------------------------------------------------------------------------------------


def test_an_anonymous_client_verifies_raw_xml_without_csrf(api: APIClient, ours: bytes) -> None:
    response = api.post(API, data=ours, content_type="application/xml")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True and body["verdict"] == "verified"
    assert [check["code"] for check in body["checks"]] == CODES
    assert body["credential"]["holder"]["name"] == "Camille Martin"
    assert body["credential"]["title"] == "Bachelor of Computer Science"
    assert body["credential"]["awarding_body"]["name"] == "Demo University"
    assert body["seal"]["level"] == "qualified"


def test_the_file_can_come_as_multipart_or_as_a_pdf(api: APIClient, ours: bytes) -> None:
    upload = io.BytesIO(ours)
    upload.name = "credential.xml"
    assert api.post(API, {"file": upload}, format="multipart").json()["verdict"] == "verified"
    response = api.post(API, data=_pdf(ours), content_type="application/pdf")
    assert response.status_code == 200 and response.json()["verdict"] == "verified"


def test_a_tampered_credential_answers_422_with_the_report(api: APIClient, ours: bytes) -> None:
    response = api.post(API, data=ours.replace(b"Camille", b"Camilla", 1), content_type="application/xml")
    assert response.status_code == 422
    checks = {check["code"]: check for check in response.json()["checks"]}
    assert checks["seal_intact"]["status"] == "failed"
    assert response.json()["credential"] is None


@pytest.mark.parametrize("name", [ANF_SAMPLE, HALCOM_SAMPLE])
def test_the_commissions_credentials_show_an_intact_seal_and_say_their_authority_is_not_trusted_here(
    api: APIClient, name: str
) -> None:
    response = api.post(API, data=sample(name), content_type="application/xml")
    assert response.status_code == 422
    body = response.json()
    checks = {check["code"]: check for check in body["checks"]}
    assert checks["seal_intact"]["status"] == "passed"
    assert body["seal"]["time_source"] == "claimed" and body["seal"]["proven_time"] is None  # untrusted TSA
    assert "time-stamp's authority" in json.dumps(checks["seal_intact"]["details"]["notes"])
    assert body["credential"]["holder"]["name"] and body["credential"]["awarding_body"]["name"]
    assert checks["certificate_trusted"]["status"] == "failed"
    assert "is not trusted here" in checks["certificate_trusted"]["message"]
    assert "trust anchor" in checks["certificate_trusted"]["message"]


def test_messages_come_in_french_on_request(api: APIClient, ours: bytes) -> None:
    body = api.post(f"{API}?lang=fr", data=ours, content_type="application/xml").json()
    assert body["checks"][2]["message"].startswith("Le cachet est intact")


def test_the_openapi_schema_documents_the_verification_endpoint(api: APIClient) -> None:
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/verify"]["post"]
    assert {"200", "422", "400", "413", "415", "429"} <= set(operation["responses"])
    assert {"application/xml", "multipart/form-data"} <= set(operation["requestBody"]["content"])


def test_the_api_is_rate_limited_per_client(
    api: APIClient, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "3/min"})
    statuses = [api.post(API, data=ours, content_type="application/xml").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = APIClient(REMOTE_ADDR="203.0.113.7")
    assert other.post(API, data=ours, content_type="application/xml").status_code == 200


def test_a_limited_client_is_told_when_to_retry_and_is_served_again_in_the_next_window(
    api: APIClient, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    from europass.core.throttling import WindowedScopedThrottle

    now = [1_000_000 * 60 + 15.0]  # 15 s into a minute
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/min"})
    monkeypatch.setattr(WindowedScopedThrottle, "timer", lambda self: now[0])
    assert [api.post(API, data=ours, content_type="application/xml").status_code for _ in range(2)] == [
        200,
        200,
    ]
    refused = api.post(API, data=ours, content_type="application/xml")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert "throttled" in refused.json()["detail"].lower() or "45" in refused.json()["detail"]
    now[0] += 45
    assert api.post(API, data=ours, content_type="application/xml").status_code == 200


def test_the_page_shares_the_limit_and_says_when_to_retry_without_running_the_verification(
    client: Client, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    import verification.views

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/min"})
    for _ in range(3):
        assert client.get("/verify/").status_code == 200  # opening the form costs nothing
    first = client.post("/verify/", {"xml": ours.decode()})
    assert first.status_code == 200
    token = _token(first.content.decode())
    assert client.get(f"/verify/report/{token}.json").status_code == 200
    ran: list[bytes] = []
    monkeypatch.setattr(verification.views, "verify_document", lambda xml: ran.append(xml))
    refused = client.post("/verify/", {"xml": ours.decode()}, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Trop de demandes" in refused.content.decode()
    assert client.get(f"/verify/report/{token}.pdf").status_code == 429
    assert ran == []


# --- pages --------------------------------------------------------------------------------------------------------


def _checks(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-check="([a-z_]+)" data-status="([a-z_]+)"', html))


def _token(html: str) -> str:
    match = re.search(r"/verify/report/([\w-]+)\.json", html)
    assert match, "no report link"
    return match.group(1)


def test_the_page_verifies_pasted_xml_and_shows_every_check_and_the_credential(
    client: Client, ours: bytes
) -> None:
    assert client.get("/verify/").status_code == 200
    response = client.post("/verify/", {"xml": ours.decode()})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="verified"' in html
    assert list(_checks(html)) == CODES and set(_checks(html).values()) == {"passed"}
    assert "Camille Martin" in html and "Bachelor of Computer Science" in html


def test_the_page_verifies_an_uploaded_xml_and_an_uploaded_pdf(client: Client, ours: bytes) -> None:
    for name, data in (("c.xml", ours), ("c.pdf", _pdf(ours))):
        upload = io.BytesIO(data)
        upload.name = name
        html = client.post("/verify/", {"file": upload}).content.decode()
        assert 'data-verdict="verified"' in html, name


def test_the_page_opens_a_share_link_of_this_portal(client: Client, ours: bytes, settings: Any) -> None:
    from europass.accounts.models import User
    from wallet.services import credential_receive, share_link_create, share_link_revoke

    owner = User.objects.create_user("holder@verify.example", "a-long-Passphrase-42")
    held = credential_receive(owner=owner, xml=ours)
    link = share_link_create(credential=held)
    url = f"{settings.SITE_URL}/wallet/s/{link.token}"
    html = client.post("/verify/", {"url": url}).content.decode()
    assert 'data-verdict="verified"' in html
    share_link_revoke(link=link)
    response = client.post("/verify/", {"url": url})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_report_downloads_as_json_and_pdf(client: Client, ours: bytes) -> None:
    token = _token(client.post("/verify/", {"xml": ours.decode()}).content.decode())
    report = client.get(f"/verify/report/{token}.json")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    body = json.loads(report.content)
    assert body["verdict"] == "verified" and body["checked_at"]
    pdf = client.get(f"/verify/report/{token}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"/verify/report/{token}").status_code == 200
    assert client.get("/verify/report/unknown-token.json").status_code == 404


def test_the_page_speaks_french(client: Client, ours: bytes) -> None:
    client.post("/i18n/setlang/", {"language": "fr"})
    html = client.post("/verify/", {"xml": ours.decode()}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vérifiée : cette attestation est authentique et valide." in html


def test_the_commissions_sample_on_the_page_explains_how_to_trust_its_authority(client: Client) -> None:
    html = client.post("/verify/", {"xml": sample(ANF_SAMPLE).decode()}).content.decode()
    assert _checks(html)["seal_intact"] == "passed"
    assert 'data-testid="untrusted-help"' in html
    assert "trusted_list_sync" in html and "trust anchor" in html and "Ana Andromeda" in html


def test_a_tampered_credential_is_failed_and_never_shown_as_a_credential(client: Client, ours: bytes) -> None:
    html = client.post("/verify/", {"xml": ours.decode().replace("Camille", "Camilla", 1)}).content.decode()
    assert 'data-verdict="failed"' in html and _checks(html)["seal_intact"] == "failed"
    assert "Camilla" not in html


def test_an_empty_form_says_what_to_give(client: Client) -> None:
    response = client.post("/verify/", {})
    assert response.status_code == 400
    assert "Paste the credential (XML or JSON-LD), choose a file or give a link." in response.content.decode()


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(
    api: APIClient, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/min"})
    statuses = [
        api.post(
            API, data=ours, content_type="application/xml", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_no_pdf_fetches_what_a_credential_s_svg_logo_points_to(
    make: Any, register: Any, status_server: Any, settings: Any
) -> None:
    """A logo is data the sealer chose: an SVG may point at internal addresses or local files. Neither the report
    PDF nor the credential PDF may fetch them (the verifier's page shows the logo in the reader's browser only)."""
    import base64
    import dataclasses
    import datetime as dt

    from europass.core.pdf import pdf_of_sealed
    from europass.credentials.example import example_credential
    from verification.presenting import report_pdf
    from verification.services import verify_xml

    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # even so
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        f'<image href="{status_server.url}" width="10" height="10"/>'
        f'<image xlink:href="http://127.0.0.1:{status_server.port}/x.png" width="10" height="10"/>'
        '<image href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    logo = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    body = dataclasses.replace(example_credential(site=settings.SITE_URL).awarding_body, logo_url=logo)
    xml = make(awarding_body=body)
    report = verify_xml(xml)
    assert report.credential is not None and report.credential.awarding_body.logo_url == logo
    assert report_pdf(report, lang="en", checked_at=dt.datetime.now(dt.UTC)).startswith(b"%PDF")
    assert pdf_of_sealed(xml=xml, qr_url=settings.SITE_URL + "/verify/", lang="en").startswith(b"%PDF")
    assert status_server.requests == 0
