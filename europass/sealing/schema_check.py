"""The ``schema_valid`` check of an ELM v2 XML document, from what ``SchemaValidator.validate`` found.

- valid against the schema the document declares: passed;
- the declaration is absent or names no official schema we know: the document was validated against the best
  matching official schema; valid against it is a warning that says which (never a failure on that account);
- invalid against the schema it declares: failed, naming the schema, with the errors.

A document that declares nothing and matches no official schema at all fails (it is not a Europass credential of
any version); one that declares a schema unknown here and matches none of ours is a warning (it may follow a
version we do not have).
"""

from __future__ import annotations

from typing import Any

from europass.credentials.schema import SchemaResult
from europass.words import Text, said, said_n

from .report import Check, CheckStatus

CODE = "schema_valid"


def xml_schema_check(result: SchemaResult) -> Check:
    details: dict[str, Any] = {
        "schema": result.schema,
        "declared": result.declared,
        "recognised": result.recognised,
    }
    if not result.schema:
        return Check.of(
            CODE,
            CheckStatus.NOT_APPLICABLE,
            said("No official schema could be loaded here: schema validation skipped."),
            **details,
        )
    schema = result.schema
    count = max(result.error_count, len(result.errors))
    if result.recognised:
        if result.valid:
            return Check.of(
                CODE,
                CheckStatus.PASSED,
                said("Valid against the official Europass schema it declares (%(schema)s).", schema=schema),
                **details,
            )
        return Check.of(
            CODE,
            CheckStatus.FAILED,
            said_n(
                "Not valid against the official Europass schema it declares (%(schema)s): %(count)s error.",
                "Not valid against the official Europass schema it declares (%(schema)s): %(count)s errors.",
                count,
                schema=schema,
            ),
            errors=list(result.errors),
            error_count=result.error_count,
            **details,
        )
    if result.valid:
        return Check.of(CODE, CheckStatus.WARNING, _valid_instead(result.declared, schema), **details)
    return Check.of(
        CODE,
        CheckStatus.FAILED if result.declared is None else CheckStatus.WARNING,
        _invalid_closest(result.declared, schema, count),
        errors=list(result.errors),
        error_count=result.error_count,
        **details,
    )


def _valid_instead(declared: str | None, schema: str) -> Text:
    if declared is None:
        return said(
            "The document does not declare its schema; it is valid against the official schema %(schema)s, "
            "which was used instead.",
            schema=schema,
        )
    return said(
        "The document declares a schema that is not an official Europass schema known here (%(declared)s); "
        "it is valid against the official schema %(schema)s, which was used instead.",
        declared=declared,
        schema=schema,
    )


def _invalid_closest(declared: str | None, schema: str, count: int) -> Text:
    if declared is None:
        return said_n(
            "The document does not declare its schema, and it is not valid against any official Europass "
            "schema; the closest is %(schema)s (%(count)s error).",
            "The document does not declare its schema, and it is not valid against any official Europass "
            "schema; the closest is %(schema)s (%(count)s errors).",
            count,
            schema=schema,
        )
    return said_n(
        "The document declares a schema that is not an official Europass schema known here (%(declared)s), "
        "and it is not valid against any official Europass schema; the closest is %(schema)s "
        "(%(count)s error).",
        "The document declares a schema that is not an official Europass schema known here (%(declared)s), "
        "and it is not valid against any official Europass schema; the closest is %(schema)s "
        "(%(count)s errors).",
        count,
        declared=declared,
        schema=schema,
    )
