"""The audit log: appended by services, read by the organisation's staff, edited by nobody."""

from __future__ import annotations

from typing import Any

from europass.registry.models import Organisation

from .models import AuditEvent


def audit(
    *,
    organisation: Organisation,
    actor: Any,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = getattr(user, "email", "") if user else str(actor or "system")
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=user,
        actor_label=label,
        action=action,
        target=target,
        details=details or {},
    )
