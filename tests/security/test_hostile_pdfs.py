"""Hostile PDFs given to the verifier, no login needed: attachment bombs (the reported 9.6 KB PDF whose twenty
attachments took the server to 850 MB), name trees that loop or never end, lying lengths, object streams that
inflate, files of millions of tiny objects. Each is refused with a clear message, quickly and in little memory,
by the one function every path uses (page, API, command line, wallet upload)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from verification.reading import InputTooLarge, UnusableInput, xml_of_upload
from verification.services import verify_upload

ROOT = Path(__file__).resolve().parents[2]
XML = b"<?xml version='1.0'?><europassCredential xmlns='http://data.europa.eu/snb'/>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
MB = 1024 * 1024

# --- a small PDF writer, so that every byte of a hostile file is chosen here ------------------------------------


def _pdf(objects: list[bytes], *, trailer: bytes = b"/Root 1 0 R") -> bytes:
    """Objects numbered from 1, a classic cross-reference table, a trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def _stream(raw: bytes, dictionary: bytes = b"/Type /EmbeddedFile", *, length: int | None = None) -> bytes:
    declared = len(raw) if length is None else length
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, declared, raw)


def _flate(data: bytes) -> bytes:
    return _stream(zlib.compress(data), b"/Type /EmbeddedFile /Filter /FlateDecode")


