"""ETSI TS 119 612 trusted lists, built here with certificates made in the test, imported as trust anchors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from europass.registry.models import TrustAnchor
from europass.registry.services import trust_anchor_add, trusted_list_import
from europass.registry.trustedlist import TrustedListError

from .pki import (
    FOR_ESEALS,
    FOR_ESIGNATURES,
    TSA_QTST,
    WITHDRAWN,
    Issued,
    Service,
    make_certificate,
    sign_list,
    to_bytes,
    trusted_list,
)

pytestmark = pytest.mark.django_db


def _fingerprint(issued: Issued) -> str:
    return hashlib.sha256(issued.der).hexdigest()


@pytest.fixture
def cas() -> dict[str, Issued]:
    return {
        name: make_certificate(f"{name} CA")
        for name in ("seals", "signatures", "withdrawn", "tsa", "seals-2")
    }


def _list(cas: dict[str, Issued]) -> bytes:
    return to_bytes(
        trusted_list(
            "FR",
            {
                "Example Trust": [
                    Service(
                        "Example Trust qualified seals",
                        [cas["seals"].der, cas["seals-2"].der],
                        additional=[FOR_ESEALS],
                    ),
                    Service(
                        "Example Trust qualified signatures",
                        [cas["signatures"].der],
                        additional=[FOR_ESIGNATURES],
                    ),
                ],
                "Old TSP": [
                    Service("Old CA", [cas["withdrawn"].der], status=WITHDRAWN, additional=[FOR_ESEALS])
                ],
                "Clock TSP": [Service("Qualified time-stamps", [cas["tsa"].der], service_type=TSA_QTST)],
            },
        )
    )


def test_granted_qualified_cas_for_seals_become_qualified_anchors_and_the_others_are_not(
    cas: dict[str, Issued],
) -> None:
    result = trusted_list_import(data=_list(cas))
    anchors = {anchor.fingerprint_sha256: anchor for anchor in TrustAnchor.objects.all()}
    assert set(anchors) == {_fingerprint(cas[n]) for n in ("seals", "seals-2", "signatures")}
    assert anchors[_fingerprint(cas["seals"])].qualified_for_seals
    assert anchors[_fingerprint(cas["seals-2"])].qualified_for_seals
    assert not anchors[_fingerprint(cas["signatures"])].qualified_for_seals
    assert {a.source for a in anchors.values()} == {"trusted list FR"}
    assert anchors[_fingerprint(cas["seals"])].name == "Example Trust qualified seals"
    assert len(result.added) == 3 and result.territory == "FR"


def test_withdrawn_services_and_other_service_types_are_skipped_with_a_reason(cas: dict[str, Issued]) -> None:
    result = trusted_list_import(data=_list(cas))
    skipped = dict(result.skipped)
    assert "withdrawn" in skipped["Old CA"]
    assert "Svctype/TSA/QTST" in skipped["Qualified time-stamps"]
    assert not TrustAnchor.objects.filter(
        fingerprint_sha256__in=[_fingerprint(cas["withdrawn"]), _fingerprint(cas["tsa"])]
    ).exists()


def test_seals_only_skips_qualified_cas_that_are_not_for_seals(cas: dict[str, Issued]) -> None:
    trusted_list_import(data=_list(cas), seals_only=True)
    assert set(TrustAnchor.objects.values_list("qualified_for_seals", flat=True)) == {True}
    assert TrustAnchor.objects.count() == 2


def test_importing_the_same_list_again_adds_nothing(cas: dict[str, Issued]) -> None:
    trusted_list_import(data=_list(cas))
    again = trusted_list_import(data=_list(cas))
    assert not again.added and not again.updated and len(again.unchanged) == 3
    assert TrustAnchor.objects.count() == 3


def test_a_service_withdrawn_in_a_later_list_deactivates_its_anchor(cas: dict[str, Issued]) -> None:
    trusted_list_import(data=_list(cas))
    later = to_bytes(
        trusted_list(
            "FR",
            {
                "Example Trust": [
                    Service(
                        "Example Trust qualified seals",
                        [cas["seals"].der],
                        status=WITHDRAWN,
                        additional=[FOR_ESEALS],
                    )
                ]
            },
            sequence=2,
        )
    )
    result = trusted_list_import(data=later)
    anchor = TrustAnchor.objects.get(fingerprint_sha256=_fingerprint(cas["seals"]))
    assert not anchor.active and anchor in result.updated


def test_a_manual_anchor_already_present_is_left_as_it_is(cas: dict[str, Issued]) -> None:
    manual = trust_anchor_add(pem=cas["signatures"].pem, name="Added by hand", qualified_for_seals=True)
    result = trusted_list_import(data=_list(cas))
    manual.refresh_from_db()
    assert manual.qualified_for_seals and manual.source == "manual" and manual in result.unchanged


def test_an_unsigned_list_imports_with_a_clear_warning(cas: dict[str, Issued]) -> None:
    result = trusted_list_import(data=_list(cas))
    assert not result.signature_checked
    assert any("not signed" in warning for warning in result.warnings)


def test_a_signed_list_without_a_signer_certificate_warns_that_its_signature_was_not_checked(
    cas: dict[str, Issued],
) -> None:
    signer = make_certificate("FR trusted list signer", ca=False)
    root = trusted_list(
        "FR", {"Example Trust": [Service("Seals", [cas["seals"].der], additional=[FOR_ESEALS])]}
    )
    result = trusted_list_import(data=sign_list(root, signer))
    assert any("NOT checked" in warning for warning in result.warnings)
    assert len(result.added) == 1


def test_a_signed_list_is_checked_against_the_given_signer_certificate(cas: dict[str, Issued]) -> None:
    signer = make_certificate("FR trusted list signer", ca=False)
    root = trusted_list(
        "FR", {"Example Trust": [Service("Seals", [cas["seals"].der], additional=[FOR_ESEALS])]}
    )
    result = trusted_list_import(data=sign_list(root, signer), signer_cert_pem=signer.pem)
    assert result.signature_checked and not result.warnings and len(result.added) == 1


def test_a_list_altered_after_signing_is_refused_and_nothing_is_imported(cas: dict[str, Issued]) -> None:
    signer = make_certificate("FR trusted list signer", ca=False)
    root = trusted_list(
        "FR", {"Example Trust": [Service("Seals", [cas["seals"].der], additional=[FOR_ESIGNATURES])]}
    )
    signed = sign_list(root, signer)
    forged = signed.replace(FOR_ESIGNATURES.encode(), FOR_ESEALS.encode())
    with pytest.raises(TrustedListError) as refused:
        trusted_list_import(data=forged, signer_cert_pem=signer.pem)
    assert refused.value.code == "trusted_list_signature_invalid"
    assert not TrustAnchor.objects.exists()


def test_a_list_signed_by_someone_else_is_refused(cas: dict[str, Issued]) -> None:
    signer, impostor = make_certificate("Real signer", ca=False), make_certificate("Impostor", ca=False)
    root = trusted_list(
        "FR", {"Example Trust": [Service("Seals", [cas["seals"].der], additional=[FOR_ESEALS])]}
    )
    with pytest.raises(TrustedListError):
        trusted_list_import(data=sign_list(root, impostor), signer_cert_pem=signer.pem)
    assert not TrustAnchor.objects.exists()


def test_hostile_xml_is_refused_with_a_message() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">&x;</tsl:TrustServiceStatusList>'
    )
    with pytest.raises(TrustedListError) as refused:
        trusted_list_import(data=hostile)
    assert refused.value.code == "trusted_list_unsafe" and "refused" in refused.value.message
    assert not TrustAnchor.objects.exists()


def test_a_document_that_is_not_a_trusted_list_is_refused() -> None:
    with pytest.raises(TrustedListError):
        trusted_list_import(data=b'<?xml version="1.0"?><html><body>hello</body></html>')


def test_the_command_imports_a_signed_list_and_reports_what_it_did(
    cas: dict[str, Issued], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signer = make_certificate("Signer", ca=False)
    (tmp_path / "signer.pem").write_bytes(signer.pem)
    (tmp_path / "fr.xml").write_bytes(
        sign_list(
            trusted_list("FR", {"TSP": [Service("Seals", [cas["seals"].der], additional=[FOR_ESEALS])]}),
            signer,
        )
    )
    call_command(
        "trusted_list_import", str(tmp_path / "fr.xml"), "--signer-cert", str(tmp_path / "signer.pem")
    )
    out = capsys.readouterr().out
    assert "signature is valid" in out and "1 added" in out and "qualified for seals" in out
    (tmp_path / "other.pem").write_bytes(make_certificate("Other", ca=False).pem)
    with pytest.raises(CommandError):
        call_command(
            "trusted_list_import", str(tmp_path / "fr.xml"), "--signer-cert", str(tmp_path / "other.pem")
        )
