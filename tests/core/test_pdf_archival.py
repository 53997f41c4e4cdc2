"""Every PDF of the portal is archivable and accessible: PDF/A-3b (XMP identification, title and language, fonts
embedded, an sRGB output intent, a file identifier), tagged (structure tree, the QR code a Figure with a text
alternative, ``/Lang``, the title displayed), and the sealed credential is its associated source file (``/AF``,
``/AFRelationship /Source``, media type, size and dates), still read back by the verifier.

Read here with pypdf; when veraPDF is installed (``verapdf`` on the PATH, or ``VERAPDF`` naming its launcher) the
same PDFs are also given to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, IndirectObject, StreamObject

from europass.core.pdf import pdf_of_sealed, render_pdf
from europass.core.visual import visual_context
from europass.credentials.example import example_credential
from europass.sealing.demo import make_demo_pki
from europass.sealing.seal import Sealer
from tests.verification.edc3 import SIGNED, edc3_sample
from verification.presenting import report_pdf
from verification.reading import extract_document
from verification.services import verify_document, verify_upload

pytestmark = pytest.mark.django_db

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
}
QR_ALT = {"en": "QR code to verify this credential", "fr": "QR code pour vérifier cette attestation"}


@pytest.fixture(scope="module")
def sealed() -> bytes:
    return Sealer(make_demo_pki().seal).seal(example_credential(site="http://127.0.0.1:8000").to_xml())


def _qr_url() -> str:
    return settings.SITE_URL + "/verify/"


def _catalog(pdf: bytes) -> tuple[PdfReader, Any]:
    """The reader and the document catalog (pypdf's objects, typed loosely: read as dictionaries)."""
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    root: Any = reader.trailer["/Root"].get_object()
    assert isinstance(root, DictionaryObject)
    return reader, root


def _xmp_value(description_parent: Any, namespace: str, name: str) -> list[str]:
    """A property of the XMP packet, written as an attribute of an rdf:Description or as an element (simple, or an
    rdf:Alt / rdf:Bag / rdf:Seq of rdf:li)."""
    values = []
    for description in description_parent.iter(f"{{{NS['rdf']}}}Description"):
        attribute = description.get(f"{{{NS[namespace]}}}{name}")
        if attribute is not None:
            values.append(attribute)
        for element in description.findall(f"{namespace}:{name}", NS):
            items = element.findall(".//rdf:li", NS) or [element]
            values.extend(item.text or "" for item in items)
    return values


def _xmp(root: Any) -> Any:
    metadata = root["/Metadata"].get_object()
    assert metadata["/Type"] == "/Metadata" and metadata["/Subtype"] == "/XML"
    packet = metadata.get_data()
    assert packet.startswith(b"<?xpacket begin=") and packet.rstrip().endswith(b'<?xpacket end="r"?>')
    return etree.fromstring(packet, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def _struct_elements(root: Any) -> list[Any]:
    """Every structure element, depth first in the tree's order (the reading order)."""
    found: list[Any] = []
    tree = root["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot" and "/ParentTree" in tree
    pending = list(reversed(list(tree["/K"])))
    while pending:
        element = pending.pop().get_object()
        if not isinstance(element, DictionaryObject) or element.get("/Type") != "/StructElem":
            continue  # a marked-content id or an object reference
        found.append(element)
        kids = element.get("/K")
        if isinstance(kids, ArrayObject):
            pending.extend(reversed(list(kids)))
        elif isinstance(kids, IndirectObject):
            pending.append(kids)
    return found


def _fonts(reader: PdfReader) -> list[Any]:
    fonts: list[Any] = []
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        for font in resources["/Font"].get_object().values():
            fonts.append(font.get_object())
    return fonts


def assert_archival(pdf: bytes, *, lang: str, title: str) -> tuple[PdfReader, Any]:
    """What PDF/A-3b and tagging require of every PDF of ours, read from the file."""
    assert pdf.startswith(b"%PDF-1.7\n%") and all(byte > 127 for byte in pdf.split(b"\n")[1][1:5])
    reader, root = _catalog(pdf)
    assert not reader.is_encrypted and "/Encrypt" not in reader.trailer
    trailer: Any = reader.trailer
    ids = trailer["/ID"]
    assert len(ids) == 2 and ids[0] and ids[1]

    xmp = _xmp(root)
    assert _xmp_value(xmp, "pdfaid", "part") == ["3"]
    assert _xmp_value(xmp, "pdfaid", "conformance") == ["B"]
    info = reader.metadata
    assert info is not None and info.title == title
    assert _xmp_value(xmp, "dc", "title") == [title]  # the same in the document information and in XMP
    assert _xmp_value(xmp, "pdf", "Producer") == [info.producer]
    assert _xmp_value(xmp, "dc", "language") == [lang]

    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert all(page["/Tabs"] == "/S" for page in reader.pages)
    elements = _struct_elements(root)
    assert elements[0]["/S"] == "/Document"
    assert "/P" in {element["/S"] for element in elements}

    (intent,) = root["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"  # an ICC profile, RGB
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        assert "/ToUnicode" in font, font["/BaseFont"]
        described = font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font
        descriptor = described["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), (
            f"{font['/BaseFont']} not embedded"
        )
        assert "DejaVu" in str(font["/BaseFont"])
    return reader, root


def assert_source_attached(root: Any, document: bytes, *, name: str, media_type: str) -> None:
    """The sealed document is the PDF's associated source file, and the one the EmbeddedFiles name tree names."""
    (reference,) = root["/AF"]
    spec = reference.get_object()
    assert spec["/Type"] == "/Filespec" and spec["/F"] == name and spec["/UF"] == name
    assert spec["/AFRelationship"] == "/Source" and spec["/Desc"]
    names = root["/Names"]["/EmbeddedFiles"].get_object()["/Names"]
    assert list(names[::2]) == [name] and names[1].idnum == reference.idnum
    stream = spec["/EF"]["/F"].get_object()
    assert isinstance(stream, StreamObject) and stream["/Type"] == "/EmbeddedFile"
    assert stream["/Subtype"] == "/" + media_type
    params: Any = stream["/Params"]
    assert params["/Size"] == len(document)
    assert bytes(params["/CheckSum"].original_bytes) == hashlib.md5(document, usedforsecurity=False).digest()
    for date in (params["/ModDate"], params["/CreationDate"]):
        assert re.fullmatch(r"D:\d{14}Z", date)
    assert stream.get_data() == document


def _figures(root: Any) -> list[str]:
    return [str(element.get("/Alt")) for element in _struct_elements(root) if element["/S"] == "/Figure"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_batch_zip_s_pdf_is_tagged_pdf_a_3b_with_the_sealed_xml_as_its_source(
    sealed: bytes, lang: str
) -> None:
    pdf = pdf_of_sealed(xml=sealed, qr_url=_qr_url(), lang=lang)
    title = {"en": "Bachelor of Computer Science", "fr": "Licence d'informatique"}[lang] + " — Camille Martin"
    _reader, root = assert_archival(pdf, lang=lang, title=title)
    assert_source_attached(root, sealed, name="credential.xml", media_type="application/xml")
    assert _figures(root) == [QR_ALT[lang]]  # the QR code, with its text alternative; nothing else drawn
    assert extract_document(pdf) == sealed
    seal = verify_upload(data=pdf, filename="credential.pdf").check("seal_intact")
    assert seal is not None and seal.status == "passed"


def test_the_qr_code_comes_before_the_credential_in_the_reading_order(sealed: bytes) -> None:
    pdf = pdf_of_sealed(xml=sealed, qr_url=_qr_url(), lang="en")
    _reader, root = _catalog(pdf)
    order = [str(element["/S"]) for element in _struct_elements(root)]
    assert order.index("/Figure") < order.index("/Art") < order.index("/H2")


def test_a_logo_is_a_figure_named_after_its_awarding_body(sealed: bytes) -> None:
    import base64
    import dataclasses

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
    credential = example_credential(site="http://127.0.0.1:8000")
    body = dataclasses.replace(
        credential.awarding_body, logo_url="data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    )
    visual = visual_context(
        dataclasses.replace(credential, awarding_body=body), seal=None, status=None, lang="en"
    )
    pdf = render_pdf(xml=sealed, visual=visual, qr_url=_qr_url(), lang="en")
    _reader, root = assert_archival(pdf, lang="en", title="Bachelor of Computer Science — Camille Martin")
    assert _figures(root) == [QR_ALT["en"], "Logo of Demo University"]


@pytest.mark.parametrize("name", SIGNED)
def test_an_edc3_credential_s_pdf_has_its_json_ld_as_its_source(name: str) -> None:
    document = edc3_sample(name)
    visual = visual_context(
        example_credential(site="http://127.0.0.1:8000"), seal=None, status=None, lang="fr"
    )
    pdf = render_pdf(xml=document, visual=visual, qr_url=_qr_url(), lang="fr")
    _reader, root = assert_archival(pdf, lang="fr", title="Licence d'informatique — Camille Martin")
    assert_source_attached(root, document, name="credential.jsonld", media_type="application/ld+json")
    assert extract_document(pdf) == document


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Verification report"), ("fr", "Rapport de vérification")]
)
def test_the_report_pdf_downloaded_from_the_page_is_tagged_pdf_a_3b_in_the_reader_s_language(
    client: Client, sealed: bytes, lang: str, title: str
) -> None:
    page = client.post("/verify/", {"xml": sealed.decode()}, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    match = re.search(r"/verify/report/([\w-]+)\.json", page)
    assert match, "the page shows no report"
    response = client.get(f"/verify/report/{match.group(1)}.pdf", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    reader, root = assert_archival(response.content, lang=lang, title=title)
    assert "/AF" not in root and "/Names" not in root  # a report carries no credential: nothing to re-verify
    kinds = [str(element["/S"]) for element in _struct_elements(root)]
    assert kinds.count("/H1") == 1 and {"/H2", "/Table", "/TR", "/TD"} <= set(kinds)
    assert len(reader.pages) >= 1


# --- veraPDF, where it is installed ------------------------------------------------------------------------------


def _verapdf() -> str | None:
    named = os.environ.get("VERAPDF") or shutil.which("verapdf")
    return named if named and Path(named).exists() else None


def test_verapdf_finds_the_credential_and_report_pdfs_pdf_a_3b_compliant(
    sealed: bytes, tmp_path: Path
) -> None:
    verapdf = _verapdf()
    if verapdf is None or shutil.which("java") is None:
        pytest.skip(
            "veraPDF is not installed (no `verapdf` on the PATH, VERAPDF unset, or no java): it is not served by "
            "the package registries this machine reaches; the PDF/A-3b checks above read the PDFs with pypdf"
        )
    files = {
        "credential.pdf": pdf_of_sealed(xml=sealed, qr_url=_qr_url(), lang="en"),
        "report.pdf": report_pdf(verify_document(sealed), lang="fr", checked_at=dt.datetime.now(dt.UTC)),
    }
    for name, pdf in files.items():
        (tmp_path / name).write_bytes(pdf)
    done = subprocess.run(
        [verapdf, "--flavour", "3b", "--format", "mrr", *(str(tmp_path / name) for name in files)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    report = etree.fromstring(done.stdout, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    verdicts = {
        Path(str(job.findtext("item/name"))).name: job.find("validationReport") for job in report.iter("job")
    }
    assert set(verdicts) == set(files), done.stderr[-2000:]
    for name, verdict in verdicts.items():
        assert verdict is not None and verdict.get("isCompliant") == "true", (
            name,
            etree.tostring(verdict if verdict is not None else report)[:4000],
        )
