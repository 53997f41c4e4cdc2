"""Reads of the register."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Count, Prefetch, Q, QuerySet

from europass.core.versions import SharedVersion

from .models import (
    Accreditation,
    Mandate,
    Organisation,
    Qualification,
    SealCertificate,
    TrustAnchor,
    TrustedListSync,
    period_covers,
)

if TYPE_CHECKING:
    from europass.sealing.trust import GrantedPeriod, TrustStore

TRUST_VERSION_KEY = "trust-version"
TRUST_VERSION = SharedVersion(TRUST_VERSION_KEY)
T = TypeVar("T")


def qualification_list(*, search: str = "", eqf_level: int | None = None) -> QuerySet[Qualification]:
    qs = Qualification.objects.filter(status=Qualification.Status.ACTIVE)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(title__icontains=search))
    if eqf_level:
        qs = qs.filter(eqf_level=eqf_level)
    return qs.order_by("code")


def awarding_body_list(*, search: str = "") -> QuerySet[Organisation]:
    """Awarding bodies with ``qualifications_count``: how many qualifications of the register they may award (any
    accreditation period), by name."""
    qs = Organisation.objects.annotate(
        qualifications_count=Count("accreditations__qualification", distinct=True)
    )
    if search:
        qs = qs.filter(
            Q(legal_name__icontains=search)
            | Q(legal_identifier__icontains=search)
            | Q(slug__icontains=search)
            | Q(country__iexact=search)
        )
    return qs.order_by("legal_name", "pk")


def accredited_qualifications(
    organisation: Organisation, *, on: dt.date | None = None
) -> QuerySet[Qualification]:
    accreditations = Accreditation.objects.filter(organisation=organisation)
    if on is not None:
        accreditations = accreditations.valid_on(on)
    return Qualification.objects.filter(pk__in=accreditations.values("qualification")).order_by("code")


def awarding_bodies_for(qualification: Qualification) -> QuerySet[Accreditation]:
    return qualification.accreditations.select_related("organisation").order_by("organisation__legal_name")


def organisation_accreditations(organisation: Organisation) -> QuerySet[Accreditation]:
    return organisation.accreditations.select_related("qualification").order_by("qualification__code")


def qualification_with_awarding_bodies(code: str) -> Qualification | None:
    return (
        Qualification.objects.prefetch_related(
            Prefetch(
                "accreditations",
                queryset=Accreditation.objects.select_related("organisation").order_by(
                    "organisation__legal_name"
                ),
            )
        )
        .filter(code=code)
        .first()
    )


# --- trust anchors ----------------------------------------------------------------------------------------------


def trust_anchor_list(*, active: bool | None = None) -> QuerySet[TrustAnchor]:
    qs = TrustAnchor.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("name")


_store_lock = threading.Lock()
_store: tuple[str, TrustStore] | None = None


def trust_version() -> str:
    """The current trust version shared by every process (read at most once a second per process)."""
    return TRUST_VERSION.get()


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def granted_periods(history: object) -> tuple[GrantedPeriod, ...]:
    """The granted periods of an anchor's status history (entries that cannot be read are left out)."""
    from europass.sealing.trust import GrantedPeriod

    periods = []
    for entry in history if isinstance(history, list) else ():
        if not isinstance(entry, dict) or not entry.get("granted"):
            continue
        start = _moment(entry.get("from"))
        if start is None:
            continue
        end = _moment(entry.get("until"))
        periods.append(GrantedPeriod(start, end, bool(entry.get("for_eseals"))))
    return tuple(periods)