def _zeros_deflated(size: int) -> bytes:
    """``size`` zero bytes deflated, without ever holding them: about a thousandth of the size."""
    compressor, chunk = zlib.compressobj(9), b"\x00" * MB
    return b"".join([*(compressor.compress(chunk) for _ in range(size // MB)), compressor.flush()])


def _catalog(names: int) -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles %d 0 R >> >>" % names


def _filespec(name: bytes, stream: int) -> bytes:
    return b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>" % (name, name, stream)


def _with_attachments(entries: list[tuple[bytes, int]], streams: list[bytes]) -> bytes:
    """A one-node name tree of ``(name, index into streams)``; one file specification per entry."""
    first_stream = 4
    first_spec = first_stream + len(streams)
    specs = [_filespec(name, first_stream + index) for name, index in entries]
    pairs = b" ".join(b"(%s) %d 0 R" % (name, first_spec + i) for i, (name, _) in enumerate(entries))
    return _pdf([_catalog(3), PAGES, b"<< /Names [ %s ] >>" % pairs, *streams, *specs])


def _double_flate_bomb(size: int) -> bytes:
    return _stream(
        zlib.compress(_zeros_deflated(size), 9), b"/Type /EmbeddedFile /Filter [/FlateDecode /FlateDecode]"
    )


def _name_tree(nodes: list[bytes]) -> bytes:
    """Catalog, pages, then the name tree's nodes from object 3, then credential.xml's file specification and
    stream (the tree's leaves may point at them)."""
    spec = 3 + len(nodes)
    return _pdf([_catalog(3), PAGES, *nodes, _filespec(b"credential.xml", spec + 1), _flate(XML)])


def _deep_name_tree(depth: int) -> bytes:
    nodes = [b"<< /Kids [%d 0 R] >>" % (4 + level) for level in range(depth)]
    leaf = b"<< /Names [(credential.xml) %d 0 R] >>" % (3 + depth + 1)
    return _name_tree([*nodes, leaf])


def _wide_name_tree(kids: int) -> bytes:
    leaf = 3 + 1
    return _name_tree([b"<< /Kids [%s] >>" % b" ".join([b"%d 0 R" % leaf] * kids), b"<< /Names [] >>"])


def _with_object_stream(catalog_extra: bytes, *, compress: bool = True) -> bytes:
    """A PDF 1.5 file: the catalog, pages and name tree inside an object stream, a cross-reference stream."""
    inner = [
        b"<< /Type /Catalog /Pages 3 0 R /Names << /EmbeddedFiles 4 0 R >> %s >>" % catalog_extra,
        PAGES,
        b"<< /Names [(credential.xml) 6 0 R] >>",
    ]
    header, body = bytearray(), bytearray()
    for number, obj in enumerate(inner, start=2):
        header += b"%d %d " % (number, len(body))
        body += obj + b" "
    data = bytes(header + body)
    raw = zlib.compress(data) if compress else data
    filters = b"/Filter /FlateDecode " if compress else b""
    objects = {
        1: _stream(raw, b"/Type /ObjStm /N 3 /First %d %s" % (len(header), filters)),
        5: _flate(XML),
        6: _filespec(b"credential.xml", 5),
    }
    out = bytearray(b"%PDF-1.7\n")
    offsets: dict[int, int] = {}
    for number, obj in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, 8):
        if number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
        elif number in (2, 3, 4):
            rows.append(b"\x02" + (1).to_bytes(4, "big") + (number - 2).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00")  # 7: the xref stream itself
    xref = len(out)
    table = b"".join(rows)
    out += b"7 0 obj\n%s\nendobj\n" % _stream(table, b"/Type /XRef /Size 8 /W [1 4 2] /Root 2 0 R")
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _free_xref_entries(count: int) -> bytes:
    pdf = _pdf([_catalog(3), PAGES, b"<< >>"])
    body = pdf[: pdf.index(b"xref\n")]
    used = b"".join(b"%010d 00000 n \n" % body.index(b"%d 0 obj" % n) for n in (1, 2, 3))
    table = b"xref\n0 %d\n0000000000 65535 f \n%s" % (count, used) + b"0000000000 00000 f \n" * (count - 4)
    return (
        body + table + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, len(body))
    )


def _broken_xref(objects: int) -> bytes:
    pdf = _pdf([_catalog(3), PAGES, b"<< >>", *[b"0"] * objects])
    return pdf[: pdf.index(b"xref\n")] + b"trailer\n<< /Root 1 0 R >>\nstartxref\n5\n%%EOF\n"


# name, builder, expected status, expected error code
HOSTILE: list[tuple[str, Callable[[], bytes], int, str]] = [
    (
        "twenty attachments named credential.xml, each a double-Flate 40 MB bomb (9.8 KB)",
        lambda: _with_attachments(
            [(b"credential.xml", i) for i in range(20)], [_double_flate_bomb(40 * MB)] * 20
        ),
        400,
        "pdf_too_many_attachments",
    ),
    (
        "a hundred such attachments",
        lambda: _with_attachments(
            [(b"credential.xml", i) for i in range(100)], [_double_flate_bomb(40 * MB)] * 100
        ),
        400,
        "pdf_too_many_attachments",
    ),
    (
        "5,000 attachments named .xml",
        lambda: _with_attachments([(b"c%05d.xml" % i, 0) for i in range(5000)], [_flate(XML)]),
        400,
        "pdf_too_many_attachments",
    ),
    (
        "one credential.xml inflating to 2 GB",
        lambda: _with_attachments(
            [(b"credential.xml", 0)],
            [_stream(_zeros_deflated(2048 * MB), b"/Type /EmbeddedFile /Filter /FlateDecode")],
        ),
        413,
        "xml_too_large",
    ),
    (
        "a credential.xml compressed twice",
        lambda: _with_attachments([(b"credential.xml", 0)], [_double_flate_bomb(40 * MB)]),
        400,
        "pdf_unsupported_compression",
    ),
    (
        "a name tree whose two nodes are each other's kids",
        lambda: _name_tree([b"<< /Kids [4 0 R] >>", b"<< /Kids [3 0 R] >>"]),
        400,
        "pdf_name_tree_loop",
    ),
    (
        "a name tree node that is its own kid",
        lambda: _name_tree([b"<< /Kids [3 0 R] >>"]),
        400,
        "pdf_name_tree_loop",
    ),
    ("a 5,000-deep name tree", lambda: _deep_name_tree(5000), 400, "pdf_name_tree_too_large"),
    ("a name tree node with 100,000 kids", lambda: _wide_name_tree(100_000), 400, "pdf_name_tree_too_large"),
    (
        "an attachment declaring a /Length of 100 GB",
        lambda: _with_attachments([(b"credential.xml", 0)], [_stream(XML, length=100 * 1024 * MB)]),
        400,
        "pdf_too_complex",
    ),
    (
        "a credential.xml that is a PNG",
        lambda: _with_attachments([(b"credential.xml", 0)], [_flate(PNG)]),
        400,
        "pdf_attachment_not_xml",
    ),
    (
        "only a PNG attached",
        lambda: _with_attachments([(b"photo.png", 0)], [_flate(PNG)]),
        400,
        "pdf_without_xml",
    ),
    (
        "a catalog holding 7 million numbers in 120 arrays (14 MB)",
        lambda: _pdf(
            [b"<< /Type /Catalog /Pages 2 0 R /Junk [%s] >>" % ((b"[" + b"0 " * 60_000 + b"]") * 120), PAGES]
        ),
        400,
        "pdf_too_complex",
    ),
    (
        "100,000 nested arrays",
        lambda: _pdf([b"<< /Type /Catalog /Pages 2 0 R /Junk %s >>" % (b"[" * 100_000), PAGES]),
        400,
        "pdf_unreadable",
    ),
    ("900,000 cross-reference entries (18 MB)", lambda: _free_xref_entries(900_000), 400, "pdf_too_complex"),
    (
        "450,000 tiny objects (19 MB)",
        lambda: _pdf([_catalog(3), PAGES, b"<< >>", *[b"0"] * 450_000]),
        400,
        "pdf_too_complex",
    ),
    (
        "900,000 objects behind a broken cross-reference (20 MB, rebuilt by scanning)",
        lambda: _broken_xref(900_000),
        400,
        "pdf_too_complex",
    ),
    (
        "an object stream inflating to 12 MB of numbers",
        lambda: _with_object_stream(b"/Junk [%s]" % (b"0 " * 6_000_000)),
        400,
        "pdf_too_complex",
    ),
    (
        "an uncompressed 3 MB object stream",
        lambda: _with_object_stream(b"/Junk [%s]" % (b"0 " * 1_500_000), compress=False),
        400,
        "pdf_too_complex",
    ),
]
IDS = [case[0] for case in HOSTILE]
DECOYS = "fifteen other .xml attachments, each a double-Flate 40 MB bomb, beside credential.xml"


def _decoys() -> bytes:
    bombs = [(b"decoy%02d.xml" % i, 0) for i in range(15)]
    return _with_attachments([*bombs, (b"credential.xml", 1)], [_double_flate_bomb(40 * MB), _flate(XML)])


# Measured in a child process: every hostile file, and one that is read (only its credential.xml is inflated).
MEASURED: list[tuple[str, Callable[[], bytes], int, str | None]] = [*HOSTILE, (DECOYS, _decoys, 200, None)]


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile-pdfs")
    files = {}
    for index, (name, build, _status, _code) in enumerate(MEASURED):
        files[name] = folder / f"{index:02d}.pdf"
        files[name].write_bytes(build())
    return files


def test_the_object_stream_layout_of_these_tests_is_read_when_it_is_honest() -> None:
    """The writer above is right: without the junk, the same layouts give back the XML (so each refusal below is
    for its hostile part, not for a broken file)."""
    assert xml_of_upload(_with_object_stream(b"")) == XML
    assert xml_of_upload(_with_object_stream(b"", compress=False)) == XML
    assert xml_of_upload(_with_attachments([(b"credential.xml", 0)], [_flate(XML)])) == XML
    assert xml_of_upload(_deep_name_tree(3)) == XML
    assert (
        xml_of_upload(_with_attachments([(b"credential.xml", 0)], [_stream(XML, length=len(XML) + 40)]))
        == XML
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "build", "status", "code"), HOSTILE, ids=IDS)
def test_a_hostile_pdf_is_refused_by_the_verify_service_with_a_clear_message(
    hostile_files: dict[str, Path], name: str, build: Any, status: int, code: str
) -> None:
    with pytest.raises(UnusableInput) as refused:
        verify_upload(data=hostile_files[name].read_bytes(), filename="credential.pdf")
    assert (refused.value.code, refused.value.status_code) == (code, status)
    assert refused.value.message.endswith(".") and 20 < len(refused.value.message) < 200
    assert isinstance(refused.value, InputTooLarge) == (status == 413)


MEASURE = """
import json, resource, sys, time
import django
django.setup()
from europass.core.errors import ApplicationError
from verification.reading import xml_of_upload

def status_mb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024

xml_of_upload(open(sys.argv[1], "rb").read())  # a genuine PDF first: every module this path needs is loaded
data = open(sys.argv[2], "rb").read()
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # Linux: the peak (VmHWM) starts again from the current resident size
    before, peak = status_mb("VmRSS"), lambda: status_mb("VmHWM")
except OSError:  # elsewhere: the process's peak so far (a less tight bound)
    before, peak = status_mb("VmRSS"), lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    xml_of_upload(data)  # what verify_upload reads its input with, before any check
    code = None
except ApplicationError as error:
    code = error.code
print(json.dumps({"seconds": time.perf_counter() - start, "extra_mb": peak() - before, "code": code}))
"""


@pytest.fixture(scope="module")
def genuine_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from weasyprint import HTML, Attachment

    path = tmp_path_factory.mktemp("genuine") / "genuine.pdf"
    path.write_bytes(
        HTML(string="<p>Diploma</p>").write_pdf(attachments=[Attachment(string=XML, name="credential.xml")])
    )
    return path


@pytest.mark.parametrize(("name", "build", "status", "code"), MEASURED, ids=[case[0] for case in MEASURED])
def test_a_hostile_pdf_is_refused_within_5_seconds_and_300_mb_measured_in_a_child_process(
    hostile_files: dict[str, Path], genuine_pdf: Path, name: str, build: Any, status: int, code: str | None
) -> None:
    """Production limits (20 MB upload, 10 MB XML), a fresh interpreter: its peak resident memory during the
    refusal, above what it had after reading a genuine PDF."""
    env = {"DJANGO_SETTINGS_MODULE": "europass.settings", "EUROPASS_TESTING": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(genuine_pdf), str(hostile_files[name])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    measured = json.loads(done.stdout.decode().strip().splitlines()[-1])
    print(f"{name}: {measured['seconds']:.2f} s, +{measured['extra_mb']:.0f} MB")
    assert measured["code"] == code
    assert measured["seconds"] < 5
    assert measured["extra_mb"] < 300


API = "/api/v1/verify"
THROUGH_HTTP = [
    case
    for case in HOSTILE
    if case[0].startswith(("twenty", "one credential.xml", "a name tree whose", "an object stream"))
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "build", "status", "code"), THROUGH_HTTP, ids=[case[0] for case in THROUGH_HTTP]
)
def test_the_api_and_the_page_refuse_a_hostile_pdf_quickly_with_a_message(
    client: Client, hostile_files: dict[str, Path], name: str, build: Any, status: int, code: str
) -> None:
    data = hostile_files[name].read_bytes()
    start = time.perf_counter()
    answer = APIClient().post(API, data=data, content_type="application/pdf")
    assert answer.status_code == status, answer.content[:300]
    assert answer.json()["error"] == code and answer.json()["detail"]
    upload = io.BytesIO(data)
    upload.name = "credential.pdf"
    page = client.post("/verify/", {"file": upload})
    assert page.status_code == 400  # the page shows the form again, with the message
    html = page.content.decode()
    assert 'role="alert"' in html and "Traceback" not in html
    assert "PDF" in html.split('role="alert"', 1)[1][:400]
    assert time.perf_counter() - start < 10  # both requests


@pytest.mark.django_db
def test_the_command_line_refuses_a_hostile_pdf_as_unusable_input(
    hostile_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exit:
        call_command("credential_verify", str(hostile_files[HOSTILE[0][0]]))
    assert exit.value.code == 2
    assert "too many attached files" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_wallet_upload_refuses_a_hostile_pdf_with_the_same_message(hostile_files: dict[str, Path]) -> None:
    from europass.accounts.models import User
    from wallet.models import WalletCredential
    from wallet.services import credential_upload

    owner = User.objects.create_user("holder@hostile.example", "a-long-Passphrase-42")
    with pytest.raises(UnusableInput) as refused:
        credential_upload(owner=owner, data=hostile_files[HOSTILE[0][0]].read_bytes(), filename="c.pdf")
    assert refused.value.code == "pdf_too_many_attachments"
    assert not WalletCredential.objects.filter(owner=owner).exists()


def test_decoy_bombs_beside_our_attachment_are_never_decompressed(hostile_files: dict[str, Path]) -> None:
    assert xml_of_upload(hostile_files[DECOYS].read_bytes()) == XML
