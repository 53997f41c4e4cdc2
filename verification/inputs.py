"""What a person or a client gives the verifier, made the document to verify: a file, pasted text, or a link.

Used by the page (``views.index``) and the API (``POST /api/v1/verify`` with ``{"url": ...}``): a link of this portal
(``links.own_path``: ``SITE_URL``, or in development the address the request came in on) opens the credential it
shares by URL routing, without the network; any other address is fetched safely (public addresses only, size cap,
short timeouts). Nothing given is kept: the caller verifies the document and keeps only its report.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from europass.core.errors import ApplicationError
from europass.sealing.report import VerificationReport

from .fetch import FetchError, fetch_public
from .links import own_path, xml_for_local_link
from .reading import document_of_upload, max_upload_bytes


def document_from_link(url: str) -> bytes:
    """The credential document a link leads to. Raises an ``ApplicationError`` (not a share link of this portal, a
    share link that ended, an address that cannot be opened, nothing readable there)."""
    path = own_path(url)
    if path is not None:
        for candidate in (path, path.rstrip("/") + "/"):  # a pasted link may have lost its final slash
            document = xml_for_local_link(candidate)  # XML or JSON-LD, as the link's app keeps it
            if document is not None:
                return document
        raise ApplicationError(_("This address of the portal is not a share link."), code="not_a_share_link")
    try:
        fetched = fetch_public(url, max_bytes=max_upload_bytes())
    except FetchError as error:
        raise ApplicationError(
            _("The link could not be opened: %(reason)s") % {"reason": str(error)}, code="link_unreachable"
        ) from error
    return document_of_upload(fetched.body)


def document_given(*, file: Any = None, text: str | None = None, url: str | None = None) -> bytes:
    """The credential document given: a file's bytes, what a link leads to, or the pasted text's UTF-8 bytes as
    pasted (a JAdES seal covers the payload's bytes: nothing is decoded and re-encoded)."""
    if file:
        return document_of_upload(file.read(max_upload_bytes() + 1))
    if url:
        return document_from_link(url)
    return document_of_upload(str(text or "").encode("utf-8"))


def verify_link(url: str) -> VerificationReport:
    """Verify the credential a link leads to (see ``document_from_link`` for what it raises)."""
    from .services import verify_document

    return verify_document(document_from_link(url))
