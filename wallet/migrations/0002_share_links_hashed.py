"""Share tokens are stored hashed; no public link outlives what its holder chose.

- Every existing share link keeps working: its token is replaced by ``token_hash(token)``, the helper claim links
  already use, and the column of tokens in clear is dropped.
- Links made silently for the QR code of a downloaded PDF (purpose "pdf", until the credential expired or for ten
  years) are kept, so printed codes still open, but end at most a year from now, the longest a holder can choose;
  the holder sees them in their list and can stop them.
- Rendered PDFs are a cache and printed those links' addresses, tokens in clear: they are deleted and rendered again
  on demand, with a QR code that no longer carries a public link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations, models
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


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="sharelink",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(hash_share_tokens, reverse_code=migrations.RunPython.noop),
        migrations.RemoveField(model_name="sharelink", name="token"),
        migrations.AlterField(
            model_name="sharelink",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        # Undone first when going back: the tokens in clear cannot be recovered from their hashes.
        migrations.RunPython(migrations.RunPython.noop, reverse_code=refuse_to_go_back_with_links),
    ]
