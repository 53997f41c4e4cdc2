"""The data steps of the share-link migrations 0002–0004 (hashed tokens)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from wallet.tokens import token_hash

SILENT_PDF_LINKS_LAST_AT_MOST = dt.timedelta(days=365)


def hash_share_tokens(apps: Any, schema_editor: Any) -> None:
    ShareLink = apps.get_model("wallet", "ShareLink")
    CredentialPdf = apps.get_model("wallet", "CredentialPdf")
    for link in ShareLink.objects.filter(token_hash__isnull=True).only("pk", "token").iterator():
        ShareLink.objects.filter(pk=link.pk).update(token_hash=token_hash(link.token))
    ShareLink.objects.filter(
        purpose="pdf", expires_at__gt=timezone.now() + SILENT_PDF_LINKS_LAST_AT_MOST
    ).update(expires_at=timezone.now() + SILENT_PDF_LINKS_LAST_AT_MOST)
    CredentialPdf.objects.all().delete()


def refuse_to_go_back_with_links(apps: Any, schema_editor: Any) -> None:
    """Going back is possible only without share links: their tokens cannot be recovered from their hashes."""
    if apps.get_model("wallet", "ShareLink").objects.exists():
        raise RuntimeError(
            "Share tokens are stored hashed and cannot be recovered: delete the share links before migrating "
            "wallet back to 0001 (every shared address then stops working)."
        )


