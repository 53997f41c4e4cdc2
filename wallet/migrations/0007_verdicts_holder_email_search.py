from typing import Any

from django.db import migrations, models


def backfill(apps: Any, schema_editor: Any) -> None:
    """The search text of the credentials already held (from their summary columns) and the holder's email (read
    from the sealed document, once). Their verdict stays unrecorded: ``manage.py wallet_verdicts`` records it."""
    from wallet.summary import parse_credential, search_text

    WalletCredential = apps.get_model("wallet", "WalletCredential")
    for credential in WalletCredential.objects.only("pk", "xml", "title", "awarding_body").iterator(
        chunk_size=200
    ):
        try:
            email = parse_credential(bytes(credential.xml)).holder.email or ""
        except Exception:  # an unreadable document keeps no email: its card simply cannot compare it
            email = ""
        WalletCredential.objects.filter(pk=credential.pk).update(
            search_text=search_text(credential.title, credential.awarding_body), holder_email=email[:254]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0006_edc3_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="walletcredential",
            name="holder_email",
            field=models.CharField(blank=True, default="", max_length=254),
        ),
        migrations.AddField(
            model_name="walletcredential",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="walletcredential",
            name="verdict",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not recorded"),
                    ("verified", "Verified"),
                    ("partially_verified", "Partially verified"),
                    ("failed", "Verification failed"),
                ],
                default="",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="walletcredential",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="walletcredential",
            name="findings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
