"""Pages of the citizen's wallet (thin: services write, selectors read) and the public share pages."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from europass.core.downloads import attachment, document_attachment
from europass.core.errors import ApplicationError, Gone, NotFound
from europass.core.pages import pages_errors
from europass.core.pdf import qr_svg_data_uri
from europass.core.throttling import minutes_to_wait, rate_limited, wait_for
from europass.core.visual import attachment_filename
from europass.credentials.jsonld import to_jsonld

from . import presenting, selectors, services
from .forms import ShareForm, UploadForm
from .models import ShareLink, WalletCredential
from .summary import parse_credential


def _lang() -> str:
    return (get_language() or "en").split("-")[0]


def _download(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = attachment(HttpResponse(data, content_type=content_type), filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _stem(credential: WalletCredential) -> str:
    return f"credential-{credential.public_id}"


def document_response(credential: WalletCredential) -> HttpResponse:
    """The sealed document as received, byte for byte, named and typed for its format (``.xml``,
    ``application/xml``; ``.jsonld``, ``application/ld+json``)."""
    extension = credential.document_name.rsplit(".", 1)[-1]
    return _download(
        credential.document, filename=f"{_stem(credential)}.{extension}", content_type=credential.media_type
    )


def xml_response(credential: WalletCredential) -> HttpResponse:
    xml = credential.sealed(WalletCredential.Format.ELM2_XML)
    if xml is None:
        raise Http404(
            _("This credential is an EDC 3 JSON-LD document: it has no XML form. Download its JSON-LD.")
        )
    return _download(xml, filename=f"{_stem(credential)}.xml", content_type="application/xml")


def pdf_response(credential: WalletCredential, *, link: ShareLink | None = None) -> HttpResponse:
    """The credential's PDF: its QR code opens ``link`` (a share link whose token is known), else the verifier."""
    pdf = presenting.credential_pdf_for(credential, lang=_lang(), link=link)
    return _download(pdf, filename=f"{_stem(credential)}.pdf", content_type="application/pdf")


def jsonld_response(credential: WalletCredential) -> HttpResponse:
    """The sealed EDC 3 document when the credential was issued in EDC 3 (byte for byte); for a credential held only
    in Europass XML, its unsealed ELM 3 JSON-LD rendering (valid JSON-LD, for reading, not for verifying)."""
    sealed = credential.sealed(WalletCredential.Format.EDC3_JSONLD)
    if sealed is not None:
        return _download(sealed, filename=f"{_stem(credential)}.jsonld", content_type="application/ld+json")
    document = to_jsonld(parse_credential(bytes(credential.xml)))
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return _download(body, filename=f"{_stem(credential)}.jsonld", content_type="application/ld+json")


# --- the owner's pages ------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """One page of cards (``selectors.PAGE_SIZE``), searched by title and awarding body."""
    found = selectors.wallet_page(
        request.user,  # type: ignore[arg-type]
        lang=_lang(),
        search=request.GET.get("q", ""),
        number=request.GET.get("page", 1),
    )
    query = urlencode({"q": found.search}) if found.search else ""
    return render(
        request,
        "wallet/index.html",
        {"cards": found.cards, "page": found.page, "q": found.search, "query": query, "total": found.total},
    )


MESSAGE_LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}
UPLOAD_SCOPE = "wallet_upload"  # DEFAULT_THROTTLE_RATES["wallet_upload"] (WALLET_UPLOAD_RATE), per citizen


