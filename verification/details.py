"""The details of a check as people read them: a translated label for every key the engine writes, values in words
(dates in the language's format, codes as sentences, certificate names with readable attribute names).

The report's JSON keeps the engine's keys and codes as they are; only the pages and the PDF read them through here.
A key without a label here is left out of the page (it stays in the JSON): a raw field name is never shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHECK_TITLES: dict[str, Promise] = {
    "well_formed": gettext_lazy("Readable credential"),
    "schema_valid": gettext_lazy("Official Europass format"),
    "seal_intact": gettext_lazy("Seal intact"),
    "certificate_trusted": gettext_lazy("Issuer's certificate trusted"),
    "seal_qualified": gettext_lazy("Qualified seal (eIDAS)"),
    "sealer_is_issuer": gettext_lazy("Sealed by the awarding body"),
    "not_expired": gettext_lazy("Not expired"),
    "not_revoked": gettext_lazy("Not revoked"),
    "issuer_accredited": gettext_lazy("Awarding body accredited"),
    "qualification_registered": gettext_lazy("Qualification in the register"),
}
LABELS: dict[str, Promise] = {
    # seal_intact
    "sealed_by": gettext_lazy("Sealed by"),
    "seal_format": gettext_lazy("Kind of seal"),
    "signing_time": gettext_lazy("Signing time claimed by the sealer"),
    "proven_time": gettext_lazy("Proven sealing time"),
    "time_source": gettext_lazy("Source of the sealing time"),
    "timestamp_authority": gettext_lazy("Time-stamping authority"),
    "algorithm": gettext_lazy("Signature algorithm"),
    "notes": gettext_lazy("Notes"),
    "member": gettext_lazy("Part of the seal concerned"),
    "timestamp": gettext_lazy("Time-stamp concerned"),
    "signatures": gettext_lazy("Number of signatures"),
    "size": gettext_lazy("Size (bytes)"),
    # schema_valid
    "schema": gettext_lazy("Schema used"),
    "profile": gettext_lazy("Profile used (SHACL shapes)"),
    "declared": gettext_lazy("Schema the document declares"),
    "recognised": gettext_lazy("Declared schema known here"),
    "errors": gettext_lazy("Errors"),
    "error_count": gettext_lazy("Number of errors"),
    "violations": gettext_lazy("Errors"),
    "violation_count": gettext_lazy("Number of errors"),
    # certificate_trusted, seal_qualified
    "anchor": gettext_lazy("Trust anchor"),
    "path": gettext_lazy("Certificate path"),
    "judged_at": gettext_lazy("Judged at"),
    "expired_since": gettext_lazy("Expired since sealing"),
    "revocation": gettext_lazy("How revocation was checked"),
    "qc_types": gettext_lazy("QC types"),
    "sscd": gettext_lazy("Key in a qualified device (QSCD)"),
    "qc_claimed": gettext_lazy("Certificate claims to be qualified"),
    # sealer_is_issuer
    "awarding_body": gettext_lazy("Awarding body"),
    "awarding_body_identifiers": gettext_lazy("Identifiers the credential gives for its awarding body"),
    "seal_organization_identifier": gettext_lazy("Organisation identifier of the seal certificate"),
    "presented_by": gettext_lazy("Presented by"),
    "presenter_identifiers": gettext_lazy("Identifiers of the presenter"),
    "register": gettext_lazy("The register's entry"),
    # not_expired, not_revoked
    "valid_until": gettext_lazy("Valid until"),
    "status_list": gettext_lazy("Status list"),
    "index": gettext_lazy("Index in the status list"),
    "source": gettext_lazy("Status source"),
    "purpose": gettext_lazy("Purpose of the status list"),
    "signed_by_the_sealer": gettext_lazy("Status list signed by the sealer"),
    "revoked_at": gettext_lazy("Revoked on"),
    "error": gettext_lazy("Error"),
    # issuer_accredited, qualification_registered
    "organisation": gettext_lazy("Organisation in the register"),
    "uri": gettext_lazy("Register entry"),
    "confirmed": gettext_lazy("Accredited for"),
    "not_in_register": gettext_lazy("Not in the register"),
    "issued_on_behalf_of": gettext_lazy("Issued on behalf of"),
    "qualifications": gettext_lazy("Qualifications"),
}
CERTIFICATE_LABELS: dict[str, Promise] = {
    "subject": gettext_lazy("Subject"),
    "issuer": gettext_lazy("Issuer"),
    "serial": gettext_lazy("Serial number"),
    "not_before": gettext_lazy("Valid from"),
    "not_after": gettext_lazy("Valid until"),
    "organization_identifier": gettext_lazy("Organisation identifier"),
    "qualified": gettext_lazy("Qualified certificate"),
    "key": gettext_lazy("Key"),
    "qc_types": gettext_lazy("QC types"),
    "qc_sscd": gettext_lazy("Key in a qualified device (QSCD)"),
    "sha256": gettext_lazy("SHA-256 fingerprint"),
    "error": gettext_lazy("Error"),
}

# The attributes of a certificate's name, however they come written: asn1crypto's human-friendly name, the
# RFC 4514 short name, or the dotted object identifier.
_NAME_ATTRIBUTES: tuple[tuple[tuple[str, ...], Promise], ...] = (
    (("Common Name", "CN", "2.5.4.3"), gettext_lazy("Name")),
    (("Surname", "SN", "2.5.4.4"), gettext_lazy("Surname")),
    (("Serial Number", "SERIALNUMBER", "2.5.4.5"), gettext_lazy("Serial number")),
    (("Country", "C", "2.5.4.6"), gettext_lazy("Country")),
    (("Locality", "L", "2.5.4.7"), gettext_lazy("Locality")),
    (("State/Province", "ST", "2.5.4.8"), gettext_lazy("Region")),
    (("Street Address", "STREET", "2.5.4.9"), gettext_lazy("Street address")),
    (("Organization", "O", "2.5.4.10"), gettext_lazy("Organisation")),
    (("Organizational Unit", "OU", "2.5.4.11"), gettext_lazy("Organisational unit")),
    (("Title", "2.5.4.12"), gettext_lazy("Title")),
    (("Business Category", "businessCategory", "2.5.4.15"), gettext_lazy("Business category")),
    (("Postal Code", "postalCode", "2.5.4.17"), gettext_lazy("Postal code")),
    (("Telephone Number", "2.5.4.20"), gettext_lazy("Telephone number")),
    (("Name", "2.5.4.41"), gettext_lazy("Name")),
    (("Given Name", "GN", "givenName", "2.5.4.42"), gettext_lazy("Given name")),
    (("Initials", "2.5.4.43"), gettext_lazy("Initials")),
    (("Generation Qualifier", "2.5.4.44"), gettext_lazy("Generation qualifier")),
    (("Unique Identifier", "2.5.4.45"), gettext_lazy("Unique identifier")),
    (("DN Qualifier", "dnQualifier", "2.5.4.46"), gettext_lazy("Name qualifier")),
    (("Pseudonym", "2.5.4.65"), gettext_lazy("Pseudonym")),
    (
        ("Organization Identifier", "organizationIdentifier", "2.5.4.97"),
        gettext_lazy("Organisation identifier"),
    ),
    (("Email Address", "emailAddress", "E", "1.2.840.113549.1.9.1"), gettext_lazy("E-mail address")),
    (("Domain Component", "DC", "0.9.2342.19200300.100.1.25"), gettext_lazy("Domain component")),
    (("User ID", "UID", "0.9.2342.19200300.100.1.1"), gettext_lazy("User ID")),
    (("Incorporation Locality", "1.3.6.1.4.1.311.60.2.1.1"), gettext_lazy("Locality of incorporation")),
    (("Incorporation State/Province", "1.3.6.1.4.1.311.60.2.1.2"), gettext_lazy("Region of incorporation")),
    (("Incorporation Country", "1.3.6.1.4.1.311.60.2.1.3"), gettext_lazy("Country of incorporation")),
)
NAME_ATTRIBUTES: dict[str, Promise] = {
    spelling.casefold(): label for spellings, label in _NAME_ATTRIBUTES for spelling in spellings
}
_OID = re.compile(r"\d+(?:\.\d+)+")
_FRIENDLY_KEYS = "|".join(
    sorted(
        (re.escape(spelling) for spellings, _label in _NAME_ATTRIBUTES for spelling in spellings[:1]),
        key=len,
        reverse=True,
    )
)
# asn1crypto writes "Common Name: X, Organization: Y" (with "; " between attributes when a value holds a comma).
_FRIENDLY_PART = re.compile(rf"(?:^|(?<=, )|(?<=; ))((?:{_FRIENDLY_KEYS})|\d+(?:\.\d+)+): ")
_RFC4514 = re.compile(r"^\s*(?:[A-Za-z][\w-]*|\d+(?:\.\d+)+)=")


def attribute_label(name: str) -> str:
    """A certificate name attribute's label in the active language; an identifier not known here says "Other
    attribute" (its code stays in the JSON)."""
    label = NAME_ATTRIBUTES.get(name.strip().casefold())
    if label is not None:
        return str(label)
    return _("Other attribute")


