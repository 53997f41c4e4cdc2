"""Every genuine credential the European Commission's issuer sealed verifies, as an employer would try it: on the
page, over the API and from the CLI, with the seal certificate's issuing authority as a trust anchor.

ELM v2 XML of 2020 (Halcom e-seal, XAdES B-LT, the 2020 schema, a PEM CRL) and 2022 (a verifiable presentation,
ANF qualified TEST e-seal, OCSP), and EDC 3 JSON-LD of 2023 (ANF TEST e-seal, JAdES B-LTA). The seal certificates
have expired since: each is judged at the time its signature time-stamp proves.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.core.management import call_command
from django.test import Client
from lxml import etree

from europass.registry.services import trust_anchor_add
from europass.sealing.engine import Options
from europass.sealing.readers import READERS
from europass.sealing.report import CheckStatus

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"
XML_SAMPLES = ["edci-xml/edci_credential_basic.xml", "edci-xml/EDC_DiplomaSupplement_AA.xml"]
JSON_SAMPLES = ["edc3/Sample-CertOfPart-signed.jsonld", "edc3/Sample-MC-Annex1-signed.jsonld"]
SEALED = XML_SAMPLES + JSON_SAMPLES

pytestmark = pytest.mark.django_db


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def certificates_in(name: str) -> tuple[bytes, list[bytes]]:
    """The seal certificate and every other certificate the sample carries (DER)."""
    data = (INTEROP / name).read_bytes()
    if name.endswith(".xml"):
        root = etree.fromstring(data)
        seal = root.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
        assert seal is not None
        others = [
            base64.b64decode("".join((e.text or "").split()))
            for e in root.iter("{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedX509Certificate")
        ]
        return base64.b64decode("".join((seal.text or "").split())), others
    signature = json.loads(data)["signatures"][0]
    header = json.loads(_b64url(signature["protected"]))
    others = []
    for entry in signature["header"]["etsiU"]:
        value = json.loads(_b64url(entry))
        for item in value.get("xVals", []):
            others.append(base64.b64decode(item["x509Cert"]["val"]))
    return base64.b64decode(header["x5c"][0]), others


def issuing_authority(name: str) -> bytes:
    """The CA certificate that issued the sample's seal certificate, as PEM."""
    seal_der, others = certificates_in(name)
    seal = asn1_x509.Certificate.load(seal_der)
    for der in others:
        cert = asn1_x509.Certificate.load(der)
        if cert.subject == seal.issuer and cert.ca:
            return asn1_pem.armor("CERTIFICATE", der)
    raise AssertionError(f"no issuing CA carried in {name}")


def timestamping_root(name: str) -> bytes:
    """The root of the authority whose time-stamp proves the sample's sealing time, as PEM (a time-stamp proves a
    time only when its authority is trusted)."""
    data = (INTEROP / name).read_bytes()
    reader = next(r for r in READERS if r.accepts(data))
    evidence = reader.read(data, Options()).seal()
    for der in evidence.timestamp_certificates:
        cert = asn1_x509.Certificate.load(der)
        if cert.self_signed in ("yes", "maybe") and cert.ca:
            return asn1_pem.armor("CERTIFICATE", der)
    raise AssertionError(f"no time-stamping root carried in {name}")


def add_anchors(pems: dict[bytes, str]) -> None:
    for pem, label in pems.items():
        trust_anchor_add(pem=pem, name=label, qualified_for_seals=True)


@pytest.fixture
def issuing_cas(db: None) -> None:
    add_anchors({issuing_authority(name): f"Issuing CA of {Path(name).name}" for name in SEALED})


@pytest.fixture
def anchored(issuing_cas: None) -> Iterator[None]:
    add_anchors({timestamping_root(name): f"Time-stamping root of {Path(name).name}" for name in SEALED})
    yield


def judged(report: dict[str, Any]) -> dict[str, str]:
    return {check["code"]: check["status"] for check in report["checks"]}


def assert_genuine(report: dict[str, Any]) -> None:
    statuses = judged(report)
    assert statuses["well_formed"] == CheckStatus.PASSED, report
    assert statuses["schema_valid"] in (CheckStatus.PASSED, CheckStatus.WARNING), report
    assert statuses["seal_intact"] == CheckStatus.PASSED, report
    assert statuses["certificate_trusted"] in (CheckStatus.PASSED, CheckStatus.WARNING), report
    certificate = next(c for c in report["checks"] if c["code"] == "certificate_trusted")
    assert "time-stamp" in certificate["message"], certificate  # judged at the proven time
    assert report["seal"]["time_source"] == "timestamp"
    assert report["verdict"] != "failed", [c for c in report["checks"] if c["status"] == "failed"]


