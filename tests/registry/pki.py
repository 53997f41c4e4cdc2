"""Certificates and ETSI trusted lists made in the tests (with `cryptography`, lxml and python-xmlsec): national
lists with their status history, lists of trusted lists (LOTL) pointing to them, and RFC 3161 time-stamps made at a
chosen time by a test time-stamping authority."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

import xmlsec
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from europass.sealing.timestamp import TimeStamper

TSL = "http://uri.etsi.org/02231/v2#"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
TSA_QTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
WITHDRAWN = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
FOR_ESIGNATURES = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"
ADDITIONAL_TYPES = "http://uri.etsi.org/02231/v2/additionaltypes#"
EU_GENERIC = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
EU_LOTL = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
TSL_MIME = "application/vnd.etsi.tsl+xml"


@dataclass
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def make_certificate(
    common_name: str,
    *,
    ca: bool = True,
    issuer: Issued | None = None,
    not_before: dt.datetime | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Trust Services"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    certificate = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(certificate, key)


@dataclass
class Past:
    """A former status of a service (a ``ServiceHistoryInstance``)."""

    status: str
    started: str
    additional: list[str] = field(default_factory=list)
    service_type: str | None = None  # None: the service's type


@dataclass
class Service:
    name: str
    certificates: list[bytes]
    service_type: str = CA_QC
    status: str = GRANTED
    additional: list[str] = field(default_factory=list)
    started: str = "2020-01-01T00:00:00Z"
    history: list[Past] = field(default_factory=list)


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{TSL}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _names(parent: etree._Element, name: str, text: str) -> None:
    container = _sub(parent, name)
    _sub(container, "Name", text, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})


def _extensions(parent: etree._Element, uris: list[str]) -> None:
    if uris:
        extensions = _sub(parent, "ServiceInformationExtensions")
        for uri in uris:
            extension = _sub(extensions, "Extension", Critical="false")
            _sub(_sub(extension, "AdditionalServiceInformation"), "URI", uri)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def trusted_list(territory: str, providers: dict[str, list[Service]], *, sequence: int = 1) -> etree._Element:
    root = etree.Element(
        f"{{{TSL}}}TrustServiceStatusList", nsmap={"tsl": TSL}, Id="TrustServiceStatusList-1"
    )
    root.set("TSLTag", "http://uri.etsi.org/19612/TSLTag")
    info = _sub(root, "SchemeInformation")
    _sub(info, "TSLVersionIdentifier", "5")
    _sub(info, "TSLSequenceNumber", str(sequence))
    _sub(info, "TSLType", "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric")
    _names(info, "SchemeOperatorName", f"Supervisory body of {territory}")
    _sub(info, "SchemeTerritory", territory)
    _sub(info, "ListIssueDateTime", "2026-11-01T00:00:00Z")
    _sub(_sub(info, "NextUpdate"), "dateTime", "2027-05-01T00:00:00Z")
    provider_list = _sub(root, "TrustServiceProviderList")
    for provider_name, services in providers.items():
        provider = _sub(provider_list, "TrustServiceProvider")
        _names(_sub(provider, "TSPInformation"), "TSPName", provider_name)
        container = _sub(provider, "TSPServices")
        for service in services:
            tsp_service = _sub(container, "TSPService")
            service_info = _sub(tsp_service, "ServiceInformation")
            _sub(service_info, "ServiceTypeIdentifier", service.service_type)
            _names(service_info, "ServiceName", service.name)
            digital_id = _sub(_sub(service_info, "ServiceDigitalIdentity"), "DigitalId")
            for der in service.certificates:
                _sub(digital_id, "X509Certificate", base64.b64encode(der).decode("ascii"))
            _sub(service_info, "ServiceStatus", service.status)
            _sub(service_info, "StatusStartingTime", service.started)
            _extensions(service_info, service.additional)
            if service.history:
                history = _sub(tsp_service, "ServiceHistory")
                for past in service.history:
                    instance = _sub(history, "ServiceHistoryInstance")
                    _sub(instance, "ServiceTypeIdentifier", past.service_type or service.service_type)
                    _names(instance, "ServiceName", service.name)
                    _sub(instance, "ServiceDigitalIdentity")
                    _sub(instance, "ServiceStatus", past.status)
                    _sub(instance, "StatusStartingTime", past.started)
                    _extensions(instance, past.additional)
    return root


@dataclass
class Pointer:
    """An ``OtherTSLPointer`` of a LOTL: a list's address, territory and the certificates that may sign it."""

    territory: str
    location: str
    signers: list[bytes]
    tsl_type: str = EU_GENERIC
    mime_type: str = TSL_MIME


