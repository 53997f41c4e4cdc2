"""A citizen's wallet: the credentials they hold, claim links sent by email, share links and rendered PDFs.

The sealed document (Europass XML, or EDC 3 JSON-LD sealed with JAdES) is stored byte for byte as received, in the
column still named ``xml``, with its format beside it; the summary columns (title, awarding body, dates, status
entry) are parsed ONCE at receipt so that listing hundreds of credentials never re-parses a document.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WalletCredential(models.Model):
    class Source(models.TextChoices):
        ISSUED = "issued", _("Issued on this portal")
        CLAIMED = "claimed", _("Claimed with an email link")
        UPLOADED = "uploaded", _("Uploaded by you")

    class Verdict(models.TextChoices):
        # The verifier's verdict when the credential was uploaded (``VerificationReport.verdict``); empty when none
        # was recorded (issued on this portal, or kept before verdicts were recorded).
        NONE = "", _("Not recorded")
        VERIFIED = "verified", _("Verified")
        PARTIALLY_VERIFIED = "partially_verified", _("Partially verified")
        FAILED = "failed", _("Verification failed")

    class Format(models.TextChoices):
        # Named as the verifier's readers name them (europass.sealing.readers).
        ELM2_XML = "elm2-xml", _("Europass XML (ELM v2)")
        EDC3_JSONLD = "edc3-jsonld", _("EDC 3 JSON-LD (ELM 3)")

    # (file name, media type) of the sealed document of each format, as downloaded or attached to the PDF.
    DOCUMENT_FILES = {
        Format.ELM2_XML: ("credential.xml", "application/xml"),
        Format.EDC3_JSONLD: ("credential.jsonld", "application/ld+json"),
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_credentials"
    )
    credential_id = models.CharField(max_length=255)
    # The sealed document, byte for byte (XML or JSON-LD: see document_format); its SHA-256.
    xml = models.BinaryField(editable=False)
    xml_sha256 = models.CharField(max_length=64, db_index=True)
    document_format = models.CharField(max_length=16, choices=Format.choices, default=Format.ELM2_XML)
    # The same credential sealed in the other format, when its issuer issued both (empty otherwise).
    companion = models.BinaryField(editable=False, default=b"", blank=True)
    companion_format = models.CharField(max_length=16, choices=Format.choices, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # Summary parsed once at receipt (multilingual values as {"en": ..., "fr": ...}).
    title = models.JSONField(default=dict)
    awarding_body = models.JSONField(default=dict)
    holder_name = models.CharField(max_length=300, blank=True)
    # The holder's email as the credential gives it (compared with the account's addresses: "names someone else").
    holder_email = models.CharField(max_length=254, blank=True, default="")
    language = models.CharField(max_length=8, blank=True)
    awarded_on = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    status_url = models.CharField(max_length=500, blank=True)
    status_index = models.PositiveIntegerField(null=True, blank=True)
    # What the verifier found when the credential was uploaded: its verdict, when, and the sentences of the checks
    # that failed or warned, {"en": ..., "fr": ...} (e.g. an issuer not trusted here).
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    findings = models.JSONField(
        default=list, blank=True
    )  # the codes of those checks, e.g. ["certificate_trusted"]
    warning = models.JSONField(default=dict, blank=True)
    # Title and awarding body in every language, lower case without accents, for the wallet's search box.
    search_text = models.TextField(blank=True, default="", editable=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("wallet credential")
        verbose_name_plural = _("wallet credentials")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "credential_id"], name="wallet_unique_credential_per_owner"
            )
        ]
        indexes = [models.Index(fields=["owner", "-received_at"], name="wallet_owner_received")]

    def __str__(self) -> str:
        return f"{self.credential_id} ({self.owner_id})"

    @property
    def document(self) -> bytes:
        """The sealed document as received (the ``xml`` column holds JSON-LD too)."""
        return bytes(self.xml)

    @property
    def is_jsonld(self) -> bool:
        return self.document_format == self.Format.EDC3_JSONLD

    @property
    def document_name(self) -> str:
        """``credential.xml`` or ``credential.jsonld``."""
        return self.DOCUMENT_FILES[self.Format(self.document_format)][0]

    @property
    def media_type(self) -> str:
        """``application/xml`` or ``application/ld+json``."""
        return self.DOCUMENT_FILES[self.Format(self.document_format)][1]

    def sealed(self, format: str) -> bytes | None:
        """The sealed document in ``format`` (``Format``): the one received, or its companion, or None."""
        if self.document_format == format:
            return bytes(self.xml)
        if self.companion_format == format and self.companion:
            return bytes(self.companion)
        return None

    @property
    def has_xml(self) -> bool:
        return self.Format.ELM2_XML in self.formats

    @property
    def has_edc3(self) -> bool:
        return self.Format.EDC3_JSONLD in self.formats

    @property
    def formats(self) -> list[str]:
        """The formats this credential is held in, the one received first."""
        return [self.document_format, *([self.companion_format] if self.companion_format else [])]


class ClaimToken(models.Model):
    """A one-time link emailed to a holder without a verified account: only the token's SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    credential_id = models.CharField(max_length=255)
    xml = models.BinaryField(editable=False)
    companion = models.BinaryField(editable=False, default=b"", blank=True)
    issuer_name = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("claim link")
        verbose_name_plural = _("claim links")
        constraints = [
            models.UniqueConstraint(fields=["credential_id", "email"], name="wallet_one_claim_per_delivery")
        ]

    def __str__(self) -> str:
        return f"claim link for {self.credential_id}"


class ShareLink(models.Model):
    """A public link to one credential, made by its holder with a lifetime they chose: only the token's SHA-256
    is stored (``wallet.tokens.token_hash``), so the link's address can be shown once, when it is created."""

    class Purpose(models.TextChoices):
        SHARE = "share", _("Share link")
        PDF = "pdf", _("QR code of the PDF")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    credential = models.ForeignKey(
        WalletCredential, on_delete=models.SET_NULL, null=True, blank=True, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=5, choices=Purpose.choices, default=Purpose.SHARE)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at", "-id"]

    # The token in clear: known only to the instance ``share_link_create`` returns (never stored, never loaded).
    token: str = ""

    def __str__(self) -> str:
        return f"share link {self.public_id}"

    def is_live(self, now: dt.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.credential_id is not None and self.expires_at > moment

    @property
    def ended_at(self) -> dt.datetime | None:
        """When the link stopped working: stopped by its holder, or expired; None while it works."""
        if self.revoked_at is not None:
            return self.revoked_at
        return self.expires_at if self.expires_at <= timezone.now() else None


class CredentialPdf(models.Model):
    """A rendered PDF, keyed by the SHA-256 of the sealed XML (with the QR target and the language)."""

    key = models.CharField(max_length=64, unique=True)
    xml_sha256 = models.CharField(max_length=64, db_index=True)
    pdf = models.BinaryField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rendered PDF")
        verbose_name_plural = _("rendered PDFs")

    def __str__(self) -> str:
        return f"PDF {self.key[:12]}"
