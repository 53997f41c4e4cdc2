from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent, Batch, IssuedCredential, OrganisationSeal


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Platform admins can look; only the services write."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "organisation", "actor_label", "action", "target"]
    list_filter = ["action", "organisation"]


@admin.register(OrganisationSeal)
class OrganisationSealAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "subject", "not_after", "qualified", "active"]
    exclude = ["encrypted_key"]


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "organisation", "filename", "status", "total", "created_at"]
    exclude = ["source", "rows"]


@admin.register(IssuedCredential)
class IssuedCredentialAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "organisation", "holder_name", "status", "delivery", "sealed_at"]
    list_filter = ["status", "delivery"]
    exclude = ["xml", "learner"]
