import uuid
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_seal_certificates_and_mandates"),
    ]

    operations = [
        migrations.AddField(
            model_name="trustanchor",
            name="list_sequence_number",
            field=models.CharField(blank=True, max_length=32, verbose_name="trusted list sequence number"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="list_url",
            field=models.CharField(blank=True, max_length=1000, verbose_name="trusted list address"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="lotl_sequence_number",
            field=models.CharField(blank=True, max_length=32, verbose_name="LOTL sequence number"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="lotl_url",
            field=models.CharField(blank=True, max_length=1000, verbose_name="list of trusted lists"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="provider_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="trust service provider"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="service_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="service name"),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="service_type",
            field=models.CharField(
                blank=True,
                help_text="ETSI service type of a trusted list",
                max_length=255,
                verbose_name="service type",
            ),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="status_history",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Each status of the service in its trusted list, with the moment it started.",
                verbose_name="status history",
            ),
        ),
        migrations.AddField(
            model_name="trustanchor",
            name="territory",
            field=models.CharField(blank=True, max_length=8, verbose_name="territory"),
        ),
        migrations.CreateModel(
            name="TrustedListSync",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("started_at", models.DateTimeField(db_index=True, verbose_name="started")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished")),
                ("ok", models.BooleanField(default=False, verbose_name="successful")),
                ("lotl_url", models.CharField(max_length=1000, verbose_name="list of trusted lists")),
                (
                    "lotl_sequence_number",
                    models.CharField(blank=True, max_length=32, verbose_name="LOTL sequence number"),
                ),
                ("lists_fetched", models.PositiveIntegerField(default=0, verbose_name="lists fetched")),
                ("lists_failed", models.PositiveIntegerField(default=0, verbose_name="lists failed")),
                (
                    "services_imported",
                    models.PositiveIntegerField(default=0, verbose_name="services imported"),
                ),
                (
                    "anchors_changed",
                    models.PositiveIntegerField(default=0, verbose_name="anchors added or changed"),
                ),
                ("territories", models.JSONField(blank=True, default=dict, verbose_name="territories")),
                ("messages", models.JSONField(blank=True, default=list, verbose_name="messages")),
            ],
            options={
                "verbose_name": "trusted list sync",
                "verbose_name_plural": "trusted list syncs",
                "ordering": ["-started_at"],
                "indexes": [models.Index(fields=["ok", "-finished_at"], name="trusted_list_sync_ok")],
            },
        ),
    ]
