"""How a verification report is shown: the checks with an icon and a sentence, expandable details, the
credential's visual representation built from the signed data only, and the report as JSON or PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from europass.core.visual import visual_context
from europass.sealing.report import CheckStatus, VerificationReport

CHECK_TITLES = {
    "well_formed": gettext_lazy("Readable credential"),
    "schema_valid": gettext_lazy("Official Europass format"),
    "seal_intact": gettext_lazy("Seal intact"),
    "certificate_trusted": gettext_lazy("Issuer's certificate trusted"),
    "seal_qualified": gettext_lazy("Qualified seal (eIDAS)"),
    "sealer_is_issuer": gettext_lazy("Sealed by the awarding body"),
    "not_expired": gettext_lazy("Not expired"),
    "not_revoked": gettext_lazy("Not revoked"),
    "issuer_accredited": gettext_lazy("Awarding body accredited"),
    "qualification_registered": gettext_lazy("Qualification in the register"),
}
ICONS = {
    CheckStatus.PASSED: ("✓", "ok"),
    CheckStatus.FAILED: ("✗", "err"),
    CheckStatus.WARNING: ("!", "warn"),
    CheckStatus.NOT_APPLICABLE: ("–", ""),
}
DETAIL_LABELS = {
    "sealed_by": gettext_lazy("Sealed by"),
    "signing_time": gettext_lazy("Signing time claimed by the sealer"),
    "proven_time": gettext_lazy("Proven sealing time"),
    "time_source": gettext_lazy("Source of the sealing time"),
    "timestamp_authority": gettext_lazy("Time-stamping authority"),
    "algorithm": gettext_lazy("Signature algorithm"),
    "status_list": gettext_lazy("Status list"),
    "index": gettext_lazy("Index in the status list"),
    "source": gettext_lazy("Status source"),
    "revoked_at": gettext_lazy("Revoked on"),
    "error": gettext_lazy("Error"),
    "valid_until": gettext_lazy("Valid until"),
    "organisation": gettext_lazy("Organisation in the register"),
    "uri": gettext_lazy("Register entry"),
    "confirmed": gettext_lazy("Accredited for"),
    "not_in_register": gettext_lazy("Not in the register"),
    "anchor": gettext_lazy("Trust anchor"),
    "qc_types": gettext_lazy("QC types"),
    "sscd": gettext_lazy("Key in a qualified device (QSCD)"),
    "errors": gettext_lazy("Errors"),
    "path": gettext_lazy("Certificate path"),
    "judged_at": gettext_lazy("Judged at"),
    "expired_since": gettext_lazy("Expired since sealing"),
    "purpose": gettext_lazy("Purpose of the status list"),
    "signed_by_the_sealer": gettext_lazy("Status list signed by the sealer"),
    "qualifications": gettext_lazy("Qualifications"),
    "awarding_body": gettext_lazy("Awarding body"),
    "qc_claimed": gettext_lazy("Certificate claims to be qualified"),
    "awarding_body_identifiers": gettext_lazy("Identifiers the credential gives for its awarding body"),
    "seal_organization_identifier": gettext_lazy("Organisation identifier of the seal certificate"),
    "register": gettext_lazy("The register's entry"),
    "issued_on_behalf_of": gettext_lazy("Issued on behalf of"),
    "revocation": gettext_lazy("How revocation was checked"),
}
CERTIFICATE_LABELS = {
    "subject": gettext_lazy("Subject"),
    "issuer": gettext_lazy("Issuer"),
    "serial": gettext_lazy("Serial number"),
    "not_before": gettext_lazy("Valid from"),
    "not_after": gettext_lazy("Valid until"),
    "organization_identifier": gettext_lazy("Organisation identifier"),
    "qualified": gettext_lazy("Qualified certificate"),
    "key": gettext_lazy("Key"),
    "qc_types": gettext_lazy("QC types"),
    "qc_sscd": gettext_lazy("Key in a qualified device (QSCD)"),
    "sha256": gettext_lazy("SHA-256 fingerprint"),
}


def _display(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_display(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_display(item)}" for key, item in value.items())
    if value in (None, ""):
        return "—"
    return str(value)


def _details(details: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for key, value in details.items():
        if key == "certificate" and isinstance(value, dict):
            rows += [
                {"label": str(CERTIFICATE_LABELS.get(k, k)), "value": _display(v)}
                for k, v in value.items()
                if not isinstance(v, dict) and v not in (None, "", [])
            ]
            continue
        if value in (None, "", [], {}):
            continue
        rows.append({"label": str(DETAIL_LABELS.get(key, key.replace("_", " "))), "value": _display(value)})
    return rows


def _status_of(report: VerificationReport) -> str:
    checks = {check.code: check.status for check in report.checks}
    if checks.get("not_revoked") == CheckStatus.FAILED:
        return "revoked"
    if checks.get("not_expired") == CheckStatus.FAILED:
        return "expired"
    if not report.valid:
        return "unknown"
    return "valid"


def report_context(report: VerificationReport, lang: str) -> dict[str, Any]:
    """What ``verification/_report.html`` shows (used by the verifier's pages and the wallet's share page)."""
    lang = (lang or "en").split("-")[0]
    with translation.override(lang):
        checks = []
        for check in report.checks:
            icon, css = ICONS[check.status]
            checks.append(
                {
                    "code": check.code,
                    "title": str(CHECK_TITLES.get(check.code, check.code)),
                    "status": check.status.value,
                    "icon": icon,
                    "css": css,
                    "message": check.message(lang),
                    "details": _details(check.details),
                }
            )
        trusted = report.check("certificate_trusted")
        untrusted = trusted is not None and trusted.status in (CheckStatus.FAILED, CheckStatus.WARNING)
        seal = report.seal
        return {
            "verdict": report.verdict,
            "valid": report.valid,
            "checks": checks,
            "untrusted_issuer": untrusted
            and report.check("seal_intact") is not None
            and report.check("seal_intact").status == CheckStatus.PASSED,  # type: ignore[union-attr]
            "seal_certificate": _details({"certificate": seal.certificate}) if seal else [],
            "issuer_ca": str(seal.certificate.get("issuer", "")) if seal else "",
        }


def shows_credential(report: VerificationReport) -> bool:
    """Whether the credential may be shown (and its attachments offered): only when its seal is intact."""
    intact = report.check("seal_intact")
    return report.credential is not None and intact is not None and intact.status == CheckStatus.PASSED


def visual_of(
    report: VerificationReport, lang: str, attachment_url: Callable[[int], str | None] | None = None
) -> dict[str, Any] | None:
    """The visual representation, only when the seal is intact (nothing unsigned is ever shown as the credential);
    ``attachment_url(number)``: where an attachment downloads from, on the page showing it."""
    if not shows_credential(report) or report.credential is None:
        return None
    return visual_context(
        report.credential,
        seal=report.seal,
        status=_status_of(report),
        lang=lang,
        attachment_url=attachment_url,
    )


def report_pdf(report: VerificationReport, *, lang: str, checked_at: dt.datetime) -> bytes:
    """The report as an A4 PDF (WeasyPrint, tagged PDF/A-3b): verdict, every check with its details, the
    credential's visual."""
    from europass.core.pdf import archival_pdf

    with translation.override(lang):
        html = render_to_string(
            "verification/report_pdf.html",
            {
                "report": report_context(report, lang),
                "visual": visual_of(report, lang),
                "checked_at": checked_at,
                "lang": lang,
            },
        )
    return archival_pdf(html, lang=lang)
