"""A credential obtained elsewhere is verified before it is kept: a broken seal is refused with the reason, an
issuer not trusted here is kept with a visible warning, a PDF of ours is read through its attached XML."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from wallet.models import WalletCredential
from wallet.presenting import credential_pdf

pytestmark = pytest.mark.django_db


def _upload(client: Client, name: str, data: bytes, **extra: Any) -> Any:
    return client.post("/wallet/upload/", {"file": SimpleUploadedFile(name, data)}, **extra)


def test_a_trusted_sealed_credential_is_verified_and_added(
    client: Client, citizen: Any, trusted: Any, sealed_xml: bytes
) -> None:
    client.force_login(citizen)
    response = _upload(client, "mine.xml", sealed_xml)
    assert response.status_code == 302
    held = WalletCredential.objects.get(owner=citizen)
    assert held.source == WalletCredential.Source.UPLOADED and held.warning == {}
    assert bytes(held.xml) == sealed_xml


def test_a_broken_seal_is_refused_with_the_reason(
    client: Client, citizen: Any, trusted: Any, sealed_xml: bytes
) -> None:
    client.force_login(citizen)
    tampered = sealed_xml.replace(b"Camille", b"Camilla", 1)
    response = _upload(client, "tampered.xml", tampered)
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be added to your wallet" in page
    assert "seal" in page.lower()
    assert not WalletCredential.objects.exists()


def test_bytes_that_are_not_a_credential_are_refused_politely(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    response = _upload(client, "notes.xml", b"this is not xml at all")
    assert response.status_code == 400
    assert not WalletCredential.objects.exists()


def test_an_untrusted_issuer_is_kept_with_a_visible_warning(
    client: Client, citizen: Any, trusted: Any, foreign_sealed_xml: bytes
) -> None:
    client.force_login(citizen)
    assert _upload(client, "foreign.xml", foreign_sealed_xml).status_code == 302
    held = WalletCredential.objects.get(owner=citizen)
    assert held.warning["en"] and held.warning["fr"]
    assert "Issuer not trusted here" in client.get("/wallet/").content.decode()
    detail = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert held.warning["en"].split(".")[0] in detail.replace("&#x27;", "'")


def test_a_pdf_of_this_portal_is_accepted_and_keeps_the_exact_xml(
    client: Client, held: Any, other_citizen: Any, trusted: Any, sealed_xml: bytes
) -> None:
    pdf = credential_pdf(held, lang="en")
    client.force_login(other_citizen)
    assert _upload(client, "credential.pdf", pdf).status_code == 302
    assert bytes(WalletCredential.objects.get(owner=other_citizen).xml) == sealed_xml


def test_the_same_credential_twice_is_refused_as_already_there(
    client: Client, held: Any, trusted: Any, sealed_xml: bytes
) -> None:
    client.force_login(held.owner)
    response = _upload(client, "again.xml", sealed_xml)
    assert response.status_code == 400
    assert "already in your wallet" in response.content.decode()


def test_a_wallet_full_of_uploads_refuses_another_with_a_clear_message(
    client: Client, held: Any, trusted: Any, make_sealed: Any, settings: Any
) -> None:
    settings.WALLET_MAX_UPLOADED_CREDENTIALS = 2
    client.force_login(held.owner)  # ``held`` was issued to them: it does not count
    assert _upload(client, "one.xml", make_sealed()).status_code == 302
    assert _upload(client, "two.xml", make_sealed()).status_code == 302
    refused = _upload(client, "three.xml", make_sealed())
    assert refused.status_code == 400
    assert "already keeps 2 credentials you uploaded" in refused.content.decode()
    api = APIClient()
    api.force_authenticate(held.owner)
    answer = api.post("/api/v1/wallet/credentials", {"file": SimpleUploadedFile("c.xml", make_sealed())})
    assert answer.status_code == 409 and answer.json()["error"] == "upload_limit_reached"
    assert WalletCredential.objects.filter(owner=held.owner).count() == 3
    uploaded = WalletCredential.objects.filter(owner=held.owner, source=WalletCredential.Source.UPLOADED)
    assert client.post(f"/wallet/c/{uploaded.first().public_id}/delete").status_code == 302  # type: ignore[union-attr]
    assert _upload(client, "three.xml", make_sealed()).status_code == 302


def test_the_bound_is_checked_before_the_file_is_even_verified(
    client: Client, citizen: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wallet.services

    settings.WALLET_MAX_UPLOADED_CREDENTIALS = 0

    def no_verification(**kwargs: Any) -> Any:
        raise AssertionError("verified a file the wallet cannot keep")

    monkeypatch.setattr(wallet.services, "verify_file", no_verification)
    client.force_login(citizen)
    assert "the most it can hold" in _upload(client, "big.pdf", b"%PDF-" + b"0" * 1000).content.decode()


def test_a_citizen_uploading_too_often_is_asked_to_wait_on_the_page_and_the_api(
    client: Client, citizen: Any, other_citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()  # the counts of earlier runs (user ids repeat)
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "wallet_upload": "3/hour"}
    )
    client.force_login(citizen)
    api = APIClient()
    api.force_authenticate(citizen)
    assert _upload(client, "a.xml", b"not a credential").status_code == 400
    assert _upload(client, "b.xml", b"not a credential").status_code == 400
    assert (
        api.post("/api/v1/wallet/credentials", {"file": SimpleUploadedFile("c.xml", b"no")}).status_code
        == 400
    )
    page = _upload(client, "d.xml", b"not a credential")
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "You have uploaded many credentials in a short time" in page.content.decode()
    refused = api.post("/api/v1/wallet/credentials", {"file": SimpleUploadedFile("e.xml", b"no")})
    assert refused.status_code == 429 and "many credentials" in refused.json()["detail"]
    assert client.get("/wallet/upload/").status_code == 200  # only uploads are counted
    assert api.get("/api/v1/wallet/credentials").status_code == 200
    other = Client()
    other.force_login(other_citizen)
    assert _upload(other, "f.xml", b"not a credential").status_code == 400  # per citizen
