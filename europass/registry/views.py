"""Public pages of the register: HTML for people, the same data as JSON for machines (``Accept: application/json``
or ``?format=json``), like the EU's Qualification Data Register."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from .models import Organisation
from .selectors import (
    organisation_accreditations,
    organisation_document,
    qualification_document,
    qualification_list,
    qualification_with_awarding_bodies,
)

PAGE_SIZE = 50


def _wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json":
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _negotiated(
    request: HttpRequest, document: dict[str, Any], template: str, context: dict[str, Any]
) -> HttpResponse:
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Access-Control-Allow-Origin"] = "*"
    else:
        response = render(request, template, context)
    patch_vary_headers(response, ["Accept"])
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_GET
def qualification_index(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    try:
        eqf = int(request.GET.get("eqf", "") or 0) or None
    except ValueError:
        eqf = None
    if eqf is not None and not 1 <= eqf <= 8:
        eqf = None
    page = Paginator(qualification_list(search=search, eqf_level=eqf), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = urlencode({key: value for key, value in (("q", search), ("eqf", eqf)) if value})
    return render(
        request,
        "registry/qualification_list.html",
        {
            "qualifications": page.object_list,
            "page": page,
            "q": search,
            "eqf": eqf,
            "eqf_levels": range(1, 9),
            "query": query,
        },
    )


@require_GET
def qualification_detail(request: HttpRequest, code: str) -> HttpResponse:
    qualification = qualification_with_awarding_bodies(code)
    if qualification is None:
        raise Http404
    accreditations = list(qualification.accreditations.all())
    return _negotiated(
        request,
        qualification_document(qualification),
        "registry/qualification_detail.html",
        {"qualification": qualification, "accreditations": accreditations, "today": dt.date.today()},
    )


@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    accreditations = list(organisation_accreditations(organisation))
    return _negotiated(
        request,
        organisation_document(organisation, accreditations),
        "registry/organisation_detail.html",
        {"organisation": organisation, "accreditations": accreditations, "today": dt.date.today()},
    )
