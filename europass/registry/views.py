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
    awarding_body_list,
    organisation_accreditations,
    organisation_document,
    qualification_document,
    qualification_list,
    qualification_with_awarding_bodies,
)
from .vocabulary import eqf_description, eqf_url

PAGE_SIZE = 50
HOME_PAGE_SIZE = 20


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


def _filters(request: HttpRequest) -> tuple[str, int | None]:
    search = request.GET.get("q", "").strip()[:100]
    try:
        eqf = int(request.GET.get("eqf", "") or 0) or None
    except ValueError:
        eqf = None
    if eqf is not None and not 1 <= eqf <= 8:
        eqf = None
    return search, eqf


def _query(**params: object) -> str:
    """The query string of the given parameters that are set (for the pagers' links)."""
    return urlencode({key: value for key, value in params.items() if value})


def _eqf_levels() -> list[dict[str, object]]:
    return [{"level": level, "description": eqf_description(level)} for level in range(1, 9)]


@require_GET
def register_home(request: HttpRequest) -> HttpResponse:
    """The register's home: its qualifications and its awarding bodies, searched together, each list paged."""
    search, eqf = _filters(request)
    qualifications = Paginator(qualification_list(search=search, eqf_level=eqf), HOME_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    bodies = Paginator(awarding_body_list(search=search), HOME_PAGE_SIZE).get_page(request.GET.get("bodies"))
    return render(
        request,
        "registry/home.html",
        {
            "qualifications": qualifications.object_list,
            "page": qualifications,
            "bodies": bodies.object_list,
            "bodies_page": bodies,
            "q": search,
            "eqf": eqf,
            "eqf_levels": _eqf_levels(),
            "eqf_url": eqf_url(),
            # each pager keeps the search and the other list's page
            "query": _query(q=search, eqf=eqf, bodies=request.GET.get("bodies", "")[:6]),
            "bodies_query": _query(q=search, eqf=eqf, page=request.GET.get("page", "")[:6]),
        },
    )


@require_GET
def qualification_index(request: HttpRequest) -> HttpResponse:
    search, eqf = _filters(request)
    page = Paginator(qualification_list(search=search, eqf_level=eqf), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/qualification_list.html",
        {
            "qualifications": page.object_list,
            "page": page,
            "q": search,
            "eqf": eqf,
            "eqf_levels": _eqf_levels(),
            "eqf_url": eqf_url(),
            "query": _query(q=search, eqf=eqf),
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
        {
            "qualification": qualification,
            "accreditations": accreditations,
            "today": dt.date.today(),
            "eqf_url": eqf_url(),
        },
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
