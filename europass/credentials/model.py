"""The Europass credential document (European Learning Model, generic schema 1.2) as typed dataclasses.

``Credential.to_xml()`` writes an unsealed ``europassCredential``; ``Credential.from_xml()`` reads ours and the
European Commission's (only the parts this portal uses: holder, awarding body, dates, achievements and the
qualifications that specify them). Nothing inside ``proof`` or ``ds:Signature`` is ever read.

Where the status entry lives: the generic schema has no W3C ``credentialStatus``; the credential's top-level
``identifier`` is free to carry scheme-qualified identifiers, so the revocation entry is written as
``<identifier schemeID="BitstringStatusListEntry" schemeName="revocation">LIST-URL#INDEX</identifier>``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lxml import etree

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


@dataclass(frozen=True)
class Qualification:
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


@dataclass(frozen=True)
class Achievement:
    id: str
    title: MultilingualText
    qualification: Qualification | None = None
    grade: str | None = None
    awarded_on: dt.date | None = None
    awarded_by: AwardingBody | None = (
        None  # the body named in the awarding process, when it is not the issuer
    )


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
            _write_qualification(specs, qualification)
        outcomes = [o for q in qualifications.values() for o in q.learning_outcomes]
        if outcomes:
            references = etree.SubElement(root, S("learningOutcomeReferences"))
            for outcome in outcomes:
                element = etree.SubElement(references, S("learningOutcome"), {"id": outcome.id})
                _texts(element, "prefLabel", outcome.text)
    agents = etree.SubElement(root, S("agentReferences"))
    _write_awarding_body(agents, c.awarding_body)
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
        "not_a_credential",
        "This XML is not a Europass credential (no europassCredential element).",
        "Ce XML n'est pas un titre Europass (pas d'élément europassCredential).",
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
            "not_a_credential",
            f"The credential could not be read: {error}.",
            f"Le titre n'a pas pu être lu : {error}.",
        ) from None


def _read_unchecked(root: etree._Element) -> Credential:
    issued = _read_datetime(_child_q(root, CRED, "issued"))
    if issued is None:
        raise CredentialError(
            "not_a_credential", "The credential has no issue date.", "Le titre n'a pas de date d'émission."
        )
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
        achievements=_read_achievements(root, awarding_body, organisations),
        status=status,
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
            yield f"VAT{country}-{number[2:] if number.startswith(country) else number}"


def _read_holder(subject: etree._Element | None) -> Holder:
    if subject is None:
        raise CredentialError(
            "not_a_credential", "The credential has no holder.", "Le titre n'a pas de titulaire."
        )
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
        isced_f_code=(isced.get("uri") or "").rsplit("/", 1)[-1] if isced is not None else None,
        credits=Decimal((credits.text or "").strip())
        if credits is not None and (credits.text or "").strip()
        else None,
        learning_outcomes=tuple(learning),
        homepage=homepage.get("uri") if homepage is not None else None,
    )


def _read_achievements(
    root: etree._Element, issuer: AwardingBody, organisations: Mapping[str | None, etree._Element]
) -> tuple[Achievement, ...]:
    outcomes = {
        o.get("id", ""): LearningOutcome(id=o.get("id", ""), text=_read_texts(_child(o, "prefLabel")))
        for o in _children(_child(root, "learningOutcomeReferences"), "learningOutcome")
    }
    references = _child(root, "learningSpecificationReferences")
    specs = {
        spec.get("id", ""): spec
        for spec in (references if references is not None else [])
        if spec.tag in (S("qualification"), S("learningSpecification"))
    }
    processes = {
        p.get("id", ""): p for p in _children(_child(root, "awardingProcessReferences"), "awardingProcess")
    }
    subject = _child(root, "credentialSubject")
    result = []
    for container in _children(subject, "achievements"):
        for element in container:
            if element.tag not in (S("learningAchievement"), S("qualificationAward")):
                continue
            specified = _child(element, "specifiedBy")
            spec = specs.get(specified.get("idref", "")) if specified is not None else None
            assessment = _child(element, "wasDerivedFrom")
            grade = _child(assessment, "grade")
            awarded = _child(element, "wasAwardedBy")
            process = processes.get(awarded.get("idref", "")) if awarded is not None else None
            date = _child(process, "date")
            body = _child(process, "awardingBody")
            body_id = body.get("idref", "") if body is not None else ""
            awarded_by = None
            if body_id and body_id != issuer.id and body_id in organisations:
                awarded_by = _read_awarding_body(organisations[body_id], body_id)
                if awarded_by.legal_identifier and awarded_by.legal_identifier == issuer.legal_identifier:
                    awarded_by = None  # the same legal person, described twice
            result.append(
                Achievement(
                    id=element.get("id", ""),
                    title=_read_texts(_child(element, "title")),
                    qualification=_read_qualification(spec, outcomes) if spec is not None else None,
                    grade=(grade.text or "").strip() if grade is not None else None,
                    awarded_on=_read_date(date.text if date is not None else None),
                    awarded_by=awarded_by,
                )
            )
    return tuple(result)
