"""The verification engine with every check: seal, trust, expiry, revocation (ours and elsewhere), register."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from europass.credentials.model import AwardingBody, CredentialStatus, MultilingualText
from europass.registry.models import Accreditation, Qualification
from europass.sealing.demo import DemoPKI, make_demo_pki
from europass.sealing.report import CheckStatus, VerificationReport
from europass.sealing.trust import TrustAnchor, TrustStore, load_pem_certificates
from tests.issuing.conftest import rows_created
from verification.services import verify_upload, verify_xml

from .conftest import (
    ANF_SAMPLE,
    HALCOM_SAMPLE,
    Make,
    StatusServer,
    encoded_list,
    own_root_pem,
    past,
    sample,
    timestamp_root_pem,
)

pytestmark = pytest.mark.django_db


def status(report: VerificationReport, code: str) -> CheckStatus:
    check = report.check(code)
    assert check is not None, code
    return check.status


def test_a_credential_of_ours_passes_every_check_and_is_verified(ours: bytes) -> None:
    report = verify_xml(ours)
    assert report.verdict == "verified", [c.to_dict() for c in report.checks if c.status != "passed"]
    assert [c.code for c in report.checks] == [
        "well_formed",
        "schema_valid",
        "seal_intact",
        "certificate_trusted",
        "seal_qualified",
        "sealer_is_issuer",
        "not_expired",
        "not_revoked",
        "issuer_accredited",
        "qualification_registered",
    ]
    assert report.seal is not None and report.seal.level == "qualified"
    assert report.credential is not None and report.credential.holder.display_name() == "Camille Martin"


def test_a_credential_revoked_by_its_issuer_fails_not_revoked_with_the_date_but_not_the_reason(
    register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from europass.accounts.models import Membership, User
    from issuing.demo import _demo_seal
    from issuing.services.batches import batch_confirm, batch_upload
    from issuing.services.revocation import credential_revoke
    from issuing.services.sealing import credentials_seal
    from tests.issuing.conftest import learner, xlsx

    _demo_seal(register)
    staff = User.objects.create_user("staff@verify.example", "a-long-Passphrase-42")
    Membership.objects.create(user=staff, organisation=register, role=Membership.Role.ADMIN)
    monkeypatch.setattr("issuing.services.batches.enqueue_sealing", rows_created)
    batch = batch_confirm(
        batch=batch_upload(organisation=register, actor=staff, data=xlsx([learner(1)]), filename="a.xlsx"),
        actor=staff,
    )
    credentials_seal(credential_ids=list(batch.credentials.values_list("id", flat=True)))
    issued = batch.credentials.get()
    assert issued.xml is not None
    xml = bytes(issued.xml)
    before = verify_xml(xml)
    assert status(before, "not_revoked") == CheckStatus.PASSED, before.check("not_revoked")

    credential_revoke(credential=issued, actor=staff, reason="Awarded in error")

    after = verify_xml(xml)
    check = after.check("not_revoked")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "revoked" in check.message("en") and "révoqué" in check.message("fr")
    assert check.details["revoked_at"]
    assert "reason" not in check.details and "Awarded in error" not in str(after.to_dict())  # never published
    assert after.verdict == "failed"


def test_an_expired_credential_fails_not_expired(make: Make, register: Any) -> None:
    report = verify_xml(make(valid_until=past(10)))
    assert status(report, "not_expired") == CheckStatus.FAILED
    assert report.verdict == "failed"


def test_an_awarding_body_not_accredited_at_the_award_date_fails_issuer_accredited(
    make: Make, register: Any
) -> None:
    accreditation = Accreditation.objects.get(organisation=register, qualification__code="DEMO-BACHELOR-CS")
    assert verify_xml(make()).check("issuer_accredited").status == CheckStatus.PASSED  # type: ignore[union-attr]
    accreditation.valid_from = dt.date(2025, 1, 1)  # after the award (30 June 2024)
    accreditation.save()
    report = verify_xml(make())
    check = report.check("issuer_accredited")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "was not accredited to award DEMO-BACHELOR-CS on 2024-06-30" in check.message("en")


def test_a_withdrawn_accreditation_is_seen_by_the_very_next_verification(make: Make, register: Any) -> None:
    xml = make()
    assert status(verify_xml(xml), "issuer_accredited") == CheckStatus.PASSED
    Accreditation.objects.get(organisation=register, qualification__code="DEMO-BACHELOR-CS").delete()
    assert status(verify_xml(xml), "issuer_accredited") == CheckStatus.FAILED


def test_a_qualification_whose_eqf_level_changed_in_the_register_fails(make: Make, register: Any) -> None:
    xml = make()
    qualification = Qualification.objects.get(code="DEMO-BACHELOR-CS")
    qualification.eqf_level = 7
    qualification.save()
    check = verify_xml(xml).check("qualification_registered")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "EQF 6" in check.message("en") and "EQF 7" in check.message("en")


def test_a_qualification_whose_title_changed_in_the_register_is_a_warning(make: Make, register: Any) -> None:
    xml = make()
    qualification = Qualification.objects.get(code="DEMO-BACHELOR-CS")
    qualification.title = {**qualification.title, "en": "Bachelor of Informatics"}
    qualification.save()
    report = verify_xml(xml)
    check = report.check("qualification_registered")
    assert check is not None and check.status == CheckStatus.WARNING
    assert check.details["qualifications"][0]["title_differs_in"] == ["en"]
    assert report.valid and report.verdict == "partially_verified"


def test_a_qualification_unknown_to_the_register_is_a_warning_not_a_failure(
    make: Make, register: Any
) -> None:
    Qualification.objects.filter(code="DEMO-BACHELOR-CS").delete()
    report = verify_xml(make())
    assert status(report, "qualification_registered") == CheckStatus.WARNING
    assert status(report, "issuer_accredited") == CheckStatus.WARNING
    assert report.verdict == "partially_verified"


def test_an_awarding_body_absent_from_the_register_is_a_warning(make_for: Any, register: Any) -> None:
    elsewhere = AwardingBody(
        id="https://elsewhere.example/org/42",
        name=MultilingualText({"en": "Elsewhere College"}),
        legal_identifier="VATBE-0999999999",
        country="BE",
    )
    xml = make_for(org_name="Elsewhere College", org_identifier="VATBE-0999999999", awarding_body=elsewhere)
    report = verify_xml(xml)
    assert status(report, "sealer_is_issuer") == CheckStatus.PASSED
    check = report.check("issuer_accredited")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "Elsewhere College" in check.message("en") and "not in this register" in check.message("en")


def test_a_seal_from_an_untrusted_authority_fails_and_says_so(make: Make, db: None) -> None:
    report = verify_xml(make())  # no trust anchor in the register
    assert status(report, "seal_intact") == CheckStatus.PASSED
    check = report.check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "is not trusted here" in check.message("en")
    assert report.verdict == "failed"


def test_a_tampered_credential_fails_seal_intact(ours: bytes) -> None:
    report = verify_xml(ours.replace(b"Camille", b"Camilla", 1))
    assert status(report, "seal_intact") == CheckStatus.FAILED
    assert report.credential is None


# --- status lists published elsewhere ---------------------------------------------------------------------------


@pytest.fixture
def allow_loopback(settings: Any) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = True  # the test server lives on 127.0.0.1


def test_a_status_list_elsewhere_signed_by_the_sealer_with_the_bit_clear_passes(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None, pki: DemoPKI
) -> None:
    status_server.revoked = {3}
    status_server.signer = pki.seal
    report = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4)))
    check = report.check("not_revoked")
    assert check is not None and check.status == CheckStatus.PASSED, check
    assert check.details["source"] == f"127.0.0.1:{status_server.port}"
    assert check.details["signed_by_the_sealer"] is True
    assert status_server.accept.startswith("application/vc+jwt")


def test_an_unsigned_status_list_elsewhere_is_only_a_warning_when_it_says_in_force(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    status_server.revoked = {3}
    report = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4)))
    check = report.check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING, check
    assert "could come from anyone: it is not signed" in check.message("en")
    assert "elle n'est pas signée" in check.message("fr")
    assert report.valid and report.verdict == "partially_verified"


def test_a_status_list_signed_by_another_organisation_is_not_believed(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    stranger = make_demo_pki(org_name="Someone Else", org_identifier="VATBE-0999999999", key_type="ec")
    status_server.signer = stranger.seal
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "another organisation" in check.message("en")


def test_a_status_list_of_the_same_name_under_an_untrusted_authority_is_not_believed(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    impostor = make_demo_pki(org_name="Demo University", org_identifier="VATFR-12345678901", key_type="ec")
    status_server.signer = impostor.seal  # same subject, but its root is not trusted here
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "does not lead to a certificate authority trusted here" in check.message("en")


def test_a_status_list_whose_signature_was_tampered_with_gives_status_unknown(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None, pki: DemoPKI
) -> None:
    status_server.signer = pki.seal
    honest = status_server.signed()
    header, payload, signature = honest.split(b".")
    forged = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    forged["credentialSubject"]["encodedList"] = encoded_list(set())
    status_server.body = b".".join(
        [header, base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"="), signature]
    )
    status_server.signer = None  # serve the forged token as it is
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert check.message("en").startswith("Status unknown")
    assert "signature is not valid" in str(check.details["error"])


def test_a_revocation_in_an_unsigned_list_still_fails(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    status_server.revoked = {4}
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.FAILED


def test_a_status_list_elsewhere_with_the_bit_set_fails_and_is_fetched_once(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    status_server.revoked = {4}
    xml = make(status=CredentialStatus(url=status_server.url, index=4))
    assert status(verify_xml(xml), "not_revoked") == CheckStatus.FAILED
    assert status(verify_xml(xml), "not_revoked") == CheckStatus.FAILED
    assert status_server.requests == 1  # cached


def test_a_status_list_that_times_out_gives_status_unknown_never_an_error(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    status_server.delay = 2.0  # FETCH_TIMEOUT_SECONDS is 0.5 in these tests
    report = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4)))
    check = report.check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert check.message("en").startswith("Status unknown")
    assert report.valid and report.verdict == "partially_verified"


def test_a_status_list_larger_than_the_cap_gives_status_unknown(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None, settings: Any
) -> None:
    settings.FETCH_MAX_BYTES = 64 * 1024
    status_server.body = b"[" + b"0," * 200_000 + b"0]"
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert "larger than allowed" in str(check.details["error"])


def test_a_status_list_that_is_not_a_bitstring_list_gives_status_unknown(
    make: Make, register: Any, status_server: StatusServer, allow_loopback: None
) -> None:
    status_server.body = b'{"hello": "world"}'
    check = verify_xml(make(status=CredentialStatus(url=status_server.url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "10.0.0.1", "169.254.169.254", "[::1]", "192.168.1.10", "0.0.0.0"],
)
def test_a_status_list_on_an_internal_address_is_never_requested(
    make: Make, register: Any, status_server: StatusServer, host: str
) -> None:
    url = f"http://{host}:{status_server.port}/status/list-1"
    check = verify_xml(make(status=CredentialStatus(url=url, index=4))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING
    assert status_server.requests == 0


def test_a_status_list_of_this_portal_that_does_not_exist_is_status_unknown(
    make: Make, register: Any
) -> None:
    url = f"{'http://127.0.0.1:8000'}/status/00000000-0000-4000-8000-000000000000"
    check = verify_xml(make(status=CredentialStatus(url=url, index=1))).check("not_revoked")
    assert check is not None and check.status == CheckStatus.WARNING


# --- the Commission's own credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [ANF_SAMPLE, HALCOM_SAMPLE])
def test_the_commissions_sealed_credentials_have_an_intact_seal_and_an_untrusted_authority_here(
    name: str, db: None
) -> None:
    report = verify_upload(data=sample(name))
    assert status(report, "seal_intact") == CheckStatus.PASSED
    # its time-stamping authority is not trusted here either: the time is claimed, not proven
    assert report.seal is not None and report.seal.time_source == "claimed" and not report.seal.proven_time
    assert report.credential is not None and report.credential.holder.display_name()
    assert report.credential.awarding_body.name.get("en")
    check = report.check("certificate_trusted")
    assert check is not None and check.status == CheckStatus.FAILED
    assert "is not trusted here" in check.message("en") and "trust anchor" in check.message("en")
    if (
        name == HALCOM_SAMPLE
    ):  # the issuer's registration (VATSI-61038750) is the seal's organisation identifier
        assert status(report, "sealer_is_issuer") == CheckStatus.PASSED
        assert status(report, "issuer_accredited") == CheckStatus.WARNING  # not in our register
    else:  # a presentation sealed by its presenter (VATES-B00000000, the vp:issuer) of a credential naming
        # JAMK (FI0504), which is not in our register: who presents it is proven, not who awarded it
        check = report.check("sealer_is_issuer")
        assert check is not None and check.status == CheckStatus.WARNING
        assert "presents the credential" in check.message("en") and "JAMK" in check.message("en")
        assert check.details["presenter_identifiers"] == ["VATES-B00000000"]
        assert status(report, "issuer_accredited") == CheckStatus.WARNING  # the binding is not proven


def test_the_anf_sample_is_a_qualified_seal_once_its_root_is_a_qualified_anchor(db: None) -> None:
    anchors = [
        TrustAnchor(der, "ANF root", qualified_for_seals=True)
        for der in load_pem_certificates(own_root_pem(ANF_SAMPLE) + timestamp_root_pem(ANF_SAMPLE))
    ]
    report = verify_upload(data=sample(ANF_SAMPLE), trust=TrustStore(anchors))
    assert status(report, "certificate_trusted") == CheckStatus.PASSED
    assert status(report, "seal_qualified") == CheckStatus.PASSED