def upload_wait_message(seconds: float) -> str:
    minutes = minutes_to_wait(seconds)
    return ngettext(
        "You have uploaded many credentials in a short time. Please try again in %(minutes)d minute.",
        "You have uploaded many credentials in a short time. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    wait = (
        wait_for(request, UPLOAD_SCOPE) if request.method == "POST" else None
    )  # page and API count together
    if wait is not None:
        form.is_valid()
        form.add_error(None, upload_wait_message(wait))
        response = render(request, "wallet/upload.html", {"form": form}, status=429)
        response["Retry-After"] = str(math.ceil(wait))
        return response
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            result = services.credential_upload(
                owner=request.user,  # type: ignore[arg-type]
                data=upload_file.read(),
                filename=upload_file.name or "",
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            level, sentence = presenting.upload_message(result.report, lang=_lang())
            messages.add_message(request, MESSAGE_LEVELS[level], sentence)
            return redirect("wallet:detail", public_id=result.credential.public_id)
    return render(request, "wallet/upload.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(
    request: HttpRequest,
    credential: WalletCredential,
    form: ShareForm | None = None,
    created: ShareLink | None = None,
) -> dict[str, Any]:
    """The holder's page of one credential: the live verdict first (with what the verifier could not confirm, and
    whether the credential names someone else), the visual representation, the downloads, the live share links by
    their note, expiry and views, then the links that stopped. A link's address is known only when it was just
    ``created`` (its token is stored hashed): it is shown that once, first in the list, where the page lands."""
    report = presenting.verify_xml(bytes(credential.xml))
    links: list[dict[str, Any]] = []
    for link in selectors.share_links_of(credential):
        item: dict[str, Any] = {"link": link, "url": "", "qr": ""}
        if created is not None and link.pk == created.pk:
            item["url"] = presenting.share_url(created)
            item["qr"] = qr_svg_data_uri(item["url"])
        links.append(item)
    links.sort(key=lambda item: not item["url"])  # the new link first (stable: the others stay newest first)
    return {
        "credential": credential,
        "verdict": presenting.verdict_context(
            report,
            credential,
            account=selectors.account_of(request.user),  # type: ignore[arg-type]
            lang=_lang(),
        ),
        "report_html": _report_html(request, report, banner=False),
        "visual": presenting.visual_for(
            credential,
            lang=_lang(),
            report=report,
            with_status=False,  # the verdict above says it, with its reasons
            attachment_url=lambda number: reverse(
                "wallet:attachment", kwargs={"public_id": credential.public_id, "number": number}
            ),
        ),
        "links": links,
        "stopped": selectors.share_links_stopped(credential),
        "created": created is not None,
        "form": form or ShareForm(),
    }


@login_required
@require_GET
@pages_errors
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
    return render(request, "wallet/detail.html", _detail_context(request, credential))


@login_required
@require_GET
@pages_errors
def download_xml(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return xml_response(selectors.credential_of(request.user, public_id))  # type: ignore[arg-type]


@login_required
@require_GET
@pages_errors
def download_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return pdf_response(selectors.credential_of(request.user, public_id))  # type: ignore[arg-type]


def attachment_response(credential: WalletCredential, number: int) -> HttpResponse:
    """A file the held credential carries, as sealed: offered for saving, never shown inline."""
    found = presenting.attachment_of(credential, number)
    if found is None:
        raise NotFound(_("This credential has no such attachment."))
    item, content = found
    return document_attachment(
        content, name=attachment_filename(item, number), content_type=item.content_type
    )


@login_required
@require_GET
@pages_errors
def download_attachment(request: HttpRequest, public_id: uuid.UUID, number: int) -> HttpResponse:
    return attachment_response(selectors.credential_of(request.user, public_id), number)  # type: ignore[arg-type]


@login_required
@require_GET
@pages_errors
def download_jsonld(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return jsonld_response(selectors.credential_of(request.user, public_id))  # type: ignore[arg-type]


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    credentials = list(WalletCredential.objects.filter(owner=request.user).order_by("received_at"))  # type: ignore[misc]
    data = presenting.export_zip(credentials, lang=_lang())
    stamp = timezone.now().strftime("%Y%m%d")
    return _download(data, filename=f"europass-wallet-{stamp}.zip", content_type="application/zip")


@login_required
@require_POST
@pages_errors
def delete(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
    services.credential_delete(credential=credential)
    messages.success(
        request, _("The credential was removed from your wallet and its share links stopped working.")
    )
    return redirect("wallet:index")


@login_required
@require_POST
@pages_errors
def share_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
    form = ShareForm(request.POST)
    with_pdf = request.POST.get("then") == "pdf"  # "Download a PDF carrying this link"
    if form.is_valid():
        try:
            link = services.share_link_create(
                credential=credential,
                expires_at=form.expires_at(),
                note=form.cleaned_data["note"],
                purpose=ShareLink.Purpose.PDF if with_pdf else ShareLink.Purpose.SHARE,
            )
        except ApplicationError as error:
            form.add_error("expires_on", error.message)
        else:
            if with_pdf:
                return pdf_response(credential, link=link)
            # Rendered, not redirected: the address exists only in this response (the token is stored hashed). The
            # page lands on the new link (static/js/wallet-share.js; the top of the page links to it, #new-link).
            context = _detail_context(request, credential, created=link)
            response = render(request, "wallet/detail.html", context, status=201)
            response["Cache-Control"] = "private, no-store"
            return response
    return render(request, "wallet/detail.html", _detail_context(request, credential, form), status=400)


@login_required
@require_POST
@pages_errors
def share_revoke(request: HttpRequest, link_id: uuid.UUID) -> HttpResponse:
    link = selectors.share_link_of(request.user, link_id)  # type: ignore[arg-type]
    services.share_link_revoke(link=link)
    messages.success(request, _("The share link stopped working."))
    if link.credential is not None:
        return redirect("wallet:detail", public_id=link.credential.public_id)
    return redirect("wallet:index")


# --- claim links (emailed) --------------------------------------------------------------------------------------


def _ended(request: HttpRequest, error: ApplicationError, *, title: str) -> HttpResponse:
    return render(
        request,
        "wallet/link_ended.html",
        {"title": title, "message": error.message},
        status=error.status_code,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.claim_find(token=token)
        if request.method == "POST":
            credential = services.claim_redeem(token=token, user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("The credential is now in your wallet."))
            return redirect("wallet:detail", public_id=credential.public_id)
    except (NotFound, Gone) as error:
        return _ended(request, error, title=_("This claim link does not work"))
    return render(request, "wallet/claim.html", {"claim": found})


# --- public share pages -----------------------------------------------------------------------------------------


def _open(request: HttpRequest, token: str) -> ShareLink | HttpResponse:
    try:
        return services.share_link_open(token=token)
    except (NotFound, Gone) as error:
        return _ended(request, error, title=_("This share link does not work"))


def _report_html(request: HttpRequest, report: Any, *, banner: bool = True) -> str:
    """The verification face's report component (never the holder's account data); ``banner``: its headline and
    advice, left out where the page states the verdict itself (the holder's page)."""
    from verification.presenting import report_context

    return render_to_string(
        "verification/_report.html",
        {"report": report_context(report, _lang(), banner=banner)},
        request=request,
    )


@never_cache
@require_GET
def share(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    credential = opened.credential
    assert credential is not None
    report = presenting.verify_xml(bytes(credential.xml))
    context = {
        "link": opened,
        "token": token,
        "is_jsonld": credential.is_jsonld,  # which downloads to offer (nothing of the holder's account)
        "has_xml": credential.has_xml,
        "has_edc3": credential.has_edc3,
        "visual": presenting.visual_for(
            credential,
            lang=_lang(),
            report=report,
            attachment_url=lambda number: reverse(
                "wallet:share-attachment", kwargs={"token": token, "number": number}
            ),
        ),
        "verdict": report.verdict,
        "valid": report.valid,
        "report_html": _report_html(request, report),
        "checks": [
            {
                "code": check.code,
                "status": str(getattr(check.status, "value", check.status)),
                "message": check.message(_lang()),
            }
            for check in report.checks
        ],
    }
    response = render(request, "wallet/share.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link's token never leaves for another site; our own forms (the language switch) keep their origin, which
    # the CSRF check needs (with no-referrer, Chromium posts "Origin: null" and the switch was refused with a 403).
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def share_xml(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    assert opened.credential is not None
    return xml_response(opened.credential)


@require_GET
@rate_limited("wallet_share_pdf")
def share_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The PDF of a share page: its QR code carries this very link, and no other public link."""
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    assert opened.credential is not None
    return pdf_response(opened.credential, link=opened)


@require_GET
@pages_errors
def share_attachment(request: HttpRequest, token: str, number: int) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    assert opened.credential is not None
    return attachment_response(opened.credential, number)


@require_GET
def share_jsonld(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    assert opened.credential is not None
    return jsonld_response(opened.credential)
