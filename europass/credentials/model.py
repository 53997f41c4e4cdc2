"""The Europass credential document (European Learning Model, generic schema 1.2) as typed dataclasses.

``Credential.to_xml()`` writes an unsealed ``europassCredential``; ``Credential.from_xml()`` reads ours and the
European Commission's: holder, awarding body, dates, achievements and the qualifications that specify them, and
the rich parts a Diploma Supplement carries (not written back by ``to_xml``): for each achievement its
assessments (grade, grading scheme, date, specification), activities (workload, dates, location), entitlements
and sub-achievements (``hasPart``); the subject's own activities and entitlements; attachments (bytes kept within
bounds); contained credentials (``childCredentials``, read, never verified). What a hostile document can make us
read is bounded (``RICH_MAX_DEPTH``, ``RICH_MAX_ITEMS``, ``ATTACHMENT_MAX_*``, ``SUB_CREDENTIALS_*``);
``Credential.truncated`` says a bound left something out. Nothing inside ``proof`` or ``ds:Signature`` is ever
read.

Where the status entry lives: the generic schema has no W3C ``credentialStatus``; the credential's top-level
``identifier`` is free to carry scheme-qualified identifiers, so the revocation entry is written as
``<identifier schemeID="BitstringStatusListEntry" schemeName="revocation">LIST-URL#INDEX</identifier>``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lxml import etree

from europass.words import said

from .errors import CredentialError
from .xmlsafe import parse_xml

SNB = "http://data.europa.eu/snb"
CRED = "http://data.europa.eu/europass/model/credentials/w3c#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {None: SNB, "cred": CRED, "xsi": XSI}
SCHEMA_LOCATION = f"{SNB} http://publications.europa.eu/resource/schema/credential/genericschema_1.2.xsd"
XSD_VERSION = "0.10.0"
STATUS_SCHEME = "BitstringStatusListEntry"
GENERIC_TYPE = "http://data.europa.eu/snb/credential/e34929035b"  # "Generic": read as no credential type
EQF_FRAMEWORK = "http://data.europa.eu/snb/eqf/25831c2"
ISCEDF_FRAMEWORK = "http://data.europa.eu/snb/isced-f/25831c2"
COUNTRY_AUTHORITY = "http://publications.europa.eu/resource/authority/country"

# ISO 3166 alpha-2 → the EU authority's alpha-3 codes, for the countries of Europass (EU, EEA, candidates).
_COUNTRIES = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE", "DK": "DNK", "EE": "EST", "FI": "FIN",
    "FR": "FRA", "DE": "DEU", "GR": "GRC", "HU": "HUN", "IE": "IRL", "IT": "ITA", "LV": "LVA", "LT": "LTU", "LU": "LUX",
    "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU", "SK": "SVK", "SI": "SVN", "ES": "ESP", "SE": "SWE",
    "IS": "ISL", "LI": "LIE", "NO": "NOR", "CH": "CHE", "AL": "ALB", "ME": "MNE", "MK": "MKD", "RS": "SRB", "TR": "TUR",
    "UA": "UKR", "MD": "MDA", "BA": "BIH", "GB": "GBR", "US": "USA", "XK": "XKX",
}  # fmt: skip
_ALPHA2 = {alpha3: alpha2 for alpha2, alpha3 in _COUNTRIES.items()}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@lru_cache(maxsize=512)
def S(name: str) -> str:
    return _q(SNB, name)


@dataclass(frozen=True)
class MultilingualText:
    """Text in several languages: ``{"en": "...", "fr": "..."}``. Never a bare string."""

    texts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, value: Mapping[str, str] | MultilingualText | None = None, **texts: str) -> MultilingualText:
        if isinstance(value, MultilingualText):
            return value
        merged = {**(dict(value) if value else {}), **texts}
        return cls({lang: text for lang, text in merged.items() if text})

    def get(self, lang: str | None = None, fallback: str = "") -> str:
        if lang and self.texts.get(lang[:2]):
            return self.texts[lang[:2]]
        if self.texts.get("en"):
            return self.texts["en"]
        return next(iter(self.texts.values()), fallback)

    def __bool__(self) -> bool:
        return bool(self.texts)

    def __str__(self) -> str:
        return self.get()

    def languages(self) -> list[str]:
        return list(self.texts)


def texts(value: Any) -> dict[str, str]:
    """Any multilingual value (``MultilingualText``, a mapping, a bare string as English, None) as a plain
    ``{"en": ..., "fr": ...}`` dict without empty texts."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value} if value else {}
    if isinstance(value, MultilingualText):
        return {str(k): str(v) for k, v in value.texts.items() if v}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if v}
    return {"en": str(value)}


@dataclass(frozen=True)
class Address:
    """A postal address as the schema has it: the full text (one per language), the country is the body's."""

    full: MultilingualText

    def get(self, lang: str | None = None) -> str:
        return self.full.get(lang)

    def __str__(self) -> str:
        return self.full.get()


@dataclass(frozen=True)
class AwardingBody:
    """The awarding body. ``address`` also accepts a plain string (English text), stored as an ``Address``.

    ``logo_url``: a ``data:<type>;base64,...`` URI is embedded in ``<logo><content>`` as the schema wants; any other
    URL goes to ``<logo><contentUrl>`` with empty content.
    """

    id: str
    name: MultilingualText
    legal_identifier: str
    country: str
    address: Address | None = None
    email: str | None = None
    homepage: str | None = None
    logo_url: str | None = None
    identifiers: tuple[
        str, ...
    ] = ()  # other legal identifiers the document gives (eIDAS scheme, VAT as VATcc-…)

    def __post_init__(self) -> None:
        if isinstance(self.address, str):
            text = self.address.strip()
            object.__setattr__(self, "address", Address(MultilingualText({"en": text})) if text else None)

    @property
    def country_uri(self) -> str:
        """The EU authority URI of the country, e.g. ``.../authority/country/FRA``."""
        return f"{COUNTRY_AUTHORITY}/{_COUNTRIES.get(self.country.upper(), self.country.upper())}"


@dataclass(frozen=True)
class Holder:
    id: str
    given_names: MultilingualText
    family_name: MultilingualText
    full_name: MultilingualText | None = None
    date_of_birth: dt.date | None = None
    email: str | None = None
    learner_id: str | None = None
    national_id: str | None = None
    national_id_country: str | None = None

    def display_name(self, lang: str | None = None) -> str:
        if self.full_name:
            return self.full_name.get(lang)
        return f"{self.given_names.get(lang)} {self.family_name.get(lang)}".strip()


@dataclass(frozen=True)
class LearningOutcome:
    id: str
    text: MultilingualText
    description: MultilingualText | None = None


