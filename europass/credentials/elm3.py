"""EDC 3 credentials (European Learning Model 3, W3C Verifiable Credentials 1.1 in JSON-LD) read into ``Credential``.

The reader takes the payload as parsed JSON (``jsonsafe.parse_json`` of the bytes the seal covers) and reads its
keys the way the EDC application profile context (``edc-ap``) names them. It reads JSON, not RDF: the schema check
(``shacl.py``) is what proves the document means what its keys say. For the two to agree, a payload that redefines
the vocabulary (an inline ``@context`` object, or an ``@context`` below the top level) is refused here.

Where things come from (ELM 3 → model):

- ``displayParameter.title`` / ``.description`` / ``.primaryLanguage`` / ``.language`` → the credential's title,
  description and languages (EU authority language IRIs ``…/language/ENG`` → ``en``).
- ``issued`` (else ``issuanceDate``; a draft that was never sealed has neither: its ``validFrom`` stands in),
  ``validFrom``, the earlier of ``validUntil`` and ``expirationDate``, ``credentialStatus`` (a status-list entry).
- ``issuer`` (an Organisation) → ``AwardingBody``: ``legalName``, ``registration.notation`` (legal identifier) and
  its ``spatial`` country, ``eIDASIdentifier.notation`` and the VAT number (``VAT<cc>-<number>``) as
  ``identifiers`` (what the seal certificate's organisationIdentifier is compared with), address, e-mail,
  homepage, logo.
- ``credentialSubject`` (a Person) → ``Holder``: names, date of birth, e-mail, first ``identifier``, ``nationalID``.
- ``credentialSubject.hasClaim`` → achievements: each claim with its title, its specification (``specifiedBy``: EQF
  level from the concept IRI ``…/snb/eqf/6`` → 6, NQF level label, ISCED-F code from ``thematicArea``, ECTS
  ``creditPoint``, learning outcomes), its grade (``provenBy[0].grade``), its awarding date and awarding body
  (``awardedBy``, when that body is not the issuer).
- A ``VerifiablePresentation`` / ``EuropeanDigitalPresentation`` is unwrapped: its first EDC in
  ``verifiableCredential`` is read.

Dates of birth and awarding dates are dates written as ``xsd:dateTime``. The Commission's tools write local midnight
in UTC (``1999-10-01T22:00:00Z`` for a person born on 2 October 1999 in Brussels): a value on the hour is read as the
nearest midnight in the offset it was written with, which gives back the day meant for any offset within ±12 h.
The start and end of an activity are moments: their day is the one of the offset they are written in.

Bounds: at most ``MAX_NODES`` objects and ``MAX_DEPTH`` levels are looked at, ``MAX_VALUES`` values of one property
and ``MAX_CLAIMS`` claims are read; references by id are resolved through an index built in the same bounded walk.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from europass.words import Text, said, said_n

from .errors import CredentialError
from .model import (
    _ALPHA2,
    ATTACHMENT_MAX_COUNT,
    ATTACHMENTS_MAX_BYTES,
    GENERIC_TYPE,
    RICH_MAX_DEPTH,
    RICH_MAX_ITEMS,
    SUB_CREDENTIALS_DEPTH,
    SUB_CREDENTIALS_MAX,
    Achievement,
    Activity,
    Address,
    Assessment,
    Attachment,
    AwardingBody,
    Credential,
    CredentialStatus,
    Entitlement,
    GradingScheme,
    Holder,
    LearningOutcome,
    MultilingualText,
    Qualification,
    Specification,
    attachment_content,
    attachment_media_type,
    vat_organisation_identifier,
)

VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
EDC_AP_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
EDC_CONTEXTS = frozenset({EDC_AP_CONTEXT, "https://data.europa.eu/snb/model/context/edc-ap"})
EQF_PREFIX = "http://data.europa.eu/snb/eqf/"
ISCED_F_PREFIX = "http://data.europa.eu/snb/isced-f/"
ECTS_FRAMEWORK = "http://data.europa.eu/snb/education-credit/6fcec5c5af"

MAX_NODES = 20_000  # JSON objects looked at in one payload
MAX_DEPTH = 64  # levels of nesting looked at
MAX_VALUES = 200  # values of one property read (locations, identifiers, learning outcomes, ...)
MAX_CLAIMS = RICH_MAX_ITEMS  # claims read in all (parts, assessments, activities, contained credentials too)
MAX_PART_DEPTH = RICH_MAX_DEPTH  # levels of hasPart read below a claim

CREDENTIAL_TYPES = frozenset({"EuropeanDigitalCredential"})
PRESENTATION_TYPES = frozenset({"VerifiablePresentation", "EuropeanDigitalPresentation"})
ACHIEVEMENT_CLAIMS = frozenset({"LearningAchievement", "Claim"})
ACTIVITY_CLAIMS = frozenset({"LearningActivity"})
ASSESSMENT_CLAIMS = frozenset({"LearningAssessment"})
ENTITLEMENT_CLAIMS = frozenset({"LearningEntitlement"})
CLAIM_TYPES = ACHIEVEMENT_CLAIMS | ACTIVITY_CLAIMS | ASSESSMENT_CLAIMS | ENTITLEMENT_CLAIMS
ACHIEVEMENT_SPECIFICATIONS = frozenset({"Qualification", "LearningAchievementSpecification"})
OTHER_SPECIFICATIONS = frozenset(
    {"LearningAssessmentSpecification", "LearningActivitySpecification", "LearningEntitlementSpecification"}
)
STATUS_LIST_TYPES = frozenset(
    {
        "BitstringStatusListEntry",
        "StatusList2021Entry",
        "RevocationList2020Status",
        "RevocationList2021Status",
    }
)

# The EU authority's language codes (ISO 639-2/3 as ``…/authority/language/ENG``) → ISO 639-1.
_LANGUAGES = {
    "BUL": "bg", "CES": "cs", "DAN": "da", "DEU": "de", "ELL": "el", "ENG": "en", "EST": "et", "FIN": "fi",
    "FRA": "fr", "GLE": "ga", "HRV": "hr", "HUN": "hu", "ITA": "it", "LAV": "lv", "LIT": "lt", "MLT": "mt",
    "NLD": "nl", "POL": "pl", "POR": "pt", "RON": "ro", "SLK": "sk", "SLV": "sl", "SPA": "es", "SWE": "sv",
    "ISL": "is", "NOR": "no", "NOB": "nb", "NNO": "nn", "MKD": "mk", "SRP": "sr", "TUR": "tr", "SQI": "sq",
    "BOS": "bs", "UKR": "uk", "LTZ": "lb", "CAT": "ca", "EUS": "eu", "GLG": "gl", "RUS": "ru", "ARA": "ar",
    "ZHO": "zh", "JPN": "ja", "HYE": "hy", "KAT": "ka", "RUM": "ro", "GER": "de", "FRE": "fr", "DUT": "nl",
    "GRE": "el", "CZE": "cs", "SLO": "sk", "ICE": "is", "ALB": "sq", "MAC": "mk", "CNR": "sr",
}  # fmt: skip
_MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "JPG": "image/jpeg", "GIF": "image/gif",
                "SVG": "image/svg+xml", "PDF": "application/pdf"}  # fmt: skip
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")


def _not_edc(text: Text) -> CredentialError:
    return CredentialError("not_a_credential", text)


# --- the document: a bounded walk, an index of nodes by id ---------------------------------------------------


def _short(name: Any) -> str:
    """A type name without its namespace: ``elm:LearningAchievement`` and
    ``http://data.europa.eu/snb/model/elm/LearningAchievement`` are ``LearningAchievement``."""
    text = name if isinstance(name, str) else ""
    return re.split(r"[/#:]", text)[-1] if text else ""


