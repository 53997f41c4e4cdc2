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

For the daily sync of the EU lists, a service is also read with its status history (``ServiceHistory``: each
status with its starting time, type and extensions), so that ``service_periods`` can say when it was granted (and
for e-seals); and the EU list of trusted lists (LOTL) is read by ``parse_lotl``: its pointers to each national
list (location, territory, the certificates that may sign it) and its pivot LOTLs.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
from collections.abc import Sequence
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
TSA_QTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
FOR_ESEALS = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals"
LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
TSL_MIME_TYPE = "application/vnd.etsi.tsl+xml"
# Before eIDAS applied (1 July 2016) lists used the statuses of Directive 1999/93/EC; a CA "under supervision" or
# "accredited" then issued qualified certificates (the lists moved every such service to granted or withdrawn on
# 30 June 2016). Matched by the URI's last segment: older lists spelt the path differently.
PRE_EIDAS_QUALIFIED = {"undersupervision", "supervisionincessation", "accredited", "setbynationallaw"}
# What a list's whole-document reference may apply before digesting: the enveloped signature taken out and a
# canonicalisation. Anything else (XPath, XSLT...) could digest less than the list that is read.
ALLOWED_TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
}

MAX_LIST_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64


class TrustedListError(ApplicationError):
    code = "trusted_list_invalid"


@dataclass(frozen=True)
class StatusInstance:
    """One status of a service (its current one or one of its ``ServiceHistoryInstance``), from its starting time."""

    service_type: str
    status: str
    starting_time: dt.datetime | None
    for_eseals: bool


@dataclass(frozen=True)
class StatusPeriod:
    """A service's status from ``start`` until ``end`` (None: still in force). ``granted``: the service was
    qualified then (granted, or a qualified status of the Directive before eIDAS) with the type asked for."""

    start: dt.datetime
    end: dt.datetime | None
    status: str
    service_type: str
    granted: bool
    for_eseals: bool


@dataclass(frozen=True)
class ListedService:
    provider: str
    name: str
    service_type: str
    status: str
    for_eseals: bool
    certificates: tuple[bytes, ...]
    starting_time: dt.datetime | None = None
    history: tuple[StatusInstance, ...] = ()  # the ServiceHistoryInstance entries, as listed

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


def _load(data: bytes) -> tuple[Any, Any, Any]:
    """The parsed root, the view of it the signature covers, and its SchemeInformation."""
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
    return root, view, info


def parse(data: bytes) -> tuple[TrustedList, Any]:
    """Parse a trusted list with the safe parser. Returns the list and the parsed root (for signature checks)."""
    root, view, info = _load(data)
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


def _time(node: Any, path: str) -> dt.datetime | None:
    """An xsd:dateTime of the list (naive values are UTC); None when absent or unreadable."""
    value = _text(node, path)
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _extensions(node: Any) -> set[str]:
    return {
        (uri.text or "").strip()
        for uri in node.iterfind(
            "tsl:ServiceInformationExtensions/tsl:Extension/tsl:AdditionalServiceInformation/tsl:URI", NS
        )
    }


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
    history = tuple(
        StatusInstance(
            service_type=_text(instance, "tsl:ServiceTypeIdentifier"),
            status=_text(instance, "tsl:ServiceStatus"),
            starting_time=_time(instance, "tsl:StatusStartingTime"),
            for_eseals=FOR_ESEALS in _extensions(instance),
        )
        for instance in service.iterfind("tsl:ServiceHistory/tsl:ServiceHistoryInstance", NS)
    )
    return ListedService(
        provider=provider,
        name=name,
        service_type=_text(info, "tsl:ServiceTypeIdentifier"),
        status=_text(info, "tsl:ServiceStatus"),
        for_eseals=FOR_ESEALS in _extensions(info),
        certificates=tuple(certificates),
        starting_time=_time(info, "tsl:StatusStartingTime"),
        history=history,
    )


def _qualified_status(status: str) -> bool:
    return status == GRANTED or status.rstrip("/").rsplit("/", 1)[-1] in PRE_EIDAS_QUALIFIED


def service_periods(service: ListedService, service_type: str) -> tuple[StatusPeriod, ...]:
    """The service's statuses in time order, each until the next one starts (the current one open-ended).

    A period is ``granted`` when the service then had ``service_type`` and a qualified status; ``for_eseals`` is
    what that status's own extensions said. Statuses without a readable starting time are left out.
    """
    current = StatusInstance(service.service_type, service.status, service.starting_time, service.for_eseals)
    instances = sorted(
        (i for i in (current, *service.history) if i.starting_time is not None),
        key=lambda i: i.starting_time or dt.datetime.min.replace(tzinfo=dt.UTC),
    )
    periods: list[StatusPeriod] = []
    for index, instance in enumerate(instances):
        start = instance.starting_time
        assert start is not None
        end = instances[index + 1].starting_time if index + 1 < len(instances) else None
        if end is not None and end <= start:
            continue  # two statuses from the same moment: the later one listed is in force
        periods.append(
            StatusPeriod(
                start=start,
                end=end,
                status=instance.status,
                service_type=instance.service_type,
                granted=instance.service_type == service_type and _qualified_status(instance.status),
                for_eseals=instance.for_eseals,
            )
        )
    return tuple(periods)


# --- the EU list of trusted lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListPointer:
    """One ``OtherTSLPointer`` of the LOTL: where a list is, whose it is, and the certificates that may sign it."""

    territory: str
    location: str
    tsl_type: str
    mime_type: str
    certificates: tuple[bytes, ...]

    @property
    def is_xml(self) -> bool:
        if self.mime_type:
            return self.mime_type.strip().lower() == TSL_MIME_TYPE
        return self.location.lower().split("?", 1)[0].endswith(".xml")


