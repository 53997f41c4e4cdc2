"""EDC 3 documents we issue: conforming to the official EDC-generic-full shapes (pyshacl) for credentials of every
shape, valid JSON-LD losing no term, a safe SVG visual per language, and read back into the same credential."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from pyld import jsonld

from europass.credentials.edc3 import display_images, edc3_payload, to_edc3
from europass.credentials.elm3 import credential_from_elm3
from europass.credentials.example import example_credential
from europass.credentials.model import Credential, CredentialStatus, MultilingualText
from europass.credentials.shacl import SHAPES_DIR, _Loader, default_shacl_validator
from europass.credentials.xmlsafe import parse_xml

STATUS = CredentialStatus("https://portal.example/status/0b8e", 17)


def _minimal(c: Credential) -> Credential:
    achievement = c.achievements[0]
    qualification = dataclasses.replace(
        achievement.qualification,  # type: ignore[type-var]
        description=None,
        nqf_level=None,
        isced_f_code=None,
        credits=None,
        learning_outcomes=(),
    )
    holder = dataclasses.replace(c.holder, email=None, learner_id=None, date_of_birth=None)
    return dataclasses.replace(
        c,
        holder=holder,
        status=None,
        achievements=(dataclasses.replace(achievement, grade=None, qualification=qualification),),
    )


def _french(c: Credential) -> Credential:
    title = MultilingualText({"fr": "Licence d'informatique « parcours réseaux »"})
    return dataclasses.replace(c, title=title, primary_language="fr", languages=("fr",))


VARIANTS: dict[str, Callable[[Credential], Credential]] = {
    "minimal": _minimal,
    "with a grade, credits and learning outcomes": lambda c: c,
    "with a status entry": lambda c: dataclasses.replace(c, status=STATUS),
    "in French": _french,
    "with a validity end": lambda c: dataclasses.replace(
        c, valid_until=dt.datetime(2030, 6, 30, tzinfo=dt.UTC)
    ),
    "with a national identifier": lambda c: dataclasses.replace(
        c, holder=dataclasses.replace(c.holder, national_id="1 01 04 75 123 456 78", national_id_country="FR")
    ),
    "with decimal credits": lambda c: dataclasses.replace(
        c,
        achievements=(
            dataclasses.replace(
                c.achievements[0],
                qualification=dataclasses.replace(c.achievements[0].qualification, credits=Decimal("7.5")),  # type: ignore[type-var]
            ),
        ),
    ),
}


def _document(variant: str) -> dict[str, Any]:
    credential = VARIANTS[variant](example_credential())
    return to_edc3(credential, eidas_identifier="VATFR-12345678901", display=display_images(credential))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_our_edc3_documents_conform_to_the_official_generic_full_shapes(variant: str) -> None:
    result = default_shacl_validator().validate(_document(variant))
    assert result.conforms and result.recognised, result.violations


def test_a_document_without_its_visual_representation_does_not_conform() -> None:
    document = to_edc3(example_credential())  # no display image: the shapes require one
    assert not default_shacl_validator().validate(document).conforms


@pytest.mark.parametrize("variant", ["with a grade, credits and learning outcomes", "with a status entry"])
def test_the_document_is_valid_json_ld_that_loses_no_term(variant: str) -> None:
    document = _document(variant)
    loader = {"documentLoader": _Loader(SHAPES_DIR)}
    assert jsonld.expand(document, loader)
    probe = jsonld.expand(
        {**document, "@context": document["@context"] + [{"@vocab": "urn:dropped#"}]}, loader
    )
    assert "urn:dropped#" not in json.dumps(probe)


def test_the_document_reads_back_into_the_same_credential() -> None:
    credential = dataclasses.replace(example_credential(), status=STATUS)
    back = credential_from_elm3(json.loads(edc3_payload(_document("with a status entry"))))
    original = VARIANTS["with a status entry"](credential)
    assert back.title == original.title and back.holder.email == original.holder.email
    assert back.holder.learner_id == original.holder.learner_id
    assert back.status == STATUS
    got, want = back.achievements[0], original.achievements[0]
    assert got.grade == want.grade and got.awarded_on == want.awarded_on
    assert got.qualification and want.qualification
    assert got.qualification.credits == want.qualification.credits
    assert got.qualification.eqf_level == want.qualification.eqf_level == 6
    assert [o.text for o in got.qualification.learning_outcomes] == [
        o.text for o in want.qualification.learning_outcomes
    ]


def test_the_eidas_identifier_and_the_profile_are_declared() -> None:
    document = _document("minimal")
    assert document["issuer"]["eIDASIdentifier"]["notation"] == "VATFR-12345678901"
    assert document["credentialSchema"] == {
        "id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
        "type": "ShaclValidator2017",
    }
    assert document["issued"] == document["issuanceDate"]


def test_there_is_one_svg_visual_per_language_and_hostile_names_are_escaped() -> None:
    credential = example_credential()
    holder = dataclasses.replace(
        credential.holder, full_name=MultilingualText({"en": '<script>alert(1)</script> & "Eve"'})
    )
    images = display_images(dataclasses.replace(credential, holder=holder))
    assert [i.language for i in images] == ["en", "fr"]
    for image in images:
        root = parse_xml(image.content)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        assert b"<script>" not in image.content and b"&lt;script&gt;" in image.content
        assert b"href" not in image.content  # no external reference
    assert b"Licence d'informatique" in images[1].content.replace(b"&#x27;", b"'").replace(b"&apos;", b"'")


def test_the_payload_text_is_compact_stable_and_utf8() -> None:
    credential = example_credential(id="urn:uuid:00000000-0000-4000-8000-000000000007")
    first = edc3_payload(to_edc3(credential))
    assert first == edc3_payload(to_edc3(credential))
    assert ", " not in first[:200] and "Université" in first