@pytest.mark.parametrize("name", SEALED)
def test_a_genuine_commission_credential_verifies_over_the_api(name: str, anchored: None) -> None:
    content_type = "application/xml" if name.endswith(".xml") else "application/ld+json"
    response = Client().post("/api/v1/verify", data=(INTEROP / name).read_bytes(), content_type=content_type)
    assert response.status_code == 200, response.content[:2000]
    assert_genuine(response.json())


@pytest.mark.parametrize("name", SEALED)
def test_a_genuine_commission_credential_verifies_from_the_cli(name: str, anchored: None) -> None:
    out = StringIO()
    call_command("credential_verify", str(INTEROP / name), "--json", stdout=out)
    assert_genuine(json.loads(out.getvalue()))


@pytest.mark.parametrize("name", SEALED)
def test_a_genuine_commission_credential_verifies_on_the_page(name: str, anchored: None) -> None:
    client = Client()
    with (INTEROP / name).open("rb") as upload:
        response = client.post("/verify/", {"file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "seal is intact" in page.lower() or "cachet est intact" in page.lower()
    report = response.context["report"]
    statuses = {c["code"]: c["status"] for c in report["checks"]}
    assert statuses["seal_intact"] == "passed" and statuses["certificate_trusted"] in ("passed", "warning")
    assert report["verdict"] != "failed"


@pytest.mark.parametrize("name", SEALED)
def test_one_changed_byte_in_a_genuine_credential_breaks_its_seal(
    name: str, anchored: None, tmp_path: Path
) -> None:
    data = (INTEROP / name).read_bytes()
    if name.endswith(".xml"):  # a letter of the holder's name, inside the sealed content
        tampered = data.replace(b"Andromeda", b"Andromedb", 1)
    else:  # a letter inside the sealed payload (the JSON text is the "payload" string)
        document = json.loads(data)
        index = document["payload"].index("credentialSubject")
        document["payload"] = document["payload"][:index] + "C" + document["payload"][index + 1 :]
        tampered = json.dumps(document).encode()
    assert tampered != data
    path = tmp_path / Path(name).name
    path.write_bytes(tampered)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("credential_verify", str(path), "--json", stdout=out)
    assert exit_status.value.code == 1
    assert judged(json.loads(out.getvalue()))["seal_intact"] == "failed"


def test_a_re_serialised_edc3_payload_fails_the_seal(anchored: None) -> None:
    document = json.loads((INTEROP / JSON_SAMPLES[0]).read_bytes())
    document["payload"] = json.dumps(json.loads(document["payload"]), sort_keys=True)
    response = Client().post("/api/v1/verify", data=json.dumps(document), content_type="application/json")
    assert response.status_code == 422
    assert judged(response.json())["seal_intact"] == "failed"


def test_a_badly_encoded_certificate_carried_for_validation_is_skipped_with_a_note_not_a_broken_seal(
    anchored: None,
) -> None:
    data = (INTEROP / XML_SAMPLES[0]).read_bytes()
    root = etree.fromstring(data)
    carried = next(root.iter("{http://uri.etsi.org/01903/v1.3.2#}EncapsulatedX509Certificate"))
    carried.text = "***not base64***"  # unsigned validation data: outside what the seal covers
    response = Client().post("/api/v1/verify", data=etree.tostring(root), content_type="application/xml")
    report = response.json()
    seal = next(c for c in report["checks"] if c["code"] == "seal_intact")
    assert seal["status"] == "passed", seal
    assert seal["details"]["notes"], seal


@pytest.mark.parametrize("name", SEALED)
def test_a_time_stamp_from_an_authority_not_trusted_here_proves_nothing_and_the_claimed_time_is_used(
    name: str, issuing_cas: None
) -> None:
    content_type = "application/xml" if name.endswith(".xml") else "application/ld+json"
    report = (
        Client().post("/api/v1/verify", data=(INTEROP / name).read_bytes(), content_type=content_type).json()
    )
    seal = next(c for c in report["checks"] if c["code"] == "seal_intact")
    assert seal["details"]["time_source"] == "claimed" and seal["details"]["proven_time"] is None
    assert any("time-stamp's authority" in note for note in seal["details"]["notes"])
    certificate = next(c for c in report["checks"] if c["code"] == "certificate_trusted")
    # judged at the claimed time; the certificate has expired since, which no trusted time-stamp excuses
    assert certificate["status"] == "warning" and "no time-stamp proves it" in certificate["message"]
    assert report["verdict"] == "partially_verified"
