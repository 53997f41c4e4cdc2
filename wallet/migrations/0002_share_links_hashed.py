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

from django.db import migrations, models


class Migration(migrations.Migration):
    """Three migrations, three transactions: PostgreSQL refuses to alter a table in the transaction that updated
    its rows ("pending trigger events"). 0002 adds the column, 0003 fills it, 0004 drops the tokens in clear."""

    dependencies = [("wallet", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="sharelink",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
    ]