@dataclass(frozen=True)
class Qualification:
    """What an achievement is specified by: a ``qualification`` or a ``learningSpecification`` (``kind``).

    ``type`` is the learning-opportunity type (e.g. "Course"); ``volume_of_learning`` and ``duration`` are ISO 8601
    durations as written (``PT60H``, ``P6M``).
    """

    id: str
    title: MultilingualText
    code: str | None = None
    description: MultilingualText | None = None
    eqf_level: int | None = None
    nqf_level: str | None = None
    isced_f_code: str | None = None
    credits: Decimal | None = None
    learning_outcomes: tuple[LearningOutcome, ...] = ()
    homepage: str | None = None
    kind: str = "qualification"  # or "learningSpecification"
    type: MultilingualText | None = None
    isced_f_label: MultilingualText | None = None
    volume_of_learning: str | None = None
    duration: str | None = None


@dataclass(frozen=True)
class GradingScheme:
    """A scoring or grading scheme (``scoringScheme``): what the grades of an assessment mean."""

    id: str
    title: MultilingualText = field(default_factory=MultilingualText)
    description: MultilingualText | None = None


@dataclass(frozen=True)
class Specification:
    """What an assessment, an activity or an entitlement follows (``assessmentSpecification``,
    ``learningActivitySpecification``, ``entitlementSpecification``). Only the fields of its kind are filled:
    ``grading_scheme`` for assessments, ``workload`` (ISO 8601 duration) for activities, ``status``,
    ``jurisdictions`` and ``occupations`` for entitlements."""

    id: str
    title: MultilingualText = field(default_factory=MultilingualText)
    description: MultilingualText | None = None
    type: MultilingualText | None = None
    mode: MultilingualText | None = None
    languages: tuple[MultilingualText, ...] = ()
    homepage: str | None = None
    grading_scheme: GradingScheme | None = None
    workload: str | None = None
    status: MultilingualText | None = None
    jurisdictions: tuple[MultilingualText, ...] = ()
    occupations: tuple[MultilingualText, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """An assessment the achievement was derived from (``wasDerivedFrom``): its grade, the grading scheme (from
    its specification), when and by whom (``assessed_by``: the organisations' names), and its parts."""

    id: str
    title: MultilingualText
    grade: str | None = None
    description: MultilingualText | None = None
    assessed_on: dt.date | None = None
    assessed_by: tuple[MultilingualText, ...] = ()
    grading_scheme: GradingScheme | None = None
    specification: Specification | None = None
    parts: tuple[Assessment, ...] = ()


DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?\Z"
)


def duration_hours(value: str | None) -> Decimal | None:
    """An ISO 8601 duration made only of hours, minutes and seconds (``PT60H``, ``PT1H30M``) in hours; None for
    anything else (``P2D`` is two days of study, not 48 hours)."""
    match = DURATION.match((value or "").strip()[:40])
    if not match or not value or value.strip() in ("P", "PT"):
        return None
    parts = match.groupdict()
    if any(parts[unit] for unit in ("years", "months", "weeks", "days")):
        return None
    hours = (
        Decimal(parts["hours"] or 0)
        + Decimal(parts["minutes"] or 0) / 60
        + Decimal(parts["seconds"] or 0) / 3600
    )
    hours = hours.quantize(Decimal("0.01"))
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours.normalize()


@dataclass(frozen=True)
class Activity:
    """A learning activity (``wasInfluencedBy`` of an achievement, or ``credentialSubject/activities``):
    ``workload`` is the ISO 8601 duration as written (its own, else its specification's), ``location`` the place's
    name or address, ``directed_by`` the organisations' names."""

    id: str
    title: MultilingualText
    description: MultilingualText | None = None
    workload: str | None = None
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    location: MultilingualText | None = None
    directed_by: tuple[MultilingualText, ...] = ()
    specification: Specification | None = None
    parts: tuple[Activity, ...] = ()

    @property
    def workload_hours(self) -> Decimal | None:
        return duration_hours(self.workload)


