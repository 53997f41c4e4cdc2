"""Rich credentials read in full: every achievement with its specification, assessments with grades and grading
scheme, activities, entitlements, parts, attachments and contained credentials; what a hostile document can make
us read is bounded."""

from __future__ import annotations

import base64
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from europass.credentials import Credential, CredentialError
from europass.credentials.example import example_credential
from europass.credentials.model import (
    ATTACHMENT_MAX_BYTES,
    RICH_MAX_DEPTH,
    RICH_MAX_ITEMS,
    S,
    duration_hours,
)

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop" / "edci-xml"
SNB = "http://data.europa.eu/snb"


def sample(name: str) -> Credential:
    return Credential.from_xml((INTEROP / name).read_bytes())


def ours() -> etree._Element:
    return etree.fromstring(example_credential(site="https://portal.example").to_xml())


def attach(root: etree._Element, *items: tuple[str, str, bytes]) -> bytes:
    """``root`` with an ``attachmentList`` of (title, media type, bytes)."""
    container = etree.SubElement(root, S("attachmentList"))
    for number, (title, media_type, content) in enumerate(items, 1):
        element = etree.SubElement(container, S("Attachment"), id=f"urn:attachment:{number}")
        kind = etree.SubElement(
            element, S("contentType"), uri="http://publications.europa.eu/resource/authority/file-type/PDF"
        )
        etree.SubElement(etree.SubElement(kind, S("targetName")), S("text"), lang="en").text = media_type
        if title:
            etree.SubElement(etree.SubElement(element, S("title")), S("text"), lang="en").text = title
        etree.SubElement(element, S("content")).text = base64.b64encode(content).decode()
    return etree.tostring(root)


def test_the_diploma_supplement_reads_three_achievements_with_their_specifications() -> None:
    credential = sample("EDC_DiplomaSupplement_AA.xml")
    tree = credential.all_achievements()
    assert [(depth, str(a.title)) for depth, a in tree] == [
        (0, "Master of Science in Civil Engineering"),
        (1, "Applied mathematics"),
        (1, "Concrete structures I"),
    ]
    assert str(credential.credential_type) == "Diploma Supplement"
    master, maths, concrete = (a for _, a in tree)
    assert master.qualification is not None and master.qualification.credits == Decimal(120)
    assert master.qualification.kind == "learningSpecification"
    assert master.qualification.isced_f_code == "071" and master.qualification.volume_of_learning == "PT1440H"
    assert maths.qualification is not None and maths.qualification.eqf_level == 5
    assert maths.qualification.nqf_level == "MECU Level 5" and maths.qualification.credits == Decimal(5)
    assert [str(o.text) for o in maths.qualification.learning_outcomes] == [
        "Learning Outcome 1 related to applied mathematics",
        "Learning Outcome 2 related to applied mathematics",
    ]
    assert concrete.qualification is not None and str(concrete.qualification.type) == "Course"
    assert not credential.truncated


def test_the_diploma_supplement_reads_assessments_with_grades_and_grading_scheme() -> None:
    master = sample("EDC_DiplomaSupplement_AA.xml").achievements[0]
    (overall,) = master.assessments
    assert str(overall.title) == "Overall Assessment" and overall.grade == "5 - excellent"
    assert overall.assessed_on == dt.date(2019, 9, 20)
    assert [str(name) for name in overall.assessed_by] == ["Faculty of Civil Engineering"]
    assert (
        overall.grading_scheme is not None and str(overall.grading_scheme.title) == "General grading scheme"
    )
    assert "five grades" in str(overall.grading_scheme.description)
    assert [(str(part.title), part.grade) for part in overall.parts] == [
        ("Oral presentation", "5 - excellent"),
        ("Oral presentation", "4 - good"),
    ]
    assert master.grade == "5 - excellent"  # the first assessment's grade, as before


