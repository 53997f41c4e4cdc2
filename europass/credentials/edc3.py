"""The credential as an EDC 3 document: ELM 3 JSON-LD (W3C VC 1.1 data model), as the Commission's issuer writes it.

The document conforms to the official ``EDC-generic-full`` shapes (shipped in ``elm3/``; checked with pyshacl in the
tests, and at build time in development): the Generic credential profile, ``credentialSchema`` naming the profile,
``displayParameter`` carrying the visual representation as one image per language, ``issued``,
``issuer.eIDASIdentifier`` (the seal certificate's organisation identifier), ``issuer.location``, and every EU
vocabulary concept (EQF, NQF, country, language, ISCED-F, ECTS, file type, encoding) with its ``inScheme``.

Revocation: the EDC shapes allow ``credentialStatus`` only as one literal ``xsd:anyURI`` (they refuse a status-list
node). We write the URI of the credential's entry in its organisation's W3C Bitstring Status List,
``<status list URL>#<index>``: EDC 3 verifiers accept the document, and our verifier (``elm3.credential_from_elm3``)
reads the list and the index back from it and checks the bit, so revocation works for both formats.

The visual representation is an SVG per language, built from the same facts as the PDF's first page (title, holder,
awarding body, date, level). Rendering the PDF itself costs ~150 ms a credential, a hundred times the rest of
issuing; the SVG costs well under a millisecond and is sharp on any screen. Every value is XML-escaped; the SVG has
no scripts and no external references.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from europass.words import said, said_n

from .model import _COUNTRIES, Achievement, AwardingBody, Credential, MultilingualText, Qualification

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
CONTEXT = [VC1_CONTEXT, EDC_CONTEXT]
PROFILE_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"
COUNTRY = "http://publications.europa.eu/resource/authority/country"
LANGUAGE = "http://publications.europa.eu/resource/authority/language"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"

# ISO 639-1 → the EU authority's language codes (ISO 639-2/B as the EU writes them).
LANGUAGES = {
    "bg": "BUL", "cs": "CES", "da": "DAN", "de": "DEU", "el": "ELL", "en": "ENG", "et": "EST", "fi": "FIN",
    "fr": "FRA", "ga": "GLE", "hr": "HRV", "hu": "HUN", "it": "ITA", "lv": "LAV", "lt": "LIT", "mt": "MLT",
    "nl": "NLD", "pl": "POL", "pt": "POR", "ro": "RON", "sk": "SLK", "sl": "SLV", "es": "SPA", "sv": "SWE",
    "is": "ISL", "no": "NOR", "nb": "NOB", "nn": "NNO", "mk": "MKD", "sr": "SRP", "tr": "TUR", "sq": "SQI",
    "bs": "BOS", "uk": "UKR", "lb": "LTZ", "ca": "CAT", "eu": "EUS", "gl": "GLG",
}  # fmt: skip
_LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian"}
_MEDIA_TYPES = {"image/svg+xml": "SVG", "image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class DisplayImage:
    """One visual representation image, for one language."""

    content: bytes
    media_type: str  # "image/svg+xml" | "image/png" | "image/jpeg"
    language: str


def _concept(
    iri: str, scheme: str, label: str | Mapping[str, str] | None = None, notation: str | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": iri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"}}
    if notation:
        out["notation"] = notation
    if label:
        out["prefLabel"] = {"en": label} if isinstance(label, str) else dict(label)
    return out


def _country(code: str) -> dict[str, Any]:
    alpha3 = _COUNTRIES.get(code.upper(), code.upper())
    return _concept(f"{COUNTRY}/{alpha3}", COUNTRY, alpha3, notation="country")


def _language(code: str) -> dict[str, Any]:
    short = code[:2].lower()
    authority = LANGUAGES.get(short, short.upper())
    return _concept(
        f"{LANGUAGE}/{authority}", LANGUAGE, _LANGUAGE_NAMES.get(short, authority), notation="language"
    )


def _texts(text: MultilingualText | None) -> dict[str, str]:
    return dict(text.texts) if text else {}


def _note(cid: str, text: MultilingualText | Mapping[str, str]) -> dict[str, Any]:
    texts = dict(text.texts) if isinstance(text, MultilingualText) else dict(text)
    return {"id": cid, "type": "Note", "noteLiteral": texts}


def _instant(value: Any) -> str:
    return str(value.isoformat()).replace("+00:00", "Z")


def _organisation(body: AwardingBody, *, eidas_identifier: str | None) -> dict[str, Any]:
    oid = body.id
    out: dict[str, Any] = {
        "id": oid,
        "type": "Organisation",
        "legalName": _texts(body.name),
        "registration": {
            "id": f"{oid}#registration",
            "type": "LegalIdentifier",
            "notation": body.legal_identifier,
            "spatial": _country(body.country),
        },
        "location": {
            "id": f"{oid}#location",
            "type": "Location",
            "address": {
                "id": f"{oid}#address",
                "type": "Address",
                "countryCode": _country(body.country),
                **({"fullAddress": _note(f"{oid}#full-address", body.address.full)} if body.address else {}),
            },
        },
    }
    if eidas_identifier:
        out["eIDASIdentifier"] = {
            "id": f"{oid}#eidas",
            "type": "LegalIdentifier",
            "notation": eidas_identifier,
            "spatial": _country(body.country),
        }
    if body.email:
        out["contactPoint"] = {
            "id": f"{oid}#contact",
            "type": "ContactPoint",
            "emailAddress": {"id": f"mailto:{body.email}", "type": "Mailbox"},
        }
    if body.homepage:
        out["homepage"] = {"id": f"{oid}#homepage", "type": "WebResource", "contentURL": body.homepage}
    return out


def _qualification(q: Qualification) -> dict[str, Any]:
    qid = q.id
    out: dict[str, Any] = {"id": qid, "type": "Qualification", "title": _texts(q.title)}
    if q.code:
        out["identifier"] = {
            "id": f"{qid}#code",
            "type": "Identifier",
            "notation": q.code,
            "schemeName": "Qualification code",
        }
    if q.description:
        out["description"] = _texts(q.description)
    if q.eqf_level:
        out["eqfLevel"] = _concept(
            f"http://data.europa.eu/snb/eqf/{q.eqf_level}",
            "http://data.europa.eu/snb/eqf/25831c2",
            f"Level {q.eqf_level}",
        )
    if q.nqf_level:
        # An NQF level is a concept of the country's framework (an IRI); ours names the level by its label.
        slug = "".join(ch if ch.isalnum() else "-" for ch in q.nqf_level).strip("-").lower() or "level"
        out["nqfLevel"] = _concept(f"{qid}#nqf-{slug}", "http://data.europa.eu/snb/qdr/25831c2", q.nqf_level)
    if q.isced_f_code:
        out["thematicArea"] = _concept(
            f"http://data.europa.eu/snb/isced-f/{q.isced_f_code}",
            "http://data.europa.eu/snb/isced-f/25831c2",
            _texts(q.isced_f_label) or q.isced_f_code,
        )
    if q.credits is not None:
        out["creditPoint"] = {
            "id": f"{qid}#credits",
            "type": "CreditPoint",
            "framework": _concept(
                "http://data.europa.eu/snb/education-credit/6fcec5c5af",
                "http://data.europa.eu/snb/education-credit/25831c2",
                "European Credit Transfer System",
            ),
            "point": format(q.credits.normalize(), "f"),
        }
    if q.learning_outcomes:
        out["learningOutcome"] = [
            {"id": o.id, "type": "LearningOutcome", "title": _texts(o.text)} for o in q.learning_outcomes
        ]
    if q.homepage:
        out["homepage"] = {"id": f"{qid}#homepage", "type": "WebResource", "contentURL": q.homepage}
    return out


def _claim(a: Achievement, issuer: dict[str, Any], holder_id: str) -> dict[str, Any]:
    body = issuer if a.awarded_by is None else _organisation(a.awarded_by, eidas_identifier=None)
    awarded: dict[str, Any] = {"id": f"{a.id}#awarding", "type": "AwardingProcess", "awardingBody": body}
    if a.awarded_on:
        awarded["awardingDate"] = f"{a.awarded_on.isoformat()}T00:00:00Z"
    out: dict[str, Any] = {"id": a.id, "type": "LearningAchievement", "title": _texts(a.title)}
    out["awardedBy"] = awarded
    if a.description:
        out["description"] = _texts(a.description)
    if a.qualification:
        out["specifiedBy"] = _qualification(a.qualification)
    if a.grade:
        out["provenBy"] = {
            "id": f"{a.id}#assessment",
            "type": "LearningAssessment",
            "title": _texts(a.title),
            "awardedBy": awarded,
            "grade": _note(f"{a.id}#grade", {"en": a.grade}),
        }
    return out


def _display(credential: Credential, images: Sequence[DisplayImage]) -> dict[str, Any]:
    cid = credential.id
    languages = list(dict.fromkeys([credential.primary_language, *(i.language for i in images)]))
    out: dict[str, Any] = {
        "id": f"{cid}#display",
        "type": "DisplayParameter",
        "title": _texts(credential.title),
        "primaryLanguage": _language(credential.primary_language),
        "language": [_language(code) for code in languages]
        if len(languages) > 1
        else _language(languages[0]),
    }
    if credential.description:
        out["description"] = _texts(credential.description)
    displays = []
    for number, image in enumerate(images, start=1):
        kind = _MEDIA_TYPES.get(image.media_type, "SVG")
        displays.append(
            {
                "id": f"{cid}#display-{image.language}",
                "type": "IndividualDisplay",
                "language": _language(image.language),
                "displayDetail": {
                    "id": f"{cid}#display-{image.language}-1",
                    "type": "DisplayDetail",
                    "page": 1,
                    "image": {
                        "id": f"{cid}#image-{number}",
                        "type": "MediaObject",
                        "content": base64.b64encode(image.content).decode("ascii"),
                        "contentEncoding": _concept(
                            "http://data.europa.eu/snb/encoding/6146cde7dd",
                            "http://data.europa.eu/snb/encoding/25831c2",
                            "base64",
                        ),
                        "contentType": _concept(f"{FILE_TYPE}/{kind}", FILE_TYPE, kind, notation="file-type"),
                    },
                },
            }
        )
    if displays:
        out["individualDisplay"] = displays if len(displays) > 1 else displays[0]
    return out


def to_edc3(
    credential: Credential,
    *,
    eidas_identifier: str | None = None,
    display: Sequence[DisplayImage] = (),
    profile: str = "generic",
) -> dict[str, Any]:
    """The EDC 3 document of ``credential`` (unsealed): valid JSON-LD, conforming to ``EDC-generic-full``."""
    if profile != "generic":
        raise ValueError(f"Unknown EDC profile {profile!r}: only the generic profile is issued.")
    c = credential
    holder = c.holder
    issuer = _organisation(c.awarding_body, eidas_identifier=eidas_identifier)
    subject: dict[str, Any] = {
        "id": holder.id,
        "type": "Person",
        "givenName": _texts(holder.given_names),
        "familyName": _texts(holder.family_name),
    }
    if holder.full_name:
        subject["fullName"] = _texts(holder.full_name)
    if holder.date_of_birth:
        subject["dateOfBirth"] = f"{holder.date_of_birth.isoformat()}T00:00:00Z"
    if holder.email:
        subject["contactPoint"] = {
            "id": f"{holder.id}#contact",
            "type": "ContactPoint",
            "emailAddress": {"id": f"mailto:{holder.email}", "type": "Mailbox"},
        }
    if holder.learner_id:
        subject["identifier"] = {
            "id": f"{holder.id}#learner-id",
            "type": "Identifier",
            "notation": holder.learner_id,
            "schemeName": "Learner ID",
        }
    if holder.national_id:
        subject["nationalID"] = {
            "id": f"{holder.id}#national-id",
            "type": "LegalIdentifier",
            "notation": holder.national_id,
            "spatial": _country(holder.national_id_country or c.awarding_body.country),
        }
    claims = [_claim(a, issuer, holder.id) for a in c.achievements]
    if claims:
        subject["hasClaim"] = claims if len(claims) > 1 else claims[0]
    issued = _instant(c.issued)
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": c.id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": _concept(
            "http://data.europa.eu/snb/credential/e34929035b",
            "http://data.europa.eu/snb/credential/25831c2",
            "Generic",
        ),
        "credentialSchema": {"id": PROFILE_SCHEMA, "type": "ShaclValidator2017"},
        "displayParameter": _display(c, display),
        "issuer": issuer,
        "issuanceDate": issued,
        "issued": issued,
        "validFrom": _instant(c.valid_from or c.issued),
        "credentialSubject": subject,
    }
    if c.valid_until:
        document["validUntil"] = _instant(c.valid_until)
        document["expirationDate"] = _instant(c.valid_until)
    if c.status:
        document["credentialStatus"] = {
            "@value": f"{c.status.url}#{c.status.index}",
            "@type": "http://www.w3.org/2001/XMLSchema#anyURI",
        }
    return document


def edc3_payload(document: Mapping[str, Any]) -> str:
    """The exact JSON text to seal: compact, UTF-8 (not ASCII-escaped), member order as built (stable)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


