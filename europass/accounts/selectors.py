"""Who may see what: one place for the organisation-scope rules."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from europass.accounts.models import Membership
from europass.registry.models import Organisation


def organisations_of(user: Any) -> QuerySet[Organisation]:
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def membership_of(user: Any, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def is_organisation_admin(user: Any, organisation: Organisation) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user, organisation)
    return bool(membership and membership.role == Membership.Role.ADMIN)
