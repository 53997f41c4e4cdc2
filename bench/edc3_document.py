"""The cost of one EDC 3 document per credential, against the Europass XML build and one PDF render (issue 17).

    python bench/edc3_document.py [--n 2000]

Per credential, on one core, in one run: ``Credential.to_xml()`` (the XML writer, the baseline), ``to_edc3`` without
an image, the SVG visual representation (``display_images``, every language of the credential), ``edc3_payload``,
the whole ``Edc3Builder.payload`` (document + images + JSON text) and, for scale, one WeasyPrint render of the same
credential's visual representation (``render_pdf``, warm). The target: ``Edc3Builder.payload`` well under 1 ms beyond
the XML build; the PDF is what the display image would cost if it were rendered from the PDF.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import scratch_environment  # noqa: E402

os.environ.setdefault("DEBUG", "true")  # the PDF's static files from the finders, no collectstatic needed
scratch_environment("bench-edc3-document-")

import django  # noqa: E402

django.setup()

from europass.credentials.edc3 import Edc3Builder, display_images, edc3_payload, to_edc3  # noqa: E402
from europass.credentials.example import example_credential  # noqa: E402


def per_call_ms(function: Callable[[], object], n: int) -> float:
    function()  # warm
    start = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - start) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--pdf", type=int, default=10, help="PDF renders measured")
    args = parser.parse_args()
    credential = example_credential()
    images = display_images(credential)
    document = to_edc3(credential, eidas_identifier="VATFR-12345678901", display=images)
    builder = Edc3Builder(eidas_identifier="VATFR-12345678901")
    rows = [
        ("Credential.to_xml (baseline)", per_call_ms(credential.to_xml, args.n)),
        ("to_edc3, no image", per_call_ms(lambda: to_edc3(credential, eidas_identifier="VATFR-1"), args.n)),
        (f"display_images ({len(images)} SVG)", per_call_ms(lambda: display_images(credential), args.n)),
        ("edc3_payload (JSON text)", per_call_ms(lambda: edc3_payload(document), args.n)),
        ("Edc3Builder.payload (all)", per_call_ms(lambda: builder.payload(credential), args.n)),
    ]
    from europass.core.pdf import render_pdf
    from europass.core.visual import visual_context

    xml = credential.to_xml()
    visual = visual_context(credential, seal=None, status=None, lang="en")
    rows.append(
        (
            "render_pdf (WeasyPrint, one)",
            per_call_ms(
                lambda: render_pdf(xml=xml, visual=visual, qr_url="https://example.test/v", lang="en"),
                args.pdf,
            ),
        )
    )
    baseline = rows[0][1]
    size = len(builder.payload(credential).encode())
    print(
        f"one credential ({size:,} bytes of EDC 3 payload with {len(images)} SVG images), ms per credential:"
    )
    for name, ms in rows:
        print(f"  {name:36} {ms:9.3f} ms  {ms / baseline:7.2f}x the XML build")


if __name__ == "__main__":
    main()
