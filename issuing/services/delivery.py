"""Delivery of sealed credentials to their holders, through the wallet's one entry point."""

from __future__ import annotations

import logging

from ..models import IssuedCredential

log = logging.getLogger(__name__)


def credentials_deliver(*, credential_ids: list[int]) -> int:
    from wallet.services import credential_deliver

    delivered = 0
    pending = (
        IssuedCredential.objects.filter(
            pk__in=credential_ids,
            status=IssuedCredential.Status.SEALED,
            delivery=IssuedCredential.Delivery.NOT_YET,
        )
        .select_related("organisation", "qualification")
        .order_by("id")
    )
    for credential in pending:
        try:
            document, companion = credential.sealed_documents()
            outcome = credential_deliver(
                xml=document,
                companion=companion,
                holder_email=credential.holder_email,
                credential_id=credential.credential_id,
                issuer_name=credential.organisation.name(),
                title=credential.qualification.title_text(),
            )
        except Exception:
            log.exception("delivery of %s failed", credential.public_id)
            outcome = IssuedCredential.Delivery.FAILED
        IssuedCredential.objects.filter(pk=credential.pk, delivery=IssuedCredential.Delivery.NOT_YET).update(
            delivery=outcome
            if outcome in IssuedCredential.Delivery.values
            else IssuedCredential.Delivery.FAILED
        )
        delivered += outcome != IssuedCredential.Delivery.FAILED
    return delivered
