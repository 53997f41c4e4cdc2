"""Writes of the wallet: delivery, claim links, uploads, deletion and share links."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from europass.accounts.models import User
from europass.core.errors import ApplicationError, Conflict, Gone, NotFound

from .delivery import CLAIM_VALIDITY, Delivery, credentials_deliver
from .models import ClaimToken, CredentialPdf, ShareLink, WalletCredential
from .summary import Summary, document_format, parse_credential, search_text, summarize
from .tokens import new_token, token_hash

if TYPE_CHECKING:
    from europass.sealing.report import VerificationReport

log = logging.getLogger(__name__)

SHARE_DEFAULT_DAYS = 30
SHARE_MAX_DAYS = 365


def wallet_row(
    *,
    owner: User,
    xml: bytes,
    source: str,
    summary: Summary | None = None,
    warning: dict[str, str] | None = None,
    companion: bytes = b"",
    recorded: dict[str, Any] | None = None,
) -> WalletCredential:
    """An unsaved wallet row for a sealed credential: ``xml`` the sealed document as received, XML or JSON-LD (its
    format is kept beside it); ``companion`` the same credential sealed in the other format, when its issuer issued
    both; ``recorded`` what the verifier found (``findings_record``), when it verified the credential on its way in."""
    if summary is None:
        summary = summarize(parse_credential(xml), xml)
    return WalletCredential(
        owner=owner,
        credential_id=summary.credential_id,
        **_row_values(
            xml=xml, source=source, summary=summary, warning=warning, companion=companion, recorded=recorded
        ),
    )


def _row_values(
    *,
    xml: bytes,
    source: str,
    summary: Summary,
    warning: dict[str, str] | None,
    companion: bytes,
    recorded: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "xml": xml,
        "xml_sha256": summary.xml_sha256,
        "document_format": document_format(xml),
        "companion": companion,
        "companion_format": document_format(companion) if companion else "",
        "source": source,
        "title": summary.title,
        "awarding_body": summary.awarding_body,
        "holder_name": summary.holder_name[:300],
        "holder_email": summary.holder_email[:254],
        "language": summary.language[:8],
        "awarded_on": summary.awarded_on,
        "issued_at": summary.issued_at,
        "valid_until": summary.valid_until,
        "status_url": summary.status_url[:500],
        "status_index": summary.status_index,
        "warning": warning or {},
        "search_text": search_text(summary.title, summary.awarding_body),
        **(recorded or {}),
    }


def _store(
    *,
    owner: User,
    xml: bytes,
    source: str,
    summary: Summary,
    warning: dict[str, str] | None = None,
    companion: bytes = b"",
    recorded: dict[str, Any] | None = None,
) -> tuple[WalletCredential, bool]:
    """Keep a credential in a wallet once per (credential id, owner): a second delivery is a no-op (``wallet_row``
    says what is kept)."""
    defaults = _row_values(
        xml=xml, source=source, summary=summary, warning=warning, companion=companion, recorded=recorded
    )
    try:
        with transaction.atomic():
            credential, created = WalletCredential.objects.get_or_create(
                owner=owner, credential_id=summary.credential_id, defaults=defaults
            )
    except IntegrityError:  # a concurrent delivery of the same credential won the race
        return WalletCredential.objects.get(owner=owner, credential_id=summary.credential_id), False
    if created:
        pdfs_prepare_later([credential.pk])
    return credential, created


def credential_receive(
    *,
    owner: User,
    xml: bytes,
    source: str = WalletCredential.Source.ISSUED,
    warning: dict[str, str] | None = None,
    companion: bytes = b"",
) -> WalletCredential:
    """Put a sealed credential in ``owner``'s wallet (idempotent per credential id)."""
    summary = summarize(parse_credential(xml), xml)
    credential, _created = _store(
        owner=owner, xml=xml, source=source, summary=summary, warning=warning, companion=companion
    )
    return credential


def _in_each_language(template: str, context: dict[str, Any]) -> list[str]:
    """``template`` rendered once in each language of the site (English first)."""
    rendered = []
    for lang, _name in settings.LANGUAGES:
        with translation.override(lang):
            rendered.append(render_to_string(template, context).strip())
    return rendered


