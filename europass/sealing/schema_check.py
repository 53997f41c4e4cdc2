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

from europass.credentials.schema import SchemaResult

from .report import Check, CheckStatus

CODE = "schema_valid"


def xml_schema_check(result: SchemaResult) -> Check:
    details: dict[str, object] = {
        "schema": result.schema,
        "declared": result.declared,
        "recognised": result.recognised,
    }
    if not result.schema:
        return Check.of(
            CODE,
            CheckStatus.NOT_APPLICABLE,
            "No official schema could be loaded here: schema validation skipped.",
            "Aucun schéma officiel n'a pu être chargé ici : validation ignorée.",
            **details,
        )
    schema = result.schema
    if result.recognised:
        if result.valid:
            return Check.of(
                CODE,
                CheckStatus.PASSED,
                f"Valid against the official Europass schema it declares ({schema}).",
                f"Conforme au schéma Europass officiel qu'il déclare ({schema}).",
                **details,
            )
        return Check.of(
            CODE,
            CheckStatus.FAILED,
            f"Not valid against the official Europass schema it declares ({schema}): {_count_en(result)}.",
            f"Non conforme au schéma Europass officiel qu'il déclare ({schema}) : {_count_fr(result)}.",
            errors=list(result.errors),
            error_count=result.error_count,
            **details,
        )
    if result.declared is None:
        said_en = "The document does not declare its schema"
        said_fr = "Le document ne déclare pas son schéma"
    else:
        said_en = f"The document declares a schema that is not an official Europass schema known here ({result.declared})"
        said_fr = f"Le document déclare un schéma qui n'est pas un schéma Europass officiel connu ici ({result.declared})"
    if result.valid:
        return Check.of(
            CODE,
            CheckStatus.WARNING,
            f"{said_en}; it is valid against the official schema {schema}, which was used instead.",
            f"{said_fr} ; il est conforme au schéma officiel {schema}, utilisé à sa place.",
            **details,
        )
    return Check.of(
        CODE,
        CheckStatus.FAILED if result.declared is None else CheckStatus.WARNING,
        f"{said_en}, and it is not valid against any official Europass schema; the closest is {schema} "
        f"({_count_en(result)}).",
        f"{said_fr}, et il n'est conforme à aucun schéma Europass officiel ; le plus proche est {schema} "
        f"({_count_fr(result)}).",
        errors=list(result.errors),
        error_count=result.error_count,
        **details,
    )


def _count_en(result: SchemaResult) -> str:
    count = max(result.error_count, len(result.errors))
    return "1 error" if count == 1 else f"{count} errors"


def _count_fr(result: SchemaResult) -> str:
    count = max(result.error_count, len(result.errors))
    return "1 erreur" if count == 1 else f"{count} erreurs"
