"""An organisation's e-seal: install (PKCS#12 or PEM), keep the key encrypted at rest, hand out a ready Sealer."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.accounts.selectors import is_organisation_admin
from europass.core.errors import ApplicationError, NotFound, PermissionDenied
from europass.registry.models import Organisation
from europass.registry.services import seal_certificate_record
from europass.sealing.binding import same_legal_person
from europass.sealing.certificates import organization_identifier, qc_statements
from europass.sealing.csc import CscClient, CscConfig
from europass.sealing.errors import SealingError
from europass.sealing.jades_seal import JadesSealer, ValidationValues
from europass.sealing.keys import KeyVault, SealKey, load_pem, load_pkcs12
from europass.sealing.seal import Sealer
from europass.sealing.timestamp import TimeStamper
from europass.sealing.token_keys import Pkcs11Config, Pkcs11Source, check_pair
from europass.words import said

from ..audit import audit
from ..models import AuditEvent, OrganisationSeal

EXPIRY_WARNING = dt.timedelta(days=30)


def _vault() -> KeyVault:
    return KeyVault(settings.KEY_ENCRYPTION_SECRETS)


def _pem(certificates: tuple[x509.Certificate, ...]) -> str:
    return "".join(cert.public_bytes(serialization.Encoding.PEM).decode() for cert in certificates)


def _may_seal(cert: x509.Certificate) -> bool:
    """Key usage allows signatures (digitalSignature or nonRepudiation); no key usage means no restriction."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.digital_signature or usage.content_commitment)


def seal_check(
    *, organisation: Organisation, seal_key: SealKey, actor: Any, confirm_identifier: bool = False
) -> str | None:
    """Refuse a certificate that cannot be this organisation's e-seal (``ApplicationError``, nothing stored).

    The certificate must be valid now, allow signatures, match the private key (checked when the key is read),
    and name the organisation: its organisation identifier (2.5.4.97) must be the organisation's legal identifier,
    since that is what tells a verifier whose seal it is. A platform administrator may confirm another certificate
    explicitly (``confirm_identifier``); the confirmation is audited. Returns the certificate's identifier."""
    cert = seal_key.certificate
    now = timezone.now()
    if cert.not_valid_after_utc <= now:
        raise ApplicationError(
            _("This certificate expired on %(date)s.") % {"date": f"{cert.not_valid_after_utc:%Y-%m-%d}"},
            code="seal_expired",
        )
    if cert.not_valid_before_utc > now:
        raise ApplicationError(
            _("This certificate is not valid before %(date)s.")
            % {"date": f"{cert.not_valid_before_utc:%Y-%m-%d}"},
            code="seal_not_yet_valid",
        )
    if not _may_seal(cert):
        raise ApplicationError(
            _("This certificate may not be used for seals: its key usage allows no signature."),
            code="seal_key_usage",
        )
    identifier = organization_identifier(cert.public_bytes(serialization.Encoding.DER))
    if same_legal_person(identifier, organisation.legal_identifier):
        return identifier
    if confirm_identifier and getattr(actor, "is_superuser", False):
        return identifier
    if identifier:
        message = _(
            "This certificate belongs to another organisation: its organisation identifier is %(found)s, "
            "while %(organisation)s is registered as %(expected)s."
        ) % {"found": identifier, "organisation": organisation, "expected": organisation.legal_identifier}
    else:
        message = _(
            "This certificate names no organisation identifier, so verifiers cannot tell that it is the seal "
            "of %(organisation)s (%(expected)s). Ask your trust service provider for an e-seal certificate that "
            "carries it."
        ) % {"organisation": organisation, "expected": organisation.legal_identifier}
    if getattr(actor, "is_superuser", False):
        message += " " + _("As a platform administrator you may confirm that it is this organisation's seal.")
    raise ApplicationError(message, code="seal_other_organisation")


