"""``POST /api/v1/verify``: the same engine as the page and ``credential_verify``, for machines: the credential as the
body, as a multipart file, or a link to it (``{"url": ...}``, resolved as the page resolves one: ``verification.inputs``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from europass.core.errors import ApplicationError
from europass.core.throttling import WindowedScopedThrottle

from .inputs import verify_link
from .links import requested_on
from .reading import UnusableInput, max_upload_bytes
from .services import verify_upload

LINK_BODY_MAX_BYTES = 8 * 1024  # a {"url": ...} body; a credential is larger and never a lone "url" member


class XmlParser(BaseParser):
    """The raw body, untouched (parsed later, safely, by the verifier): never decoded here, nor re-encoded."""

    media_type = "application/xml"

    def parse(  # type: ignore[override]
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        limit = max_upload_bytes()
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            from .reading import InputTooLarge

            raise InputTooLarge(f"The body is too large (at most {limit // (1024 * 1024)} MB).")
        return bytes(data)


class TextXmlParser(XmlParser):
    media_type = "text/xml"


class PdfParser(XmlParser):
    media_type = "application/pdf"


class JsonParser(XmlParser):
    """An EDC 3 credential as JSON: its bytes exactly as sent, never json-decoded and re-encoded (a JAdES seal
    covers the payload's bytes; the same JSON with other spacing or key order does not verify)."""

    media_type = "application/json"


class JsonLdParser(JsonParser):
    media_type = "application/ld+json"


class JoseJsonParser(JsonParser):
    """The JWS JSON serialization of a JAdES-sealed credential (RFC 7515 ``application/jose+json``)."""

    media_type = "application/jose+json"


class VcLdJsonParser(JsonParser):
    """A verifiable credential as JSON-LD (the W3C media type ``application/vc+ld+json``)."""

    media_type = "application/vc+ld+json"


RAW_PARSERS = (XmlParser, TextXmlParser, PdfParser, JsonParser, JsonLdParser, JoseJsonParser, VcLdJsonParser)
RAW_MEDIA_TYPES = frozenset(parser.media_type for parser in RAW_PARSERS)

_BINARY = {"type": "string", "format": "binary"}
_JSON_DOCUMENT = {
    "type": "object",
    "additionalProperties": True,
    "description": (
        "An EDC 3 credential (ELM 3 JSON-LD, W3C VC 1.1) sealed with JAdES in the JWS JSON serialization "
        '(`{"payload": "...", "signatures": [...]}`), sent byte for byte as issued: the seal covers the payload\'s '
        "bytes, so a client must not parse and re-serialise it."
    ),
}
_LINK = {
    "type": "object",
    "properties": {
        "url": {
            "type": "string",
            "format": "uri",
            "description": "A share link of this portal (opened here, without the network), or another public "
            "address serving the credential (fetched safely: public addresses only, size cap, short timeouts)",
        }
    },
    "required": ["url"],
    "additionalProperties": False,
}


class CheckSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField(help_text="well_formed, schema_valid, seal_intact, certificate_trusted, ...")
    status = serializers.ChoiceField(choices=["passed", "failed", "warning", "not_applicable"])
    message = serializers.CharField()
    details = serializers.DictField()
    ec_check = serializers.CharField(allow_null=True, help_text="The European Commission's check URI")
    ec_status = serializers.CharField()


class ReportSerializer(serializers.Serializer):  # type: ignore[type-arg]
    valid = serializers.BooleanField(help_text="No check failed")
    verdict = serializers.ChoiceField(choices=["verified", "partially_verified", "failed"])
    checks = CheckSerializer(many=True)
    seal = serializers.DictField(allow_null=True)
    credential = serializers.DictField(
        allow_null=True, help_text="Holder, title, awarding body, dates: read only from the signed data"
    )


class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    error = serializers.CharField()
    detail = serializers.CharField()


def _lang(request: Request) -> str:
    asked = str(request.query_params.get("lang", "") or "")
    return (asked or get_language() or "en")[:2]


class VerifyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [WindowedScopedThrottle]
    throttle_scope = "verify"
    parser_classes = [*RAW_PARSERS, MultiPartParser]

    @extend_schema(
        operation_id="verify_credential",
        summary="Verify a credential: its seal, its issuer's trust, revocation and the register",
        description=(
            "Send the credential as the request body: Europass XML (ELM v2) as `application/xml` or `text/xml`; an "
            "EDC 3 credential (ELM 3 JSON-LD sealed with JAdES) as `application/json`, `application/ld+json` or "
            "`application/jose+json` or `application/vc+ld+json`, byte for byte as issued (never parsed and re-serialised: the seal covers the "
            "exact bytes); or `application/pdf` for a PDF carrying either (attached as `credential.xml` or "
            "`credential.jsonld`). Or send it as `multipart/form-data` with the file in the field `file`. "
            'Or send a link to it: `{"url": "https://..."}` as `application/json` (or the multipart field `url`): '
            "a share link of this portal is opened here, another address is fetched safely; a share link that "
            "ended answers 404 or 410, an address that cannot be opened or is not a share link of this portal 400. "
            "The answer is the verification report: 200 when no check failed (verdict `verified` or "
            "`partially_verified`), 422 with the same report when a check failed (broken seal, revoked, expired, "
            "untrusted...), 400 when the input cannot be read as a credential (neither XML nor JSON, unsafe XML "
            "such as DTDs or entities, JSON nested too deeply or with a key twice, JSON that is not a credential, a "
            "PDF without a credential), 413 when too large, 415 for another content type, 429 when the client "
            "sends too many requests. Anonymous; rate-limited per client."
        ),
        parameters=[OpenApiParameter("lang", str, description="en or fr: language of the messages")],
        request={
            "application/xml": _BINARY,
            "text/xml": _BINARY,
            "application/json": {"oneOf": [_JSON_DOCUMENT, _LINK]},
            "application/ld+json": _JSON_DOCUMENT,
            "application/jose+json": _JSON_DOCUMENT,
            "application/vc+ld+json": _JSON_DOCUMENT,
            "application/pdf": _BINARY,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}, "url": {"type": "string"}},
            },
        },
        responses={
            200: ReportSerializer,
            422: OpenApiResponse(ReportSerializer, description="A check failed: the report says which"),
            400: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
            429: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Verified",
                response_only=True,
                status_codes=["200"],
                value={
                    "valid": True,
                    "verdict": "verified",
                    "checks": [
                        {
                            "code": "seal_intact",
                            "status": "passed",
                            "message": "The seal is intact: the credential has not been changed since it was sealed.",
                            "details": {},
                            "ec_check": "http://data.europa.eu/snb/verification/f9c2016fe9",
                            "ec_status": "http://data.europa.eu/snb/verification-status/9895008394",
                        }
                    ],
                    "seal": {"level": "qualified"},
                    "credential": {"title": "Bachelor of Computer Science"},
                },
            ),
            OpenApiExample(
                "Revoked",
                description="The same report, with the check that failed: here the awarding body revoked it.",
                response_only=True,
                status_codes=["422"],
                value={
                    "valid": False,
                    "verdict": "failed",
                    "checks": [
                        {
                            "code": "seal_intact",
                            "status": "passed",
                            "message": "The seal is intact: the credential has not been changed since it was sealed.",
                            "details": {},
                            "ec_check": "http://data.europa.eu/snb/verification/f9c2016fe9",
                            "ec_status": "http://data.europa.eu/snb/verification-status/9895008394",
                        },
                        {
                            "code": "not_revoked",
                            "status": "failed",
                            "message": "The awarding body revoked this credential on 2025-09-01.",
                            "details": {
                                "status_list": "https://portal.example/status/0b9f4c52-6f1e-4a7e-9d51-3c2a8e1f7b10",
                                "index": 42,
                                "source": "this portal",
                                "revoked_at": "2025-09-01T08:30:00+00:00",
                            },
                            "ec_check": "http://data.europa.eu/snb/verification/271aef9eb4",
                            "ec_status": "http://data.europa.eu/snb/verification-status/9d26eb9a37",
                        },
                    ],
                    "seal": {"level": "qualified"},
                    "credential": {"title": "Bachelor of Computer Science"},
                },
            ),
            OpenApiExample(
                "Unreadable input",
                response_only=True,
                status_codes=["400"],
                value={
                    "error": "unknown_format",
                    "detail": "This is not a credential format this verifier reads (Europass XML, or EDC 3 "
                    "JSON-LD).",
                },
            ),
        ],
        tags=["Verification"],
    )
    def post(self, request: Request) -> Response:
        with requested_on(request):  # in development, links on the address used are this portal's own
            return self._verify(request)

    def _verify(self, request: Request) -> Response:
        lang = _lang(request)
        media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if isinstance(request.data, bytes | bytearray):
            data, filename = bytes(request.data), ""
        elif media_type in RAW_MEDIA_TYPES:  # an empty body: DRF gives no bytes to parse
            data, filename = b"", ""
        else:
            upload = request.FILES.get("file")
            link = request.data.get("url") if hasattr(request.data, "get") else None
            if upload is None and link:
                return self._answer(verify_link(_valid_url(link)), lang)
            if upload is None:
                raise ApplicationError(
                    "Send the credential as the request body (application/xml, application/json, "
                    "application/ld+json, application/jose+json, application/vc+ld+json or application/pdf) or in the multipart field "
                    "'file'.",
                    code="file_missing",
                )
            limit = max_upload_bytes()
            if upload.size is not None and upload.size > limit:
                from .reading import InputTooLarge

                raise InputTooLarge(f"The file is too large (at most {limit // (1024 * 1024)} MB).")
            data, filename = upload.read(limit + 1), upload.name or ""
        url = _link_in(data, media_type)
        report = verify_link(url) if url is not None else verify_upload(data=data, filename=filename)
        return self._answer(report, lang)

    def _answer(self, report: Any, lang: str) -> Response:
        well_formed = report.check("well_formed")
        if well_formed is not None and well_formed.status == "failed":
            raise UnusableInput(
                well_formed.message(lang), code=str(well_formed.details.get("reason") or "unreadable")
            )
        return Response(report.to_dict(lang), status=200 if report.valid else 422)


def _valid_url(value: Any) -> str:
    url = str(value or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ApplicationError(_("The link is not an http or https address."), code="invalid_url") from None
    return url


def _link_in(data: bytes, media_type: str) -> str | None:
    """The link of a ``{"url": ...}`` JSON body, else None (the body is then the credential itself)."""
    if (
        media_type != "application/json"
        or len(data) > LINK_BODY_MAX_BYTES
        or not data.lstrip().startswith(b"{")
    ):
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or set(body) != {"url"}:
        return None
    return _valid_url(body["url"])
