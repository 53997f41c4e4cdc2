"""JSON arrays read by the database, which Django's ORM does not offer: an array's length, and a slice of it.

A batch keeps its validated rows as one JSON array (50,000 rows are about 25 MB): the worker sealing a chunk reads
its chunk's rows only, and the batch's end counts the rows, without the whole array travelling to Python.
PostgreSQL (``jsonb``) and SQLite (JSON1) do it in SQL; other databases read the array.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, models
from django.db.models import Func, IntegerField


class JsonArrayLength(Func):
    """The number of elements of a JSON array column (0 when it is not an array)."""

    function = "json_array_length"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(CASE WHEN jsonb_typeof(%(expressions)s) = 'array' "
            "THEN jsonb_array_length(%(expressions)s) ELSE 0 END)",
            **extra_context,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "COALESCE(json_array_length(%(expressions)s), 0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def json_array_slice(model: type[models.Model], pk: int, field: str, start: int, stop: int) -> list[Any]:
    """The elements ``start:stop`` (positions from 0) of the JSON array in ``field`` of the row ``pk``, in order."""
    meta = model._meta
    quote = connection.ops.quote_name
    table, column = quote(meta.db_table), quote(str(meta.get_field(field).column))  # type: ignore[union-attr]
    key = quote(str(meta.pk.column))  # type: ignore[union-attr]
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT e.value FROM {table} t, jsonb_array_elements(t.{column}) WITH ORDINALITY AS e(value, n) "  # noqa: S608 - the model's own names; the values are parameters
            f"WHERE t.{key} = %s AND e.n > %s AND e.n <= %s ORDER BY e.n"
        )
    elif connection.vendor == "sqlite":
        sql = (
            f"SELECT e.value FROM {table} t, json_each(t.{column}) e "  # noqa: S608 - the model's own names; the values are parameters
            f"WHERE t.{key} = %s AND e.key >= %s AND e.key < %s ORDER BY e.key"
        )
    else:
        values = model._default_manager.values_list(field, flat=True).get(pk=pk)
        return list(values[start:stop])
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, start, stop])
        return [value if not isinstance(value, str) else json.loads(value) for (value,) in cursor.fetchall()]
