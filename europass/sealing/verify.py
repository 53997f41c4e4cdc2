"""Verification of a sealed credential, ours and the European Commission's, in every format we read.

The engine (``europass.sealing.engine``) runs one check after another over what a reader made of the document
(``europass.sealing.readers``); this module is the entry point the rest of the product calls.
``verify()`` never raises: every problem becomes a failed check with a sentence for people (translated when
shown).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from . import revocation
from .engine import REVOCATION_SOURCES, ExtraCheck, Options, run
from .readers import READERS
from .report import VerificationReport
from .trust import TrustStore

__all__ = ["REVOCATION_SOURCES", "ExtraCheck", "verify"]


def verify(
    data: bytes,
    trust: TrustStore,
    *,
    schema: object | None = None,
    extra_checks: Sequence[ExtraCheck] = (),
    now: dt.datetime | None = None,
    revocation_fetch: revocation.Fetch | None = None,
) -> VerificationReport:
    """``schema``: a validator to use instead of the shipped official schemas. ``revocation_fetch`` asks a seal
    certificate's authority for its status when the seal carries no OCSP response or CRL (the caller applies the
    network rules); without it such a status is reported unchecked."""
    return run(
        data,
        trust,
        readers=READERS,
        options=Options(schema=schema),
        extra_checks=extra_checks,
        now=now,
        revocation_fetch=revocation_fetch,
    )