def claim_email(*, url: str, issuer_name: str, title: str) -> tuple[str, str]:
    """The claim link's email (subject, body), said in every language of the site one after the other: the
    recipient has no account, so no language of their own yet."""
    context = {"url": url, "issuer_name": issuer_name, "title": title, "days": CLAIM_VALIDITY.days}
    subject = " / ".join(dict.fromkeys(_in_each_language("wallet/email/claim_subject.txt", context)))
    body = "\n\n---\n\n".join(_in_each_language("wallet/email/claim_body.txt", context)) + "\n"
    return subject, body


def credential_deliver(
    *,
    xml: bytes,
    holder_email: str,
    credential_id: str,
    issuer_name: str,
    title: str,
    companion: bytes = b"",
) -> str:
    """Deliver one credential (``credentials_deliver`` delivers many in a few statements; issuing uses that).

    Returns "wallet" when a user with that VERIFIED email exists (the credential is now in their wallet), "emailed"
    when a one-time claim link was emailed, "failed" when the mail server refused the email (no link is kept).
    Idempotent per (credential id, holder): delivering the same credential twice adds it once and emails at most
    one link.
    """
    delivery = Delivery(
        xml=xml,
        holder_email=holder_email,
        credential_id=credential_id,
        issuer_name=issuer_name,
        title=title,
        companion=companion,
    )
    return credentials_deliver([delivery])[0]


def claim_find(*, token: str) -> ClaimToken:
    claim = ClaimToken.objects.filter(token_hash=token_hash(token)).first()
    if claim is None:
        raise NotFound(_("This claim link is unknown. Check that you copied the whole link."))
    if claim.claimed_at is not None:
        raise Gone(
            _("This claim link has already been used: the credential is in the wallet of whoever used it.")
        )
    if claim.expires_at <= timezone.now():
        raise Gone(_("This claim link has expired. Ask the awarding body to send the credential again."))
    return claim


def claim_redeem(*, token: str, user: User) -> WalletCredential:
    """Add the claimed credential to ``user``'s wallet; the link then stops working (once, even under races)."""
    claim = claim_find(token=token)
    with transaction.atomic():
        won = ClaimToken.objects.filter(pk=claim.pk, claimed_at__isnull=True).update(
            claimed_at=timezone.now(), claimed_by=user
        )
        if not won:
            raise Gone(
                _(
                    "This claim link has already been used: the credential is in the wallet of whoever used it."
                )
            )
        credential = credential_receive(
            owner=user,
            xml=bytes(claim.xml),
            source=WalletCredential.Source.CLAIMED,
            companion=bytes(claim.companion or b""),
        )
        # the wallet keeps the only copy now
        ClaimToken.objects.filter(pk=claim.pk).update(xml=b"", companion=b"")
        return credential


# --- upload of a credential obtained elsewhere ------------------------------------------------------------------

REFUSING_CHECKS = ("well_formed", "seal_intact")


@dataclass(frozen=True)
class UploadResult:
    credential: WalletCredential
    report: VerificationReport
    created: bool


def _languages() -> list[str]:
    return [lang for lang, _name in settings.LANGUAGES]


def findings(report: VerificationReport) -> list[Any]:
    """The checks that failed or warned, in the report's order: what the verifier could not confirm."""
    return [
        check
        for check in report.checks
        if str(getattr(check.status, "value", check.status)) in ("failed", "warning")
    ]


def verify_file(*, data: bytes, filename: str = "") -> VerificationReport:
    """Verify an uploaded file (XML, JSON-LD, or a PDF carrying either) with the verification face's engine."""
    from verification.services import verify_upload

    return verify_upload(data=data, filename=filename)


def _room_for_an_upload(owner: User) -> None:
    """A wallet keeps at most ``WALLET_MAX_UPLOADED_CREDENTIALS`` credentials its holder uploaded (those issued to
    them do not count)."""
    limit: int = settings.WALLET_MAX_UPLOADED_CREDENTIALS
    if WalletCredential.objects.filter(owner=owner, source=WalletCredential.Source.UPLOADED).count() >= limit:
        raise Conflict(
            _(
                "Your wallet already keeps %(limit)s credentials you uploaded, the most it can hold. Remove some "
                "you no longer need before uploading another."
            )
            % {"limit": limit},
            code="upload_limit_reached",
        )


