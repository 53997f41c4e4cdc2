"""What the verify page keeps between a result and its downloads: the report (bounded, never the submission), its
PDF rendered once per language, and renders of that PDF on their own small allowance per client."""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    match = re.search(r"/verify/report/([\w-]+)\.json", html)
    assert match, "no report link"
    return match.group(1)


def _verified(client: Client, xml: bytes) -> str:
    response = client.post("/verify/", {"xml": xml.decode()})
    assert response.status_code == 200
    return _token(response.content.decode())


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each real render of a report PDF, by language (the renderer still runs: it is wrapped, not replaced)."""
    import verification.presenting

    calls: list[str] = []
    real: Callable[..., bytes] = verification.presenting.report_pdf

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs["lang"])
        return real(*args, **kwargs)

    monkeypatch.setattr(verification.presenting, "report_pdf", counted)
    return calls


def test_the_page_keeps_the_report_and_not_the_submitted_bytes(client: Client, ours: bytes) -> None:
    submitted = ours + b"\n" * 3_000_000  # 3 MB: what the old page kept for an hour
    upload = io.BytesIO(submitted)
    upload.name = "credential.xml"
    response = client.post("/verify/", {"file": upload})
    assert response.status_code == 200 and 'data-verdict="verified"' in response.content.decode()
    token = _token(response.content.decode())
    kept = cache.get(f"verification:report:{token}")
    assert isinstance(kept, bytes) and len(kept) < 32 * 1024
    inside = zlib.decompress(kept)
    assert ours not in inside and b"SignatureValue" not in inside
    assert cache.get(f"verification:submission:{token}") is None


def test_the_result_its_json_and_its_pdf_come_from_the_kept_report_without_verifying_again(
    client: Client, ours: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import verification.views

    token = _verified(client, ours)

    def never(xml: bytes) -> None:
        raise AssertionError("verified again")

    monkeypatch.setattr(verification.views, "verify_document", never)
    page = client.get(f"/verify/report/{token}")
    assert page.status_code == 200 and 'data-verdict="verified"' in page.content.decode()
    report = client.get(f"/verify/report/{token}.json")
    assert report.status_code == 200 and report.json()["verdict"] == "verified"
    pdf = client.get(f"/verify/report/{token}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_the_language_switch_of_a_result_comes_back_to_the_same_report_in_french(
    client: Client, ours: bytes
) -> None:
    html = client.post("/verify/", {"xml": ours.decode()}).content.decode()
    token = _token(html)
    assert f'name="next" value="/verify/report/{token}"' in html
    switched = client.post("/i18n/setlang/", {"language": "fr", "next": f"/verify/report/{token}"})
    assert switched.status_code == 302 and switched["Location"] == f"/verify/report/{token}"
    french = client.get(switched["Location"]).content.decode()
    assert "Vérifiée : cette attestation est authentique et valide." in french
    assert f"/verify/report/{token}.pdf" in french


def test_a_second_download_of_the_report_pdf_is_not_rendered_again(
    client: Client, ours: bytes, renders: list[str]
) -> None:
    token = _verified(client, ours)
    first = client.get(f"/verify/report/{token}.pdf")
    second = client.get(f"/verify/report/{token}.pdf")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and renders == ["en"]
    french = client.get(f"/verify/report/{token}.pdf", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 200 and french.content != first.content
    client.get(f"/verify/report/{token}.pdf", HTTP_ACCEPT_LANGUAGE="fr")
    client.get(f"/verify/report/{token}.pdf")
    assert renders == ["en", "fr"]


def test_a_report_pdf_larger_than_the_cap_is_served_but_not_kept(
    client: Client, ours: bytes, renders: list[str], settings: Any
) -> None:
    settings.VERIFY_REPORT_PDF_MAX_BYTES = 1000
    token = _verified(client, ours)
    assert client.get(f"/verify/report/{token}.pdf").status_code == 200
    assert client.get(f"/verify/report/{token}.pdf").status_code == 200
    assert renders == ["en", "en"]


def test_report_pdf_renders_have_their_own_allowance_while_verification_goes_on(
    client: Client, ours: bytes, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "600/min", "report_pdf": "2/min"})
    tokens = [_verified(client, ours) for _ in range(3)]
    assert [client.get(f"/verify/report/{t}.pdf").status_code for t in tokens[:2]] == [200, 200]
    refused = client.get(f"/verify/report/{tokens[2]}.pdf")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many requests" in refused.content.decode()
    assert renders == ["en", "en"]
    # A PDF already rendered is still served (it costs no render), and verification itself goes on.
    assert client.get(f"/verify/report/{tokens[0]}.pdf").status_code == 200
    assert client.get(f"/verify/report/{tokens[2]}.json").status_code == 200
    assert client.post("/verify/", {"xml": ours.decode()}).status_code == 200
    from rest_framework.test import APIClient

    api = APIClient().post("/api/v1/verify", data=ours, content_type="application/xml")
    assert api.status_code == 200
    assert renders == ["en", "en"]


def test_a_report_too_large_to_keep_is_shown_without_downloads(
    client: Client, ours: bytes, settings: Any
) -> None:
    settings.VERIFY_REPORT_MAX_BYTES = 100
    response = client.post("/verify/", {"xml": ours.decode()})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="verified"' in html
    assert 'data-testid="report-not-kept"' in html and "/verify/report/" not in html


def test_an_expired_or_unknown_report_answers_404(client: Client, ours: bytes) -> None:
    token = _verified(client, ours)
    cache.delete(f"verification:report:{token}")
    for suffix in ("", ".json", ".pdf"):
        assert client.get(f"/verify/report/{token}{suffix}").status_code == 404
    assert client.get(f"/verify/report/{'x' * 100}.pdf").status_code == 404


def test_the_form_says_what_is_kept_and_for_how_long(client: Client, settings: Any) -> None:
    settings.VERIFY_REPORT_SECONDS = 600
    english = client.get("/verify/").content.decode()
    assert "is not kept. Its report is kept for 10 minutes" in english
    french = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "n'est pas conservé. Son rapport est conservé 10 minutes" in french.replace("&#x27;", "'")
