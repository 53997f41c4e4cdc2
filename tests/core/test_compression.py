"""On PostgreSQL, the large documents are stored compressed with lz4 (europass/core/compression.py), which costs the
database server a third of pglz's processor time; elsewhere nothing changes."""

from __future__ import annotations

import pytest
from django.db import connection

from europass.core.compression import lz4_available

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="TOAST compression is PostgreSQL's"),
]

COLUMNS = [
    ("issuing_issuedcredential", "xml"),
    ("issuing_issuedcredential", "edc3"),
    ("issuing_batch", "rows"),
    ("issuing_batch", "source"),
    ("issuing_batchchunk", "rows"),
    ("wallet_walletcredential", "xml"),
    ("wallet_walletcredential", "companion"),
    ("wallet_claimtoken", "xml"),
    ("wallet_claimtoken", "companion"),
]


def test_the_document_columns_compress_new_values_with_lz4() -> None:
    if not lz4_available(connection):
        pytest.skip("this PostgreSQL was built without lz4")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE (c.relname, a.attname) IN (" + ", ".join(["(%s, %s)"] * len(COLUMNS)) + ")",
            [part for pair in COLUMNS for part in pair],
        )
        found = {(table, column): method for table, column, method in cursor.fetchall()}
    assert found == {pair: "l" for pair in COLUMNS}


def test_a_large_document_stored_is_compressed_with_lz4_and_reads_back_the_same() -> None:
    if not lz4_available(connection):
        pytest.skip("this PostgreSQL was built without lz4")
    import datetime as dt

    from django.utils import timezone

    from wallet.models import ClaimToken

    document = (
        b"<europassCredential>"
        + b"<text lang='fr'>Licence d'informatique</text>" * 400
        + b"</europassCredential>"
    )
    token = ClaimToken.objects.create(
        token_hash="0" * 64, email="holder@example.test", credential_id="urn:uuid:1", xml=document,
        issuer_name="Université", title="Licence", expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(xml) FROM wallet_claimtoken WHERE id = %s", [token.pk])
        assert cursor.fetchone()[0] == "lz4"
    assert bytes(ClaimToken.objects.get(pk=token.pk).xml) == document
