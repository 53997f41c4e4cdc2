"""The ``schema_valid`` check of an EDC 3 credential (ELM 3 JSON-LD), from what ``ShaclValidator.validate`` found.

- conforms to the SHACL profile it declares (``credentialSchema`` / ``credentialProfiles``): passed;
- declares no profile, or one not shipped here, and conforms to ``EDC-generic-full``, which every EDC profile
  builds on: a warning that says which shapes were used (never a failure on that account);
- does not conform: failed, naming the profile, with the violations (at most ten, as sentences) in the details.
"""

from __future__ import annotations

from typing import Any

from europass.credentials.shacl import ShaclResult
from europass.words import Text, said, said_n

from .report import Check, CheckStatus

CODE = "schema_valid"


def _not_valid(result: ShaclResult, count: int) -> Text:
    """How many violations, and the first one. The first is given as ``ShaclResult`` says it: a sentence shown
    in the reader's language when it is a ``Text``, a plain string shown as it is otherwise."""
    profile = result.profile
    if not result.violations:
        return said_n(
            "Not valid against the official EDC shapes (%(profile)s, SHACL): %(count)s violation.",
            "Not valid against the official EDC shapes (%(profile)s, SHACL): %(count)s violations.",
            count,
            profile=profile,
        )
    return said_n(
        "Not valid against the official EDC shapes (%(profile)s, SHACL): %(count)s violation. First: %(first)s",
        "Not valid against the official EDC shapes (%(profile)s, SHACL): %(count)s violations. First: %(first)s",
        count,
        profile=profile,
        first=result.sentences[0],  # a Text: shown in the same language as the sentence
    )


def shacl_check(result: ShaclResult) -> Check:
    profile = result.profile
    details: dict[str, Any] = {
        "profile": profile,
        "declared": result.declared,
        "recognised": result.recognised,
    }
    if not result.conforms:
        count = max(result.violation_count, len(result.violations))
        return Check.of(
            CODE,
            CheckStatus.FAILED,
            _not_valid(result, count),
            violations=list(result.violations),
            violations_fr=list(result.violations_fr),
            violation_count=count,
            **details,
        )
    if result.recognised:
        return Check.of(
            CODE,
            CheckStatus.PASSED,
            said(
                "Valid against the official EDC shapes of the profile it declares (%(profile)s, SHACL).",
                profile=profile,
            ),
            **details,
        )
    if result.declared is None:
        text = said(
            "The credential does not declare its profile; it is valid against the official shapes %(profile)s "
            "(SHACL), which were used instead.",
            profile=profile,
        )
    else:
        text = said(
            "The credential declares a profile that is not an official EDC profile known here (%(declared)s); "
            "it is valid against the official shapes %(profile)s (SHACL), which were used instead.",
            declared=result.declared,
            profile=profile,
        )
    return Check.of(CODE, CheckStatus.WARNING, text, **details)