def _types(node: Any) -> frozenset[str]:
    if not isinstance(node, Mapping):
        return frozenset()
    value = node.get("type", node.get("@type"))
    values = value if isinstance(value, list) else [value]
    return frozenset(_short(v) for v in values[:MAX_VALUES] if isinstance(v, str))


def _id(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Mapping):
        value = node.get("id", node.get("@id"))
        return value if isinstance(value, str) else ""
    return ""


def _known_contexts(context: Any) -> bool:
    """Whether a (nested) ``@context`` names only the VC 1.1 and EDC contexts, which change no meaning."""
    contexts = context if isinstance(context, list) else [context]
    return all(isinstance(c, str) and (c in EDC_CONTEXTS or c == VC_V1_CONTEXT) for c in contexts)


class _Document:
    """The payload walked once, without recursion and within bounds; nodes indexed by id (first one wins)."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.by_id: dict[str, Mapping[str, Any]] = {}
        self.truncated = False
        seen = 0
        stack: list[tuple[Any, int]] = [(payload, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise _not_edc(
                    said_n(
                        "The credential is nested more than %(count)s level deep.",
                        "The credential is nested more than %(count)s levels deep.",
                        MAX_DEPTH,
                    )
                )
            if isinstance(value, Mapping):
                seen += 1
                if seen > MAX_NODES:
                    raise _not_edc(
                        said_n(
                            "The credential has more than %(number)s object, more than this verifier reads.",
                            "The credential has more than %(number)s objects, more than this verifier reads.",
                            MAX_NODES,
                            number=f"{MAX_NODES:,}",
                        )
                    )
                if depth > 0 and "@context" in value and not _known_contexts(value["@context"]):
                    raise _not_edc(
                        said(
                            "The credential redefines its vocabulary inside the document (a nested @context other "
                            "than the VC and EDC contexts): it cannot be read as an EDC credential."
                        )
                    )
                node_id = _id(value)
                if node_id and len(value) > 2:  # more than an id and a type: a description, not a reference
                    self.by_id.setdefault(node_id, value)
                stack.extend((child, depth + 1) for key, child in value.items() if key != "@context")
            elif isinstance(value, list):
                stack.extend((child, depth + 1) for child in value)

    def node(self, value: Any) -> Mapping[str, Any] | None:
        """A node: embedded, or given by its id (a string, or an object with only ``id`` and ``type``)."""
        if isinstance(value, str):
            return self.by_id.get(value) or ({"id": value} if value else None)
        if isinstance(value, Mapping):
            if len(value) <= 2 and _id(value):
                return self.by_id.get(_id(value), value)
            return value
        return None

    def nodes(self, value: Any, limit: int = MAX_VALUES) -> list[Mapping[str, Any]]:
        values = value if isinstance(value, list) else [value] if value is not None else []
        if len(values) > limit:
            self.truncated = True
        return [node for node in (self.node(v) for v in values[:limit]) if node is not None]

    def first(self, value: Any) -> Mapping[str, Any] | None:
        found = self.nodes(value, limit=1)
        return found[0] if found else None


# --- values ----------------------------------------------------------------------------------------------


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next(
            (v for v in value if isinstance(v, str | int | Decimal) and not isinstance(v, bool)), None
        )
    if isinstance(value, Mapping):
        value = value.get("@value")
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _texts(value: Any) -> MultilingualText:
    """A language map (``{"en": "…", "fr": ["…"]}``), value objects (``{"@value", "@language"}``), or a bare string
    (read as English)."""
    texts: dict[str, str] = {}
    if isinstance(value, str):
        if value.strip():
            texts["en"] = value
    elif isinstance(value, Mapping) and "@value" in value:
        text = _string(value.get("@value"))
        if text:
            texts[str(value.get("@language") or "en")] = text
    elif isinstance(value, Mapping):
        for lang, text in list(value.items())[:MAX_VALUES]:
            found = _string(text)
            if found and isinstance(lang, str) and not lang.startswith("@"):
                texts.setdefault(lang, found)
    elif isinstance(value, list):
        for item in value[:MAX_VALUES]:
            for lang, text in _texts(item).texts.items():
                texts.setdefault(lang, text)
    return MultilingualText(texts)


def _optional_texts(value: Any) -> MultilingualText | None:
    return _texts(value) or None


def _parse_datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _datetime(node: Mapping[str, Any], key: str) -> dt.datetime | None:
    text = _string(node.get(key))
    if text is None:
        return None
    try:
        return _parse_datetime(text).astimezone(dt.UTC)
    except ValueError:
        raise _not_edc(
            said("The credential's %(key)s is not a date and time: “%(value)s”.", key=key, value=text[:40])
        ) from None


def _date(value: Any, *, strict: bool = True, what: str = "date", instant: bool = False) -> dt.date | None:
    """A date. Given as a date-time, it is the day of that moment in the offset it was written with; for a field that
    is a date by nature (``instant`` false: a date of birth, an awarding date) a date-time on the hour is taken as a
    local midnight written in another offset, and read as the nearest midnight (``1999-10-01T22:00:00Z`` is
    2 October)."""
    text = _string(value)
    if text is None:
        return None
    try:
        if "T" not in text and len(text) <= 10:
            return dt.date.fromisoformat(text)
        moment = _parse_datetime(text).replace(tzinfo=None)
        if not instant and moment.minute == moment.second == moment.microsecond == 0:
            moment += dt.timedelta(hours=12)
        return moment.date()
    except ValueError:
        if not strict:
            return None
        raise _not_edc(
            said("The credential's %(key)s is not a date: “%(value)s”.", key=what, value=text[:40])
        ) from None


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1] if iri else ""


def _country(doc: _Document, concept: Any) -> str:
    """An EU authority country concept (``…/authority/country/BEL``) as ISO 3166 alpha-2 (``BE``)."""
    code = _tail(_id(doc.first(concept) or concept)).upper()
    return _ALPHA2.get(code, code if len(code) == 2 else "")


def _language(doc: _Document, concept: Any) -> str | None:
    code = _tail(_id(doc.first(concept) or concept)).upper()
    if code in _LANGUAGES:
        return _LANGUAGES[code]
    return code.lower() if len(code) == 2 and code.isalpha() else None


def _label(doc: _Document, concept: Any) -> MultilingualText | None:
    node = doc.first(concept)
    if node is None:
        return None
    label = _texts(node.get("prefLabel"))
    if not label and _id(node):
        label = MultilingualText({"en": _tail(_id(node))})
    return label or None


def _note(doc: _Document, value: Any) -> MultilingualText:
    """A ``Note`` (``noteLiteral`` language map), or a language map given directly."""
    node = doc.first(value)
    if node is not None and "noteLiteral" in node:
        return _texts(node.get("noteLiteral"))
    return _texts(value)


def _mail(doc: _Document, node: Mapping[str, Any]) -> str | None:
    for contact in doc.nodes(node.get("contactPoint")):
        for box in doc.nodes(contact.get("emailAddress")):
            address = _id(box)
            if address.lower().startswith("mailto:"):
                return address[len("mailto:") :]
    return None


def _web(doc: _Document, value: Any) -> str | None:
    for resource in doc.nodes(value):
        url = _string(resource.get("contentURL"))
        if url:
            return url
        if _id(resource).startswith(("http://", "https://")):
            return _id(resource)
    return None


def _logo(doc: _Document, value: Any) -> str | None:
    media = doc.first(value)
    if media is None:
        return None
    content = _string(media.get("content"))
    if content and _BASE64.match(content):
        kind = _tail(_id(doc.first(media.get("contentType")) or "")).upper()
        return f"data:{_MEDIA_TYPES.get(kind, 'image/png')};base64,{''.join(content.split())}"
    return _string(media.get("contentURL"))


# --- the parts -------------------------------------------------------------------------------------------


def _legal_identifiers(doc: _Document, org: Mapping[str, Any]) -> Iterable[str]:
    """Identifiers of the organisation that name a legal person the way an e-seal certificate does
    (ETSI EN 319 412-1 ``organizationIdentifier``): the eIDAS identifier, identifiers of an eIDAS scheme, and the
    VAT number as ``VAT<country>-<number>``."""
    for identifier in doc.nodes(org.get("eIDASIdentifier")):
        notation = _string(identifier.get("notation"))
        if notation:
            yield notation
    for identifier in doc.nodes(org.get("identifier")):
        scheme = " ".join(filter(None, (_string(identifier.get(k)) for k in ("schemeName", "schemeId"))))
        notation = _string(identifier.get("notation"))
        if notation and "eidas" in scheme.lower():
            yield notation
    for vat in doc.nodes(org.get("vatIdentifier")):
        number = "".join((_string(vat.get("notation")) or "").split()).upper()
        country = _country(doc, vat.get("spatial"))
        if not number:
            continue
        if number.startswith("VAT"):
            yield number
        elif country:
            yield vat_organisation_identifier(country, number)


def _awarding_body(doc: _Document, org: Mapping[str, Any] | None) -> AwardingBody:
    if org is None:
        return AwardingBody(id="", name=MultilingualText(), legal_identifier="", country="")
    registration = doc.first(org.get("registration"))
    legal = (_string(registration.get("notation")) if registration else None) or ""
    country = _country(doc, registration.get("spatial")) if registration else ""
    address = None
    for location in doc.nodes(org.get("location")):
        for place in doc.nodes(location.get("address")):
            full = _note(doc, place.get("fullAddress"))
            if not country:
                country = _country(doc, place.get("countryCode"))
            if full and address is None:
                address = Address(full)
    name = _texts(org.get("legalName")) or _texts(org.get("prefLabel")) or _texts(org.get("altLabel"))
    return AwardingBody(
        id=_id(org),
        name=name,
        legal_identifier=legal,
        country=country,
        address=address,
        email=_mail(doc, org),
        homepage=_web(doc, org.get("homepage")),
        logo_url=_logo(doc, org.get("logo")),
        identifiers=tuple(i for i in dict.fromkeys(_legal_identifiers(doc, org)) if i != legal),
    )


def _holder(doc: _Document, subject: Mapping[str, Any] | None) -> Holder:
    if subject is None:
        raise _not_edc(said("The credential has no holder."))
    national = doc.first(subject.get("nationalID"))
    identifier = doc.first(subject.get("identifier"))
    return Holder(
        id=_id(subject),
        given_names=_texts(subject.get("givenName")),
        family_name=_texts(subject.get("familyName")),
        full_name=_optional_texts(subject.get("fullName")),
        date_of_birth=_date(subject.get("dateOfBirth"), what="dateOfBirth"),
        email=_mail(doc, subject),
        learner_id=_string(identifier.get("notation")) if identifier else None,
        national_id=_string(national.get("notation")) if national else None,
        national_id_country=(_country(doc, national.get("spatial")) or None) if national else None,
    )


def _is_ects(doc: _Document, framework: Any) -> bool:
    node = doc.first(framework)
    if node is None or _id(node) == ECTS_FRAMEWORK:
        return True
    label = (_label(doc, node) or MultilingualText()).get()
    return (
        "ects" in _id(node).lower() or "ects" in label.lower() or "european credit transfer" in label.lower()
    )


def _credits(doc: _Document, spec: Mapping[str, Any]) -> Decimal | None:
    """ECTS credit points (``creditPoint`` in the ECTS framework, or with no framework named)."""
    points = doc.nodes(spec.get("creditPoint"))
    ects = [p for p in points if _is_ects(doc, p.get("framework"))]
    for point in ects:
        text = _string(point.get("point"))
        try:
            value = Decimal(text.replace(",", ".")) if text and len(text) <= 20 else None
        except InvalidOperation:
            return None
        return value if value is not None and value.is_finite() else None
    return None


def _qualification(doc: _Document, spec: Mapping[str, Any]) -> Qualification:
    eqf = _id(doc.first(spec.get("eqfLevel")) or "")
    eqf_tail = _tail(eqf) if eqf.startswith(EQF_PREFIX) else ""
    nqf = doc.first(spec.get("nqfLevel"))
    nqf_label = _label(doc, nqf) if nqf is not None else None
    isced = next((t for t in doc.nodes(spec.get("thematicArea")) if _id(t).startswith(ISCED_F_PREFIX)), None)
    identifier = doc.first(spec.get("identifier"))
    return Qualification(
        id=_id(spec),
        title=_texts(spec.get("title")),
        code=_string(identifier.get("notation")) if identifier else None,
        description=_optional_texts(spec.get("description")),
        eqf_level=int(eqf_tail) if eqf_tail.isdigit() and 1 <= int(eqf_tail) <= 8 else None,
        nqf_level=nqf_label.get() if nqf_label else None,
        isced_f_code=_tail(_id(isced)) if isced else None,
        credits=_credits(doc, spec),
        learning_outcomes=tuple(
            LearningOutcome(
                id=_id(o), text=_texts(o.get("title")), description=_optional_texts(o.get("description"))
            )
            for o in doc.nodes(spec.get("learningOutcome"))
        ),
        homepage=_web(doc, spec.get("homepage")),
        kind="qualification" if "Qualification" in _types(spec) else "learningSpecification",
        type=_label(doc, spec.get("dcType")),
        isced_f_label=_label(doc, isced) if isced else None,
        volume_of_learning=_string(spec.get("volumeOfLearning")),
        duration=_string(spec.get("maximumDuration")),
    )


class _Budget:
    """What one payload may still make us read, contained credentials included."""

    def __init__(self) -> None:
        self.items = MAX_CLAIMS
        self.attachment_bytes = ATTACHMENTS_MAX_BYTES


class _Reader:
    """Reads the claims of one credential within the payload's budget (``MAX_CLAIMS`` items, ``MAX_PART_DEPTH``
    levels of parts, attachments within ``ATTACHMENT_MAX_BYTES`` each and ``ATTACHMENTS_MAX_BYTES`` in all)."""

    def __init__(self, doc: _Document, issuer: AwardingBody, nested: int, budget: _Budget) -> None:
        self.doc = doc
        self.issuer = issuer
        self.nested = nested
        self.budget = budget
        self.specifications: dict[str, Specification] = {}

    def take(self) -> bool:
        if self.budget.items <= 0:
            self.doc.truncated = True
            return False
        self.budget.items -= 1
        return True

    def many(self, value: Any, read: Any, depth: int, kinds: frozenset[str]) -> tuple[Any, ...]:
        """The nodes of ``value`` of one of ``kinds`` (or untyped), read with ``read(node, depth)``."""
        if depth > MAX_PART_DEPTH:
            if value:
                self.doc.truncated = True
            return ()
        out = []
        for node in self.doc.nodes(value):
            if _types(node) and not _types(node) & kinds:
                continue
            if not self.take():
                break
            out.append(read(node, depth))
        return tuple(out)

    def org_names(self, value: Any) -> tuple[MultilingualText, ...]:
        names = []
        for org in self.doc.nodes(value, limit=8):
            name = _texts(org.get("legalName")) or _texts(org.get("prefLabel")) or _texts(org.get("altLabel"))
            if name:
                names.append(name)
        return tuple(names)

    def awarded_by(self, process: Mapping[str, Any] | None) -> AwardingBody | None:
        body = self.doc.first(process.get("awardingBody")) if process else None
        if body is None or not _id(body) or _id(body) == self.issuer.id:
            return None
        awarded_by = _awarding_body(self.doc, body)
        if awarded_by.legal_identifier and awarded_by.legal_identifier == self.issuer.legal_identifier:
            return None  # the same legal person, described twice
        return awarded_by

    def specification(self, node: Mapping[str, Any]) -> Specification | None:
        doc = self.doc
        spec = doc.first(node.get("specifiedBy"))
        if spec is None or not _types(spec) & OTHER_SPECIFICATIONS:
            return None
        key = _id(spec)
        if key and key in self.specifications:
            return self.specifications[key]
        scheme = doc.first(spec.get("gradingScheme"))
        result = Specification(
            id=key,
            title=_texts(spec.get("title")),
            description=_optional_texts(spec.get("description")),
            type=_label(doc, spec.get("dcType")),
            mode=_label(doc, spec.get("mode")),
            languages=tuple(
                label for lang in doc.nodes(spec.get("language"), limit=16) if (label := _label(doc, lang))
            ),
            homepage=_web(doc, spec.get("homepage")),
            grading_scheme=(
                GradingScheme(
                    id=_id(scheme),
                    title=_texts(scheme.get("title")),
                    description=_optional_texts(scheme.get("description")),
                )
                if scheme is not None
                else None
            ),
            workload=_string(spec.get("volumeOfLearning")) or _string(spec.get("workload")),
            status=_label(doc, spec.get("entitlementStatus")),
            jurisdictions=tuple(
                label
                for code in doc.nodes(spec.get("limitJurisdiction"), limit=16)
                if (label := _label(doc, code))
            ),
            occupations=tuple(
                label
                for code in doc.nodes(spec.get("limitOccupation"), limit=16)
                if (label := _label(doc, code))
            ),
        )
        if key:
            self.specifications[key] = result
        return result

    def achievement(self, claim: Mapping[str, Any], depth: int) -> Achievement:
        doc = self.doc
        spec = doc.first(claim.get("specifiedBy"))
        if spec is not None and not _types(spec) & ACHIEVEMENT_SPECIFICATIONS:
            spec = None
        process = doc.first(claim.get("awardedBy"))
        assessments = self.many(claim.get("provenBy"), self.assessment, depth, ASSESSMENT_CLAIMS)
        title = _texts(claim.get("title")) or (_texts(spec.get("title")) if spec else MultilingualText())
        return Achievement(
            id=_id(claim),
            title=title,
            qualification=_qualification(doc, spec) if spec is not None else None,
            grade=next((a.grade for a in assessments if a.grade), None),
            awarded_on=_date(process.get("awardingDate"), strict=False) if process else None,
            awarded_by=self.awarded_by(process),
            description=_optional_texts(claim.get("description")),
            kind="learningAchievement",
            assessments=assessments,
            activities=self.many(claim.get("influencedBy"), self.activity, depth, ACTIVITY_CLAIMS),
            entitlements=self.many(claim.get("entitlesTo"), self.entitlement, depth, ENTITLEMENT_CLAIMS),
            sub_achievements=self.many(claim.get("hasPart"), self.achievement, depth + 1, ACHIEVEMENT_CLAIMS),
        )

    def assessment(self, node: Mapping[str, Any], depth: int) -> Assessment:
        specification = self.specification(node)
        grade = _note(self.doc, node.get("grade"))
        return Assessment(
            id=_id(node),
            title=_texts(node.get("title")) or (specification.title if specification else MultilingualText()),
            grade=grade.get() or None,
            description=_optional_texts(node.get("description")),
            assessed_on=_date(node.get("dateIssued"), strict=False),
            assessed_by=self.org_names(node.get("assessedBy")),
            grading_scheme=specification.grading_scheme if specification else None,
            specification=specification,
            parts=self.many(node.get("hasPart"), self.assessment, depth + 1, ASSESSMENT_CLAIMS),
        )

    def activity(self, node: Mapping[str, Any], depth: int) -> Activity:
        doc = self.doc
        specification = self.specification(node)
        period = doc.first(node.get("temporal")) or {}
        place = None
        for location in doc.nodes(node.get("location"), limit=4):
            place = _texts(location.get("geographicName")) or next(
                (_note(doc, a.get("fullAddress")) for a in doc.nodes(location.get("address"), limit=4)), None
            )
            if place:
                break
        return Activity(
            id=_id(node),
            title=_texts(node.get("title")) or (specification.title if specification else MultilingualText()),
            description=_optional_texts(node.get("description")),
            workload=_string(node.get("workload")) or (specification.workload if specification else None),
            started_on=_date(period.get("startDate"), strict=False, instant=True),
            ended_on=_date(period.get("endDate"), strict=False, instant=True),
            location=place or None,
            directed_by=self.org_names(node.get("directedBy")),
            specification=specification,
            parts=self.many(node.get("hasPart"), self.activity, depth + 1, ACTIVITY_CLAIMS),
        )

    def entitlement(self, node: Mapping[str, Any], depth: int) -> Entitlement:
        specification = self.specification(node)
        return Entitlement(
            id=_id(node),
            title=_texts(node.get("title")) or (specification.title if specification else MultilingualText()),
            description=_optional_texts(node.get("description")),
            type=specification.type if specification else None,
            status=specification.status if specification else None,
            valid_from=_date(node.get("dateIssued"), strict=False),
            valid_until=_date(node.get("expiryDate"), strict=False),
            jurisdictions=specification.jurisdictions if specification else (),
            specification=specification,
            parts=self.many(node.get("hasPart"), self.entitlement, depth + 1, ENTITLEMENT_CLAIMS),
        )

    def assessment_claim(self, node: Mapping[str, Any], depth: int) -> Achievement:
        """A credential whose claim is an assessment (the model has no list of the subject's assessments): shown
        as an achievement of kind ``learningAssessment`` that carries the assessment."""
        assessment = self.assessment(node, depth)
        return Achievement(
            id=assessment.id,
            title=assessment.title,
            grade=assessment.grade,
            description=assessment.description,
            kind="learningAssessment",
            awarded_by=self.awarded_by(self.doc.first(node.get("awardedBy"))),
            assessments=(assessment,),
        )

    def claims(
        self, subject: Mapping[str, Any]
    ) -> tuple[tuple[Achievement, ...], tuple[Activity, ...], tuple[Entitlement, ...]]:
        """The subject's claims (``hasClaim``): achievements (with the claims of an assessment), activities,
        entitlements."""
        achievements: list[Achievement] = []
        activities: list[Activity] = []
        entitlements: list[Entitlement] = []
        for claim in self.doc.nodes(subject.get("hasClaim"), limit=MAX_CLAIMS):
            kinds = _types(claim)
            if kinds and not kinds & CLAIM_TYPES:
                continue
            if not self.take():
                break
            if kinds & ACTIVITY_CLAIMS:
                activities.append(self.activity(claim, 0))
            elif kinds & ENTITLEMENT_CLAIMS:
                entitlements.append(self.entitlement(claim, 0))
            elif kinds & ASSESSMENT_CLAIMS:
                achievements.append(self.assessment_claim(claim, 0))
            else:
                achievements.append(self.achievement(claim, 0))
        return tuple(achievements), tuple(activities), tuple(entitlements)

    def attachments(self, value: Any) -> tuple[Attachment, ...]:
        media = self.doc.nodes(value, limit=ATTACHMENT_MAX_COUNT)
        return tuple(self.attachment(node, number) for number, node in enumerate(media, 1))

    def attachment(self, node: Mapping[str, Any], number: int) -> Attachment:
        kind = self.doc.first(node.get("contentType"))
        label = (_label(self.doc, kind) or MultilingualText()).get().strip().lower() if kind else ""
        tail = _tail(_id(kind)).upper() if kind else ""
        media_type = attachment_media_type(label, tail)
        content, size, too_large = attachment_content(
            _string(node.get("content")) or "", _string(node.get("contentSize")), self.budget
        )
        return Attachment(
            id=_id(node) or f"attachment-{number}",
            content_type=media_type,
            size=size,
            title=_texts(node.get("title")),
            content=content,
            url=_string(node.get("contentURL")),
            too_large=too_large,
        )

    def sub_credentials(self, value: Any) -> tuple[Credential, ...]:
        held = self.doc.nodes(value, limit=SUB_CREDENTIALS_MAX + 1)
        if not held:
            return ()
        if len(held) > SUB_CREDENTIALS_MAX or self.nested + 1 > SUB_CREDENTIALS_DEPTH:
            self.doc.truncated = True
        if self.nested + 1 > SUB_CREDENTIALS_DEPTH:
            return ()
        out = []
        for node in held[:SUB_CREDENTIALS_MAX]:
            if not _types(node) & CREDENTIAL_TYPES:
                self.doc.truncated = True
                continue
            try:
                out.append(_read(node, None, self.doc, self.nested + 1, self.budget))
            except (CredentialError, ValueError, TypeError, InvalidOperation):
                self.doc.truncated = True
        return tuple(out)


def _status(doc: _Document, value: Any) -> CredentialStatus | None:
    literal = value.get("@value") if isinstance(value, Mapping) else value
    if isinstance(literal, str):  # the EDC shapes' form: one xsd:anyURI literal, <status list URL>#<index>
        list_url, _, position = literal.rpartition("#")
        if list_url.startswith(("https://", "http://")) and position.isdigit() and len(position) <= 12:
            return CredentialStatus(url=list_url, index=int(position))
        return None
    entry = doc.first(value)
    if entry is None:
        return None
    purpose = _string(entry.get("statusPurpose")) or "revocation"
    url = _string(entry.get("statusListCredential")) or _string(entry.get("revocationListCredential"))
    index = _string(entry.get("statusListIndex")) or _string(entry.get("revocationListIndex"))
    if not (url and index) and "#" in _id(entry):
        url, _, index = _id(entry).rpartition("#")
    if url and index and index.isdigit() and (_types(entry) & STATUS_LIST_TYPES or not _types(entry)):
        return CredentialStatus(url=url, index=int(index), purpose=purpose)
    return None


def _check_context(payload: Mapping[str, Any]) -> None:
    context = payload.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if any(not isinstance(c, str) for c in contexts):
        raise _not_edc(
            said(
                "The credential defines its own vocabulary (an inline @context): it cannot be read as an EDC "
                "credential."
            )
        )
    if not EDC_CONTEXTS & set(contexts):
        raise _not_edc(
            said(
                "This JSON is not an EDC credential: it does not use the European Learning Model context "
                "(%(context)s).",
                context=EDC_AP_CONTEXT,
            )
        )


def is_presentation(payload: Any) -> bool:
    return bool(_types(payload) & PRESENTATION_TYPES)


def find_credential(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The EDC credential of ``payload``: the payload itself, or the first one a verifiable presentation holds
    (with the presentation's ``@context`` when it has none of its own)."""
    if not isinstance(payload, Mapping):
        raise _not_edc(said("This JSON is not an EDC credential."))
    if _types(payload) & CREDENTIAL_TYPES:
        return payload
    if is_presentation(payload):
        held = payload.get("verifiableCredential")
        for credential in (held if isinstance(held, list) else [held])[:MAX_VALUES]:
            if isinstance(credential, Mapping) and _types(credential) & CREDENTIAL_TYPES:
                if "@context" not in credential and "@context" in payload:
                    return {"@context": payload["@context"], **credential}
                return credential
        raise _not_edc(said("The presentation holds no EDC credential (EuropeanDigitalCredential)."))
    raise _not_edc(said("This JSON is not an EDC credential (its type names no EuropeanDigitalCredential)."))


def _presenter(payload: Mapping[str, Any]) -> AwardingBody | None:
    if not is_presentation(payload):
        return None
    doc = _Document({key: value for key, value in payload.items() if key != "verifiableCredential"})
    for key in ("issuer", "holder"):
        node = doc.first(payload.get(key))
        if node is not None and ("legalName" in node or "Organisation" in _types(node)):
            return _awarding_body(doc, node)
    return None


def credential_from_elm3(payload: Mapping[str, Any]) -> Credential:
    """Read an EDC 3 credential (or the first one of an EDC presentation) into the portal's model, or raise
    ``CredentialError`` (code ``not_a_credential``) with a sentence for people."""
    credential = find_credential(payload)
    _check_context(credential)
    try:
        return _read(credential, presented_by=_presenter(payload))
    except CredentialError:
        raise
    except (ValueError, TypeError, AttributeError, InvalidOperation, OverflowError) as error:
        raise _not_edc(
            said("The credential could not be read: %(reason)s.", reason=str(error)[:200])
        ) from None


def _read(
    payload: Mapping[str, Any],
    presented_by: AwardingBody | None,
    doc: _Document | None = None,
    nested: int = 0,
    budget: _Budget | None = None,
) -> Credential:
    doc = doc or _Document(payload)
    issued = _datetime(payload, "issued") or _datetime(payload, "issuanceDate")
    valid_from = _datetime(payload, "validFrom")
    issued = issued or valid_from
    if issued is None:
        raise _not_edc(said("The credential has no issue date (issued)."))
    ends = [d for d in (_datetime(payload, "validUntil"), _datetime(payload, "expirationDate")) if d]
    issuer_node = doc.first(payload.get("issuer"))
    if issuer_node is None:
        raise _not_edc(said("The credential names no issuer."))
    awarding_body = _awarding_body(doc, issuer_node)
    subject = doc.first(payload.get("credentialSubject"))
    holder = _holder(doc, subject)
    reader = _Reader(doc, awarding_body, nested, budget or _Budget())
    achievements, activities, entitlements = reader.claims(subject) if subject is not None else ((), (), ())
    display = doc.first(payload.get("displayParameter")) or {}
    title = _texts(display.get("title")) or _texts(payload.get("title")) or _texts(payload.get("name"))
    claim_titles: list[MultilingualText] = [c.title for c in achievements]
    claim_titles += [c.title for c in activities] + [c.title for c in entitlements]
    title = title or next((t for t in claim_titles if t), title)
    primary = _language(doc, display.get("primaryLanguage")) if display else None
    languages = tuple(
        dict.fromkeys(filter(None, (_language(doc, lang) for lang in doc.nodes(display.get("language")))))
    ) or tuple(title.languages())
    primary = primary or (languages[0] if languages else "en")
    profile = doc.first(payload.get("credentialProfiles"))
    sub_credentials = reader.sub_credentials(subject.get("hasCredential")) if subject is not None else ()
    return Credential(
        id=_id(payload),
        title=title,
        description=_optional_texts(display.get("description"))
        or _optional_texts(payload.get("description")),
        issued=issued,
        valid_from=valid_from,
        valid_until=min(ends) if ends else None,
        primary_language=primary,
        languages=languages or (primary,),
        awarding_body=awarding_body,
        holder=holder,
        achievements=achievements,
        status=_status(doc, payload.get("credentialStatus")),
        presented_by=presented_by,
        credential_type=None if profile is None or _id(profile) == GENERIC_TYPE else _label(doc, profile),
        activities=activities,
        entitlements=entitlements,
        attachments=reader.attachments(payload.get("attachment")),
        sub_credentials=sub_credentials,
        truncated=doc.truncated,
    )
