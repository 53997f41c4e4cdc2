"""What a report means for the person reading it: one headline per kind of outcome and what to do next.

The engine says, check by check, what it found (its sentences stay as they are); this reads the checks' codes,
statuses and details and names the outcome a reader cares about first: a revoked credential is not a tampered one,
an untrusted certificate authority is not an expired credential. The most serious failure names the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from europass.sealing.report import Check, CheckStatus, VerificationReport

from .details import CHECK_TITLES, day


@dataclass(frozen=True)
class Outcome:
    kind: str  # verified, partially_verified, unreadable, tampered, revoked, suspended, expired, ...
    tone: str  # success, warning, error: the colour of the banner
    headline: str
    advice: list[str] = field(default_factory=list)


def _status(report: VerificationReport, code: str) -> CheckStatus | None:
    check = report.check(code)
    return check.status if check is not None else None


def _failed(report: VerificationReport, code: str) -> Check | None:
    check = report.check(code)
    return check if check is not None and check.status == CheckStatus.FAILED else None


def _body(report: VerificationReport, lang: str) -> str:
    """The awarding body's name as the sealed credential gives it, else words for it."""
    credential = report.credential
    name = credential.awarding_body.name.get(lang) if credential is not None else ""
    return name or _("the awarding body")


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def certificate_problem(check: Check) -> str:
    """Why the seal certificate failed, from the check's details: ``not_yet_valid``, ``expired`` (at the signing
    time), else ``untrusted`` (no path to a trust anchor here, or revoked by its authority)."""
    certificate = check.details.get("certificate") or {}
    judged = _moment(check.details.get("judged_at"))
    if judged is not None and isinstance(certificate, dict):
        start, end = _moment(certificate.get("not_before")), _moment(certificate.get("not_after"))
        if start is not None and judged < start:
            return "not_yet_valid"
        if end is not None and judged > end:
            return "expired"
    return "untrusted"


def _next_step_for_a_copy() -> str:
    return _(
        "Ask the holder for the original file as they received it, or for a share link from their Europass "
        "wallet, and verify that. If the original fails too, contact the awarding body."
    )


def check_advice(check: Check, report: VerificationReport, lang: str) -> str:
    """What to do about one failed or warned check (shown in its details); empty for the others."""
    if check.status not in (CheckStatus.FAILED, CheckStatus.WARNING):
        return ""
    failed = check.status == CheckStatus.FAILED
    body = _body(report, lang)
    code = check.code
    if code == "well_formed":
        return _(
            "Ask the holder for the file exactly as it was issued (Europass XML, EDC 3 JSON-LD, or the PDF from "
            "their Europass wallet), or for a share link: a copy retyped or saved again by another program cannot "
            "be verified."
        )
    if code == "seal_intact":
        return _("Do not rely on what this copy says.") + " " + _next_step_for_a_copy()
    if code == "schema_valid":
        if failed:
            return _(
                "Software may read this document differently from what its awarding body meant: ask %(body)s "
                "for a corrected credential."
            ) % {"body": body}
        return _("Usual for credentials made before the official schemas were declared: nothing to do.")
    if code == "certificate_trusted":
        if failed:
            return _(
                "Until the seal's certificate authority is trusted here, nothing proves who made the seal: ask "
                "%(body)s to confirm the credential, or ask a platform administrator to add the authority."
            ) % {"body": body}
        return _(
            "Verify again later, when the certificate authority can be reached, or ask %(body)s to confirm."
        ) % {"body": body}
    if code == "seal_qualified":
        return _(
            "An advanced seal proves who sealed the credential and that it is unchanged; a qualified seal carries "
            "more legal weight under eIDAS. Many awarding bodies use advanced seals."
        )
    if code == "sealer_is_issuer":
        return _(
            "Anyone can seal a document that names any school: ask %(body)s to confirm that it issued this "
            "credential."
        ) % {"body": body}
    if code == "not_expired":
        return _("Ask the holder for a current credential, or ask %(body)s whether it has been renewed.") % {
            "body": body
        }
    if code == "not_revoked":
        if failed:
            return _(
                "It no longer proves this qualification. If the holder believes this is a mistake, they should "
                "contact %(body)s."
            ) % {"body": body}
        return _("Verify again later, or ask %(body)s whether the credential is still in force.") % {
            "body": body
        }
    if code == "issuer_accredited":
        if failed:
            return _(
                "Ask %(body)s, or the authority that keeps the register of qualifications, about the accreditation."
            ) % {"body": body}
        return _(
            "This register cannot confirm it: look the awarding body up in its own country's register of "
            "qualifications."
        )
    if code == "qualification_registered":
        if failed:
            return _(
                "Ask %(body)s which level is right before relying on the level the credential states."
            ) % {"body": body}
        return _("Look the qualification up in its own country's register to see what it means.")
    return _("Read the check's message above: it says what could not be confirmed.")


