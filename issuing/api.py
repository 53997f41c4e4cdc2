"""The issuing API: upload a sheet, confirm, follow progress, list, revoke, issue one credential from JSON, prepare
and download a batch as a zip of XML and PDF."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from europass.core.downloads import attachment
from europass.core.errors import ApplicationError

from . import selectors
from .forms import read_upload
from .models import Batch, BatchExport, IssuedCredential
from .services.batches import batch_confirm, batch_progress, batch_upload, batches_progress
from .services.exports import download_name, export_request, ready_file
from .services.issue_one import credential_issue_one
from .services.revocation import credential_revoke
from .services.seals import batch_authorise
from .sheets.limits import SheetLimits


class ProblemSerializer(serializers.Serializer):  # type: ignore[type-arg]
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_blank=True, allow_null=True)
    value = serializers.CharField(allow_blank=True, allow_null=True)
    message = serializers.CharField()
    severity = serializers.CharField()


class BatchOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="public_id")
    organisation = serializers.CharField(source="organisation.slug")
    filename = serializers.CharField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    problems = ProblemSerializer(many=True)
    created_at = serializers.DateTimeField()
    progress = serializers.SerializerMethodField()
    paused_reason = serializers.CharField(
        help_text="Why sealing waits (the e-seal key's device or service cannot sign now), empty when it does not: "
        "the batch goes on by itself when the key works again."
    )
    paused_at = serializers.DateTimeField(allow_null=True)

    def get_progress(self, batch: Batch) -> dict[str, Any]:
        return batch_progress(batch).to_json()


class CredentialOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="public_id")
    credential_id = serializers.CharField()
    batch = serializers.UUIDField(source="batch.public_id", allow_null=True, default=None)
    row = serializers.IntegerField(source="row_number", allow_null=True)
    holder_name = serializers.CharField()
    holder_email = serializers.EmailField()
    learner_id = serializers.CharField()
    qualification = serializers.CharField(source="qualification.code")
    award_date = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    failure_reason = serializers.CharField()
    delivery = serializers.CharField()
    sealed_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    formats = serializers.SerializerMethodField(
        help_text="The sealed documents of this credential: xml (Europass XML, XAdES), edc3 (EDC 3 JSON-LD, JAdES)."
    )

    def get_formats(self, credential: IssuedCredential) -> list[str]:
        annotated = getattr(credential, "has_xml", None), getattr(credential, "has_edc3", None)
        if None in annotated:  # one credential: its documents are loaded anyway
            annotated = bool(credential.xml), bool(credential.edc3)
        return [name for name, present in zip(("xml", "edc3"), annotated, strict=True) if present]


class BatchUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a spreadsheet (XLSX, ODS or CSV): the whole sheet is validated, nothing is sealed yet",
        request={"multipart/form-data": inline_serializer("SheetUpload", {"file": serializers.FileField()})},
        responses={201: BatchOutput},
    )
    def post(self, request: Request, slug: str) -> Response:
        organisation = selectors.organisation_for(request.user, slug)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("Send the spreadsheet in the multipart field 'file'.", code="file_missing")
        data = read_upload(upload, limit=SheetLimits.from_settings().max_bytes)
        batch = batch_upload(
            organisation=organisation, actor=request.user, data=data, filename=upload.name or "sheet"
        )
        return Response(BatchOutput(batch).data, status=201)


class ProgressOutput(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=Batch.Status.choices)
    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    sealed = serializers.IntegerField()
    failed = serializers.IntegerField()
    revoked = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    rows_with_errors = serializers.IntegerField()
    percent = serializers.IntegerField()
    rate_per_second = serializers.FloatField(allow_null=True)
    seconds_left = serializers.FloatField(allow_null=True)


class BatchSummaryOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="public_id")
    organisation = serializers.CharField(source="organisation.slug")
    filename = serializers.CharField()
    status = serializers.ChoiceField(choices=Batch.Status.choices)
    total = serializers.IntegerField(help_text="Learner rows of the sheet")
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="The batch with its validation result and live progress"
    )

    @extend_schema_field(ProgressOutput)
    def get_progress(self, batch: Batch) -> dict[str, Any]:
        return self.context["progress"][batch.pk].to_json()  # type: ignore[no-any-return]

    def get_url(self, batch: Batch) -> str:
        return reverse("issuing-api-batch", args=[batch.public_id])


class BatchPages(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class BatchListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = BatchSummaryOutput
    pagination_class = BatchPages

    @extend_schema(
        summary="The batches of my organisations, newest first, a page at a time",
        parameters=[
            OpenApiParameter(
                "status", str, enum=Batch.Status.values, description="only the batches in this state"
            ),
            OpenApiParameter(
                "organisation", str, description="only the batches of this organisation (its slug)"
            ),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = selectors.batches_of(self.request.user)
        status = self.request.query_params.get("status", "")
        if status:
            if status not in Batch.Status.values:
                raise ApplicationError(
                    _("Unknown status: use one of %(statuses)s.")
                    % {"statuses": ", ".join(Batch.Status.values)},
                    code="unknown_status",
                )
            qs = qs.filter(status=status)
        slug = self.request.query_params.get("organisation", "")
        if slug:
            qs = qs.filter(organisation=selectors.organisation_for(self.request.user, slug))
        # The sheet's file and rows stay in the database: a page of 100 batches reads neither (its problems are
        # read: they count an invalid batch's rows with errors).
        return qs.defer("source", "rows").order_by("-created_at", "-pk")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # always paginated
        progress = batches_progress(page)
        return self.get_paginated_response(
            BatchSummaryOutput(page, many=True, context={"progress": progress}).data
        )


class BatchDetailApi(APIView):
    @extend_schema(summary="A batch with its validation result and live progress", responses=BatchOutput)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(BatchOutput(selectors.batch_for(request.user, public_id)).data)


class BatchConfirmApi(APIView):
    @extend_schema(
        summary="Confirm a valid batch: its credentials are sealed by the workers",
        request=None,
        responses=BatchOutput,
    )
    def post(self, request: Request, public_id: str) -> Response:
        batch = batch_confirm(batch=selectors.batch_for(request.user, public_id), actor=request.user)
        return Response(BatchOutput(batch).data, status=202)


class AuthoriseInput(serializers.Serializer):  # type: ignore[type-arg]
    otp = serializers.CharField(
        max_length=64, help_text="The one-time password shown by the seal holder's device"
    )


class BatchAuthoriseApi(APIView):
    @extend_schema(
        summary="Authorise a batch at the remote sealing service with a one-time password",
        description="For an organisation whose remote e-seal (CSC API) asks for a one-time password: the remaining "
        "signatures of the batch are authorised and its sealing goes on. The password is never stored.",
        request=AuthoriseInput,
        responses=BatchOutput,
    )
    def post(self, request: Request, public_id: str) -> Response:
        batch = selectors.batch_for(request.user, public_id)
        data = AuthoriseInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch_authorise(batch=batch, actor=request.user, otp=data.validated_data["otp"])
        batch.refresh_from_db()
        return Response(BatchOutput(batch).data, status=202)


class ExportOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.UUIDField(source="public_id")
    batch = serializers.UUIDField(source="batch.public_id")
    status = serializers.ChoiceField(choices=BatchExport.Status.values)
    lang = serializers.CharField()
    total = serializers.IntegerField()
    rendered = serializers.IntegerField()
    percent = serializers.IntegerField()
    size_bytes = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField()

    def get_download(self, export: BatchExport) -> str | None:
        if export.status != BatchExport.Status.READY:
            return None
        return reverse("issuing-api-batch-export-zip", args=[export.batch.public_id, export.public_id])


class BatchExportApi(APIView):
    @extend_schema(
        summary="Prepare the batch as one zip of XML and PDF: the workers render it; follow it, then download it",
        parameters=[OpenApiParameter("lang", str, enum=["en", "fr"], description="language of the PDFs")],
        request=None,
        responses={202: ExportOutput},
    )
    def post(self, request: Request, public_id: str) -> Response:
        batch = selectors.batch_for(request.user, public_id)
        lang = str(request.query_params.get("lang", "") or get_language() or "en")[:2]
        export = export_request(batch=batch, actor=request.user, lang=lang)
        return Response(ExportOutput(export).data, status=202)


class BatchExportDetailApi(APIView):
    @extend_schema(
        summary="Progress of a zip being prepared, and its download address when ready",
        responses=ExportOutput,
    )
    def get(self, request: Request, public_id: str, export_id: str) -> Response:
        batch = selectors.batch_for(request.user, public_id)
        return Response(ExportOutput(selectors.export_for(batch, export_id)).data)


class BatchExportZipApi(APIView):
    @extend_schema(
        summary="Download a prepared zip of XML and PDF", responses={(200, "application/zip"): bytes}
    )
    def get(self, request: Request, public_id: str, export_id: str) -> FileResponse:
        batch = selectors.batch_for(request.user, public_id)
        export = selectors.export_for(batch, export_id)
        path = ready_file(export)
        return attachment(
            FileResponse(path.open("rb"), content_type="application/zip"), download_name(export)
        )


class BatchCredentialsApi(APIView):
    @extend_schema(
        summary="The credentials of a batch",
        parameters=[
            OpenApiParameter("status", str, enum=IssuedCredential.Status.values),
            OpenApiParameter("q", str, description="name, email or learner ID"),
        ],
        responses=CredentialOutput(many=True),
    )
    def get(self, request: Request, public_id: str) -> Response:
        batch = selectors.batch_for(request.user, public_id)
        qs = selectors.credential_search(
            batch.credentials.all(),
            search=request.query_params.get("q", "")[:100],
            status=request.query_params.get("status", ""),
        ).select_related("batch", "qualification")
        # The list says which sealed documents exist without loading them (up to 5,000 documents of ~20 KB).
        qs = qs.defer("xml", "edc3").annotate(
            has_xml=ExpressionWrapper(Q(xml__isnull=False), output_field=BooleanField()),
            has_edc3=ExpressionWrapper(Q(edc3__isnull=False), output_field=BooleanField()),
        )
        return Response(CredentialOutput(qs[:5000], many=True).data)


class IssueOneInput(serializers.Serializer):  # type: ignore[type-arg]
    learner_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    given_name = serializers.CharField(max_length=200)
    family_name = serializers.CharField(max_length=200)
    date_of_birth = serializers.CharField()
    email = serializers.CharField(max_length=254)
    qualification_code = serializers.CharField(max_length=64)
    award_date = serializers.CharField()
    valid_until = serializers.CharField(required=False, allow_blank=True)
    grade = serializers.CharField(required=False, allow_blank=True, max_length=100)
    credits = serializers.CharField(required=False, allow_blank=True, max_length=20)
    language = serializers.CharField(required=False, allow_blank=True, max_length=5)
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=100)


class IssueOneApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Issue one credential from JSON (validated with the same rules as a sheet row)",
        request=IssueOneInput,
        responses={202: CredentialOutput},
    )
    def post(self, request: Request, slug: str) -> Response:
        organisation = selectors.organisation_for(request.user, slug)
        data = IssueOneInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = credential_issue_one(
            organisation=organisation, actor=request.user, fields=dict(data.validated_data)
        )
        return Response(CredentialOutput(credential).data, status=202)


class CredentialDetailApi(APIView):
    @extend_schema(summary="One issued credential", responses=CredentialOutput)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(CredentialOutput(selectors.credential_for(request.user, public_id)).data)


class CredentialXmlApi(APIView):
    @extend_schema(summary="The sealed XML of one credential", responses={(200, "application/xml"): bytes})
    def get(self, request: Request, public_id: str) -> HttpResponse:
        credential = selectors.credential_for(request.user, public_id)
        if not credential.xml:
            if credential.edc3:
                raise ApplicationError(
                    "This credential was sealed in EDC 3 only: its organisation does not issue Europass XML.",
                    code="no_xml",
                )
            raise ApplicationError("This credential is not sealed yet.", code="not_sealed")
        return HttpResponse(bytes(credential.xml), content_type="application/xml")


class CredentialEdc3Api(APIView):
    @extend_schema(
        summary="The sealed EDC 3 document of one credential (ELM 3 JSON-LD sealed with JAdES)",
        responses={(200, "application/ld+json"): bytes},
    )
    def get(self, request: Request, public_id: str) -> HttpResponse:
        credential = selectors.credential_for(request.user, public_id)
        if not credential.edc3:
            if credential.xml:
                raise ApplicationError(
                    "This credential was sealed in Europass XML only: its organisation does not issue EDC 3.",
                    code="no_edc3",
                )
            raise ApplicationError("This credential is not sealed yet.", code="not_sealed")
        return HttpResponse(bytes(credential.edc3), content_type="application/ld+json")


class RevokeInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000)


class CredentialRevokeApi(APIView):
    @extend_schema(
        summary="Revoke a sealed credential (published at once in its status list)",
        request=RevokeInput,
        responses=CredentialOutput,
    )
    def post(self, request: Request, public_id: str) -> Response:
        credential = selectors.credential_for(request.user, public_id)
        data = RevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = credential_revoke(
            credential=credential, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(CredentialOutput(credential).data)
