"""Writes of the EU trusted-list sync: a territory's anchors made what its verified list says, and each sync's record.

The network side (fetching the EU list of trusted lists and every national list, checking their signatures) is the
verifier's (``verification.trusted_lists``); what reaches this module has been verified.

One territory at a time, in one transaction, so that a list that fails leaves that territory as it was:

- every qualified CA (``CA/QC``) and qualified time-stamping (``TSA/QTST``) service the list has ever granted gives
  each certificate of its digital identity an anchor carrying the service's status history (each status with its
  starting time): the trust store uses it only when the moment judged lies in a granted period, qualified for
  seals when that period's status carried ForeSeals. A CA/QC without ForeSeals is trusted, not qualified for seals
  (as ``trusted_list_import`` decides);
- an anchor this territory imported before and its list no longer carries is deactivated (kept for the record);
- anchors added by hand are left as they are; an anchor belongs to one territory (the first list that carried it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError

from . import trustedlist
from .models import TrustAnchor, TrustedListSync
from .selectors import TRUST_VERSION
from .services import CertificateFacts, certificate_facts, der_to_pem

KINDS = (trustedlist.CA_QC, trustedlist.TSA_QTST)


@dataclass(frozen=True)
class ListSource:
    """Where a verified list was read."""

    territory: str
    list_url: str
    sequence_number: str
    lotl_url: str = ""
    lotl_sequence_number: str = ""


@dataclass
class TerritoryImport:
    territory: str
    services: int = 0  # qualified services (CA/QC, TSA/QTST) the list ever granted
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # anchors of this territory its list no longer carries: deactivated
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.removed

    def as_dict(self) -> dict[str, Any]:
        return {
            "services": self.services,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped[:50],
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _kind(service: trustedlist.ListedService) -> str | None:
    types = {service.service_type, *(instance.service_type for instance in service.history)}
    return next((kind for kind in KINDS if kind in types), None)


@dataclass
class _Wanted:
    kind: str
    service: trustedlist.ListedService
    facts: CertificateFacts
    history: list[dict[str, Any]]


def _history(service: trustedlist.ListedService, kind: str) -> list[dict[str, Any]]:
    return [
        {
            "from": _iso(period.start),
            "until": _iso(period.end),
            "status": period.status,
            "type": period.service_type,
            "granted": period.granted,
            "for_eseals": period.granted and kind == trustedlist.CA_QC and period.for_eseals,
            "service": service.name[:255],
        }
        for period in trustedlist.service_periods(service, kind)
    ]


def _qualified_now(history: list[dict[str, Any]]) -> bool:
    return any(entry["granted"] and entry["until"] is None and entry["for_eseals"] for entry in history)


def _source(territory: str) -> str:
    return f"trusted list {territory or '??'}"


def _wanted(parsed: trustedlist.TrustedList, result: TerritoryImport) -> dict[str, _Wanted]:
    wanted: dict[str, _Wanted] = {}
    for service in parsed.services:
        kind = _kind(service)
        if kind is None:
            continue
        label = service.name or service.provider or "?"
        history = _history(service, kind)
        if not any(entry["granted"] for entry in history):
            result.skipped.append(_("%(service)s: never granted in this list") % {"service": label})
            continue
        result.services += 1
        if not service.certificates:
            result.skipped.append(
                _("%(service)s: no X.509 certificate in its digital identity") % {"service": label}
            )
        for der in service.certificates:
            try:
                facts = certificate_facts(der)
            except ApplicationError:
                result.skipped.append(_("%(service)s: a certificate cannot be read") % {"service": label})
                continue
            if kind == trustedlist.CA_QC and not facts.is_ca:
                result.skipped.append(
                    _("%(service)s: its certificate is not a CA certificate") % {"service": label}
                )
                continue
            held = wanted.get(facts.fingerprint_sha256)
            if held is None:
                wanted[facts.fingerprint_sha256] = _Wanted(kind, service, facts, history)
            elif held.kind == kind:  # one certificate under several services: every period counts
                held.history = sorted([*held.history, *history], key=lambda entry: entry["from"] or "")
            elif kind == trustedlist.CA_QC:  # a CA's certificate also listed as a time-stamping unit
                wanted[facts.fingerprint_sha256] = _Wanted(kind, service, facts, history)
    return wanted


def _fields(item: _Wanted, source: ListSource) -> dict[str, Any]:
    service = item.service
    return {
        "name": (service.name or service.provider or item.facts.subject)[:255],
        "qualified_for_seals": _qualified_now(item.history),
        "source": _source(source.territory),
        "active": True,
        "service_type": item.kind,
        "status_history": item.history,
        "territory": source.territory[:8],
        "provider_name": service.provider[:255],
        "service_name": service.name[:255],
        "list_url": source.list_url[:1000],
        "list_sequence_number": source.sequence_number[:32],
        "lotl_url": source.lotl_url[:1000],
        "lotl_sequence_number": source.lotl_sequence_number[:32],
    }


@transaction.atomic
def territory_import(*, parsed: trustedlist.TrustedList, source: ListSource) -> TerritoryImport:
    """Make the anchors of ``source.territory`` what its (verified) list says. Idempotent."""
    territory = source.territory
    result = TerritoryImport(territory=territory)
    wanted = _wanted(parsed, result)
    existing = {
        anchor.fingerprint_sha256: anchor
        for anchor in TrustAnchor.objects.select_for_update().filter(fingerprint_sha256__in=list(wanted))
    }
    owned = TrustAnchor.objects.select_for_update().filter(territory=territory, active=True)
    for fingerprint, item in wanted.items():
        anchor = existing.get(fingerprint)
        values = _fields(item, source)
        if anchor is None:
            TrustAnchor.objects.create(
                certificate_pem=der_to_pem(item.facts.der),
                fingerprint_sha256=fingerprint,
                subject=item.facts.subject[:1000],
                not_valid_before=item.facts.not_valid_before,
                not_valid_after=item.facts.not_valid_after,
                **values,
            )
            result.added += 1
            continue
        if anchor.source == TrustAnchor.MANUAL:
            result.skipped.append(
                _("%(name)s: already an anchor added by hand, left as it is") % {"name": values["name"]}
            )
            continue
        taken = anchor.territory not in ("", territory) and anchor.active
        legacy = not anchor.territory and anchor.source not in ("", _source(territory))
        if taken or legacy:
            result.skipped.append(
                _("%(name)s: already imported from another list (%(source)s)")
                % {"name": values["name"], "source": anchor.territory or anchor.source}
            )
            continue
        if all(getattr(anchor, key) == value for key, value in values.items()):
            result.unchanged += 1
            continue
        TrustAnchor.objects.filter(pk=anchor.pk).update(**values, updated_at=timezone.now())
        result.updated += 1
    for anchor in owned:
        if anchor.fingerprint_sha256 not in wanted:
            TrustAnchor.objects.filter(pk=anchor.pk).update(active=False, updated_at=timezone.now())
            result.removed += 1
    if result.changed:
        TRUST_VERSION.changed()
    return result


# --- the record of each sync ----------------------------------------------------------------------------------


def sync_start(*, lotl_url: str) -> TrustedListSync:
    return TrustedListSync.objects.create(started_at=timezone.now(), lotl_url=lotl_url[:1000])


def sync_save(sync: TrustedListSync) -> None:
    """Save the record's progress (its counters, territories and messages)."""
    sync.save(
        update_fields=[
            "lotl_sequence_number",
            "lists_fetched",
            "lists_failed",
            "services_imported",
            "anchors_changed",
            "territories",
            "messages",
        ]
    )


def sync_finish(sync: TrustedListSync, *, ok: bool) -> TrustedListSync:
    sync.ok = ok
    sync.finished_at = timezone.now()
    sync.save()
    return sync
