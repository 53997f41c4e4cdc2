"""How a wallet credential is shown: live verification, the verdict and the holder as the pages say them, the visual
representation, the PDF (the stored copy or a fresh render), the export. Pages only read here: the one write left,
``credential_pdf`` for callers outside requests, goes through ``services.credential_pdf_store``."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from europass.core.pdf import design_version, render_pdf
from europass.core.visual import attachments_of, visual_context
from europass.credentials.model import Attachment, Credential

from .models import CredentialPdf, ShareLink, WalletCredential
from .selectors import Account, badge_of, credential_status, names_someone_else, revoked_flags, status_of
from .services import findings, verify_file
from .summary import parse_credential

if TYPE_CHECKING:
    from europass.sealing.report import VerificationReport


def verify_xml(xml: bytes) -> VerificationReport:
    """The live verification of a sealed credential, XML or JSON-LD (the verification face's service)."""
    return verify_file(data=xml)


def status_from(report: VerificationReport | None, credential: WalletCredential | None) -> str | None:
    """valid / revoked / expired / unknown. From a live report: the verifier's one rule, written once in
    ``verification.presenting`` (revoked, else expired, else unknown when the report failed, else valid), so a
    credential the verifier fails is never called valid; without a report, this portal's own status lists and the
    credential's expiry."""
    if report is not None:
        from verification.presenting import status_of_report

        return status_of_report(report)
    if credential is not None:
        return credential_status(credential)
    return None


def headline(badge: str) -> str:
    """What the page says first about a credential with this badge (``selectors.BADGES``)."""
    return {
        "valid": _("Verified: the verifier confirmed this credential."),
        "partially_verified": _(
            "Partially verified: the seal is intact, but the verifier could not confirm everything."
        ),
        "failed": _("The verifier could not confirm this credential."),
        "revoked": _("Revoked: the awarding body has withdrawn this credential."),
        "expired": _("Expired: this credential is no longer valid."),
    }.get(badge, "")


def verdict_context(
    report: VerificationReport, credential: WalletCredential, *, account: Account, lang: str
) -> dict[str, Any]:
    """The holder's page says the live verdict first: its badge (revoked or expired first, then the verdict), a
    headline, the sentences of the checks that failed or warned, and whether the credential names someone else (its
    signed holder, not the summary column)."""
    badge = badge_of(status_from(report, None) or "valid", report.verdict)
    signed = report.credential or parse_credential(bytes(credential.xml))
    name = signed.holder.display_name(signed.primary_language or lang) or ""
    email = signed.holder.email or ""
    other = names_someone_else(account, name=name, email=email)
    return {
        "badge": badge,
        "headline": headline(badge),
        "reasons": [check.message(lang) for check in findings(report)],
        "someone_else": (name or email) if other else "",
    }


def upload_message(report: VerificationReport, *, lang: str) -> tuple[str, str]:
    """What the upload page says once the credential is kept: (``success`` | ``warning`` | ``error``, sentence),
    the sentence saying what the verifier found."""
    reasons = " ".join(check.message(lang) for check in findings(report))
    if report.verdict == "verified":
        return "success", _("The credential was verified and added to your wallet.")
    if report.verdict == "partially_verified":
        return "warning", _("Added, but the verifier could confirm only part of it: %(reason)s") % {
            "reason": reasons
        }
    return "error", _("Added, but the verifier could not confirm it: %(reason)s") % {"reason": reasons}


def visual_for(
    credential: WalletCredential,
    *,
    lang: str,
    report: VerificationReport | None = None,
    with_status: bool = True,
    attachment_url: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """The visual representation, built only from the signed document and the verifier's seal summary.
    ``attachment_url(number)``: where the page offers the credential's attachments (those it carries bytes of)."""
    signed: Credential = (report.credential if report is not None else None) or parse_credential(
        bytes(credential.xml)
    )
    offered = None
    if attachment_url is not None:
        carried = {n for n, item in enumerate(attachments_of(signed), 1) if item.downloadable}

        def offered(number: int) -> str | None:
            return attachment_url(number) if number in carried else None

    return visual_context(
        signed,
        seal=report.seal if report is not None else None,
        status=status_from(report, credential) if with_status else None,
        lang=lang,
        attachment_url=offered,
    )


def attachment_of(credential: WalletCredential, number: int) -> tuple[Attachment, bytes] | None:
    """Attachment ``number`` (from 1, in ``attachments_of`` order) of a held credential, with its bytes."""
    items = attachments_of(parse_credential(bytes(credential.xml)))
    if not 1 <= number <= len(items) or items[number - 1].content is None:
        return None
    item = items[number - 1]
    return item, item.content  # type: ignore[return-value]


def share_url(link: ShareLink) -> str:
    """The public address of a share link: known only where its token is (at creation, or from the link's own
    address), since the database keeps only the token's hash."""
    if not link.token:
        raise ValueError("the address of a share link is known only where its token is")
    return settings.SITE_URL + reverse("wallet:share", kwargs={"token": link.token})


def verifier_url() -> str:
    """Where the QR code of a PDF without a share link leads: the verifier, to which the PDF itself is uploaded."""
    return settings.SITE_URL + reverse("verification:index")


def pdf_for_xml(
    *,
    xml: bytes,
    qr_url: str,
    lang: str,
    report: VerificationReport | None = None,
    link_until: dt.datetime | None = None,
    companion: bytes = b"",
) -> bytes:
    """Render (no cache): used by the command line and by the wallet's PDFs. ``xml``: the sealed document, XML or
    JSON-LD, attached to the PDF as ``credential.xml`` or ``credential.jsonld``."""
    report = report or verify_xml(xml)
    signed = report.credential or parse_credential(xml)
    visual = visual_context(signed, seal=report.seal, status=None, lang=lang)
    return render_pdf(
        xml=xml, visual=visual, qr_url=qr_url, lang=lang, link_until=link_until, companion=companion
    )


def pdf_key(credential: WalletCredential, *, lang: str) -> str:
    """The key of a stored PDF without a share link: the sealed document's SHA-256, the QR target (the verifier),
    the language and the design version (a new design renders again)."""
    material = f"{credential.xml_sha256}|{verifier_url()}|{lang}|{design_version()}"
    return hashlib.sha256(material.encode()).hexdigest()


def stored_pdf(credential: WalletCredential, *, lang: str) -> bytes | None:
    """The stored PDF of a credential in ``lang``, if one was prepared (a read)."""
    cached = (
        CredentialPdf.objects.filter(key=pdf_key(credential, lang=lang)).values_list("pdf", flat=True).first()
    )
    return bytes(cached) if cached is not None else None


def credential_pdf_for(credential: WalletCredential, *, lang: str, link: ShareLink | None = None) -> bytes:
    """The PDF a page serves, writing nothing (downloads are GETs). The PDF shows no status badge of its own, since
    a printed "valid" could outlive a revocation: its QR code gives the live answer.

    Without ``link`` (the holder's own download, the export) the QR code opens the verifier, where the PDF itself
    is uploaded: no public copy of the credential is made. That PDF is the copy prepared when the credential entered
    the wallet (``services.credential_pdf_store``), else it is rendered now and not stored. With ``link`` (a share
    link whose token is known: the PDF of a share page, or one the holder asked for with a new link) the QR code
    opens THAT link and the PDF says until when; it is rendered on each request and never stored, since it carries
    the token in clear."""
    if link is not None:
        return pdf_for_xml(
            xml=bytes(credential.xml),
            qr_url=share_url(link),
            lang=lang,
            link_until=link.expires_at,
            companion=bytes(credential.companion or b""),
        )
    stored = stored_pdf(credential, lang=lang)
    if stored is not None:
        return stored
    return pdf_for_xml(
        xml=bytes(credential.xml),
        qr_url=verifier_url(),
        lang=lang,
        companion=bytes(credential.companion or b""),
    )


def credential_pdf(credential: WalletCredential, *, lang: str, link: ShareLink | None = None) -> bytes:
    """The older entry point, outside requests (the benchmark, scripts): with ``link``, as ``credential_pdf_for``;
    without, the stored PDF, rendered and stored when missing (``services.credential_pdf_store``: a write)."""
    if link is not None:
        return credential_pdf_for(credential, lang=lang, link=link)
    from .services import credential_pdf_store

    return credential_pdf_store(credential=credential, lang=lang)


def export_zip(credentials: list[WalletCredential], *, lang: str) -> bytes:
    """Everything as one zip: each credential's sealed document (XML or JSON-LD) and PDF, plus a JSON manifest."""
    buffer = io.BytesIO()
    manifest: list[dict[str, Any]] = []
    revoked = revoked_flags(credentials)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for credential in credentials:
            stem = f"credentials/{credential.public_id}"
            extension = credential.document_name.rsplit(".", 1)[-1]  # xml | jsonld
            archive.writestr(f"{stem}.{extension}", bytes(credential.xml))
            if credential.companion_format:
                other = credential.DOCUMENT_FILES[WalletCredential.Format(credential.companion_format)][0]
                archive.writestr(f"{stem}.{other.rsplit('.', 1)[-1]}", bytes(credential.companion))
            archive.writestr(f"{stem}.pdf", credential_pdf_for(credential, lang=lang))
            manifest.append(
                {
                    "id": str(credential.public_id),
                    "credential_id": credential.credential_id,
                    "title": credential.title,
                    "awarding_body": credential.awarding_body,
                    "awarded_on": credential.awarded_on.isoformat() if credential.awarded_on else None,
                    "valid_until": credential.valid_until.isoformat() if credential.valid_until else None,
                    "source": credential.source,
                    "status": status_of(credential, revoked=revoked.get(credential.pk, False)),
                    "format": credential.document_format,
                    extension: f"{stem}.{extension}",
                    "pdf": f"{stem}.pdf",
                    "xml_sha256": credential.xml_sha256,
                }
            )
        archive.writestr(
            "manifest.json",
            json.dumps(
                {"format": "europass-wallet-export/1", "credentials": manifest}, indent=2, ensure_ascii=False
            ),
        )
    return buffer.getvalue()
