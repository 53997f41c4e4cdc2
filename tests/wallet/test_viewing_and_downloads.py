"""The detail page is the visual representation; downloads: byte-identical XML, the PDF (cached, carrying the XML),
JSON-LD, everything as a zip; the same PDF from the command line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from europass.registry.selectors import trust_store
from europass.sealing.verify import verify
from verification.reading import extract_xml
from wallet.models import CredentialPdf, ShareLink
from wallet.presenting import credential_pdf

pytestmark = pytest.mark.django_db


def test_the_detail_page_shows_every_element_of_the_visual_representation(
    client: Client, held: Any, trusted: Any
) -> None:
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    for expected in (
        "Camille Martin",
        "Bachelor of Computer Science",
        "EQF level",
        "National (NQF) level",
        "180 ECTS",
        "Mention bien (15.2/20)",
        "Design, implement and test software of medium size.",
        "Demo University",
        "VATFR-12345678901",
        "30 June 2024",
        "Qualified electronic seal",
        "This credential does not expire.",
        'data-status="valid"',
    ):
        assert expected in page, expected


def test_the_detail_page_shows_the_interface_language_and_the_credentials_own(
    client: Client, held: Any, trusted: Any
) -> None:
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Licence d&#x27;informatique" in page
    assert '<p class="cv-own cv-subtitle" lang="en">Bachelor of Computer Science</p>' in page
    assert "Concevoir, réaliser et tester un logiciel de taille moyenne." in page


def test_an_untrusted_seal_is_labelled_as_such_on_the_detail_page(client: Client, held: Any) -> None:
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert "Electronic seal of an issuer not trusted here" in page


def test_the_xml_download_is_byte_identical_to_what_was_sealed(
    client: Client, held: Any, sealed_xml: bytes
) -> None:
    client.force_login(held.owner)
    response = client.get(f"/wallet/c/{held.public_id}/credential.xml")
    assert response["Content-Type"] == "application/xml"
    assert response.content == sealed_xml


def test_the_pdf_is_a4_carries_the_sealed_xml_that_the_core_verifier_accepts(
    client: Client, held: Any, trusted: Any, sealed_xml: bytes
) -> None:
    client.force_login(held.owner)
    response = client.get(f"/wallet/c/{held.public_id}/credential.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    assert "Camille Martin" in text and "Bachelor of Computer Science" in text
    embedded = reader.attachments["credential.xml"][0]
    assert embedded == sealed_xml
    report = verify(embedded, trust_store())
    assert report.valid and report.verdict == "verified"
    assert extract_xml(response.content) == sealed_xml


def test_the_holders_own_pdf_sends_its_reader_to_the_verifier_and_makes_no_public_link(
    client: Client, held: Any
) -> None:
    client.force_login(held.owner)
    pdf = client.get(f"/wallet/c/{held.public_id}/credential.pdf").content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", " ")
    assert "http://127.0.0.1:8000/verify/" in text and "/wallet/s/" not in text
    assert "open the verifier" in text
    assert not ShareLink.objects.exists()


def test_the_pdf_is_rendered_once_and_then_served_from_the_store(
    held: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = credential_pdf(held, lang="en")
    assert CredentialPdf.objects.filter(xml_sha256=held.xml_sha256).count() == 1
    import wallet.presenting

    def no_render(**kwargs: Any) -> bytes:
        raise AssertionError("rendered twice")

    monkeypatch.setattr(wallet.presenting, "render_pdf", no_render)
    assert credential_pdf(held, lang="en") == first
    assert CredentialPdf.objects.count() == 1


def test_the_json_ld_download_of_an_xml_credential_is_valid_json_ld_that_loses_no_term(
    client: Client, held: Any
) -> None:
    from pyld import jsonld

    from europass.credentials.shacl import SHAPES_DIR, _Loader

    client.force_login(held.owner)
    document = json.loads(client.get(f"/wallet/c/{held.public_id}/credential.jsonld").content)
    assert document["@context"][0] == "https://www.w3.org/2018/credentials/v1"  # VC 2.0 cannot join edc-ap
    assert "VerifiableCredential" in document["type"]
    assert document["id"] == held.credential_id
    expanded = jsonld.expand(document, {"documentLoader": _Loader(SHAPES_DIR)})
    dropped = jsonld.expand(
        {**document, "@context": document["@context"] + [{"@vocab": "urn:dropped#"}]},
        {"documentLoader": _Loader(SHAPES_DIR)},
    )
    assert "urn:dropped#" not in json.dumps(dropped) and expanded  # every key is a term of the contexts


def test_export_gives_one_zip_with_xml_pdf_and_a_manifest(
    client: Client, held: Any, sealed_xml: bytes
) -> None:
    client.force_login(held.owner)
    response = client.get("/wallet/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    (entry,) = manifest["credentials"]
    assert entry["id"] == str(held.public_id) and entry["status"] == "valid"
    assert archive.read(entry["xml"]) == sealed_xml
    assert archive.read(entry["pdf"]).startswith(b"%PDF-")


def test_the_command_line_renders_the_same_pdf_with_the_xml_inside(tmp_path: Path, sealed_xml: bytes) -> None:
    source = tmp_path / "sealed.xml"
    source.write_bytes(sealed_xml)
    out = tmp_path / "out.pdf"
    call_command("credential_pdf", str(source), "-o", str(out), "--lang", "fr", stdout=io.StringIO())
    reader = PdfReader(out)
    assert reader.attachments["credential.xml"][0] == sealed_xml
    assert "Licence d'informatique" in reader.pages[0].extract_text()


def test_the_pages_show_the_signed_document_not_the_database_summary(client: Client, held: Any) -> None:
    from wallet.models import WalletCredential

    WalletCredential.objects.filter(pk=held.pk).update(
        title={"en": "Forged Doctorate"}, holder_name="Mallory"
    )
    client.force_login(held.owner)
    page = client.get(f"/wallet/c/{held.public_id}/").content.decode()
    assert "Forged Doctorate" not in page and "Mallory" not in page
    assert "Bachelor of Computer Science" in page and "Camille Martin" in page


def test_the_pdf_renderer_fetches_nothing_outside_the_portal() -> None:
    from europass.core.pdf import local_only_fetcher

    fetcher = local_only_fetcher()
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "https://example.org/logo.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    css = fetcher.fetch("http://127.0.0.1:8000/static/wallet/visual.css")
    assert b".credential-visual" in css.read()
