"""Delivery of sealed credentials to their holders, a chunk at a time, through the wallet's entry point."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING

from ..models import IssuedCredential

if TYPE_CHECKING:
    from wallet.services import Delivery

log = logging.getLogger(__name__)


def credentials_deliver(*, credential_ids: list[int]) -> int:
    """Deliver the sealed, not yet delivered credentials among ``credential_ids`` in a few statements whatever their
    number (the wallet's ``credentials_deliver``), then record each outcome with one conditional UPDATE per outcome.
    Returns how many were delivered. When the chunk as a whole fails, each credential is delivered again on its own,
    so one bad document does not fail its neighbours."""
    from wallet.services import Delivery
    from wallet.services import credentials_deliver as wallet_deliver

    pending = list(
        IssuedCredential.objects.filter(
            pk__in=credential_ids,
            status=IssuedCredential.Status.SEALED,
            delivery=IssuedCredential.Delivery.NOT_YET,
        )
        .select_related("organisation", "qualification")
        .order_by("id")
    )
    deliveries: list[tuple[IssuedCredential, Delivery]] = []
    outcomes: dict[str, list[int]] = defaultdict(list)
    for credential in pending:
        try:
            document, companion = credential.sealed_documents()
            deliveries.append(
                (
                    credential,
                    Delivery(
                        xml=document,
                        companion=companion,
                        holder_email=credential.holder_email,
                        credential_id=credential.credential_id,
                        issuer_name=credential.organisation.name(),
                        title=credential.qualification.title_text(),
                    ),
                )
            )
        except Exception:
            log.exception("delivery of %s failed", credential.public_id)
            outcomes[IssuedCredential.Delivery.FAILED].append(credential.pk)
    try:
        said = wallet_deliver([delivery for _c, delivery in deliveries])
    except Exception:
        log.exception("delivery of a chunk of %s failed: delivering them one by one", len(deliveries))
        said = [_alone(delivery, credential) for credential, delivery in deliveries]
    for (credential, _delivery), outcome in zip(deliveries, said, strict=True):
        known = outcome in IssuedCredential.Delivery.values
        outcomes[outcome if known else IssuedCredential.Delivery.FAILED].append(credential.pk)
    for outcome, ids in outcomes.items():
        IssuedCredential.objects.filter(pk__in=ids, delivery=IssuedCredential.Delivery.NOT_YET).update(
            delivery=outcome
        )
    return sum(len(ids) for outcome, ids in outcomes.items() if outcome != IssuedCredential.Delivery.FAILED)


def _alone(delivery: Delivery, credential: IssuedCredential) -> str:
    from wallet.services import credentials_deliver as wallet_deliver

    try:
        return wallet_deliver([delivery])[0]
    except Exception:
        log.exception("delivery of %s failed", credential.public_id)
        return IssuedCredential.Delivery.FAILED