def _friendly_parts(text: str) -> list[tuple[str, str]] | None:
    starts = list(_FRIENDLY_PART.finditer(text))
    if not starts or starts[0].start() != 0:
        return None
    parts = []
    for number, match in enumerate(starts):
        end = starts[number + 1].start() if number + 1 < len(starts) else len(text)
        value = text[match.end() : end]
        for separator in (", ", "; "):
            if number + 1 < len(starts) and value.endswith(separator):
                value = value[: -len(separator)]
        parts.append((match.group(1), value.strip()))
    return parts


def _rfc4514_parts(text: str) -> list[tuple[str, str]] | None:
    if not _RFC4514.match(text):
        return None
    parts, current, escaped = [], "", False
    pieces: list[str] = []
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",+":
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    for piece in pieces:
        key, equals, value = piece.partition("=")
        if not equals:
            return None
        parts.append((key.strip(), value.strip()))
    return parts


def readable_name(text: Any) -> str:
    """A certificate's subject or issuer with readable attribute names: "Name: Demo University e-seal;
    Organisation identifier: VATFR-…; Country: FR" (from asn1crypto's "Common Name: …, Organization Identifier: …"
    or RFC 4514's "CN=…,2.5.4.97=…"). Text that is no such name is returned as it is."""
    value = str(text or "")
    parts = _friendly_parts(value) or _rfc4514_parts(value)
    if not parts:
        return value
    return "; ".join(f"{attribute_label(key)}: {item}" for key, item in parts)