# --- the visual representation as SVG ----------------------------------------------------------------------------

_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 842 595" width="842" height="595"'
    ' style="max-width:100%;height:auto" role="img"'
    ' aria-label="{aria}" lang="{lang}">'
    '<rect width="842" height="595" fill="#ffffff"/>'
    '<rect x="16" y="16" width="810" height="563" fill="none" stroke="#003399" stroke-width="4"/>'
    '<rect x="16" y="16" width="810" height="70" fill="#003399"/>'
    '<text x="40" y="60" font-family="DejaVu Sans, Arial, sans-serif" font-size="22" fill="#ffffff"'
    ' font-weight="bold">{body}</text>'
    '<text x="421" y="150" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="16"'
    ' fill="#444444">{awarded}</text>'
    '<text x="421" y="200" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="30"'
    ' font-weight="bold" fill="#111111">{holder}</text>'
    '<text x="421" y="250" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="16"'
    ' fill="#444444">{for_}</text>'
    '<text x="421" y="300" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="26"'
    ' fill="#003399" font-weight="bold">{title}</text>'
    '<text x="421" y="345" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="16"'
    ' fill="#222222">{facts}</text>'
    '<text x="421" y="380" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="16"'
    ' fill="#222222">{grade}</text>'
    '<line x1="60" y1="470" x2="782" y2="470" stroke="#cccccc"/>'
    '<text x="60" y="505" font-family="DejaVu Sans, Arial, sans-serif" font-size="14" fill="#444444">{date}</text>'
    '<text x="60" y="535" font-family="DejaVu Sans, Arial, sans-serif" font-size="12" fill="#666666">{sealed}</text>'
    "</svg>"
)