def credential_upload(*, owner: User, data: bytes, filename: str = "") -> UploadResult:
    """Verify an uploaded credential (Europass XML, EDC 3 JSON-LD, or a PDF carrying either) first; refuse a broken
    seal with the reason; keep any other with the verifier's verdict (``verified``, ``partially_verified`` or
    ``failed``, shown on its card and page) and the sentences of the checks that failed or warned. The document is kept byte
    for byte as given (from the PDF, its attachment). A full wallet (``WALLET_MAX_UPLOADED_CREDENTIALS``) refuses it
    before any verification; the pages and the API also limit how often a citizen uploads (``WALLET_UPLOAD_RATE``).
    """
    _room_for_an_upload(owner)
    report = verify_file(data=data, filename=filename)
    checks = {check.code: check for check in report.checks}
    for code in REFUSING_CHECKS:
        check = checks.get(code)
        if check is not None and str(getattr(check.status, "value", check.status)) == "failed":
            raise ApplicationError(
                _("This file cannot be added to your wallet: %(reason)s") % {"reason": check.message()},
                code=f"upload_{code}",
                extra={"messages": {lang: check.message(lang) for lang in _languages()}},
            )
    if report.credential is None:
        raise ApplicationError(_("This file does not contain a credential."), code="upload_not_a_credential")
    from verification.reading import document_of_upload

    document = document_of_upload(data)
    summary = summarize(report.credential, document)
    with transaction.atomic():
        # One upload of this citizen at a time counts and stores, so concurrent uploads cannot pass the bound.
        list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
        _room_for_an_upload(owner)
        credential, created = _store(
            owner=owner,
            xml=document,
            source=WalletCredential.Source.UPLOADED,
            summary=summary,
            recorded=findings_record(report),
        )
    if not created:
        raise Conflict(_("This credential is already in your wallet."), code="already_in_wallet")
    return UploadResult(credential=credential, report=report, created=created)


def findings_record(report: VerificationReport) -> dict[str, Any]:
    """The columns that keep what the verifier found: the verdict, when, the codes of the checks that failed or
    warned and their sentences in each language of the site."""
    found = findings(report)
    return {
        "verdict": report.verdict,
        "verified_at": timezone.now(),
        "findings": [check.code for check in found],
        "warning": {lang: " ".join(check.message(lang) for check in found) for lang in _languages()}
        if found
        else {},
    }


def credential_verdict_record(*, credential: WalletCredential) -> str:
    """Verify a held credential again and record the verdict its card shows (``manage.py wallet_verdicts``)."""
    report = verify_file(data=bytes(credential.xml))
    WalletCredential.objects.filter(pk=credential.pk).update(**findings_record(report))
    return report.verdict


# --- deletion ---------------------------------------------------------------------------------------------------