def build_trust_store() -> TrustStore:
    """A new trust store from the active anchors (prefer ``trust_store()``, which caches it). An anchor with a
    status history (from an EU trusted list) vouches only within its granted periods."""
    from europass.sealing.trust import TrustAnchor as Anchor
    from europass.sealing.trust import TrustStore

    from .services import pem_to_der
    from .trustedlist import TSA_QTST

    anchors = [
        Anchor(
            certificate_der=pem_to_der(pem),
            name=name,
            qualified_for_seals=qualified,
            periods=granted_periods(history) if history else None,
            timestamping=service_type == TSA_QTST,
        )
        for name, pem, qualified, history, service_type in TrustAnchor.objects.filter(active=True)
        .order_by("pk")
        .values_list("name", "certificate_pem", "qualified_for_seals", "status_history", "service_type")
    ]
    return TrustStore(anchors)


def trust_store() -> TrustStore:
    """The trust store of the active anchors, built once per process and rebuilt only when the anchors change.

    Services that change anchors put a new version in the shared cache; here the version is compared (one
    cache read) and the store rebuilt only when it differs.
    """
    global _store
    version = trust_version()
    current = _store
    if current is not None and current[0] == version:
        return current[1]
    with _store_lock:
        current = _store
        if current is not None and current[0] == version:
            return current[1]
        store = build_trust_store()
        _store = (version, store)
        return store


# --- trusted list syncs -----------------------------------------------------------------------------------------


def trusted_list_sync_list() -> QuerySet[TrustedListSync]:
    return TrustedListSync.objects.order_by("-started_at")


def trusted_list_sync_last_success() -> TrustedListSync | None:
    """The latest sync whose LOTL was fetched and verified (national lists that failed are counted in it)."""
    return TrustedListSync.objects.filter(ok=True).order_by("-finished_at").first()


def trusted_list_sync_last_attempt() -> TrustedListSync | None:
    return TrustedListSync.objects.order_by("-started_at").first()


def trusted_list_sync_installed_at() -> dt.datetime | None:
    """When this install gained trusted-list syncs (the migration that made their table was applied)."""
    from django.db.migrations.recorder import MigrationRecorder

    return (
        MigrationRecorder.Migration.objects.filter(app="registry", name=SYNC_MIGRATION)
        .values_list("applied", flat=True)
        .first()
    )


SYNC_MIGRATION = "0004_trusted_list_sync"


# --- public documents (JSON) ------------------------------------------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def qualification_document(qualification: Qualification) -> dict[str, object]:
    """The public JSON document of a qualification (uses prefetched ``accreditations`` when present)."""
    accreditations = sorted(
        qualification.accreditations.all(), key=lambda a: (a.organisation.legal_name, a.valid_from)
    )
    return {
        "code": qualification.code,
        "uri": qualification.public_uri,
        "titles": qualification.title,
        "descriptions": qualification.description,
        "eqf_level": qualification.eqf_level,
        "nqf_level": qualification.nqf_level or None,
        "isced_f_code": qualification.isced_f_code or None,
        "credits": float(qualification.credits) if qualification.credits is not None else None,
        "learning_outcomes": qualification.learning_outcomes,
        "status": qualification.status,
        "awarding_bodies": [
            {
                "name": a.organisation.legal_name,
                "uri": a.organisation.uri,
                "legal_identifier": a.organisation.legal_identifier,
                "country": a.organisation.country,
                "valid_from": _iso(a.valid_from),
                "valid_until": _iso(a.valid_until),
            }
            for a in accreditations
        ],
    }


def organisation_document(
    organisation: Organisation, accreditations: list[Accreditation]
) -> dict[str, object]:
    return {
        "name": organisation.legal_name,
        "names": {"en": organisation.legal_name, **organisation.name_translations},
        "uri": organisation.uri,
        "legal_identifier": organisation.legal_identifier,
        "country": organisation.country,
        "address": organisation.address or None,
        "email": organisation.email or None,
        "website": organisation.website or None,
        "accreditations": [
            {
                "qualification": a.qualification.code,
                "qualification_uri": a.qualification.public_uri,
                "titles": a.qualification.title,
                "eqf_level": a.qualification.eqf_level,
                "valid_from": _iso(a.valid_from),
                "valid_until": _iso(a.valid_until),
            }
            for a in accreditations
        ],
    }


# --- register lookups for verification (memoised per register version) ----------------------------------------

