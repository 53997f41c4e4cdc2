"""W3C Bitstring Status Lists published by this portal: one bit per credential, set when it is revoked."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from europass.registry.models import Organisation

# 131,072 entries (16 KiB), the minimum size the W3C recommends for herd privacy.
DEFAULT_SIZE = 131_072


class StatusList(models.Model):
    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="status_lists")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.REVOCATION)
    size = models.PositiveIntegerField(default=DEFAULT_SIZE)
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField(editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        ordering = ["organisation", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.purpose} {self.public_id}"

    def get_absolute_url(self) -> str:
        return reverse("status:list", kwargs={"public_id": self.public_id})

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{self.get_absolute_url()}"


class StatusChange(models.Model):
    """When an entry's bit was set or cleared: what a verifier may tell ("revoked on ..."), never why."""

    status_list = models.ForeignKey(StatusList, on_delete=models.CASCADE, related_name="changes")
    index = models.PositiveIntegerField()
    revoked = models.BooleanField()
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["status_list", "index", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.status_list_id}#{self.index} revoked={self.revoked}"
