"""The XAdES seal of an ELM v2 XML credential (ours and the European Commission's), checked with python-xmlsec.

The core signature is checked with python-xmlsec (libxmlsec1), which implements the XPath and XPath Filter 2.0
transforms the Commission's issuer uses. Before that, the structure is pinned down so that signature wrapping cannot
work: exactly one ``ds:Signature``, inside ``proof`` of the document root; its references may only cover the whole
document minus the signature, its own XAdES SignedProperties or its own KeyInfo. The credential is then read from
the document root, and never from inside ``ds:Signature``.

Every archive time-stamp (XAdES B-LTA, ``xades141:ArchiveTimeStamp``, also the v1.3.2 ``xades:ArchiveTimeStamp``) is
recomputed (``archive_timestamp_data``, EN 319 132-1 V1.1.1 5.5.2.2) and its token checked; the signature time-stamp
stays the proven time.

``verify_xades`` returns the format-neutral ``SealEvidence`` or raises ``SealRefused``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NoReturn

import xmlsec
from lxml import etree

from europass.words import said

from .certificates import summarize
from .errors import SealingError
from .evidence import SealEvidence, SealRefused
from .timestamp import TimestampInfo, verify_timestamp_token
from .validation_data import read_certificates, read_crls, read_ocsps

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
NS = {"ds": DS, "xades": XADES, "xades141": XADES141}
EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ARCHIVE_TIMESTAMPS = (f"{{{XADES141}}}ArchiveTimeStamp", f"{{{XADES}}}ArchiveTimeStamp")
MAX_ARCHIVE_TIMESTAMPS = 8  # archive time-stamp tokens per seal: each one recanonicalises the whole document
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
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
# (exclusive, with comments). lxml has no C14N 1.1: it is computed as 1.0, which differs only in the xml:id and
# xml:base attributes inherited by the apex of a subtree (none in our seals; the digest check below would tell).
C14N_MODES = {
    C14N_10: (False, False),
    C14N_10 + "#WithComments": (False, True),
    EC: (True, False),
    EC + "WithComments": (True, True),
    "http://www.w3.org/2006/12/xml-c14n11": (False, False),
    "http://www.w3.org/2006/12/xml-c14n11#WithComments": (False, True),
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
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
        raise SealRefused(said("The credential carries no electronic seal."))
    if len(signatures) > 1:
        raise SealRefused(said("The document carries more than one signature: refused."))
    signature = signatures[0]
    proof = signature.getparent()
    if proof is None or etree.QName(proof).localname != "proof" or proof.getparent() is not root:
        raise SealRefused(
            said("The seal is not where a Europass seal belongs (in the proof of the document root).")
        )
    if credential is not root and credential.getparent() is not root:
        raise SealRefused(said("The credential is not where the seal covers it."))
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
                raise SealRefused(said("A seal reference uses transforms that are not accepted."))
            document_references += 1
            continue
        if not uri or not uri.startswith("#"):
            raise SealRefused(said("The seal refers to something outside the document: refused."))
        target_id = uri[1:]
        if ids.get(target_id, 0) != 1:
            raise SealRefused(
                said("The seal refers to an element whose identifier is missing or repeated: refused.")
            )
        target = (
            next(el for el in signature.iter() if el.get("Id") == target_id)
            if any(el.get("Id") == target_id for el in signature.iter())
            else None
        )
        if target is None:
            raise SealRefused(said("The seal refers to an element outside the signature: refused."))
        localname = etree.QName(target).localname
        if target.tag == f"{{{XADES}}}SignedProperties" and reference.get("Type") == SIGNED_PROPERTIES_TYPE:
            signed_properties.append(target)
        elif localname not in ("KeyInfo", "X509Data"):
            raise SealRefused(said("The seal refers to an element it should not cover: refused."))
    if document_references != 1:
        raise SealRefused(said("The seal does not cover the whole credential exactly once."))
    return signature, _signed_properties(signature, signed_properties)


def _signed_properties(signature: etree._Element, signed: list[etree._Element]) -> etree._Element:
    """XAdES properties count only when a signed reference covers them: exactly one ``SignedProperties``, in the
    signature's one ``QualifyingProperties``. Any other element that looks like qualifying properties (an unsigned
    ``ds:Object`` carrying another ``SigningTime``, say) is refused, never read."""
    if len(signed) != 1:
        raise SealRefused(
            said(
                "The seal does not sign exactly one set of XAdES properties (signing time, signing certificate)."
            )
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
        raise SealRefused(said("The seal carries XAdES properties that it does not sign: refused."))
    return signed[0]


def _collect(signature: etree._Element, properties: etree._Element) -> _Signature:
    certificates = [_b64(c) for c in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]
    if not certificates:
        raise SealRefused(said("The seal does not carry its certificate."))
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
            said(
                "The seal is broken: the credential was changed after it was sealed, or the seal is not genuine."
            )
        ) from None


def _check_signing_certificate(sig: _Signature) -> None:
    cert_digests = sig.properties.findall(
        "xades:SignedSignatureProperties/xades:SigningCertificateV2/xades:Cert/xades:CertDigest", NS
    ) or sig.properties.findall(
        "xades:SignedSignatureProperties/xades:SigningCertificate/xades:Cert/xades:CertDigest", NS
    )
    if not cert_digests:
        raise SealRefused(said("The seal does not name its signing certificate (XAdES SigningCertificate)."))
    for digest in cert_digests:
        method = digest.find("ds:DigestMethod", NS)
        name = DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
        if name and hashlib.new(name, sig.certificate_der).digest() == _b64(
            digest.find("ds:DigestValue", NS)
        ):
            return
    raise SealRefused(
        said("The certificate in the seal is not the one the seal names (certificate swapped).")
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
                    said("The seal's time-stamp does not match the seal, or its signature is broken.")
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


# --- XAdES B-LTA: archive time-stamps ---------------------------------------------------------------------------


def _cannot_recompute() -> NoReturn:
    raise SealRefused(
        said("The seal's archive time-stamp covers data that cannot be recomputed here: refused.")
    )


def _c14n(
    node: etree._Element | etree._ElementTree,
    algorithm: str,
    method: etree._Element | None = None,
    *,
    comments: bool | None = None,
) -> bytes:
    """``node`` canonicalised with ``algorithm`` (lxml / libxml2), with the exclusive prefix list of ``method``
    (a ``ds:Transform`` or ``ds:CanonicalizationMethod``); ``comments`` False for a same-document node-set, which
    holds none whatever the algorithm says (XMLDSig 4.4.3.3)."""
    exclusive, with_comments = C14N_MODES[algorithm]
    prefixes = None
    if exclusive and method is not None:
        listed = method.find(f"{{{EC}}}InclusiveNamespaces")
        if listed is not None:
            prefixes = (listed.get("PrefixList") or "").split() or None
    return etree.tostring(
        node,
        method="c14n",
        exclusive=exclusive,
        with_comments=with_comments if comments is None else comments,
        inclusive_ns_prefixes=prefixes,
    )


def _without_signature(signature: etree._Element) -> etree._ElementTree:
    """A copy of the signature's document with the signature taken out, the text after it kept (what the enveloped,
    XPath ``not(ancestor-or-self::ds:Signature)`` and XPath Filter 2.0 subtract transforms leave of ``URI=""``).
    The copy is serialised and parsed again so that comments and processing instructions around the root stay."""
    tree = signature.getroottree()
    path = []
    node = signature
    while (parent := node.getparent()) is not None:
        path.append(parent.index(node))
        node = parent
    target = etree.fromstring(etree.tostring(tree), parser=_PARSER)
    for index in reversed(path):
        target = target[index]
    parent = target.getparent()
    assert parent is not None
    if target.tail:
        previous = target.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + target.tail
        else:
            parent.text = (parent.text or "") + target.tail
    parent.remove(target)
    return parent.getroottree()


def _reference_octets(
    signature: etree._Element, reference: etree._Element, algorithm: str, method: etree._Element | None
) -> bytes:
    """EN 319 132-1 5.5.2.2 a): what the XMLDSig reference processing model yields for ``reference``; a node-set is
    canonicalised with the archive time-stamp's ``algorithm``. Only what our structure checks accept is processed:
    ``URI=""`` minus the signature, or ``#id`` of an element of the signature, with canonicalisation transforms.
    Octets that do not give the reference's digest are refused: the time-stamp would be checked over other data
    than the seal signs."""
    uri = reference.get("URI")
    node: etree._Element | etree._ElementTree
    if uri == "":
        node = _without_signature(signature)
    elif uri and uri.startswith("#"):
        targets = [e for e in signature.iter() if e.get("Id") == uri[1:]]
        if len(targets) != 1:
            _cannot_recompute()
        node = targets[0]
    else:
        _cannot_recompute()
    last: etree._Element | None = None  # the canonicalisation that makes the output an octet stream
    for transform in reference.findall("ds:Transforms/ds:Transform", NS):
        name = transform.get("Algorithm", "")
        if name in C14N_MODES:
            last = transform
        elif name in (ENVELOPED, XPATH, XPATH2) and uri == "":
            last = None  # a node-set again
        else:
            _cannot_recompute()
    if last is not None:
        octets = _c14n(node, last.get("Algorithm", ""), last, comments=False)
        digested = octets
    else:
        octets = _c14n(node, algorithm, method, comments=False)
        # a node-set's digest is over its Canonical XML 1.0; an element of the signature is taken as it is
        digested = _c14n(node, C14N_10, comments=False) if uri == "" else b""
    if digested:
        digest_method = reference.find("ds:DigestMethod", NS)
        name = DIGESTS.get(digest_method.get("Algorithm", "") if digest_method is not None else "")
        expected = _text(reference.find("ds:DigestValue", NS))
        if not name or hashlib.new(name, digested).digest() != base64.b64decode(expected):
            _cannot_recompute()
    return octets


def archive_timestamp_data(signature: etree._Element, stamp: etree._Element) -> bytes:
    """The input of the message imprint of the archive time-stamp ``stamp`` (a child of the signature's
    ``UnsignedSignatureProperties``), EN 319 132-1 V1.1.1 5.5.2.2, each part canonicalised with the stamp's
    ``ds:CanonicalizationMethod`` (Canonical XML 1.0 when absent):

    a) every ``ds:Reference`` of ``ds:SignedInfo``, in order, processed as XMLDSig does (``_reference_octets``);
    b) ``ds:SignedInfo``, ``ds:SignatureValue``, ``ds:KeyInfo``;
    c) every element of ``UnsignedSignatureProperties`` before ``stamp``, in order;
    d) every ``ds:Object`` of the signature but the one holding ``QualifyingProperties`` (for a v1.3.2
       ``xades:ArchiveTimeStamp``, also but those a reference covers).

    As the Commission's DSS computes it (``XAdESTimestampMessageDigestBuilder.getArchiveTimestampMessageDigest``).
    Raises ``SealRefused`` when the data cannot be recomputed."""
    try:
        return _archive_timestamp_data(signature, stamp)
    except etree.LxmlError:  # libxml2 cannot parse it again or canonicalise it
        _cannot_recompute()


def _archive_timestamp_data(signature: etree._Element, stamp: etree._Element) -> bytes:
    method = stamp.find("ds:CanonicalizationMethod", NS)
    algorithm = method.get("Algorithm", "") if method is not None else C14N_10
    if algorithm not in C14N_MODES:
        _cannot_recompute()
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    parts = [_reference_octets(signature, reference, algorithm, method) for reference in references]
    for path in ("ds:SignedInfo", "ds:SignatureValue", "ds:KeyInfo"):
        element = signature.find(path, NS)
        if element is not None:
            parts.append(_c14n(element, algorithm, method))
    properties = stamp.getparent()
    if properties is None:
        _cannot_recompute()
    for child in properties:
        if child is stamp:
            break
        # elements only: comments and processing instructions are not properties
        if isinstance(child.tag, str):
            parts.append(_c14n(child, algorithm, method))
    covered = (
        {r.get("URI", "")[1:] for r in references} if stamp.tag == f"{{{XADES}}}ArchiveTimeStamp" else set()
    )
    for element in signature.findall("ds:Object", NS):
        if element.find("xades:QualifyingProperties", NS) is None and element.get("Id") not in covered:
            parts.append(_c14n(element, algorithm, method))
    return b"".join(parts)


def _archive_stamps(sig: _Signature) -> list[TimestampInfo]:
    """Every archive time-stamp of the unsigned signature properties, each token over ``archive_timestamp_data``."""
    unsigned = _unsigned_signature_properties(sig.properties)
    stamps = [c for c in unsigned if c.tag in ARCHIVE_TIMESTAMPS] if unsigned is not None else []
    infos: list[TimestampInfo] = []
    spent = 0
    for stamp in stamps:
        tokens = stamp.findall("xades:EncapsulatedTimeStamp", NS)
        spent += len(tokens)
        if spent > MAX_ARCHIVE_TIMESTAMPS:
            raise SealRefused(
                said(
                    "The seal carries too many archive time-stamps (more than %(limit)s).",
                    limit=MAX_ARCHIVE_TIMESTAMPS,
                )
            )
        if not tokens or stamp.find("xades:XMLTimeStamp", NS) is not None:
            raise SealRefused(said("The seal's archive time-stamp could not be read."))
        data = archive_timestamp_data(sig.node, stamp)
        for token in tokens:
            info = verify_timestamp_token(_b64(token), data)
            if not info.ok:
                raise SealRefused(
                    said("The seal's archive time-stamp does not match the seal, or its signature is broken.")
                )
            infos.append(info)
    return infos


def verify_xades(root: etree._Element, credential: etree._Element) -> SealEvidence:
    """Check the one XAdES seal of the document whose credential element is ``credential``: structure, every
    reference digest and the signature value, the signed signing certificate, the signature time-stamp, every
    archive time-stamp."""
    try:
        signature, properties = _check_structure(root, credential)
        sig = _collect(signature, properties)
        _verify_core(root, sig)
        _check_signing_certificate(sig)
        proven, source, authority, stamp_certs = _proven_time(sig)
        archives = _archive_stamps(sig)
    except (SealingError, ValueError, TypeError) as error:
        reason = error.text if isinstance(error, SealingError) else str(error)
        raise SealRefused(said("The seal could not be read: %(reason)s", reason=reason)) from None
    certificates, notes = read_certificates(sig.certificates)  # DER or PEM; unreadable: skipped, noted
    ocsps, ocsp_notes = read_ocsps(sig.ocsps)
    crls, crl_notes = read_crls(sig.crls)
    if source == "timestamp":  # the archive authorities' certificates after the proving one's
        stamp_certs = list(stamp_certs)
        for info in archives:
            for der in (info.tsa_cert_der, *info.certificates):
                if der and der not in stamp_certs:
                    stamp_certs.append(der)
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
