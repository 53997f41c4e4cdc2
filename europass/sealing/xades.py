"""The XAdES seal of an ELM v2 XML credential (ours and the European Commission's), checked with python-xmlsec.

The core signature is checked with python-xmlsec (libxmlsec1), which implements the XPath and XPath Filter 2.0
transforms the Commission's issuer uses. Before that, the structure is pinned down so that signature wrapping cannot
work: exactly one ``ds:Signature``, inside ``proof`` of the document root; its references may only cover the whole
document minus the signature, its own XAdES SignedProperties or its own KeyInfo. The credential is then read from
the document root, and never from inside ``ds:Signature``.

``verify_xades`` returns the format-neutral ``SealEvidence`` or raises ``SealRefused``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import xmlsec
from lxml import etree

from .certificates import summarize
from .errors import SealingError
from .evidence import SealEvidence, SealRefused
from .timestamp import verify_timestamp_token
from .validation_data import read_certificates, read_crls, read_ocsps

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XPATH2 = "http://www.w3.org/2002/06/xmldsig-filter2"
C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
}
DIGESTS = {
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
}


@dataclass
class _Signature:
    node: etree._Element
    properties: etree._Element  # the signed xades:SignedProperties
    certificate_der: bytes
    certificates: list[bytes] = field(default_factory=list)
    ocsps: list[bytes] = field(default_factory=list)
    crls: list[bytes] = field(default_factory=list)
    signing_time: dt.datetime | None = None
    algorithm: str = ""


def _text(element: etree._Element | None) -> str:
    """The element's own text as canonical XML sees it: every text node, comments and PIs left out."""
    if element is None:
        return ""
    return "".join("".join(str(t) for t in element.xpath("text()")).split())


def _b64(element: etree._Element) -> bytes:
    return base64.b64decode(_text(element))


def _unsigned_b64(element: etree._Element) -> bytes:
    """An unsigned value (a certificate, CRL or OCSP response carried for validation): badly encoded, it is kept
    as it is, and the readers of validation data skip it with a note instead of refusing the whole seal."""
    try:
        return base64.b64decode(_text(element))
    except ValueError:
        return _text(element).encode("utf-8", "replace")


@lru_cache(maxsize=256)
def _xmlsec_key(cert_der: bytes) -> xmlsec.Key:
    return xmlsec.Key.from_memory(cert_der, xmlsec.constants.KeyDataFormatCertDer, None)


def _is_document_reference(reference: etree._Element) -> bool:
    """URI="" whose transforms take out exactly the signature (enveloped, XPath 1.0 or XPath Filter 2.0)."""
    transforms = reference.findall("ds:Transforms/ds:Transform", NS)
    removes_signature = False
    for transform in transforms:
        algorithm = transform.get("Algorithm", "")
        if algorithm == ENVELOPED:
            removes_signature = True
        elif algorithm == XPATH:
            expression = "".join((transform.findtext("ds:XPath", "", NS) or "").split())
            if expression != "not(ancestor-or-self::ds:Signature)":
                return False
            removes_signature = True
        elif algorithm == XPATH2:
            filters = transform.findall("{http://www.w3.org/2002/06/xmldsig-filter2}XPath")
            if len(filters) != 1 or filters[0].get("Filter") != "subtract":
                return False
            if "".join((filters[0].text or "").split()) not in (
                "/descendant::ds:Signature",
                "//ds:Signature",
            ):
                return False
            removes_signature = True
        elif algorithm not in C14N:
            return False
    return removes_signature


