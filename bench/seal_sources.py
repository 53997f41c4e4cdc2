"""Sealing with the e-seal key where it lives, against the software key over the same documents, in one run (issue 14).

    python bench/seal_sources.py [--n 1000] [--remote 10000]

1. PKCS#11: Debian's SoftHSM2 token (an RSA-2048 key generated on it) vs the same-size software key, XAdES and JAdES,
   the same N documents, one core. Target: the token at >= 0.8x the software key's rate.
2. Remote sealing (CSC API v2) of REMOTE credentials against the test suite's CSC service (a local HTTP server over
   a software key, in this process: its signing shares the core), through the real client, in chunks of 100 as the
   workers seal them, both formats: signHash calls, hashes per call, seconds, vs the software key over the same
   documents. A real trust service adds its network round trip per call, which batching divides by 100.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import scratch_environment  # noqa: E402

scratch_environment("bench-sources-")  # production-like settings (DEBUG off) on a scratch VAR_DIR

from tests.hardware import softhsm  # noqa: E402

softhsm.configure(Path(tempfile.mkdtemp(prefix="bench-softhsm-")))  # before the PKCS#11 library loads

from cryptography import x509  # noqa: E402

from europass.credentials.edc3 import Edc3Builder  # noqa: E402
from europass.credentials.example import example_credential  # noqa: E402
from europass.sealing.csc import CscClient, CscConfig  # noqa: E402
from europass.sealing.demo import make_anchor, new_key  # noqa: E402
from europass.sealing.jades_seal import JadesSealer  # noqa: E402
from europass.sealing.keys import SealKey  # noqa: E402
from europass.sealing.seal import Sealer  # noqa: E402
from europass.sealing.token_keys import Pkcs11Config, Pkcs11Source  # noqa: E402
from tests.hardware.csc_service import Service  # noqa: E402


def _software(anchor: x509.Certificate, anchor_key: object, subject: x509.Name) -> SealKey:
    import datetime as dt

    from cryptography.hazmat.primitives import hashes

    key = new_key("rsa")
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(anchor.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(anchor_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return SealKey(private_key=key, certificate=certificate, chain=(anchor,))


def _seconds(function: object) -> float:
    started = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--remote", type=int, default=10000)
    args = parser.parse_args()
    if not softhsm.available():
        sys.exit("bench/seal_sources.py needs Debian's softhsm2 (apt-get install softhsm2)")
    import django

    django.setup()
    anchor, anchor_key = make_anchor(key_type="ec")
    subject = softhsm.subject_of("Demo University", "VATFR-12345678901")
    software = _software(anchor, anchor_key, subject)
    token = softhsm.make_token("bench", anchor=anchor, anchor_key=anchor_key, subject=subject)
    on_token = Pkcs11Source(
        Pkcs11Config(module=token.module, token_label=token.label, key_label="seal", pin_env=token.pin_env)
    ).read()
    credentials = [example_credential(id=f"urn:uuid:{uuid.uuid4()}") for _ in range(args.n)]
    xmls = [c.to_xml() for c in credentials]
    payloads = [Edc3Builder(eidas_identifier=None).payload(c) for c in credentials]

    print(f"bench/seal_sources.py — {args.n} documents, RSA-2048, one core")
    # The devices' own speed: a bare signature loop over the same JAdES signing inputs, each key.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from pkcs11 import Attribute, Mechanism, ObjectClass

    inputs = JadesSealer(software).prepare(payloads)[1]
    raw_soft = _seconds(
        lambda: [software.private_key.sign(i, padding.PKCS1v15(), hashes.SHA256()) for i in inputs]  # type: ignore[call-arg,arg-type]
    )
    import pkcs11

    session = pkcs11.lib(token.module).get_token(token_label=token.label).open()
    device_key: Any = next(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    raw_token = _seconds(lambda: [device_key.sign(i, mechanism=Mechanism.SHA256_RSA_PKCS) for i in inputs])
    print(
        f"  bare signature: software key {raw_soft / args.n * 1e3:6.2f} ms   bare python-pkcs11 on SoftHSM2 "
        f"{raw_token / args.n * 1e3:6.2f} ms   (the token itself at {raw_soft / raw_token:4.2f}x)"
    )
    for name, run in (
        ("XAdES", lambda key: [Sealer(key).seal(x) for x in xmls]),
        ("JAdES", lambda key: [JadesSealer(key).seal(p) for p in payloads]),
    ):
        soft = min(_seconds(lambda run=run: run(software)) for _ in range(2))
        hard = min(_seconds(lambda run=run: run(on_token)) for _ in range(2))
        print(
            f"  {name} software key {soft / args.n * 1e3:6.2f} ms   SoftHSM2 token {hard / args.n * 1e3:6.2f} ms   "
            f"token rate = {soft / hard:4.2f}x the software key's (target >= 0.8); what we add beyond the two "
            f"bare signatures: {((hard - soft) - (raw_token - raw_soft)) / args.n * 1e3:+.3f} ms"
        )

    # Remote: the CSC test service over the software key, the real client, chunks of 100, both formats.
    service = Service(key=software.private_key, chain=[software.certificate, anchor]).start()
    os.environ["BENCH_CSC_SECRET"] = service.client_secret
    client = CscClient(
        CscConfig(url=service.url, client_id=service.client_id, credential_id=service.credential_id,
                  secret_env="BENCH_CSC_SECRET")
    )  # fmt: skip
    remote = client.key()
    count = args.remote
    documents = [xmls[i % len(xmls)] for i in range(count)]
    texts = [payloads[i % len(payloads)] for i in range(count)]
    xades, jades = Sealer(remote), JadesSealer(remote)
    service.calls.clear()

    def seal_remotely() -> None:
        for start in range(0, count, 100):
            trees, recorder = xades.prepare(documents[start : start + 100])
            prepared, inputs = jades.prepare(texts[start : start + 100])
            signatures = remote.private_key.sign_many(recorder.items + inputs, "sha256")  # type: ignore[union-attr]
            xades.complete(trees, signatures[: len(trees)])
            jades.complete(prepared, signatures[len(trees) :])

    remote_s = _seconds(seal_remotely)
    calls = service.calls["signatures/signHash"]
    soft_x, soft_j = Sealer(software), JadesSealer(software)
    soft_s = _seconds(lambda: ([soft_x.seal(d) for d in documents], [soft_j.seal(t) for t in texts]))
    service.stop()
    shutil.rmtree(os.environ["SOFTHSM2_CONF"].rsplit("/", 1)[0], ignore_errors=True)
    print(
        f"  remote (CSC v2), {count} credentials x 2 formats: {calls} signHash calls "
        f"({service.hashes_signed / max(calls, 1):.0f} hashes per call), {service.calls['credentials/authorize']} "
        f"authorisations, {remote_s:6.2f} s; software key {soft_s:6.2f} s: remote = {remote_s / soft_s:4.2f}x"
    )


if __name__ == "__main__":
    main()
