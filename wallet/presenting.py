"""How a wallet credential is shown: live verification, the visual representation, the cached PDF, the export."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from europass.core.pdf import design_version, render_pdf
from europass.core.visual import attachments_of, visual_context
from europass.credentials.model import Attachment, Credential

from .models import CredentialPdf, ShareLink, WalletCredential
from .selectors import credential_status, revoked_flags, status_of
from .services import verify_file
from .summary import parse_credential

if TYPE_CHECKING:
    from europass.sealing.report import VerificationReport


def verify_xml(xml: bytes) -> VerificationReport:
    """The live verification of a sealed credential, XML or JSON-LD (the verification face's service)."""
    return verify_file(data=xml)


def _status_code(check: Any) -> str:
    return str(getattr(check.status, "value", check.status))


def status_from(report: VerificationReport | None, credential: WalletCredential | None) -> str | None:
    """valid / revoked / expired from the live report, else from the portal's own status lists."""
    if report is not None:
        checks = {check.code: _status_code(check) for check in report.checks}
        if checks.get("not_revoked") == "failed":
            return "revoked"
        if checks.get("not_expired") == "failed":
            return "expired"
    if credential is not None:
        return credential_status(credential)
    return None


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
    """Render (no cache): used by the command line and by ``credential_pdf``. ``xml``: the sealed document, XML or
    JSON-LD, attached to the PDF as ``credential.xml`` or ``credential.jsonld``."""
    report = report or verify_xml(xml)
    signed = report.credential or parse_credential(xml)
    visual = visual_context(signed, seal=report.seal, status=None, lang=lang)
    return render_pdf(
        xml=xml, visual=visual, qr_url=qr_url, lang=lang, link_until=link_until, companion=companion
    )


def credential_pdf(credential: WalletCredential, *, lang: str, link: ShareLink | None = None) -> bytes:
    """The PDF of a wallet credential. The PDF shows no status badge of its own, since a printed "valid" could
    outlive a revocation: its QR code gives the live answer.

    Without ``link`` (the holder's own download, the export) the QR code opens the verifier, where the PDF itself
    is uploaded: no public copy of the credential is made. That PDF is rendered once and stored, keyed by the
    XML's SHA-256, language and design version. With ``link`` (a share link whose token is known: the PDF of a
    share page, or one the holder asked for with a new link) the QR code opens THAT link and the PDF says until
    when; it is rendered on each request and never stored, since it carries the token in clear."""
    if link is not None:
        return pdf_for_xml(
            xml=bytes(credential.xml),
            qr_url=share_url(link),
            lang=lang,
            link_until=link.expires_at,
            companion=bytes(credential.companion or b""),
        )
    qr_url = verifier_url()
    key = hashlib.sha256(f"{credential.xml_sha256}|{qr_url}|{lang}|{design_version()}".encode()).hexdigest()
    cached = CredentialPdf.objects.filter(key=key).values_list("pdf", flat=True).first()
    if cached is not None:
        return bytes(cached)
    pdf = pdf_for_xml(
        xml=bytes(credential.xml), qr_url=qr_url, lang=lang, companion=bytes(credential.companion or b"")
    )
    try:
        with transaction.atomic():
            CredentialPdf.objects.create(key=key, xml_sha256=credential.xml_sha256, pdf=pdf)
    except IntegrityError:
        pass  # rendered at the same time by another request: same bytes are kept
    return pdf


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
            archive.writestr(f"{stem}.pdf", credential_pdf(credential, lang=lang))
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
