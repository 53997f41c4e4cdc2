"""Large values compressed with lz4 on PostgreSQL.

PostgreSQL compresses a value of more than about 2 KB before storing it (TOAST), with pglz unless told otherwise. A
sealed credential is 8 to 25 KB of XML or JSON: pglz took 0.22 ms of the server's processor per credential stored
(three quarters of what the database spends on issuing one), lz4 0.07 ms, for about the same size. On the 2 cores
that run the database and the workers, that is processor time the workers get back. Values already stored keep
their compression; only the columns' method for new values changes. A server built without lz4 keeps pglz (the
migration says so and goes on); other databases have nothing to do.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import migrations

log = logging.getLogger(__name__)


def lz4_available(connection: Any) -> bool:
    """Whether this PostgreSQL server was built with lz4 (it lists only the methods it has)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        return cursor.fetchone() is not None


def lz4(*columns: tuple[str, str]) -> migrations.RunPython:
    """A migration operation: the ``(table, column)`` pairs compressed with lz4 from now on (PostgreSQL)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        if not lz4_available(connection):
            log.warning("PostgreSQL was built without lz4: large values stay compressed with pglz")
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, column in columns:
                cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION lz4")

    def backward(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, column in columns:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION DEFAULT"
                )

    return migrations.RunPython(forward, backward, elidable=False)
