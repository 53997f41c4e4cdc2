"""The one verification engine behind the page, ``POST /api/v1/verify``, ``credential_verify`` and the wallet.

``verify_upload`` reads what it is given (Europass XML, EDC 3 JSON-LD, or a PDF carrying either), then
``verify_document`` runs the core verifier
(``europass.sealing.verify``: structure, schema, seal, certificate path, expiry) with the trust anchors of the
register, and adds the three checks that need the database or the network:

- ``not_revoked``: our own credentials from our status lists; others by fetching their W3C Bitstring Status List
  (short timeouts, size cap, cached, never an internal address); unreachable gives a warning, never a crash;
- ``issuer_accredited``: the awarding body is in the register and accredited for the qualification at the award
  date;
- ``qualification_registered``: the qualification's URI resolves in the register, and its title and EQF level
  match the credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve

from europass.credentials.model import AwardingBody, Credential
from europass.credentials.model import Qualification as CredentialQualification
from europass.credentials.schema import SchemaValidator, validator_for
from europass.registry.models import Organisation, Qualification
from europass.registry.selectors import (
    accredited_on,
    mandated_on,
    organisation_by_legal_identifier,
    organisation_by_pk,
    organisation_by_slug,
    organisation_seal_certificates,
    qualification_by_local_code,
    qualification_by_uri,
    trust_store,
)
from europass.sealing import binding
from europass.sealing.binding import Binding, RegisteredBody
from europass.sealing.certificates import summarize
from europass.sealing.report import Check, CheckStatus, SealInfo, VerificationReport
from europass.sealing.trust import TrustStore
from europass.sealing.verify import ExtraCheck, verify
from europass.status.selectors import (
    decode_list,
    entry_state,
    is_set,
    local_list_id,
    revoked_since,
    status_list_owner,
)
from europass.status.signing import MEDIA_TYPE as SIGNED_LIST_TYPE
from europass.status.signing import SignedListError, read_signed_list
from europass.words import Text, joined, said, said_day

from .fetch import FetchError, fetch_public
from .links import own_path
from .reading import document_of_upload

log = logging.getLogger(__name__)


def schema_validator() -> SchemaValidator:
    """The official schemas shipped with the product, overridden by the files of ``EUROPASS_SCHEMA_DIR`` if set
    (a directory that does not exist is logged and ignored)."""
    return validator_for(str(getattr(settings, "EUROPASS_SCHEMA_DIR", "") or ""))


# --- not_revoked ------------------------------------------------------------------------------------------------


def _status_cache_key(url: str) -> str:
    return "verification:status:" + hashlib.sha256(url.encode()).hexdigest()


@dataclass(frozen=True)
class RemoteList:
    bits: bytes
    purpose: str
    chain: tuple[bytes, ...] = ()  # the signer's certificates (DER, signer first) when the list came signed


SIGNED_ACCEPT = f"{SIGNED_LIST_TYPE}, application/vc+ld+json;q=0.9, application/json;q=0.8"


def _read_list(body: bytes) -> RemoteList:
    text = body.strip()
    chain: tuple[bytes, ...] = ()
    try:
        if text.startswith(b"eyJ") and text.count(b".") == 2:  # a compact JWS: VC-JOSE-COSE
            try:
                document, signers = read_signed_list(text.decode("ascii"))
            except (SignedListError, UnicodeDecodeError) as error:
                raise FetchError("bad_signature", str(error)) from error
            chain = tuple(signers)
        else:
            document = json.loads(body)
        subject = document["credentialSubject"]
        if isinstance(subject, list):
            subject = subject[0]
        bits = decode_list(str(subject["encodedList"]))
        purpose = str(subject.get("statusPurpose", "revocation"))
    except (ValueError, KeyError, TypeError, IndexError, OSError, EOFError) as error:
        raise FetchError("unreadable", "The status list is not a W3C Bitstring Status List.") from error
    return RemoteList(bits, purpose, chain)


def _remote_list(url: str) -> RemoteList:
    """A status list published elsewhere (asked for signed, cached): its bits, purpose and signer."""
    key = _status_cache_key(url)
    cached = cache.get(key)
    if cached is not None:
        if "error" in cached:
            raise FetchError(cached["error"], cached["message"])
        return RemoteList(bytes(cached["bits"]), str(cached["purpose"]), tuple(cached.get("chain", ())))
    try:
        remote = _read_list(fetch_public(url.split("#", 1)[0], accept=SIGNED_ACCEPT).body)
    except FetchError as error:
        cache.set(key, {"error": error.reason, "message": str(error)}, timeout=30)
        raise
    cache.set(
        key,
        {"bits": remote.bits, "purpose": remote.purpose, "chain": list(remote.chain)},
        timeout=int(getattr(settings, "STATUS_CACHE_SECONDS", 300)),
    )
    return remote


NOT_BELIEVED = {  # why a status list is not taken as the awarding body's word
    "unsigned": said("it is not signed"),
    "no_seal": said("the credential's own seal could not be checked"),
    "other_organisation": said(
        "it is signed by another organisation than the one that sealed the credential"
    ),
    "untrusted_signer": said(
        "its signer's certificate does not lead to a certificate authority trusted here"
    ),
}


def _one_after_another(parts: list[Text]) -> Text:
    """Clauses said one after the other, separated by semicolons (spaced as the reader's language spaces them)."""
    said_so_far = parts[0]
    for part in parts[1:]:
        said_so_far = said("%(before)s; %(after)s", before=said_so_far, after=part)
    return said_so_far


def _not_believed(chain: tuple[bytes, ...], seal: SealInfo | None) -> str | None:
    """None when the list's signer is the credential's sealer (the same certificate, or one of the same
    organisation that chains to a trust anchor here); otherwise a key of ``NOT_BELIEVED``."""
    if not chain:
        return "unsigned"
    if seal is None:
        return "no_seal"
    leaf = chain[0]
    if hashlib.sha256(leaf).hexdigest() == seal.certificate.get("sha256"):
        return None
    signer = summarize(leaf)
    same_subject = signer.subject == seal.certificate.get("subject")
    identifier = signer.organization_identifier
    same_organisation = same_subject or (
        identifier is not None and identifier == seal.certificate.get("organization_identifier")
    )
    if not same_organisation:
        return "other_organisation"
    if not trust_store().validate(leaf, chain[1:], moment=dt.datetime.now(dt.UTC)).trusted:
        return "untrusted_signer"
    return None


def check_not_revoked(credential: Credential, seal: SealInfo | None) -> Check:
    status = credential.status
    if status is None:
        return Check.of(
            "not_revoked",
            CheckStatus.NOT_APPLICABLE,
            said("The credential carries no status list: its awarding body cannot revoke it online."),
        )
    details: dict[str, Any] = {"status_list": status.url, "index": status.index}
    list_id = local_list_id(status.url)
    local = None if list_id is None else entry_state(list_id, status.index)
    if local is not None:
        details["source"] = "this portal"
        list_pk, revoked = local
        owner_id = status_list_owner(list_id) if list_id is not None else None
        owner = organisation_by_pk(owner_id) if owner_id is not None else None
        if owner is None or not sealed_by(owner, seal):
            return Check.of(
                "not_revoked",
                CheckStatus.WARNING,
                said(
                    "Status unknown: the credential names a status list of this portal that belongs to another "
                    "organisation than the one that sealed it, so that list's answer does not count."
                ),
                **details,
            )
        if revoked:
            when = revoked_since(list_pk, status.index)
            if when:
                details["revoked_at"] = when
            return Check.of(
                "not_revoked",
                CheckStatus.FAILED,
                said("The awarding body revoked this credential on %(day)s.", day=said_day(when))
                if when
                else said("The awarding body revoked this credential."),
                **details,
            )
        return Check.of(
            "not_revoked",
            CheckStatus.PASSED,
            said("Not revoked: the awarding body's status list says it is in force."),
            **details,
        )
    details["source"] = urlsplit(status.url).netloc
    if urlsplit(status.url).netloc == urlsplit(settings.SITE_URL).netloc:
        return Check.of(
            "not_revoked",
            CheckStatus.WARNING,
            said("Status unknown: the credential names a status list of this portal that does not exist."),
            **details,
        )
    try:
        remote = _remote_list(status.url)
    except FetchError as error:
        details["error"] = str(error)
        return Check.of(
            "not_revoked",
            CheckStatus.WARNING,
            said(
                "Status unknown: the awarding body's status list could not be read right now. Try again later."
            ),
            **details,
        )
    bits, purpose = remote.bits, remote.purpose
    details["purpose"] = purpose
    not_believed = _not_believed(remote.chain, seal)
    details["signed_by_the_sealer"] = not_believed is None
    if is_set(bits, status.index):
        if purpose == "suspension":
            return Check.of(
                "not_revoked",
                CheckStatus.FAILED,
                said("The awarding body has suspended this credential."),
                **details,
            )
        return Check.of(
            "not_revoked",
            CheckStatus.FAILED,
            said("The awarding body revoked this credential."),
            **details,
        )
    if not_believed is not None:
        return Check.of(
            "not_revoked",
            CheckStatus.WARNING,
            said(
                "Probably not revoked: the status list says it is in force, but that list could come from anyone: "
                "%(why)s.",
                why=NOT_BELIEVED[not_believed],
            ),
            **details,
        )
    return Check.of(
        "not_revoked",
        CheckStatus.PASSED,
        said("Not revoked: the awarding body's status list, signed with its seal, says it is in force."),
        **details,
    )


# --- the seal certificate's revocation --------------------------------------------------------------------------


def revocation_get(url: str, accept: str) -> bytes:
    """A CRL or OCSP answer from a seal certificate's authority: through the guarded fetcher (never an internal
    address, short timeouts, size cap), cached for ``REVOCATION_CACHE_SECONDS`` (failures for a minute)."""
    key = "verification:revocation:" + hashlib.sha256(url.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, dict):
        raise FetchError(str(cached.get("reason", "cached")), str(cached.get("message", "")))
    if isinstance(cached, bytes):
        return cached
    try:
        body = fetch_public(
            url, accept=accept, max_bytes=int(getattr(settings, "REVOCATION_MAX_BYTES", 5 * 1024 * 1024))
        ).body
    except FetchError as error:
        cache.set(key, {"reason": error.reason, "message": str(error)}, timeout=60)
        raise
    cache.set(key, body, timeout=int(getattr(settings, "REVOCATION_CACHE_SECONDS", 3600)))
    return body


# --- the register -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _route(path: str) -> tuple[str, tuple[tuple[str, object], ...]] | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name, tuple(match.kwargs.items())


def _local_path_kwargs(url: str, view_name: str) -> dict[str, Any] | None:
    """The URL's arguments when it is this portal's address of ``view_name`` (``links.own_path``: on ``SITE_URL``,
    or in development on the address the request came in on), resolved by URL routing (memoised), never fetched."""
    path = own_path(url)
    if path is None:
        return None
    route = _route(path)
    if route is None or route[0] != view_name:
        return None
    return dict(route[1])


def registered_organisation(credential: Credential) -> Organisation | None:
    return registered_body_of(credential.awarding_body)


def registered_body_of(body: AwardingBody) -> Organisation | None:
    """The register's entry for an awarding body: by the address it was issued with (ours), else by its legal
    identifier."""
    kwargs = _local_path_kwargs(body.id, "registry:organisation")
    if kwargs is not None:  # one of ours: its register entry, by the address it was issued with
        return organisation_by_slug(kwargs.get("slug", ""))
    if body.legal_identifier:  # another portal's: the same legal person in our register
        return organisation_by_legal_identifier(body.legal_identifier)
    return None


def registered_qualification(qualification: CredentialQualification) -> Qualification | None:
    if qualification.id:
        found = qualification_by_uri(qualification.id)
        if found is not None:
            return found
        kwargs = _local_path_kwargs(qualification.id, "registry:qualification")
        if kwargs is not None:
            return qualification_by_local_code(kwargs.get("code", ""))
    return None


# --- the sealer is the awarding body ----------------------------------------------------------------------------


def _registered(organisation: Organisation) -> RegisteredBody:
    fingerprints, identifiers = organisation_seal_certificates(organisation.pk)
    return RegisteredBody(
        name=organisation.legal_name,
        legal_identifier=organisation.legal_identifier,
        seal_identifiers=identifiers,
        seal_fingerprints=fingerprints,
    )


def sealer_binding(credential: Credential, seal: SealInfo | None) -> Binding:
    organisation = registered_organisation(credential)
    return binding.bind(credential, seal, _registered(organisation) if organisation else None)


def sealed_by(organisation: Organisation, seal: SealInfo | None) -> bool:
    """Whether the seal is the organisation's own: a registered certificate, or its registered identifier."""
    return seal is not None and _registered(organisation).owns(seal.certificate)


def check_sealer_is_issuer(credential: Credential, seal: SealInfo | None) -> Check:
    organisation = registered_organisation(credential)
    return binding.check(credential, seal, _registered(organisation) if organisation else None)


# --- accreditation ----------------------------------------------------------------------------------------------


def _on_behalf(
    credential: Credential, issuer: Organisation | None
) -> tuple[dict[str, Organisation | None], list[str], list[Text]]:
    """The other awarding bodies named in the awarding processes, with their register entries, and what the
    register says of the issuer's mandates for them: (bodies by id, names, problems)."""
    bodies: dict[str, Organisation | None] = {}
    names: list[str] = []
    problems: list[Text] = []
    day = (credential.valid_from or credential.issued).date()
    issuer_name = issuer.legal_name if issuer else (credential.awarding_body.name.get("en") or "?")
    for body in binding.other_awarding_bodies(credential):
        entry = registered_body_of(body)
        bodies[body.id] = entry
        name = entry.legal_name if entry else (body.name.get("en") or body.legal_identifier or body.id)
        names.append(name)
        if entry is None:
            continue
        if issuer is None or not mandated_on(issuer.pk, entry.pk, day):
            problems.append(
                said(
                    "the register records no mandate for %(issuer)s to issue on behalf of %(body)s",
                    issuer=issuer_name,
                    body=name,
                )
            )
    return bodies, names, problems


def check_issuer_accredited(credential: Credential, seal: SealInfo | None) -> Check:
    organisation = registered_organisation(credential)
    name = credential.awarding_body.name.get("en") or credential.awarding_body.legal_identifier
    bound = sealer_binding(credential, seal)
    bodies, behalf, mandate = _on_behalf(credential, organisation)
    behalf_details: dict[str, Any] = {"issued_on_behalf_of": behalf} if behalf else {}
    if mandate:
        return Check.of(
            "issuer_accredited",
            CheckStatus.FAILED,
            said(
                "%(name)s issued this credential on behalf of %(bodies)s, but %(problems)s.",
                name=name,
                bodies=", ".join(behalf),
                problems=_one_after_another(mandate),
            ),
            awarding_body=credential.awarding_body.id,
            **behalf_details,
        )
    if bound.status == CheckStatus.FAILED:
        return Check.of(
            "issuer_accredited",
            CheckStatus.NOT_APPLICABLE,
            said(
                "Not judged: the seal is not %(name)s's, so the credential cannot claim its accreditation.",
                name=name,
            ),
            **behalf_details,
        )
    if organisation is not None and not bound.bound:
        return Check.of(
            "issuer_accredited",
            CheckStatus.WARNING,
            said(
                "%(name)s is in the register, but nothing proves that the seal is its own: its accreditation cannot be "
                "claimed by this credential.",
                name=name,
            ),
            **behalf_details,
        )
    if organisation is None:
        return Check.of(
            "issuer_accredited",
            CheckStatus.WARNING,
            said(
                "The awarding body (%(name)s) is not in this register: its accreditation cannot be confirmed here.",
                name=name,
            ),
            awarding_body=credential.awarding_body.id,
        )
    details: dict[str, Any] = {"organisation": organisation.legal_name, "uri": organisation.uri}
    problems: list[Text] = []
    unknown: list[str] = []
    confirmed: list[str] = []
    details.update(behalf_details)
    for achievement in credential.achievements:
        if achievement.qualification is None:
            continue
        registered = registered_qualification(achievement.qualification)
        label = achievement.qualification.code or achievement.title.get("en")
        if registered is None:
            unknown.append(label)
            continue
        awarding: Organisation | None = organisation
        if achievement.awarded_by is not None and achievement.awarded_by.id in bodies:
            awarding = bodies[achievement.awarded_by.id]
        if awarding is None:  # issued on behalf of a body this register does not know
            unknown.append(label)
            continue
        day = achievement.awarded_on or (credential.valid_from or credential.issued).date()
        if accredited_on(awarding.pk, registered.pk, day):
            confirmed.append(registered.code)
        else:
            problems.append(said("%(code)s on %(day)s", code=registered.code, day=said_day(day)))
    details.update(confirmed=confirmed, not_in_register=unknown)
    if problems:
        return Check.of(
            "issuer_accredited",
            CheckStatus.FAILED,
            said(
                "%(organisation)s was not accredited to award %(awards)s.",
                organisation=organisation.legal_name,
                awards=joined(problems, ", "),
            ),
            **details,
        )
    if unknown or not confirmed:
        return Check.of(
            "issuer_accredited",
            CheckStatus.WARNING,
            said(
                "%(organisation)s is in the register, but the qualification is not: accreditation cannot be "
                "confirmed.",
                organisation=organisation.legal_name,
            ),
            **details,
        )
    return Check.of(
        "issuer_accredited",
        CheckStatus.PASSED,
        said(
            "%(organisation)s is accredited in the register to award %(codes)s at the award date.",
            organisation=organisation.legal_name,
            codes=", ".join(confirmed),
        ),
        **details,
    )


def check_qualification_registered(credential: Credential, seal: SealInfo | None) -> Check:
    qualifications = [a.qualification for a in credential.achievements if a.qualification is not None]
    if not qualifications:
        return Check.of(
            "qualification_registered",
            CheckStatus.NOT_APPLICABLE,
            said("The credential names no qualification."),
        )
    failed: list[Text] = []
    changed: list[str] = []
    missing: list[str] = []
    found: list[dict[str, object]] = []
    for qualification in qualifications:
        registered = registered_qualification(qualification)
        if registered is None:
            missing.append(qualification.id)
            continue
        entry: dict[str, object] = {
            "code": registered.code,
            "uri": registered.public_uri,
            "register_eqf_level": registered.eqf_level,
            "credential_eqf_level": qualification.eqf_level,
            "register_status": registered.status,
        }
        found.append(entry)
        if qualification.eqf_level is not None and qualification.eqf_level != registered.eqf_level:
            failed.append(
                said(
                    "%(code)s: the credential says EQF %(credential)s, the register says EQF %(register)s",
                    code=registered.code,
                    credential=qualification.eqf_level,
                    register=registered.eqf_level,
                )
            )
        differing = [
            lang
            for lang, text in qualification.title.texts.items()
            if registered.title.get(lang) and registered.title[lang].strip() != text.strip()
        ]
        if differing:
            entry["title_differs_in"] = differing
            entry["register_title"] = registered.title
            changed.append(registered.code)
    details: dict[str, Any] = {"qualifications": found, "not_in_register": missing}
    if failed:
        return Check.of(
            "qualification_registered",
            CheckStatus.FAILED,
            said(
                "The qualification does not match the register: %(problems)s.",
                problems=_one_after_another(failed),
            ),
            **details,
        )
    if missing:
        return Check.of(
            "qualification_registered",
            CheckStatus.WARNING,
            said("The qualification is not in this register: what it means cannot be confirmed here."),
            **details,
        )
    if changed:
        return Check.of(
            "qualification_registered",
            CheckStatus.WARNING,
            said(
                "The qualification is registered, but its title in the register has changed since issuance "
                "(%(codes)s).",
                codes=", ".join(changed),
            ),
            **details,
        )
    codes = ", ".join(str(entry["code"]) for entry in found)
    return Check.of(
        "qualification_registered",
        CheckStatus.PASSED,
        said(
            "The qualification is in the register (%(codes)s) with the same title and EQF level.", codes=codes
        ),
        **details,
    )


EXTRA_CHECKS: Sequence[ExtraCheck] = (
    check_sealer_is_issuer,
    check_not_revoked,
    check_issuer_accredited,
    check_qualification_registered,
)


# --- entry points -----------------------------------------------------------------------------------------------


def verify_document(
    document: bytes, *, trust: TrustStore | None = None, now: dt.datetime | None = None
) -> VerificationReport:
    """Verify a credential document (XML or JSON-LD, its bytes exactly as given) with every check (never raises for
    a bad credential: the report says what failed)."""
    return verify(
        document,
        trust if trust is not None else trust_store(),
        schema=schema_validator(),
        extra_checks=EXTRA_CHECKS,
        now=now,
        revocation_fetch=revocation_get,
    )


def verify_upload(
    *, data: bytes, filename: str = "", trust: TrustStore | None = None, now: dt.datetime | None = None
) -> VerificationReport:
    """Verify what a person gave: XML or JSON-LD bytes, or a PDF carrying either. Raises ``UnusableInput`` when
    nothing can be read."""
    return verify_document(document_of_upload(data), trust=trust, now=now)


verify_xml = verify_document  # its former name
