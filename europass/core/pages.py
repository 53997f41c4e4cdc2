"""Page glue: map the ApplicationError family to pages once (404 and 403 pages, or a message on the form)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .errors import NotFound, PermissionDenied

View = Callable[..., HttpResponse]


def pages_errors(view: View) -> View:
    """NotFound → the 404 page, PermissionDenied → the 403 page. Other ApplicationErrors are the view's to show."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message) from None

    return wrapper
