"""A credential obtained elsewhere is verified before it is kept: a broken seal is refused with the reason, an
issuer not trusted here is kept with a visible warning, a PDF of ours is read through its attached XML."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

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
