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
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache

from europass.core.visual import attachments_of
from europass.credentials.model import Attachment, Credential
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


def _attachments_key(token: str) -> str:
    return f"verification:report-attachments:{token}"


def _without_attachment_bytes(credential: Credential) -> Credential:
    return replace(
        credential,
        attachments=tuple(replace(item, content=None) for item in credential.attachments),
        sub_credentials=tuple(_without_attachment_bytes(sub) for sub in credential.sub_credentials),
    )


def report_keep(report: VerificationReport, *, checked_at: dt.datetime) -> str | None:
    """Keep a report for its downloads and its other language; its token, or ``None`` when it is too large.

    The bytes of the credential's attachments are kept beside it (not in it), for their downloads, when they
    come to at most ``VERIFY_ATTACHMENTS_MAX_BYTES`` in all."""
    contents = [item.content for item in attachments_of(report.credential)] if report.credential else []
    if report.credential is not None and any(content is not None for content in contents):
        report = replace(report, credential=_without_attachment_bytes(report.credential))
    blob = zlib.compress(pickle.dumps(KeptReport(report=report, checked_at=checked_at)), 1)
    if len(blob) > int(getattr(settings, "VERIFY_REPORT_MAX_BYTES", 256 * 1024)):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    cache.set(_report_key(token), blob, timeout=report_seconds())
    total = sum(len(content) for content in contents if content is not None)
    if 0 < total <= int(getattr(settings, "VERIFY_ATTACHMENTS_MAX_BYTES", 4 * 1024 * 1024)):
        cache.set(_attachments_key(token), zlib.compress(pickle.dumps(contents), 1), timeout=report_seconds())
    return token


def kept_attachments(token: str) -> list[bytes | None]:
    """The bytes of the kept report's attachments (``None`` for one not kept), in ``attachments_of`` order; empty
    when none were kept."""
    if not token or len(token) > 64:
        return []
    blob = cache.get(_attachments_key(token))
    if not isinstance(blob, bytes):
        return []
    contents = pickle.loads(zlib.decompress(blob))  # noqa: S301 - written by report_keep, in our own cache
    return contents if isinstance(contents, list) else []


def kept_attachment(token: str, number: int) -> tuple[Attachment, bytes] | None:
    """Attachment ``number`` (from 1) of the credential of the report kept under ``token``, with its bytes."""
    kept = kept_report(token)
    if kept is None or kept.report.credential is None:
        return None
    items, contents = attachments_of(kept.report.credential), kept_attachments(token)
    if not 1 <= number <= min(len(items), len(contents)) or contents[number - 1] is None:
        return None
    return items[number - 1], contents[number - 1]  # type: ignore[return-value]


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
