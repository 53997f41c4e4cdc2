"""Credentials reach the wallet: straight in for a verified email, through a one-time emailed link otherwise."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from wallet.models import ClaimToken, WalletCredential
from wallet.services import credential_deliver

from .conftest import CITIZEN, OTHER

pytestmark = pytest.mark.django_db


def _deliver(xml: bytes, email: str) -> str:
    return credential_deliver(
        xml=xml, holder_email=email, credential_id="urn:x", issuer_name="Demo University", title="Bachelor"
    )


def _claim_path(message: Any) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/wallet/claim/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_credential_sealed_for_a_verified_email_lands_in_that_wallet_once(
    citizen: Any, sealed_xml: bytes
) -> None:
    assert _deliver(sealed_xml, CITIZEN.upper()) == "wallet"
    assert _deliver(sealed_xml, CITIZEN) == "wallet"
    held = WalletCredential.objects.get(owner=citizen)
    assert bytes(held.xml) == sealed_xml
    assert held.title["fr"] == "Licence d'informatique"
    assert held.awarding_body["en"] == "Demo University"
    assert str(held.awarded_on) == "2024-06-30"
    assert held.status_index == 7
    assert mail.outbox == []


def test_an_unverified_email_gets_one_bilingual_claim_link_and_no_wallet_entry(sealed_xml: bytes) -> None:
    assert _deliver(sealed_xml, "new@example.org") == "emailed"
    assert _deliver(sealed_xml, "new@example.org") == "emailed"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "add it to your wallet" in body and "ajouter à votre portefeuille" in body
    assert WalletCredential.objects.count() == 0


def test_the_claim_email_says_everything_in_english_then_in_french(sealed_xml: bytes) -> None:
    credential_deliver(
        xml=sealed_xml,
        holder_email="new@example.org",
        credential_id="urn:x",
        issuer_name="O'Brien & Daughters",
        title="Bachelor",
    )
    message = mail.outbox[0]
    assert message.subject == "Your credential is ready / Votre attestation est prête"
    english, french = message.body.split("\n---\n")
    url = "http://127.0.0.1:8000" + _claim_path(message)
    assert english.startswith("Hello,") and french.strip().startswith("Bonjour,")
    assert "O'Brien & Daughters has issued you a digital credential: Bachelor." in english  # not HTML-escaped
    assert "O'Brien & Daughters vous a délivré une attestation numérique : Bachelor." in french
    assert url in english and url in french
    assert "The link works once, for 90 days." in english
    assert "Le lien ne fonctionne qu'une fois, pendant 90 jours." in french


def test_the_claim_token_is_stored_only_as_a_hash(sealed_xml: bytes) -> None:
    _deliver(sealed_xml, "new@example.org")
    token = _claim_path(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 32  # 24 random bytes, base64url
    stored = ClaimToken.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_whoever_signs_in_with_the_claim_link_gets_the_credential_and_the_link_then_stops(
    client: Client, other_citizen: Any, sealed_xml: bytes
) -> None:
    _deliver(sealed_xml, "new@example.org")
    path = _claim_path(mail.outbox[0])
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    client.force_login(other_citizen)
    page = client.get(path)
    assert page.status_code == 200 and "Demo University" in page.content.decode()
    assert WalletCredential.objects.count() == 0  # a GET changes nothing
    added = client.post(path)
    assert added.status_code == 302
    held = WalletCredential.objects.get(owner=other_citizen)
    assert held.source == WalletCredential.Source.CLAIMED and bytes(held.xml) == sealed_xml
    assert bytes(ClaimToken.objects.get().xml) == b""  # the wallet keeps the only copy

    again = client.post(path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert WalletCredential.objects.count() == 1


def test_an_unknown_claim_link_is_a_friendly_404(client: Client, other_citizen: Any) -> None:
    client.force_login(other_citizen)
    response = client.get("/wallet/claim/not-a-real-token/")
    assert response.status_code == 404
    assert "unknown" in response.content.decode()


def test_the_claim_page_speaks_french(client: Client, other_citizen: Any, sealed_xml: bytes) -> None:
    _deliver(sealed_xml, OTHER.replace("other", "third"))
    path = _claim_path(mail.outbox[0])
    client.force_login(other_citizen)
    client.post(path)
    response = client.post(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 410
