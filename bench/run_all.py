"""`make bench`: every benchmark, each printing its figures as ratios against a baseline measured in the same run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = [
    "seal.py",
    "issue_sheet.py",
    "issue_formats.py",
    "seal_jades.py",
    "seal_sources.py",
    "export_pdf.py",
    "wallet.py",
    "verify_inprocess.py",
    "verify_http.py",
    "verify_edc3.py",
]


def main() -> int:
    failures = 0
    for name in SCRIPTS:
        script = BENCH / name
        if not script.exists():
            continue
        print(f"\n=== {name}", flush=True)
        failures += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
