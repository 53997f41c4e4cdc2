"""Loading e-seal keys, refusing bad ones, encrypting them at rest with rotation; QC statements."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from europass.sealing.certificates import organization_identifier, qc_statements, summarize
from europass.sealing.demo import DemoPKI, issue_certificate, make_demo_pki, seal_subject
from europass.sealing.errors import SealingError
from europass.sealing.keys import KeyVault, SealKey, load_pem, load_pkcs12, to_pkcs12


def _pem_key(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_a_pkcs12_file_loads_with_the_right_password_and_not_with_a_wrong_one(pki: DemoPKI) -> None:
    p12 = to_pkcs12(pki.seal, b"s3cret")
    loaded = load_pkcs12(p12, b"s3cret")
    assert loaded.certificate == pki.seal.certificate
    with pytest.raises(SealingError) as refused:
        load_pkcs12(p12, b"wrong")
    assert refused.value.code == "bad_pkcs12" and "password" in str(refused.value)


def test_a_pem_key_and_chain_load_in_any_order(pki: DemoPKI) -> None:
    certs = pki.anchor_cert.public_bytes(serialization.Encoding.PEM) + pki.seal.certificate.public_bytes(
        serialization.Encoding.PEM
    )
    loaded = load_pem(_pem_key(pki.seal.private_key), certs)
    assert loaded.certificate == pki.seal.certificate and loaded.chain == (pki.anchor_cert,)


def test_a_key_that_does_not_match_the_certificate_is_refused(pki: DemoPKI) -> None:
    other = make_demo_pki()
    with pytest.raises(SealingError) as refused:
        load_pem(
            _pem_key(other.seal.private_key), pki.seal.certificate.public_bytes(serialization.Encoding.PEM)
        )
    assert refused.value.code == "key_mismatch"


def test_an_rsa_1024_key_is_refused_as_too_weak(pki: DemoPKI) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    cert = issue_certificate(pki.anchor_cert, pki.anchor_key, seal_subject("Weak", "VATFR-9", "FR"), key=weak)
    with pytest.raises(SealingError) as refused:
        load_pem(_pem_key(weak), cert.public_bytes(serialization.Encoding.PEM))
    assert refused.value.code == "weak_key" and "trop faible" in refused.value.message("fr")


def test_the_vault_round_trips_rotates_and_refuses_a_wrong_secret(pki: DemoPKI) -> None:
    old = KeyVault(["first-secret"])
    token = old.encrypt(pki.seal.private_key)
    assert b"PRIVATE" not in token
    rotated_vault = KeyVault(["second-secret", "first-secret"])
    assert rotated_vault.decrypt(token).private_numbers() == pki.seal.private_key.private_numbers()  # type: ignore[union-attr]
    rotated = rotated_vault.rotate(token)
    assert (
        KeyVault(["second-secret"]).decrypt(rotated).private_numbers()
        == pki.seal.private_key.private_numbers()
    )  # type: ignore[union-attr]
    with pytest.raises(SealingError):
        KeyVault(["another"]).decrypt(token)


def test_no_key_material_is_shown_in_representations(pki: DemoPKI) -> None:
    text = repr(pki.seal) + str(pki.seal) + repr(KeyVault(["hidden-secret"]))
    assert "PRIVATE" not in text and "hidden-secret" not in text and "private_numbers" not in text


def test_the_demo_seal_certificate_carries_the_eidas_qc_statements_and_organisation_identifier(
    pki: DemoPKI,
) -> None:
    der = pki.seal.certificate.public_bytes(serialization.Encoding.DER)
    qc = qc_statements(der)
    assert qc.compliance and qc.qc_types == ("eseal",) and qc.sscd and qc.qualified_seal
    assert organization_identifier(der) == "VATFR-12345678901"
    summary = summarize(der)
    assert summary.qualified and summary.key == "RSA 2048" and "Demo University" in summary.subject


def test_an_unreadable_certificate_is_a_clear_error_not_a_crash() -> None:
    with pytest.raises(SealingError) as refused:
        summarize(b"\x30\x03\x02\x01\x01")
    assert refused.value.code == "bad_certificate"


def test_a_seal_key_is_immutable(pki: DemoPKI) -> None:
    with pytest.raises(AttributeError):
        pki.seal.chain = ()  # type: ignore[misc]
    assert isinstance(pki.seal, SealKey)
