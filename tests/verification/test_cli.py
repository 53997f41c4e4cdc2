"""``credential_verify``: the same engine from the command line; exit 0 valid, 1 a check failed, 2 unusable input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ANF_SAMPLE, own_root_pem, sample, timestamp_root_pem
from .conftest import run_cli as run

pytestmark = pytest.mark.django_db


def test_a_valid_credential_exits_0_and_says_verified(
    ours: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.xml"
    path.write_bytes(ours)
    code, out, _ = run(capsys, str(path))
    assert code == 0
    assert out.startswith("VERIFIED") and "Camille Martin" in out and "✓ seal_intact" in out


def test_json_gives_the_whole_report(ours: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.xml"
    path.write_bytes(ours)
    code, out, _ = run(capsys, str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["verdict"] == "verified"
    assert {"code", "status", "message", "details"} <= set(report["checks"][0])
    credential = report["credential"]
    assert credential["holder"]["name"] == "Camille Martin"
    assert credential["title"] == "Bachelor of Computer Science"
    assert credential["awarding_body"]["name"] == "Demo University" and credential["issued"]


def test_a_tampered_credential_exits_1(
    ours: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.xml"
    path.write_bytes(ours.replace(b"Camille", b"Camilla", 1))
    code, out, _ = run(capsys, str(path), "--lang", "fr")
    assert code == 1
    assert out.startswith("ÉCHEC") and "✗ seal_intact" in out


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n not a credential",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"",
    ],
    ids=["binary", "xxe", "empty"],
)
def test_unusable_input_exits_2(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], register: Any
) -> None:
    path = tmp_path / "c.xml"
    path.write_bytes(content)
    code, out, err = run(capsys, str(path))
    assert code == 2
    assert "root:" not in out + err


def test_a_missing_file_exits_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere.xml"))
    assert code == 2 and "Cannot read" in err


def test_the_commissions_sample_is_untrusted_until_its_root_is_given_as_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "anf.xml"
    path.write_bytes(sample(ANF_SAMPLE))
    code, out, _ = run(capsys, str(path), "--json")
    checks = {c["code"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    assert checks["seal_intact"]["status"] == "passed"
    assert checks["certificate_trusted"]["status"] == "failed"
    assert "is not trusted here" in checks["certificate_trusted"]["message"]

    anchor = tmp_path / "anf-root.pem"
    anchor.write_bytes(own_root_pem(ANF_SAMPLE))
    code, out, _ = run(capsys, str(path), "--json", "--trust-anchor", str(anchor), "--qualified")
    checks = {c["code"]: c for c in json.loads(out)["checks"]}
    # trusted, but its time-stamping authority is not: the sealing time is only claimed, and the certificate
    # has expired since
    assert checks["certificate_trusted"]["status"] == "warning"
    assert "no time-stamp proves it" in checks["certificate_trusted"]["message"]
    assert "not trusted here" in json.dumps(checks["seal_intact"]["details"]["notes"])

    tsa = tmp_path / "tsa-root.pem"
    tsa.write_bytes(timestamp_root_pem(ANF_SAMPLE))
    code, out, _ = run(
        capsys, str(path), "--json", "--trust-anchor", str(anchor), "--trust-anchor", str(tsa), "--qualified"
    )
    checks = {c["code"]: c for c in json.loads(out)["checks"]}
    assert checks["certificate_trusted"]["status"] == "passed"
    assert checks["seal_qualified"]["status"] == "passed"


def test_a_pdf_of_ours_verifies_the_xml_inside(
    ours: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wallet.presenting import pdf_for_xml

    path = tmp_path / "c.pdf"
    path.write_bytes(pdf_for_xml(xml=ours, qr_url="http://127.0.0.1:8000/verify/", lang="en"))
    code, out, _ = run(capsys, str(path))
    assert code == 0 and out.startswith("VERIFIED")
