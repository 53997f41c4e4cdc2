"""Pages of the verification face: one form (paste, upload, link), the report, and its JSON and PDF downloads.

The report (never what was submitted) is kept for a while under an unguessable token (``verification.kept``), so
that it can be shown in the other language and downloaded as JSON or PDF without sending the credential again.
Nothing is stored in the database. A report PDF costs about half a second of CPU: it is rendered once per report
and language, and renders have their own small allowance per client (``report_pdf``) beside ``verify``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from europass.core.downloads import attachment, document_attachment
from europass.core.errors import ApplicationError
from europass.core.throttling import rate_limited, throttled
from europass.core.visual import attachment_filename

from . import presenting
from .fetch import FetchError, fetch_public
from .forms import VerifyForm
from .kept import (
    KeptReport,
    kept_attachment,
    kept_attachments,
    kept_report,
    kept_report_pdf,
    report_keep,
    report_pdf_keep,
    report_seconds,
)
from .links import xml_for_local_link
from .presenting import report_context, shows_credential, visual_of
from .reading import document_of_upload, max_upload_bytes
from .services import verify_document


def _lang() -> str:
    return (get_language() or "en").split("-")[0]


def _document_from_link(url: str) -> bytes:
    """A link of this portal opens the credential it shares; another address is fetched safely."""
    parts, site = urlsplit(url), urlsplit(settings.SITE_URL)
    if (parts.scheme, parts.netloc) == (site.scheme, site.netloc):
        for path in (parts.path, parts.path.rstrip("/") + "/"):  # a pasted link may have lost its final slash
            document = xml_for_local_link(path)  # XML or JSON-LD, as the link's app keeps it
            if document is not None:
                return document
        raise ApplicationError(_("This address of the portal is not a share link."), code="not_a_share_link")
    try:
        fetched = fetch_public(url, max_bytes=max_upload_bytes())
    except FetchError as error:
        raise ApplicationError(
            _("The link could not be opened: %(reason)s") % {"reason": str(error)}, code="link_unreachable"
        ) from error
    return document_of_upload(fetched.body)


def _submitted(form: VerifyForm) -> bytes:
    """The credential document given: a file's bytes, what a link leads to, or the pasted text's UTF-8 bytes as
    pasted (a JAdES seal covers the payload's bytes: nothing is decoded and re-encoded)."""
    data = form.cleaned_data
    if data.get("file"):
        upload = data["file"]
        return document_of_upload(upload.read(max_upload_bytes() + 1))
    if data.get("url"):
        return _document_from_link(data["url"])
    return document_of_upload(str(data["xml"]).encode("utf-8"))


def _result(request: HttpRequest, kept: KeptReport, token: str | None) -> HttpResponse:
    lang = _lang()
    context = {
        "form": VerifyForm(),
        "token": token,
        "report": report_context(kept.report, lang),
        "visual": visual_of(kept.report, lang, _attachment_urls(kept, token)),
        "checked_at": kept.checked_at,
        # The language switch comes back to this report, not to an empty form.
        "language_next": reverse("verification:result", kwargs={"token": token}) if token else None,
    }
    response = render(request, "verification/result.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _attachment_urls(kept: KeptReport, token: str | None) -> Callable[[int], str | None] | None:
    """Where the credential's attachments download from: only those whose bytes were kept with the report."""
    credential = kept.report.credential
    if token is None or credential is None or not (credential.attachments or credential.sub_credentials):
        return None
    contents = kept_attachments(token)

    def url(number: int) -> str | None:
        if number > len(contents) or contents[number - 1] is None:
            return None
        return reverse("verification:report-attachment", kwargs={"token": token, "number": number})

    return url


def _form_context(form: VerifyForm) -> dict[str, object]:
    return {"form": form, "report_minutes": max(1, report_seconds() // 60)}


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("verify", methods=("POST",))
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "verification/index.html", _form_context(VerifyForm()))
    form = VerifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = _submitted(form)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            kept = KeptReport(report=verify_document(document), checked_at=dt.datetime.now(dt.UTC))
            del document  # what was submitted is not kept: only its report
            return _result(request, kept, report_keep(kept.report, checked_at=kept.checked_at))
    return render(request, "verification/index.html", _form_context(form), status=400)


def _kept(token: str) -> KeptReport:
    kept = kept_report(token)
    if kept is None:
        raise Http404(_("This report has expired: verify the credential again."))
    return kept


@never_cache
@require_GET
@rate_limited("verify")
def result(request: HttpRequest, token: str) -> HttpResponse:
    return _result(request, _kept(token), token)


@never_cache
@require_GET
@rate_limited("verify")
def report_json(request: HttpRequest, token: str) -> HttpResponse:
    kept = _kept(token)
    body = {"checked_at": kept.checked_at.isoformat(), **kept.report.to_dict(_lang())}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return attachment(response, "verification-report.json")


@never_cache
@require_GET
@rate_limited("verify")
def report_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    kept, lang = _kept(token), _lang()
    pdf = kept_report_pdf(token, lang)
    if pdf is None:
        refused = throttled(request, "report_pdf")  # only a render counts: a kept PDF costs nothing
        if refused is not None:
            return refused
        pdf = presenting.report_pdf(kept.report, lang=lang, checked_at=kept.checked_at)
        report_pdf_keep(token, lang, pdf)
    response = HttpResponse(pdf, content_type="application/pdf")
    return attachment(response, "verification-report.pdf")


@never_cache
@require_GET
@rate_limited("verify")
def report_attachment(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """A file the verified credential carries, as sealed: offered for saving, never shown inline."""
    kept = _kept(token)
    found = kept_attachment(token, number) if shows_credential(kept.report) else None
    if found is None:
        raise Http404(_("This attachment is not available here: verify the credential again."))
    item, content = found
    return document_attachment(
        content, name=attachment_filename(item, number), content_type=item.content_type
    )
