"""The wallet page: 24 cards a page, the newest first, a search box (title and awarding body, in any language, any
case, with or without accents), and the same few queries whether the wallet holds one credential or 500."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from europass.status.services import status_set
from wallet.models import WalletCredential
from wallet.selectors import PAGE_SIZE
from wallet.summary import parse_credential, search_text, summarize

pytestmark = pytest.mark.django_db


def _fill(owner: Any, xml: bytes, count: int, *, titles: list[dict[str, str]] | None = None) -> None:
    """``count`` credentials, with the summary columns the service writes (distinct ids; the last one newest)."""
    summary = summarize(parse_credential(xml), xml)
    rows = []
    for i in range(count):
        title = titles[i] if titles else {"en": f"Certificate number {i}", "fr": f"Certificat numéro {i}"}
        rows.append(
            WalletCredential(
                owner=owner,
                credential_id=f"{summary.credential_id}-{i}",
                xml=xml,
                xml_sha256=summary.xml_sha256,
                source=WalletCredential.Source.ISSUED,
                title=title,
                awarding_body=summary.awarding_body,
                holder_name=summary.holder_name,
                holder_email=summary.holder_email,
                status_url=summary.status_url,
                status_index=i,
                search_text=search_text(title, summary.awarding_body),
            )
        )
    WalletCredential.objects.bulk_create(rows)


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/wallet/c/[^"]+/">([^<]+)</a></h2>', page)


def test_the_wallet_shows_24_cards_a_page_newest_first_with_links_to_the_others(
    client: Client, citizen: Any, sealed_xml: bytes
) -> None:
    _fill(citizen, sealed_xml, 50)
    client.force_login(citizen)
    first = client.get("/wallet/").content.decode()
    assert len(_titles(first)) == PAGE_SIZE == 24
    assert _titles(first)[0] == "Certificate number 49"
    assert "50 credentials in your wallet." in first
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    last = client.get("/wallet/?page=3").content.decode()
    assert _titles(last) == ["Certificate number 1", "Certificate number 0"]
    assert 'href="?page=2"' in last and "Page 3 of 3" in last
    assert _titles(client.get("/wallet/?page=99").content.decode()) == _titles(
        last
    )  # past the end: the last page


def test_a_page_of_a_wallet_of_500_costs_the_same_few_queries_as_a_wallet_of_one(
    client: Client, citizen: Any, sealed_xml: bytes, status_list: Any, django_assert_max_num_queries: Any
) -> None:
    _fill(citizen, sealed_xml, 1)
    client.force_login(citizen)
    client.get("/wallet/")  # the session, warm
    with CaptureQueriesContext(connection) as one:
        assert client.get("/wallet/").status_code == 200
    WalletCredential.objects.all().delete()
    _fill(citizen, sealed_xml, 500)
    status_set(status_list=status_list, index=499)  # the newest: on the first page
    with django_assert_max_num_queries(10):
        page = client.get("/wallet/").content.decode()
    with CaptureQueriesContext(connection) as many:
        client.get("/wallet/?page=7")
    with CaptureQueriesContext(connection) as searched:
        assert "Certificate number 77" in client.get("/wallet/?q=number+77").content.decode()
    assert len(many) == len(one) <= 10
    assert len(searched) <= 10
    assert page.count('data-status="revoked"') == 1 and page.count('data-status="valid"') == PAGE_SIZE - 1


def test_the_search_finds_titles_and_awarding_bodies_in_any_language_case_and_accents(
    client: Client, citizen: Any, sealed_xml: bytes
) -> None:
    _fill(
        citizen,
        sealed_xml,
        3,
        titles=[
            {"en": "Bachelor of Computer Science", "fr": "Licence d'informatique"},
            {"en": "Welding certificate", "fr": "Certificat de soudure"},
            {"en": "First aid", "fr": "Premiers secours"},
        ],
    )
    client.force_login(citizen)

    def found(search: str) -> list[str]:
        return _titles(client.get("/wallet/", {"q": search}).content.decode())

    assert found("welding") == ["Welding certificate"]
    assert found("SOUDURE") == ["Welding certificate"]  # its French title
    assert found("licence informatique") == ["Bachelor of Computer Science"]  # every word, in any order
    assert len(found("universite de demonstration")) == 3  # the awarding body, without its accents
    assert len(found("Demo University")) == 3
    empty = client.get("/wallet/", {"q": "astronaut"}).content.decode()
    assert "No credential in your wallet matches “astronaut”." in empty
    assert "Show all" in empty and "Export everything (zip)" in empty  # the wallet itself is not empty
    assert "1 credential matches “welding”." in client.get("/wallet/", {"q": "welding"}).content.decode()


def test_the_pages_of_a_search_keep_the_search(client: Client, citizen: Any, sealed_xml: bytes) -> None:
    _fill(citizen, sealed_xml, 30)
    client.force_login(citizen)
    page = client.get("/wallet/", {"q": "certificate"}).content.decode()
    assert 'href="?q=certificate&amp;page=2"' in page
    assert 'value="certificate"' in page
    assert len(_titles(client.get("/wallet/", {"q": "certificate", "page": "2"}).content.decode())) == 6


def test_an_empty_wallet_says_so_and_offers_no_search(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    page = client.get("/wallet/").content.decode()
    assert "Your wallet is empty." in page
    assert 'role="search"' not in page and "Export everything" not in page


def test_the_wallet_page_speaks_french(client: Client, citizen: Any, sealed_xml: bytes) -> None:
    _fill(citizen, sealed_xml, 30)
    client.force_login(citizen)
    page = client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "30 attestations dans votre portefeuille." in page
    assert "Rechercher par titre ou organisme certificateur" in page
    assert "Page 1 sur 2" in page and "Certificat numéro 29" in page
    search = client.get("/wallet/", {"q": "numero 29"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 attestation correspond à « numero 29 »." in search


def test_a_credential_received_or_uploaded_is_searchable_at_once(
    client: Client, held: Any, trusted: Any, make_sealed: Any
) -> None:
    from wallet.services import credential_upload

    credential_upload(owner=held.owner, data=make_sealed())
    client.force_login(held.owner)
    assert len(_titles(client.get("/wallet/", {"q": "computer science"}).content.decode())) == 2
    assert len(_titles(client.get("/wallet/", {"q": "Université"}).content.decode())) == 2


# --- no page read writes: links are made only by a POST, the stored PDF only by its service -----------------------


def test_reading_a_credential_its_downloads_and_the_export_writes_nothing(
    client: Client, held: Any, trusted: Any
) -> None:
    from rest_framework.test import APIClient

    from wallet.models import CredentialPdf, ShareLink

    client.force_login(held.owner)
    api = APIClient()
    api.force_authenticate(held.owner)
    reads = [
        client.get("/wallet/"),
        client.get(f"/wallet/c/{held.public_id}/"),
        client.get(f"/wallet/c/{held.public_id}/credential.pdf"),
        client.get(f"/wallet/c/{held.public_id}/credential.pdf", HTTP_ACCEPT_LANGUAGE="fr"),
        client.get("/wallet/export.zip"),
        api.get(f"/api/v1/wallet/credentials/{held.public_id}/download/pdf"),
    ]
    assert [response.status_code for response in reads] == [200] * 6
    assert not ShareLink.objects.exists() and not CredentialPdf.objects.exists()
    assert b"".join(reads[2]).startswith(b"%PDF-")


def test_the_stored_pdf_is_a_service_and_the_downloads_serve_it_without_rendering(
    client: Client, held: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wallet.presenting
    from wallet.models import CredentialPdf
    from wallet.services import credential_pdf_store

    stored = credential_pdf_store(credential=held, lang="en")
    assert CredentialPdf.objects.filter(xml_sha256=held.xml_sha256).count() == 1

    def no_render(**kwargs: Any) -> bytes:
        raise AssertionError("rendered although a stored copy exists")

    monkeypatch.setattr(wallet.presenting, "render_pdf", no_render)
    client.force_login(held.owner)
    assert client.get(f"/wallet/c/{held.public_id}/credential.pdf").content == stored
    assert credential_pdf_store(credential=held, lang="en") == stored and CredentialPdf.objects.count() == 1


def test_a_credential_entering_a_wallet_has_its_pdfs_prepared_by_a_worker_once_committed(
    citizen: Any,
    sealed_xml: bytes,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import wallet.tasks
    from wallet.models import CredentialPdf
    from wallet.services import credential_pdfs_prepare, credential_receive

    settings.WALLET_PDF_PREPARE = True
    asked: list[int] = []
    monkeypatch.setattr(wallet.tasks.pdf_prepare, "delay", asked.append)
    with django_capture_on_commit_callbacks(execute=True):
        credential = credential_receive(owner=citizen, xml=sealed_xml)
        credential_receive(owner=citizen, xml=sealed_xml)  # the same one again: nothing new to prepare
    assert asked == [credential.pk]
    assert credential_pdfs_prepare(credential_id=credential.pk) == 2  # English and French
    assert credential_pdfs_prepare(credential_id=credential.pk) == 0
    assert CredentialPdf.objects.filter(xml_sha256=credential.xml_sha256).count() == 2
    assert credential_pdfs_prepare(credential_id=10**9) == 0  # removed meanwhile


def test_a_broker_that_does_not_answer_loses_only_the_prepared_copy(
    citizen: Any,
    sealed_xml: bytes,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import wallet.tasks
    from wallet.services import credential_receive

    settings.WALLET_PDF_PREPARE = True

    def down(credential_id: int) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(wallet.tasks.pdf_prepare, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        credential = credential_receive(owner=citizen, xml=sealed_xml)
    assert credential.pk is not None
