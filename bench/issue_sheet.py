"""Issuing end to end with real workers, against a bare signxml seal loop over the same documents, in one run.

    python bench/issue_sheet.py [--n 10000] [--workers 2]

Generates an N-row XLSX, then: upload → parse + validate → confirm → Celery workers (separate processes, the
configured broker) create, seal and store every credential, each chunk's rows by the worker that seals them. In the same run, a bare signxml XAdES sign loop over the same
N documents on one core. Then, in this process over ``--sample`` fresh rows, where a credential's time and
database statements go (create, build, seal, store, deliver) against the raw RSA signature. Targets (issue 18):
≥ 2,000 credentials/s with 2 workers, ≤ 0.6× the bare loop; ≤ 0.05 statements per credential; parse + validate of
50,000 rows ≤ 3 s; worker memory flat. Uses a scratch SQLite database and broker under a temporary VAR_DIR unless
DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
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

scratch_environment("bench-issue-")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from lxml import etree  # noqa: E402
from signxml import DigestAlgorithm, SignatureMethod  # noqa: E402
from signxml.algorithms import CanonicalizationMethod  # noqa: E402
from signxml.xades import XAdESSigner  # noqa: E402

from europass.celery import app  # noqa: E402
from europass.registry.models import Organisation  # noqa: E402
from issuing.demo import demo_setup  # noqa: E402
from issuing.models import Batch, IssuedCredential  # noqa: E402
from issuing.services.batches import batch_confirm, batch_progress, batch_upload  # noqa: E402
from issuing.services.building import DocumentBuilder  # noqa: E402
from issuing.services.seals import active_seal, seal_key_of  # noqa: E402
from issuing.sheets import COLUMNS, read_sheet, validate_sheet  # noqa: E402


def make_sheet(n: int, *, offset: int = 0) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Credentials")
    sheet.append([column.en for column in COLUMNS])
    for i in range(offset + 1, offset + n + 1):
        sheet.append(
            [
                f"B-{i:06d}",
                "Ana",
                f"Pereira {i}",
                dt.date(2000, 1, 1) + dt.timedelta(days=i % 3000),
                f"learner{i}@example.org",
                "DEMO-BACHELOR-CS",
                dt.date(2024, 6, 30),
                None,
                "15/20",
                None,
                "en",
                None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory now (``VmRSS``) or at its peak so far (``VmHWM``), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system), from ``/proc``."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float | None:
    """The CPU time so far of the PostgreSQL server's processes on this machine (None when it runs elsewhere, or
    the database is SQLite, which works inside the workers)."""
    if connection.vendor != "postgresql":
        return None
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
                    found = True
            except OSError:  # gone meanwhile, or not ours to read
                continue
    return total if found else None


def breakdown(organisation: Organisation, sample: int) -> dict[str, float]:
    """Where a credential's time and database statements go, measured in this process over ``sample`` fresh rows:
    creating the rows with their status-list entries, building the document, sealing it, the rest of the sealing
    loop (claim and store), delivery; and the raw RSA signature, the floor no XAdES seal goes under."""
    from unittest import mock

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from issuing.services import batches, sealing
    from issuing.services.delivery import credentials_deliver
    from issuing.services.seals import jades_sealer_for, sealer_for

    # A batch of two chunks of ``sample`` rows, run here, not queued: the first is measured, as a chunk of a large
    # batch is (the last one also marks the batch done, once per batch).
    with (
        mock.patch.object(batches, "enqueue_sealing", lambda batch: 0),
        mock.patch.object(batches, "chunk_size", lambda count: sample),
    ):
        batch = batch_confirm(
            batch=batch_upload(
                organisation=organisation,
                actor="bench",
                data=make_sheet(2 * sample, offset=10_000_000),
                filename="b.xlsx",
            ),
            actor="bench",
        )
    with CaptureQueriesContext(connection) as created_q:  # in its own transaction, as in a worker
        started = time.perf_counter()
        ids = batches.batch_rows_create(batch.pk, 0, sample)  # what a chunk's worker does first
        create_s = time.perf_counter() - started
    issued = list(
        IssuedCredential.objects.filter(pk__in=ids).select_related(
            "organisation", "qualification", "status_list"
        )
    )
    seal = active_seal(organisation)
    builder = DocumentBuilder(organisation)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    if organisation.issues_xml:  # XAdES over the XML (and, issuing both, the EDC 3 seal is in the loop below)
        sealer: Any = sealer_for(seal)
        documents: list[Any] = [builder.credential(c, now=now).to_element() for c in issued]
    else:  # EDC 3 alone: JAdES over the JSON-LD payload
        sealer = jades_sealer_for(seal)
        documents = [builder.edc3_payload(builder.credential(c, now=now)) for c in issued]
    build_s = time.perf_counter() - started
    unsealed = [
        d.encode() if isinstance(d, str) else etree.tostring(d) for d in documents
    ]  # the raw floor's input
    started = time.perf_counter()
    seal_one = sealer.seal_element if organisation.issues_xml else sealer.seal  # what the sealing loop calls
    for document in documents:
        seal_one(document)
    seal_s = time.perf_counter() - started
    key = seal_key_of(seal).private_key
    started = time.perf_counter()
    for data in unsealed:
        if isinstance(key, ec.EllipticCurvePrivateKey):
            key.sign(data, ec.ECDSA(hashes.SHA256()))
        else:
            key.sign(data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    raw_s = time.perf_counter() - started
    with (
        mock.patch.object(sealing, "_enqueue_delivery", lambda ids: None),
        CaptureQueriesContext(connection) as sealed_q,
    ):
        started = time.perf_counter()
        result = sealing.credentials_seal(credential_ids=ids)
        loop_s = time.perf_counter() - started
    assert result.sealed == sample, result
    with CaptureQueriesContext(connection) as delivered_q:
        started = time.perf_counter()
        credentials_deliver(credential_ids=ids)
        deliver_s = time.perf_counter() - started
    return {
        "create_ms": create_s / sample * 1000,
        "create_q": len(created_q) / sample,
        "build_ms": build_s / sample * 1000,
        "seal_ms": seal_s / sample * 1000,
        "store_ms": max(0.0, loop_s - build_s - seal_s) / sample * 1000,
        "loop_ms": loop_s / sample * 1000,
        "seal_q": len(sealed_q) / sample,
        "deliver_ms": deliver_s / sample * 1000,
        "deliver_q": len(delivered_q) / sample,
        "raw_ms": raw_s / sample * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--validate-rows", type=int, default=50_000, help="rows of the largest sheet validated"
    )
    parser.add_argument(
        "--format",
        choices=[c.value for c in Organisation.CredentialFormats],
        default=Organisation.CredentialFormats.XML.value,
        help="what the organisation issues in this run (the bare loop: signxml's XAdES; jwcrypto's JWS for edc3)",
    )
    parser.add_argument(
        "--sample", type=int, default=500, help="rows of the in-process per-credential breakdown"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from django.test.utils import override_settings

    with override_settings(DEBUG=True):
        organisation = demo_setup(password="bench-password").organisation
    organisation.credential_formats = args.format
    organisation.save(update_fields=["credential_formats"])
    data = make_sheet(args.n)

    started = time.perf_counter()
    raw = read_sheet(data, filename="bench.xlsx")
    read_s = time.perf_counter() - started
    validation = validate_sheet(raw, organisation=organisation)
    parse_validate_s = time.perf_counter() - started
    assert validation.ok, validation.problems[:5]

    workers = start_workers(args.workers, ROOT)
    try:
        memory_start: list[int] = []
        cpu_start = [cpu_seconds(worker.pid) for worker in workers]
        database_start = database_cpu_seconds()
        started = time.perf_counter()
        batch = batch_upload(organisation=organisation, actor="bench", data=data, filename="bench.xlsx")
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as confirmed_q:
            batch = batch_confirm(batch=batch, actor="bench")
        queued_s = time.perf_counter() - started
        # The end is the batch marked done (by the chunk stored last), read by its key every 50 ms; the counts,
        # a query over the batch's credentials, only once a second, to take the workers' memory at 10 %: this
        # process shares the cores with the workers.
        counted = 0.0
        while True:
            if Batch.objects.filter(pk=batch.pk, status=Batch.Status.DONE).exists():
                break
            if not memory_start and time.perf_counter() - counted > 1:
                counted = time.perf_counter()
                if batch_progress(batch).sealed >= args.n // 10:
                    memory_start = [rss_kb(worker.pid) for worker in workers]
            check_workers(
                workers
            )  # a worker that died stops the benchmark with its error, never a wait forever
            time.sleep(0.05)
        end_to_end_s = time.perf_counter() - started
        progress = batch_progress(batch)
        busy = [
            (cpu_seconds(worker.pid) - before) / end_to_end_s
            for worker, before in zip(workers, cpu_start, strict=True)
        ]
        database_end = database_cpu_seconds()
        memory_end = [rss_kb(worker.pid) for worker in workers]
    finally:
        stop_workers(workers)
    assert progress.sealed == args.n, progress

    # The bare loop: the same N documents, one core: a bare signxml XAdES signer (XML, and both formats), or a bare
    # jwcrypto JWS signer over the same EDC 3 payloads (EDC 3 alone).
    seal_key = seal_key_of(active_seal(organisation))
    builder = DocumentBuilder(organisation)
    issued = list(batch.credentials.select_related("qualification", "status_list", "organisation"))
    edc3_only = args.format == Organisation.CredentialFormats.EDC3.value
    if edc3_only:
        payloads = [builder.edc3_payload(builder.credential(credential)) for credential in issued]
        bare_s = bare_jws_seconds(seal_key.private_key, payloads)
    else:
        documents = [builder.build(credential) for credential in issued]
        signer = XAdESSigner(
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_1,
        )
        started = time.perf_counter()
        for document in documents:
            etree.tostring(
                signer.sign(etree.fromstring(document), key=seal_key.private_key, cert=[seal_key.certificate])
            )
        bare_s = time.perf_counter() - started
    bare_name = "bare jwcrypto JWS loop, one core " if edc3_only else "bare signxml sign loop, one core "

    stored = IssuedCredential.objects.filter(batch=batch, status="sealed").count()
    print(
        f"bench/issue_sheet.py — {args.n} rows, {args.workers} worker processes, broker {app.conf.broker_url.split(':')[0]}, "
        f"database {connection.vendor}, issuing {args.format}"
    )
    print(f"  read sheet (calamine)             {read_s:8.2f} s")
    print(f"  parse + validate                  {parse_validate_s:8.2f} s")
    largest = make_sheet(args.validate_rows)
    import os

    before_kb = rss_kb(os.getpid())
    started = time.perf_counter()
    largest_ok = validate_sheet(read_sheet(largest, filename="largest.xlsx"), organisation=organisation).ok
    largest_s = time.perf_counter() - started
    print(
        f"  parse + validate {args.validate_rows:,} rows      {largest_s:8.2f} s   (target ≤ 3 s for the 50,000-row limit)"
        + ("" if largest_ok else "  INVALID")
    )
    print(
        f"  web side (this process) RSS        {before_kb / 1024:5.0f} MB before it, peak so far"
        f" {rss_kb(os.getpid(), 'VmHWM') / 1024:.0f} MB, after {rss_kb(os.getpid()) / 1024:.0f} MB"
    )
    print(f"  upload + validate + confirm       {queued_s:8.2f} s   (until every chunk is queued)")
    print(
        f"  end to end (upload → stored)      {end_to_end_s:8.2f} s   {args.n / end_to_end_s:8.0f} credentials/s, {stored} stored"
    )
    print(f"  {bare_name} {bare_s:8.2f} s   {args.n / bare_s:8.0f} documents/s")
    print(
        f"  end to end / bare loop            {end_to_end_s / bare_s:8.2f}x  (target ≤ 0.6: 2,000 credentials/s)"
    )
    print(
        f"  workers busy (CPU / end to end)   {' '.join(f'{b:.0%}' for b in busy)}  (the rest: waiting for the database or the queue)"
    )
    if database_start is not None and database_end is not None:
        used = database_end - database_start
        print(
            f"  database server CPU               {used:8.2f} s   {used / args.n * 1000:.3f} ms a credential, "
            f"{used / end_to_end_s:.0%} of a core (it shares the cores with the workers)"
        )
    print(
        f"  worker RSS at 10 % → end (MB)     {[round(k / 1024) for k in memory_start]} → {[round(k / 1024) for k in memory_end]}"
    )
    parts = breakdown(organisation, args.sample)
    confirm_q = len(confirmed_q) / args.n  # confirming the whole batch, at its own size
    statements = confirm_q + parts["create_q"] + parts["seal_q"] + parts["deliver_q"]
    print(f"  per credential, in process ({args.sample} rows):        ms   statements")
    print(f"    confirm ({args.n} rows)                       {confirm_q:6.3f}")
    print(
        f"    create rows + status entries      {parts['create_ms']:8.3f}   {parts['create_q']:6.3f}  (in the worker)"
    )
    print(f"    build the document                {parts['build_ms']:8.3f}")
    seal_name = "seal (XAdES)      " if organisation.issues_xml else "seal (JAdES)      "
    print(f"    {seal_name}                {parts['seal_ms']:8.3f}")
    print(f"    claim + store (loop − build − seal){parts['store_ms']:7.3f}   {parts['seal_q']:6.3f}")
    print(f"    deliver                           {parts['deliver_ms']:8.3f}   {parts['deliver_q']:6.3f}")
    print(f"    raw RSA signature (the floor)     {parts['raw_ms']:8.3f}")
    total = parts["create_ms"] + parts["loop_ms"] + parts["deliver_ms"]
    print(f"    total / raw signature             {total / parts['raw_ms']:8.1f}x")
    print(f"    statements per credential         {statements:8.3f}   (target ≤ 0.05)")


if __name__ == "__main__":
    main()
