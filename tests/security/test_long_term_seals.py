"""Long-term seals (SEAL_LEVEL=B-LT / B-LTA): the revocation status of the seal certificate is fetched from the
authority it names, at sealing, through the guarded fetcher, and carried in the seal, so that a verifier need not ask;
an authority that does not answer stops the seal rather than making one without the status it promises."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from europass.credentials.example import example_credential
from europass.sealing.demo import make_demo_pki
from europass.sealing.errors import SealingError
from europass.sealing.jades_seal import JadesSealer
from europass.sealing.seal import Sealer
from europass.sealing.timestamp import TimeStamper
from europass.sealing.tsa import TimeStampAuthority, server
from issuing.services.seals import collect_validation_values
from tests.verification.conftest import SITE
from verification.services import verify_document, verify_xml

from .test_seal_revocation import (  # noqa: F401 - fixtures
    Authority,
    Pki,
    _crl,
    authority,
    local_authority_allowed,
    pki_with_crl,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def timestamper(pki_with_crl: Pki) -> Iterator[TimeStamper]:  # noqa: F811
    from europass.sealing.demo import make_tsa_certificate

    tsa = make_tsa_certificate(pki_with_crl.anchor, pki_with_crl.anchor_key)
    http = server(TimeStampAuthority(tsa.private_key, tsa.certificate), port=0)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield TimeStamper(f"http://127.0.0.1:{http.server_address[1]}/")
    http.shutdown()


def test_long_term_validation_values_are_the_crl_the_certificate_names_fetched_at_sealing(
    pki_with_crl: Pki,  # noqa: F811
    authority: Authority,  # noqa: F811
    local_authority_allowed: None,  # noqa: F811
) -> None:
    authority.crl = _crl(pki_with_crl, revoked_at=None)
    values = collect_validation_values(pki_with_crl.seal)
    assert values.crls == (authority.crl,) and values.ocsps == ()
    assert authority.requests == 1


def test_a_long_term_seal_whose_authority_does_not_answer_is_not_made(
    pki_with_crl: Pki,  # noqa: F811
    authority: Authority,  # noqa: F811
    local_authority_allowed: None,  # noqa: F811
) -> None:
    authority.up = False
    with pytest.raises(SealingError, match="could not be obtained for a long-term"):
        collect_validation_values(pki_with_crl.seal)


def test_a_certificate_that_names_no_revocation_address_has_nothing_to_carry() -> None:
    pki = make_demo_pki()  # its certificates name no CRL or OCSP address
    values = collect_validation_values(pki.seal)
    assert values.crls == () and values.ocsps == ()


def test_a_b_lt_seal_in_each_format_carries_the_crl_and_its_verifier_does_not_ask_the_authority(
    pki_with_crl: Pki,  # noqa: F811
    authority: Authority,  # noqa: F811
    local_authority_allowed: None,  # noqa: F811
    timestamper: TimeStamper,
) -> None:
    authority.crl = _crl(pki_with_crl, revoked_at=None)
    credential = example_credential(site=SITE)
    xml = Sealer(pki_with_crl.seal, timestamper=timestamper, validation=collect_validation_values).seal(
        credential.to_xml()
    )
    assert authority.requests == 1  # collected once, at sealing
    report = verify_xml(xml)
    check = report.check("certificate_trusted")
    assert check is not None and check.status.value == "passed", check
    assert check.details["revocation"] == "seal"  # the seal's own CRL was enough
    assert authority.requests == 1
    from europass.credentials.edc3 import Edc3Builder

    jades = JadesSealer(pki_with_crl.seal, timestamper=timestamper, validation=collect_validation_values)
    sealed = jades.seal(Edc3Builder(eidas_identifier=None).payload(credential))
    report = verify_document(sealed)
    check = report.check("certificate_trusted")
    assert check is not None and check.status.value == "passed", check
    assert check.details["revocation"] == "seal"
    assert authority.requests == 1  # the second sealer's collection is answered from the cache
