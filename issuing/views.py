"""Pages of the issuing face: thin, they call services and selectors."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from europass.accounts.selectors import is_organisation_admin, organisations_of
from europass.core.downloads import XLSX, attachment, stem_of
from europass.core.errors import ApplicationError
from europass.core.pages import pages_errors
from europass.core.pdf import pdf_of_sealed
from europass.registry.models import Organisation
from europass.registry.selectors import accredited_qualifications
from europass.sealing.csc import CscConfig
from europass.sealing.token_keys import Pkcs11Config

from . import selectors
from .forms import (
    CscSourceForm,
    FormatsForm,
    Pkcs11SourceForm,
    RevokeForm,
    SealUploadForm,
    SheetUploadForm,
    read_upload,
)
from .milestones import batch_milestone, changed, export_milestone
from .models import AuditEvent, Batch, IssuedCredential
from .services.batches import (
    Progress,
    already_issued,
    batch_cancel,
    batch_confirm,
    batch_progress,
    batch_retry_failed,
    batch_upload,
)
from .services.building import preview_visual
from .services.exports import (
    download_name,
    export_outdated,
    export_request,
    ready_file,
    sealed_zip_check,
    sealed_zip_name,
    sealed_zip_stream,
)
from .services.revocation import credential_revoke
from .services.seals import (
    SealTest,
    batch_authorise,
    formats_choose,
    seal_expires_soon,
    seal_install,
    seal_level,
    seal_source_csc,
    seal_source_description,
    seal_source_pkcs11,
    seal_source_software,
    seal_source_test,
    seal_wants_otp,
)
from .sheets import annotate_xlsx, build_template_csv, build_template_xlsx, read_sheet, validate_sheet
from .sheets.limits import SheetLimits


def _lang() -> str:
    return (get_language() or "en")[:2]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    entries = []
    for organisation in organisations_of(request.user).prefetch_related("seals"):
        seal = next((s for s in organisation.seals.all() if s.active), None)
        entries.append(
            {
                "organisation": organisation,
                "qualifications": accredited_qualifications(organisation),
                "seal": seal,
                "seal_expires_soon": bool(seal and seal_expires_soon(seal)),
                "batches": selectors.batches_of(request.user).filter(organisation=organisation)[:5],
                "is_admin": is_organisation_admin(request.user, organisation),
            }
        )
    return render(request, "issuing/dashboard.html", {"organisations": entries})


@login_required
@pages_errors
def seal_page(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, slug)
    is_admin = is_organisation_admin(request.user, organisation)
    modules = list(settings.PKCS11_MODULES)
    forms_ = {
        "upload": SealUploadForm(platform_admin=request.user.is_superuser),
        "formats": FormatsForm(initial={"credential_formats": organisation.credential_formats}),
        "pkcs11": Pkcs11SourceForm(modules=modules),
        "csc": CscSourceForm(),
    }
    test_result = None
    if request.method == "POST":
        which = request.POST.get("form", "upload")
        if not is_admin:
            organisation = selectors.organisation_for(request.user, slug, admin=True)
        try:
            done = _seal_page_post(request, organisation, which, forms_, modules)
        except ApplicationError as error:
            target = forms_.get(which)
            if target is None:
                raise
            target.add_error(None, error.message)
        else:
            if isinstance(done, SealTest):
                test_result = done
            elif done:
                messages.success(request, done)
                return redirect("issuing:seal", slug=slug)
    seals = list(selectors.seals_of(organisation))
    active = next((s for s in seals if s.active), None)
    return render(
        request,
        "issuing/seal.html",
        {
            "organisation": organisation,
            "active": active,
            "source_where": seal_source_description(active) if active else "",
            "last_test": selectors.audit_of(organisation).filter(action="seal_tested").first(),
            "test_result": test_result,
            "expires_soon": bool(active and seal_expires_soon(active)),
            "previous": [s for s in seals if not s.active],
            "form": forms_["upload"],
            "formats_form": forms_["formats"],
            "pkcs11_form": forms_["pkcs11"],
            "csc_form": forms_["csc"],
            "pkcs11_modules": modules,
            "secret_prefix": settings.SEAL_SECRET_ENV_PREFIX,
            "level": seal_level(),
            "tsa_host": urlsplit(settings.TSA_URL).netloc if settings.TSA_URL else "",
            "is_admin": is_admin,
        },
    )


def _seal_page_post(
    request: HttpRequest, organisation: Organisation, which: str, forms_: dict[str, Any], modules: list[str]
) -> str | SealTest | None:
    """One of the e-seal page's forms (administrators only): the message to show after redirecting, a test
    result to show at once, or None when the form has errors (shown with it)."""
    if which == "test":
        return seal_source_test(organisation=organisation, actor=request.user)
    if which == "software":
        seal = seal_source_software(organisation=organisation, actor=request.user)
        return _("The e-seal is again the uploaded key of %(subject)s.") % {"subject": seal.subject}
    if which == "formats":
        formats_form = forms_["formats"] = FormatsForm(request.POST)
        if not formats_form.is_valid():
            return None
        formats_choose(
            organisation=organisation,
            actor=request.user,
            formats=formats_form.cleaned_data["credential_formats"],
        )
        return _("From now on, credentials are sealed as: %(formats)s.") % {
            "formats": organisation.get_credential_formats_display()
        }
    if which == "pkcs11":
        token_form = forms_["pkcs11"] = Pkcs11SourceForm(request.POST, request.FILES, modules=modules)
        if not token_form.is_valid():
            return None
        data = token_form.cleaned_data
        upload = data.get("certificate")
        seal = seal_source_pkcs11(
            organisation=organisation,
            actor=request.user,
            config=Pkcs11Config(
                module=data["module"],
                token_label=data["token_label"],
                key_label=data["key_label"],
                key_id=data["key_id"],
                pin_env=data["pin_env"],
            ),
            certificate_pem=read_upload(upload, limit=64 * 1024) if upload else None,
        )
        return _("The e-seal is now the key on the token %(token)s: %(subject)s.") % {
            "token": data["token_label"],
            "subject": seal.subject,
        }
    if which == "csc":
        remote_form = forms_["csc"] = CscSourceForm(request.POST)
        if not remote_form.is_valid():
            return None
        data = remote_form.cleaned_data
        seal = seal_source_csc(
            organisation=organisation,
            actor=request.user,
            config=CscConfig(
                url=data["url"],
                client_id=data["client_id"],
                credential_id=data["credential_id"],
                secret_env=data["secret_env"],
                pin_env=data["pin_env"] or "",
                batch_size=data["batch_size"] or 100,
                otp=bool(data.get("otp")),
            ),
        )
        return _("The e-seal is now the remote credential %(credential)s: %(subject)s.") % {
            "credential": data["credential_id"],
            "subject": seal.subject,
        }
    upload_form = forms_["upload"] = SealUploadForm(
        request.POST, request.FILES, platform_admin=request.user.is_superuser
    )
    if not upload_form.is_valid():
        return None
    seal = seal_install(organisation=organisation, actor=request.user, **upload_form.payload())
    return _("The e-seal of %(subject)s is installed.") % {"subject": seal.subject}


@login_required
@require_GET
@pages_errors
def sheet_template(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, slug)
    codes = list(accredited_qualifications(organisation).values_list("code", flat=True))
    if fmt == "csv":
        response = HttpResponse(
            build_template_csv(qualification_codes=codes, lang=_lang()), content_type="text/csv"
        )
    else:
        fmt = "xlsx"
        response = HttpResponse(
            build_template_xlsx(qualification_codes=codes, lang=_lang()), content_type=XLSX
        )
    return attachment(response, f"credentials-{organisation.slug}.{fmt}")


@login_required
@pages_errors
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, slug)
    form = SheetUploadForm()
    if request.method == "POST":
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["sheet"]
            try:
                data = read_upload(upload_file, limit=SheetLimits.from_settings().max_bytes)
                batch = batch_upload(
                    organisation=organisation, actor=request.user, data=data, filename=upload_file.name
                )
            except ApplicationError as error:
                form.add_error("sheet", error.message)
            else:
                return redirect("issuing:batch", public_id=batch.public_id)
    return render(
        request,
        "issuing/upload.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@pages_errors
def batch_list(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_for(request.user, slug)
    page = Paginator(selectors.batches_of(request.user).filter(organisation=organisation), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "issuing/batch_list.html", {"organisation": organisation, "page": page})


def _credentials_page(request: HttpRequest, batch: Batch, progress: Progress) -> dict[str, object]:
    """The batch's credentials table (one page, one query) and what the live page needs to redraw it: the table's
    query, and keys telling whether the rows or the actions changed since the page last drew them."""
    search, status = request.GET.get("q", "").strip()[:100], request.GET.get("status", "")
    if status not in IssuedCredential.Status.values:
        status = ""
    # The table shows no document: the sealed files stay in the database (a poll every second reads 50 rows).
    shown = batch.credentials.defer("xml", "edc3", "learner")
    credentials = selectors.credential_search(shown, search=search, status=status)
    page = Paginator(credentials, 50).get_page(request.GET.get("page"))
    rows = hashlib.sha256(
        repr([(c.pk, c.status, c.delivery, c.failure_reason) for c in page]).encode()
    ).hexdigest()[:16]
    # A pause (the e-seal key cannot sign now) and its reason are part of what the page offers.
    wants_otp = bool(batch.paused_reason) and seal_wants_otp(batch.organisation)
    offers = progress.offers
    if batch.paused_reason:
        offers += (
            "|paused-" + hashlib.sha256(batch.paused_reason.encode()).hexdigest()[:8] + ("-otp" * wants_otp)
        )
    follow = {
        "q": search,
        "status": status,
        "page": str(page.number),
        "rows": rows,
        "offers": offers,
    }
    return {
        "page": page,
        "q": search,
        "status_filter": status,
        "statuses": IssuedCredential.Status.choices,
        "follow": json.dumps(follow),
        "rows_changed": request.GET.get("rows") != rows,
        "offers_changed": request.GET.get("offers") != offers,
        "wants_otp": wants_otp,
        # Deliveries are queued behind the sealing: the page keeps following until the last one is done.
        "delivering": selectors.batch_delivering(batch),
    }


def _review(request: HttpRequest, batch: Batch) -> dict[str, object]:
    """Everything a validated sheet will issue, before it is sealed: every row (50 a page, searched by name, email
    or learner ID), the qualifications awarded, and the first credential as it will look."""
    lang = _lang()
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.sheet_rows(batch, search=search), 50).get_page(request.GET.get("page"))
    return {
        "rows_page": page,
        "rows_shown": [selectors.sheet_row_shown(row) for row in page.object_list],
        "q": search,
        "qualifications": selectors.sheet_qualifications(batch, lang=lang),
        "visual": preview_visual(batch, lang=lang),
    }


@login_required
@pages_errors
def batch_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, public_id, without=("source",))
    progress = batch_progress(batch)
    context: dict[str, object] = {"batch": batch, "progress": progress}
    if batch.status == Batch.Status.VALIDATED:
        context.update(_review(request, batch))
    if batch.status in (Batch.Status.SEALING, Batch.Status.DONE, Batch.Status.CANCELLED):
        context.update(_credentials_page(request, batch, progress))
        export = batch.exports.first()
        context.update(export=export, export_outdated=bool(export and export_outdated(export)))
    return render(request, "issuing/batch_detail.html", context)


@login_required
@require_GET
@pages_errors
def batch_progress_partial(request: HttpRequest, public_id: str) -> HttpResponse:
    """The live batch page, polled every second while it is sealed: the bar, and, out of band, the status badge,
    the actions offered and the credentials table when they changed. Polling stops once the batch is finished."""
    batch = selectors.batch_for(request.user, public_id, without=("source", "rows"))
    progress = batch_progress(batch)
    said = batch_milestone(progress)
    announce = changed(said, request.GET.get("said"))
    context = {"batch": batch, "progress": progress, "said": said, "announce": announce, "live": True}
    context.update(_credentials_page(request, batch, progress))
    return render(request, "issuing/_progress_live.html", context)


@login_required
@require_POST
@pages_errors
def batch_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    if action not in {"confirm", "cancel", "retry", "authorise"}:
        raise Http404
    batch = selectors.batch_for(request.user, public_id)
    try:
        if action == "authorise":
            count = batch_authorise(batch=batch, actor=request.user, otp=request.POST.get("otp", ""))
            messages.success(
                request,
                ngettext(
                    "Authorised: %(count)s signature; sealing goes on.",
                    "Authorised: %(count)s signatures; sealing goes on.",
                    count,
                )
                % {"count": count},
            )
        elif action == "confirm":
            batch_confirm(batch=batch, actor=request.user)
            messages.success(request, _("Confirmed: the credentials are being sealed."))
        elif action == "cancel":
            count = batch_cancel(batch=batch, actor=request.user)
            messages.success(
                request,
                ngettext(
                    "Cancelled: %(count)s credential will not be sealed.",
                    "Cancelled: %(count)s credentials will not be sealed.",
                    count,
                )
                % {"count": count},
            )
        elif action == "retry":
            count = batch_retry_failed(batch=batch, actor=request.user)
            messages.success(
                request,
                ngettext(
                    "%(count)s failed credential is being sealed again.",
                    "%(count)s failed credentials are being sealed again.",
                    count,
                )
                % {"count": count},
            )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("issuing:batch", public_id=batch.public_id)


@login_required
@require_GET
@pages_errors
def batch_annotated(request: HttpRequest, public_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, public_id)
    raw = read_sheet(bytes(batch.source), filename=batch.filename)
    validation = validate_sheet(
        raw, organisation=batch.organisation, already_issued=already_issued(batch.organisation)
    )
    # The corrections are made as in the template: the qualification column keeps its drop-down.
    codes = list(accredited_qualifications(batch.organisation).values_list("code", flat=True))
    response = HttpResponse(
        annotate_xlsx(raw, validation, lang=_lang(), qualification_codes=codes), content_type=XLSX
    )
    # The uploader's file name, made safe by attachment().
    return attachment(response, f"{stem_of(batch.filename) or 'sheet'}-checked.xlsx")


@login_required
@require_GET
@pages_errors
def batch_zip(request: HttpRequest, public_id: str) -> HttpResponse:
    """Every sealed credential of the batch in each format it was sealed in (XML, EDC 3 JSON-LD), one zip streamed
    as it is written. PDFs are prepared by the workers (``batch_export``)."""
    batch = selectors.batch_for(request.user, public_id)
    try:
        sealed_zip_check(batch)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("issuing:batch", public_id=batch.public_id)
    response = StreamingHttpResponse(sealed_zip_stream(batch), content_type="application/zip")
    return attachment(response, sealed_zip_name(batch))  # type: ignore[return-value]  # streamed, a response all the same


@login_required
@require_POST
@pages_errors
def batch_export(request: HttpRequest, public_id: str) -> HttpResponse:
    """Ask the workers for the zip of XML and PDF; the batch page shows its progress, then the download."""
    batch = selectors.batch_for(request.user, public_id)
    try:
        export_request(batch=batch, actor=request.user, lang=_lang())
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(reverse("issuing:batch", kwargs={"public_id": batch.public_id}) + "#export")


@login_required
@require_GET
@pages_errors
def batch_export_progress(request: HttpRequest, public_id: str, export_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, public_id)
    export = selectors.export_for(batch, export_id)
    said = export_milestone(export)
    announce = changed(said, request.GET.get("said"))
    context = {"batch": batch, "export": export, "said": said, "announce": announce}
    return render(request, "issuing/_export.html", context)


@login_required
@require_GET
@pages_errors
def batch_export_download(request: HttpRequest, public_id: str, export_id: str) -> HttpResponse:
    batch = selectors.batch_for(request.user, public_id)
    export = selectors.export_for(batch, export_id)
    path = ready_file(export)
    response = FileResponse(path.open("rb"), content_type="application/zip")
    return attachment(response, download_name(export))  # type: ignore[return-value]  # streamed, a response all the same


@login_required
@pages_errors
def credential_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    credential = selectors.credential_for(request.user, public_id)
    form = RevokeForm()
    if request.method == "POST":
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                credential_revoke(
                    credential=credential, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The credential is revoked. Verifiers will see it at once."))
                return redirect("issuing:credential", public_id=credential.public_id)
    context = {
        "credential": credential,
        "form": form,
        "state": selectors.credential_state(credential),
        "visual": selectors.credential_visual(credential, lang=_lang()),
        "history": selectors.credential_history(credential),
    }
    return render(request, "issuing/credential_detail.html", context, status=400 if form.errors else 200)


def _sealed_file(
    request: HttpRequest, public_id: str, field: str, content_type: str, extension: str
) -> HttpResponse:
    """One sealed file of a credential, as sealed, byte for byte (back to its page when it has none)."""
    credential = selectors.credential_for(request.user, public_id)
    data = getattr(credential, field)
    if not data:
        return redirect("issuing:credential", public_id=credential.public_id)
    return attachment(
        HttpResponse(bytes(data), content_type=content_type), f"credential-{credential.public_id}.{extension}"
    )


@login_required
@require_GET
@pages_errors
def credential_xml(request: HttpRequest, public_id: str) -> HttpResponse:
    return _sealed_file(request, public_id, "xml", "application/xml", "xml")


@login_required
@require_GET
@pages_errors
def credential_edc3(request: HttpRequest, public_id: str) -> HttpResponse:
    """The sealed EDC 3 file (ELM 3 JSON-LD in a JAdES seal)."""
    return _sealed_file(request, public_id, "edc3", "application/ld+json", "jsonld")


@login_required
@require_GET
@pages_errors
def credential_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    """The credential's PDF (its visual representation, every sealed file attached), rendered on request."""
    credential = selectors.credential_for(request.user, public_id)
    document, companion = credential.sealed_documents()
    if not document:
        return redirect("issuing:credential", public_id=credential.public_id)
    pdf = pdf_of_sealed(
        xml=document,
        companion=companion,
        qr_url=settings.SITE_URL + reverse("verification:index"),
        lang=_lang(),
    )
    return attachment(
        HttpResponse(pdf, content_type="application/pdf"), f"credential-{credential.public_id}.pdf"
    )


@login_required
@pages_errors
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Who did what and when, with what it was about (the learner, the batch: linked), filtered by kind of action
    and by text, 50 a page."""
    organisation = selectors.organisation_for(request.user, slug)
    action, search = request.GET.get("action", ""), request.GET.get("q", "").strip()[:100]
    if action not in AuditEvent.Action.values:
        action = ""
    page = Paginator(selectors.audit_search(organisation, action=action, search=search), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "issuing/audit.html",
        {
            "organisation": organisation,
            "page": page,
            "events": selectors.audit_subjects(organisation, page.object_list),
            "actions": AuditEvent.Action.choices,
            "action": action,
            "q": search,
            "site_url": settings.SITE_URL,
        },
    )
