"""Read an EU trusted list (ETSI TS 119 612, namespace ``http://uri.etsi.org/02231/v2#``).

What is taken from a list:

- every ``TSPService`` whose type is ``http://uri.etsi.org/TrstSvc/Svctype/CA/QC`` (a CA issuing qualified
  certificates) and whose *current* status is ``.../Svcstatus/granted``;
- the ``X509Certificate`` values of its ``ServiceDigitalIdentity``;
- whether its ``ServiceInformationExtensions`` carry the ``AdditionalServiceInformation`` URI
  ``http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals``: such a CA issues qualified certificates for
  electronic seals, and its certificates become anchors *qualified for seals*.

Decision: a granted CA/QC service *without* ForeSeals (qualified for signatures or websites only) is still a
supervised CA, so its certificates are imported as anchors that are trusted but NOT qualified for seals (a seal
under them is at best "advanced"). ``seals_only=True`` skips them instead. Every other service (other types,
withdrawn or other statuses) is listed as skipped with the reason.

The list's own XML signature is checked with python-xmlsec against a signer certificate the caller supplies
(the one published in the EU list of trusted lists); without one the import says clearly that it was not checked.
The XML is parsed by the project's safe parser only.
"""

from __future__ import annotations

import base64
import binascii
import copy
from dataclasses import dataclass, field
from typing import Any

import xmlsec
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError, error_text
from europass.credentials.errors import CredentialError
from europass.credentials.model import canonical_view
from europass.credentials.xmlsafe import parse_xml

TSL_NS = "http://uri.etsi.org/02231/v2#"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"tsl": TSL_NS, "ds": DS_NS}
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"

MAX_LIST_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64


class TrustedListError(ApplicationError):
    code = "trusted_list_invalid"


@dataclass(frozen=True)
class ListedService:
    provider: str
    name: str
    service_type: str
    status: str
    for_eseals: bool
    certificates: tuple[bytes, ...]

    @property
    def is_granted_qualified_ca(self) -> bool:
        return self.service_type == CA_QC and self.status == GRANTED


@dataclass
class TrustedList:
    territory: str
    sequence_number: str
    issued_at: str
    next_update: str
    operator: str
    signed: bool
    services: list[ListedService] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _text(node: Any, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _name(node: Any, path: str) -> str:
    """The English name under ``path`` (a list of ``tsl:Name xml:lang=...``), else the first one."""
    names = node.findall(f"{path}/tsl:Name", NS)
    for candidate in names:
        if candidate.get("{http://www.w3.org/XML/1998/namespace}lang", "").lower().startswith("en"):
            return (candidate.text or "").strip()
    return (names[0].text or "").strip() if names else ""


def parse(data: bytes) -> tuple[TrustedList, Any]:
    """Parse a trusted list with the safe parser. Returns the list and the parsed root (for signature checks)."""
    try:
        parsed = parse_xml(data, max_bytes=MAX_LIST_BYTES, max_depth=MAX_DEPTH)
    except CredentialError as exc:
        raise TrustedListError(
            _("The trusted list was refused: %(reason)s") % {"reason": error_text(exc)},
            code="trusted_list_unsafe",
        ) from exc
    root = parsed.getroot() if hasattr(parsed, "getroot") else parsed
    if root.tag != f"{{{TSL_NS}}}TrustServiceStatusList":
        raise TrustedListError(
            _("This is not an ETSI TS 119 612 trusted list (TrustServiceStatusList in %(ns)s).")
            % {"ns": TSL_NS}
        )
    view = canonical_view(root)  # read what the signature covers: text split by comments reads whole
    info = view.find("tsl:SchemeInformation", NS)
    if info is None:
        raise TrustedListError(_("The trusted list has no SchemeInformation."))
    trusted = TrustedList(
        territory=_text(info, "tsl:SchemeTerritory").upper()[:8],
        sequence_number=_text(info, "tsl:TSLSequenceNumber"),
        issued_at=_text(info, "tsl:ListIssueDateTime"),
        next_update=_text(info, "tsl:NextUpdate/tsl:dateTime"),
        operator=_name(info, "tsl:SchemeOperatorName"),
        signed=root.find("ds:Signature", NS) is not None,
    )
    for provider in view.iterfind("tsl:TrustServiceProviderList/tsl:TrustServiceProvider", NS):
        provider_name = _name(provider, "tsl:TSPInformation/tsl:TSPName")
        for service in provider.iterfind("tsl:TSPServices/tsl:TSPService", NS):
            trusted.services.append(_service(provider_name, service, trusted.problems))
    return trusted, root


def _service(provider: str, service: Any, problems: list[str]) -> ListedService:
    info = service.find("tsl:ServiceInformation", NS)
    if info is None:
        return ListedService(provider, "", "", "", False, ())
    name = _name(info, "tsl:ServiceName")
    certificates: list[bytes] = []
    for value in info.iterfind("tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", NS):
        try:
            certificates.append(base64.b64decode("".join((value.text or "").split()), validate=True))
        except (binascii.Error, ValueError):
            problems.append(
                _("%(service)s: a certificate is not valid base64.") % {"service": name or provider}
            )
    uris = {
        (uri.text or "").strip()
        for uri in info.iterfind(
            "tsl:ServiceInformationExtensions/tsl:Extension/tsl:AdditionalServiceInformation/tsl:URI", NS
        )
    }
    return ListedService(
        provider=provider,
        name=name,
        service_type=_text(info, "tsl:ServiceTypeIdentifier"),
        status=_text(info, "tsl:ServiceStatus"),
        for_eseals=FOR_ESEALS in uris,
        certificates=tuple(certificates),
    )


def verify_signature(root: Any, signer_cert_pem: bytes) -> None:
    """Check the list's enveloped XML signature with python-xmlsec against the given signer certificate.

    The signature must be a child of the list's root and its one reference must cover the whole list
    (``URI=""`` or ``#`` + the root's Id): otherwise a valid signature over some other part could vouch for an
    altered list. Raises TrustedListError when anything is wrong.
    """
    signatures = root.findall("ds:Signature", NS)
    if len(signatures) != 1:
        raise TrustedListError(
            _("The trusted list does not carry exactly one signature."), code="trusted_list_unsigned"
        )
    signature = signatures[0]
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    root_id = root.get("Id")
    whole = {"", f"#{root_id}"} if root_id else {""}
    covering = [ref for ref in references if ref.get("URI") in whole and ref.get("Type") is None]
    if len(covering) != 1:
        raise TrustedListError(
            _("The trusted list's signature does not cover the whole list."),
            code="trusted_list_signature_invalid",
        )
    try:
        key = xmlsec.Key.from_memory(signer_cert_pem, xmlsec.constants.KeyDataFormatCertPem, None)
    except xmlsec.Error as exc:
        raise TrustedListError(
            _("The signer certificate of the trusted list could not be read."),
            code="trusted_list_signer_unreadable",
        ) from exc
    # The signature is checked on a copy, so that registering Id attributes does not touch the caller's tree.
    document = copy.deepcopy(root)
    if root_id:
        xmlsec.tree.add_ids(document, ["Id"])
    for node in document.iter():
        if node.tag == "{http://uri.etsi.org/01903/v1.3.2#}SignedProperties":
            xmlsec.tree.add_ids(node, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify(document.find("ds:Signature", NS))
    except xmlsec.Error as exc:
        raise TrustedListError(
            _("The trusted list's signature is not valid for the given signer certificate."),
            code="trusted_list_signature_invalid",
        ) from exc
