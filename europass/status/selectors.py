"""Read status lists: the published credential, and the revocation bit of one entry."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import threading
import uuid
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve

from europass.core.versions import SharedVersion

from .models import StatusChange, StatusList


def is_set(bits: bytes, index: int) -> bool:
    byte, offset = divmod(index, 8)
    return byte < len(bits) and bool(bits[byte] & (0x80 >> offset))


def encoded_list(status_list: StatusList) -> str:
    """GZIP-compressed, base64url-encoded bitstring with a multibase 'u' prefix (W3C Bitstring Status List)."""
    raw = bytes(status_list.bits or b"").ljust(status_list.size // 8, b"\0")
    compressed = gzip.compress(raw, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_list(encoded: str) -> bytes:
    value = encoded[1:] if encoded.startswith("u") else encoded
    padded = value + "=" * (-len(value) % 4)
    compressed = base64.urlsafe_b64decode(padded)
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as handle:
        return handle.read(4 * 1024 * 1024)  # bounded: no decompression bomb


def status_list_credential(status_list: StatusList) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": status_list.url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": status_list.organisation.uri,
        "validFrom": status_list.updated_at.isoformat(),
        "credentialSubject": {
            "id": f"{status_list.url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encoded_list(status_list),
        },
    }


@lru_cache(maxsize=4096)
def _list_id_at(path: str) -> uuid.UUID | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    value = match.kwargs.get("public_id") if match.view_name == "status:list" else None
    return value if isinstance(value, uuid.UUID) else None


def local_list_id(url: str) -> uuid.UUID | None:
    """The public id of this portal's status list at ``url`` (any fragment ignored), or None when the URL is not
    one of ours (routes are memoised: this is on every verification's path)."""
    parts, site = urlsplit(url or ""), urlsplit(settings.SITE_URL)
    if not url or (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    return _list_id_at(parts.path)


def local_status_list(url: str) -> StatusList | None:
    """The status list behind a URL of this very portal, or None if the URL is not ours."""
    public_id = local_list_id(url)
    return None if public_id is None else StatusList.objects.filter(public_id=public_id).first()


def revoked_since(status_list_id: int, index: int) -> dt.datetime | None:
    """When the entry was last revoked (None if it never was, or was reinstated since)."""
    change = (
        StatusChange.objects.filter(status_list_id=status_list_id, index=index)
        .order_by("-changed_at", "-id")
        .values_list("revoked", "changed_at")
        .first()
    )
    return change[1] if change and change[0] else None


STATUS_VERSION = SharedVersion("status-version")
_BITS_SQL = (  # PostgreSQL and SQLite
    'SELECT "id", "bits", "organisation_id" FROM "status_statuslist" WHERE "public_id" = %s'
)
_bits_lock = threading.Lock()
_bits: tuple[str, dict[uuid.UUID, tuple[int, bytes, int]]] = ("", {})


def status_changed() -> None:
    """A list's bits change in the current transaction: every process reads them again (this one at once)."""
    STATUS_VERSION.changed()


def _known_list(public_id: uuid.UUID) -> tuple[int, bytes, int] | None:
    global _bits
    version = STATUS_VERSION.get()
    with _bits_lock:
        if _bits[0] != version:
            _bits = (version, {})
        known = _bits[1].get(public_id)
    if known is None:
        field = StatusList._meta.get_field("public_id")
        with connection.cursor() as cursor:
            cursor.execute(_BITS_SQL, [field.get_db_prep_value(public_id, connection)])
            row = cursor.fetchone()
        if row is None:
            return None  # not remembered: unknown identifiers must not grow the memory
        known = (int(row[0]), bytes(row[1] or b""), int(row[2]))
        with _bits_lock:
            if _bits[0] == version:
                _bits[1][public_id] = known
    return known


def status_list_owner(public_id: uuid.UUID) -> int | None:
    """The primary key of the organisation a status list of ours belongs to; None for a list we do not have."""
    known = _known_list(public_id)
    return None if known is None else known[2]


def entry_state(public_id: uuid.UUID, index: int) -> tuple[int, bool] | None:
    """A status list's primary key and whether entry ``index`` is set; None for a list this portal does not have.

    On every verification's path, so each process keeps the lists' bits and reads them again whenever any list
    changes (``STATUS_VERSION``): a revocation shows at once in the process that made it, within a second in the
    others. A list is read with one prepared query (building the equivalent ORM query costs ten times the query).
    """
    known = _known_list(public_id)
    if known is None:
        return None
    return known[0], index >= 0 and is_set(known[1], index)
