"""The ``schema_valid`` check of an EDC 3 credential (ELM 3 JSON-LD), from what ``ShaclValidator.validate`` found.

- conforms to the SHACL profile it declares (``credentialSchema`` / ``credentialProfiles``): passed;
- declares no profile, or one not shipped here, and conforms to ``EDC-generic-full``, which every EDC profile
  builds on: a warning that says which shapes were used (never a failure on that account);
- does not conform: failed, naming the profile, with the violations (at most ten, as sentences) in the details.
"""

from __future__ import annotations

from europass.credentials.shacl import ShaclResult

from .report import Check, CheckStatus

CODE = "schema_valid"


def _count_en(count: int) -> str:
    return "1 violation" if count == 1 else f"{count} violations"


def _count_fr(count: int) -> str:
    return "1 non-conformité" if count == 1 else f"{count} non-conformités"


def shacl_check(result: ShaclResult) -> Check:
    profile = result.profile
    details: dict[str, object] = {
        "profile": profile,
        "declared": result.declared,
        "recognised": result.recognised,
    }
    if not result.conforms:
        count = max(result.violation_count, len(result.violations))
        first_en = f" First: {result.violations[0]}" if result.violations else ""
        first_fr = f" Première : {result.violations_fr[0]}" if result.violations_fr else ""
        return Check.of(
            CODE,
            CheckStatus.FAILED,
            f"Not valid against the official EDC shapes ({profile}, SHACL): {_count_en(count)}.{first_en}",
            f"Non conforme aux formes EDC officielles ({profile}, SHACL) : {_count_fr(count)}.{first_fr}",
            violations=list(result.violations),
            violations_fr=list(result.violations_fr),
            violation_count=count,
            **details,
        )
    if result.recognised:
        return Check.of(
            CODE,
            CheckStatus.PASSED,
            f"Valid against the official EDC shapes of the profile it declares ({profile}, SHACL).",
            f"Conforme aux formes EDC officielles du profil qu'il déclare ({profile}, SHACL).",
            **details,
        )
    if result.declared is None:
        said_en = "The credential does not declare its profile"
        said_fr = "L'attestation ne déclare pas son profil"
    else:
        said_en = f"The credential declares a profile that is not an official EDC profile known here ({result.declared})"
        said_fr = f"L'attestation déclare un profil qui n'est pas un profil EDC officiel connu ici ({result.declared})"
    return Check.of(
        CODE,
        CheckStatus.WARNING,
        f"{said_en}; it is valid against the official shapes {profile} (SHACL), which were used instead.",
        f"{said_fr} ; elle est conforme aux formes officielles {profile} (SHACL), utilisées à sa place.",
        **details,
    )
