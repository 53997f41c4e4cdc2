from django.db import migrations

from europass.core.compression import lz4


class Migration(migrations.Migration):
    """The documents a wallet keeps and the claim links carry, compressed with lz4 (europass/core/compression.py)."""

    dependencies = [("wallet", "0007_verdicts_holder_email_search")]

    operations = [
        lz4(
            ("wallet_walletcredential", "xml"),
            ("wallet_walletcredential", "companion"),
            ("wallet_claimtoken", "xml"),
            ("wallet_claimtoken", "companion"),
        )
    ]
