"""Any change in the register invalidates the verifiers' memoised register lookups (in every process)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Accreditation, Mandate, Organisation, Qualification, SealCertificate
from .selectors import REGISTER_VERSION, bump_register_version


@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=Qualification)
@receiver(post_save, sender=Accreditation)
@receiver(post_delete, sender=Organisation)
@receiver(post_delete, sender=Qualification)
@receiver(post_delete, sender=Accreditation)
@receiver(post_save, sender=SealCertificate)
@receiver(post_delete, sender=SealCertificate)
@receiver(post_save, sender=Mandate)
@receiver(post_delete, sender=Mandate)
def register_changed(sender: type, **kwargs: Any) -> None:
    REGISTER_VERSION.changed(bump_register_version)
