"""What each wallet credential's sealed document is: Europass XML (ELM v2) or EDC 3 JSON-LD (ELM 3, JAdES).

Every credential stored before this migration is XML (uploads of anything else were refused), so the column is
added with that value as its default and no row is rewritten: one ``ALTER TABLE ... ADD COLUMN ... DEFAULT``, which
PostgreSQL 11+ does without rewriting the table, and no data update in the same transaction.
"""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wallet", "0004_share_links_drop_clear_tokens")]

    operations = [
        migrations.AddField(
            model_name="walletcredential",
            name="document_format",
            field=models.CharField(
                choices=[("elm2-xml", "Europass XML (ELM v2)"), ("edc3-jsonld", "EDC 3 JSON-LD (ELM 3)")],
                default="elm2-xml",
                max_length=16,
            ),
        ),
    ]
