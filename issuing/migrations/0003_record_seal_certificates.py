"""Every e-seal installed before the register kept seal certificates becomes one of its organisation's."""

from django.db import migrations


def record(apps, schema_editor):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from europass.sealing.certificates import organization_identifier

    OrganisationSeal = apps.get_model("issuing", "OrganisationSeal")
    SealCertificate = apps.get_model("registry", "SealCertificate")
    for seal in OrganisationSeal.objects.all().iterator():
        try:
            der = x509.load_pem_x509_certificate(seal.certificate_pem.encode()).public_bytes(
                serialization.Encoding.DER
            )
            identifier = organization_identifier(der) or ""
        except ValueError:
            identifier = ""
        SealCertificate.objects.get_or_create(
            organisation_id=seal.organisation_id,
            fingerprint_sha256=seal.fingerprint,
            defaults={
                "subject": seal.subject[:1000],
                "organization_identifier": identifier[:255],
                "not_valid_after": seal.not_after,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("issuing", "0002_batch_exports"),
        ("registry", "0003_seal_certificates_and_mandates"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]
