"""Admin for the register. Platform admins see everything; an organisation's administrators see and edit only
their own organisation and read its accreditations; qualifications are the platform's to edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from europass.accounts.selectors import organisations_of
from europass.core.errors import ApplicationError

from .models import (
    Accreditation,
    Mandate,
    Organisation,
    Qualification,
    SealCertificate,
    TrustAnchor,
    TrustedListSync,
)
from .selectors import trusted_list_sync_last_success
from .services import (
    MAX_PEM_BYTES,
    certificate_facts,
    pem_to_der,
    trust_anchor_activate,
    trust_anchor_add,
    trust_anchor_deactivate,
)


class PlatformAdminInline(admin.TabularInline[Any, Organisation]):
    """Shown to the organisation's administrators, edited by platform administrators only."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class AccreditationInline(PlatformAdminInline):
    model = Accreditation
    fields = ["qualification", "valid_from", "valid_until"]
    autocomplete_fields = ["qualification"]


class SealCertificateInline(PlatformAdminInline):
    """The seal certificates the register records as the organisation's (each e-seal installed here adds its own);
    only a platform administrator declares others."""

    model = SealCertificate
    fields = ["fingerprint_sha256", "subject", "organization_identifier", "not_valid_after", "created_at"]
    readonly_fields = ["created_at"]


class MandateInline(PlatformAdminInline):
    """Organisations this one may issue credentials for (recorded by a platform administrator)."""

    model = Mandate
    fk_name = "issuer"
    fields = ["awarding_body", "valid_from", "valid_until"]
    autocomplete_fields = ["awarding_body"]
    verbose_name = _("may issue on behalf of")
    verbose_name_plural = _("may issue on behalf of")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["legal_name", "slug", "legal_identifier", "country"]
    search_fields = ["legal_name", "slug", "legal_identifier"]
    prepopulated_fields = {"slug": ("legal_name",)}
    inlines = [AccreditationInline, SealCertificateInline, MandateInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return organisations_of(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or organisations_of(request.user).filter(pk=obj.pk).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if request.user.is_superuser:
            return True
        return self.has_view_permission(request, obj) and (
            obj is None
            or organisations_of(request.user)
            .filter(pk=obj.pk, memberships__user__pk=request.user.pk or 0, memberships__role="admin")
            .exists()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Sequence[str]]:
        return dict(self.prepopulated_fields) if request.user.is_superuser else {}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if request.user.is_superuser else ("slug", "legal_identifier", "country")


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin[Qualification]):
    list_display = ["code", "__str__", "eqf_level", "nqf_level", "credits", "status"]
    list_filter = ["eqf_level", "status"]
    search_fields = ["code", "title"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser or request.user.is_staff)


@admin.register(Accreditation)
class AccreditationAdmin(admin.ModelAdmin[Accreditation]):
    list_display = ["organisation", "qualification", "valid_from", "valid_until"]
    fields = ["organisation", "qualification", "valid_from", "valid_until"]
    list_filter = ["organisation"]
    autocomplete_fields = ["organisation", "qualification"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Accreditation]:
        return super().get_queryset(request).filter(organisation__in=organisations_of(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)


class TrustAnchorAddForm(forms.ModelForm[TrustAnchor]):
    certificate_file = forms.FileField(
        label=_("Certificate file (PEM or DER)"),
        required=False,
        help_text=_("A CA certificate. Or paste it as PEM below."),
    )
    pem = forms.CharField(label=_("Certificate (PEM)"), widget=forms.Textarea, required=False)

    class Meta:
        model = TrustAnchor
        fields = ["name", "qualified_for_seals"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("certificate_file")
        raw: bytes | str | None = None
        if upload is not None:
            if upload.size > MAX_PEM_BYTES:
                raise forms.ValidationError(_("The certificate file is too large."))
            raw = upload.read()
        elif data.get("pem"):
            raw = data["pem"]
        if not raw:
            raise forms.ValidationError(_("Upload a certificate file or paste a PEM certificate."))
        try:
            facts = certificate_facts(pem_to_der(raw))
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        if not facts.is_ca:
            raise forms.ValidationError(
                _("This certificate is not a CA certificate, so it cannot be a trust anchor.")
            )
        if TrustAnchor.objects.filter(fingerprint_sha256=facts.fingerprint_sha256).exists():
            raise forms.ValidationError(_("This certificate is already a trust anchor."))
        data["certificate_raw"] = raw
        return data


@admin.register(TrustAnchor)
class TrustAnchorAdmin(admin.ModelAdmin[TrustAnchor]):
    """Platform admins only. Anchors are added and (de)activated through the services, which keep every
    process's trust store up to date; their certificate never changes after creation."""

    list_display = [
        "name",
        "subject",
        "not_valid_before",
        "not_valid_after",
        "qualified_for_seals",
        "source",
        "active",
    ]
    list_filter = ["qualified_for_seals", "active", "source", "territory", "service_type"]
    search_fields = ["name", "subject", "fingerprint_sha256", "provider_name"]
    readonly_fields = [
        "public_id",
        "name",
        "subject",
        "fingerprint_sha256",
        "not_valid_before",
        "not_valid_after",
        "qualified_for_seals",
        "source",
        "active",
        "territory",
        "provider_name",
        "service_name",
        "service_type",
        "status_history",
        "list_url",
        "list_sequence_number",
        "lotl_url",
        "lotl_sequence_number",
        "certificate_pem",
        "created_at",
        "updated_at",
    ]
    actions = ["deactivate", "activate"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # deactivate instead: the record stays

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = TrustAnchorAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "qualified_for_seals", "certificate_file", "pem"]
        return self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def save_model(self, request: HttpRequest, obj: TrustAnchor, form: Any, change: bool) -> None:
        if change:
            return
        try:
            created = trust_anchor_add(
                pem=form.cleaned_data["certificate_raw"],
                name=form.cleaned_data.get("name", ""),
                qualified_for_seals=bool(form.cleaned_data.get("qualified_for_seals")),
                source=TrustAnchor.MANUAL,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            raise
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})

    @admin.action(description=_("Deactivate the selected trust anchors"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[TrustAnchor]) -> None:
        for anchor in queryset:
            trust_anchor_deactivate(anchor=anchor)

    @admin.action(description=_("Activate the selected trust anchors"))
    def activate(self, request: HttpRequest, queryset: QuerySet[TrustAnchor]) -> None:
        for anchor in queryset:
            trust_anchor_activate(anchor=anchor)


@admin.register(TrustedListSync)
class TrustedListSyncAdmin(admin.ModelAdmin[TrustedListSync]):
    """Each run of ``trusted_list_sync`` (daily by Celery beat), read-only; the list says when the last
    successful one finished."""

    list_display = [
        "started_at",
        "finished_at",
        "ok",
        "lotl_sequence_number",
        "lists_fetched",
        "lists_failed",
        "services_imported",
        "anchors_changed",
    ]
    list_filter = ["ok"]
    fields = readonly_fields = (
        "public_id",
        "started_at",
        "finished_at",
        "ok",
        "lotl_url",
        "lotl_sequence_number",
        "lists_fetched",
        "lists_failed",
        "services_imported",
        "anchors_changed",
        "territories",
        "messages",
    )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # syncs are made by trusted_list_sync only

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(
            request, {**(extra_context or {}), "last_successful_sync": trusted_list_sync_last_success()}
        )
