import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_trustanchor"),
    ]

    operations = [
        migrations.CreateModel(
            name="SealCertificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("fingerprint_sha256", models.CharField(max_length=64, verbose_name="SHA-256 fingerprint")),
                ("subject", models.CharField(blank=True, max_length=1000, verbose_name="subject")),
                (
                    "organization_identifier",
                    models.CharField(blank=True, max_length=255, verbose_name="organisation identifier"),
                ),
                ("not_valid_after", models.DateTimeField(blank=True, null=True, verbose_name="valid until")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seal_certificates",
                        to="registry.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "seal certificate",
                "verbose_name_plural": "seal certificates",
                "ordering": ["organisation", "-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "fingerprint_sha256"),
                        name="seal_certificate_once_per_organisation",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Mandate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("valid_from", models.DateField(verbose_name="valid from")),
                ("valid_until", models.DateField(blank=True, null=True, verbose_name="valid until")),
                (
                    "awarding_body",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mandates_given",
                        to="registry.organisation",
                        verbose_name="awarding body",
                    ),
                ),
                (
                    "issuer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mandates_held",
                        to="registry.organisation",
                        verbose_name="issuer",
                    ),
                ),
            ],
            options={
                "verbose_name": "mandate",
                "verbose_name_plural": "mandates",
                "ordering": ["issuer", "awarding_body"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("valid_until__isnull", True),
                            ("valid_until__gte", models.F("valid_from")),
                            _connector="OR",
                        ),
                        name="mandate_dates_in_order",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("issuer", models.F("awarding_body")), _negated=True),
                        name="mandate_between_two_organisations",
                    ),
                ],
            },
        ),
    ]
