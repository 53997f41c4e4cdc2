"""ELM v2 XML of every vintage: the official schemas shipped and chosen by what a document declares, and the
certificates and revocation values of a seal read robustly (DER or PEM, garbage skipped, nothing crashes)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from europass.credentials.model import find_credential_element
from europass.credentials.schema import (
    DOCUMENT_SCHEMAS,
    SHIPPED_DIR,
    SchemaResult,
    SchemaValidator,
    default_validator,
    validator_for,
)
from europass.credentials.xmlsafe import parse_xml
from europass.sealing.report import CheckStatus, VerificationReport
from europass.sealing.schema_check import xml_schema_check
from europass.sealing.trust import TrustAnchor, TrustStore
from europass.sealing.validation_data import read_certificates, read_crls, read_ocsps
from europass.sealing.verify import verify
from europass.words import Text

from ..registry.pki import Issued, make_certificate

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT.parent / "shared" / "interop"
SAMPLES = INTEROP / "edci-xml"
HALCOM = "edci_credential_basic.xml"  # sealed 2020, declares no schema (it follows genericschema.xsd, 1.0)
ANF = "EDC_DiplomaSupplement_AA.xml"  # a verifiable presentation sealed 2022
XADES = "http://uri.etsi.org/01903/v1.3.2#"
DS = "http://www.w3.org/2000/09/xmldsig#"
GENERIC_12_URL = "http://publications.europa.eu/resource/schema/credential/genericschema_1.2.xsd"
VALUE = re.compile(
    rb"<(?:[\w.-]+:)?(EncapsulatedX509Certificate|EncapsulatedCRLValue|EncapsulatedOCSPValue|X509Certificate)"
    rb"(?:\s[^>]*)?>([^<]*)</"
)
UNEXPECTED = ("unexpected content", "contenu inattendu", "Could not be judged", "N'a pas pu être évalué")


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def documents(data: bytes) -> tuple[etree._Element, etree._Element]:
    root = parse_xml(data)
    return root, find_credential_element(root)


def values(data: bytes, kind: bytes | None = None) -> list[re.Match[bytes]]:
    """The base64 values of certificates, CRLs and OCSP responses in a document, as they are in the bytes."""
    return [m for m in VALUE.finditer(data) if kind is None or m.group(1) == kind]


def decoded(match: re.Match[bytes]) -> bytes:
    return base64.b64decode(b"".join(match.group(2).split()))


def replaced(data: bytes, match: re.Match[bytes], new_value: bytes) -> bytes:
    """The document with one value's bytes replaced (base64 of ``new_value``), nothing else touched."""
    start, end = match.span(2)
    return data[:start] + base64.b64encode(new_value) + data[end:]


def certificates_in(data: bytes) -> dict[str, bytes]:
    """The certificates a sealed sample carries, by subject common name."""
    found = {}
    for match in values(data):
        if match.group(1).endswith(b"Certificate"):
            der = decoded(match)
            found[asn1_x509.Certificate.load(der).subject.native.get("common_name", "")] = der
    return found


def anchor(name: str, common_name: str) -> TrustStore:
    return TrustStore([TrustAnchor(certificates_in(sample(name))[common_name], common_name)])


HALCOM_CA = "Halcom CA PO e-seal 1"
HALCOM_ROOT = "Halcom Root Certificate Authority"
ANF_CA = "ANF Assured ID CA1"
ANF_ROOT = "ANF Global Root CA"


def check(report: VerificationReport, code: str) -> tuple[CheckStatus, str]:
    found = report.check(code)
    assert found is not None, code
    return found.status, found.message("en")


# --- the schemas shipped -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SHIPPED_DIR.glob("*.xsd")), ids=lambda p: p.name)
def test_every_shipped_schema_compiles_from_local_files_only(path: Path) -> None:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    etree.XMLSchema(etree.parse(str(path), parser))


