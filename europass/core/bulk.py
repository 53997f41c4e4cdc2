"""Inserting many rows at once, without Django compiling one placeholder per value.

Django's ``bulk_create`` writes one placeholder per value: for 10,000 credentials, 240,000 placeholders that Django
compiles (and, on PostgreSQL, psycopg then splits out of the query text again), most of the time of confirming a
batch. Here:

- on PostgreSQL, one ``INSERT … SELECT * FROM unnest(…)`` per call: every column travels as one array parameter in
  binary (typed by the column's own database type), so the statement has as many placeholders as the table has
  columns, whatever the number of rows, and no value is quoted or escaped as text;
- on SQLite, one prepared ``INSERT`` run for every row by the driver (``executemany``), inside a transaction; the
  keys are then the largest in the table, since SQLite gives each new row (``AUTOINCREMENT``) a larger key than any
  before and the transaction holds the write lock from the first row to the commit.

The values are Django's own (``pre_save``, then ``get_db_prep_save``: defaults, ``auto_now_add``, JSON, UUIDs as
Django stores them). Other databases, and models without an integer key, use ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=models.Model)


def writing_cursor() -> Any:
    """A cursor for statements that carry many large values (sealed documents). On PostgreSQL it binds the
    parameters on the server (bytes travel as binary, apart from the SQL): Django's PostgreSQL cursor quotes every
    value into the SQL text, which for 500 documents of 12 KB cost 0.24 ms a row against 0.16 ms. Wrapped as Django
    wraps its own cursors, so statements are logged and counted the same. Elsewhere, Django's cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))  # type: ignore[attr-defined]


def bulk_insert(objects: Sequence[M], *, batch_size: int = 1000) -> list[M]:
    """Insert ``objects`` (new instances of one model, primary key unset) and set their primary keys; returns them.
    Raises ``IntegrityError`` as ``bulk_create`` does (call inside ``transaction.atomic`` to recover)."""
    objects = list(objects)
    if not objects:
        return objects
    model = type(objects[0])
    # The connection itself: ``connection`` is a proxy, looked up on each use (240,000 times for 10,000 rows).
    db = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if db.vendor not in ("postgresql", "sqlite") or not isinstance(pk, AutoFieldMixin):
        return model._default_manager.bulk_create(objects, batch_size=batch_size)
    fields = [field for field in meta.concrete_fields if field is not pk]
    quote = db.ops.quote_name
    table, key = quote(meta.db_table), quote(str(pk.column))
    columns = ", ".join(quote(str(field.column)) for field in fields)
    for start in range(0, len(objects), batch_size):
        part = objects[start : start + batch_size]
        if db.vendor == "postgresql":
            keys = _insert_postgresql(db, table, key, columns, fields, part)
        else:
            keys = _insert_sqlite(db, table, key, columns, fields, part)
        for obj, value in zip(part, keys, strict=True):
            obj.pk = value
            obj._state.adding = False
            obj._state.db = db.alias
    return objects


def _insert_postgresql(
    db: Any, table: str, key: str, columns: str, fields: list[Any], part: Sequence[models.Model]
) -> list[int]:
    arrays = ", ".join(f"CAST(%b AS {field.db_type(db)}[])" for field in fields)
    sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) RETURNING {key}"  # noqa: S608 - the model's own names; every value a parameter
    params = [[field.get_db_prep_save(field.pre_save(obj, True), db) for obj in part] for field in fields]
    with writing_cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _insert_sqlite(
    db: Any, table: str, key: str, columns: str, fields: list[Any], part: Sequence[models.Model]
) -> list[int]:
    placeholders = ", ".join("%s" for _ in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - the model's own names; every value a parameter
    rows = [tuple(field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields) for obj in part]
    with transaction.atomic(using=db.alias, savepoint=False), db.cursor() as cursor:
        cursor.executemany(sql, rows)
        cursor.execute(f"SELECT {key} FROM {table} ORDER BY {key} DESC LIMIT %s", [len(rows)])  # noqa: S608
        return [row[0] for row in reversed(cursor.fetchall())]