def test_the_diploma_supplement_reads_activities_and_entitlements() -> None:
    credential = sample("EDC_DiplomaSupplement_AA.xml")
    maths = credential.achievements[0].sub_achievements[0]
    (course,) = maths.activities
    assert str(course.title) == "Applied mathematics course"
    assert course.workload == "PT60H" and course.workload_hours == Decimal(60)
    assert (course.started_on, course.ended_on) == (dt.date(2017, 9, 14), dt.date(2018, 1, 14))
    assert str(course.location) == "Diagonal Avenue, 84, Barcelona, Spain"
    assert [str(part.title) for part in course.parts] == ["Applied mathematics Study visit"]
    assert course.parts[0].workload_hours == Decimal(40)
    (recognition,) = maths.entitlements
    assert str(recognition.title) == "Recognition for credit" and recognition.valid_from == dt.date(
        2019, 9, 20
    )
    assert str(recognition.type) == "learning opportunity" and str(recognition.status) == "prospective"
    assert [str(e.title) for e in credential.entitlements] == [
        "Recognition for credit",
        "Postgraduate doctoral study",
        "Civil engineer",
    ]
    assert credential.entitlements[2].jurisdictions and str(credential.entitlements[2].type) == "occupation"


def test_the_activity_credential_reads_its_activity() -> None:
    credential = sample("EDC_SampleACT_AA.xml")
    assert credential.achievements == ()
    (infoday,) = credential.activities
    assert str(infoday.title) == "InfoDay 2021"
    assert (infoday.started_on, infoday.ended_on) == (dt.date(2021, 12, 21), dt.date(2021, 12, 22))
    assert str(infoday.location) == "Calle Barba Negra 5; 28006, Madrid"
    assert infoday.specification is not None
    assert str(infoday.specification.type) == "workshop, seminar or conference"
    assert [str(language) for language in infoday.specification.languages] == ["English", "Spanish"]
    assert [str(name) for name in infoday.directed_by]


@pytest.mark.parametrize("name", ["EDC_WileECoyote_Simple.xml", "edci_credential_basic.xml"])
def test_the_simple_samples_still_read_and_have_no_rich_parts(name: str) -> None:
    credential = sample(name)
    assert credential.holder.display_name() and credential.title
    assert credential.achievements == () and credential.activities == () and credential.attachments == ()
    assert not credential.truncated


def test_what_our_writer_writes_reads_back_without_invented_parts() -> None:
    credential = example_credential(site="https://portal.example")
    read = Credential.from_xml(credential.to_xml())
    assert read == credential
    assert read.achievements[0].assessments == () and read.credential_type is None


def test_idrefs_to_the_subjects_collections_are_resolved() -> None:
    root = ours()
    achievement = next(root.iter(S("learningAchievement")))
    etree.SubElement(achievement, S("wasDerivedFrom"), idref="urn:assessment:x")
    subject = next(root.iter(S("credentialSubject")))
    assessments = etree.SubElement(subject, S("assessments"))
    assessment = etree.SubElement(assessments, S("assessment"), id="urn:assessment:x")
    etree.SubElement(etree.SubElement(assessment, S("title")), S("text"), lang="en").text = "Final exam"
    etree.SubElement(assessment, S("grade")).text = "18/20"
    etree.SubElement(achievement, S("wasDerivedFrom"), idref="urn:nowhere")  # unresolved: left out
    (read,) = Credential.from_xml(etree.tostring(root)).achievements[0].assessments
    assert (str(read.title), read.grade) == ("Final exam", "18/20")


def test_an_attachment_is_read_with_its_type_size_and_bytes() -> None:
    pdf = b"%PDF-1.4 transcript" * 100
    credential = Credential.from_xml(
        attach(ours(), ("Transcript", "application/pdf", pdf), ("", "PNG", b"\x89PNG"))
    )
    transcript, image = credential.attachments
    assert (str(transcript.title), transcript.content_type, transcript.size) == (
        "Transcript",
        "application/pdf",
        len(pdf),
    )
    assert transcript.content == pdf and transcript.downloadable
    assert image.content_type == "image/png" and image.id == "urn:attachment:2"


