"""The credential as JSON-LD: W3C Verifiable Credentials Data Model v2 with the European Learning Model vocabulary."""

from __future__ import annotations

from typing import Any

from .model import Achievement, Credential, MultilingualText, Qualification

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"


def _lang_map(text: MultilingualText | None) -> dict[str, str] | None:
    return dict(text.texts) if text else None


def _qualification(q: Qualification) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "type": "Qualification", "title": _lang_map(q.title)}
    if q.code:
        out["identifier"] = {"type": "Identifier", "notation": q.code, "schemeName": "Qualification code"}
    if q.description:
        out["description"] = _lang_map(q.description)
    if q.eqf_level:
        out["eqfLevel"] = {"id": f"http://data.europa.eu/snb/eqf/{q.eqf_level}", "type": "Concept"}
    if q.nqf_level:
        out["nqfLevel"] = [{"type": "Concept", "prefLabel": {"en": q.nqf_level}}]
    if q.isced_f_code:
        out["iscedfCode"] = [{"id": f"http://data.europa.eu/snb/isced-f/{q.isced_f_code}", "type": "Concept"}]
    if q.credits is not None:
        out["creditPoint"] = [{"type": "CreditPoint", "framework": "ECTS", "point": format(q.credits, "f")}]
    if q.learning_outcomes:
        out["learningOutcome"] = [
            {"id": o.id, "type": "LearningOutcome", "title": _lang_map(o.text)} for o in q.learning_outcomes
        ]
    return out


def _claim(a: Achievement, awarding_body_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "type": "LearningAchievement", "title": _lang_map(a.title)}
    if a.qualification:
        out["specifiedBy"] = _qualification(a.qualification)
    if a.grade:
        out["wasDerivedFrom"] = [
            {
                "type": "LearningAssessment",
                "title": _lang_map(a.title),
                "grade": {"type": "Note", "noteLiteral": {"en": a.grade}},
            }
        ]
    out["awardedBy"] = {
        "type": "AwardingProcess",
        "awardingBody": [{"id": awarding_body_id}],
        **({"awardingDate": f"{a.awarded_on.isoformat()}T00:00:00Z"} if a.awarded_on else {}),
    }
    return out


def to_jsonld(credential: Credential) -> dict[str, Any]:
    c = credential
    body = c.awarding_body
    holder = c.holder
    subject: dict[str, Any] = {
        "id": holder.id,
        "type": "Person",
        "givenName": _lang_map(holder.given_names),
        "familyName": _lang_map(holder.family_name),
    }
    if holder.full_name:
        subject["fullName"] = _lang_map(holder.full_name)
    if holder.date_of_birth:
        subject["dateOfBirth"] = holder.date_of_birth.isoformat()
    if holder.email:
        subject["contactPoint"] = [
            {"type": "ContactPoint", "emailAddress": [{"type": "Mailbox", "id": f"mailto:{holder.email}"}]}
        ]
    if c.achievements:
        subject["hasClaim"] = [_claim(a, body.id) for a in c.achievements]
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, ELM_CONTEXT],
        "id": c.id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": {
            "id": body.id,
            "type": "Organisation",
            "legalName": _lang_map(body.name),
            "registration": {
                "type": "LegalIdentifier",
                "notation": body.legal_identifier,
                "spatial": {"id": f"http://publications.europa.eu/resource/authority/country/{body.country}"},
            },
        },
        "name": _lang_map(c.title),
        "validFrom": (c.valid_from or c.issued).isoformat().replace("+00:00", "Z"),
        "issuanceDate": c.issued.isoformat().replace("+00:00", "Z"),
        "credentialSubject": subject,
    }
    if c.description:
        document["description"] = _lang_map(c.description)
    if c.valid_until:
        document["validUntil"] = c.valid_until.isoformat().replace("+00:00", "Z")
    if c.status:
        document["credentialStatus"] = {
            "id": f"{c.status.url}#{c.status.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": c.status.purpose,
            "statusListIndex": str(c.status.index),
            "statusListCredential": c.status.url,
        }
    return document