def _check_structure(
    root: etree._Element, credential: etree._Element
) -> tuple[etree._Element, etree._Element]:
    """The one signature and the one ``SignedProperties`` element its signed references cover."""
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        raise SealRefused(
            "The credential carries no electronic seal.", "Le titre ne porte aucun cachet électronique."
        )
    if len(signatures) > 1:
        raise SealRefused(
            "The document carries more than one signature: refused.",
            "Le document porte plus d'une signature : refusé.",
        )
    signature = signatures[0]
    proof = signature.getparent()
    if proof is None or etree.QName(proof).localname != "proof" or proof.getparent() is not root:
        raise SealRefused(
            "The seal is not where a Europass seal belongs (in the proof of the document root).",
            "Le cachet n'est pas à la place d'un cachet Europass (dans la preuve à la racine du document).",
        )
    if credential is not root and credential.getparent() is not root:
        raise SealRefused(
            "The credential is not where the seal covers it.", "Le titre n'est pas là où le cachet le couvre."
        )
    ids: dict[str, int] = {}
    for element in root.iter():
        value = element.get("Id")
        if value:
            ids[value] = ids.get(value, 0) + 1
    document_references = 0
    signed_properties: list[etree._Element] = []
    for reference in signature.findall("ds:SignedInfo/ds:Reference", NS):
        uri = reference.get("URI")
        if uri == "":
            if not _is_document_reference(reference):
                raise SealRefused(
                    "A seal reference uses transforms that are not accepted.",
                    "Une référence du cachet utilise des transformations non acceptées.",
                )
            document_references += 1
            continue
        if not uri or not uri.startswith("#"):
            raise SealRefused(
                "The seal refers to something outside the document: refused.",
                "Le cachet fait référence à un élément extérieur au document : refusé.",
            )
        target_id = uri[1:]
        if ids.get(target_id, 0) != 1:
            raise SealRefused(
                "The seal refers to an element whose identifier is missing or repeated: refused.",
                "Le cachet fait référence à un élément dont l'identifiant manque ou est répété : refusé.",
            )
        target = (
            next(el for el in signature.iter() if el.get("Id") == target_id)
            if any(el.get("Id") == target_id for el in signature.iter())
            else None
        )
        if target is None:
            raise SealRefused(
                "The seal refers to an element outside the signature: refused.",
                "Le cachet fait référence à un élément hors de la signature : refusé.",
            )
        localname = etree.QName(target).localname
        if target.tag == f"{{{XADES}}}SignedProperties" and reference.get("Type") == SIGNED_PROPERTIES_TYPE:
            signed_properties.append(target)
        elif localname not in ("KeyInfo", "X509Data"):
            raise SealRefused(
                "The seal refers to an element it should not cover: refused.",
                "Le cachet fait référence à un élément qu'il ne devrait pas couvrir : refusé.",
            )
    if document_references != 1:
        raise SealRefused(
            "The seal does not cover the whole credential exactly once.",
            "Le cachet ne couvre pas l'ensemble du titre exactement une fois.",
        )
    return signature, _signed_properties(signature, signed_properties)


def _signed_properties(signature: etree._Element, signed: list[etree._Element]) -> etree._Element:
    """XAdES properties count only when a signed reference covers them: exactly one ``SignedProperties``, in the
    signature's one ``QualifyingProperties``. Any other element that looks like qualifying properties (an unsigned
    ``ds:Object`` carrying another ``SigningTime``, say) is refused, never read."""
    if len(signed) != 1:
        raise SealRefused(
            "The seal does not sign exactly one set of XAdES properties (signing time, signing certificate).",
            "Le cachet ne signe pas exactement un ensemble de propriétés XAdES (heure et certificat de signature).",
        )
    qualifying = signed[0].getparent()
    unsigned = list(signature.iter(f"{{{XADES}}}UnsignedProperties"))
    if (
        qualifying is None
        or qualifying.tag != f"{{{XADES}}}QualifyingProperties"
        or list(signature.iter(f"{{{XADES}}}SignedProperties")) != signed
        or list(signature.iter(f"{{{XADES}}}QualifyingProperties")) != [qualifying]
        or len(unsigned) > 1
        or any(e.getparent() is not qualifying for e in unsigned)
    ):
        raise SealRefused(
            "The seal carries XAdES properties that it does not sign: refused.",
            "Le cachet contient des propriétés XAdES qu'il ne signe pas : refusé.",
        )
    return signed[0]