def list_of_lists(
    pointers: list[Pointer], *, sequence: int = 1, pivots: list[str] | None = None, oj: str = ""
) -> etree._Element:
    """An EU LOTL: SchemeTerritory EU, the pivot LOTLs and the Official Journal in SchemeInformationURI, and a
    pointer per list (the pointer to the LOTL itself carries the certificates that may sign it)."""
    root = etree.Element(
        f"{{{TSL}}}TrustServiceStatusList",
        nsmap={"tsl": TSL, "ns3": ADDITIONAL_TYPES},
        Id="ID0001",
    )
    root.set("TSLTag", "http://uri.etsi.org/19612/TSLTag")
    info = _sub(root, "SchemeInformation")
    _sub(info, "TSLVersionIdentifier", "5")
    _sub(info, "TSLSequenceNumber", str(sequence))
    _sub(info, "TSLType", EU_LOTL)
    _names(info, "SchemeOperatorName", "European Commission")
    uris = _sub(info, "SchemeInformationURI")
    for uri in [
        *(pivots or []),
        *([oj] if oj else []),
        "https://ec.europa.eu/tools/lotl/eu-lotl-legalnotice.html",
    ]:
        _sub(uris, "URI", uri, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    _sub(info, "SchemeTerritory", "EU")
    pointers_element = _sub(info, "PointersToOtherTSL")
    for pointer in pointers:
        other = _sub(pointers_element, "OtherTSLPointer")
        identities = _sub(other, "ServiceDigitalIdentities")
        for der in pointer.signers:
            identity = _sub(_sub(identities, "ServiceDigitalIdentity"), "DigitalId")
            _sub(identity, "X509Certificate", base64.b64encode(der).decode("ascii"))
        _sub(other, "TSLLocation", pointer.location)
        additional = _sub(other, "AdditionalInformation")
        _sub(_sub(additional, "OtherInformation"), "TSLType", pointer.tsl_type)
        _sub(_sub(additional, "OtherInformation"), "SchemeTerritory", pointer.territory)
        mime = etree.SubElement(_sub(additional, "OtherInformation"), f"{{{ADDITIONAL_TYPES}}}MimeType")
        mime.text = pointer.mime_type
    _sub(info, "ListIssueDateTime", "2026-11-01T00:00:00Z")
    _sub(_sub(info, "NextUpdate"), "dateTime", "2027-05-01T00:00:00Z")
    return root


class FixedTimeStamper(TimeStamper):
    """A time-stamping authority whose clock says ``gen_time``: real RFC 3161 tokens (TSTInfo in CMS SignedData,
    signed attributes, ECDSA), made here instead of asked over HTTP."""

    def __init__(self, authority: Issued, gen_time: dt.datetime) -> None:
        super().__init__("about:fixed-clock")
        self.authority = authority
        self.gen_time = gen_time

    def timestamp(self, data: bytes) -> bytes:
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.3.6.1.4.1.99999.1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": hashlib.sha256(data).digest(),
                },
                "serial_number": secrets.randbits(63),
                "gen_time": self.gen_time.astimezone(dt.UTC),
            }
        )
        content = info.dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
            ]
        )
        signature = self.authority.key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        certificate = asn1_x509.Certificate.load(self.authority.der)
        signed = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(content),
                },
                "certificates": [certificate],
                "signer_infos": [
                    {
                        "version": "v1",
                        "sid": cms.SignerIdentifier(
                            "issuer_and_serial_number",
                            {"issuer": certificate.issuer, "serial_number": certificate.serial_number},
                        ),
                        "digest_algorithm": {"algorithm": "sha256"},
                        "signed_attrs": attributes,
                        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                        "signature": signature,
                    }
                ],
            }
        )
        return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


def to_bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def sign_list(root: etree._Element, signer: Issued) -> bytes:
    """Enveloped signature over the whole list (reference URI=""), as trusted-list operators do."""
    signature = xmlsec.template.create(
        root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformEcdsaSha256
    )
    root.append(signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha256, uri="")
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
    key = xmlsec.Key.from_memory(signer.key_pem, xmlsec.constants.KeyDataFormatPem, None)
    key.load_cert_from_memory(signer.pem, xmlsec.constants.KeyDataFormatCertPem)
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(signature)
    return to_bytes(root)