def seal_store(
    *,
    organisation: Organisation,
    seal_key: SealKey,
    actor: Any,
    confirm_identifier: bool = False,
    source: str = OrganisationSeal.Source.SOFTWARE,
    source_config: dict[str, str] | None = None,
) -> OrganisationSeal:
    """Keep ``seal_key`` as the organisation's active e-seal; the previous one stays for old credentials. A key that
    lives in a device (``source`` pkcs11) is not stored: only where it is (``source_config``)."""
    identifier = seal_check(
        organisation=organisation, seal_key=seal_key, actor=actor, confirm_identifier=confirm_identifier
    )
    cert = seal_key.certificate
    now = timezone.now()
    der = cert.public_bytes(serialization.Encoding.DER)
    qc = qc_statements(der)
    with transaction.atomic():
        OrganisationSeal.objects.filter(organisation=organisation, active=True).update(
            active=False, replaced_at=now
        )
        seal = OrganisationSeal.objects.create(
            organisation=organisation,
            encrypted_key=_vault().encrypt(seal_key.private_key)
            if source == OrganisationSeal.Source.SOFTWARE
            else b"",
            source=source,
            source_config=source_config or {},
            certificate_pem=_pem((cert,)),
            chain_pem=_pem(tuple(seal_key.chain)),
            fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            qualified=bool(qc.compliance and "eseal" in qc.qc_types),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        seal_certificate_record(organisation=organisation, der=der)
        details: dict[str, object] = {
            "fingerprint": seal.fingerprint,
            "not_after": seal.not_after.isoformat(),
            "source": source,
            **({"where": source_config} if source_config else {}),
        }
        if not same_legal_person(identifier, organisation.legal_identifier):
            details["confirmed_by_platform_administrator"] = True
            details["certificate_organisation_identifier"] = identifier or ""
        audit(
            organisation=organisation,
            actor=actor,
            action=AuditEvent.Action.SEAL_CHANGED,
            target=seal.subject,
            details=details,
        )
    return seal


def seal_install(
    *,
    organisation: Organisation,
    actor: Any,
    pkcs12: bytes | None = None,
    password: str = "",
    key_pem: bytes | None = None,
    certificates_pem: bytes | None = None,
    confirm_identifier: bool = False,
) -> OrganisationSeal:
    """Install an e-seal uploaded as PKCS#12 + password, or as a PEM key + PEM certificate chain.

    Only an administrator of the organisation (or of the platform) may: ``PermissionDenied`` otherwise, before the
    uploaded key is even read."""
    if not is_organisation_admin(actor, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    secret = password.encode() if password else None
    try:
        if pkcs12:
            seal_key = load_pkcs12(pkcs12, secret)
        elif key_pem and certificates_pem:
            seal_key = load_pem(key_pem, certificates_pem, secret)
        else:
            raise ApplicationError(
                _("Upload a PKCS#12 file, or a PEM private key with its certificate chain.")
            )
    except SealingError as error:
        raise ApplicationError(error.message(_lang()), code=error.code) from None
    return seal_store(
        organisation=organisation, seal_key=seal_key, actor=actor, confirm_identifier=confirm_identifier
    )


def formats_choose(
    *, organisation: Organisation, actor: Any, formats: str, by_operator: bool = False
) -> Organisation:
    """Choose the formats the organisation's credentials are sealed in from now on (``xml``, ``edc3`` or ``both``).
    Only an administrator of the organisation may (or the platform's operator, from the command line:
    ``by_operator``); the change is audited. Credentials sealed before keep theirs."""
    if not by_operator and not is_organisation_admin(actor, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    if formats not in Organisation.CredentialFormats.values:
        raise ApplicationError(
            _("Choose xml, edc3 or both, not “%(value)s”.") % {"value": formats[:20]}, code="formats_unknown"
        )
    before = organisation.credential_formats
    if formats != before:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).update(credential_formats=formats)
            organisation.credential_formats = formats
            audit(
                organisation=organisation,
                actor=actor,
                action=AuditEvent.Action.FORMATS_CHANGED,
                target=formats,
                details={"from": before, "to": formats},
            )
    return organisation


def _lang() -> str:
    from django.utils.translation import get_language

    return (get_language() or "en")[:2]


def active_seal(organisation: Organisation) -> OrganisationSeal:
    seal = OrganisationSeal.objects.filter(organisation=organisation, active=True).first()
    if seal is None:
        raise NotFound(
            _("%(organisation)s has no e-seal yet. An administrator must install one.")
            % {"organisation": organisation}
        )
    return seal


def seal_expires_soon(seal: OrganisationSeal, *, now: dt.datetime | None = None) -> bool:
    return seal.not_after - (now or timezone.now()) <= EXPIRY_WARNING


def seal_key_of(seal: OrganisationSeal) -> SealKey:
    """The seal's key: the software key decrypted, or the device key reached where ``source_config`` says (its
    certificate must still be the one recorded: a token whose key was replaced is refused)."""
    certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    chain = tuple(x509.load_pem_x509_certificates(seal.chain_pem.encode())) if seal.chain_pem.strip() else ()
    if seal.source == OrganisationSeal.Source.CSC:
        remote = csc_client(CscConfig.from_json(seal.source_config)).key()
        if remote.certificate.fingerprint(hashes.SHA256()).hex() != seal.fingerprint:
            raise SealingError(
                "csc_other_certificate",
                said(
                    "The remote signing service now gives another certificate than the installed e-seal: install it "
                    "again."
                ),
            )
        return SealKey(private_key=remote.private_key, certificate=certificate, chain=chain or remote.chain)
    if seal.source == OrganisationSeal.Source.PKCS11:
        found = pkcs11_source(Pkcs11Config.from_json(seal.source_config)).read(certificate)
        if found.certificate.fingerprint(hashes.SHA256()).hex() != seal.fingerprint:
            raise SealingError(
                "pkcs11_other_certificate",
                said("The token now holds another certificate than the installed e-seal: install it again."),
            )
        return SealKey(private_key=found.private_key, certificate=certificate, chain=chain or found.chain)
    return SealKey(
        private_key=_vault().decrypt(bytes(seal.encrypted_key)), certificate=certificate, chain=chain
    )


_sources: dict[Pkcs11Config, Pkcs11Source] = {}
_sources_lock = threading.Lock()


def pkcs11_source(config: Pkcs11Config) -> Pkcs11Source:
    """One source (one session) per token key and process."""
    with _sources_lock:
        source = _sources.get(config)
        if source is None:
            source = _sources[config] = Pkcs11Source(config)
        return source


_clients: dict[CscConfig, CscClient] = {}


def csc_client(config: CscConfig) -> CscClient:
    """One client (one access token) per remote credential and process."""
    with _sources_lock:
        client = _clients.get(config)
        if client is None:
            client = _clients[config] = CscClient(config)
        return client


def seal_source_csc(
    *, organisation: Organisation, actor: Any, config: CscConfig, by_operator: bool = False
) -> OrganisationSeal:
    """Make a credential of a remote signing service (CSC API v2) the organisation's e-seal: its certificate chain
    from ``credentials/info``, checked like an uploaded one, and one test signature through the service."""
    if not by_operator and not is_organisation_admin(actor, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    if not by_operator:
        _page_limits(url=config.url, env_names=(config.secret_env, config.pin_env))
    try:
        client = CscClient(config)
        remote = client.key()
        if not config.otp:  # a credential that needs a person's one-time password signs only for a batch
            check_pair(remote.private_key, remote.certificate)
    except SealingError as error:
        raise _source_error(error) from None
    return seal_store(
        organisation=organisation,
        seal_key=remote,
        actor=actor,
        confirm_identifier=by_operator,
        source=OrganisationSeal.Source.CSC,
        source_config=config.to_json(),
    )


def _page_limits(*, module: str = "", url: str = "", env_names: tuple[str, ...] = ()) -> None:
    """What an organisation's administrator may choose on the e-seal page (the operator, on the command line, may
    choose anything): a PKCS#11 module the operator allows, secrets only in variables with the seal prefix, and a
    remote service at a public HTTPS address."""
    from urllib.parse import urlsplit

    from verification.fetch import FetchError, resolve_public

    if module and module not in settings.PKCS11_MODULES:
        raise ApplicationError(
            _("This PKCS#11 module is not one the platform operator allows (PKCS11_MODULES): %(allowed)s.")
            % {"allowed": ", ".join(settings.PKCS11_MODULES) or _("none yet")},
            code="pkcs11_module_not_allowed",
        )
    prefix = settings.SEAL_SECRET_ENV_PREFIX
    for name in (n for n in env_names if n):
        if not name.startswith(prefix) or not name.replace("_", "").isalnum() or not name.isupper():
            raise ApplicationError(
                _(
                    "The environment variable %(name)s may not hold a seal secret: its name must start with %(prefix)s."
                )
                % {"name": name[:60], "prefix": prefix},
                code="seal_secret_name",
            )
    if url:
        parts = urlsplit(url)
        try:
            if parts.scheme != "https" and not settings.FETCH_ALLOW_PRIVATE_ADDRESSES:
                raise FetchError("scheme", "not https")
            resolve_public(parts.hostname or "", parts.port or 443)
        except FetchError:
            raise ApplicationError(
                _("The remote signing service must be at a public HTTPS address."), code="csc_address"
            ) from None


def _source_error(error: SealingError) -> ApplicationError:
    return ApplicationError(error.message(_lang()), code=error.code)


def seal_source_pkcs11(
    *,
    organisation: Organisation,
    actor: Any,
    config: Pkcs11Config,
    certificate_pem: bytes | None = None,
    chain_pem: bytes | None = None,
    by_operator: bool = False,
) -> OrganisationSeal:
    """Make the key on a PKCS#11 token (or HSM) the organisation's e-seal: the token is opened with the PIN from
    ``config.pin_env`` (in this process's environment), the key found, its certificate read from the token (or
    ``certificate_pem``) and checked like an uploaded one, and a test signature made. Nothing secret is stored."""
    if not by_operator and not is_organisation_admin(actor, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    if not by_operator:
        _page_limits(module=config.module, env_names=(config.pin_env,))
    given = x509.load_pem_x509_certificate(certificate_pem) if certificate_pem else None
    try:
        found = pkcs11_source(config).read(given)
    except SealingError as error:
        raise _source_error(error) from None
    chain = tuple(x509.load_pem_x509_certificates(chain_pem)) if chain_pem else found.chain
    seal_key = SealKey(private_key=found.private_key, certificate=found.certificate, chain=chain)
    return seal_store(
        organisation=organisation,
        seal_key=seal_key,
        actor=actor,
        confirm_identifier=by_operator,
        source=OrganisationSeal.Source.PKCS11,
        source_config=config.to_json(),
    )


def seal_source_software(
    *, organisation: Organisation, actor: Any, by_operator: bool = False
) -> OrganisationSeal:
    """Go back to the organisation's latest uploaded (software) key, if it is still valid."""
    if not by_operator and not is_organisation_admin(actor, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    software = (
        OrganisationSeal.objects.filter(organisation=organisation, source=OrganisationSeal.Source.SOFTWARE)
        .order_by("-created_at")
        .first()
    )
    if software is None or software.not_after <= timezone.now():
        raise ApplicationError(
            _("%(organisation)s has no valid uploaded e-seal to go back to: upload one.")
            % {"organisation": organisation},
            code="no_software_seal",
        )
    if software.active:
        return software
    now = timezone.now()
    with transaction.atomic():
        OrganisationSeal.objects.filter(organisation=organisation, active=True).update(
            active=False, replaced_at=now
        )
        OrganisationSeal.objects.filter(pk=software.pk).update(active=True, replaced_at=None)
        audit(
            organisation=organisation,
            actor=actor,
            action=AuditEvent.Action.SEAL_CHANGED,
            target=software.subject,
            details={"fingerprint": software.fingerprint, "source": OrganisationSeal.Source.SOFTWARE},
        )
    software.refresh_from_db()
    return software


@dataclass(frozen=True)
class SealTest:
    ok: bool
    message: str
    formats: tuple[str, ...]
    level: str
    milliseconds: float


def seal_source_test(*, organisation: Organisation, actor: Any) -> SealTest:
    """Seal an example credential with the active e-seal, in the organisation's formats and at the configured level,
    and verify each with our verifier: proof that the key source works before a batch uses it. Audited."""
    import time

    from europass.credentials.example import example_credential
    from europass.registry.selectors import trust_store
    from europass.sealing.verify import verify

    from .building import DocumentBuilder

    started = time.perf_counter()
    formats: list[str] = []
    try:
        seal = active_seal(organisation)
        credential = example_credential(site=settings.SITE_URL)
        documents: list[bytes] = []
        # The sealers the workers use (same key source, same level): what works here works for a batch.
        if organisation.issues_xml:
            documents.append(sealer_for(seal).seal(credential.to_xml()))
            formats.append("xml")
        if organisation.issues_edc3:
            builder = DocumentBuilder(organisation, eidas_identifier=eidas_identifier_of(seal))
            documents.append(jades_sealer_for(seal).seal(builder.edc3_payload(credential)))
            formats.append("edc3")
        failed = [
            check
            for document in documents
            for check in verify(document, trust_store()).checks
            if check.code == "seal_intact" and str(getattr(check.status, "value", check.status)) != "passed"
        ]
        ok = not failed
        message = (
            _("The e-seal works: a test credential was sealed and its seal verified.")
            if ok
            else _("The test credential was sealed but its seal does not verify: %(reason)s")
            % {"reason": failed[0].message(_lang())}
        )
    except (SealingError, ApplicationError) as error:
        ok = False
        reason = error.message(_lang()) if isinstance(error, SealingError) else error.message
        message = _("The e-seal does not work: %(reason)s") % {"reason": reason}
    result = SealTest(ok, message, tuple(formats), seal_level(), (time.perf_counter() - started) * 1000)
    audit(
        organisation=organisation,
        actor=actor,
        action=AuditEvent.Action.SEAL_TESTED,
        target="ok" if ok else "failed",
        details={"ok": ok, "formats": list(formats), "message": message[:300]},
    )
    return result


_sealer_lock = threading.Lock()


def seal_level() -> str:
    """The level of every seal (``SEAL_LEVEL``; by default B-T with a time-stamping authority, else B-B)."""
    return settings.SEAL_LEVEL or ("B-T" if settings.TSA_URL else "B-B")


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def collect_validation_values(seal_key: SealKey) -> ValidationValues:
    """What a B-LT seal carries beyond its chain: the revocation status of each certificate of the chain but the
    root, asked from the certificate's OCSP responder, else its CRL distribution point, through the verifier's
    guarded fetcher (no internal address, short timeouts, a size cap, cached). A certificate that names no
    address has nothing to carry; one whose addresses all fail stops the seal (``SealingError``): a long-term seal
    without the status it promises would be worse than none. Called once per sealer, refreshed hourly."""
    from europass.sealing import revocation
    from verification.services import revocation_get

    ders = [_der(c) for c in (seal_key.certificate, *seal_key.chain)]
    crls: list[bytes] = []
    ocsps: list[bytes] = []
    for certificate, der in zip((seal_key.certificate, *seal_key.chain), ders, strict=True):
        if certificate.issuer == certificate.subject or not revocation.pointers(der):
            continue
        fetched = revocation.fetch(der, ders, revocation_get)
        if not fetched:
            subject = certificate.subject.rfc4514_string()
            raise SealingError(
                "validation_data",
                said(
                    "The revocation status of %(subject)s could not be obtained for a long-term (B-LT) seal; "
                    "%(errors)s.",
                    subject=subject,
                    errors="; ".join(fetched.errors) if fetched.errors else said("no answer"),
                ),
            )
        crls += fetched.crls
        ocsps += fetched.ocsps
    return ValidationValues(crls=tuple(crls), ocsps=tuple(ocsps))


@lru_cache(maxsize=32)
def _sealer(seal_pk: int, fingerprint: str, tsa_url: str, level: str) -> Sealer:
    seal = OrganisationSeal.objects.get(pk=seal_pk, fingerprint=fingerprint)
    timestamper = TimeStamper(tsa_url) if tsa_url and level != "B-B" else None
    long_term = level in ("B-LT", "B-LTA")
    return Sealer(
        seal_key_of(seal),
        timestamper=timestamper,
        validation=collect_validation_values if long_term else None,
        archive=level == "B-LTA",
    )


def sealer_for(seal: OrganisationSeal) -> Sealer:
    """A ready Sealer, built once per worker process and e-seal: the hot loop never re-reads the key."""
    with _sealer_lock:
        return _sealer(seal.pk, seal.fingerprint, settings.TSA_URL, seal_level())


def status_signing_key(organisation: Organisation) -> tuple[Any, list[x509.Certificate], str] | None:
    """The organisation's active e-seal to sign its status lists with (key, chain, fingerprint), or None."""
    seal = (
        OrganisationSeal.objects.filter(organisation=organisation, active=True)
        .only("pk", "fingerprint", "source", "source_config")
        .first()
    )
    if seal is None:
        return None
    if seal.source == OrganisationSeal.Source.CSC and CscConfig.from_json(seal.source_config).otp:
        return None  # it signs only what a person authorised with a one-time password: the list is served unsigned
    try:
        seal_key = sealer_for(seal).seal_key
    except (
        SealingError
    ):  # the key's device cannot sign now: the list is served unsigned rather than not at all
        return None
    return seal_key.private_key, [seal_key.certificate, *seal_key.chain], seal.fingerprint


def rotate_key_encryption() -> int:
    """Re-encrypt every stored key under the first secret of KEY_ENCRYPTION_SECRETS."""
    vault, count = _vault(), 0
    for seal in OrganisationSeal.objects.all():
        seal.encrypted_key = vault.rotate(bytes(seal.encrypted_key))
        seal.save(update_fields=["encrypted_key"])
        count += 1
    return count


@lru_cache(maxsize=32)
def _jades_sealer(seal_pk: int, fingerprint: str, tsa_url: str, level: str) -> JadesSealer:
    xades = _sealer(
        seal_pk, fingerprint, tsa_url, level
    )  # the key is read and decrypted once, for both formats
    return JadesSealer(
        xades.seal_key,
        timestamper=xades.timestamper,
        validation=xades.validation,
        archive=level == "B-LTA",
    )


def jades_sealer_for(seal: OrganisationSeal) -> JadesSealer:
    """A ready JAdES sealer (EDC 3), built once per worker process and e-seal, like ``sealer_for``."""
    with _sealer_lock:
        return _jades_sealer(seal.pk, seal.fingerprint, settings.TSA_URL, seal_level())


@lru_cache(maxsize=32)
def _eidas_identifier(fingerprint: str, certificate_pem: str) -> str | None:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return organization_identifier(certificate.public_bytes(serialization.Encoding.DER))


def eidas_identifier_of(seal: OrganisationSeal) -> str | None:
    """The seal certificate's organisation identifier (2.5.4.97), which EDC 3 carries as ``issuer.eIDASIdentifier``."""
    return _eidas_identifier(seal.fingerprint, seal.certificate_pem)


def seal_source_description(seal: OrganisationSeal) -> str:
    """Where the seal's key is, for people (no secret: only the names of the variables that hold them)."""
    if seal.source == OrganisationSeal.Source.PKCS11:
        token = Pkcs11Config.from_json(seal.source_config)
        return _("key %(key)s on the token %(token)s (%(module)s); PIN from %(pin)s") % {
            "key": token.key_name,
            "token": token.token_label,
            "module": token.module,
            "pin": token.pin_env,
        }
    if seal.source == OrganisationSeal.Source.CSC:
        remote = CscConfig.from_json(seal.source_config)
        return _(
            "credential %(credential)s at %(url)s (client %(client)s); up to %(size)s signatures per request"
        ) % {
            "credential": remote.credential_id,
            "url": remote.url,
            "client": remote.client_id,
            "size": remote.batch_size,
        }
    return _("the uploaded key, stored encrypted; it is never shown")


def _batch_sad_key(batch_id: int, fingerprint: str) -> str:
    return f"issuing:csc-sad:{batch_id}:{fingerprint}"


def batch_activation(batch_id: int | None, seal: OrganisationSeal) -> str | None:
    """The signature activation data a person's one-time password obtained for this batch, while it lasts."""
    from django.core.cache import cache

    if batch_id is None:
        return None
    value = cache.get(_batch_sad_key(batch_id, seal.fingerprint))
    return value if isinstance(value, str) else None


def batch_activation_expired(batch_id: int | None, seal: OrganisationSeal) -> None:
    from django.core.cache import cache

    if batch_id is not None:
        cache.delete(_batch_sad_key(batch_id, seal.fingerprint))


def batch_authorise(*, batch: Any, actor: Any, otp: str) -> int:
    """Authorise the remaining signatures of ``batch`` at the remote sealing service with a one-time password a
    person gives (a credential configured with ``otp``): the activation data is kept (in the cache, never in the
    database) for the workers, and the batch's pending chunks are queued again. Returns the number of signatures
    authorised. Only an administrator or issuer of the organisation may; audited (never the password)."""
    from django.core.cache import cache

    from .batches import enqueue_sealing

    seal = active_seal(batch.organisation)
    if seal.source != OrganisationSeal.Source.CSC or not CscConfig.from_json(seal.source_config).otp:
        raise ApplicationError(
            _("This organisation's e-seal does not ask for a one-time password."), code="no_otp_needed"
        )
    otp = "".join(otp.split())
    if not otp.isalnum() or len(otp) > 32:
        raise ApplicationError(_("Enter the one-time password shown by your device."), code="otp_format")
    from .batches import batch_progress

    pending = batch_progress(batch).pending  # with the rows whose credentials are not created yet
    if not pending:
        raise ApplicationError(_("Nothing is left to seal in this batch."), code="nothing_pending")
    needed = pending * (int(batch.organisation.issues_xml) + int(batch.organisation.issues_edc3))
    client = csc_client(CscConfig.from_json(seal.source_config))
    try:
        # A service authorises at most its credential's ``multisign`` signatures at once: beyond, the batch pauses
        # again for the next password.
        count = min(needed, client.info().multisign)
        sad, lifetime = client.authorize_batch(count, otp)
    except SealingError as error:
        raise _source_error(error) from None
    cache.set(_batch_sad_key(batch.pk, seal.fingerprint), sad, timeout=max(lifetime - 5, 1))
    audit(
        organisation=batch.organisation,
        actor=actor,
        action=AuditEvent.Action.SEAL_TESTED,
        target=batch.filename,
        details={"batch": str(batch.public_id), "authorised_signatures": count, "ok": True,
                 "message": "remote seal authorised with a one-time password"},
    )  # fmt: skip
    enqueue_sealing(batch)
    return count


def seal_wants_otp(organisation: Organisation) -> bool:
    """Whether the organisation's e-seal is a remote credential that each batch authorises with a one-time password."""
    seal = (
        OrganisationSeal.objects.filter(organisation=organisation, active=True)
        .only("source", "source_config")
        .first()
    )
    return bool(
        seal is not None
        and seal.source == OrganisationSeal.Source.CSC
        and CscConfig.from_json(seal.source_config).otp
    )
