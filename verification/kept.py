"""What the verification pages keep between a result and its downloads: the report, never what was submitted.

A submission may be 10 MB; its report (the checks, the seal facts and the credential read from the signed data) is a
few kilobytes. It is kept in the cache (Redis in production, where the task queue lives too) under an unguessable
token for ``VERIFY_REPORT_SECONDS``, compressed, and only up to ``VERIFY_REPORT_MAX_BYTES``: a larger one is not
kept (the page is shown, without downloads). The report's PDF, once rendered, is kept beside it per language, up to
``VERIFY_REPORT_PDF_MAX_BYTES``, so that downloading it again, or in the other language and back, renders nothing.
"""

from __future__ import annotations

import datetime as dt
import pickle
import secrets
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from europass.sealing.report import VerificationReport

TOKEN_BYTES = 24


@dataclass(frozen=True)
class KeptReport:
    report: VerificationReport
    checked_at: dt.datetime


def report_seconds() -> int:
    return int(getattr(settings, "VERIFY_REPORT_SECONDS", 900))


def _report_key(token: str) -> str:
    return f"verification:report:{token}"


def _pdf_key(token: str, lang: str) -> str:
    return f"verification:report-pdf:{token}:{lang}"


def report_keep(report: VerificationReport, *, checked_at: dt.datetime) -> str | None:
    """Keep a report for its downloads and its other language; its token, or ``None`` when it is too large."""
    blob = zlib.compress(pickle.dumps(KeptReport(report=report, checked_at=checked_at)), 1)
    if len(blob) > int(getattr(settings, "VERIFY_REPORT_MAX_BYTES", 256 * 1024)):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    cache.set(_report_key(token), blob, timeout=report_seconds())
    return token


def kept_report(token: str) -> KeptReport | None:
    """The report kept under ``token``, or ``None`` when it expired or never was."""
    if not token or len(token) > 64:
        return None
    blob = cache.get(_report_key(token))
    if not isinstance(blob, bytes):
        return None
    kept = pickle.loads(zlib.decompress(blob))  # noqa: S301 - written by report_keep, in our own cache
    return kept if isinstance(kept, KeptReport) else None


def kept_report_pdf(token: str, lang: str) -> bytes | None:
    pdf = cache.get(_pdf_key(token, lang))
    return pdf if isinstance(pdf, bytes) else None


def report_pdf_keep(token: str, lang: str, pdf: bytes) -> None:
    """Keep a rendered report PDF as long as its report (not when larger than ``VERIFY_REPORT_PDF_MAX_BYTES``)."""
    if len(pdf) <= int(getattr(settings, "VERIFY_REPORT_PDF_MAX_BYTES", 2 * 1024 * 1024)):
        cache.set(_pdf_key(token, lang), pdf, timeout=report_seconds())