def outcome(report: VerificationReport, lang: str) -> Outcome:
    """The report's headline and advice (call it with ``lang`` active)."""
    body = _body(report, lang)
    if _failed(report, "well_formed"):
        return Outcome(
            "unreadable",
            "error",
            _("Not a credential this verifier can read"),
            [
                _(
                    "Nothing was verified: what was given is not a Europass credential, or it was damaged on the "
                    "way (cut short, saved again by another program, or retyped)."
                ),
                check_advice(report.check("well_formed"), report, lang),  # type: ignore[arg-type]
            ],
        )
    if _failed(report, "seal_intact"):
        return Outcome(
            "tampered",
            "error",
            _("Seal broken: this is not the credential as its awarding body issued it"),
            [
                _(
                    "It was changed after it was sealed, or its seal is missing or not genuine: do not rely on "
                    "anything it says."
                ),
                _next_step_for_a_copy(),
            ],
        )
    revoked = _failed(report, "not_revoked")
    if revoked is not None:
        if revoked.details.get("purpose") == "suspension":
            return Outcome(
                "suspended",
                "error",
                _("Suspended: the awarding body has suspended this credential"),
                [
                    _(
                        "Its seal is genuine, but while it is suspended it does not prove this qualification. Ask "
                        "the holder, or %(body)s, when it will be in force again."
                    )
                    % {"body": body}
                ],
            )
        since = revoked.details.get("revoked_at")
        first = (
            _("Its seal is genuine, but %(body)s revoked it on %(date)s.")
            % {"body": body, "date": day(since)}
            if since
            else _("Its seal is genuine, but %(body)s has revoked it.") % {"body": body}
        )
        return Outcome(
            "revoked",
            "error",
            _("Revoked: the awarding body has withdrawn this credential"),
            [first, check_advice(revoked, report, lang)],
        )
    expired = _failed(report, "not_expired")
    if expired is not None:
        until = expired.details.get("valid_until")
        return Outcome(
            "expired",
            "error",
            _("Expired: this credential was valid until %(date)s") % {"date": day(until)}
            if until
            else _("Expired: this credential is no longer valid"),
            [
                _(
                    "It is genuine, but its awarding body set an end to its validity, and that date has passed."
                ),
                check_advice(expired, report, lang),
            ],
        )
    certificate = _failed(report, "certificate_trusted")
    if certificate is not None:
        problem = certificate_problem(certificate)
        if problem == "not_yet_valid":
            return Outcome(
                "certificate_not_yet_valid",
                "error",
                _("Sealed with a certificate that was not yet valid"),
                [
                    _(
                        "The seal says it was made before its certificate was issued: its time is wrong, or it "
                        "was back-dated. Do not rely on it; ask %(body)s to confirm the credential."
                    )
                    % {"body": body}
                ],
            )
        if problem == "expired":
            return Outcome(
                "certificate_expired",
                "error",
                _("Sealed with a certificate that had expired"),
                [
                    _(
                        "The seal's certificate had expired at the time the seal says it was made, so the seal "
                        "proves nothing. Ask %(body)s for a newly sealed credential."
                    )
                    % {"body": body}
                ],
            )
        return Outcome(
            "untrusted",
            "error",
            _("Seal intact, but made with a certificate that is not trusted here"),
            [
                _(
                    "Nothing shows that the document was changed, but this portal cannot tell who made the seal: "
                    "its certificate does not lead to a certificate authority trusted here, or it had been revoked."
                ),
                check_advice(certificate, report, lang),
            ],
        )
    sealer = _failed(report, "sealer_is_issuer")
    if sealer is not None:
        return Outcome(
            "wrong_sealer",
            "error",
            _("Sealed by another organisation than the awarding body"),
            [
                _("The seal is intact, but it is not the awarding body's own."),
                check_advice(sealer, report, lang),
            ],
        )
    accredited = _failed(report, "issuer_accredited")
    if accredited is not None:
        return Outcome(
            "not_accredited",
            "error",
            _("The awarding body was not accredited for this qualification"),
            [
                _(
                    "The register does not record its accreditation for this qualification at the award date, "
                    "or its mandate to issue on another body's behalf."
                ),
                check_advice(accredited, report, lang),
            ],
        )
    qualification = _failed(report, "qualification_registered")
    if qualification is not None:
        return Outcome(
            "qualification_mismatch",
            "error",
            _("The qualification does not match the register"),
            [
                _("The credential gives this qualification another EQF level than the register does."),
                check_advice(qualification, report, lang),
            ],
        )
    schema = _failed(report, "schema_valid")
    if schema is not None:
        return Outcome(
            "schema",
            "error",
            _("Not in the official Europass format"),
            [
                _("The document does not follow the official Europass schema it should."),
                check_advice(schema, report, lang),
            ],
        )
    if not report.valid:
        return Outcome(
            "failed",
            "error",
            _("Verification failed: do not rely on this credential."),
            [_("Each failed check below says what went wrong.")],
        )
    warned = [check for check in report.checks if check.status == CheckStatus.WARNING]
    if warned:
        names = ", ".join(str(CHECK_TITLES.get(check.code, check.code)) for check in warned)
        return Outcome(
            "partially_verified",
            "warning",
            _(
                "Partially verified: the seal is intact, but some checks could not confirm everything (see the "
                "warnings)."
            ),
            [
                _("Not confirmed: %(checks)s. Each warning below says why and what it means.")
                % {"checks": names}
            ],
        )
    return Outcome(
        "verified",
        "success",
        _("Verified: this credential is genuine and valid."),
        [
            _(
                "Sealed by %(body)s and unchanged since: not revoked, not expired, and the register confirms it."
            )
            % {"body": body}
        ],
    )