def test_a_huge_attachment_is_listed_with_its_size_but_its_bytes_are_not_kept() -> None:
    huge = b"A" * (ATTACHMENT_MAX_BYTES + 1)
    (item,) = Credential.from_xml(attach(ours(), ("Scan", "application/pdf", huge))).attachments
    assert item.too_large and item.content is None and not item.downloadable
    assert item.size is not None and item.size >= ATTACHMENT_MAX_BYTES


def test_ten_thousand_nested_parts_are_refused_as_too_deep_in_milliseconds() -> None:
    depth = 10_000
    parts = "<hasPart><learningAchievement id='x'><title><text lang='en'>p</text></title>" * depth
    closing = "</learningAchievement></hasPart>" * depth
    xml = (
        etree.tostring(ours())
        .decode()
        .replace("</learningAchievement>", parts + closing + "</learningAchievement>", 1)
    )
    started = time.perf_counter()
    with pytest.raises(CredentialError) as refused:
        Credential.from_xml(xml.encode())
    assert refused.value.code == "xml_too_deep" and time.perf_counter() - started < 2


def test_nesting_within_the_xml_limit_is_cut_at_the_reading_depth() -> None:
    depth = 60
    parts = "<hasPart><learningAchievement id='x'><title><text lang='en'>p</text></title>" * depth
    closing = "</learningAchievement></hasPart>" * depth
    xml = (
        etree.tostring(ours())
        .decode()
        .replace("</learningAchievement>", parts + closing + "</learningAchievement>", 1)
    )
    credential = Credential.from_xml(xml.encode())
    assert max(d for d, _ in credential.all_achievements()) == RICH_MAX_DEPTH
    assert credential.truncated


def test_many_parts_are_read_up_to_the_item_bound() -> None:
    root = ours()
    achievement = next(root.iter(S("learningAchievement")))
    for n in range(RICH_MAX_ITEMS + 500):
        assessment = etree.SubElement(achievement, S("wasDerivedFrom"), id=f"urn:a:{n}")
        etree.SubElement(etree.SubElement(assessment, S("title")), S("text"), lang="en").text = f"Test {n}"
        etree.SubElement(assessment, S("grade")).text = "A"
    credential = Credential.from_xml(etree.tostring(root))
    assert len(credential.achievements[0].assessments) == RICH_MAX_ITEMS - 1  # the achievement took one
    assert credential.truncated


def test_a_contained_credential_is_read_and_not_further_than_the_bound() -> None:
    inner = ours()
    inner.set("{http://data.europa.eu/europass/model/credentials/w3c#}id", "urn:inner")
    outer = ours()
    child = etree.SubElement(etree.SubElement(outer, S("childCredentials")), S("childCredential"))
    child.append(inner)
    credential = Credential.from_xml(etree.tostring(outer))
    (contained,) = credential.sub_credentials
    assert contained.id == "urn:inner" and contained.achievements[0].title
    broken = ours()
    etree.SubElement(etree.SubElement(broken, S("childCredentials")), S("childCredential")).append(
        etree.Element(S("europassCredential"))
    )
    assert Credential.from_xml(etree.tostring(broken)).truncated  # unreadable: left out, said so


def test_durations_in_hours() -> None:
    assert duration_hours("PT60H") == Decimal(60)
    assert duration_hours("PT1H30M") == Decimal("1.5")
    assert (
        duration_hours("P2D") is None and duration_hours("nonsense") is None and duration_hours(None) is None
    )


@pytest.mark.parametrize(
    ("country", "number", "expected"),
    [
        ("FR", "12345678901", "VATFR-12345678901"),
        ("FR", "FR12345678901", "VATFR-12345678901"),
        ("GR", "094014201", "VATEL-094014201"),  # Greece's VAT prefix is EL, as its e-seal certificates say
        ("GR", "EL094014201", "VATEL-094014201"),
    ],
)
def test_a_vat_number_reads_as_the_organisation_identifier_an_e_seal_certificate_carries(
    country: str, number: str, expected: str
) -> None:
    from europass.credentials.model import vat_organisation_identifier

    assert vat_organisation_identifier(country, number) == expected
