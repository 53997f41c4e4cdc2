"""How a verification report is shown: its outcome's headline and advice (``outcomes``), the checks with an icon, a
sentence, labelled details (``details``) and what to do, the credential's visual representation built from the
signed data only, and the report as PDF (the JSON keeps the engine's codes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

from europass.core.visual import visual_context
from europass.sealing.report import CheckStatus, VerificationReport

from .details import CHECK_TITLES, certificate_rows, detail_rows, readable_name
from .outcomes import certificate_problem, check_advice, outcome

ICONS = {
    CheckStatus.PASSED: ("✓", "ok"),
    CheckStatus.FAILED: ("✗", "err"),
    CheckStatus.WARNING: ("!", "warn"),
    CheckStatus.NOT_APPLICABLE: ("–", ""),
}
STATUS_WORDS = {
    CheckStatus.PASSED: gettext_lazy("passed"),
    CheckStatus.FAILED: gettext_lazy("failed"),
    CheckStatus.WARNING: gettext_lazy("warning"),
    CheckStatus.NOT_APPLICABLE: gettext_lazy("not applicable"),
}


def status_of_report(report: VerificationReport) -> str:
    """The credential's badge from the verifier's verdict, the one rule every page follows: ``revoked``, else
    ``expired``, else ``unknown`` when any check failed, else ``valid``. A credential the verifier fails is never
    called valid."""
    checks = {check.code: check.status for check in report.checks}
    if checks.get("not_revoked") == CheckStatus.FAILED:
        return "revoked"
    if checks.get("not_expired") == CheckStatus.FAILED:
        return "expired"
    if not report.valid:
        return "unknown"
    return "valid"


_status_of = status_of_report  # its former name


def report_context(report: VerificationReport, lang: str, *, banner: bool = True) -> dict[str, Any]:
    """What ``verification/_report.html`` shows, on every page that shows a verification (the verifier's report,
    the wallet's share page and holder's page): the outcome's headline and advice (``banner``: left out by a page
    that states the verdict itself), every check with its sentence, its details as labelled rows and what to do
    about it, and the help for an untrusted certificate authority."""
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
                    "status_word": str(STATUS_WORDS[check.status]),
                    "icon": icon,
                    "css": css,
                    "message": check.message(lang),
                    "details": detail_rows(check.details, lang),
                    "advice": check_advice(check, report, lang),
                }
            )
        trusted, intact = report.check("certificate_trusted"), report.check("seal_intact")
        untrusted = (
            trusted is not None
            and trusted.status == CheckStatus.FAILED
            and certificate_problem(trusted) == "untrusted"
        )
        seal = report.seal
        found = outcome(report, lang)
        return {
            "verdict": report.verdict,
            "valid": report.valid,
            "outcome": {
                "kind": found.kind,
                "tone": found.tone,
                "headline": found.headline,
                "advice": found.advice,
            },
            "banner": banner,
            "checks": checks,
            "untrusted_issuer": untrusted and intact is not None and intact.status == CheckStatus.PASSED,
            "seal_certificate": certificate_rows(seal.certificate) if seal else [],
            "issuer_ca": readable_name(seal.certificate.get("issuer", "")) if seal else "",
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
        status=status_of_report(report),
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
