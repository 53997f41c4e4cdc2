"""Wallet benchmark: PDF first render and cached render; the wallet page with 500 credentials versus an empty
wallet, in the same run (queries and time).

Targets: first render <= 1 s, cached <= 50 ms, list <= 10 queries (and the same count as the empty wallet).
Runs on a scratch SQLite database under a temporary VAR_DIR: `python bench/wallet.py`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-wallet-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "europass.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

COUNT = 500


def _timed(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, skip_checks=True)

    from cryptography.hazmat.primitives import serialization
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from europass.accounts.models import User
    from europass.credentials.example import example_credential
    from europass.credentials.model import CredentialStatus
    from europass.registry.models import Organisation
    from europass.registry.services import trust_anchor_add
    from europass.sealing.demo import make_demo_pki
    from europass.sealing.seal import Sealer
    from europass.status.services import status_allocate, status_set
    from wallet.models import WalletCredential
    from wallet.presenting import credential_pdf
    from wallet.services import credential_receive

    pki = make_demo_pki(key_type="ec")
    trust_anchor_add(
        pem=pki.anchor_cert.public_bytes(serialization.Encoding.PEM),
        name="bench anchor",
        qualified_for_seals=True,
    )
    sealer = Sealer(pki.seal)
    full = User.objects.create_user("full@bench.example", "bench-password-42")
    empty = User.objects.create_user("empty@bench.example", "bench-password-42")

    organisation = Organisation.objects.create(
        slug="bench", legal_name="Demo University", legal_identifier="VATFR-12345678901", country="FR"
    )
    allocation = status_allocate(organisation=organisation, count=COUNT)[0]
    status_set(status_list=allocation.status_list, index=allocation.start + 3)  # one revoked credential

    def sealed(index: int) -> bytes:
        status = CredentialStatus(url=allocation.status_list.url, index=index)
        return sealer.seal(example_credential(status=status).to_xml())

    start = time.perf_counter()
    held = [credential_receive(owner=full, xml=sealed(index)) for index in allocation.indexes()]
    print(f"sealed and received {COUNT} credentials in {time.perf_counter() - start:.1f} s")

    # --- PDF ---------------------------------------------------------------------------------------------------
    cold = _timed(lambda: credential_pdf(held[0], lang="en"), 1)[0]
    first = [_timed(lambda c=c: credential_pdf(c, lang="en"), 1)[0] for c in held[1:6]]  # type: ignore[misc]
    cached = _timed(lambda: credential_pdf(held[1], lang="en"), 30)
    first_median, cached_median = statistics.median(first), statistics.median(cached)
    print(f"PDF first render (process cold, imports included): {cold * 1000:.0f} ms")
    print(f"PDF first render (median of 5 credentials): {first_median * 1000:.0f} ms  (target <= 1000 ms)")
    print(f"PDF cached render (median of 30): {cached_median * 1000:.1f} ms  (target <= 50 ms)")
    print(f"ratio first / cached: {first_median / cached_median:.0f}x")

    # --- the wallet list -----------------------------------------------------------------------------------------
    def page(user: User) -> tuple[int, float]:
        client = Client()
        client.force_login(user)
        client.get("/wallet/")  # warm: templates, session
        with CaptureQueriesContext(connection) as queries:
            times = _timed(lambda: client.get("/wallet/"), 5)
        return len(queries) // 5, statistics.median(times)

    assert WalletCredential.objects.filter(owner=full).count() == COUNT
    html = Client()
    html.force_login(full)
    pages = (COUNT + 23) // 24  # 24 cards a page: the revoked card (the 4th received) is on the last page
    revoked = sum(
        html.get(f"/wallet/?page={number}").content.decode().count('data-status="revoked"')
        for number in range(1, pages + 1)
    )
    assert revoked == 1, revoked
    empty_queries, empty_time = page(empty)
    full_queries, full_time = page(full)
    print(f"wallet page, empty: {empty_queries} queries, {empty_time * 1000:.1f} ms")
    print(
        f"wallet page, {COUNT} credentials: {full_queries} queries, {full_time * 1000:.1f} ms  (target <= 10 queries)"
    )
    print(
        f"ratio {COUNT} / empty: {full_time / empty_time:.1f}x time, {full_queries - empty_queries:+d} queries"
    )

    ok = first_median <= 1.0 and cached_median <= 0.05 and full_queries <= 10
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
