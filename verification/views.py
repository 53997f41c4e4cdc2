"""Pages of the verification face: one form (paste, upload, link), the report, and its JSON and PDF downloads.

What was verified is kept for an hour under an unguessable key (cache), so that the report can be downloaded
(verified again, live) without the verifier's visitor having to send it twice. Nothing is stored in the database.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from europass.core.downloads import attachment
from europass.core.errors import ApplicationError
from europass.core.throttling import rate_limited

from .fetch import FetchError, fetch_public
from .forms import VerifyForm
from .links import xml_for_local_link
from .presenting import report_context, report_pdf, visual_of
from .reading import max_upload_bytes, xml_of_upload
from .services import verify_xml

SUBMISSION_SECONDS = 3600


def _lang() -> str:
    return (get_language() or "en").split("-")[0]


def _key(token: str) -> str:
    return f"verification:submission:{token}"


def _xml_from_link(url: str) -> bytes:
    """A link of this portal opens the credential it shares; another address is fetched safely."""
    parts, site = urlsplit(url), urlsplit(settings.SITE_URL)
    if (parts.scheme, parts.netloc) == (site.scheme, site.netloc):
        for path in (parts.path, parts.path.rstrip("/") + "/"):  # a pasted link may have lost its final slash
            xml = xml_for_local_link(path)
            if xml is not None:
                return xml
        raise ApplicationError(_("This address of the portal is not a share link."), code="not_a_share_link")
    try:
        fetched = fetch_public(url, max_bytes=max_upload_bytes())
    except FetchError as error:
        raise ApplicationError(
            _("The link could not be opened: %(reason)s") % {"reason": str(error)}, code="link_unreachable"
        ) from error
    return xml_of_upload(fetched.body)


def _submitted(form: VerifyForm) -> bytes:
    data = form.cleaned_data
    if data.get("file"):
        upload = data["file"]
        return xml_of_upload(upload.read(max_upload_bytes() + 1))
    if data.get("url"):
        return _xml_from_link(data["url"])
    return xml_of_upload(str(data["xml"]).encode("utf-8"))


def _result(request: HttpRequest, xml: bytes, token: str, *, status: int | None = None) -> HttpResponse:
    lang = _lang()
    report = verify_xml(xml)
    context = {
        "form": VerifyForm(),
        "token": token,
        "report": report_context(report, lang),
        "visual": visual_of(report, lang),
        "checked_at": timezone.now(),
    }
    response = render(request, "verification/result.html", context, status=status or 200)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("verify", methods=("POST",))
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "verification/index.html", {"form": VerifyForm()})
    form = VerifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            xml = _submitted(form)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            token = secrets.token_urlsafe(24)
            cache.set(_key(token), xml, timeout=SUBMISSION_SECONDS)
            return _result(request, xml, token)
    return render(request, "verification/index.html", {"form": form}, status=400)


def _kept(token: str) -> bytes:
    xml = cache.get(_key(token)) if len(token) < 64 else None
    if xml is None:
        raise Http404(_("This report has expired: verify the credential again."))
    return bytes(xml)


@never_cache
@require_GET
@rate_limited("verify")
def result(request: HttpRequest, token: str) -> HttpResponse:
    return _result(request, _kept(token), token)


@never_cache
@require_GET
@rate_limited("verify")
def report_json(request: HttpRequest, token: str) -> HttpResponse:
    report = verify_xml(_kept(token))
    body = {"checked_at": timezone.now().isoformat(), **report.to_dict(_lang())}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return attachment(response, "verification-report.json")


@never_cache
@require_GET
@rate_limited("verify")
def report_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    report = verify_xml(_kept(token))
    pdf = report_pdf(report, lang=_lang(), checked_at=dt.datetime.now(dt.UTC))
    response = HttpResponse(pdf, content_type="application/pdf")
    return attachment(response, "verification-report.pdf")
