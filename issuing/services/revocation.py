"""Revocation by the organisation's staff: the credential's bit is set in the published status list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError, Conflict
from europass.status.services import status_set

from ..audit import audit
from ..models import AuditEvent, IssuedCredential


def credential_revoke(*, credential: IssuedCredential, actor: Any, reason: str) -> IssuedCredential:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the revocation."), code="reason_required")
    with transaction.atomic():
        updated = IssuedCredential.objects.filter(
            pk=credential.pk, status=IssuedCredential.Status.SEALED
        ).update(
            status=IssuedCredential.Status.REVOKED, revoked_at=timezone.now(), revocation_reason=reason[:2000]
        )
        if not updated:
            raise Conflict(_("Only a sealed credential can be revoked."), code="not_revocable")
        status_set(status_list=credential.status_list, index=credential.status_index, revoked=True)
        audit(
            organisation=credential.organisation,
            actor=actor,
            action=AuditEvent.Action.REVOKED,
            target=credential.credential_id,
            details={"reason": reason[:500], "holder": credential.holder_name},
        )
    credential.refresh_from_db()
    return credential
