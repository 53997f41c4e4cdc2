"""Fill ``token_hash`` from the tokens in clear (see 0002)."""

from __future__ import annotations

from django.db import migrations

from wallet.migrations._share_links import hash_share_tokens


class Migration(migrations.Migration):
    dependencies = [("wallet", "0002_share_links_hashed")]

    operations = [migrations.RunPython(hash_share_tokens, reverse_code=migrations.RunPython.noop)]