def _collect(signature: etree._Element, properties: etree._Element) -> _Signature:
    certificates = [_b64(c) for c in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]
    if not certificates:
        raise SealRefused(
            "The seal does not carry its certificate.", "Le cachet ne contient pas son certificat."
        )
    unsigned = _unsigned_signature_properties(properties)
    extra = [
        _unsigned_b64(c)
        for c in _find_all(unsigned, "xades:CertificateValues/xades:EncapsulatedX509Certificate")
    ]
    ocsps = [
        _unsigned_b64(c)
        for c in _find_all(unsigned, "xades:RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue")
    ]
    crls = [
        _unsigned_b64(c)
        for c in _find_all(unsigned, "xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue")
    ]
    signing_time = None
    text = _text(properties.find("xades:SignedSignatureProperties/xades:SigningTime", NS))
    if text:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        signing_time = (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
    return _Signature(
        node=signature,
        properties=properties,
        certificate_der=certificates[0],
        certificates=certificates[1:] + extra,
        ocsps=ocsps,
        crls=crls,
        signing_time=signing_time,
        algorithm=(method.get("Algorithm", "") if method is not None else "").rsplit("#", 1)[-1],
    )


def _unsigned_signature_properties(properties: etree._Element) -> etree._Element | None:
    """The ``UnsignedSignatureProperties`` beside the signed properties (time-stamps, validation data)."""
    qualifying = properties.getparent()
    if qualifying is None:
        return None
    return qualifying.find("xades:UnsignedProperties/xades:UnsignedSignatureProperties", NS)


def _find_all(parent: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if parent is None else parent.findall(path, NS)


def _verify_core(root: etree._Element, sig: _Signature) -> None:
    """libxmlsec1 checks every reference digest and the signature value with the certificate's key."""
    context = xmlsec.SignatureContext()
    xmlsec.tree.add_ids(sig.node, ["Id"])  # only inside the signature: references may point nowhere else
    try:
        context.key = _xmlsec_key(sig.certificate_der)  # a certificate libxmlsec1 cannot load: not genuine
        context.verify(sig.node)
    except xmlsec.Error:
        raise SealRefused(
            "The seal is broken: the credential was changed after it was sealed, or the seal is not genuine.",
            "Le cachet est rompu : le titre a été modifié après avoir été scellé, ou le cachet n'est pas authentique.",
        ) from None


def _check_signing_certificate(sig: _Signature) -> None:
    cert_digests = sig.properties.findall(
        "xades:SignedSignatureProperties/xades:SigningCertificateV2/xades:Cert/xades:CertDigest", NS
    ) or sig.properties.findall(
        "xades:SignedSignatureProperties/xades:SigningCertificate/xades:Cert/xades:CertDigest", NS
    )
    if not cert_digests:
        raise SealRefused(
            "The seal does not name its signing certificate (XAdES SigningCertificate).",
            "Le cachet ne désigne pas son certificat de signature (XAdES SigningCertificate).",
        )
    for digest in cert_digests:
        method = digest.find("ds:DigestMethod", NS)
        name = DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
        if name and hashlib.new(name, sig.certificate_der).digest() == _b64(
            digest.find("ds:DigestValue", NS)
        ):
            return
    raise SealRefused(
        "The certificate in the seal is not the one the seal names (certificate swapped).",
        "Le certificat du cachet n'est pas celui que le cachet désigne (certificat substitué).",
    )


def _proven_time(sig: _Signature) -> tuple[dt.datetime | None, str, str | None, list[bytes]]:
    unsigned = _unsigned_signature_properties(sig.properties)
    stamp = unsigned.find("xades:SignatureTimeStamp", NS) if unsigned is not None else None
    if stamp is not None:
        encapsulated = stamp.find("xades:EncapsulatedTimeStamp", NS)
        value = sig.node.find("ds:SignatureValue", NS)
        method = stamp.find("ds:CanonicalizationMethod", NS)
        algorithm = method.get("Algorithm", "") if method is not None else ""
        if encapsulated is not None and value is not None:
            exclusive = "exc-c14n" in algorithm
            data = etree.tostring(value, method="c14n", exclusive=exclusive)
            info = verify_timestamp_token(_b64(encapsulated), data)
            if not info.ok:
                raise SealRefused(
                    "The seal's time-stamp does not match the seal, or its signature is broken.",
                    "L'horodatage du cachet ne correspond pas au cachet, ou sa signature est rompue.",
                )
            authority = None
            if info.tsa_cert_der:
                try:
                    authority = summarize(info.tsa_cert_der).subject
                except SealingError:  # the time-stamp holds; only its authority's name cannot be shown
                    authority = None
            certificates = [c for c in info.certificates if c != info.tsa_cert_der]
            # the authority's own certificate first: the engine judges whether it is trusted
            return (
                info.gen_time,
                "timestamp",
                authority,
                [info.tsa_cert_der, *certificates] if info.tsa_cert_der else certificates,
            )
    return sig.signing_time, "claimed", None, []


def verify_xades(root: etree._Element, credential: etree._Element) -> SealEvidence:
    """Check the one XAdES seal of the document whose credential element is ``credential``: structure, every
    reference digest and the signature value, the signed signing certificate, the signature time-stamp."""
    try:
        signature, properties = _check_structure(root, credential)
        sig = _collect(signature, properties)
        _verify_core(root, sig)
        _check_signing_certificate(sig)
        proven, source, authority, stamp_certs = _proven_time(sig)
    except (SealingError, ValueError, TypeError) as error:
        raise SealRefused(
            f"The seal could not be read: {error}", f"Le cachet n'a pas pu être lu : {error}"
        ) from None
    certificates, notes = read_certificates(sig.certificates)  # DER or PEM; unreadable: skipped, noted
    ocsps, ocsp_notes = read_ocsps(sig.ocsps)
    crls, crl_notes = read_crls(sig.crls)
    return SealEvidence(
        format="xades",
        certificate_der=sig.certificate_der,
        certificates=certificates,
        ocsps=ocsps,
        crls=crls,
        signing_time=sig.signing_time,
        proven_time=proven if source == "timestamp" else None,
        timestamp_authority=authority,
        timestamp_certificates=list(stamp_certs),
        algorithm=sig.algorithm,
        notes=[*notes, *ocsp_notes, *crl_notes],
    )