REGISTER_VERSION_KEY = "register-version"
REGISTER_VERSION = SharedVersion(REGISTER_VERSION_KEY)
_MEMO_LIMIT = 20_000
_memo_lock = threading.Lock()
_memo: tuple[str, dict[tuple[object, ...], object]] = ("", {})


def register_version() -> str:
    """Changes whenever an organisation, qualification or accreditation is saved or deleted (signals)."""
    return REGISTER_VERSION.get()


def bump_register_version() -> None:
    """A new version for every process; this process forgets its lookups at once."""
    global _memo
    _memo = (REGISTER_VERSION.bump(), {})


def _memoised(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """One register read per key and register version in this process: verifying thousands of credentials
    of the same awarding body reads the register once, and a change in the register is seen at once."""
    global _memo
    version = register_version()
    current = _memo
    if current[0] != version or len(current[1]) > _MEMO_LIMIT:
        with _memo_lock:
            if _memo[0] != version or len(_memo[1]) > _MEMO_LIMIT:
                _memo = (version, {})
            current = _memo
    entries = current[1]
    if key in entries:
        return entries[key]  # type: ignore[return-value]
    value = load()
    entries[key] = value
    return value


def organisation_by_slug(slug: str) -> Organisation | None:
    return _memoised(("org-slug", slug), lambda: Organisation.objects.filter(slug=slug).first())


def organisation_by_legal_identifier(identifier: str) -> Organisation | None:
    return _memoised(
        ("org-id", identifier),
        lambda: Organisation.objects.filter(legal_identifier=identifier).order_by("pk").first(),
    )


def qualification_by_uri(uri: str) -> Qualification | None:
    return _memoised(("qual-uri", uri), lambda: Qualification.objects.filter(uri=uri).first())


def qualification_by_local_code(code: str) -> Qualification | None:
    """A qualification published at this portal's own address (no external URI)."""
    return _memoised(("qual-code", code), lambda: Qualification.objects.filter(code=code, uri="").first())


def accreditation_periods(
    organisation_id: int, qualification_id: int
) -> list[tuple[dt.date, dt.date | None]]:
    return _memoised(
        ("accr", organisation_id, qualification_id),
        lambda: list(
            Accreditation.objects.filter(
                organisation_id=organisation_id, qualification_id=qualification_id
            ).values_list("valid_from", "valid_until")
        ),
    )


def accredited_on(organisation_id: int, qualification_id: int, day: dt.date) -> bool:
    return any(
        period_covers(start, end, day)
        for start, end in accreditation_periods(organisation_id, qualification_id)
    )


def organisation_seal_certificates(organisation_id: int) -> tuple[frozenset[str], frozenset[str]]:
    """The seal certificates the register records as the organisation's: their SHA-256 fingerprints (hex) and
    their organisation identifiers (2.5.4.97). One read per organisation and register version."""

    def load() -> tuple[frozenset[str], frozenset[str]]:
        rows = list(
            SealCertificate.objects.filter(organisation_id=organisation_id).values_list(
                "fingerprint_sha256", "organization_identifier"
            )
        )
        return frozenset(f for f, _i in rows), frozenset(i for _f, i in rows if i)

    return _memoised(("seal-certs", organisation_id), load)


def mandated_on(issuer_id: int, awarding_body_id: int, day: dt.date) -> bool:
    """Whether the register records that the issuer may issue for the awarding body on ``day``."""
    periods = _memoised(
        ("mandate", issuer_id, awarding_body_id),
        lambda: list(
            Mandate.objects.filter(issuer_id=issuer_id, awarding_body_id=awarding_body_id).values_list(
                "valid_from", "valid_until"
            )
        ),
    )
    return any(period_covers(start, end, day) for start, end in periods)


def organisation_by_pk(organisation_id: int) -> Organisation | None:
    return _memoised(
        ("org-pk", organisation_id), lambda: Organisation.objects.filter(pk=organisation_id).first()
    )