def when(value: Any) -> str:
    """A date or time in the active language's format (times in UTC); an ISO text is read first."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return f"{formats.date_format(value, 'DATETIME_FORMAT')} UTC"
    if isinstance(value, dt.date):
        return str(formats.date_format(value, "DATE_FORMAT"))
    return str(value)


def day(value: Any) -> str:
    """The day of a date or time (an ISO text is read first), in the active language's format."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return str(formats.date_format(value, "DATE_FORMAT"))
    return str(value)


def plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date | dt.datetime):
        return when(value)
    if isinstance(value, list | tuple):
        return ", ".join(plain(item) for item in value) or "—"
    if isinstance(value, Mapping):
        return "; ".join(plain(item) for item in value.values() if item not in (None, ""))
    if value in (None, ""):
        return "—"
    return str(value)


def _chosen(words: Mapping[str, Promise]) -> Callable[[Any], str]:
    def say(value: Any) -> str:
        word = words.get(str(value))
        return str(word) if word is not None else plain(value)

    return say


TIME_SOURCES = {
    "timestamp": gettext_lazy("a time-stamp from a trusted authority"),
    "claimed": gettext_lazy("claimed by the sealer (no trusted time-stamp proves it)"),
}
REVOCATION_SOURCES = {
    "seal": gettext_lazy("from the OCSP / CRL data the seal carries"),
    "fetched": gettext_lazy("asked of its certificate authority just now"),
    "none_published": gettext_lazy("its certificate authority publishes no revocation service for it"),
    "unavailable": gettext_lazy("not checked: its certificate authority could not be reached"),
}
SEAL_FORMATS = {
    "xades": gettext_lazy("XAdES (a seal inside the XML document)"),
    "jades": gettext_lazy("JAdES (a seal over the JSON-LD document)"),
}
PURPOSES = {"revocation": gettext_lazy("revocation"), "suspension": gettext_lazy("suspension")}
QC_TYPES = {
    "eseal": gettext_lazy("electronic seal"),
    "esign": gettext_lazy("electronic signature"),
    "web": gettext_lazy("website authentication"),
}
SOURCES = {"this portal": gettext_lazy("this portal")}