@dataclass
class ListOfLists:
    territory: str
    tsl_type: str
    sequence_number: str
    issued_at: str
    next_update: str
    pointers: list[ListPointer] = field(default_factory=list)
    pivots: list[str] = field(default_factory=list)  # pivot LOTLs, as listed (the newest first)
    official_journal: list[str] = field(default_factory=list)  # publications of its signing certificates
    problems: list[str] = field(default_factory=list)

    def own_pointer(self) -> ListPointer | None:
        """The LOTL's pointer to itself: the certificates that may sign the LOTL (what a pivot announces)."""
        for pointer in self.pointers:
            if pointer.tsl_type == LOTL_TYPE or pointer.territory == "EU":
                return pointer
        return None

    def national_pointers(self) -> list[ListPointer]:
        """One XML pointer per territory (a territory's PDF copy is skipped; the first XML pointer counts)."""
        seen: dict[str, ListPointer] = {}
        for pointer in self.pointers:
            if pointer.tsl_type == LOTL_TYPE or pointer.territory in ("", "EU") or not pointer.is_xml:
                continue
            seen.setdefault(pointer.territory, pointer)
        return list(seen.values())


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_lotl(data: bytes) -> tuple[ListOfLists, Any]:
    """Parse a list of trusted lists (the EU LOTL or one of its pivots) with the safe parser."""
    root, _view, info = _load(data)
    lotl = ListOfLists(
        territory=_text(info, "tsl:SchemeTerritory").upper()[:8],
        tsl_type=_text(info, "tsl:TSLType"),
        sequence_number=_text(info, "tsl:TSLSequenceNumber"),
        issued_at=_text(info, "tsl:ListIssueDateTime"),
        next_update=_text(info, "tsl:NextUpdate/tsl:dateTime"),
    )
    for uri in info.iterfind("tsl:SchemeInformationURI/tsl:URI", NS):
        value = (uri.text or "").strip()
        if value.lower().split("?", 1)[0].endswith(".xml"):  # ETSI TS 119 615: pivots are the .xml ones
            lotl.pivots.append(value)
        elif "eur-lex.europa.eu" in value.lower():
            lotl.official_journal.append(value)
    for pointer in info.iterfind("tsl:PointersToOtherTSL/tsl:OtherTSLPointer", NS):
        other: dict[str, str] = {}
        for item in pointer.iterfind("tsl:AdditionalInformation/tsl:OtherInformation", NS):
            for child in item:
                other.setdefault(_local(child.tag), (child.text or "").strip())
        certificates: list[bytes] = []
        for value in pointer.iterfind(
            "tsl:ServiceDigitalIdentities/tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", NS
        ):
            try:
                certificates.append(base64.b64decode("".join((value.text or "").split()), validate=True))
            except (binascii.Error, ValueError):
                lotl.problems.append(
                    _("A signing certificate of the list of %(territory)s is not valid base64.")
                    % {"territory": other.get("SchemeTerritory", "?")}
                )
        lotl.pointers.append(
            ListPointer(
                territory=other.get("SchemeTerritory", "").upper()[:8],
                location=_text(pointer, "tsl:TSLLocation"),
                tsl_type=other.get("TSLType", ""),
                mime_type=other.get("MimeType", ""),
                certificates=tuple(certificates),
            )
        )
    return lotl, root


def _check_structure(root: Any) -> None:
    signatures = root.findall("ds:Signature", NS)
    if len(signatures) != 1:
        raise TrustedListError(
            _("The trusted list does not carry exactly one signature."), code="trusted_list_unsigned"
        )
    signature = signatures[0]
    references = signature.findall("ds:SignedInfo/ds:Reference", NS)
    root_id = root.get("Id")
    whole = {"", f"#{root_id}"} if root_id else {""}
    covering = [ref for ref in references if ref.get("URI") in whole and not ref.get("Type")]
    if len(covering) != 1 or any(
        transform.get("Algorithm") not in ALLOWED_TRANSFORMS
        for transform in covering[0].iterfind("ds:Transforms/ds:Transform", NS)
    ):
        raise TrustedListError(
            _("The trusted list's signature does not cover the whole list."),
            code="trusted_list_signature_invalid",
        )


def verify_signature(root: Any, signer_cert_pem: bytes) -> None:
    """Check the list's enveloped XML signature with python-xmlsec against the given signer certificate.

    The signature must be a child of the list's root and its one reference must cover the whole list
    (``URI=""`` or ``#`` + the root's Id, with no transform but the enveloped signature and canonicalisation):
    otherwise a valid signature over some other part could vouch for an altered list. Raises TrustedListError
    when anything is wrong.
    """
    _check_structure(root)
    _verify_with(root, signer_cert_pem)


def _verify_with(root: Any, signer_cert_pem: bytes) -> None:
    root_id = root.get("Id")
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


def verify_signature_any(root: Any, signers: Sequence[bytes]) -> int:
    """Check the list's signature against each of the certificates that may sign it (DER or PEM); returns the
    index of the one it verifies with. Raises TrustedListError when none does (or none is given)."""
    if not signers:
        raise TrustedListError(
            _("No certificate is known that may sign this list."), code="trusted_list_signer_unknown"
        )
    _check_structure(root)
    last: TrustedListError | None = None
    for index, certificate in enumerate(signers):
        pem = certificate if certificate.lstrip().startswith(b"-----BEGIN") else _pem(certificate)
        try:
            _verify_with(root, pem)
        except TrustedListError as error:
            last = error
            continue
        return index
    assert last is not None
    raise TrustedListError(
        _("The list's signature is not valid for any of the certificates that may sign it."),
        code="trusted_list_signature_invalid",
    ) from last


def _pem(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"
