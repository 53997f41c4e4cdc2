"""RFC 3161 time-stamp tokens: the imprint, the authority's signature, and the signed attribute naming the
authority's certificate (RFC 5816): the certificates beside a token are not signed."""

from __future__ import annotations

from europass.sealing.demo import make_demo_pki
from europass.sealing.timestamp import verify_timestamp_token

from .jades_maker import TestTSA


def test_a_token_over_the_data_by_the_certificate_it_names_is_good() -> None:
    tsa = TestTSA.from_pki(make_demo_pki())
    info = verify_timestamp_token(tsa.token(b"signature value"), b"signature value")
    assert info.ok and info.tsa_cert_der is not None


def test_a_token_over_other_data_is_not_good() -> None:
    tsa = TestTSA.from_pki(make_demo_pki())
    info = verify_timestamp_token(tsa.token(b"signature value"), b"another value")
    assert not info.hash_ok and not info.ok


def test_a_token_whose_signed_attribute_names_another_certificate_is_not_good() -> None:
    pki = make_demo_pki()
    tsa = TestTSA.from_pki(pki)
    token = tsa.token(
        b"signature value", names=pki.seal.certificate
    )  # signed, but naming the seal certificate
    info = verify_timestamp_token(token, b"signature value")
    assert info.hash_ok and not info.signature_ok and not info.ok
