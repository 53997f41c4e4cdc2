from __future__ import annotations

import uuid

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from .models import StatusList
from .selectors import status_list_credential


@require_GET
def status_list(request: HttpRequest, public_id: uuid.UUID) -> JsonResponse:
    """Public: the Bitstring Status List credential that verifiers read."""
    found = get_object_or_404(StatusList.objects.select_related("organisation"), public_id=public_id)
    response = JsonResponse(status_list_credential(found), json_dumps_params={"indent": 1})
    response["Content-Type"] = "application/vc+ld+json"
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=60)
    return response