def _qc_types(value: Any) -> str:
    say = _chosen(QC_TYPES)
    return ", ".join(say(item) for item in value) if isinstance(value, list | tuple) else say(value)


def _register(value: Any) -> str:
    if isinstance(value, Mapping):
        name, identifier = value.get("name") or "", value.get("legal_identifier") or ""
        return f"{name} ({identifier})" if name and identifier else str(name or identifier or "—")
    return plain(value)


def _qualification(entry: Any, lang: str) -> str:
    if not isinstance(entry, Mapping):
        return plain(entry)
    text = _("%(code)s: EQF level %(register)s in the register, %(credential)s in the credential") % {
        "code": entry.get("code") or "?",
        "register": plain(entry.get("register_eqf_level")),
        "credential": plain(entry.get("credential_eqf_level")),
    }
    status = entry.get("register_status")
    if status:
        text += "; " + _("status in the register: %(status)s") % {"status": status}
    differs = entry.get("title_differs_in")
    if differs:
        titles = entry.get("register_title") or {}
        title = titles.get(lang) or next(iter(titles.values()), "") if isinstance(titles, Mapping) else ""
        text += "; " + _("its title in the register is now “%(title)s”") % {"title": title}
    if entry.get("uri"):
        text += f" — {entry['uri']}"
    return text


def _note(note: Any, lang: str) -> str:
    if isinstance(note, Mapping):
        return str(note.get(lang) or note.get("en") or "")
    return plain(note)


Row = dict[str, Any]


def _row(label: Promise, value: str = "", items: list[str] | None = None) -> Row:
    return {"label": str(label), "value": value, "items": items or []}


def certificate_rows(certificate: Mapping[str, Any]) -> list[Row]:
    """A seal certificate's summary, line by line."""
    rows = []
    for key, value in certificate.items():
        label = CERTIFICATE_LABELS.get(key)
        if label is None or isinstance(value, Mapping) or value in (None, "", []):
            continue
        if key in ("subject", "issuer"):
            shown = readable_name(value)
        elif key in ("not_before", "not_after"):
            shown = when(value)
        elif key == "qc_types":
            shown = _qc_types(value)
        else:
            shown = plain(value)
        rows.append(_row(label, shown))
    return rows


def detail_rows(details: Mapping[str, Any], lang: str) -> list[Row]:
    """The rows a page shows for a check's details, in the active language (call it under that language)."""
    rows: list[Row] = []
    hidden = {"violations"} if lang == "fr" else {"violations_fr"}
    for key, value in details.items():
        if key == "certificate" and isinstance(value, Mapping):
            rows += certificate_rows(value)
            continue
        if key in hidden or value in (None, "", [], {}):
            continue
        if key == "violations_fr":
            key = "violations"
        label = LABELS.get(key)
        if label is None:
            continue  # a code or a key without a label: in the JSON only
        if key in ("sealed_by", "timestamp_authority", "anchor"):
            rows.append(_row(label, readable_name(value)))
        elif key == "path" and isinstance(value, list | tuple):
            rows.append(_row(label, items=[readable_name(item) for item in value]))
        elif key in ("errors", "violations") and isinstance(value, list | tuple):
            rows.append(_row(label, items=[str(item) for item in value]))
        elif key == "notes" and isinstance(value, list | tuple):
            rows.append(_row(label, items=[_note(item, lang) for item in value]))
        elif key == "qualifications" and isinstance(value, list | tuple):
            rows.append(_row(label, items=[_qualification(item, lang) for item in value]))
        elif key in ("signing_time", "proven_time", "judged_at", "revoked_at", "valid_until"):
            rows.append(_row(label, when(value)))
        elif key == "time_source":
            rows.append(_row(label, _chosen(TIME_SOURCES)(value)))
        elif key == "revocation":
            rows.append(_row(label, _chosen(REVOCATION_SOURCES)(value)))
        elif key == "seal_format":
            rows.append(_row(label, _chosen(SEAL_FORMATS)(value)))
        elif key == "purpose":
            rows.append(_row(label, _chosen(PURPOSES)(value)))
        elif key == "source":
            rows.append(_row(label, _chosen(SOURCES)(value)))
        elif key == "qc_types":
            rows.append(_row(label, _qc_types(value)))
        elif key == "register":
            rows.append(_row(label, _register(value)))
        else:
            rows.append(_row(label, plain(value)))
    return rows
