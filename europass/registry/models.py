"""The register: awarding bodies, qualifications with EQF/NQF levels and learning outcomes, accreditations.

Multilingual values are JSON objects keyed by language code (``{"en": ..., "fr": ...}``); learning outcomes are an
ordered list of such objects.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .text import pick

country_code_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 country code, e.g. FR."))


class Organisation(models.Model):
    """An awarding body (university, VET school, public employment service...)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short name"), unique=True)
    legal_name = models.CharField(_("legal name"), max_length=255)
    name_translations = models.JSONField(
        _("name in other languages"), default=dict, blank=True, help_text=_('e.g. {"fr": "Université..."}')
    )
    legal_identifier = models.CharField(
        _("legal identifier"),
        max_length=100,
        help_text=_("VAT or national registration number, e.g. VATFR-12345678901"),
    )
    country = models.CharField(_("country"), max_length=2, validators=[country_code_validator])
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)

    class CredentialFormats(models.TextChoices):
        XML = "xml", _("Europass XML (ELM v2, XAdES seal)")
        EDC3 = "edc3", _("EDC 3 JSON-LD (ELM 3, JAdES seal)")
        BOTH = "both", _("Both: EDC 3 JSON-LD and Europass XML")

    credential_formats = models.CharField(
        _("formats of the credentials issued"),
        max_length=4,
        choices=CredentialFormats.choices,
        default=CredentialFormats.XML,
        help_text=_("Each credential is sealed in these formats; its holder receives every file."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation", kwargs={"slug": self.slug})

    def name(self, lang: str | None = None) -> str:
        return pick({"en": self.legal_name, **self.name_translations}, lang) or self.legal_name

    def country_name(self, lang: str | None = None) -> str:
        from .vocabulary import country_name

        return country_name(self.country, lang)

    @property
    def uri(self) -> str:
        return f"{settings.SITE_URL}/registry/organisations/{self.slug}"

    @property
    def issues_xml(self) -> bool:
        return self.credential_formats != self.CredentialFormats.EDC3

    @property
    def issues_edc3(self) -> bool:
        return self.credential_formats != self.CredentialFormats.XML


class Qualification(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Letters, digits, dot, dash, underscore."))
        ],
    )
    uri = models.URLField(
        _("public URI"), blank=True, help_text=_("Left blank: this portal's register page.")
    )
    title = models.JSONField(_("title"), default=dict, help_text=_('{"en": "...", "fr": "..."}'))
    description = models.JSONField(_("description"), default=dict, blank=True)
    eqf_level = models.PositiveSmallIntegerField(
        _("EQF level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    nqf_level = models.CharField(_("NQF level"), max_length=20, blank=True)
    isced_f_code = models.CharField(
        _("ISCED-F field"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{2,4}$", _("An ISCED-F 2013 code of 2 to 4 digits, e.g. 0613."))],
    )
    credits = models.DecimalField(_("credits (ECTS)"), max_digits=6, decimal_places=1, null=True, blank=True)
    learning_outcomes = models.JSONField(_("learning outcomes"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(eqf_level__isnull=True) | models.Q(eqf_level__gte=1, eqf_level__lte=8),
                name="qualification_eqf_level_1_8",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title_text()}"

    def get_absolute_url(self) -> str:
        return reverse("registry:qualification", kwargs={"code": self.code})

    def title_text(self, lang: str | None = None) -> str:
        return pick(self.title, lang) or self.code

    def description_text(self, lang: str | None = None) -> str:
        return pick(self.description, lang)

    def outcomes_text(self, lang: str | None = None) -> list[str]:
        return [pick(outcome, lang) for outcome in self.learning_outcomes]

    def field_text(self, lang: str | None = None) -> str:
        """The ISCED-F field by name ('0542' -> 'Statistics'); the code itself for a code not in ISCED-F 2013."""
        from .vocabulary import isced_f_label

        return isced_f_label(self.isced_f_code, lang) or self.isced_f_code

    def credits_text(self) -> str:
        """'180 ECTS credits', '7,5 crédits ECTS': the number as people write it in the active language."""
        from .vocabulary import credits_text

        return credits_text(self.credits)

    def eqf_text(self) -> str:
        from .vocabulary import eqf_description

        return eqf_description(self.eqf_level)

    @property
    def public_uri(self) -> str:
        return self.uri or f"{settings.SITE_URL}/registry/qualifications/{self.code}"


class AccreditationQuerySet(models.QuerySet["Accreditation"]):
    def valid_on(self, day: dt.date) -> AccreditationQuerySet:
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


def period_covers(valid_from: dt.date, valid_until: dt.date | None, day: dt.date) -> bool:
    """Whether ``day`` lies in the period (open-ended when ``valid_until`` is blank)."""
    return valid_from <= day and (valid_until is None or day <= valid_until)


def dates_in_order(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("valid_from")),
        name=name,
    )


class ValidityPeriod(models.Model):
    """From one date until another (open-ended when blank): accreditations and mandates."""

    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        abstract = True

    def covers(self, day: dt.date) -> bool:
        return period_covers(self.valid_from, self.valid_until, day)


class Accreditation(ValidityPeriod):
    """An organisation may award a qualification from one date until another (open-ended when blank)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="accreditations")
    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="accreditations")

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["organisation", "qualification"]
        constraints = [dates_in_order("accreditation_dates_in_order")]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.qualification.code}"


class SealCertificate(models.Model):
    """A seal certificate the register records as the organisation's: each e-seal installed here, or one an
    administrator declares. A seal made with it vouches for the organisation, also when the certificate carries no
    organisation identifier (certificates made before ETSI EN 319 412-1)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="seal_certificates")
    fingerprint_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    subject = models.CharField(_("subject"), max_length=1000, blank=True)
    organization_identifier = models.CharField(_("organisation identifier"), max_length=255, blank=True)
    not_valid_after = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seal certificate")
        verbose_name_plural = _("seal certificates")
        ordering = ["organisation", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fingerprint_sha256"], name="seal_certificate_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.subject or self.fingerprint_sha256[:16]}"


class Mandate(ValidityPeriod):
    """The register records that ``issuer`` may issue credentials on behalf of ``awarding_body`` (e.g. a ministry
    issuing for its schools), from one date until another (open-ended when blank)."""

    issuer = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="mandates_held", verbose_name=_("issuer")
    )
    awarding_body = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="mandates_given", verbose_name=_("awarding body")
    )

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["issuer", "awarding_body"]
        constraints = [
            dates_in_order("mandate_dates_in_order"),
            models.CheckConstraint(
                condition=~models.Q(issuer=models.F("awarding_body")),
                name="mandate_between_two_organisations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} → {self.awarding_body}"


class TrustAnchor(models.Model):
    """A CA certificate the verifier trusts: added by hand by a platform admin or imported from a trusted list.

    Change anchors only through ``europass.registry.services`` (it validates the certificate and tells every
    process that the cached trust store is stale).
    """

    MANUAL = "manual"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint_sha256 = models.CharField(
        _("SHA-256 fingerprint"), max_length=64, unique=True, editable=False
    )
    subject = models.CharField(_("subject"), max_length=1000, editable=False)
    not_valid_before = models.DateTimeField(_("valid from"), editable=False)
    not_valid_after = models.DateTimeField(_("valid until"), editable=False)
    qualified_for_seals = models.BooleanField(
        _("qualified for electronic seals"),
        default=False,
        help_text=_("Listed in an EU trusted list as a qualified CA for electronic seals."),
    )
    source = models.CharField(
        _("source"), max_length=64, default=MANUAL, help_text=_('"manual" or "trusted list <territory>"')
    )
    active = models.BooleanField(_("active"), default=True)
    # From an EU trusted list (trusted_list_sync): what the service is, where it was read, and its statuses in
    # time. An anchor with a status history is trusted only at the moments a granted status covers; one without
    # (added by hand, or by trusted_list_import) at any moment while active.
    service_type = models.CharField(
        _("service type"), max_length=255, blank=True, help_text=_("ETSI service type of a trusted list")
    )
    status_history = models.JSONField(
        _("status history"),
        default=list,
        blank=True,
        help_text=_("Each status of the service in its trusted list, with the moment it started."),
    )
    territory = models.CharField(_("territory"), max_length=8, blank=True)
    provider_name = models.CharField(_("trust service provider"), max_length=255, blank=True)
    service_name = models.CharField(_("service name"), max_length=255, blank=True)
    list_url = models.CharField(_("trusted list address"), max_length=1000, blank=True)
    list_sequence_number = models.CharField(_("trusted list sequence number"), max_length=32, blank=True)
    lotl_url = models.CharField(_("list of trusted lists"), max_length=1000, blank=True)
    lotl_sequence_number = models.CharField(_("LOTL sequence number"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trust anchor")
        verbose_name_plural = _("trust anchors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def from_trusted_list_history(self) -> bool:
        return bool(self.status_history)


class TrustedListSync(models.Model):
    """One run of ``trusted_list_sync``: the EU list of trusted lists and every national list it points to.

    ``ok``: the LOTL was fetched and its signature verified, so each national list was tried (those that failed
    are counted in ``lists_failed`` and kept as they were); a failed LOTL changes nothing.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    ok = models.BooleanField(_("successful"), default=False)
    lotl_url = models.CharField(_("list of trusted lists"), max_length=1000)
    lotl_sequence_number = models.CharField(_("LOTL sequence number"), max_length=32, blank=True)
    lists_fetched = models.PositiveIntegerField(_("lists fetched"), default=0)
    lists_failed = models.PositiveIntegerField(_("lists failed"), default=0)
    services_imported = models.PositiveIntegerField(_("services imported"), default=0)
    anchors_changed = models.PositiveIntegerField(_("anchors added or changed"), default=0)
    territories = models.JSONField(_("territories"), default=dict, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)

    class Meta:
        verbose_name = _("trusted list sync")
        verbose_name_plural = _("trusted list syncs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["ok", "-finished_at"], name="trusted_list_sync_ok")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} UTC"