def credential_delete(*, credential: WalletCredential) -> None:
    """Remove a credential from the wallet and end its share links at once (the issuer's record stays)."""
    with transaction.atomic():
        ShareLink.objects.filter(credential=credential, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        digest = credential.xml_sha256
        credential.delete()
        if not WalletCredential.objects.filter(xml_sha256=digest).exists():
            CredentialPdf.objects.filter(
                xml_sha256=digest
            ).delete()  # no rendered copy outlives the last holder


# --- the stored PDF ------------------------------------------------------------------------------------------------


def credential_pdf_store(*, credential: WalletCredential, lang: str) -> bytes:
    """The PDF without a share link (its QR code opens the verifier), rendered once and kept: the stored copy, or
    rendered and stored now. A write, called explicitly: by the task that prepares the PDFs of a credential entering a
    wallet (``pdfs_prepare_later``), never by a page read (those serve the stored copy, else render without storing:
    ``presenting.credential_pdf_for``)."""
    from .presenting import pdf_for_xml, pdf_key, stored_pdf, verifier_url

    stored = stored_pdf(credential, lang=lang)
    if stored is not None:
        return stored
    pdf = pdf_for_xml(
        xml=bytes(credential.xml),
        qr_url=verifier_url(),
        lang=lang,
        companion=bytes(credential.companion or b""),
    )
    try:
        with transaction.atomic():
            CredentialPdf.objects.create(
                key=pdf_key(credential, lang=lang), xml_sha256=credential.xml_sha256, pdf=pdf
            )
    except IntegrityError:
        pass  # rendered at the same time elsewhere: the same bytes are kept
    return pdf


def credential_pdfs_prepare(*, credential_id: int) -> int:
    """Render and keep the PDF of a held credential in each language of the site (the ``wallet.pdf_prepare`` task);
    how many were rendered. A credential removed meanwhile is skipped."""
    credential = WalletCredential.objects.filter(pk=credential_id).first()
    if credential is None:
        return 0
    from .presenting import stored_pdf

    rendered = 0
    for lang, _name in settings.LANGUAGES:
        if stored_pdf(credential, lang=lang) is None:
            credential_pdf_store(credential=credential, lang=lang)
            rendered += 1
    return rendered


def pdfs_prepare_later(credential_ids: list[int]) -> None:
    """Once the credentials are committed, ask a worker to prepare their PDFs (``WALLET_PDF_PREPARE``, on by default
    outside the test suite). A broker that does not answer is logged: the downloads then render on each request."""
    if not credential_ids or not getattr(settings, "WALLET_PDF_PREPARE", not settings.TESTING):
        return

    def enqueue() -> None:
        from .tasks import pdf_prepare

        for credential_id in credential_ids:
            try:
                pdf_prepare.delay(credential_id)
            except Exception:  # the broker is down: nothing is lost but a cached copy
                log.warning(
                    "could not ask a worker to prepare the PDFs of wallet credential %s", credential_id
                )
                return

    transaction.on_commit(enqueue)


# --- share links ------------------------------------------------------------------------------------------------


def share_link_create(
    *,
    credential: WalletCredential,
    expires_at: dt.datetime | None = None,
    days: int | None = None,
    note: str = "",
    purpose: str = ShareLink.Purpose.SHARE,
) -> ShareLink:
    """A public link to ``credential``, made knowingly by its holder, ending when they chose (a year at most).

    Only the token's hash is stored: the returned instance alone carries ``token`` in clear, for the holder to
    see (or print in a PDF) once."""
    now = timezone.now()
    if expires_at is None:
        expires_at = now + dt.timedelta(days=SHARE_DEFAULT_DAYS if days is None else days)
    if expires_at <= now:
        raise ApplicationError(_("Choose an expiry date in the future."), code="share_expiry_past")
    if expires_at > now + dt.timedelta(days=SHARE_MAX_DAYS, hours=1):
        raise ApplicationError(_("A share link can last at most one year."), code="share_expiry_too_far")
    if len(note) > 200:
        raise ApplicationError(_("The note can be at most 200 characters long."), code="share_note_too_long")
    token = new_token()
    link = ShareLink.objects.create(
        owner=credential.owner,
        credential=credential,
        token_hash=token_hash(token),
        purpose=purpose,
        note=note.strip(),
        expires_at=expires_at,
    )
    link.token = token
    return link


def share_link_revoke(*, link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def share_link_open(*, token: str) -> ShareLink:
    """The live link behind a token, counting the view; NotFound for an unknown token, Gone when it has ended.

    Everything public goes through here (the share page, its downloads, the verifier opening the link): a link
    that ended opens nothing."""
    link = (
        ShareLink.objects.select_related("credential").filter(token_hash=token_hash(token)).first()
        if token
        else None
    )
    if link is None:
        raise NotFound(_("This share link does not exist. Check that you copied the whole link."))
    now = timezone.now()
    if link.revoked_at is not None or link.credential is None:
        raise Gone(_("This share link has been turned off by the credential's holder."))
    if link.expires_at <= now:
        raise Gone(_("This share link has expired. Ask the holder for a new one."))
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
    link.token = token
    return link


SHARE_VIEWS = ("wallet:share", "wallet:share-xml", "wallet:share-pdf", "wallet:share-jsonld")


def shared_xml_for_path(path: str) -> bytes | None:
    """The sealed document (XML or JSON-LD) behind a share link path of this portal (for the verifier's link field);
    None when the path is not a share link; ``NotFound`` / ``Gone`` for an unknown, expired or revoked one."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name not in SHARE_VIEWS:
        return None
    link = share_link_open(token=match.kwargs["token"])
    return bytes(link.credential.xml) if link.credential is not None else None
