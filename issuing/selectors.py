"""Reads of the issuing face. Every lookup is scoped to the organisations the user works for: anything else is 404."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.accounts.selectors import is_organisation_admin, organisations_of
from europass.core.errors import NotFound, PermissionDenied
from europass.registry.models import Organisation, Qualification

from .models import AuditEvent, Batch, BatchExport, IssuedCredential, OrganisationSeal


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(_("Not found.")) from None


def organisation_for(user: Any, slug: str, *, admin: bool = False) -> Organisation:
    organisation = organisations_of(user).filter(slug=slug).first()
    if organisation is None:
        raise NotFound(_("Not found."))
    if admin and not is_organisation_admin(user, organisation):
        raise PermissionDenied(
            _("Only an administrator of %(organisation)s may do this.") % {"organisation": organisation}
        )
    return organisation


def batches_of(user: Any) -> QuerySet[Batch]:
    return Batch.objects.filter(organisation__in=organisations_of(user)).select_related("organisation")


def batch_for(user: Any, public_id: Any, *, without: Sequence[str] = ()) -> Batch:
    """``without``: fields not read (the uploaded file, the rows) where the page does not show them."""
    batch = batches_of(user).defer(*without).filter(public_id=_uuid(public_id)).first()
    if batch is None:
        raise NotFound(_("Not found."))
    return batch


def export_for(batch: Batch, public_id: Any) -> BatchExport:
    export = batch.exports.filter(public_id=_uuid(public_id)).first()
    if export is None:
        raise NotFound(_("Not found."))
    return export


def credentials_of(user: Any) -> QuerySet[IssuedCredential]:
    return IssuedCredential.objects.filter(organisation__in=organisations_of(user))


def credential_for(user: Any, public_id: Any) -> IssuedCredential:
    credential = (
        credentials_of(user)
        .select_related("organisation", "qualification", "batch", "status_list", "seal")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if credential is None:
        raise NotFound(_("Not found."))
    return credential


def credential_search(
    qs: QuerySet[IssuedCredential], *, search: str = "", status: str = ""
) -> QuerySet[IssuedCredential]:
    if search:
        qs = qs.filter(
            Q(holder_name__icontains=search)
            | Q(holder_email__icontains=search)
            | Q(learner_id__icontains=search)
        )
    if status in IssuedCredential.Status.values:
        qs = qs.filter(status=status)
    return qs.select_related("qualification")


def seals_of(organisation: Organisation) -> QuerySet[OrganisationSeal]:
    return OrganisationSeal.objects.filter(organisation=organisation).order_by("-active", "-created_at")


def audit_of(organisation: Organisation) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation=organisation).order_by("-at", "-id")


# --- the review of a validated sheet, before anything is sealed ----------------------------------------------


def sheet_rows(batch: Batch, *, search: str = "") -> list[dict[str, Any]]:
    """The validated rows of a batch as stored (one dict per learner); ``search``: part of a name, an email or a
    learner ID, in any case."""
    needle = search.casefold()
    if not needle:
        return list(batch.rows)
    return [
        data
        for data in batch.rows
        if any(
            needle in str(data.get(key) or "").casefold()
            for key in ("given_name", "family_name", "email", "learner_id")
        )
    ]


def sheet_row_shown(data: dict[str, Any]) -> dict[str, Any]:
    """One stored row with its dates as dates (for the page's date formats): called for the rows of one page."""
    from .sheets import LearnerRow

    row = LearnerRow.from_json(data)
    return {
        **data,
        "name": f"{row.given_name} {row.family_name}".strip(),
        "date_of_birth": row.date_of_birth,
        "award_date": row.award_date,
        "valid_until": row.valid_until,
    }


def sheet_qualifications(batch: Batch, *, lang: str) -> list[dict[str, Any]]:
    """The qualifications a validated sheet awards, each with its title and how many rows award it (one query)."""
    counts = Counter(str(row.get("qualification_code") or "") for row in batch.rows)
    found = {q.code: q for q in Qualification.objects.filter(code__in=list(counts))}
    return [
        {
            "code": code,
            "title": found[code].title_text(lang) if code in found else "",
            "count": count,
            "qualification": found.get(code),
        }
        for code, count in sorted(counts.items())
    ]


# --- the audit log --------------------------------------------------------------------------------------------


def audit_search(organisation: Organisation, *, action: str = "", search: str = "") -> QuerySet[AuditEvent]:
    """The organisation's audit events, newest first, of one kind and/or mentioning ``search`` (a file name, a
    holder, a reason, who did it)."""
    events = audit_of(organisation).select_related("actor")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    if search:
        events = events.filter(
            Q(target__icontains=search)
            | Q(actor_label__icontains=search)
            | Q(details__holder__icontains=search)
            | Q(details__reason__icontains=search)
        )
    return events


def _credential_uuid(target: str) -> uuid.UUID | None:
    if not target.startswith("urn:uuid:"):
        return None
    try:
        return uuid.UUID(target.removeprefix("urn:uuid:"))
    except ValueError:
        return None


def _batch_uuid(event: AuditEvent) -> uuid.UUID | None:
    details = event.details if isinstance(event.details, dict) else {}
    value = details.get("batch") or (event.target if event.action == AuditEvent.Action.EXPORTED else "")
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def audit_subjects(organisation: Organisation, events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with what they are about: ``event.credential`` and ``event.batch`` (the organisation's own, or
    None), read in two queries for the whole page."""
    events = list(events)
    credential_ids = {key for key in (_credential_uuid(e.target) for e in events) if key}
    batch_ids = {key for key in (_batch_uuid(e) for e in events) if key}
    credentials = (
        {
            c.public_id: c
            for c in IssuedCredential.objects.filter(organisation=organisation, public_id__in=credential_ids)
            .select_related("qualification")
            .only("public_id", "holder_name", "status", "qualification__code", "qualification__title")
        }
        if credential_ids
        else {}
    )
    batches = (
        {
            b.public_id: b
            for b in Batch.objects.filter(organisation=organisation, public_id__in=batch_ids).only(
                "public_id", "filename", "status"
            )
        }
        if batch_ids
        else {}
    )
    for event in events:
        credential_key, batch_key = _credential_uuid(event.target), _batch_uuid(event)
        event.credential = credentials.get(credential_key) if credential_key else None  # type: ignore[attr-defined]
        event.batch = batches.get(batch_key) if batch_key else None  # type: ignore[attr-defined]
        event.shown = _shown(event)  # type: ignore[attr-defined]
    return events


def _shown(event: AuditEvent) -> dict[str, Any]:
    """The details that are codes or ISO dates, as people read them: format names, a date."""
    details = event.details if isinstance(event.details, dict) else {}
    shown: dict[str, Any] = {}
    formats = dict(Organisation.CredentialFormats.choices)
    for key in ("from", "to"):
        if event.action == AuditEvent.Action.FORMATS_CHANGED and details.get(key):
            shown[key] = formats.get(details[key], details[key])
    if event.action in (AuditEvent.Action.SEAL_CHANGED, "seal_tested") and event.target:
        shown["seal"] = _seal_name(event.target)
    if details.get("not_after"):
        with contextlib.suppress(ValueError):
            shown["not_after"] = dt.datetime.fromisoformat(str(details["not_after"]))
    return shown


def _seal_name(subject: str) -> str:
    """A seal certificate's name as people read it (its common name, else its organisation), not its RFC 4514
    subject with attribute codes (``CN=…,2.5.4.97=…,O=…``)."""
    names: dict[str, str] = {}
    for part in re.split(r"(?<!\\),", subject):
        key, _sep, value = part.partition("=")
        names.setdefault(key.strip().upper(), value.replace("\\,", ",").strip())
    return names.get("CN") or names.get("O") or subject


def credential_history(credential: IssuedCredential, *, limit: int = 50) -> list[AuditEvent]:
    """The audit events that name the credential, and those of the batch it was issued in, oldest first."""
    names = Q(target=credential.credential_id)
    if credential.batch_id and credential.batch is not None:
        names |= Q(details__batch=str(credential.batch.public_id)) | Q(
            action=AuditEvent.Action.EXPORTED, target=str(credential.batch.public_id)
        )
    events = list(
        AuditEvent.objects.filter(organisation_id=credential.organisation_id)
        .filter(names)
        .select_related("actor")
        .order_by("at", "id")[:limit]
    )
    return audit_subjects(credential.organisation, events)


# --- how one issued credential looks ------------------------------------------------------------------------


def credential_state(credential: IssuedCredential, *, today: dt.date | None = None) -> str | None:
    """valid / revoked / expired for a sealed (or revoked) credential; None while it is not sealed."""
    if credential.status == IssuedCredential.Status.REVOKED:
        return "revoked"
    if credential.status != IssuedCredential.Status.SEALED:
        return None
    today = today or timezone.localdate()
    if credential.valid_until and credential.valid_until < today:
        return "expired"
    return "valid"


def credential_visual(credential: IssuedCredential, *, lang: str) -> dict[str, Any] | None:
    """The credential's visual representation, as its holder's wallet shows it: from the sealed document and the
    verifier's seal summary once sealed; before that, the document as it will be sealed (no seal, no status)."""
    from europass.core.visual import visual_context
    from europass.credentials.model import Credential
    from europass.registry.selectors import trust_store
    from europass.sealing.verify import verify

    from .services.building import DocumentBuilder

    sealed = bytes(credential.xml or b"") or bytes(credential.edc3 or b"")
    if sealed:
        report = verify(sealed, trust_store())
        signed = report.credential or (Credential.from_xml(sealed) if credential.xml else None)
        if signed is None:
            return None
        return visual_context(signed, seal=report.seal, status=credential_state(credential), lang=lang)
    document = DocumentBuilder(credential.organisation).credential(credential)
    return visual_context(document, seal=None, status=None, lang=lang)


def batch_delivering(batch: Batch) -> bool:
    """A finished batch whose deliveries (queued behind its sealing) are not all done yet."""
    return (
        batch.status == Batch.Status.DONE
        and batch.credentials.filter(
            status=IssuedCredential.Status.SEALED, delivery=IssuedCredential.Delivery.NOT_YET
        ).exists()
    )
