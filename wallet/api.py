"""The wallet's JSON API (session or token auth): my credentials, downloads, share links, upload."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from europass.core.errors import ApplicationError
from europass.core.throttling import WindowedScopedThrottle

from . import presenting, selectors, services, views
from .forms import MAX_UPLOAD_BYTES
from .models import ShareLink, WalletCredential


def _lang(request: Request) -> str:
    requested = str(request.query_params.get("lang", "") or "")
    return requested if requested in ("en", "fr") else (get_language() or "en")[:2]


class WalletCredentialOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="credential.public_id")
    credential_id = serializers.CharField(source="credential.credential_id")
    title = serializers.CharField()
    awarding_body = serializers.CharField()
    awarded_on = serializers.DateField(source="credential.awarded_on", allow_null=True)
    valid_until = serializers.DateTimeField(source="credential.valid_until", allow_null=True)
    status = serializers.ChoiceField(choices=["valid", "revoked", "expired"])
    verdict = serializers.ChoiceField(
        choices=["verified", "partially_verified", "failed"],
        allow_null=True,
        help_text="The verifier's verdict when the credential was uploaded (null when none was recorded: issued on "
        "this portal, or kept before verdicts were recorded). The live verification is in the credential's detail.",
    )
    origin = serializers.CharField(source="credential.source", help_text="issued, claimed or uploaded")
    warning = serializers.DictField(source="credential.warning", child=serializers.CharField())
    received_at = serializers.DateTimeField(source="credential.received_at")


class ShareLinkOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    url = serializers.SerializerMethodField(
        help_text="The public address, given once in the answer that creates the link (its token is stored "
        "hashed); null afterwards."
    )
    purpose = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    view_count = serializers.IntegerField()
    last_viewed_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, link: ShareLink) -> str | None:
        return presenting.share_url(link) if link.token else None


class ShareLinkInput(serializers.Serializer[Any]):
    expires_at = serializers.DateTimeField(required=False, help_text="Default: in 30 days; at most one year.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


def _card(credential: WalletCredential, lang: str) -> selectors.Card:
    (card,) = selectors.cards_of([credential], lang=lang)
    return card


class CredentialListApi(APIView):
    parser_classes = [MultiPartParser]
    throttle_scope = views.UPLOAD_SCOPE  # uploads only, per citizen, counted with the upload page

    def get_throttles(self) -> list[Any]:
        return [WindowedScopedThrottle()] if self.request.method == "POST" else []

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise exceptions.Throttled(wait, detail=views.upload_wait_message(wait or 1))

    @extend_schema(responses=WalletCredentialOutput(many=True), summary="List the credentials of my wallet")
    def get(self, request: Request) -> Response:
        cards = selectors.credential_cards(request.user, lang=_lang(request))  # type: ignore[arg-type]
        return Response(WalletCredentialOutput(cards, many=True).data)

    @extend_schema(
        summary="Upload a credential obtained elsewhere (Europass XML, EDC 3 JSON-LD, or a PDF carrying either); "
        "it is verified first",
        request={"multipart/form-data": inline_serializer("UploadInput", {"file": serializers.FileField()})},
        responses={
            201: WalletCredentialOutput,
            400: OpenApiResponse(description="Broken seal or unreadable file"),
            409: OpenApiResponse(
                description="Already in the wallet, or the wallet holds the most uploads it can"
            ),
            429: OpenApiResponse(description="Too many uploads for now: retry after the Retry-After seconds"),
        },
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError(
                _("Send the credential file in the multipart field 'file'."), code="no_file"
            )
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ApplicationError(_("The file is too large (10 MB at most)."), code="file_too_large")
        result = services.credential_upload(
            owner=request.user,  # type: ignore[arg-type]
            data=upload.read(),
            filename=upload.name or "",
        )
        return Response(
            WalletCredentialOutput(_card(result.credential, _lang(request))).data,
            status=status.HTTP_201_CREATED,
        )


class CredentialDetailApi(APIView):
    @extend_schema(
        summary="One credential of my wallet with its live verification",
        responses=inline_serializer(
            "WalletCredentialDetail",
            {"credential": WalletCredentialOutput(), "verification": serializers.DictField()},
        ),
    )
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
        report = presenting.verify_xml(bytes(credential.xml))
        return Response(
            {
                "credential": WalletCredentialOutput(_card(credential, _lang(request))).data,
                "verification": report.to_dict(_lang(request)),
            }
        )

    @extend_schema(summary="Remove a credential from my wallet (its share links stop)", responses={204: None})
    def delete(self, request: Request, public_id: uuid.UUID) -> Response:
        credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
        services.credential_delete(credential=credential)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialDownloadApi(APIView):
    formats = {"xml": views.xml_response, "pdf": views.pdf_response, "jsonld": views.jsonld_response}

    @extend_schema(
        summary="Download a credential: sealed XML (byte-identical), PDF, or JSON-LD (an EDC 3 credential's own "
        "sealed JSON-LD, byte-identical; for XML, W3C VC v2 + ELM). An EDC 3 credential has no xml form (404).",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, public_id: uuid.UUID, fmt: str) -> HttpResponse:
        credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
        if fmt not in self.formats:
            raise ApplicationError(_("Unknown format: use xml, pdf or jsonld."), code="unknown_format")
        return self.formats[fmt](credential)


class ShareLinkListApi(APIView):
    @extend_schema(summary="Active share links of a credential", responses=ShareLinkOutput(many=True))
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
        return Response(ShareLinkOutput(selectors.share_links_of(credential), many=True).data)

    @extend_schema(
        summary="Create a share link (its address is in this answer only)",
        request=ShareLinkInput,
        responses={201: ShareLinkOutput},
    )
    def post(self, request: Request, public_id: uuid.UUID) -> Response:
        credential = selectors.credential_of(request.user, public_id)  # type: ignore[arg-type]
        data = ShareLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.share_link_create(
            credential=credential,
            expires_at=data.validated_data.get("expires_at"),
            note=data.validated_data.get("note", ""),
        )
        return Response(ShareLinkOutput(link).data, status=status.HTTP_201_CREATED)


class ShareLinkRevokeApi(APIView):
    @extend_schema(summary="Revoke a share link at once", request=None, responses=ShareLinkOutput)
    def post(self, request: Request, link_id: uuid.UUID) -> Response:
        link = selectors.share_link_of(request.user, link_id)  # type: ignore[arg-type]
        services.share_link_revoke(link=link)
        link.refresh_from_db()
        return Response(ShareLinkOutput(link).data)
