"""The credential document: official schema, lossless round trip, the Commission's samples, JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
import string
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from europass.credentials.errors import CredentialError
from europass.credentials.example import example_credential
from europass.credentials.jsonld import to_jsonld
from europass.credentials.model import (
    Achievement,
    Address,
    AwardingBody,
    Credential,
    CredentialStatus,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
    find_credential_element,
)
from europass.credentials.schema import SchemaValidator
from europass.credentials.xmlsafe import parse_xml

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"
SCHEMA = SchemaValidator(INTEROP / "xsd")

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s.strip()
)
langs = st.sampled_from(["en", "fr", "de", "es", "it", "pl"])
multilingual = st.dictionaries(langs, text, min_size=1, max_size=3).map(MultilingualText)
ident = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12)
moments = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=dt.UTC)
)
LOGOS = [
    "data:image/png;base64,iVBORw0KGgo=",
    "data:image/svg+xml;base64,PHN2Zy8+",
    "https://example.org/logo.png",
]
days = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2090, 1, 1))


@st.composite
def credentials(draw: st.DrawFn) -> Credential:
    cid = f"urn:uuid:{draw(st.uuids())}"
    outcomes = tuple(
        LearningOutcome(id=f"urn:epass:lo:{i}", text=draw(multilingual))
        for i in range(draw(st.integers(0, 4)))
    )
    qualification = Qualification(
        id=f"https://register.example/q/{draw(ident)}",
        title=draw(multilingual),
        code=draw(st.none() | ident),
        description=draw(st.none() | multilingual),
        eqf_level=draw(st.none() | st.integers(1, 8)),
        nqf_level=draw(st.none() | st.sampled_from(["4", "6", "7"])),
        isced_f_code=draw(st.none() | st.sampled_from(["0613", "0715", "071"])),
        credits=draw(st.none() | st.decimals(min_value=0, max_value=400, places=1).map(Decimal)),
        learning_outcomes=outcomes,
        homepage=draw(st.none() | st.just("https://register.example/q")),
    )
    return Credential(
        id=cid,
        title=draw(multilingual),
        description=draw(st.none() | multilingual),
        issued=draw(moments),
        valid_from=draw(st.none() | moments),
        valid_until=draw(st.none() | moments),
        primary_language=draw(langs),
        languages=tuple(draw(st.lists(langs, min_size=1, max_size=3, unique=True))),
        awarding_body=AwardingBody(
            id="urn:epass:org:1",
            name=draw(multilingual),
            legal_identifier=draw(ident),
            country=draw(st.sampled_from(["FR", "DE", "ES", "BE"])),
            address=draw(st.none() | multilingual.map(Address)),
            email=draw(st.none() | st.just("office@example.org")),
            homepage=draw(st.none() | st.just("https://example.org")),
            logo_url=draw(st.none() | st.sampled_from(LOGOS)),
        ),
        holder=Holder(
            id=f"{cid}:holder",
            given_names=draw(multilingual),
            family_name=draw(multilingual),
            full_name=draw(st.none() | multilingual),
            date_of_birth=draw(st.none() | days),
            email=draw(st.none() | st.just("holder@example.org")),
            learner_id=draw(st.none() | ident),
            national_id=None,
        ),
        achievements=tuple(
            Achievement(
                id=f"{cid}:a{i}",
                title=draw(multilingual),
                qualification=qualification,
                grade=draw(st.none() | text),
                awarded_on=draw(st.none() | days),
            )
            for i in range(draw(st.integers(0, 2)))
        ),
        status=draw(
            st.none()
            | st.builds(CredentialStatus, st.just("https://portal.example/status/x"), st.integers(0, 131071))
        ),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_reading_back_what_we_write_gives_the_same_credential(credential: Credential) -> None:
    assert Credential.from_xml(credential.to_xml()) == credential


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_every_credential_we_produce_is_valid_against_the_official_schema(credential: Credential) -> None:
    assert SCHEMA.errors(etree.fromstring(credential.to_xml())) == []


def test_the_example_credential_is_schema_valid_and_carries_the_five_elements() -> None:
    credential = example_credential(status=CredentialStatus("https://portal.example/status/1", 7))
    xml = credential.to_xml()
    assert SCHEMA.errors(etree.fromstring(xml)) == []
    back = Credential.from_xml(xml)
    qualification = back.achievements[0].qualification
    assert (
        qualification is not None
        and qualification.eqf_level == 6
        and len(qualification.learning_outcomes) == 5
    )
    assert back.awarding_body.legal_identifier == "VATFR-12345678901"
    assert back.holder.display_name() == "Camille Martin" and back.holder.date_of_birth == dt.date(
        2001, 4, 12
    )
    assert back.status == CredentialStatus("https://portal.example/status/1", 7)
    assert qualification.title.get("fr") == "Licence d'informatique"


@pytest.mark.parametrize(
    ("name", "holder", "title", "body", "issued"),
    [
        (
            "EDC_WileECoyote_Simple.xml",
            "Wile Coyote",
            "Sample credential",
            "Acme Corporation",
            dt.datetime(2022, 2, 2, 13, 15, 15, tzinfo=dt.UTC),
        ),
        (
            "EDC_SampleACT_AA.xml",
            "Ana Andromeda",
            "Certificate of Participation",
            "Spanish Training Provider",
            dt.datetime(2022, 2, 2, 13, 15, 15, tzinfo=dt.UTC),
        ),
        (
            "edci_credential_basic.xml",
            "Anna Andromeda",
            "Certificate of Completion",
            "ANTHONY FISHER CAMILLERI S.P.",
            dt.datetime(2020, 10, 6, 10, 30, 34, tzinfo=dt.UTC),
        ),
        (
            "EDC_DiplomaSupplement_AA.xml",
            "Ana Andromeda",
            "Graduate University Study of Civil Engineering - Diploma Supplement",
            "JAMK University of Applied Sciences",
            dt.datetime(2022, 8, 9, 13, 53, 56, tzinfo=dt.UTC),
        ),
    ],
)
def test_the_commissions_samples_are_read(
    name: str, holder: str, title: str, body: str, issued: dt.datetime
) -> None:
    credential = Credential.from_xml((INTEROP / "edci-xml" / name).read_bytes())
    assert credential.holder.display_name() == holder
    assert credential.title.get() == title
    assert credential.awarding_body.name.get() == body
    assert credential.issued == issued


def test_the_diploma_supplement_achievement_and_grade_are_read() -> None:
    credential = Credential.from_xml((INTEROP / "edci-xml" / "EDC_DiplomaSupplement_AA.xml").read_bytes())
    assert credential.achievements[0].title.get() == "Master of Science in Civil Engineering"
    assert credential.achievements[0].grade == "5 - excellent"


def test_nothing_placed_inside_the_signature_is_read() -> None:
    xml = (
        example_credential()
        .to_xml()
        .replace(
            b"</europassCredential>",
            b'<proof><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:Object>'
            b'<organization xmlns="http://data.europa.eu/snb" id="urn:epass:org:demo"><registration spatialID="XX">FORGED</registration>'
            b'<prefLabel><text lang="en">Forged University</text></prefLabel></organization></ds:Object></ds:Signature></proof></europassCredential>',
        )
    )
    credential = Credential.from_xml(xml)
    assert credential.awarding_body.name.get() == "Demo University"
    assert credential.awarding_body.legal_identifier == "VATFR-12345678901"


def test_multilingual_text_picks_the_language_asked_then_english_then_any() -> None:
    text = MultilingualText({"fr": "Bonjour", "en": "Hello"})
    assert (
        text.get("fr") == "Bonjour"
        and text.get("de") == "Hello"
        and MultilingualText({"it": "Ciao"}).get("fr") == "Ciao"
    )


def test_json_ld_follows_the_verifiable_credentials_model_with_the_elm_vocabulary() -> None:
    credential = replace(example_credential(), status=CredentialStatus("https://portal.example/status/1", 3))
    document = to_jsonld(credential)
    assert document["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert "EuropeanDigitalCredential" in document["type"]
    claim = document["credentialSubject"]["hasClaim"]
    assert claim["specifiedBy"]["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert len(claim["specifiedBy"]["learningOutcome"]) == 5
    # The EDC shapes allow the status only as one anyURI literal: the entry of the Bitstring Status List.
    assert document["credentialStatus"]["@value"] == "https://portal.example/status/1#3"


def test_a_plain_string_address_is_kept_as_an_english_address() -> None:
    body = replace(example_credential().awarding_body, address="2 rue des Écoles, Lyon")  # type: ignore[arg-type]  # str accepted at run time
    assert body.address == Address(MultilingualText({"en": "2 rue des Écoles, Lyon"}))
    assert str(body.address) == "2 rue des Écoles, Lyon"


def test_the_country_is_written_as_the_eu_authority_uri() -> None:
    xml = example_credential().to_xml()
    assert b'uri="http://publications.europa.eu/resource/authority/country/FRA"' in xml
    assert example_credential().awarding_body.country_uri.endswith("/country/FRA")


def test_an_embedded_logo_survives_the_round_trip_and_stays_schema_valid() -> None:
    logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    credential = example_credential()
    credential = replace(credential, awarding_body=replace(credential.awarding_body, logo_url=logo))
    xml = credential.to_xml()
    assert SCHEMA.errors(etree.fromstring(xml)) == []
    assert Credential.from_xml(xml).awarding_body.logo_url == logo


def test_the_holder_email_is_a_mailto_mailbox_of_the_subject() -> None:
    root = etree.fromstring(example_credential().to_xml())
    ns = {"s": "http://data.europa.eu/snb"}
    assert root.xpath("s:credentialSubject/s:contactPoint/s:mailBox/@uri", namespaces=ns) == [
        "mailto:camille.martin@example.org"
    ]


def test_a_verifiable_presentation_and_a_bare_credential_both_give_the_credential_element() -> None:
    presentation = parse_xml((INTEROP / "edci-xml" / "EDC_DiplomaSupplement_AA.xml").read_bytes())
    assert etree.QName(find_credential_element(presentation)).localname in (
        "verifiableCredential",
        "europassCredential",
    )
    bare = etree.fromstring(example_credential().to_xml())
    assert find_credential_element(bare) is bare


def test_xml_that_is_not_a_credential_is_refused_with_its_code() -> None:
    with pytest.raises(CredentialError) as refused:
        Credential.from_xml(b"<html><body>hello</body></html>")
    assert refused.value.code == "not_a_credential"
    assert refused.value.message("fr") and refused.value.message("fr") != refused.value.message("en")


def test_json_ld_is_deterministic() -> None:
    credential = example_credential(id="urn:uuid:00000000-0000-4000-8000-000000000001")
    assert json.dumps(to_jsonld(credential)) == json.dumps(to_jsonld(credential))
    assert to_jsonld(credential)["issuer"]["legalName"] == {
        "en": "Demo University",
        "fr": "Université de démonstration",
    }
