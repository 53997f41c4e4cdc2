"""Batch issuance in EDC 3 against Europass XML, with the same real workers, in one run (issue 17).

    python bench/issue_formats.py [--n 4000] [--workers 2]

An N-row sheet of new learners is issued by the demo organisation in Europass XML only (XAdES), in EDC 3 only (ELM 3
JSON-LD, JAdES) and in both, each format twice, interleaved, best of two; each batch from upload to the last
credential stored and delivered (deliveries are queued behind a batch's seal chunks: timing to the last seal left
them to be timed with the next batch, which once made EDC 3 look 1.6x slower than XML). In the same run, a bare
jwcrypto JWS loop (RS256, JSON serialization) over the same N EDC 3 payloads on one core. Target: EDC 3 within 1.1x
of XML. No time-stamping authority (TSA_URL empty): a time-stamp is one network round trip per seal in both formats,
which is the TSA's speed, not ours. Scratch SQLite database and filesystem broker unless DATABASE_URL / REDIS_URL are
set.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import (  # noqa: E402
    bare_jws_seconds,
    check_workers,
    scratch_environment,
    start_workers,
    stop_workers,
)

os.environ["TSA_URL"] = ""
scratch_environment("bench-formats-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.issue_sheet import make_sheet  # noqa: E402
from europass.registry.models import Organisation  # noqa: E402
from issuing.demo import demo_setup  # noqa: E402
from issuing.models import Batch, IssuedCredential  # noqa: E402
from issuing.services.batches import batch_confirm, batch_progress, batch_upload  # noqa: E402
from issuing.services.building import DocumentBuilder  # noqa: E402
from issuing.services.seals import active_seal, eidas_identifier_of, seal_key_of  # noqa: E402


def issue(
    organisation: Organisation, formats: str, data: bytes, n: int, workers: list[Any]
) -> tuple[float, Batch]:
    Organisation.objects.filter(pk=organisation.pk).update(credential_formats=formats)
    organisation.refresh_from_db()
    started = time.perf_counter()
    batch = batch_upload(
        organisation=organisation, actor="bench", data=data, filename=f"bench-{formats}.xlsx"
    )
    batch = batch_confirm(batch=batch, actor="bench")
    # End to end is sealed AND delivered: deliveries are queued behind the batch's seal chunks, so a batch timed to
    # its last seal would leave its deliveries to be timed with the next batch.
    while (
        batch_progress(batch).pending
        or IssuedCredential.objects.filter(batch=batch, delivery=IssuedCredential.Delivery.NOT_YET).exists()
    ):
        check_workers(workers)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    sealed = IssuedCredential.objects.filter(batch=batch, status="sealed").count()
    assert sealed == n, (formats, sealed, batch_progress(batch))
    return elapsed, batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from django.test.utils import override_settings

    with override_settings(DEBUG=True):
        organisation = demo_setup(password="bench-password").organisation
    # Each format twice, interleaved (the database grows between runs: the best of two cancels the drift), each
    # sheet of distinct learners: a learner already holding the qualification is refused as a duplicate.
    order = ("xml", "edc3", "both", "edc3", "xml", "both")
    sheets = [(formats, make_sheet(args.n, offset=k * args.n)) for k, formats in enumerate(order)]

    workers = start_workers(args.workers, ROOT)
    try:
        issue(organisation, "both", make_sheet(50, offset=10 * args.n), 50, workers)  # warm the workers
        runs: dict[str, list[float]] = {}
        batches: dict[str, Batch] = {}
        for formats, data in sheets:
            elapsed, batches[formats] = issue(organisation, formats, data, args.n, workers)
            runs.setdefault(formats, []).append(elapsed)
            print(f"  ({formats}: {elapsed:.2f} s)", flush=True)
        times = {formats: min(elapsed) for formats, elapsed in runs.items()}
    finally:
        stop_workers(workers)

    # The bare loop: jwcrypto over the same EDC 3 payloads, one core.
    seal = active_seal(organisation)
    seal_key = seal_key_of(seal)
    builder = DocumentBuilder(organisation, eidas_identifier=eidas_identifier_of(seal))
    issued = list(batches["edc3"].credentials.select_related("qualification", "status_list", "organisation"))
    payloads = [builder.edc3_payload(builder.credential(credential)) for credential in issued]
    bare_s = bare_jws_seconds(seal_key.private_key, payloads)

    print(
        f"bench/issue_formats.py — {args.n} rows a batch, {args.workers} worker processes, no TSA, best of 2"
    )
    for formats in ("xml", "edc3", "both"):
        print(
            f"  end to end, {formats:<4}                  {times[formats]:8.2f} s   "
            f"{args.n / times[formats]:8.0f} credentials/s"
        )
    print(f"  bare jwcrypto JWS loop, one core    {bare_s:8.2f} s   {args.n / bare_s:8.0f} payloads/s")
    print(f"  EDC 3 / XML                         {times['edc3'] / times['xml']:8.2f}x  (target ≤ 1.1)")
    print(f"  both / XML                          {times['both'] / times['xml']:8.2f}x")
    print(f"  EDC 3 end to end / bare JWS loop    {times['edc3'] / bare_s:8.2f}x")


if __name__ == "__main__":
    main()
