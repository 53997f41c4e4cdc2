"""EDC 3 credentials (ELM 3 JSON-LD sealed with JAdES) are accepted everywhere a credential is: the verify page
(upload, paste), ``POST /api/v1/verify`` (``application/json``, ``application/ld+json``, ``application/jose+json``,
multipart), ``credential_verify`` and a PDF carrying one. Their bytes reach the seal check exactly as given: a
client that re-serialises the credential breaks its seal. What is not a credential gets a clear 400, never a 415 or
a 500."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader
from rest_framework.test import APIClient

from verification.reading import (
    InputTooLarge,
    UnusableInput,
    document_format,
    document_of_upload,
    extract_document,
    xml_of_upload,
)

from .conftest import run_cli
from .edc3 import JSON_TYPES, SIGNED, anchor_the_issuing_ca, edc3_sample, issuing_ca_pem, reserialised

pytestmark = pytest.mark.django_db
API = "/api/v1/verify"
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def anchored(db: None) -> None:
    anchor_the_issuing_ca()


def _statuses(checks: list[dict[str, Any]]) -> dict[str, str]:
    return {check["code"]: check["status"] for check in checks}


def _sealed_and_intact(checks: list[dict[str, Any]]) -> None:
    statuses = _statuses(checks)
    assert statuses["well_formed"] == "passed", checks
    assert statuses["seal_intact"] == "passed", checks


def _page_report(client: Client, response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    match = re.search(r"/verify/report/([\w-]+)\.json", response.content.decode())
    assert match, "the page shows no report"
    report = client.get(f"/verify/report/{match.group(1)}.json")
    assert report.status_code == 200
    body: dict[str, Any] = report.json()
    return body


def _visual() -> dict[str, Any]:
    """A visual representation to lay out around an attachment (what it shows does not matter here)."""
    from europass.core.visual import visual_context
    from europass.credentials.example import example_credential

    return visual_context(example_credential(site="http://127.0.0.1:8000"), seal=None, status=None, lang="en")


def _pdf_carrying(document: bytes) -> bytes:
    from europass.core.pdf import render_pdf

    return render_pdf(xml=document, visual=_visual(), qr_url="http://127.0.0.1:8000/verify/", lang="en")


# --- the page ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SIGNED)
def test_an_edc3_credential_uploaded_on_the_page_has_an_intact_seal(
    client: Client, anchored: None, name: str
) -> None:
    upload = SimpleUploadedFile(name, edc3_sample(name), content_type="application/ld+json")
    report = _page_report(client, client.post("/verify/", {"file": upload}))
    _sealed_and_intact(report["checks"])
    assert (
        _statuses(report["checks"])["certificate_trusted"] != "failed"
    )  # judged at the proven or claimed time
    assert report["verdict"] != "failed"


@pytest.mark.parametrize("name", SIGNED)
def test_an_edc3_credential_pasted_on_the_page_keeps_its_bytes_and_its_seal(
    client: Client, anchored: None, name: str
) -> None:
    text = edc3_sample(name).decode("utf-8")
    assert any(ord(character) > 127 for character in text)  # its UTF-8 must reach the seal check as pasted
    report = _page_report(client, client.post("/verify/", {"xml": text}))
    _sealed_and_intact(report["checks"])


def test_the_page_names_json_ld_and_offers_its_files() -> None:
    page = Client().get("/verify/").content.decode()
    assert "Paste the credential (XML or JSON-LD)" in page
    accept = re.search(r'accept="([^"]+)"', page)
    assert accept is not None
    offered = set(accept.group(1).split(","))
    assert {".xml", ".json", ".jsonld", ".pdf"} <= offered
    assert {"application/json", "application/ld+json", "application/xml", "application/pdf"} <= offered


def test_the_page_says_in_english_and_french_when_a_file_is_not_a_credential(client: Client) -> None:
    upload = SimpleUploadedFile("notes.txt", b"Dear employer, here is my diploma.")
    english = client.post("/verify/", {"file": upload})
    assert english.status_code == 400
    assert "This is not a credential: give its XML or JSON-LD file, or its PDF." in english.content.decode()
    upload = SimpleUploadedFile("notes.txt", b"Dear employer, here is my diploma.")
    french = client.post("/verify/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 400
    assert "Ce n'est pas une attestation" in french.content.decode().replace("&#x27;", "'")


# --- the API -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", JSON_TYPES)
@pytest.mark.parametrize("name", SIGNED)
def test_the_api_verifies_an_edc3_credential_sent_as_json(
    anchored: None, name: str, content_type: str
) -> None:
    response = APIClient().post(API, data=edc3_sample(name), content_type=content_type)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    _sealed_and_intact(body["checks"])
    assert body["valid"] is True and body["verdict"] != "failed"
    assert body["seal"]["level"] == "qualified"
    assert body["credential"] is not None


@pytest.mark.parametrize("name", SIGNED)
def test_the_api_verifies_an_edc3_credential_sent_as_a_multipart_file(anchored: None, name: str) -> None:
    upload = io.BytesIO(edc3_sample(name))
    upload.name = name
    response = APIClient().post(API, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content[:500]
    _sealed_and_intact(response.json()["checks"])


@pytest.mark.parametrize("content_type", [*JSON_TYPES, "application/json; charset=utf-8"])
def test_a_json_body_that_is_not_a_credential_is_a_clear_400(content_type: str) -> None:
    response = APIClient().post(API, data=b'{"hello": "world"}', content_type=content_type)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["error"] and body["detail"] and "Traceback" not in body["detail"]


@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_an_empty_json_body_is_a_clear_400(content_type: str) -> None:
    response = APIClient().post(API, data=b"", content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "empty"


@pytest.mark.parametrize("content_type", JSON_TYPES)
def test_a_json_body_larger_than_the_upload_limit_is_refused_with_413(
    settings: Any, content_type: str
) -> None:
    settings.VERIFY_MAX_UPLOAD_BYTES = 64 * 1024
    body = b'{"payload": "' + b"a" * (128 * 1024) + b'", "signatures": []}'
    response = APIClient().post(API, data=body, content_type=content_type)
    assert response.status_code == 413


def test_json_larger_than_the_document_limit_is_refused_with_413(settings: Any) -> None:
    settings.VERIFY_MAX_UPLOAD_BYTES = 256 * 1024
    settings.VERIFY_MAX_XML_BYTES = 64 * 1024
    body = b'{"payload": "' + b"a" * (128 * 1024) + b'", "signatures": []}'
    response = APIClient().post(API, data=body, content_type="application/ld+json")
    assert response.status_code == 413
    assert response.json()["error"] == "json_too_large"
    assert "The document is too large (at most" in response.json()["detail"]


def test_json_that_is_not_utf8_is_a_clear_400() -> None:
    body = '{"payload": "é", "signatures": []}'.encode("utf-16-le")
    response = APIClient().post(API, data=body, content_type="application/json")
    assert response.status_code == 400
    body = '{"payload": "é", "signatures": []}'.encode("latin-1")
    response = APIClient().post(API, data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "json_not_utf8"


def test_another_content_type_is_still_415() -> None:
    response = APIClient().post(API, data=b'{"hello": "world"}', content_type="text/plain")
    assert response.status_code == 415


def test_the_content_decides_the_format_not_the_declared_type(ours: bytes) -> None:
    response = APIClient().post(API, data=ours, content_type="application/ld+json")
    assert response.status_code == 200 and response.json()["verdict"] == "verified"


@pytest.mark.parametrize("name", SIGNED)
def test_a_credential_reserialised_by_the_client_fails_its_seal(anchored: None, name: str) -> None:
    changed = reserialised(edc3_sample(name))
    assert json.loads(json.loads(changed)["payload"]) == json.loads(json.loads(edc3_sample(name))["payload"])
    response = APIClient().post(API, data=changed, content_type="application/json")
    assert response.status_code == 422, response.content[:500]
    statuses = _statuses(response.json()["checks"])
    assert statuses["well_formed"] == "passed" and statuses["seal_intact"] == "failed"


@pytest.mark.parametrize("name", SIGNED)
def test_a_one_byte_change_in_the_payload_fails_the_seal(anchored: None, name: str) -> None:
    document = edc3_sample(name)
    position = document.index(b"urn:credential:") + len(b"urn:credential:")
    changed = document[:position] + (b"0" if document[position : position + 1] != b"0" else b"1")
    changed += document[position + 1 :]
    response = APIClient().post(API, data=changed, content_type="application/ld+json")
    assert response.status_code == 422
    assert _statuses(response.json()["checks"])["seal_intact"] == "failed"


@pytest.mark.parametrize("name", SIGNED)
def test_a_json_file_starting_with_a_byte_order_mark_is_read(anchored: None, name: str) -> None:
    document = BOM + edc3_sample(name)
    assert document_of_upload(document) == document  # handed on as given
    response = APIClient().post(API, data=document, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    _sealed_and_intact(response.json()["checks"])


def test_the_openapi_schema_documents_the_json_content_types() -> None:
    schema = Client().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    content = json.loads(schema.content)["paths"]["/api/v1/verify"]["post"]["requestBody"]["content"]
    expected = {"application/xml", "text/xml", "application/pdf", "multipart/form-data", *JSON_TYPES}
    assert expected <= set(content)
    assert "byte for byte" in content["application/ld+json"]["schema"]["description"]


# --- the command line ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SIGNED)
def test_the_cli_verifies_an_edc3_credential_with_its_issuing_ca_as_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    anchor = tmp_path / "anf-eseal-ca.pem"
    anchor.write_bytes(issuing_ca_pem(name))
    path = tmp_path / name
    path.write_bytes(edc3_sample(name))
    code, out, err = run_cli(capsys, str(path), "--trust-anchor", str(anchor), "--qualified", "--json")
    assert code == 0, out + err
    report = json.loads(out)
    _sealed_and_intact(report["checks"])
    assert (
        _statuses(report["checks"])["certificate_trusted"] != "failed"
    )  # judged at the proven or claimed time
    code, out, _ = run_cli(capsys, str(path), "--trust-anchor", str(anchor), "--qualified")
    assert code == 0 and "✓ seal_intact" in out and "✓ well_formed" in out


@pytest.mark.parametrize("name", SIGNED)
def test_the_cli_exits_1_for_a_reserialised_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(reserialised(edc3_sample(name)))
    code, out, _ = run_cli(capsys, str(path))
    assert code == 1 and "✗ seal_intact" in out


@pytest.mark.parametrize(
    "content",
    [b'{"hello": "world"}', b"{not json", b"[1, 2, 3]", b"just words", b""],
    ids=["json-not-a-credential", "broken-json", "json-array", "words", "empty"],
)
def test_the_cli_exits_2_for_what_is_not_a_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "c.jsonld"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, str(path))
    assert code == 2, out + err
    assert "Traceback" not in out + err


def test_the_cli_says_it_reads_json_ld() -> None:
    from verification.management.commands import credential_verify

    assert "JSON-LD" in (credential_verify.__doc__ or "")
    assert "JSON-LD" in credential_verify.Command.help


# --- reading what is given -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SIGNED)
def test_a_pdf_carrying_an_edc3_credential_attaches_it_as_credential_jsonld(name: str) -> None:
    document = edc3_sample(name)
    pdf = _pdf_carrying(document)
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["credential.jsonld"]
    trailer: Any = reader.trailer
    names = trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    embedded = names[1].get_object()["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/ld+json"
    assert extract_document(pdf) == document
    assert document_of_upload(pdf) == document and xml_of_upload(pdf) == document


@pytest.mark.parametrize("name", SIGNED)
def test_a_pdf_carrying_an_edc3_credential_verifies_on_the_page_and_the_api(
    client: Client, anchored: None, name: str
) -> None:
    pdf = _pdf_carrying(edc3_sample(name))
    response = APIClient().post(API, data=pdf, content_type="application/pdf")
    assert response.status_code == 200, response.content[:500]
    _sealed_and_intact(response.json()["checks"])
    upload = SimpleUploadedFile("credential.pdf", pdf, content_type="application/pdf")
    _sealed_and_intact(_page_report(client, client.post("/verify/", {"file": upload}))["checks"])


def test_the_format_is_told_by_the_first_byte() -> None:
    assert document_format(b"<x/>") == "elm2-xml"
    assert document_format(BOM + b"\n  <x/>") == "elm2-xml"
    assert document_format(b'{"a": 1}') == "edc3-jsonld"
    assert document_format(BOM + b' \r\n\t{"a": 1}') == "edc3-jsonld"
    assert document_format(b"[1]") is None and document_format(b"%PDF-1.7") is None


@pytest.mark.parametrize(
    ("data", "code", "error"),
    [
        (b"", "empty", UnusableInput),
        (b"  \n ", "empty", UnusableInput),
        (b"Dear employer", "not_a_credential", UnusableInput),
        (b"[{}]", "not_a_credential", UnusableInput),
        (b'{"a": "\xe9"}', "json_not_utf8", UnusableInput),
    ],
    ids=["empty", "blank", "words", "json-array", "latin-1"],
)
def test_what_is_not_a_credential_is_refused_before_the_verifier(
    data: bytes, code: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as refused:
        document_of_upload(data)
    assert getattr(refused.value, "code", None) == code


def test_the_document_limit_applies_to_json_and_the_old_setting_still_sets_it(settings: Any) -> None:
    settings.VERIFY_MAX_XML_BYTES = 1024 * 1024
    document = b'{"payload": "' + b"a" * (1024 * 1024) + b'"}'
    with pytest.raises(InputTooLarge) as refused:
        document_of_upload(document)
    assert refused.value.code == "json_too_large" and refused.value.status_code == 413
    assert refused.value.message == "The document is too large (at most 1 MB)."


def test_a_pdf_whose_attachment_is_neither_xml_nor_json_is_refused() -> None:
    pdf = _pdf_carrying(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    with pytest.raises(UnusableInput) as refused:
        document_of_upload(pdf)
    assert refused.value.code == "pdf_attachment_not_xml"
    assert "neither XML nor JSON" in refused.value.message
