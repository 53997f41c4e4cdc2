from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from .models import StatusList
from .selectors import status_list_credential
from .signing import MEDIA_TYPE, signed_status_list


def _wants_signed(request: HttpRequest) -> bool:
    return request.GET.get("format") == "jwt" or MEDIA_TYPE in request.headers.get("Accept", "")


@require_GET
def status_list(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Public: the Bitstring Status List credential that verifiers read; signed with the organisation's e-seal
    (``application/vc+jwt``) when asked for it by ``Accept`` or ``?format=jwt``, plain JSON otherwise."""
    found = get_object_or_404(StatusList.objects.select_related("organisation"), public_id=public_id)
    token = signed_status_list(found) if _wants_signed(request) else None
    response: HttpResponse
    if token is not None:
        response = HttpResponse(token, content_type=MEDIA_TYPE)
    else:
        response = JsonResponse(status_list_credential(found), json_dumps_params={"indent": 1})
        response["Content-Type"] = "application/vc+ld+json"
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    patch_cache_control(response, public=True, max_age=60)
    return response
