"""Qualifications in and out as CSV and XML: round trips, all-or-nothing imports, our schema enforced."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from europass.registry import exchange
from europass.registry.demo import setup_registry
from europass.registry.models import Qualification
from europass.registry.services import QualificationImportError, qualifications_export, qualifications_import

pytestmark = pytest.mark.django_db

FIELDS = [
    "code",
    "title",
    "description",
    "eqf_level",
    "nqf_level",
    "isced_f_code",
    "credits",
    "learning_outcomes",
    "status",
    "uri",
]

HEADER = "code,title_en,title_fr,eqf_level,credits,learning_outcomes_en,learning_outcomes_fr,status\n"


def _snapshot() -> list[dict[str, Any]]:
    return list(Qualification.objects.order_by("code").values(*FIELDS))


def _seed() -> list[dict[str, Any]]:
    setup_registry()
    Qualification.objects.create(
        code="EXT-1",
        title={"en": 'Title with "quotes", commas, and | a bar?', "fr": "Titre « français »"},
        description={"en": "Line one.\nLine two."},
        eqf_level=None,
        credits=Decimal("7.5"),
        learning_outcomes=[{"en": "Only English outcome"}],
        status=Qualification.Status.WITHDRAWN,
        uri="https://europa.eu/europass/qdr/EXT-1",
    )
    return _snapshot()


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_an_export_imported_into_an_empty_register_gives_back_the_same_qualifications(fmt: str) -> None:
    before = _seed()
    exported = qualifications_export(fmt=fmt)
    Qualification.objects.all().delete()
    result = qualifications_import(data=exported, fmt=fmt)
    assert sorted(result.created) == [q["code"] for q in before] and not result.updated
    assert _snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_importing_an_export_again_updates_in_place_and_changes_nothing(fmt: str) -> None:
    before = _seed()
    result = qualifications_import(data=qualifications_export(fmt=fmt), fmt=fmt)
    assert not result.created and len(result.updated) == len(before)
    assert _snapshot() == before


def test_the_exported_xml_is_valid_against_our_schema() -> None:
    _seed()
    document = etree.fromstring(qualifications_export(fmt="xml"))
    assert exchange.xml_schema().validate(document), exchange.xml_schema().error_log
    assert document.tag == f"{{{exchange.QUAL_NS}}}qualifications"


def test_csv_outcomes_may_be_separated_by_bars_or_line_breaks_and_pair_up_by_position() -> None:
    data = (
        HEADER + 'NEW-1,Welding basics,Bases du soudage,3,,"Weld | Read drawings","Souder\nLire des plans",\n'
    ).encode()
    result = qualifications_import(data=data, fmt="csv")
    assert result.created == ["NEW-1"]
    qualification = Qualification.objects.get(code="NEW-1")
    assert qualification.learning_outcomes == [
        {"en": "Weld", "fr": "Souder"},
        {"en": "Read drawings", "fr": "Lire des plans"},
    ]
    assert qualification.status == "active" and qualification.eqf_level == 3


def test_a_bad_row_imports_nothing_and_names_the_row_and_the_reason() -> None:
    data = (
        HEADER
        + "GOOD-1,Good one,,5,60,,,active\n"
        + "GOOD-2,Another good one,,6,180,,,\n"
        + "BAD-3,Bad level,,9,abc,,,retired\n"
    ).encode()
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=data, fmt="csv")
    problems = {(p.row, p.column) for p in refused.value.problems}
    assert problems == {(4, "eqf_level"), (4, "credits"), (4, "status")}
    assert "row 4" in refused.value.message
    assert not Qualification.objects.exists()


def test_a_row_the_database_rules_refuse_rolls_back_the_rows_before_it() -> None:
    setup_registry()
    before = _snapshot()
    data = (
        HEADER
        + "DEMO-BACHELOR-CS,Renamed bachelor,,6,180,,,\n"
        + "NEW-OK,New,,4,,,,\n"
        + "BAD/CODE,Slash in the code,,4,,,,\n"
        + "NEW-OK,Same code twice,,4,,,,\n"
    ).encode()
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=data, fmt="csv")
    assert {(p.row, p.column) for p in refused.value.problems} == {(4, "code"), (5, "code")}
    assert _snapshot() == before


def test_mismatched_english_and_french_outcomes_are_refused() -> None:
    data = (HEADER + 'X-1,T,,,,"a | b | c","a | b",\n').encode()
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=data, fmt="csv")
    assert refused.value.problems[0].column == "learning_outcomes_fr"


def test_an_unknown_column_refuses_the_file() -> None:
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=b"code,title_en,colour\nA,B,red\n", fmt="csv")
    assert "colour" in refused.value.message


def test_a_semicolon_separated_csv_from_a_french_spreadsheet_is_read() -> None:
    data = "\ufeffcode;title_fr;credits\nFR-1;Titre;7,5\n".encode()
    qualifications_import(data=data, fmt="csv")
    assert Qualification.objects.get(code="FR-1").credits == Decimal("7.5")


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0"?><qualifications xmlns="{exchange.QUAL_NS}">{body}</qualifications>'.encode()


def test_xml_that_fails_our_schema_is_refused_and_nothing_is_imported() -> None:
    data = _xml(
        '<qualification code="OK-1"><title lang="en">Fine</title></qualification>'
        '<qualification code="NO-TITLE"><eqfLevel>12</eqfLevel></qualification>'
    )
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=data, fmt="xml")
    assert "qualifications.xsd" in refused.value.message
    assert not Qualification.objects.exists()


def test_hostile_xml_is_refused_before_validation() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<qualifications xmlns="https://europass-portal.eu/ns/qualifications/1">'
        b'<qualification code="X"><title lang="en">&b;</title></qualification></qualifications>'
    )
    with pytest.raises(QualificationImportError) as refused:
        qualifications_import(data=data, fmt="xml")
    assert "refused" in refused.value.message
    assert not Qualification.objects.exists()


def test_the_commands_export_to_a_file_and_import_it_back(tmp_path: Path) -> None:
    before = _seed()
    target = tmp_path / "register.xml"
    call_command("qualifications_export", "-o", str(target))
    assert target.read_bytes().startswith(b"<?xml")
    Qualification.objects.all().delete()
    call_command("qualifications_import", str(target))
    assert _snapshot() == before


def test_the_import_command_lists_each_bad_row_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(HEADER + "A-1,Fine,,4,,,,\nB-2,,,4,,,,\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("qualifications_import", str(source))
    assert "row 3" in capsys.readouterr().err
    assert not Qualification.objects.exists()
