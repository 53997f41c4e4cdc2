"""A batch's zip of XML and PDF prepared by real workers, against a bare PDF render loop over the same credentials.

    python bench/export_pdf.py [--n 200] [--workers 2]

Seals N credentials, then asks for the zip: the workers (separate processes, the configured broker) render the
parts in parallel and one of them joins them. In the same run, the same N PDFs rendered in a bare loop on one core
(``pdf_of_sealed``, warm), and a bare WeasyPrint loop over the same pages sharing nothing between them (the
baseline). With W workers on W cores the export should take about 1/W of our loop: the ratios show what sharing
stylesheets and fonts saves and how much of the parallelism the parts, the queue and the join keep. Targets
(issue 18): the batch ≤ 0.3× the one-by-one renders; 10,000 PDFs with 2 workers in ≤ 10 minutes. Scratch SQLite database and broker under
a temporary VAR_DIR unless DATABASE_URL / REDIS_URL are set.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import check_workers, scratch_environment, start_workers, stop_workers  # noqa: E402

scratch_environment("bench-export-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from weasyprint import HTML, Attachment  # noqa: E402

from bench.issue_sheet import make_sheet  # noqa: E402
from europass.core import pdf  # noqa: E402
from europass.core.pdf import pdf_of_sealed  # noqa: E402
from issuing.demo import demo_setup  # noqa: E402
from issuing.models import BatchExport  # noqa: E402
from issuing.services.batches import batch_confirm, batch_upload  # noqa: E402
from issuing.services.exports import PART_SIZE, export_file, export_request  # noqa: E402
from issuing.services.sealing import credentials_seal  # noqa: E402


def harfbuzz_subset() -> bool:
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command(
        "collectstatic", interactive=False, verbosity=0
    )  # DEBUG off: the PDF's stylesheet by manifest
    with override_settings(DEBUG=True):
        organisation = demo_setup(password="bench-password").organisation

    import issuing.services.batches as batches

    enqueue = batches.enqueue_sealing
    batches.enqueue_sealing = lambda batch: 0  # sealed here, in-process: this bench is about the PDFs
    try:
        batch = batch_upload(
            organisation=organisation, actor="bench", data=make_sheet(args.n), filename="b.xlsx"
        )
        batch = batch_confirm(batch=batch, actor="bench")
    finally:
        batches.enqueue_sealing = enqueue
    for start, stop in batches.batch_chunks(batch):  # as the workers would, chunk by chunk
        credentials_seal(credential_ids=batches.batch_rows_create(batch.pk, start, stop))
    xmls = [
        bytes(xml or b"") for xml in batch.credentials.order_by("row_number").values_list("xml", flat=True)
    ]

    qr_url = settings.SITE_URL + reverse("verification:index")
    pdf_of_sealed(xml=xmls[0], qr_url=qr_url, lang="en")  # warm: fonts, templates
    started = time.perf_counter()
    for xml in xmls:
        pdf_of_sealed(xml=xml, qr_url=qr_url, lang="en")
    ours_s = time.perf_counter() - started

    # The baseline: the same pages as WeasyPrint renders them one by one, sharing nothing (each page parses its
    # stylesheets and builds its font configuration), with the same options (tagged PDF/A-3b, attachments).
    pages: list[str] = []
    render = pdf.archival_pdf

    def capture(html: str, **kwargs: object) -> bytes:
        pages.append(html)
        return b""

    pdf.archival_pdf = capture  # type: ignore[assignment]
    try:
        for xml in xmls:
            pdf_of_sealed(xml=xml, qr_url=qr_url, lang="en")
    finally:
        pdf.archival_pdf = render
    started = time.perf_counter()
    for html, xml in zip(pages, xmls, strict=True):
        HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=pdf.local_only_fetcher()).write_pdf(
            attachments=[Attachment(string=xml, name="credential.xml", relationship="Source")],
            pdf_variant=pdf.PDF_VARIANT,
            pdf_tags=True,
        )
    bare_s = time.perf_counter() - started

    workers = start_workers(args.workers, ROOT, tag="export")
    try:
        started = time.perf_counter()
        export = export_request(batch=batch, actor="bench", lang="en")
        while export.status not in (BatchExport.Status.READY, BatchExport.Status.FAILED):
            check_workers(workers)
            time.sleep(0.1)
            export.refresh_from_db()
        export_s = time.perf_counter() - started
    finally:
        stop_workers(workers)
    assert export.status == BatchExport.Status.READY, export.error
    with zipfile.ZipFile(export_file(export)) as archive:
        members = len(archive.namelist())
    sealed_files = sum(bool(xml) + bool(edc3) for xml, edc3 in batch.credentials.values_list("xml", "edc3"))
    assert members == sealed_files + args.n, (members, sealed_files, export.error)  # each sealed file + a PDF

    print(
        f"bench/export_pdf.py — {args.n} credentials, parts of {PART_SIZE}, {args.workers} worker processes, "
        f"{os.cpu_count()} cores"
    )
    print(f"  bare WeasyPrint loop, one core      {bare_s:8.2f} s   {1000 * bare_s / args.n:7.0f} ms per PDF")
    print(
        f"  our renderer, one core              {ours_s:8.2f} s   {1000 * ours_s / args.n:7.0f} ms per PDF"
        f"   {ours_s / bare_s:5.2f}x the bare loop (stylesheets parsed once, fonts shared)"
    )
    print(f"  export with the workers (→ zip)     {export_s:8.2f} s   {export.size_bytes / 1e6:7.1f} MB zip")
    print(
        f"  export / bare loop                  {export_s / bare_s:8.2f}x  (ideal 1/{args.workers} = {1 / args.workers:.2f};"
        " target ≤ 0.3)"
    )
    print(
        f"  10,000 PDFs at this rate            {10_000 * export_s / args.n / 60:8.1f} min with {args.workers} workers"
        " (target ≤ 10)"
    )
    if not harfbuzz_subset():
        print(
            "  (libharfbuzz-subset0 is missing: WeasyPrint subsets fonts with fontTools, three times slower)"
        )


if __name__ == "__main__":
    main()
