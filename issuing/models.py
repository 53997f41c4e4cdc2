"""Issuing: an organisation's e-seal, batches from a spreadsheet, the credentials sealed from them, the audit log.

Work is claimed row by row (``select_for_update(skip_locked=True)`` on ``status='pending'``) so that a task delivered
twice, or a worker killed mid-chunk, never seals a credential twice and never loses one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from europass.registry.models import Organisation, Qualification


class OrganisationSeal(models.Model):
    """An awarding body's e-seal: the private key encrypted at rest and its certificate chain."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Source(models.TextChoices):
        SOFTWARE = "software", _("software key (uploaded, encrypted at rest)")
        PKCS11 = "pkcs11", _("PKCS#11 token or HSM")
        CSC = "csc", _("remote sealing service (CSC API)")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="seals")
    # The software key, encrypted; empty for a key that lives in a device (``source``).
    encrypted_key = models.BinaryField(editable=False, default=b"", blank=True)
    source = models.CharField(_("key source"), max_length=10, choices=Source.choices, default=Source.SOFTWARE)
    # Where a device key is (module, token and key names, the NAME of the PIN's environment variable): no secret.
    source_config = models.JSONField(default=dict, blank=True, editable=False)
    certificate_pem = models.TextField(_("certificate"))
    chain_pem = models.TextField(_("intermediate certificates"), blank=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=80)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    qualified = models.BooleanField(_("qualified (QC statements)"), default=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("e-seal")
        verbose_name_plural = _("e-seals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(active=True),
                name="one_active_seal_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.subject}"

    def __repr__(self) -> str:  # never show key material
        return f"<OrganisationSeal {self.public_id} {self.subject!r}>"


class Batch(models.Model):
    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        VALIDATED = "validated", _("Awaiting confirmation")
        SEALING = "sealing", _("Sealing")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="batches")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALIDATED, db_index=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    source = models.BinaryField(editable=False, blank=True, default=b"")
    rows = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why sealing waits (the e-seal key's device or service cannot sign now): shown on the batch page and in the
    # API; its chunks are retried with a growing delay and the batch goes on by itself when the key works again.
    paused_reason = models.TextField(_("paused because"), blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # The rows confirmed, each to get its credential (the batch is done once they all have one and none is pending);
    # 0 for a batch confirmed before chunks created their own credentials (all created when it was confirmed).
    confirmed_rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or self.public_id} ({self.get_status_display()})"


class BatchChunk(models.Model):
    """The validated rows of one chunk of a confirmed batch (positions ``start:stop`` of ``Batch.rows``), written
    when the batch is confirmed: the chunk's worker reads its own rows, not the whole batch's (50,000 rows are
    about 25 MB of JSON, which the database would decompress for every chunk)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    rows = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "start"], name="one_chunk_per_start")]
        ordering = ["batch_id", "start"]

    def __str__(self) -> str:
        return f"{self.batch_id} rows {self.start}:{self.stop}"


class IssuedCredential(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SEALED = "sealed", _("Sealed")
        FAILED = "failed", _("Failed")
        REVOKED = "revoked", _("Revoked")
        CANCELLED = "cancelled", _("Cancelled")

    class Delivery(models.TextChoices):
        NOT_YET = "not_yet", _("Not delivered yet")
        WALLET = "wallet", _("In the holder's wallet")
        EMAILED = "emailed", _("Claim link emailed")
        FAILED = "failed", _("Delivery failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Every index is written on every insert and every seal stored (a credential's update is never HOT: its status
    # is indexed): the foreign keys below are indexed only by the composite indexes that lead with them.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="issued_credentials", db_index=False
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="credentials", db_index=False
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    learner = models.JSONField(default=dict)
    holder_email = models.EmailField()  # indexed in Meta (no pattern index: it is never searched by prefix)
    learner_id = models.CharField(max_length=100, blank=True)
    holder_name = models.CharField(max_length=300)
    award_date = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(blank=True)
    status_list = models.ForeignKey(
        "status.StatusList", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status_index = models.PositiveIntegerField()
    xml = models.BinaryField(editable=False, null=True, blank=True)
    # The EDC 3 document (ELM 3 JSON-LD sealed with JAdES, JWS JSON serialization), when the organisation issues it.
    edc3 = models.BinaryField(editable=False, null=True, blank=True)
    seal = models.ForeignKey(
        OrganisationSeal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sealed_at = models.DateTimeField(null=True, blank=True)
    # The sealing run that stored this credential's seal (one conditional UPDATE per chunk, then the rows it changed
    # are read back by this mark: a chunk delivered twice stores each credential once).
    seal_run = models.UUIDField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.NOT_YET)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issued credential")
        verbose_name_plural = _("issued credentials")
        ordering = ["batch_id", "row_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="unique_status_entry"),
            models.UniqueConstraint(fields=["batch", "row_number"], name="one_credential_per_batch_row"),
        ]
        indexes = [
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["organisation", "qualification", "award_date"]),
            models.Index(fields=["holder_email"], name="issued_credential_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} — {self.qualification.code} ({self.status})"

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.public_id}"

    def sealed_documents(self) -> tuple[bytes, bytes]:
        """The sealed file shown first and its companion: the XML with the EDC 3 document beside it when both
        exist, else the one there is (and no companion)."""
        xml, edc3 = bytes(self.xml or b""), bytes(self.edc3 or b"")
        return (xml, edc3) if xml else (edc3, b"")


class AuditEvent(models.Model):
    """Who did what, when. Written by services only; nobody can edit it."""

    class Action(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded a sheet")
        CONFIRMED = "confirmed", _("confirmed a batch")
        SEALED = "sealed", _("sealing finished")
        CANCELLED = "cancelled", _("cancelled a batch")
        RETRIED = "retried", _("retried failed credentials")
        REVOKED = "revoked", _("revoked a credential")
        SEAL_CHANGED = "seal_changed", _("changed the e-seal")
        SEAL_TESTED = "seal_tested", _("tested the e-seal")
        ISSUED = "issued", _("issued a credential")
        EXPORTED = "exported", _("prepared a PDF zip")
        FORMATS_CHANGED = "formats_changed", _("changed the credential formats")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"


class BatchExport(models.Model):
    """A batch's sealed credentials as one zip of XML and PDF files, rendered by workers in parts (in parallel,
    each part claimed once), then joined into one file under ``VAR_DIR/exports`` (never served publicly)."""

    class Status(models.TextChoices):
        RENDERING = "rendering", _("Rendering the PDFs")
        JOINING = "joining", _("Packing the zip")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    lang = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RENDERING)
    total = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    parts_total = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("PDF export")
        verbose_name_plural = _("PDF exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.batch} — {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.rendered / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in (self.Status.RENDERING, self.Status.JOINING)


class ExportPart(models.Model):
    """A slice of an export that one task renders; ``finished`` is set once, by a conditional update."""

    export = models.ForeignKey(BatchExport, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    credential_ids = models.JSONField(default=list)
    finished = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "number"], name="one_part_number_per_export")
        ]

    def __str__(self) -> str:
        return f"{self.export_id}#{self.number}"