# A language tag the image's sentences may be asked in (anything else: English).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")


def _svg(credential: Credential, lang: str) -> bytes:
    """The visual representation in ``lang``: the credential's texts in that language, the image's own sentences in
    it too when there is a catalogue for it (else in English)."""
    said_in = lang if _LANGUAGE_TAG.fullmatch(lang) else "en"
    body = credential.awarding_body.name.get(lang)
    achievement = credential.achievements[0] if credential.achievements else None
    qualification = achievement.qualification if achievement else None
    facts = []
    if qualification and qualification.eqf_level:
        facts.append(said("EQF level %(level)s", level=qualification.eqf_level).shown(said_in))
    if qualification and qualification.credits is not None:
        credits = qualification.credits.normalize()
        count = int(credits) if credits == credits.to_integral_value() else 2
        credits_said = said_n(
            "%(credits)s ECTS credit", "%(credits)s ECTS credits", count, credits=format(credits, "f")
        )
        facts.append(credits_said.shown(said_in))
    awarded_on = (
        achievement.awarded_on if achievement and achievement.awarded_on else credential.issued.date()
    )
    values = {
        "aria": f"{credential.title.get(lang)} — {credential.holder.display_name(lang)}",
        "lang": lang,
        "body": body,
        "awarded": said("This is to certify that").shown(said_in),
        "holder": credential.holder.display_name(lang),
        "for_": said("has been awarded").shown(said_in),
        "title": credential.title.get(lang),
        "facts": " · ".join(facts),
        "grade": said("Grade: %(grade)s", grade=achievement.grade).shown(said_in)
        if achievement and achievement.grade
        else "",
        "date": said("Awarded on %(date)s", date=awarded_on.isoformat()).shown(said_in),
        "sealed": said(
            "Sealed electronically by %(body)s: verify it at any Europass verifier.", body=body
        ).shown(said_in),
    }
    escaped = {key: escape(str(value), {'"': "&quot;"}) for key, value in values.items()}
    return _SVG.format(**escaped).encode("utf-8")


def display_images(credential: Credential, *, languages: Sequence[str] | None = None) -> list[DisplayImage]:
    """One SVG visual representation per language: the credential's primary language first, then the others."""
    chosen = languages or list(dict.fromkeys([credential.primary_language, *credential.title.languages()]))
    return [DisplayImage(_svg(credential, lang), "image/svg+xml", lang) for lang in chosen]


class Edc3Builder:
    """Per batch (per organisation and e-seal): builds EDC 3 payloads; what is the same for the batch is kept."""

    def __init__(self, *, eidas_identifier: str | None) -> None:
        self.eidas_identifier = eidas_identifier

    def payload(self, credential: Credential) -> str:
        document = to_edc3(
            credential, eidas_identifier=self.eidas_identifier, display=display_images(credential)
        )
        return edc3_payload(document)