@dataclass(frozen=True)
class Entitlement:
    """What the credential entitles its holder to (``entitlesTo``, ``credentialSubject/entitlements``): ``type`` and
    ``status`` come from its specification; ``valid_from`` / ``valid_until`` are its issued and expiry dates."""

    id: str
    title: MultilingualText
    description: MultilingualText | None = None
    type: MultilingualText | None = None
    status: MultilingualText | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    jurisdictions: tuple[MultilingualText, ...] = ()
    specification: Specification | None = None
    parts: tuple[Entitlement, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A document attached to the credential (``attachmentList/Attachment``, a media object).

    ``size`` is the decoded size in bytes (the declared ``contentSize`` when the content is not kept); ``content`` is
    the bytes, kept only up to ``ATTACHMENT_MAX_BYTES`` each and ``ATTACHMENTS_MAX_BYTES`` in all (else None and
    ``too_large``); ``url`` is the ``contentUrl`` the document gives, never fetched.
    """

    id: str
    content_type: str
    size: int | None = None
    title: MultilingualText = field(default_factory=MultilingualText)
    content: bytes | None = field(default=None, repr=False)
    url: str | None = None
    too_large: bool = False

    @property
    def downloadable(self) -> bool:
        return self.content is not None


@dataclass(frozen=True)
class Achievement:
    """A learning achievement or qualification award.

    ``qualification`` is its specification (``specifiedBy``; also ``specification``); ``grade`` the grade of its
    first assessment; ``assessments`` (``wasDerivedFrom``), ``activities`` (``wasInfluencedBy``), ``entitlements``
    (``entitlesTo``) and ``sub_achievements`` (``hasPart``) are read within the reading bounds (``RICH_MAX_DEPTH``,
    ``RICH_MAX_ITEMS``).
    """

    id: str
    title: MultilingualText
    qualification: Qualification | None = None
    grade: str | None = None
    awarded_on: dt.date | None = None
    awarded_by: AwardingBody | None = (
        None  # the body named in the awarding process, when it is not the issuer
    )
    description: MultilingualText | None = None
    kind: str = "learningAchievement"  # or "qualificationAward"
    assessments: tuple[Assessment, ...] = ()
    activities: tuple[Activity, ...] = ()
    entitlements: tuple[Entitlement, ...] = ()
    sub_achievements: tuple[Achievement, ...] = ()

    @property
    def specification(self) -> Qualification | None:
        return self.qualification


@dataclass(frozen=True)
class CredentialStatus:
    url: str
    index: int
    purpose: str = "revocation"


@dataclass(frozen=True)
class Credential:
    id: str
    title: MultilingualText
    issued: dt.datetime
    awarding_body: AwardingBody
    holder: Holder
    achievements: tuple[Achievement, ...] = ()
    description: MultilingualText | None = None
    primary_language: str = "en"
    languages: tuple[str, ...] = ("en",)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    status: CredentialStatus | None = None
    presented_by: AwardingBody | None = None  # the issuer of a verifiable presentation wrapping it, if any
    # The rich parts (not written by ``to_xml``): the credential type's label ("Diploma Supplement"), activities
    # and entitlements of the subject, attachments, the credentials it contains (``childCredentials``, read but
    # not verified), and whether a reading bound left something out.
    credential_type: MultilingualText | None = None
    activities: tuple[Activity, ...] = ()
    entitlements: tuple[Entitlement, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    sub_credentials: tuple[Credential, ...] = ()
    truncated: bool = False

    def all_achievements(self) -> list[tuple[int, Achievement]]:
        """Every achievement with its depth (0 for the credential's own), parents before their parts."""
        out: list[tuple[int, Achievement]] = []
        stack = [(0, a) for a in reversed(self.achievements)]
        while stack:
            depth, achievement = stack.pop()
            out.append((depth, achievement))
            stack.extend((depth + 1, part) for part in reversed(achievement.sub_achievements))
        return out

    def to_xml(self) -> bytes:
        return etree.tostring(_write(self), xml_declaration=True, encoding="UTF-8")

    def to_element(self) -> etree._Element:
        return _write(self)

    @classmethod
    def from_xml(cls, source: etree._Element | bytes) -> Credential:
        """Read a credential the way its seal sees it (see ``canonical_view``)."""
        root = parse_xml(bytes(source)) if isinstance(source, bytes | bytearray) else source
        return _read(canonical_view(find_credential_element(root)))


# --- writing -----------------------------------------------------------------------------------------------


def _datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("credential times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _texts(parent: etree._Element, tag: str, value: MultilingualText | None) -> None:
    if not value:
        return
    holder = etree.SubElement(parent, S(tag))
    for lang, text in value.texts.items():
        etree.SubElement(holder, S("text"), {"lang": lang, "content-type": "text/plain"}).text = text


def _note(parent: etree._Element, tag: str, value: MultilingualText | None) -> None:
    _texts(parent, tag, value)


def _code(
    parent: etree._Element,
    tag: str,
    *,
    uri: str,
    framework: str,
    notation: str,
    label: str,
    framework_name: str,
) -> None:
    code = etree.SubElement(
        parent, S(tag), {"targetFrameworkUrl": framework, "targetNotation": notation, "uri": uri}
    )
    _texts(code, "targetName", MultilingualText({"en": label}))
    _texts(code, "targetFrameworkName", MultilingualText({"en": framework_name}))


class _Written:
    """The written form of a qualification or an awarding body, kept for the very object that was written: the
    documents of a batch share them (the builder converts each once), and copying an lxml subtree costs a fraction
    of writing it again. Kept by identity (the object held, so its id cannot be reused), a few at a time."""

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._kept: dict[int, tuple[object, list[etree._Element]]] = {}

    def into(self, parent: etree._Element, value: Any, write: Callable[[etree._Element, Any], None]) -> None:
        """Append to ``parent`` what ``write(holder, value)`` appends to an empty element."""
        kept = self._kept.get(id(value))
        if kept is None or kept[0] is not value:
            holder = etree.Element(S("holder"), nsmap=NSMAP)  # type: ignore[arg-type]
            write(holder, value)
            if len(self._kept) >= self._keep:
                self._kept.clear()
            kept = self._kept[id(value)] = (value, list(holder))
        for element in kept[1]:
            parent.append(copy.deepcopy(element))


_WRITTEN = _Written()


def _write_outcomes_of(parent: etree._Element, outcomes: tuple[LearningOutcome, ...]) -> None:
    for outcome in outcomes:
        element = etree.SubElement(parent, S("learningOutcome"), {"id": outcome.id})
        _texts(element, "prefLabel", outcome.text)


def _write(c: Credential) -> etree._Element:
    root = etree.Element(S("europassCredential"), nsmap=NSMAP)  # type: ignore[arg-type]
    root.set(_q(XSI, "schemaLocation"), SCHEMA_LOCATION)
    root.set("xsdVersion", XSD_VERSION)
    root.set(_q(CRED, "id"), c.id)
    if c.status:
        etree.SubElement(
            root, S("identifier"), {"schemeID": STATUS_SCHEME, "schemeName": c.status.purpose}
        ).text = f"{c.status.url}#{c.status.index}"
    ctype = etree.SubElement(
        root,
        S("type"),
        {
            "targetFrameworkUrl": "http://data.europa.eu/snb/credential/25831c2",
            "uri": "http://data.europa.eu/snb/credential/e34929035b",
        },
    )
    _texts(ctype, "targetName", MultilingualText({"en": "Generic"}))
    _texts(
        ctype, "targetFrameworkName", MultilingualText({"en": "Europass Standard List of Credential Types"})
    )
    etree.SubElement(root, S("primaryLanguage")).text = c.primary_language
    languages = etree.SubElement(root, S("availableLanguages"))
    for lang in c.languages:
        etree.SubElement(languages, S("language")).text = lang
    if c.valid_from:
        etree.SubElement(root, _q(CRED, "validFrom")).text = _datetime(c.valid_from)
    etree.SubElement(root, _q(CRED, "issued")).text = _datetime(c.issued)
    if c.valid_until:
        etree.SubElement(root, _q(CRED, "validUntil")).text = _datetime(c.valid_until)
    etree.SubElement(root, _q(CRED, "issuer"), {"idref": c.awarding_body.id})
    _texts(root, "title", c.title)
    _texts(root, "description", c.description)
    _write_holder(root, c)
    qualifications = {a.qualification.id: a.qualification for a in c.achievements if a.qualification}
    if qualifications:
        specs = etree.SubElement(root, S("learningSpecificationReferences"))
        for qualification in qualifications.values():
            _WRITTEN.into(specs, qualification, _write_qualification)
        if any(q.learning_outcomes for q in qualifications.values()):
            references = etree.SubElement(root, S("learningOutcomeReferences"))
            for qualification in qualifications.values():
                _WRITTEN.into(references, qualification.learning_outcomes, _write_outcomes_of)
    agents = etree.SubElement(root, S("agentReferences"))
    _WRITTEN.into(agents, c.awarding_body, _write_awarding_body)
    written = {c.awarding_body.id}
    for achievement in c.achievements:
        other = achievement.awarded_by
        if other is not None and other.id not in written:
            _write_awarding_body(agents, other)
            written.add(other.id)
    awarded = [a for a in c.achievements if a.awarded_on or a.awarded_by]
    if awarded:
        processes = etree.SubElement(root, S("awardingProcessReferences"))
        for achievement in awarded:
            process = etree.SubElement(processes, S("awardingProcess"), {"id": f"{achievement.id}:award"})
            body = achievement.awarded_by or c.awarding_body
            etree.SubElement(process, S("awardingBody"), {"idref": body.id})
            if achievement.awarded_on is not None:
                etree.SubElement(process, S("date")).text = f"{achievement.awarded_on.isoformat()}T00:00:00Z"
    return root


def _write_holder(root: etree._Element, c: Credential) -> None:
    h = c.holder
    subject = etree.SubElement(root, S("credentialSubject"), {"id": h.id})
    if h.learner_id:
        etree.SubElement(
            subject, S("identifier"), {"schemeID": "learner", "schemeName": "Learner ID"}
        ).text = h.learner_id
    if h.email:
        contact = etree.SubElement(subject, S("contactPoint"))
        etree.SubElement(contact, S("mailBox"), {"uri": f"mailto:{h.email}"})
    if h.national_id:
        etree.SubElement(
            subject, S("nationalId"), {"spatialID": h.national_id_country or ""}
        ).text = h.national_id
    _texts(subject, "fullName", h.full_name)
    _texts(subject, "givenNames", h.given_names)
    _texts(subject, "familyName", h.family_name)
    if h.date_of_birth:
        etree.SubElement(subject, S("dateOfBirth")).text = h.date_of_birth.isoformat()
    if c.achievements:
        achievements = etree.SubElement(subject, S("achievements"))
        for a in c.achievements:
            element = etree.SubElement(achievements, S("learningAchievement"), {"id": a.id})
            _texts(element, "title", a.title)
            if a.grade:
                assessment = etree.SubElement(element, S("wasDerivedFrom"), {"id": f"{a.id}:assessment"})
                _texts(assessment, "title", a.title)
                etree.SubElement(assessment, S("grade")).text = a.grade
            if a.awarded_on or a.awarded_by:
                etree.SubElement(element, S("wasAwardedBy"), {"idref": f"{a.id}:award"})
            if a.qualification:
                etree.SubElement(element, S("specifiedBy"), {"idref": a.qualification.id})


def _write_qualification(parent: etree._Element, q: Qualification) -> None:
    element = etree.SubElement(parent, S("qualification"), {"id": q.id})
    if q.code:
        etree.SubElement(
            element, S("identifier"), {"schemeID": "code", "schemeName": "Qualification code"}
        ).text = q.code
    _texts(element, "title", q.title)
    _note(element, "description", q.description)
    if q.homepage:
        etree.SubElement(element, S("homepage"), {"uri": q.homepage})
    if q.isced_f_code:
        _code(
            element,
            "hasISCED-FCode",
            uri=f"http://data.europa.eu/snb/isced-f/{q.isced_f_code}",
            framework=ISCEDF_FRAMEWORK,
            notation="isced-f",
            label=q.isced_f_code,
            framework_name="ISCED-F 2013",
        )
    if q.credits is not None:
        etree.SubElement(element, S("hasECTSCreditPoints")).text = format(q.credits, "f")
    if q.learning_outcomes:
        outcomes = etree.SubElement(element, S("learningOutcomes"))
        for outcome in q.learning_outcomes:
            etree.SubElement(outcomes, S("learningOutcome"), {"idref": outcome.id})
    if q.eqf_level:
        _code(
            element,
            "eqfLevel",
            uri=f"http://data.europa.eu/snb/eqf/{q.eqf_level}",
            framework=EQF_FRAMEWORK,
            notation="EQF",
            label=f"Level {q.eqf_level}",
            framework_name="European Qualifications Framework",
        )
    if q.nqf_level:
        _code(
            element,
            "nqfLevel",
            uri=f"http://data.europa.eu/snb/qdr/nqf-{q.nqf_level}",
            framework="http://data.europa.eu/snb/qdr/25831c2",
            notation="NQF",
            label=q.nqf_level,
            framework_name="National Qualifications Framework",
        )


def _write_awarding_body(agents: etree._Element, a: AwardingBody) -> None:
    org = etree.SubElement(agents, S("organization"), {"id": a.id})
    if a.email:
        contact = etree.SubElement(org, S("contactPoint"))
        etree.SubElement(contact, S("mailBox"), {"uri": f"mailto:{a.email}"})
    etree.SubElement(org, S("registration"), {"spatialID": a.country}).text = a.legal_identifier
    _texts(org, "prefLabel", a.name)
    if a.homepage:
        etree.SubElement(org, S("homepage"), {"uri": a.homepage})
    location = etree.SubElement(org, S("hasLocation"))
    address = etree.SubElement(location, S("hasAddress"))
    if a.address:
        _note(address, "fullAddress", a.address.full)
    _code(
        address,
        "country",
        uri=a.country_uri,
        framework=COUNTRY_AUTHORITY,
        notation="country",
        label=a.country.upper(),
        framework_name="Country",
    )
    if a.logo_url:
        _write_logo(org, a.logo_url)


_DATA_URI = re.compile(r"data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=]*)\Z")
_FILE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/svg+xml": "SVG"}
_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"


def _write_logo(org: etree._Element, url: str) -> None:
    embedded = _DATA_URI.match(url)
    mime = embedded.group(1) if embedded else "image/png"
    kind = _FILE_TYPES.get(mime, mime.split("/", 1)[-1].upper())
    logo = etree.SubElement(org, S("logo"))
    _code(
        logo,
        "contentType",
        uri=f"{_FILE_TYPE}/{kind}",
        framework=_FILE_TYPE,
        notation="file-type",
        label=mime,
        framework_name="File type",
    )
    if embedded:
        etree.SubElement(logo, S("content")).text = embedded.group(2)
    else:
        etree.SubElement(logo, S("contentUrl")).text = url
        etree.SubElement(logo, S("content"))


def _read_logo(org: etree._Element) -> str | None:
    logo = _child(org, "logo")
    if logo is None:
        return None
    content_element = _child(logo, "content")
    content = (content_element.text or "").strip() if content_element is not None else ""
    url = _child(logo, "contentUrl")
    if url is not None and (url.text or "").strip() and not content:
        return (url.text or "").strip()
    if not content:
        return None
    kind = _child(logo, "contentType")
    name = _read_texts(_child(kind, "targetName")).get() if kind is not None else ""
    if "/" not in name:
        tail = (kind.get("uri") or "").rsplit("/", 1)[-1] if kind is not None else "PNG"
        name = next((m for m, k in _FILE_TYPES.items() if k == tail.upper()), "image/png")
    return f"data:{name};base64,{''.join(content.split())}"


# --- reading -----------------------------------------------------------------------------------------------


def canonical_view(element: etree._Element) -> etree._Element:
    """``element`` as canonical XML (without comments) sees it: comments and processing instructions taken out,
    the text around them joined.

    A seal made with canonical XML ignores comments, so ``<validUntil>2020<!---->-01-01…</validUntil>`` carries the
    same seal as the text without the comment; a reader that takes ``.text`` would see only ``2020`` and read
    another credential than the one sealed. Every field is therefore read from this view, never from the raw tree.
    The raw tree is left untouched (the seal is checked on it); a copy is made only when there is something to
    take out.
    """
    if next(element.iter(etree.Comment, etree.ProcessingInstruction), None) is None:
        return element
    view = copy.deepcopy(element)
    etree.strip_elements(view, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    return view


def find_credential_element(root: etree._Element) -> etree._Element:
    """The ``europassCredential`` element: the root itself, or the one a ``verifiablePresentation`` wraps."""
    if root.tag == S("europassCredential"):
        return root
    if etree.QName(root).localname == "verifiablePresentation":
        for child in root:
            if child.tag == S("verifiableCredential") or child.tag == S("europassCredential"):
                return child
    raise CredentialError(
        "not_a_credential", said("This XML is not a Europass credential (no europassCredential element).")
    )


def read_presenter(root: etree._Element) -> AwardingBody | None:
    """The issuer of a verifiable presentation (``vp:issuer``): whoever presents, and seals, the credential."""
    if etree.QName(root).localname != "verifiablePresentation":
        return None
    issuer = next((child for child in root if etree.QName(child).localname == "issuer"), None)
    return None if issuer is None else _read_awarding_body(canonical_view(issuer), issuer.get("id", ""))


def _is_signature(element: etree._Element) -> bool:
    return element.tag in (S("proof"), _q(DS, "Signature"))


def _children(parent: etree._Element | None, tag: str) -> Iterable[etree._Element]:
    if parent is None:
        return []
    return list(parent.iterchildren(S(tag)))


def _child(parent: etree._Element | None, tag: str) -> etree._Element | None:
    return None if parent is None else next(parent.iterchildren(S(tag)), None)


def _read_texts(element: etree._Element | None) -> MultilingualText:
    if element is None:
        return MultilingualText()
    texts: dict[str, str] = {}
    for text in element:
        if text.tag == S("text") and (text.text or "").strip():
            texts.setdefault(text.get("lang") or "en", text.text or "")
    if not texts and (element.text or "").strip():
        texts["en"] = element.text or ""
    return MultilingualText(texts)


def _read_datetime(element: etree._Element | None) -> dt.datetime | None:
    if element is None or not (element.text or "").strip():
        return None
    value = dt.datetime.fromisoformat((element.text or "").strip().replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _read_date(text: str | None) -> dt.date | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    return (
        dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        if "T" in text
        else dt.date.fromisoformat(text[:10])
    )


def _mail(element: etree._Element | None) -> str | None:
    for contact in _children(element, "contactPoint"):
        box = _child(contact, "mailBox")
        if box is not None and (box.get("uri") or "").startswith("mailto:"):
            return (box.get("uri") or "")[len("mailto:") :]
    return None


def _read(root: etree._Element) -> Credential:
    try:
        return _read_unchecked(root)
    except CredentialError:
        raise
    except (ValueError, TypeError, InvalidOperation) as error:
        raise CredentialError(
            "not_a_credential", said("The credential could not be read: %(reason)s.", reason=str(error))
        ) from None


def _read_unchecked(root: etree._Element, budget: _Budget | None = None, nested: int = 0) -> Credential:
    issued = _read_datetime(_child_q(root, CRED, "issued"))
    if issued is None:
        raise CredentialError("not_a_credential", said("The credential has no issue date."))
    issuer = _child_q(root, CRED, "issuer")
    issuer_id = issuer.get("idref", "") if issuer is not None else ""
    organisations = {org.get("id"): org for org in root.iter(S("organization")) if not _inside_signature(org)}
    org = organisations.get(issuer_id)
    if org is None:
        org = next(iter(organisations.values()), None)
    awarding_body = _read_awarding_body(org, issuer_id)
    status = None
    for identifier in _children(root, "identifier"):
        if identifier.get("schemeID") == STATUS_SCHEME and "#" in (identifier.text or ""):
            url, _, index = (identifier.text or "").strip().rpartition("#")
            status = CredentialStatus(
                url=url, index=int(index), purpose=identifier.get("schemeName") or "revocation"
            )
    languages = tuple(lang.text or "" for lang in _children(_child(root, "availableLanguages"), "language"))
    primary = _child(root, "primaryLanguage")
    rich = _Rich(root, awarding_body, organisations, budget or _Budget(), nested)
    achievements = rich.achievements()
    kind = _child(root, "type")
    return Credential(
        id=root.get(_q(CRED, "id"), ""),
        title=_read_texts(_child(root, "title")),
        description=_read_texts(_child(root, "description")) or None,
        issued=issued,
        valid_from=_read_datetime(_child_q(root, CRED, "validFrom")),
        valid_until=_read_datetime(_child_q(root, CRED, "validUntil")),
        primary_language=(primary.text or "en").strip() if primary is not None else "en",
        languages=languages or ("en",),
        awarding_body=awarding_body,
        holder=_read_holder(_child(root, "credentialSubject")),
        achievements=achievements,
        status=status,
        credential_type=(
            None
            if kind is None or kind.get("uri") == GENERIC_TYPE
            else _read_texts(_child(kind, "targetName")) or None
        ),
        activities=rich.subject_activities(),
        entitlements=rich.subject_entitlements(),
        attachments=rich.attachments(),
        sub_credentials=rich.sub_credentials(),
        truncated=rich.budget.truncated,
    )


def _inside_signature(element: etree._Element) -> bool:
    return any(_is_signature(ancestor) for ancestor in element.iterancestors())


def _child_q(parent: etree._Element, ns: str, name: str) -> etree._Element | None:
    return next((child for child in parent if child.tag == _q(ns, name)), None)


def _read_awarding_body(org: etree._Element | None, issuer_id: str) -> AwardingBody:
    if org is None:
        return AwardingBody(id=issuer_id, name=MultilingualText(), legal_identifier="", country="")
    registration = _child(org, "registration")
    country = registration.get("spatialID", "") if registration is not None else ""
    address_value = None
    for location in _children(org, "hasLocation"):
        address = _child(location, "hasAddress")
        if address is None:
            continue
        full = _read_texts(_child(address, "fullAddress"))
        address_value = Address(full) if full else None
        code = _child(address, "country")
        if code is not None and not country:
            country = _ALPHA2.get((code.get("uri") or "").rsplit("/", 1)[-1], "")
        break
    homepage = _child(org, "homepage")
    legal = (registration.text or "").strip() if registration is not None else ""
    return AwardingBody(
        id=org.get("id", issuer_id),
        identifiers=tuple(i for i in dict.fromkeys(_legal_identifiers(org)) if i != legal),
        name=_read_texts(_child(org, "prefLabel")),
        legal_identifier=legal,
        country=country,
        address=address_value,
        email=_mail(org),
        homepage=homepage.get("uri") if homepage is not None else None,
        logo_url=_read_logo(org),
    )


def _legal_identifiers(org: etree._Element) -> Iterable[str]:
    """Identifiers of the organisation that name a legal person the way an e-seal certificate does
    (ETSI EN 319 412-1 ``organizationIdentifier``): identifiers of the eIDAS scheme, and the VAT number as
    ``VAT<country>-<number>``."""
    for identifier in _children(org, "identifier"):
        scheme = " ".join(identifier.get(a, "") for a in ("schemeAgencyName", "schemeID", "schemeName"))
        if "eidas" in scheme.lower() and (identifier.text or "").strip():
            yield (identifier.text or "").strip()
    for vat in _children(org, "vatIdentifier"):
        number = "".join((vat.text or "").split()).upper()
        country = (vat.get("spatialID") or "").upper()
        if not number:
            continue
        if number.startswith("VAT"):
            yield number
        elif country and len(country) == 2:
            yield vat_organisation_identifier(country, number)


def vat_organisation_identifier(country: str, number: str) -> str:
    """A VAT number as an e-seal certificate's organisation identifier (ETSI EN 319 412-1): ``VAT`` + the VAT
    country prefix (Greece's is EL, not GR) + ``-`` + the number without that prefix."""
    prefix = "EL" if country == "GR" else country
    for known in {prefix, country}:
        if number.startswith(known):
            number = number[len(known) :]
            break
    return f"VAT{prefix}-{number}"


def _read_holder(subject: etree._Element | None) -> Holder:
    if subject is None:
        raise CredentialError("not_a_credential", said("The credential has no holder."))
    learner_id = next(
        ((i.text or "").strip() for i in _children(subject, "identifier") if i.get("schemeID") == "learner"),
        None,
    )
    national = _child(subject, "nationalId")
    birth = _child(subject, "dateOfBirth")
    return Holder(
        id=subject.get("id", ""),
        given_names=_read_texts(_child(subject, "givenNames")),
        family_name=_read_texts(_child(subject, "familyName")),
        full_name=_read_texts(_child(subject, "fullName")) or None,
        date_of_birth=_read_date(birth.text if birth is not None else None),
        email=_mail(subject),
        learner_id=learner_id,
        national_id=(national.text or "").strip() if national is not None else None,
        national_id_country=(national.get("spatialID") or None) if national is not None else None,
    )


def _read_qualification(spec: etree._Element, outcomes: dict[str, LearningOutcome]) -> Qualification:
    code = next(
        ((i.text or "").strip() for i in _children(spec, "identifier") if i.get("schemeID") == "code"), None
    )
    eqf = _child(spec, "eqfLevel")
    nqf = _child(spec, "nqfLevel")
    isced = _child(spec, "hasISCED-FCode")
    credits = _child(spec, "hasECTSCreditPoints")
    homepage = _child(spec, "homepage")
    isced_code = (isced.get("uri") or "").rsplit("/", 1)[-1] if isced is not None else None
    eqf_level = None
    if eqf is not None:
        tail = (eqf.get("uri") or "").rstrip("/").rsplit("/", 1)[-1]
        eqf_level = int(tail) if tail.isdigit() else None
    nqf_level = None
    if nqf is not None:
        nqf_level = _read_texts(_child(nqf, "targetName")).get() or (nqf.get("uri") or "").rsplit("/", 1)[-1]
    learning = [
        outcomes[ref.get("idref", "")]
        for ref in _children(_child(spec, "learningOutcomes"), "learningOutcome")
        if ref.get("idref") in outcomes
    ]
    return Qualification(
        id=spec.get("id", ""),
        title=_read_texts(_child(spec, "title")),
        code=code,
        description=_read_texts(_child(spec, "description")) or None,
        eqf_level=eqf_level,
        nqf_level=nqf_level,
        isced_f_code=isced_code,
        credits=Decimal((credits.text or "").strip())
        if credits is not None and (credits.text or "").strip()
        else None,
        learning_outcomes=tuple(learning),
        homepage=homepage.get("uri") if homepage is not None else None,
        kind=etree.QName(spec).localname,
        type=_code_label(_child(spec, "type")),
        isced_f_label=_code_label(isced, unless=isced_code),
        volume_of_learning=_plain(_child(spec, "volumeOfLearning")),
        duration=_plain(_child(spec, "duration")),
    )


# --- the rich parts: assessments, activities, entitlements, parts, attachments, contained credentials ---------

RICH_MAX_DEPTH = (
    8  # levels of hasPart read below an achievement, an assessment, an activity or an entitlement
)
RICH_MAX_ITEMS = (
    2000  # achievements, assessments, activities and entitlements read in all (contained ones too)
)
ATTACHMENT_MAX_COUNT = 20
ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024  # each attachment's bytes kept for download up to this size
ATTACHMENTS_MAX_BYTES = 4 * 1024 * 1024  # and all of them together
SUB_CREDENTIALS_MAX = 10
SUB_CREDENTIALS_DEPTH = 2  # a contained credential's own contained credentials are read, theirs are not

_MEDIA_TYPES = {
    "PDF": "application/pdf",
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "JPG": "image/jpeg",
    "GIF": "image/gif",
    "SVG": "image/svg+xml",
    "XML": "application/xml",
    "TXT": "text/plain",
    "HTML": "text/html",
    "JSON": "application/json",
}
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,63}/[a-z0-9][a-z0-9.+-]{0,63}\Z")


def attachment_media_type(label: str, tail: str) -> str:
    """An attachment's media type from its content type's label (a media type, or a name such as PDF) or the tail
    of its vocabulary URI; unknown: ``application/octet-stream``."""
    if _MEDIA_TYPE.match(label):
        return label
    return _MEDIA_TYPES.get(label.upper(), _MEDIA_TYPES.get(tail, "")) or "application/octet-stream"


def attachment_content(
    encoded: str, declared: str | None, budget: Any
) -> tuple[bytes | None, int | None, bool]:
    """An attachment's bytes from its base64 text, within the bounds (``ATTACHMENT_MAX_BYTES`` each, and what the
    document may still make us keep: ``budget.attachment_bytes``): (content, size, too large to keep)."""
    size = int(declared) if declared and declared.isdigit() and len(declared) < 16 else None
    encoded = "".join(encoded.split())
    if not encoded:
        return None, size, False
    estimate = len(encoded) * 3 // 4
    if estimate > ATTACHMENT_MAX_BYTES or estimate > budget.attachment_bytes:
        return None, estimate, True
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None, size, False
    budget.attachment_bytes -= len(content)
    return content, len(content), False


class _Budget:
    """What a document may still make us read; ``truncated`` once a bound left something out."""

    def __init__(self) -> None:
        self.items = RICH_MAX_ITEMS
        self.attachment_bytes = ATTACHMENTS_MAX_BYTES
        self.truncated = False

    def take(self) -> bool:
        if self.items <= 0:
            self.truncated = True
            return False
        self.items -= 1
        return True


def _plain(element: etree._Element | None) -> str | None:
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _uri(element: etree._Element | None) -> str | None:
    return (element.get("uri") or None) if element is not None else None


def _code_label(code: etree._Element | None, unless: str | None = None) -> MultilingualText | None:
    """The label of a code (its ``targetName``, else the tail of its URI); None when it only repeats ``unless``."""
    if code is None:
        return None
    label = _read_texts(_child(code, "targetName"))
    if not label and (code.get("uri") or "").strip():
        label = MultilingualText({"en": (code.get("uri") or "").rstrip("/").rsplit("/", 1)[-1]})
    if unless is not None and label.get() == unless:
        return None
    return label or None


def _lenient_date(element: etree._Element | None) -> dt.date | None:
    try:
        return _read_date(element.text if element is not None else None)
    except ValueError:
        return None


class _Rich:
    """Reads the rich parts of one ``europassCredential``, resolving ``idref``s to the document's collections."""

    _COLLECTIONS = (
        "learningSpecificationReferences",
        "learningActivitySpecificationReferences",
        "assessmentSpecificationReferences",
        "entitlementSpecificationReferences",
        "scoringSchemeReferences",
        "awardingProcessReferences",
    )

    def __init__(
        self,
        root: etree._Element,
        issuer: AwardingBody,
        organisations: Mapping[str | None, etree._Element],
        budget: _Budget,
        nested: int,
    ) -> None:
        self.root = root
        self.issuer = issuer
        self.organisations = organisations
        self.budget = budget
        self.nested = nested
        self.subject = _child(root, "credentialSubject")
        self.by_id: dict[str, etree._Element] = {}
        for name in self._COLLECTIONS:
            for element in _children_all(_child(root, name)):
                self.by_id.setdefault(element.get("id", ""), element)
        for name in ("achievements", "activities", "entitlements", "assessments"):
            for container in _children(self.subject, name):
                for element in _children_all(container):
                    self.by_id.setdefault(element.get("id", ""), element)
        self.by_id.pop("", None)
        self.outcomes = {
            o.get("id", ""): LearningOutcome(
                id=o.get("id", ""),
                text=_read_texts(_child(o, "prefLabel")),
                description=_read_texts(_child(o, "description")) or None,
            )
            for o in _children(_child(root, "learningOutcomeReferences"), "learningOutcome")
        }
        self.grading_schemes: dict[str, GradingScheme] = {}
        self.specifications: dict[str, Specification] = {}

    # idrefs ---------------------------------------------------------------------------------------------

    def resolve(self, element: etree._Element) -> etree._Element | None:
        """The element itself, or the one its ``idref`` names when it is only a reference."""
        ref = element.get("idref")
        if ref is not None and len(element) == 0:
            return self.by_id.get(ref)
        return element

    def referenced(self, element: etree._Element | None, tag: str) -> etree._Element | None:
        ref = _child(element, tag)
        target = self.by_id.get(ref.get("idref", "")) if ref is not None else None
        return target

    def org_names(self, element: etree._Element, tag: str) -> tuple[MultilingualText, ...]:
        names = []
        for ref in list(_children(element, tag))[:8]:
            org = self.organisations.get(ref.get("idref", ""))
            name = _read_texts(_child(org, "prefLabel")) if org is not None else MultilingualText()
            if name:
                names.append(name)
        return tuple(names)

    def specification(self, element: etree._Element | None) -> Specification | None:
        spec = self.referenced(element, "specifiedBy")
        if spec is None or etree.QName(spec).localname not in (
            "assessmentSpecification",
            "learningActivitySpecification",
            "entitlementSpecification",
        ):
            return None
        key = spec.get("id", "")
        if key not in self.specifications:
            scheme = self.referenced(spec, "gradingScheme")
            self.specifications[key] = Specification(
                id=key,
                title=_read_texts(_child(spec, "title")),
                description=_read_texts(_child(spec, "description")) or None,
                type=_code_label(_child(spec, "type")),
                mode=_code_label(_child(spec, "mode")),
                languages=tuple(
                    label for code in list(_children(spec, "language"))[:16] if (label := _code_label(code))
                ),
                homepage=_uri(_child(spec, "homepage")),
                grading_scheme=self.grading_scheme(scheme),
                workload=_plain(_child(spec, "workload")),
                status=_code_label(_child(spec, "status")),
                jurisdictions=tuple(
                    label
                    for code in list(_children(spec, "limitJurisdiction"))[:16]
                    if (label := _code_label(code))
                ),
                occupations=tuple(
                    label
                    for code in list(_children(spec, "limitOccupation"))[:16]
                    if (label := _code_label(code))
                ),
            )
        return self.specifications[key]

    def grading_scheme(self, element: etree._Element | None) -> GradingScheme | None:
        if element is None or etree.QName(element).localname != "scoringScheme":
            return None
        key = element.get("id", "")
        if key not in self.grading_schemes:
            self.grading_schemes[key] = GradingScheme(
                id=key,
                title=_read_texts(_child(element, "title")),
                description=_read_texts(_child(element, "description")) or None,
            )
        return self.grading_schemes[key]

    # achievements ---------------------------------------------------------------------------------------

    def achievements(self) -> tuple[Achievement, ...]:
        result = []
        for container in _children(self.subject, "achievements"):
            for element in container:
                achievement = self.achievement(element, 0)
                if achievement is not None:
                    result.append(achievement)
        return tuple(result)

    def achievement(self, element: etree._Element, depth: int) -> Achievement | None:
        if element.tag not in (S("learningAchievement"), S("qualificationAward")):
            return None
        target = self.resolve(element)
        if target is None or not self.budget.take():
            return None
        element = target
        spec = self.referenced(element, "specifiedBy")
        if spec is not None and spec.tag not in (S("qualification"), S("learningSpecification")):
            spec = None
        assessment = _child(element, "wasDerivedFrom")
        assessment = self.resolve(assessment) if assessment is not None else None
        grade = _child(assessment, "grade")
        process = self.referenced(element, "wasAwardedBy")
        if process is not None and process.tag != S("awardingProcess"):
            process = None
        date = _child(process, "date")
        body = _child(process, "awardingBody")
        body_id = body.get("idref", "") if body is not None else ""
        awarded_by = None
        if body_id and body_id != self.issuer.id and body_id in self.organisations:
            awarded_by = _read_awarding_body(self.organisations[body_id], body_id)
            if awarded_by.legal_identifier and awarded_by.legal_identifier == self.issuer.legal_identifier:
                awarded_by = None  # the same legal person, described twice
        parts: list[Achievement] = []
        for container in _children(element, "hasPart"):
            for child in container:
                if depth + 1 > RICH_MAX_DEPTH:
                    self.budget.truncated = True
                    break
                part = self.achievement(child, depth + 1)
                if part is not None:
                    parts.append(part)
        return Achievement(
            id=element.get("id", ""),
            title=_read_texts(_child(element, "title")),
            qualification=_read_qualification(spec, self.outcomes) if spec is not None else None,
            grade=(grade.text or "").strip() if grade is not None else None,
            awarded_on=_read_date(date.text if date is not None else None),
            awarded_by=awarded_by,
            description=_read_texts(_child(element, "description")) or None,
            kind=etree.QName(element).localname,
            assessments=self.many(element, "wasDerivedFrom", self.assessment, depth, skip=_restated_grade),
            activities=self.many(element, "wasInfluencedBy", self.activity, depth),
            entitlements=self.many(element, "entitlesTo", self.entitlement, depth),
            sub_achievements=tuple(parts),
        )

    def many(
        self, element: etree._Element, tag: str, read: Any, depth: int, skip: Any = None
    ) -> tuple[Any, ...]:
        out = []
        for child in _children(element, tag):
            target = self.resolve(child)
            if target is None or (skip is not None and skip(element, target)):
                continue
            if depth > RICH_MAX_DEPTH:
                self.budget.truncated = True
                break
            item = read(target, depth)
            if item is None:
                break
            out.append(item)
        return tuple(out)

    def assessment(self, element: etree._Element, depth: int) -> Assessment | None:
        if not self.budget.take():
            return None
        specification = self.specification(element)
        grade = _child(element, "grade")
        return Assessment(
            id=element.get("id", ""),
            title=_read_texts(_child(element, "title")),
            grade=(grade.text or "").strip() or None if grade is not None else None,
            description=_read_texts(_child(element, "description")) or None,
            assessed_on=_lenient_date(_child(element, "issuedDate")),
            assessed_by=self.org_names(element, "assessedBy"),
            grading_scheme=specification.grading_scheme if specification else None,
            specification=specification,
            parts=self.many(element, "hasPart", self.assessment, depth + 1),
        )

    def activity(self, element: etree._Element, depth: int) -> Activity | None:
        if not self.budget.take():
            return None
        specification = self.specification(element)
        location = _child(element, "location")
        place = _read_texts(_child(location, "name")) or _read_texts(
            _child(_child(location, "hasAddress"), "fullAddress")
        )
        return Activity(
            id=element.get("id", ""),
            title=_read_texts(_child(element, "title"))
            or (specification.title if specification else MultilingualText()),
            description=_read_texts(_child(element, "description")) or None,
            workload=_plain(_child(element, "workload"))
            or (specification.workload if specification else None),
            started_on=_lenient_date(_child(element, "startedAtTime")),
            ended_on=_lenient_date(_child(element, "endedAtTime")),
            location=place or None,
            directed_by=self.org_names(element, "directedBy"),
            specification=specification,
            parts=self.many(element, "hasPart", self.activity, depth + 1),
        )

    def entitlement(self, element: etree._Element, depth: int) -> Entitlement | None:
        if not self.budget.take():
            return None
        specification = self.specification(element)
        return Entitlement(
            id=element.get("id", ""),
            title=_read_texts(_child(element, "title"))
            or (specification.title if specification else MultilingualText()),
            description=_read_texts(_child(element, "description")) or None,
            type=specification.type if specification else None,
            status=specification.status if specification else None,
            valid_from=_lenient_date(_child(element, "issuedDate")),
            valid_until=_lenient_date(_child(element, "expiryDate")),
            jurisdictions=specification.jurisdictions if specification else (),
            specification=specification,
            parts=self.many(element, "hasPart", self.entitlement, depth + 1),
        )

    def subject_activities(self) -> tuple[Activity, ...]:
        out: list[Activity] = []
        for container in _children(self.subject, "activities"):
            out.extend(self.many(container, "activity", self.activity, 0))
        return tuple(out)

    def subject_entitlements(self) -> tuple[Entitlement, ...]:
        out: list[Entitlement] = []
        for container in _children(self.subject, "entitlements"):
            out.extend(self.many(container, "entitlement", self.entitlement, 0))
        return tuple(out)

    # attachments and contained credentials ------------------------------------------------------------

    def attachments(self) -> tuple[Attachment, ...]:
        elements = [
            element
            for container in _children(self.root, "attachmentList")
            for element in container
            if isinstance(element.tag, str) and etree.QName(element).localname in ("Attachment", "attachment")
        ]
        if len(elements) > ATTACHMENT_MAX_COUNT:
            self.budget.truncated = True
        return tuple(
            self.attachment(element, n) for n, element in enumerate(elements[:ATTACHMENT_MAX_COUNT], 1)
        )

    def attachment(self, element: etree._Element, number: int) -> Attachment:
        kind = _child(element, "contentType")
        label = _read_texts(_child(kind, "targetName")).get().strip().lower() if kind is not None else ""
        tail = (kind.get("uri") or "").rstrip("/").rsplit("/", 1)[-1].upper() if kind is not None else ""
        media_type = attachment_media_type(label, tail)
        url = _plain(_child(element, "contentUrl"))
        content_element = _child(element, "content")
        encoded = content_element.text or "" if content_element is not None else ""
        content, size, too_large = attachment_content(
            encoded, _plain(_child(element, "contentSize")), self.budget
        )
        return Attachment(
            id=element.get("id", "") or f"attachment-{number}",
            content_type=media_type,
            size=size,
            title=_read_texts(_child(element, "title")),
            content=content,
            url=url,
            too_large=too_large,
        )

    def sub_credentials(self) -> tuple[Credential, ...]:
        children = [child for container in _children(self.root, "childCredentials") for child in container]
        if not children:
            return ()
        if self.nested + 1 >= SUB_CREDENTIALS_DEPTH + 1 or len(children) > SUB_CREDENTIALS_MAX:
            self.budget.truncated = True
        if self.nested + 1 > SUB_CREDENTIALS_DEPTH:
            return ()
        out = []
        for child in children[:SUB_CREDENTIALS_MAX]:
            element = next(
                (e for e in child.iter(S("europassCredential")) if not _inside_signature(e)),
                None,
            )
            if element is None:
                self.budget.truncated = True
                continue
            try:
                out.append(_read_unchecked(element, self.budget, self.nested + 1))
            except (CredentialError, ValueError, TypeError, InvalidOperation):
                self.budget.truncated = True
        return tuple(out)


def _restated_grade(achievement: etree._Element, assessment: etree._Element) -> bool:
    """Our writer's ``wasDerivedFrom``: only the achievement's title and grade, to carry ``Achievement.grade``."""
    return assessment.get("id") == f"{achievement.get('id')}:assessment" and [
        etree.QName(child).localname for child in assessment if isinstance(child.tag, str)
    ] == ["title", "grade"]


def _children_all(parent: etree._Element | None) -> list[etree._Element]:
    return [] if parent is None else [child for child in parent if isinstance(child.tag, str)]
