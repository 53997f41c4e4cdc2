"""Reads of the issuing face. Every lookup is scoped to the organisations the user works for: anything else is 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from europass.accounts.selectors import is_organisation_admin, organisations_of
from europass.core.errors import NotFound, PermissionDenied
from europass.registry.models import Organisation

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


def batch_for(user: Any, public_id: Any) -> Batch:
    batch = batches_of(user).filter(public_id=_uuid(public_id)).first()
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
