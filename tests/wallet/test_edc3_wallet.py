"""A citizen keeps an EDC 3 credential (ELM 3 JSON-LD sealed with JAdES) like any other: uploaded (the file or a PDF
carrying it), stored byte for byte with its format, listed, shown, shared by link, downloaded as
``credential-….jsonld`` (``application/ld+json``), and its PDF carries it as ``credential.jsonld`` and verifies
again on the verify page."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from europass.registry.text import pick
from tests.verification.edc3 import SIGNED, anchor_the_issuing_ca, edc3_sample, reserialised
from verification.reading import extract_document
from wallet.models import ShareLink, WalletCredential

pytestmark = pytest.mark.django_db
JSONLD = "application/ld+json"


@pytest.fixture
def anchored(db: None) -> None:
    anchor_the_issuing_ca()


def _upload(client: Client, name: str, data: bytes) -> Any:
    return client.post("/wallet/upload/", {"file": SimpleUploadedFile(name, data)})


def _held(client: Client, citizen: Any, name: str) -> WalletCredential:
    client.force_login(citizen)
    response = _upload(client, name, edc3_sample(name))
    assert response.status_code == 302, response.content.decode()[:2000]
    return WalletCredential.objects.get(owner=citizen)


def _page_report(client: Client, response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    match = re.search(r"/verify/report/([\w-]+)\.json", response.content.decode())
    assert match, "the page shows no report"
    checks = client.get(f"/verify/report/{match.group(1)}.json").json()["checks"]
    return {check["code"]: check["status"] for check in checks}


def _sealed_and_intact(statuses: dict[str, str]) -> None:
    assert statuses["well_formed"] == "passed", statuses
    assert statuses["seal_intact"] == "passed", statuses


def _share(client: Client, held: WalletCredential) -> str:
    expires_on = (timezone.now() + dt.timedelta(days=10)).date().isoformat()
    response = client.post(
        f"/wallet/c/{held.public_id}/share", {"expires_on": expires_on, "note": "employer"}
    )
    assert response.status_code == 201, response.content.decode()[:2000]
    (url,) = re.findall(r'value="([^"]+)"[^>]*data-testid="share-url"', response.content.decode())
    return str(url)


def _download_name(response: Any) -> str:
    match = re.search(r'filename="([^"]+)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match.group(1)


@pytest.mark.parametrize("name", SIGNED)
def test_an_edc3_credential_is_uploaded_listed_shown_shared_downloaded_and_its_pdf_verifies(
    client: Client, citizen: Any, anchored: None, name: str
) -> None:
    document = edc3_sample(name)
    held = _held(client, citizen, name)
    # Stored byte for byte, with its format.
    assert held.document == document and held.xml_sha256 == hashlib.sha256(document).hexdigest()
    assert held.document_format == WalletCredential.Format.EDC3_JSONLD and held.is_jsonld
    assert held.source == WalletCredential.Source.UPLOADED and held.credential_id
    title = pick(held.title, "en")
    assert title

    # Listed and shown.
    listing = client.get("/wallet/").content.decode()
    assert f"/wallet/c/{held.public_id}/" in listing and title in listing.replace("&#x27;", "'")
    detail = client.get(f"/wallet/c/{held.public_id}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert title in page.replace("&#x27;", "'")
    assert f"/wallet/c/{held.public_id}/credential.jsonld" in page
    assert f"/wallet/c/{held.public_id}/credential.xml" not in page

    # Downloaded as it was sealed, named and typed as JSON-LD; it has no XML form.
    download = client.get(f"/wallet/c/{held.public_id}/credential.jsonld")
    assert download.status_code == 200 and download.content == document
    assert download["Content-Type"] == JSONLD
    assert _download_name(download) == f"credential-{held.public_id}.jsonld"
    assert client.get(f"/wallet/c/{held.public_id}/credential.xml").status_code == 404

    # Shared by link: the public page shows it verified live, and offers its JSON-LD.
    url = _share(client, held)
    anonymous = Client()
    shared = anonymous.get(url)
    assert shared.status_code == 200
    shared_page = shared.content.decode()
    assert title in shared_page.replace("&#x27;", "'") and 'data-verdict="failed"' not in shared_page
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert f"/wallet/s/{token}/credential.jsonld" in shared_page
    assert f"/wallet/s/{token}/credential.xml" not in shared_page
    shared_download = anonymous.get(f"/wallet/s/{token}/credential.jsonld")
    assert shared_download.content == document and shared_download["Content-Type"] == JSONLD
    assert anonymous.get(f"/wallet/s/{token}/credential.xml").status_code == 404
    # The verifier given the share link verifies the credential behind it.
    _sealed_and_intact(_page_report(anonymous, anonymous.post("/verify/", {"url": url})))

    # The PDF carries the sealed JSON-LD as credential.jsonld, and verifies again on the verify page.
    pdf = client.get(f"/wallet/c/{held.public_id}/credential.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert reader.attachments["credential.jsonld"] == [document]
    assert "credential.xml" not in reader.attachments
    assert "attached to it as credential.jsonld" in reader.pages[0].extract_text().replace("\n", " ")
    assert extract_document(pdf.content) == document
    upload = SimpleUploadedFile("credential.pdf", pdf.content, content_type="application/pdf")
    _sealed_and_intact(_page_report(anonymous, anonymous.post("/verify/", {"file": upload})))
    shared_pdf = anonymous.get(f"/wallet/s/{token}/credential.pdf")
    assert extract_document(shared_pdf.content) == document


@pytest.mark.parametrize("name", SIGNED)
def test_the_pdf_of_an_edc3_credential_uploaded_to_another_wallet_keeps_the_json_ld(
    client: Client, citizen: Any, other_citizen: Any, anchored: None, name: str
) -> None:
    held = _held(client, citizen, name)
    pdf = client.get(f"/wallet/c/{held.public_id}/credential.pdf").content
    other = Client()
    other.force_login(other_citizen)
    assert _upload(other, "credential.pdf", pdf).status_code == 302
    copy = WalletCredential.objects.get(owner=other_citizen)
    assert copy.document == edc3_sample(name) and copy.is_jsonld


def test_a_reserialised_edc3_credential_is_refused_with_the_reason(
    client: Client, citizen: Any, anchored: None
) -> None:
    client.force_login(citizen)
    response = _upload(client, SIGNED[0], reserialised(edc3_sample(SIGNED[0])))
    assert response.status_code == 400
    assert "cannot be added to your wallet" in response.content.decode().replace("&#x27;", "'")
    assert not WalletCredential.objects.exists()


def test_json_that_is_not_a_credential_is_refused_politely(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    response = _upload(client, "notes.json", b'{"hello": "world"}')
    assert response.status_code == 400
    assert not WalletCredential.objects.exists()


def test_the_upload_form_offers_json_ld(client: Client, citizen: Any) -> None:
    client.force_login(citizen)
    page = client.get("/wallet/upload/").content.decode()
    accept = re.search(r'accept="([^"]+)"', page)
    assert accept is not None and {".jsonld", ".json", JSONLD} <= set(accept.group(1).split(","))


@pytest.mark.parametrize("name", SIGNED)
def test_the_wallet_api_takes_an_edc3_credential_and_gives_it_back(
    citizen: Any, anchored: None, name: str
) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen).key}")
    upload = SimpleUploadedFile(name, edc3_sample(name), content_type=JSONLD)
    created = api.post("/api/v1/wallet/credentials", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content[:500]
    public_id = created.json()["id"]
    detail = api.get(f"/api/v1/wallet/credentials/{public_id}").json()
    statuses = {check["code"]: check["status"] for check in detail["verification"]["checks"]}
    _sealed_and_intact(statuses)
    download = api.get(f"/api/v1/wallet/credentials/{public_id}/download/jsonld")
    assert download.status_code == 200 and download.content == edc3_sample(name)
    assert download["Content-Type"] == JSONLD
    assert api.get(f"/api/v1/wallet/credentials/{public_id}/download/xml").status_code == 404


def test_the_export_names_an_edc3_credential_by_its_format(
    client: Client, citizen: Any, anchored: None
) -> None:
    held = _held(client, citizen, SIGNED[0])
    archive = zipfile.ZipFile(io.BytesIO(client.get("/wallet/export.zip").content))
    (entry,) = json.loads(archive.read("manifest.json"))["credentials"]
    assert entry["format"] == "edc3-jsonld" and "xml" not in entry
    assert entry["jsonld"].endswith(f"{held.public_id}.jsonld")
    assert archive.read(entry["jsonld"]) == edc3_sample(SIGNED[0])
    assert extract_document(archive.read(entry["pdf"])) == edc3_sample(SIGNED[0])


def test_credentials_kept_before_edc3_are_xml(held: Any, sealed_xml: bytes) -> None:
    """What the wallet held before the format was recorded (every row then was XML) keeps its XML downloads."""
    assert held.document_format == WalletCredential.Format.ELM2_XML and not held.is_jsonld
    assert (held.document_name, held.media_type) == ("credential.xml", "application/xml")
    client = Client()
    client.force_login(held.owner)
    download = client.get(f"/wallet/c/{held.public_id}/credential.xml")
    assert download.content == sealed_xml and download["Content-Type"] == "application/xml"
    assert _download_name(download) == f"credential-{held.public_id}.xml"
    assert not ShareLink.objects.exists()
