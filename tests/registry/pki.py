"""Certificates and ETSI trusted lists made in the tests (with `cryptography`, lxml and python-xmlsec)."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

TSL = "http://uri.etsi.org/02231/v2#"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
TSA_QTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
WITHDRAWN = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
FOR_ESIGNATURES = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures"


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


def make_certificate(common_name: str, *, ca: bool = True, issuer: Issued | None = None) -> Issued:
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
        .not_valid_before(now - dt.timedelta(days=1))
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
class Service:
    name: str
    certificates: list[bytes]
    service_type: str = CA_QC
    status: str = GRANTED
    additional: list[str] = field(default_factory=list)


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{TSL}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _names(parent: etree._Element, name: str, text: str) -> None:
    container = _sub(parent, name)
    _sub(container, "Name", text, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})


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
            service_info = _sub(_sub(container, "TSPService"), "ServiceInformation")
            _sub(service_info, "ServiceTypeIdentifier", service.service_type)
            _names(service_info, "ServiceName", service.name)
            digital_id = _sub(_sub(service_info, "ServiceDigitalIdentity"), "DigitalId")
            for der in service.certificates:
                _sub(digital_id, "X509Certificate", base64.b64encode(der).decode("ascii"))
            _sub(service_info, "ServiceStatus", service.status)
            _sub(service_info, "StatusStartingTime", "2020-01-01T00:00:00Z")
            if service.additional:
                extensions = _sub(service_info, "ServiceInformationExtensions")
                for uri in service.additional:
                    extension = _sub(extensions, "Extension", Critical="false")
                    _sub(_sub(extension, "AdditionalServiceInformation"), "URI", uri)
    return root


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
