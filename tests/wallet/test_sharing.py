"""Share links: expiry (30 days by default, a year at most), a note, a QR code, views counted, revoked at once;
the public page shows the credential and its live verification and nothing else of the holder's account."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from europass.core.errors import ApplicationError
from europass.status.services import status_set
from wallet.models import CredentialPdf, ShareLink, WalletCredential
from wallet.presenting import credential_pdf
from wallet.services import share_link_create, share_link_revoke

pytestmark = pytest.mark.django_db


def _create(client: Client, held: Any, **data: str) -> tuple[ShareLink, str]:
    """Create a link on the holder's page: the link, and its address as the page shows it (once)."""
    response = client.post(f"/wallet/c/{held.public_id}/share", data)
    assert response.status_code == 201, response.content.decode()[:2000]
    urls = re.findall(r'value="([^"]+)"[^>]*data-testid="share-url"', response.content.decode())
    assert len(urls) == 1
    return ShareLink.objects.filter(credential=held).latest("created_at"), urls[0]


def test_a_share_link_lasts_30_days_by_default_and_at_most_a_year(held: Any) -> None:
    link = share_link_create(credential=held)
    assert abs((link.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    assert len(link.token) >= 32
    with pytest.raises(ApplicationError):
        share_link_create(credential=held, expires_at=timezone.now() + dt.timedelta(days=400))
    with pytest.raises(ApplicationError):
        share_link_create(credential=held, expires_at=timezone.now() - dt.timedelta(days=1))


def test_the_holder_creates_a_link_with_a_note_and_sees_its_qr_code_and_views(
    client: Client, held: Any, trusted: Any
) -> None:
    client.force_login(held.owner)
    day = (timezone.now() + dt.timedelta(days=10)).date()
    link, url = _create(client, held, expires_on=day.isoformat(), note="ACME application")
    assert link.note == "ACME application" and link.expires_at.date() == day
    assert url.startswith("http://127.0.0.1:8000/wallet/s/")
    path = url.removeprefix("http://127.0.0.1:8000")
    Client().get(path)
    Client().get(path)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert "ACME application" in page
    assert "Views: 2." in page
    assert f"This link stops working on {day:%-d %B %Y}." in page
    assert "Stop this link now" in page


def test_the_address_of_a_link_is_shown_once_when_it_is_created_and_never_again(
    client: Client, held: Any
) -> None:
    client.force_login(held.owner)
    created = client.post(f"/wallet/c/{held.public_id}/share", {"expires_on": _in_days(5), "note": "bank"})
    assert created.status_code == 201 and created["Cache-Control"] == "private, no-store"
    page = created.content.decode()
    assert 'data-testid="share-url"' in page and 'src="data:image/svg+xml' in page
    assert "shown only this once" in page
    later = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert "bank" in later and "Stop this link now" in later
    assert 'data-testid="share-url"' not in later and "/wallet/s/" not in later


def _in_days(days: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).date().isoformat()


def test_a_link_more_than_a_year_away_is_refused_with_a_message(client: Client, held: Any) -> None:
    client.force_login(held.owner)
    day = (timezone.now() + dt.timedelta(days=500)).date()
    response = client.post(f"/wallet/c/{held.public_id}/share", {"expires_on": day.isoformat()})
    assert response.status_code == 400
    assert "at most one year" in response.content.decode()
    assert not ShareLink.objects.exists()


def test_the_public_page_shows_the_credential_verified_live_and_nothing_of_the_account(
    held: Any, trusted: Any
) -> None:
    link = share_link_create(credential=held)
    page = Client().get(f"/wallet/s/{link.token}/").content.decode()
    assert 'data-verdict="verified"' in page
    assert "Camille Martin" in page and "Bachelor of Computer Science" in page
    assert "This credential does not expire." in page
    assert "This link stops working on" in page
    assert held.owner.email not in page
    assert "Sign out" not in page
    assert f"/wallet/c/{held.public_id}" not in page


def test_the_public_downloads_give_the_sealed_xml_and_the_pdf(held: Any, sealed_xml: bytes) -> None:
    link = share_link_create(credential=held)
    visitor = Client()
    assert visitor.get(f"/wallet/s/{link.token}/credential.xml").content == sealed_xml
    assert visitor.get(f"/wallet/s/{link.token}/credential.pdf").content.startswith(b"%PDF-")


def test_a_revoked_credential_is_shown_revoked_on_the_share_page(
    held: Any, status_list: Any, trusted: Any
) -> None:
    status_set(status_list=status_list, index=7)
    link = share_link_create(credential=held)
    page = Client().get(f"/wallet/s/{link.token}/").content.decode()
    assert 'data-status="revoked"' in page


def test_a_revoked_link_stops_at_once_with_a_friendly_410(client: Client, held: Any) -> None:
    link = share_link_create(credential=held)
    client.force_login(held.owner)
    assert client.post(f"/wallet/links/{link.public_id}/revoke").status_code == 302
    for path in ("", "credential.xml", "credential.pdf"):
        response = Client().get(f"/wallet/s/{link.token}/{path}")
        assert response.status_code == 410
        assert "turned off" in response.content.decode()


def test_an_expired_link_is_410_and_an_unknown_one_404(held: Any) -> None:
    link = share_link_create(credential=held)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = Client().get(f"/wallet/s/{link.token}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    unknown = Client().get("/wallet/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert unknown.status_code == 404 and "does not exist" in unknown.content.decode()


def test_the_ended_link_page_speaks_french(held: Any) -> None:
    link = share_link_create(credential=held)
    ShareLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    response = Client().get(f"/wallet/s/{link.token}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 410
    assert '<html lang="fr">' in response.content.decode()


def test_deleting_a_credential_removes_it_and_ends_its_share_links(client: Client, held: Any) -> None:
    link = share_link_create(credential=held)
    credential_pdf(held, lang="en")
    client.force_login(held.owner)
    assert client.post(f"/wallet/c/{held.public_id}/delete").status_code == 302
    assert not WalletCredential.objects.filter(pk=held.pk).exists()
    assert Client().get(f"/wallet/s/{link.token}/").status_code == 410
    assert client.get(f"/wallet/c/{held.public_id}/").status_code == 404
    assert not CredentialPdf.objects.exists()


def test_the_holder_may_ask_for_a_pdf_carrying_a_new_link_that_ends_when_they_chose(
    client: Client, held: Any
) -> None:
    client.force_login(held.owner)
    day = (timezone.now() + dt.timedelta(days=20)).date()
    response = client.post(
        f"/wallet/c/{held.public_id}/share", {"expires_on": day.isoformat(), "note": "CV", "then": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    link = ShareLink.objects.get(credential=held)
    assert link.purpose == ShareLink.Purpose.PDF and link.expires_at.date() == day and link.note == "CV"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text().replace("\n", "")
    (path,) = re.findall(r"/wallet/s/[A-Za-z0-9_-]+/", text)
    assert f"Thelinkworksuntil{day:%-d%B%Y}." in text.replace(" ", "")
    assert Client().get(path).status_code == 200
    share_link_revoke(link=link)
    assert Client().get(path).status_code == 410
    assert not CredentialPdf.objects.exists()  # a PDF carrying a token is never stored
