"""Verification of a sealed credential: ours and the European Commission's.

The core signature is checked with python-xmlsec (libxmlsec1), which implements the XPath and XPath Filter 2.0
transforms the Commission's issuer uses. Before that, the structure is pinned down so that signature wrapping cannot
work: exactly one ``ds:Signature``, inside ``proof`` of the document root; its references may only cover the whole
document minus the signature, its own XAdES SignedProperties or its own KeyInfo. The credential is then read from
the document root, and never from inside ``ds:Signature``.

``verify()`` never raises: every problem becomes a failed check with a sentence in English and French.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import xmlsec
from asn1crypto import x509 as asn1_x509
from lxml import etree

from europass.credentials.errors import CredentialError
from europass.credentials.model import Credential, find_credential_element
from europass.credentials.schema import SchemaValidator
from europass.credentials.xmlsafe import parse_xml

from . import binding, revocation
from .certificates import qc_statements, summarize
from .errors import SealingError
from .report import ORDER, Check, CheckStatus, SealInfo, VerificationReport
from .timestamp import verify_timestamp_token
from .trust import PathResult, TrustStore

log = logging.getLogger(__name__)

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

ExtraCheck = Callable[[Credential, SealInfo | None], Check]


class _Refused(Exception):
    def __init__(self, en: str, fr: str, **details: object) -> None:
        super().__init__(en)
        self.en, self.fr, self.details = en, fr, details


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
        raise _Refused(
            "The credential carries no electronic seal.", "Le titre ne porte aucun cachet électronique."
        )
    if len(signatures) > 1:
        raise _Refused(
            "The document carries more than one signature: refused.",
            "Le document porte plus d'une signature : refusé.",
        )
    signature = signatures[0]
    proof = signature.getparent()
    if proof is None or etree.QName(proof).localname != "proof" or proof.getparent() is not root:
        raise _Refused(
            "The seal is not where a Europass seal belongs (in the proof of the document root).",
            "Le cachet n'est pas à la place d'un cachet Europass (dans la preuve à la racine du document).",
        )
    if credential is not root and credential.getparent() is not root:
        raise _Refused(
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
                raise _Refused(
                    "A seal reference uses transforms that are not accepted.",
                    "Une référence du cachet utilise des transformations non acceptées.",
                )
            document_references += 1
            continue
        if not uri or not uri.startswith("#"):
            raise _Refused(
                "The seal refers to something outside the document: refused.",
                "Le cachet fait référence à un élément extérieur au document : refusé.",
            )
        target_id = uri[1:]
        if ids.get(target_id, 0) != 1:
            raise _Refused(
                "The seal refers to an element whose identifier is missing or repeated: refused.",
                "Le cachet fait référence à un élément dont l'identifiant manque ou est répété : refusé.",
            )
        target = (
            next(el for el in signature.iter() if el.get("Id") == target_id)
            if any(el.get("Id") == target_id for el in signature.iter())
            else None
        )
        if target is None:
            raise _Refused(
                "The seal refers to an element outside the signature: refused.",
                "Le cachet fait référence à un élément hors de la signature : refusé.",
            )
        localname = etree.QName(target).localname
        if target.tag == f"{{{XADES}}}SignedProperties" and reference.get("Type") == SIGNED_PROPERTIES_TYPE:
            signed_properties.append(target)
        elif localname not in ("KeyInfo", "X509Data"):
            raise _Refused(
                "The seal refers to an element it should not cover: refused.",
                "Le cachet fait référence à un élément qu'il ne devrait pas couvrir : refusé.",
            )
    if document_references != 1:
        raise _Refused(
            "The seal does not cover the whole credential exactly once.",
            "Le cachet ne couvre pas l'ensemble du titre exactement une fois.",
        )
    return signature, _signed_properties(signature, signed_properties)


def _signed_properties(signature: etree._Element, signed: list[etree._Element]) -> etree._Element:
    """XAdES properties count only when a signed reference covers them: exactly one ``SignedProperties``, in the
    signature's one ``QualifyingProperties``. Any other element that looks like qualifying properties (an unsigned
    ``ds:Object`` carrying another ``SigningTime``, say) is refused, never read."""
    if len(signed) != 1:
        raise _Refused(
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
        raise _Refused(
            "The seal carries XAdES properties that it does not sign: refused.",
            "Le cachet contient des propriétés XAdES qu'il ne signe pas : refusé.",
        )
    return signed[0]


def _collect(signature: etree._Element, properties: etree._Element) -> _Signature:
    certificates = [_b64(c) for c in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]
    if not certificates:
        raise _Refused(
            "The seal does not carry its certificate.", "Le cachet ne contient pas son certificat."
        )
    unsigned = _unsigned_signature_properties(properties)
    extra = [
        _b64(c) for c in _find_all(unsigned, "xades:CertificateValues/xades:EncapsulatedX509Certificate")
    ]
    ocsps = [
        _b64(c)
        for c in _find_all(unsigned, "xades:RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue")
    ]
    crls = [
        _b64(c)
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
    context.key = _xmlsec_key(sig.certificate_der)
    xmlsec.tree.add_ids(sig.node, ["Id"])  # only inside the signature: references may point nowhere else
    try:
        context.verify(sig.node)
    except xmlsec.Error:
        raise _Refused(
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
        raise _Refused(
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
    raise _Refused(
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
                raise _Refused(
                    "The seal's time-stamp does not match the seal, or its signature is broken.",
                    "L'horodatage du cachet ne correspond pas au cachet, ou sa signature est rompue.",
                )
            authority = summarize(info.tsa_cert_der).subject if info.tsa_cert_der else None
            return info.gen_time, "timestamp", authority, list(info.certificates)
    return sig.signing_time, "claimed", None, []


@lru_cache(maxsize=256)
def _key_usage_ok(cert_der: bytes) -> bool:
    usage = asn1_x509.Certificate.load(cert_der).key_usage_value
    return usage is None or bool({"digital_signature", "non_repudiation"} & set(usage.native))


def _na(code: str, en: str, fr: str) -> Check:
    return Check.of(code, CheckStatus.NOT_APPLICABLE, en, fr)


def verify(
    data: bytes,
    trust: TrustStore,
    *,
    schema: SchemaValidator | None = None,
    extra_checks: Sequence[ExtraCheck] = (),
    now: dt.datetime | None = None,
    revocation_fetch: revocation.Fetch | None = None,
) -> VerificationReport:
    """``revocation_fetch`` asks a seal certificate's authority for its status when the seal carries no OCSP
    response or CRL (the caller applies the network rules); without it such a status is reported unchecked."""
    now = now or dt.datetime.now(dt.UTC)
    checks: dict[str, Check] = {}
    try:
        return _verify(
            data,
            trust,
            schema=schema,
            extra_checks=extra_checks,
            now=now,
            checks=checks,
            revocation_fetch=revocation_fetch,
        )
    except Exception:  # the promise: nothing escapes
        log.exception("verification failed unexpectedly")
        checks.setdefault(
            "seal_intact",
            Check.of(
                "seal_intact",
                CheckStatus.FAILED,
                "The credential could not be verified (unexpected content).",
                "Le titre n'a pas pu être vérifié (contenu inattendu).",
            ),
        )
        return VerificationReport(tuple(_ordered(checks)))


def _ordered(checks: dict[str, Check]) -> list[Check]:
    result = [checks[code] for code in ORDER if code in checks]
    result += [check for code, check in checks.items() if code not in ORDER]
    for code in ORDER:
        if code not in checks:
            result.insert(
                ORDER.index(code),
                _na(
                    code,
                    "Not checked: an earlier check failed.",
                    "Non vérifié : un contrôle précédent a échoué.",
                ),
            )
    return result


def _verify(
    data: bytes,
    trust: TrustStore,
    *,
    schema: SchemaValidator | None,
    extra_checks: Sequence[ExtraCheck],
    now: dt.datetime,
    checks: dict[str, Check],
    revocation_fetch: revocation.Fetch | None = None,
) -> VerificationReport:
    try:
        root = parse_xml(data)
        element = find_credential_element(root)
    except CredentialError as error:
        checks["well_formed"] = Check.of(
            "well_formed", CheckStatus.FAILED, error.messages["en"], error.messages["fr"], reason=error.code
        )
        return VerificationReport(tuple(_ordered(checks)))
    checks["well_formed"] = Check.of(
        "well_formed",
        CheckStatus.PASSED,
        "Safe, well-formed Europass credential XML.",
        "XML de titre Europass sûr et bien formé.",
    )
    if schema is None:
        checks["schema_valid"] = _na(
            "schema_valid",
            "The official schema is not configured here (EUROPASS_SCHEMA_DIR); schema validation skipped.",
            "Le schéma officiel n'est pas configuré ici (EUROPASS_SCHEMA_DIR) ; validation ignorée.",
        )
    elif etree.QName(element).namespace == "http://data.europa.eu/snb":
        errors = schema.errors(element)
        checks["schema_valid"] = (
            Check.of(
                "schema_valid",
                CheckStatus.PASSED,
                "Valid against the official Europass schema.",
                "Conforme au schéma Europass officiel.",
            )
            if not errors
            else Check.of(
                "schema_valid",
                CheckStatus.FAILED,
                "Not valid against the official Europass schema.",
                "Non conforme au schéma Europass officiel.",
                errors=errors,
            )
        )
    credential: Credential | None = None
    seal: SealInfo | None = None
    try:
        signature, properties = _check_structure(root, element)
        sig = _collect(signature, properties)
        _verify_core(root, sig)
        _check_signing_certificate(sig)
        proven, source, authority, stamp_certs = _proven_time(sig)
    except _Refused as refused:
        checks["seal_intact"] = Check.of(
            "seal_intact", CheckStatus.FAILED, refused.en, refused.fr, **refused.details
        )
        return VerificationReport(tuple(_ordered(checks)))
    except (SealingError, ValueError) as error:
        checks["seal_intact"] = Check.of(
            "seal_intact",
            CheckStatus.FAILED,
            f"The seal could not be read: {error}",
            f"Le cachet n'a pas pu être lu : {error}",
        )
        return VerificationReport(tuple(_ordered(checks)))
    try:
        credential = Credential.from_xml(element)
    except CredentialError as error:
        checks["well_formed"] = Check.of(
            "well_formed", CheckStatus.FAILED, error.messages["en"], error.messages["fr"]
        )
        return VerificationReport(tuple(_ordered(checks)))
    try:
        certificate = summarize(sig.certificate_der)
        certificate_details = certificate.to_json()
    except SealingError as error:
        certificate, certificate_details = None, {"error": error.messages["en"]}
    checks["seal_intact"] = Check.of(
        "seal_intact",
        CheckStatus.PASSED,
        "The seal is intact: the credential has not been changed since it was sealed.",
        "Le cachet est intact : le titre n'a pas été modifié depuis qu'il a été scellé.",
        sealed_by=certificate.subject if certificate else None,
        signing_time=sig.signing_time,
        proven_time=proven,
        time_source=source,
        timestamp_authority=authority,
        algorithm=sig.algorithm,
    )
    moment = proven or now
    path = _certificate_check(
        trust, sig, stamp_certs, moment, source, certificate_details, checks, revocation_fetch
    )
    qc = qc_statements(sig.certificate_der) if certificate else None
    level = "untrusted"
    if path.trusted:
        level = (
            "qualified"
            if (qc and qc.qualified_seal and path.anchor and path.anchor.qualified_for_seals)
            else "advanced"
        )
    if not path.trusted:
        checks["seal_qualified"] = _na(
            "seal_qualified",
            "The seal's level cannot be judged: its certificate is not trusted.",
            "Le niveau du cachet ne peut être établi : son certificat n'est pas de confiance.",
        )
    elif level == "qualified":
        checks["seal_qualified"] = Check.of(
            "seal_qualified",
            CheckStatus.PASSED,
            "Qualified electronic seal (eIDAS): qualified certificate for seals from a qualified trust service.",
            "Cachet électronique qualifié (eIDAS) : certificat qualifié de cachet émis par un prestataire qualifié.",
            qc_types=list(qc.qc_types) if qc else [],
            sscd=bool(qc and qc.sscd),
        )
    else:
        claims = bool(qc and qc.qualified_seal)
        checks["seal_qualified"] = Check.of(
            "seal_qualified",
            CheckStatus.WARNING,
            "Advanced electronic seal: trusted, but not a qualified seal"
            + (
                " (the certificate claims to be qualified, but its authority is not on a trusted list here)."
                if claims
                else "."
            ),
            "Cachet électronique avancé : de confiance, mais non qualifié"
            + (
                " (le certificat se dit qualifié, mais son autorité ne figure pas sur une liste de confiance ici)."
                if claims
                else "."
            ),
            qc_claimed=claims,
        )
    seal = SealInfo(
        certificate=certificate_details,
        signing_time=sig.signing_time,
        proven_time=proven,
        time_source=source,
        timestamp_authority=authority,
        qualified=level == "qualified",
        level=level,
        signature_algorithm=sig.algorithm,
    )
    checks["sealer_is_issuer"] = binding.check(credential, seal)
    if credential.valid_until and credential.valid_until < now:
        checks["not_expired"] = Check.of(
            "not_expired",
            CheckStatus.FAILED,
            f"The credential expired on {credential.valid_until:%Y-%m-%d}.",
            f"Le titre a expiré le {credential.valid_until:%d/%m/%Y}.",
            valid_until=credential.valid_until,
        )
    elif credential.valid_until:
        checks["not_expired"] = Check.of(
            "not_expired",
            CheckStatus.PASSED,
            f"The credential is valid until {credential.valid_until:%Y-%m-%d}.",
            f"Le titre est valable jusqu'au {credential.valid_until:%d/%m/%Y}.",
            valid_until=credential.valid_until,
        )
    else:
        checks["not_expired"] = Check.of(
            "not_expired", CheckStatus.PASSED, "The credential does not expire.", "Le titre n'expire pas."
        )
    checks["not_revoked"] = _na(
        "not_revoked", "Revocation status not checked here.", "Statut de révocation non vérifié ici."
    )
    checks["issuer_accredited"] = _na(
        "issuer_accredited",
        "Accreditation not checked here (no register).",
        "Habilitation non vérifiée ici (pas de registre).",
    )
    checks["qualification_registered"] = _na(
        "qualification_registered",
        "Qualification not checked against a register here.",
        "Certification non confrontée à un registre ici.",
    )
    for extra in extra_checks:
        try:
            result = extra(credential, seal)
        except Exception:
            log.exception("verification: an extra check failed")
            continue
        checks[result.code] = result
    return VerificationReport(tuple(_ordered(checks)), credential=credential, seal=seal)


def _certificate_check(
    trust: TrustStore,
    sig: _Signature,
    stamp_certs: list[bytes],
    moment: dt.datetime,
    source: str,
    details: dict[str, object],
    checks: dict[str, Check],
    revocation_fetch: revocation.Fetch | None = None,
) -> PathResult:
    if not _key_usage_ok(sig.certificate_der):
        checks["certificate_trusted"] = Check.of(
            "certificate_trusted",
            CheckStatus.FAILED,
            "The seal certificate may not be used for seals (key usage).",
            "Le certificat du cachet ne peut pas servir de cachet (usage de la clé).",
            certificate=details,
        )
        return PathResult(False)
    ocsps, crls, status = list(sig.ocsps), list(sig.crls), "seal"
    if not ocsps and not crls:
        status = "none_published"
        if revocation.pointers(sig.certificate_der):
            status = "unavailable"
            if revocation_fetch is not None:
                anchors = [a.certificate_der for a in trust.anchors]
                fetched = revocation.fetch(
                    sig.certificate_der, [*sig.certificates, *anchors], revocation_fetch
                )
                if fetched:
                    ocsps, crls, status = list(fetched.ocsps), list(fetched.crls), "fetched"
    path = trust.validate(
        sig.certificate_der, [*sig.certificates, *stamp_certs], moment=moment, ocsps=ocsps, crls=crls
    )
    at = f"{moment:%Y-%m-%d %H:%M} UTC"
    if not path.trusted:
        checks["certificate_trusted"] = Check.of(
            "certificate_trusted",
            CheckStatus.FAILED,
            path.reason("en"),
            path.reason("fr"),
            certificate=details,
            judged_at=moment,
            revocation=status,
        )
        return path
    en = f"The seal certificate was valid and trusted at the signing time ({at}"
    fr = f"Le certificat du cachet était valide et de confiance au moment de la signature ({at}"
    if source == "timestamp":
        en, fr = en + ", proven by a time-stamp)", fr + ", prouvé par un horodatage)"
    else:
        en, fr = (
            en + ", as claimed by the seal: no time-stamp proves it)",
            fr + ", déclaré par le cachet : aucun horodatage ne le prouve)",
        )
    if path.expired_since:
        en += "; it has expired since, which does not affect credentials sealed before."
        fr += " ; il a expiré depuis, ce qui n'affecte pas les titres scellés auparavant."
    else:
        en, fr = en + ".", fr + "."
    how_en, how_fr = REVOCATION_SOURCES[status]
    en, fr = f"{en} {how_en}", f"{fr} {how_fr}"
    fine = (source == "timestamp" or not path.expired_since) and status != "unavailable"
    checks["certificate_trusted"] = Check.of(
        "certificate_trusted",
        CheckStatus.PASSED if fine else CheckStatus.WARNING,
        en,
        fr,
        certificate=details,
        anchor=path.anchor.name if path.anchor else None,
        path=list(path.path),
        judged_at=moment,
        expired_since=path.expired_since,
        revocation=status,
    )
    return path


REVOCATION_SOURCES = {  # how the seal certificate's revocation status was known: (English, French)
    "seal": (
        "Not revoked, according to the OCSP / CRL data the seal carries.",
        "Non révoqué, selon les données OCSP / LCR que porte le cachet.",
    ),
    "fetched": (
        "Not revoked, according to its certificate authority (asked just now).",
        "Non révoqué, selon son autorité de certification (interrogée à l'instant).",
    ),
    "none_published": (
        "Its authority publishes no revocation service for it.",
        "Son autorité ne publie aucun service de révocation pour lui.",
    ),
    "unavailable": (
        "Whether it has been revoked could not be checked: its authority's CRL / OCSP service could not be reached.",
        "Sa révocation n'a pas pu être vérifiée : le service LCR / OCSP de son autorité est injoignable.",
    ),
}
