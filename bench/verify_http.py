"""HTTP verification throughput: gunicorn on every core serving ``POST /api/v1/verify``, driven from loopback by a
bounded load (a fixed number of concurrent clients, each sending its next request when the previous answered).

    python bench/verify_http.py [--requests 2000] [--clients 8] [--workers N]

Baseline in the same run: the in-process verify rate of the same documents on one core (the ceiling for one
worker). Target (issue 7): ≥ 150 verifications per second.

The load comes from two bounded clients in turn, each keeping ``--clients`` requests in flight: Python threads
(always), then ``wrk`` when it is installed (Debian: ``apt-get install wrk``). On a two-core machine the Python
client itself takes a good part of the CPU the server needs; wrk, written in C, takes little, so its figure is
closer to what the server does for clients on other machines.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._verify_setup import ROOT, prepare


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/verify/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


WRK_SCRIPT = """
local bodies, n = {}, 0
for path in io.popen('ls FOLDER'):lines() do
  local f = io.open('FOLDER/' .. path, 'rb'); n = n + 1; bodies[n] = f:read('*all'); f:close()
end
local i = 0
request = function()
  i = i % n + 1
  return wrk.format('POST', '/api/v1/verify', {['Content-Type'] = 'application/xml'}, bodies[i])
end
response = function(status) if status ~= 200 then error('status ' .. status) end end
"""


def _wrk(port: int, documents: list[bytes], clients: int, seconds: int) -> float | None:
    """Requests per second that wrk measured (``clients`` connections, one thread), or None without wrk."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        for i, document in enumerate(documents):
            Path(folder, f"{i:04}.xml").write_bytes(document)
        script = Path(folder).with_suffix(".lua")
        script.write_text(WRK_SCRIPT.replace("FOLDER", folder))
        try:
            command = [
                wrk,
                "-t1",
                f"-c{clients}",
                f"-d{seconds}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/",
            ]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        finally:
            script.unlink()
    if "Non-2xx" in output or "error" in output.lower():
        raise SystemExit(f"wrk saw failures:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return float(match.group(1)) if match else None


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    documents, _pki = prepare(200)

    from django.core.management import call_command

    from verification.services import verify_xml

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages need the manifest

    for document in documents[:20]:
        verify_xml(document)
    started = time.perf_counter()
    for document in documents:
        assert verify_xml(document).valid
    inprocess_rate = len(documents) / (time.perf_counter() - started)

    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "europass.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        _wait(port)
        for document in documents[:40]:  # warm every worker (trust store, schema, register)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST", "/api/v1/verify", body=document, headers={"Content-Type": "application/xml"}
            )
            connection.getresponse().read()
        counter = iter(range(args.requests))
        lock = threading.Lock()
        statuses: dict[int, int] = {}

        def client() -> None:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(
                    "POST",
                    "/api/v1/verify",
                    body=documents[i % len(documents)],
                    headers={"Content-Type": "application/xml"},
                )
                response = connection.getresponse()
                response.read()
                connection.close()
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        wrk_rate = _wrk(port, documents, args.clients, seconds=15)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rate = args.requests / elapsed
    print(
        f"bench/verify_http.py — {args.requests} POST /api/v1/verify, {args.clients} concurrent clients, "
        f"gunicorn {args.workers} workers, {os.cpu_count()} cores (client on the same machine)"
    )
    print(f"HTTP statuses: {statuses}")
    print(f"in-process verify, one core       : {inprocess_rate:8.1f} /s")
    print(f"HTTP verify, Python client        : {rate:8.1f} /s (target ≥ 150)")
    print(f"HTTP / in-process one-core rate   : {rate / inprocess_rate:8.2f}x")
    if wrk_rate is not None:
        print(f"HTTP verify, wrk client           : {wrk_rate:8.1f} /s (target ≥ 150)")
        print(f"HTTP (wrk) / in-process one-core  : {wrk_rate / inprocess_rate:8.2f}x")
    else:
        print("HTTP verify, wrk client           : wrk not installed (apt-get install wrk)")
    if statuses.get(200, 0) != args.requests:
        raise SystemExit("some verifications did not answer 200")
    return {"rate": rate, "inprocess_rate": inprocess_rate, "wrk_rate": wrk_rate or 0.0}


if __name__ == "__main__":
    main()
