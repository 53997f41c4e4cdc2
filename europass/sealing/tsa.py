"""A small RFC 3161 time-stamping authority, for the demo: ``make run`` starts it (``manage.py demo_tsa``) so that
demo seals are B-T in both formats and the verifier reports their time as proven by a time-stamp.

Its key and certificate are made by ``demo_setup`` under the demo trust anchor, the certificate marked for
time-stamping (extended key usage ``timeStamping``, critical). Production points ``TSA_URL`` at a qualified
time-stamping authority instead. Tokens are CMS SignedData over a TSTInfo (asn1crypto for the ASN.1, cryptography
for the signature), with the ESS signing-certificate-v2 attribute and the request's nonce echoed.

The HTTP server answers one thing: ``POST`` of ``application/timestamp-query`` (at most 64 KiB), with
``application/timestamp-reply``. A malformed request gets a "rejection" reply (RFC 3161 ``badDataFormat``); any other
method or content type gets 405 / 415. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .keys import PrivateKey

log = logging.getLogger(__name__)

POLICY = "1.3.6.1.4.1.99999.1.1"  # the demo authority's policy (a private arc: not a qualified service)
MAX_REQUEST = 64 * 1024


class TimeStampAuthority:
    def __init__(self, key: PrivateKey, certificate: x509.Certificate) -> None:
        self.key = key
        self.certificate = certificate
        self._der = certificate.public_bytes(serialization.Encoding.DER)
        self._asn1 = asn1_x509.Certificate.load(self._der)
        self._lock = threading.Lock()

    @classmethod
    def from_files(cls, key_path: Path, certificate_path: Path) -> TimeStampAuthority:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise ValueError("The time-stamping key must be RSA or ECDSA.")
        return cls(key, x509.load_pem_x509_certificate(certificate_path.read_bytes()))

    def token_for(self, request: tsp.TimeStampReq) -> bytes:
        """A TimeStampToken for ``request`` (its imprint, nonce and certificate request honoured)."""
        imprint = request["message_imprint"]
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": POLICY,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(63),
                "gen_time": dt.datetime.now(dt.UTC).replace(microsecond=0),
                **({"nonce": request["nonce"].native} if request["nonce"].native is not None else {}),
            }
        )
        encoded = info.dump()
        attributes = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(encoded).digest()]}),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [{"certs": [{"cert_hash": hashlib.sha256(self._der).digest()}]}],
                    }
                ),
            ]
        )
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
            algorithm = "sha256_rsa"
        else:
            signature = self.key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
            algorithm = "sha256_ecdsa"
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": self._asn1.issuer,
                            "serial_number": self._asn1.serial_number,
                        }
                    }
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": algorithm},
                "signature": signature,
            }
        )
        signed = {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(encoded)},
            "signer_infos": [signer],
        }
        if request["cert_req"].native:
            signed["certificates"] = [self._asn1]
        return bytes(
            cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed)}).dump()
        )

    def reply(self, body: bytes) -> bytes:
        """The DER TimeStampResp for the DER TimeStampReq ``body``: granted, or rejected as badDataFormat."""
        try:
            request = tsp.TimeStampReq.load(body, strict=True)
            algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
            digest = bytes(request["message_imprint"]["hashed_message"].native)
            if (
                algorithm not in ("sha256", "sha384", "sha512")
                or len(digest) != hashlib.new(algorithm).digest_size
            ):
                raise ValueError("unsupported imprint")
            token = self.token_for(request)
        except Exception:  # any malformed request: a rejection, never a crash
            return _rejection()
        return bytes(
            tsp.TimeStampResp(
                {"status": {"status": "granted"}, "time_stamp_token": cms.ContentInfo.load(token)}
            ).dump()
        )


def _rejection() -> bytes:
    """A TimeStampResp with only its status (rejection, badDataFormat): asn1crypto will not dump one without a
    token, so the outer SEQUENCE is written here around the PKIStatusInfo it encodes."""
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "fail_info": tsp.PKIFailureInfo({"bad_data_format"})}
    ).dump()
    return b"\x30" + bytes([len(status)]) + status


def server(
    authority: TimeStampAuthority, *, host: str = "127.0.0.1", port: int = 8318
) -> ThreadingHTTPServer:
    """The HTTP server of ``authority`` (not started: call ``serve_forever``)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "EuropassDemoTSA"

        def _answer(self, status: int, body: bytes = b"", content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/timestamp-query":
                self._answer(415, b"Send an RFC 3161 request as application/timestamp-query.\n")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_REQUEST:
                self._answer(413 if length > MAX_REQUEST else 411, b"Bad request length.\n")
                return
            self._answer(200, authority.reply(self.rfile.read(length)), "application/timestamp-reply")

        def do_GET(self) -> None:
            self._answer(405, b"This is an RFC 3161 time-stamping authority: POST a time-stamp request.\n")

        def log_message(self, format: str, *args: object) -> None:
            log.debug("demo TSA: " + format, *args)

    return ThreadingHTTPServer((host, port), Handler)