def test_every_official_schema_is_shipped_unchanged_with_its_notice_and_licence() -> None:
    official = sorted(p.name for p in (INTEROP / "xsd").glob("*.xsd"))
    assert sorted(p.name for p in SHIPPED_DIR.glob("*.xsd")) == official
    for name in official:
        assert (SHIPPED_DIR / name).read_bytes() == (INTEROP / "xsd" / name).read_bytes(), name
    notice = (SHIPPED_DIR / "NOTICE.md").read_text()
    assert "european-commission-empl/European-Learning-Model" in notice and "EUPL" in notice
    assert (SHIPPED_DIR / "LICENSE-EUPL-1.2").read_bytes() == (INTEROP / "LICENSE-EUPL-1.2").read_bytes()
    assert all(SchemaValidator().schema(name) is not None for name in DOCUMENT_SCHEMAS)


def test_a_plain_install_of_the_package_carries_the_schemas(tmp_path: Path) -> None:
    """What ``pip install .`` puts in site-packages is what setuptools' build_py copies: build it from a fresh copy."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(["cp", "-r", str(ROOT / "europass"), str(source / "europass")], check=True)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import setuptools; setuptools.setup()",
            "-q",
            "build_py",
            "-d",
            str(tmp_path / "lib"),
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    built = tmp_path / "lib" / "europass" / "credentials" / "xsd"
    assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in SHIPPED_DIR.iterdir())


def test_schema_checks_need_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EUROPASS_SCHEMA_DIR", raising=False)
    result = default_validator().validate(*documents(sample("EDC_WileECoyote_Simple.xml")))
    assert result.schema == "genericschema_1.2.xsd" and result.recognised and result.valid


# --- the schema a document declares ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "declared", "schema", "recognised"),
    [
        ("EDC_WileECoyote_Simple.xml", GENERIC_12_URL, "genericschema_1.2.xsd", True),
        ("EDC_SampleACT_AA.xml", GENERIC_12_URL, "genericschema_1.2.xsd", True),
        (
            ANF,
            "http://publications.europa.eu/resource/schema/presentation/mandatedschema_dp_1.2.xsd",
            "mandatedschema_dp_1.2.xsd",
            True,
        ),
        (HALCOM, None, "genericschema.xsd", False),  # declares nothing: the best match is the 2020 schema
    ],
)
def test_each_commission_sample_is_validated_against_the_schema_it_declares(
    name: str, declared: str | None, schema: str, recognised: bool
) -> None:
    result = SchemaValidator().validate(*documents(sample(name)))
    assert (result.declared, result.schema, result.recognised, result.errors) == (
        declared,
        schema,
        recognised,
        [],
    )
    status = xml_schema_check(result).status
    assert status == (CheckStatus.PASSED if recognised else CheckStatus.WARNING)


def test_the_2020_credential_is_valid_against_the_2020_schema_only() -> None:
    """What the verifier used to do (every document against 1.2) fails it; 1.0 (genericschema.xsd) does not."""
    root, credential = documents(sample(HALCOM))
    validator = SchemaValidator()
    assert validator.schema("genericschema.xsd").check(credential, 10) == ([], 0)  # type: ignore[union-attr]
    errors, _ = validator.schema("genericschema_1.2.xsd").check(credential, 10)  # type: ignore[union-attr]
    assert "primaryLanguage" in errors[0]
    check = xml_schema_check(validator.validate(root, credential))
    assert check.status == CheckStatus.WARNING
    assert "does not declare its schema" in check.message("en") and "genericschema.xsd" in check.message("en")
    assert "genericschema.xsd" in check.message("fr") and check.details["schema"] == "genericschema.xsd"


def _declaring(data: bytes, location: str, attribute: str = "schemaLocation") -> bytes:
    root = etree.fromstring(data)
    value = f"http://data.europa.eu/snb {location}" if attribute == "schemaLocation" else location
    root.set(f"{{http://www.w3.org/2001/XMLSchema-instance}}{attribute}", value)
    return bytes(etree.tostring(root))


def test_a_declaration_of_a_schema_unknown_here_gives_the_best_match_with_a_warning() -> None:
    data = _declaring(
        sample("EDC_WileECoyote_Simple.xml"), "https://example.org/schemas/genericschema_9.9.xsd"
    )
    result = SchemaValidator().validate(*documents(data))
    assert not result.recognised and result.valid and result.schema == "genericschema_1.2.xsd"
    assert result.declared == "https://example.org/schemas/genericschema_9.9.xsd"
    check = xml_schema_check(result)
    assert check.status == CheckStatus.WARNING
    assert "genericschema_9.9.xsd" in check.message("en") and "genericschema_1.2.xsd" in check.message("en")
    assert "genericschema_1.2.xsd" in check.message("fr")


def test_a_document_declaring_genericschema_1_2_that_is_not_valid_against_it_fails_naming_it() -> None:
    data = _declaring(sample(HALCOM), GENERIC_12_URL)
    result = SchemaValidator().validate(*documents(data))
    assert result.recognised and result.schema == "genericschema_1.2.xsd" and not result.valid
    assert result.errors[0].startswith("line ") and "primaryLanguage" in result.errors[0]
    check = xml_schema_check(result)
    assert check.status == CheckStatus.FAILED
    assert "genericschema_1.2.xsd" in check.message("en") and "genericschema_1.2.xsd" in check.message("fr")
    assert check.details["errors"] == result.errors and check.details["declared"] == GENERIC_12_URL


@pytest.mark.parametrize(
    ("location", "attribute"),
    [
        ("genericschema.xsd", "schemaLocation"),
        ("../xsd/genericschema.xsd", "schemaLocation"),
        ("C:\\schemas\\GenericSchema.xsd", "schemaLocation"),
        (
            "http://publications.europa.eu/resource/schema/credential/genericschema.xsd?v=1#top",
            "schemaLocation",
        ),
        ("genericschema.xsd", "noNamespaceSchemaLocation"),
    ],
)
def test_a_declaration_is_recognised_by_its_file_name(location: str, attribute: str) -> None:
    result = SchemaValidator().validate(*documents(_declaring(sample(HALCOM), location, attribute)))
    assert (result.schema, result.recognised, result.valid) == ("genericschema.xsd", True, True)


def test_a_document_that_declares_nothing_and_matches_no_official_schema_fails_naming_the_closest() -> None:
    root = etree.fromstring(sample("EDC_WileECoyote_Simple.xml"))
    del root.attrib["{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"]
    root.insert(0, etree.Element("{http://data.europa.eu/snb}notAnElement"))
    result = SchemaValidator().validate(root, root)
    assert result.declared is None and not result.recognised and not result.valid
    check = xml_schema_check(result)
    assert check.status == CheckStatus.FAILED and result.schema in check.message("en")
    assert check.details["errors"]


def test_an_override_directory_takes_precedence_over_the_shipped_schemas(tmp_path: Path) -> None:
    for path in SHIPPED_DIR.glob("*.xsd"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    strict = (tmp_path / "genericschema_1.2.xsd").read_text()
    strict = strict.replace('name="europassCredential"', 'name="renamedCredential"', 1)
    assert 'name="renamedCredential"' in strict
    (tmp_path / "genericschema_1.2.xsd").write_text(strict)
    document = documents(sample("EDC_WileECoyote_Simple.xml"))
    overridden = SchemaValidator(tmp_path).validate(*document)
    assert overridden.recognised and not overridden.valid and "europassCredential" in overridden.errors[0]
    assert SchemaValidator().validate(*document).valid
    assert validator_for(str(tmp_path / "missing")).validate(*document).valid  # a wrong path: shipped ones


def test_an_override_file_that_does_not_compile_leaves_the_shipped_schema_in_charge(tmp_path: Path) -> None:
    (tmp_path / "genericschema_1.2.xsd").write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>")
    result = SchemaValidator(tmp_path).validate(*documents(sample("EDC_WileECoyote_Simple.xml")))
    assert result.recognised and result.valid and result.schema == "genericschema_1.2.xsd"


def test_schemas_validate_from_many_threads_at_once() -> None:
    validator = SchemaValidator()
    inputs = [documents(sample(name)) for name in (HALCOM, ANF, "EDC_SampleACT_AA.xml")] * 4
    expected = [validator.validate(*doc) for doc in inputs]
    results: list[SchemaResult | None] = [None] * len(inputs)

    def work(index: int) -> None:
        results[index] = validator.validate(*inputs[index])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_the_verifier_does_not_fail_the_2020_credential_on_its_schema() -> None:
    report = verify(sample(HALCOM), anchor(HALCOM, HALCOM_ROOT))
    assert check(report, "schema_valid")[0] in (CheckStatus.PASSED, CheckStatus.WARNING)


# --- revocation values and certificates, read robustly --------------------------------------------------------


def _halcom_crl() -> bytes:
    (match,) = values(sample(HALCOM), b"EncapsulatedCRLValue")
    return decoded(match)


def _pem(der: bytes, label: str) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return f"-----BEGIN {label}-----\r\n".encode() + body + f"-----END {label}-----\r\n".encode()


def test_a_pem_crl_is_read_as_der() -> None:
    der = _halcom_crl()
    assert read_crls([_pem(der, "X509 CRL")]) == ([der], [])
    assert read_crls([der]) == ([der], [])
    assert read_crls([base64.b64encode(der)]) == ([der], [])  # base64 text without the armour


def test_an_unreadable_value_is_skipped_with_a_note_in_english_and_french() -> None:
    der = _halcom_crl()
    read, notes = read_crls([b"garbage", der[:100], der, b"-----BEGIN X509 CRL-----\nnot base64\n"])
    assert read == [der] and len(notes) == 3
    text = notes[0].text
    assert isinstance(text, Text)
    english, french = text.shown("en"), text.shown("fr")
    assert "no. 1" in english and "skipped" in english and "ignorée" in french
    assert read_ocsps([der]) == ([], read_ocsps([der])[1]) and read_ocsps([der])[1]
    assert read_certificates([der])[0] == []


def test_a_bare_basic_ocsp_response_is_wrapped_as_an_ocsp_response() -> None:
    (first, *_) = values(sample(HALCOM), b"EncapsulatedOCSPValue")
    response = asn1_ocsp.OCSPResponse.load(decoded(first))
    basic = response["response_bytes"]["response"].parsed.dump()
    (read,), notes = read_ocsps([basic])
    assert notes == [] and asn1_ocsp.OCSPResponse.load(read).basic_ocsp_response.dump() == basic


def test_a_certificate_that_cryptography_refuses_is_read_with_asn1crypto() -> None:
    refused = []
    for der in certificates_in(sample(ANF)).values():
        try:
            x509.load_der_x509_certificate(der).extensions
        except ValueError:
            refused.append(der)
    assert refused  # the ANF issuing CA: a policy qualifier with a non-ASCII VisibleString
    assert read_certificates(refused) == (refused, [])
    assert read_certificates([_pem(refused[0], "CERTIFICATE") * 2]) == ([refused[0]] * 2, [])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_reading_any_bytes_never_raises(data: bytes) -> None:
    for reader in (read_crls, read_ocsps, read_certificates):
        read, notes = reader([data])
        assert len(read) + len(notes) >= 1


# --- the 2020 credential with its issuing CA as the anchor -----------------------------------------------------


@pytest.mark.parametrize("common_name", [HALCOM_CA, HALCOM_ROOT])
@pytest.mark.parametrize("crl_form", ["der", "pem"])
def test_the_2020_credential_is_trusted_with_its_issuing_ca_or_root_as_the_anchor(
    common_name: str, crl_form: str
) -> None:
    data = sample(HALCOM)
    if crl_form == "pem":  # as another genuine 2020 credential carries it: base64 of the PEM text
        (match,) = values(data, b"EncapsulatedCRLValue")
        data = replaced(data, match, _pem(decoded(match), "X509 CRL"))
    report = verify(data, anchor(HALCOM, common_name))
    assert check(report, "seal_intact")[0] == CheckStatus.PASSED
    status, message = check(report, "certificate_trusted")
    assert status in (CheckStatus.PASSED, CheckStatus.WARNING), message
    assert "OCSP / CRL data the seal carries" in message
    certificate = report.check("certificate_trusted")
    assert certificate is not None and certificate.details["anchor"] == common_name


def test_an_unreadable_crl_in_the_seal_is_skipped_and_the_report_says_so() -> None:
    data = sample(HALCOM)
    (match,) = values(data, b"EncapsulatedCRLValue")
    report = verify(
        replaced(data, match, b"-----BEGIN X509 CRL-----\nnot a CRL\n-----END X509 CRL-----\n"),
        anchor(HALCOM, HALCOM_CA),
    )
    seal = report.check("seal_intact")
    assert seal is not None and seal.status == CheckStatus.PASSED
    (note,) = [n for n in seal.details["notes"] if "CRL" in n.shown("en")]
    assert (
        "CRL no. 1" in note.shown("en") and "skipped" in note.shown("en") and "LCR n° 1" in note.shown("fr")
    )
    assert check(report, "certificate_trusted")[0] in (CheckStatus.PASSED, CheckStatus.WARNING)


# --- a CRL issued by a trust anchor that is not self-signed ----------------------------------------------------


def _crl(issuer: Issued, revoked: list[tuple[x509.Certificate, dt.datetime]], *, at: dt.datetime) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(at)
        .next_update(at + dt.timedelta(days=7))
    )
    for certificate, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(when)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def chain() -> tuple[Issued, Issued, Issued]:
    root = make_certificate("Test Root")
    ca = make_certificate("Test Issuing CA", issuer=root)
    leaf = make_certificate("Test Seal", ca=False, issuer=ca)
    return root, ca, leaf


def test_a_crl_of_an_issuing_ca_trusted_directly_revokes_what_it_lists(
    chain: tuple[Issued, Issued, Issued],
) -> None:
    root, ca, leaf = chain
    now = dt.datetime.now(dt.UTC)
    revoked_at = now - dt.timedelta(hours=2)
    crl = _crl(ca, [(leaf.certificate, revoked_at)], at=now - dt.timedelta(hours=1))
    store = TrustStore([TrustAnchor(ca.der, "issuing CA")])
    after = store.validate(leaf.der, [root.der], moment=now, crls=[crl])
    assert not after.trusted and after.revoked and "revoked" in after.reason("en")
    assert "révoqué" in after.reason("fr")
    assert store.validate(leaf.der, [root.der], moment=now, crls=[_pem(crl, "X509 CRL")]).revoked
    before = store.validate(leaf.der, [root.der], moment=revoked_at - dt.timedelta(minutes=5), crls=[crl])
    assert before.trusted
    clean = _crl(ca, [], at=now - dt.timedelta(hours=1))
    assert store.validate(leaf.der, [root.der], moment=now, crls=[clean]).trusted


def test_a_crl_in_the_name_of_the_issuing_ca_signed_by_another_key_revokes_nothing(
    chain: tuple[Issued, Issued, Issued],
) -> None:
    root, ca, leaf = chain
    now = dt.datetime.now(dt.UTC)
    impostor = Issued(ca.certificate, make_certificate("Someone Else").key)  # same name, another key
    forged = _crl(impostor, [(leaf.certificate, now - dt.timedelta(hours=2))], at=now - dt.timedelta(hours=1))
    store = TrustStore([TrustAnchor(ca.der, "issuing CA")])
    assert store.validate(leaf.der, [root.der], moment=now, crls=[forged]).trusted


def test_unreadable_crls_and_ocsp_responses_never_sink_the_path(chain: tuple[Issued, Issued, Issued]) -> None:
    root, ca, leaf = chain
    store = TrustStore([TrustAnchor(root.der, "root")])
    now = dt.datetime.now(dt.UTC)
    result = store.validate(
        leaf.der,
        [b"junk", ca.der[:50], ca.der],
        moment=now,
        crls=[b"junk", b"0\x82"],
        ocsps=[b"\x30\x03\x0a\x01"],
    )
    assert result.trusted


# --- nothing in a seal's validation data can crash the verifier ------------------------------------------------

SEALED = {HALCOM: sample(HALCOM), ANF: sample(ANF)}
TARGETS = [(name, index) for name, data in SEALED.items() for index in range(len(values(data)))]
ANCHORS = {
    HALCOM: [anchor(HALCOM, HALCOM_ROOT), anchor(HALCOM, HALCOM_CA)],
    ANF: [anchor(ANF, ANF_ROOT), anchor(ANF, ANF_CA)],
}


def _garbage(original: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        st.integers(min_value=0, max_value=len(original) - 1).map(lambda n: original[:n]),
        st.integers(min_value=0, max_value=len(original) - 1).map(
            lambda n: original[:n] + bytes([original[n] ^ 0xFF]) + original[n + 1 :]
        ),
        st.binary(max_size=120).map(lambda b: _pem(b, "X509 CRL")),
        st.just(_pem(original, "CERTIFICATE")[:-30]),
    )


@st.composite
def _tampered(draw: st.DrawFn) -> tuple[str, int, bytes, int]:
    """(sample, which value, what replaces it, which anchor): small enough to be shown when a case fails."""
    name, index = draw(st.sampled_from(TARGETS))
    new_value = draw(_garbage(decoded(values(SEALED[name])[index])))
    return name, index, new_value, draw(st.integers(0, 1))


def _assert_reported_not_crashed(name: str, index: int, new_value: bytes, which_anchor: int) -> None:
    match = values(SEALED[name])[index]
    report = verify(replaced(SEALED[name], match, new_value), ANCHORS[name][which_anchor])
    for found in report.checks:
        assert not any(text in found.message("en") for text in UNEXPECTED), found.to_dict()
        assert not any(text in found.message("fr") for text in UNEXPECTED), found.to_dict()
    if match.group(1) != b"X509Certificate":  # unsigned validation data: the seal itself is untouched
        assert check(report, "seal_intact")[0] == CheckStatus.PASSED
        assert check(report, "certificate_trusted")[0] != CheckStatus.NOT_APPLICABLE
    else:  # the seal's own certificate (under the signature): the seal is refused, with a reason
        assert check(report, "seal_intact")[0] == CheckStatus.FAILED


@pytest.mark.parametrize(("name", "index"), TARGETS)
@pytest.mark.parametrize("damage", ["garbage", "truncated", "pem-of-garbage"])
def test_each_value_of_both_seals_replaced_by_damaged_bytes_is_reported_not_crashed(
    name: str, index: int, damage: str
) -> None:
    original = decoded(values(SEALED[name])[index])
    new_value = {
        "garbage": bytes(range(256)) * 2,
        "truncated": original[: len(original) // 2],
        "pem-of-garbage": _pem(b"\x30\x82\xff\xff" + b"A" * 64, "X509 CRL"),
    }[damage]
    for which_anchor in (0, 1):
        _assert_reported_not_crashed(name, index, new_value, which_anchor)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tampered())
def test_no_certificate_crl_or_ocsp_value_in_a_seal_can_crash_the_verifier(
    case: tuple[str, int, bytes, int],
) -> None:
    _assert_reported_not_crashed(*case)


@pytest.mark.parametrize("name", [HALCOM, ANF])
@pytest.mark.parametrize("token", [b"garbage", b"0\x82\x01\x00\x06\x09", b"0\x03\x06\x01\x00"])
def test_an_unreadable_time_stamp_is_a_reason_not_a_crash(name: str, token: bytes) -> None:
    data = SEALED[name]
    stamps = list(re.finditer(rb"<(?:[\w.-]+:)?EncapsulatedTimeStamp(?:\s[^>]*)?>([^<]*)</", data))
    start, end = stamps[-1].span(1)  # the signature time-stamp
    report = verify(data[:start] + base64.b64encode(token) + data[end:], ANCHORS[name][0])
    status, message = check(report, "seal_intact")
    assert status == CheckStatus.FAILED and "time-stamp could not be read" in message


def test_every_value_kind_of_both_seals_is_reached_by_the_property_test() -> None:
    kinds = {(name, values(SEALED[name])[index].group(1)) for name, index in TARGETS}
    assert {kind for _, kind in kinds} == {
        b"X509Certificate",
        b"EncapsulatedX509Certificate",
        b"EncapsulatedOCSPValue",
        b"EncapsulatedCRLValue",
    }
    assert asn1_crl.CertificateList.load(_halcom_crl()).issuer.native["common_name"] == HALCOM_CA
