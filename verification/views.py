"""Pages of the verification face: one form (paste, upload, link), the report, and its JSON and PDF downloads.

The report (never what was submitted) is kept for a while under an unguessable token (``verification.kept``), so
that it has its own short-lived address (``/verify/r/<token>/``, where a browser's form post is redirected: it can
be bookmarked or sent until the report is forgotten, then says so), can be shown in the other language and
downloaded as JSON or PDF without sending the credential again. What was given is turned into a document by
``verification.inputs`` (the API does the same).
Nothing is stored in the database. A report PDF costs about half a second of CPU: it is rendered once per report
and language, and renders have their own small allowance per client (``report_pdf``) beside ``verify``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
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
from .forms import VerifyForm
from .inputs import document_given
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
from .links import requested_on
from .presenting import report_context, shows_credential, visual_of
from .services import verify_document


def _lang() -> str:
    return (get_language() or "en").split("-")[0]


def _minutes() -> int:
    return max(1, report_seconds() // 60)


def _result(request: HttpRequest, kept: KeptReport, token: str | None, *, here: str | None) -> HttpResponse:
    """The report page; ``here``: the address the language switch comes back to (this report, not an empty form)."""
    lang = _lang()
    address = reverse("verification:report", kwargs={"token": token}) if token else None
    context = {
        "form": VerifyForm(),
        "token": token,
        "report": report_context(kept.report, lang),
        "visual": visual_of(kept.report, lang, _attachment_urls(kept, token)),
        "checked_at": kept.checked_at,
        "report_url": request.build_absolute_uri(address) if address else None,
        "expires_at": kept.checked_at + dt.timedelta(seconds=report_seconds()),
        "report_minutes": _minutes(),
        "language_next": here if token else None,
    }
    response = render(request, "verification/result.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"  # the report's address never leaves with a link to elsewhere
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
    return {"form": form, "report_minutes": _minutes()}


def _asks_for_a_page(request: HttpRequest) -> bool:
    """A browser names HTML in what it accepts: its form post is answered by a redirect to the report's own
    address (which a reload does not post again, and which can be bookmarked or sent). A client that does not
    ask for HTML by name (a script posting the form) gets the report page in the answer itself."""
    return "text/html" in request.headers.get("Accept", "")


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("verify", methods=("POST",))
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "verification/index.html", _form_context(VerifyForm()))
    form = VerifyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        with requested_on(request):  # in development, links on the address used are this portal's own
            try:
                document = document_given(file=data.get("file"), text=data.get("xml"), url=data.get("url"))
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                kept = KeptReport(report=verify_document(document), checked_at=dt.datetime.now(dt.UTC))
                del document  # what was submitted is not kept: only its report
                token = report_keep(kept.report, checked_at=kept.checked_at)
                if token is not None and _asks_for_a_page(request):
                    return HttpResponseRedirect(
                        reverse("verification:report", kwargs={"token": token}), status=303
                    )
                here = reverse("verification:result", kwargs={"token": token}) if token else None
                return _result(request, kept, token, here=here)
    return render(request, "verification/index.html", _form_context(form), status=400)


def _kept(token: str) -> KeptReport:
    kept = kept_report(token)
    if kept is None:
        raise Http404(_("This report has expired: verify the credential again."))
    return kept


def _expired(request: HttpRequest) -> HttpResponse:
    """A report's address after its report was forgotten: says so, and offers to verify again."""
    response = render(request, "verification/expired.html", _form_context(VerifyForm()), status=404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_GET
@rate_limited("verify")
def report(request: HttpRequest, token: str) -> HttpResponse:
    """``/verify/r/<token>/``: the report's own address, for as long as the report is kept."""
    kept = kept_report(token)
    if kept is None:
        return _expired(request)
    return _result(request, kept, token, here=request.path)


@never_cache
@require_GET
@rate_limited("verify")
def result(request: HttpRequest, token: str) -> HttpResponse:
    """``/verify/report/<token>``: the same report at its first address (kept for the links already given)."""
    kept = kept_report(token)
    if kept is None:
        return _expired(request)
    return _result(request, kept, token, here=request.path)


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
