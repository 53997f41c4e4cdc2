"""Drop the tokens in clear, once every link has its hash (see 0002)."""

from __future__ import annotations

from django.db import migrations, models

from wallet.migrations._share_links import refuse_to_go_back_with_links


class Migration(migrations.Migration):
    dependencies = [("wallet", "0003_share_links_hash_tokens")]

    operations = [
        migrations.RemoveField(model_name="sharelink", name="token"),
        migrations.AlterField(
            model_name="sharelink",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        # Undone first when going back: the tokens in clear cannot be recovered from their hashes.
        migrations.RunPython(migrations.RunPython.noop, reverse_code=refuse_to_go_back_with_links),
    ]
